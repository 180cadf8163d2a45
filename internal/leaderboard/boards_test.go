package leaderboard

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// twoBoards is a handler of the boards "aws" (the default) and "golang", each on its own fake
// store, configured as deployed.
func twoBoards(t *testing.T, opts ...option) (*Handler, *fakeBoard, *fakeBoard, *fakeClock, *syncBuffer) {
	t.Helper()
	aws := newFakeBoard(sampleData())
	golang := newFakeBoard(map[store.Window][]store.Entry{store.All: {{Hashtag: "generics", Count: 5}}})
	clock := &fakeClock{t: t0}
	logs := &syncBuffer{}
	cfg := Config{CacheTTL: config.DefaultCacheTTL, Logger: testLogger(logs), now: clock.now}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := New([]Named{
		{Name: "aws", Query: "#aws -is:retweet", Board: aws},
		{Name: "golang", Query: `#golang lang:en "go 1.26"`, Board: golang},
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, aws, golang, clock, logs
}

func TestBoardParameter(t *testing.T) {
	h, _, _, _, _ := twoBoards(t)
	tests := []struct {
		query      string
		wantStatus int
		want       string // the body, or a substring of the error
	}{
		{"limit=1", 200, `{"leaderboard":"aws","view":"top","window":"all","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"aws","spelling":"aws","count":42,"estimate":42,"margin":0}]}` + "\n"},
		{"board=aws&limit=1", 200, `{"leaderboard":"aws","view":"top","window":"all","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"aws","spelling":"aws","count":42,"estimate":42,"margin":0}]}` + "\n"},
		{"board=golang", 200, `{"leaderboard":"golang","view":"top","window":"all","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"generics","spelling":"generics","count":5,"estimate":5,"margin":0}]}` + "\n"},
		{"board=golang&window=24h", 200, `{"leaderboard":"golang","view":"top","window":"24h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[]}` + "\n"},
		{"board=rust", 404, `unknown board "rust": the boards are "aws", "golang"`},
		{"board=AWS", 404, `unknown board "AWS": the boards are "aws", "golang"`},
		{"board=%3Cscript%3E", 404, `unknown board "<script>"`}, // quoted; encoding/json escapes < and >
		{"board=", 400, `query parameter "board" is empty`},
		{"board=rust&limit=0", 400, `query parameter "limit"`}, // a bad query is reported before the board is looked up
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := handle(t, h, event("GET", tt.query, nil))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantStatus == 200 {
				if resp.Body != tt.want {
					t.Errorf("body\n got %s\nwant %s", resp.Body, tt.want)
				}
				return
			}
			var e errorBody
			if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || !strings.Contains(e.Error, tt.want) {
				t.Errorf("body %s (%v), want a JSON error containing %s", resp.Body, err, tt.want)
			}
			if strings.ContainsAny(resp.Body, "<>") {
				t.Errorf("body %s has a raw < or >", resp.Body)
			}
			if resp.Headers["Cache-Control"] != "no-store" || resp.Headers["Content-Type"] != "application/json; charset=utf-8" {
				t.Errorf("error headers %v", resp.Headers)
			}
		})
	}
	// HEAD: the same status, no body.
	if resp := handle(t, h, event("HEAD", "board=rust", nil)); resp.StatusCode != 404 || resp.Body != "" {
		t.Errorf("HEAD unknown board: %d %q", resp.StatusCode, resp.Body)
	}
}

