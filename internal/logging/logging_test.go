package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestJSONWithRequestIDAndLevel(t *testing.T) {
	tests := []struct {
		level     slog.Level
		debugSeen bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}, {slog.LevelWarn, false}}
	for _, tc := range tests {
		t.Run(tc.level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			log := New(&buf, tc.level)
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
			log.DebugContext(ctx, "debug line")
			log.ErrorContext(ctx, "error line", "n", 1)
			lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
			if got := len(lines) == 2; got != tc.debugSeen {
				t.Fatalf("level %s: %d lines: %s", tc.level, len(lines), buf.String())
			}
			var rec map[string]any
			if err := json.Unmarshal(lines[len(lines)-1], &rec); err != nil {
				t.Fatal(err)
			}
			if rec["message"] != "error line" || rec["level"] != "ERROR" || rec["requestId"] != "req-42" || rec["timestamp"] == nil {
				t.Errorf("record %v", rec)
			}
		})
	}
}

func TestPrintfAdapter(t *testing.T) {
	var buf bytes.Buffer
	p := Printf{Log: New(&buf, slog.LevelInfo), Level: slog.LevelWarn}
	p.Printf(context.Background(), "dial %s: %v", "127.0.0.1:1", "connection refused")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if rec["level"] != "WARN" || rec["message"] != "dial 127.0.0.1:1: connection refused" || rec["component"] != "go-redis" {
		t.Errorf("record %v", rec)
	}
}
