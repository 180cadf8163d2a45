// Package tracing owns X-Ray instrumentation: the one-time SDK set-up for
// the Lambda mains (Init), a go-redis hook that records every command,
// pipeline and script call as a subsegment (RedisHook), and wrappers for
// the X API HTTP client (HTTPClient) and AWS SDK v2 clients (InstrumentAWS).
//
// Inside Lambda, aws-lambda-go puts the invocation's trace header in the
// context and the X-Ray SDK emits subsegments of the function's facade
// segment over UDP to the daemon whose address Lambda sets in the
// environment. Outside Lambda, or with no trace context (e.g. cold-start
// code before the first invocation), the wrappers pass calls straight
// through and nothing is logged or emitted.
//
// Subsegments never carry Redis argument values or credentials: only
// command names, and errors with any echoed arguments removed.
//
// The X-Ray SDK is imported here and nowhere else in the deployed code, so
// that a move to OpenTelemetry (the SDK's end of support is 2027-02-25)
// replaces this package's four functions rather than touching every caller;
// docs/DESIGN.md (Tracing) lists what else such a move touches.
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-xray-sdk-go/v2/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/v2/strategy/ctxmissing"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/aws-xray-sdk-go/v2/xraylog"
)

var initOnce sync.Once

// Init configures the X-Ray SDK for this process; call it once at the start
// of main, before any goroutine uses the SDK. A missing trace context is
// ignored silently (the SDK's context-missing variable, when set, still wins)
// and the SDK's own messages go to slog.Default() at WARN and above, tagged
// component=xray. The SDK reads the daemon's address (set by Lambda; default
// 127.0.0.1:2000) and its off switch from the environment: package
// internal/config's SDKVariables lists them. Later calls do nothing.
func Init() error {
	var err error
	initOnce.Do(func() {
		xray.SetLogger(slogLogger{min: xraylog.LogLevelWarn})
		if cerr := xray.Configure(xray.Config{ContextMissingStrategy: ctxmissing.NewDefaultIgnoreErrorStrategy()}); cerr != nil {
			err = fmt.Errorf("configure X-Ray: %w", cerr)
		}
	})
	return err
}

// slogLogger adapts the X-Ray SDK's logger interface to slog.Default(),
// resolved on every call so a later slog.SetDefault applies.
type slogLogger struct {
	min xraylog.LogLevel
}

func (l slogLogger) Log(level xraylog.LogLevel, msg fmt.Stringer) {
	if level < l.min {
		return
	}
	var sl slog.Level
	switch level {
	case xraylog.LogLevelDebug:
		sl = slog.LevelDebug
	case xraylog.LogLevelInfo:
		sl = slog.LevelInfo
	case xraylog.LogLevelWarn:
		sl = slog.LevelWarn
	default:
		sl = slog.LevelError
	}
	slog.Default().Log(context.Background(), sl, msg.String(), slog.String("component", "xray"))
}

// traced reports whether ctx carries something to attach a subsegment to:
// a segment, or the trace header aws-lambda-go stores for an invocation.
func traced(ctx context.Context) bool {
	if xray.GetSegment(ctx) != nil {
		return true
	}
	h, _ := ctx.Value(xray.LambdaTraceHeaderKey).(string)
	return h != ""
}

// HTTPClient returns a copy of c (http.DefaultClient when nil) whose
// requests made with a traced context are recorded as X-Ray subsegments
// named after the host (xray.Client); other requests go straight to c's
// transport.
func HTTPClient(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{
		Transport:     &roundTripper{base: base, traced: xray.RoundTripper(base)},
		CheckRedirect: c.CheckRedirect,
		Jar:           c.Jar,
		Timeout:       c.Timeout,
	}
}

type roundTripper struct {
	base, traced http.RoundTripper
}

func (rt *roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if traced(r.Context()) {
		return rt.traced.RoundTrip(r)
	}
	return rt.base.RoundTrip(r)
}

// InstrumentAWS adds X-Ray subsegments (namespace "aws", with the service
// and operation) to every client later built from cfg. It matches
// secrets.WithConfigHook. Calls without a trace context are not recorded.
func InstrumentAWS(cfg *aws.Config) {
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
}