func TestBoardsList(t *testing.T) {
	h, aws, golang, _, _ := twoBoards(t)
	req := event("GET", "", nil)
	req.RawPath, req.RequestContext.HTTP.Path = "/boards", "/boards"
	resp := handle(t, h, req)
	want := `{"boards":[{"name":"aws","query":"#aws -is:retweet"},{"name":"golang","query":"#golang lang:en \"go 1.26\""}]}` + "\n"
	if resp.StatusCode != 200 || resp.Body != want {
		t.Fatalf("GET /boards: %d\n got %s\nwant %s", resp.StatusCode, resp.Body, want)
	}
	etag := resp.Headers["ETag"]
	for k, v := range map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache",
		"X-Content-Type-Options": "nosniff", "Content-Security-Policy": apiCSP} {
		if resp.Headers[k] != v {
			t.Errorf("%s = %q, want %q", k, resp.Headers[k], v)
		}
	}
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Errorf("ETag %q, want a strong tag", etag)
	}
	cond := req
	cond.Headers = map[string]string{"if-none-match": etag}
	if resp := handle(t, h, cond); resp.StatusCode != 304 || resp.Body != "" || resp.Headers["ETag"] != etag {
		t.Errorf("conditional GET /boards: %d %q %v", resp.StatusCode, resp.Body, resp.Headers)
	}
	head := req
	head.RequestContext.HTTP.Method = "HEAD"
	if resp := handle(t, h, head); resp.StatusCode != 200 || resp.Body != "" || resp.Headers["ETag"] != etag {
		t.Errorf("HEAD /boards: %d %q", resp.StatusCode, resp.Body)
	}
	for _, tc := range []struct {
		method, path, query string
		want                int
	}{
		{"POST", "/boards", "", 405},
		{"GET", "/boards", "board=aws", 400},
		{"GET", "/boards", "&&", 200},
		{"GET", "/boards/", "", 404},
		{"GET", "/Boards", "", 404},
	} {
		r := event(tc.method, tc.query, nil)
		r.RawPath, r.RequestContext.HTTP.Path = tc.path, tc.path
		if resp := handle(t, h, r); resp.StatusCode != tc.want {
			t.Errorf("%s %s?%s: %d, want %d (%s)", tc.method, tc.path, tc.query, resp.StatusCode, tc.want, resp.Body)
		}
	}
	if aws.calls.Load()+golang.calls.Load() != 0 {
		t.Error("listing the boards read a store")
	}
}

// TestCachePerBoard: each board has its own cache and its own reads: one read per board and
// window per cache period, never one board's data in another's answer, and different ETags for
// the same data on two boards.
func TestCachePerBoard(t *testing.T) {
	h, aws, golang, clock, _ := twoBoards(t)
	golang.set(store.Day, sampleData()[store.Day]) // the same 24h data as aws
	for range 3 {
		for _, q := range []string{"window=24h", "board=golang&window=24h", "board=aws&window=24h&limit=1", "board=golang&window=all"} {
			if resp := handle(t, h, event("GET", q, nil)); resp.StatusCode != 200 {
				t.Fatalf("%s: %d", q, resp.StatusCode)
			}
		}
	}
	if a, g := aws.calls.Load(), golang.calls.Load(); a != 1 || g != 2 {
		t.Errorf("store reads: aws %d, golang %d; want 1 and 2 (one per board and window)", a, g)
	}
	a := handle(t, h, event("GET", "window=24h", nil))
	g := handle(t, h, event("GET", "board=golang&window=24h", nil))
	if a.Headers["ETag"] == g.Headers["ETag"] {
		t.Errorf("two boards with the same data share ETag %s", a.Headers["ETag"])
	}
	// An ETag of one board does not validate the other's answer.
	if resp := handle(t, h, event("GET", "board=golang&window=24h", map[string]string{"if-none-match": a.Headers["ETag"]})); resp.StatusCode != 200 {
		t.Errorf("aws's ETag on golang: %d, want 200", resp.StatusCode)
	}
	// Expiry is per read: after the TTL each board is read again.
	clock.advance(config.DefaultCacheTTL)
	handle(t, h, event("GET", "board=golang&window=24h", nil))
	if a, g := aws.calls.Load(), golang.calls.Load(); a != 1 || g != 3 {
		t.Errorf("after expiry: aws %d, golang %d; want 1 and 3", a, g)
	}
}

