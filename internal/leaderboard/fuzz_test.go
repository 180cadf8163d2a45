package leaderboard

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzQuery sends any raw query string through the handler: the answer must be 200, 400, or
// 404 for an unknown board, never a 5xx or a panic, and its body valid UTF-8 (JSON, or the
// dashboard page when the query asks for format=html). Seeds: testdata/fuzz/FuzzQuery.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"", "limit=5", "window=24h&limit=100&format=json", "format=html", "limit=%zz", "a=%FF",
		"board=golang&window=1h", "board=nope", "board=%E2%80%AE"} {
		f.Add(s)
	}
	b := newFakeBoard(sampleData())
	h, err := New([]Named{{Name: "hashtags", Board: b}, {Name: "golang", Board: b}}, Config{Logger: testLogger(discard{})})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		resp, err := h.Handle(context.Background(), event("GET", raw, nil))
		if err != nil {
			t.Fatalf("Handle error: %v", err)
		}
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest &&
			!(resp.StatusCode == http.StatusNotFound && strings.Contains(resp.Body, "unknown board")) {
			t.Fatalf("query %q: status %d, want 200, 400 or 404 for an unknown board; body %s", raw, resp.StatusCode, resp.Body)
		}
		if !utf8.ValidString(resp.Body) {
			t.Fatalf("query %q: body is not valid UTF-8: %q", raw, resp.Body)
		}
		if strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
			if resp.StatusCode != http.StatusOK || resp.Body != dashboard.html {
				t.Fatalf("query %q: HTML answer %d is not the dashboard", raw, resp.StatusCode)
			}
			return
		}
		if !json.Valid([]byte(resp.Body)) {
			t.Fatalf("query %q: body is not JSON: %q", raw, resp.Body)
		}
		if resp.StatusCode != http.StatusOK {
			var e errorBody
			if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Error == "" {
				t.Fatalf("query %q: 400 without an error message: %s", raw, resp.Body)
			}
			if len(e.Error) > 400 {
				t.Fatalf("query %q: error message of %d bytes", raw, len(e.Error))
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
