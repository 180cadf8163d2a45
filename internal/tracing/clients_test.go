package tracing_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/tracing"
)

// headerRecorder is an HTTP server that answers 200 with body and keeps
// the X-Ray trace header of each request.
type headerRecorder struct {
	*httptest.Server
	mu      sync.Mutex
	headers []string
}

func newHeaderRecorder(t *testing.T, contentType, body string) *headerRecorder {
	h := &headerRecorder{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.headers = append(h.headers, r.Header.Get(xray.TraceIDHeaderKey))
		h.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *headerRecorder) traceHeaders() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.headers...)
}

// secretsManagerResponse is a GetSecretValue answer as Secrets Manager's
// JSON protocol gives it.
const secretsManagerResponse = `{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf","CreatedDate":1.7e9,"Name":"x","SecretString":"{\"password\":\"` + leakPassword + `\"}","VersionId":"v1","VersionStages":["AWSCURRENT"]}`

func secretsClient(endpoint string) *secretsmanager.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		}),
	}
	tracing.InstrumentAWS(&cfg)
	return secretsmanager.NewFromConfig(cfg)
}

func TestHTTPAndAWSWithinSegment(t *testing.T) {
	api := newHeaderRecorder(t, "application/json", `{"data":[]}`)
	sm := newHeaderRecorder(t, "application/x-amz-json-1.1", secretsManagerResponse)
	hc := tracing.HTTPClient(&http.Client{})
	smc := secretsClient(sm.URL)

	ctx, seg := xray.BeginSegment(context.Background(), "tracing-clients-test")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+"/2/tweets/search/recent?query=%23go", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	out, err := smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(out.SecretString), leakPassword) {
		t.Fatalf("stand-in answered %q", aws.ToString(out.SecretString))
	}
	seg.Close(nil)

	docs, raw := collect(t, seg.TraceID, func(ds []doc) bool {
		return slices.ContainsFunc(ds, func(d doc) bool { return d.str("id") == seg.ID })
	})
	assertNoLeak(t, raw)
	var sub []doc
	for _, d := range docs {
		if d.str("id") == seg.ID {
			sub = d.children()
		}
	}
	if len(sub) != 2 {
		t.Fatalf("segment has %d subsegments, want 2 (HTTP, Secrets Manager)", len(sub))
	}
	host := strings.TrimPrefix(api.URL, "http://")
	if sub[0].str("name") != host || sub[0].str("namespace") != "remote" {
		t.Errorf("HTTP subsegment name=%q namespace=%q, want %q/remote", sub[0].str("name"), sub[0].str("namespace"), host)
	}
	httpInfo, _ := sub[0]["http"].(map[string]any)
	respInfo, _ := httpInfo["response"].(map[string]any)
	if status, _ := respInfo["status"].(float64); status != 200 {
		t.Errorf("HTTP subsegment response status = %v, want 200", respInfo["status"])
	}
	awsInfo, _ := sub[1]["aws"].(map[string]any)
	if sub[1].str("name") != "Secrets Manager" || sub[1].str("namespace") != "aws" || awsInfo["operation"] != "GetSecretValue" {
		t.Errorf("AWS subsegment name=%q namespace=%q aws=%v", sub[1].str("name"), sub[1].str("namespace"), awsInfo)
	}
	for _, h := range [][]string{api.traceHeaders(), sm.traceHeaders()} {
		if len(h) != 1 || !strings.Contains(h[0], "Root="+seg.TraceID) {
			t.Errorf("downstream trace headers = %q, want one with Root=%s", h, seg.TraceID)
		}
	}
}

// TestQuietWithoutTraceContext is a local run or cold-start code: no
// segment and no trace header. Everything works, nothing is emitted, and
// the SDK logs nothing.
func TestQuietWithoutTraceContext(t *testing.T) {
	rdb := newClient(t)
	api := newHeaderRecorder(t, "application/json", `{"data":[]}`)
	sm := newHeaderRecorder(t, "application/x-amz-json-1.1", secretsManagerResponse)
	hc := tracing.HTTPClient(nil)
	smc := secretsClient(sm.URL)
	ctx := context.Background()

	emitted, logged := emitter.count(), logs.len()
	if err := rdb.Set(ctx, "k:quiet", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Get(ctx, "k:missing").Err(); err != redis.Nil {
		t.Fatalf("get miss: %v", err)
	}
	if err := rdb.LPush(ctx, "k:quiet", "x").Err(); err == nil {
		t.Fatal("LPUSH on a string succeeded")
	}
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "k:quiet:n")
		p.Get(ctx, "k:quiet")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(api.URL + "/2/tweets/search/recent")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")}); err != nil {
		t.Fatal(err)
	}

	if n := emitter.count() - emitted; n != 0 {
		t.Errorf("%d documents emitted without a trace context", n)
	}
	for _, r := range logs.since(logged) {
		t.Errorf("logged without a trace context: %s %s", r.Level, r.Message)
	}
	for _, h := range [][]string{api.traceHeaders(), sm.traceHeaders()} {
		if len(h) != 1 || h[0] != "" {
			t.Errorf("downstream trace headers = %q, want one empty", h)
		}
	}
}

// TestSDKMessagesGoToSlog proves the capture above could fail: the raw
// xray.Client without a segment warns, and the warning arrives in slog,
// tagged component=xray; the SDK's debug chatter does not.
func TestSDKMessagesGoToSlog(t *testing.T) {
	api := newHeaderRecorder(t, "application/json", `{}`)
	logged := logs.len()
	resp, err := xray.Client(nil).Get(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recs := logs.since(logged)
	if len(recs) != 1 {
		t.Fatalf("got %d log records, want the SDK's one warning", len(recs))
	}
	r := recs[0]
	var component string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "component" {
			component = a.Value.String()
		}
		return true
	})
	if r.Level != slog.LevelWarn || component != "xray" || !strings.Contains(r.Message, "segment cannot be found") {
		t.Errorf("record = %s %q component=%q", r.Level, r.Message, component)
	}
}

func TestInitIdempotent(t *testing.T) {
	for range 3 {
		if err := tracing.Init(); err != nil {
			t.Fatal(err)
		}
	}
}