// TestTrendingPerBoard: view=trending answers the requested board's trending view, named as
// that board, cached per board, view and window; an unknown board is 404 for it as for the top.
func TestTrendingPerBoard(t *testing.T) {
	h, aws, golang, _, _ := twoBoards(t)
	aws.setTrends(store.Hour, []store.Trend{{Hashtag: "reinvent", Count: 40, Authors: 30, Baseline: 2, Score: 392}})
	golang.setTrends(store.Hour, []store.Trend{{Hashtag: "generics", Count: 9, Authors: 8, Baseline: 1, Score: 49}})
	golang.setTrends(store.Day, []store.Trend{{Hashtag: "generics", Count: 9, Authors: 8, Baseline: 1, Score: 49}})
	tests := []struct {
		query, want string
	}{
		{"view=trending", `{"leaderboard":"aws","view":"trending","window":"1h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"reinvent","spelling":"reinvent","count":40,"estimate":40,"margin":0,"authors":30,"baseline":2,"score":392}]}`},
		{"board=golang&view=trending", `{"leaderboard":"golang","view":"trending","window":"1h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"generics","spelling":"generics","count":9,"estimate":9,"margin":0,"authors":8,"baseline":1,"score":49}]}`},
		{"view=trending&window=24h&board=golang", `{"leaderboard":"golang","view":"trending","window":"24h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"generics","spelling":"generics","count":9,"estimate":9,"margin":0,"authors":8,"baseline":1,"score":49}]}`},
		{"board=aws&view=trending&window=24h", `{"leaderboard":"aws","view":"trending","window":"24h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[]}`},
	}
	for range 2 {
		for _, tt := range tests {
			resp := handle(t, h, event("GET", tt.query, nil))
			if resp.StatusCode != 200 || resp.Body != tt.want+"\n" {
				t.Errorf("%s: %d\n got %s\nwant %s", tt.query, resp.StatusCode, resp.Body, tt.want)
			}
		}
	}
	// One read per board, view and window: aws 1h and 24h, golang 1h and 24h, and the top of
	// golang's 1h window is another read, not the trending one.
	if a, g := aws.calls.Load(), golang.calls.Load(); a != 2 || g != 2 {
		t.Errorf("store reads: aws %d, golang %d; want 2 and 2 (one per board, view and window)", a, g)
	}
	top := handle(t, h, event("GET", "board=golang&window=1h", nil))
	trend := handle(t, h, event("GET", "board=golang&view=trending&window=1h", nil))
	if g := golang.calls.Load(); g != 3 || !strings.Contains(top.Body, `"view":"top"`) {
		t.Errorf("golang top 1h after its trending view: %d reads, body %s; want 3 reads and the top", g, top.Body)
	}
	if top.Headers["ETag"] == trend.Headers["ETag"] {
		t.Errorf("the top and trending answers share ETag %s", top.Headers["ETag"])
	}
	for _, q := range []string{"board=rust&view=trending", "view=trending&board=rust&window=24h"} {
		resp := handle(t, h, event("GET", q, nil))
		if resp.StatusCode != 404 || !strings.Contains(resp.Body, `unknown board \"rust\"`) {
			t.Errorf("%s: %d %s, want 404 naming the board", q, resp.StatusCode, resp.Body)
		}
	}
}

// TestUnavailablePerBoard: a failing board gets 503; the other board is not affected.
func TestUnavailablePerBoard(t *testing.T) {
	h, _, golang, _, logs := twoBoards(t, cacheTTL(0))
	golang.fail(errBoom)
	if resp := handle(t, h, event("GET", "board=golang", nil)); resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
		t.Errorf("failing board: %d %v", resp.StatusCode, resp.Headers)
	}
	if resp := handle(t, h, event("GET", "board=aws", nil)); resp.StatusCode != 200 {
		t.Errorf("the other board: %d", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), `"leaderboard":"golang"`) {
		t.Errorf("the failure's log does not name the board: %s", logs.String())
	}
	golang.fail(nil)
	if resp := handle(t, h, event("GET", "board=golang", nil)); resp.StatusCode != 200 {
		t.Errorf("after recovery: %d", resp.StatusCode)
	}
}

