package leaderboard

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// FuzzQuery sends any raw query string through the handler: the answer must be 200, 400, 404 for an
// unknown board, or 429 for a history request over the budget, never a 5xx or a panic, and its body
// valid UTF-8 (JSON, or the dashboard page or widget when the query asks for format=html). The
// seeds reach every parameter, the boards, the history view's hashtags (normalised, hostile, too
// many) and the widget. Seeds: testdata/fuzz/FuzzQuery.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"", "limit=5", "window=24h&limit=100&format=json", "format=html", "limit=%zz", "a=%FF",
		"board=golang&window=1h", "board=nope", "board=%E2%80%AE",
		"view=history&hashtags=aws,golang", "view=history&window=1h&hashtags=%23AWS,+caf%C3%A9+,aws",
		"view=history&window=7d&hashtags=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z",
		"view=history&hashtags=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E", "view=history&hashtags=%E2%80%AEevil,%FF",
		"view=top&embed=1&format=html&window=1h", "embed=1", "view=history&hashtags=a&limit=3",
		"board=golang&view=history&hashtags=aws&window=1h", "board=nope&view=history&hashtags=aws",
		"board=golang&embed=1&format=html"} {
		f.Add(s)
	}
	b := newFakeBoard(sampleData())
	b.setHistory(store.Day, "aws", []int64{1, 2, 3})
	h, err := New([]Named{{Name: "hashtags", Board: b}, {Name: "golang", Board: b}}, Config{Logger: testLogger(discard{})})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		resp, err := h.Handle(context.Background(), event("GET", raw, nil))
		if err != nil {
			t.Fatalf("Handle error: %v", err)
		}
		// A history request past the instance's budget for hashtags outside the window's top 100
		// gets 429 with Retry-After (history_cost.go): the fuzzer sends thousands of them.
		busy := resp.StatusCode == http.StatusTooManyRequests && resp.Headers["Retry-After"] != "" &&
			strings.Contains(resp.Body, "history")
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest && !busy &&
			!(resp.StatusCode == http.StatusNotFound && strings.Contains(resp.Body, "unknown board")) {
			t.Fatalf("query %q: status %d, want 200, 400, 404 for an unknown board or 429 for history; body %s",
				raw, resp.StatusCode, resp.Body)
		}
		if !utf8.ValidString(resp.Body) {
			t.Fatalf("query %q: body is not valid UTF-8: %q", raw, resp.Body)
		}
		if strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
			if resp.StatusCode != http.StatusOK || (resp.Body != dashboard.html && resp.Body != h.embed.html) {
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
