// Package logging owns the process logger: log/slog JSON lines with Lambda's key names
// (timestamp, level, message) and the request id of the invocation a record belongs to.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns a JSON logger writing to w at level and above (the functions' level is
// configured: config.LogLevel).
func New(w io.Writer, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdacontext.ReplaceAttr})
	return slog.New(requestID{h})
}

// requestID adds the Lambda request id from the context to every record.
type requestID struct{ slog.Handler }

func (h requestID) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestID) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestID{h.Handler.WithAttrs(attrs)}
}

func (h requestID) WithGroup(name string) slog.Handler { return requestID{h.Handler.WithGroup(name)} }

// Printf adapts a logger to go-redis's internal logger (redis.SetLogger), so its messages
// (dial retries, pool and cluster notices) are JSON records too, at the given level.
type Printf struct {
	Log   *slog.Logger
	Level slog.Level
}

// Printf logs one go-redis message.
func (p Printf) Printf(ctx context.Context, format string, v ...any) {
	p.Log.Log(ctx, p.Level, fmt.Sprintf(format, v...), "component", "go-redis")
}