func TestAccessLogNamesTheBoard(t *testing.T) {
	h, _, _, _, logs := twoBoards(t)
	handle(t, h, event("GET", "board=golang", nil))
	handle(t, h, event("GET", "", nil))
	dec := json.NewDecoder(strings.NewReader(logs.String()))
	var boards []string
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] == "request" {
			boards = append(boards, rec["board"].(string))
		}
	}
	if strings.Join(boards, ",") != "golang,aws" {
		t.Errorf("logged boards %v, want golang,aws", boards)
	}
}

// TestHistoryPerBoard: view=history reads the board the request names (the default board
// without one), says its name, is cached and tagged per board, 404s for an unknown board like
// the top, and one failing board leaves the other's history served.
func TestHistoryPerBoard(t *testing.T) {
	h, aws, golang, _, logs := twoBoards(t)
	aws.setHistory(store.Day, "cloud", []int64{5})
	golang.setHistory(store.Day, "cloud", []int64{7})
	type body struct {
		Leaderboard string `json:"leaderboard"`
		Series      []struct {
			Hashtag string `json:"hashtag"`
			Points  []struct {
				Count int64 `json:"count"`
			} `json:"points"`
		} `json:"series"`
	}
	get := func(q string) (body, events.LambdaFunctionURLResponse) {
		t.Helper()
		resp := handle(t, h, event("GET", q, nil))
		var b body
		if resp.StatusCode == 200 && strings.HasPrefix(resp.Headers["Content-Type"], "application/json") {
			if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		return b, resp
	}
	for range 2 { // the second round is served from the cache, per board
		for _, tc := range []struct {
			query, board string
			first        int64
		}{
			{"view=history&hashtags=cloud", "aws", 5},
			{"board=aws&view=history&hashtags=cloud", "aws", 5},
			{"board=golang&view=history&hashtags=cloud", "golang", 7},
		} {
			b, resp := get(tc.query)
			if resp.StatusCode != 200 || b.Leaderboard != tc.board || len(b.Series) != 1 || len(b.Series[0].Points) != 25 || b.Series[0].Points[0].Count != tc.first {
				t.Errorf("%s: %d %s, want board %s's history (first bucket %d)", tc.query, resp.StatusCode, resp.Body, tc.board, tc.first)
			}
		}
	}
	// Per board: the shared read of its 24h top, and the read of cloud (in the window, not in
	// the top).
	if a, g := aws.histCalls.Load(), golang.histCalls.Load(); a != 2 || g != 2 {
		t.Errorf("history reads: aws %d, golang %d; want two each", a, g)
	}
	// The same (empty) data on two boards: different ETags, and one board's does not
	// validate the other's answer.
	_, a := get("view=history&hashtags=none")
	_, g := get("board=golang&view=history&hashtags=none")
	if a.Headers["ETag"] == g.Headers["ETag"] {
		t.Errorf("two boards' histories share ETag %s", a.Headers["ETag"])
	}
	if resp := handle(t, h, event("GET", "board=golang&view=history&hashtags=none", map[string]string{"if-none-match": a.Headers["ETag"]})); resp.StatusCode != 200 {
		t.Errorf("aws's ETag on golang's history: %d, want 200", resp.StatusCode)
	}
	if _, resp := get("board=rust&view=history&hashtags=cloud"); resp.StatusCode != 404 || !strings.Contains(resp.Body, `unknown board \"rust\": the boards are \"aws\", \"golang\"`) {
		t.Errorf("unknown board: %d %s, want 404 naming the boards", resp.StatusCode, resp.Body)
	}
	if _, resp := get("board=golang&view=history&hashtags=cloud&embed=1&format=html"); resp.StatusCode != 200 || resp.Body != h.embed.html {
		t.Errorf("the widget of a board: %d", resp.StatusCode)
	}
	golang.fail(errBoom)
	if _, resp := get("board=golang&view=history&hashtags=other"); resp.StatusCode != 503 {
		t.Errorf("failing board's history: %d, want 503", resp.StatusCode)
	}
	if _, resp := get("view=history&hashtags=other"); resp.StatusCode != 200 {
		t.Errorf("the other board's history: %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), `"leaderboard":"golang","view":"history"`) {
		t.Errorf("the failure's log does not name the board and view: %s", logs.String())
	}
}
