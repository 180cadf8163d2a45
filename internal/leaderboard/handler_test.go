package leaderboard

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func sampleData() map[store.Window][]store.Entry {
	return map[store.Window][]store.Entry{
		store.All:  {{Hashtag: "aws", Count: 42}, {Hashtag: "go", Count: 7}, {Hashtag: "redis", Count: 7}, {Hashtag: "lambda", Count: 1}},
		store.Day:  {{Hashtag: "serverless", Count: 3}},
		store.Hour: nil,
	}
}

// option changes the Config newTestHandler starts from.
type option func(*Config)

func cacheTTL(d time.Duration) option { return func(c *Config) { c.CacheTTL = d } }
func timeout(d time.Duration) option  { return func(c *Config) { c.timeout = d } }

// newTestHandler is the handler of "hashtags" on b, configured as deployed (CACHE_TTL's
// default) unless opts say otherwise, with a fake clock and its logs in a buffer.
func newTestHandler(t *testing.T, b Board, opts ...option) (*Handler, *fakeClock, *syncBuffer) {
	t.Helper()
	clock := &fakeClock{t: t0}
	logs := &syncBuffer{}
	cfg := Config{CacheTTL: config.DefaultCacheTTL, Logger: testLogger(logs), now: clock.now}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := New([]Named{{Name: "hashtags", Query: "#aws -is:retweet", Board: b}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, clock, logs
}

func handle(t *testing.T, h *Handler, req events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	t.Helper()
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

func TestJSONBody(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.setTrends(store.Hour, []store.Trend{
		{Hashtag: "new", Count: 31, Authors: 30, Baseline: 0, Score: 900},
		{Hashtag: "riser", Count: 15, Authors: 15, Baseline: 2.29, Score: 70.88},
	})
	h, _, _ := newTestHandler(t, b)
	tests := []struct {
		query string
		want  string
	}{
		{"", `{"leaderboard":"hashtags","view":"top","window":"all","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"aws","spelling":"aws","count":42,"estimate":42,"margin":0},{"rank":2,"hashtag":"go","spelling":"go","count":7,"estimate":7,"margin":0},{"rank":3,"hashtag":"redis","spelling":"redis","count":7,"estimate":7,"margin":0},{"rank":4,"hashtag":"lambda","spelling":"lambda","count":1,"estimate":1,"margin":0}]}` + "\n"},
		{"limit=2", `{"leaderboard":"hashtags","view":"top","window":"all","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"aws","spelling":"aws","count":42,"estimate":42,"margin":0},{"rank":2,"hashtag":"go","spelling":"go","count":7,"estimate":7,"margin":0}]}` + "\n"},
		{"window=24h", `{"leaderboard":"hashtags","view":"top","window":"24h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"serverless","spelling":"serverless","count":3,"estimate":3,"margin":0}]}` + "\n"},
		{"window=1h&limit=100", `{"leaderboard":"hashtags","view":"top","window":"1h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[]}` + "\n"},
		{"window=7d&format=json&view=top", `{"leaderboard":"hashtags","view":"top","window":"7d","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[]}` + "\n"},
		{"view=trending", `{"leaderboard":"hashtags","view":"trending","window":"1h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"new","spelling":"new","count":31,"estimate":31,"margin":0,"authors":30,"baseline":0,"score":900},{"rank":2,"hashtag":"riser","spelling":"riser","count":15,"estimate":15,"margin":0,"authors":15,"baseline":2.29,"score":70.88}]}` + "\n"},
		{"view=trending&limit=1&window=1h", `{"leaderboard":"hashtags","view":"trending","window":"1h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[{"rank":1,"hashtag":"new","spelling":"new","count":31,"estimate":31,"margin":0,"authors":30,"baseline":0,"score":900}]}` + "\n"},
		{"view=trending&window=24h", `{"leaderboard":"hashtags","view":"trending","window":"24h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,"hashtags":[]}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := handle(t, h, event("GET", tt.query, nil))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			if resp.Body != tt.want {
				t.Errorf("body\n got %s\nwant %s", resp.Body, tt.want)
			}
			if resp.IsBase64Encoded {
				t.Error("isBase64Encoded set on a JSON body")
			}
		})
	}
}

func TestHTMLInHashtagIsEscapedInJSON(t *testing.T) {
	b := newFakeBoard(map[store.Window][]store.Entry{store.All: {{Hashtag: "<img src=x onerror=alert(1)>", Count: 1}, {Hashtag: "bad\xffutf8", Count: 1}}})
	h, _, _ := newTestHandler(t, b)
	resp := handle(t, h, event("GET", "", nil))
	if strings.Contains(resp.Body, "<img") {
		t.Errorf("body has a raw <img: %s", resp.Body)
	}
	if !utf8.ValidString(resp.Body) {
		t.Errorf("body is not valid UTF-8: %q", resp.Body)
	}
	var got struct {
		Hashtags []struct {
			Hashtag string `json:"hashtag"`
		} `json:"hashtags"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Hashtags[0].Hashtag != "<img src=x onerror=alert(1)>" {
		t.Errorf("hashtag %q did not round-trip", got.Hashtags[0].Hashtag)
	}
}

func TestStatusAndHeaders(t *testing.T) {
	const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	tests := []struct {
		name       string
		req        events.LambdaFunctionURLRequest
		wantStatus int
		wantType   string
		wantHeader map[string]string
		wantError  string // substring of the JSON error
		emptyBody  bool
	}{
		{name: "get json", req: event("GET", "", nil), wantStatus: 200, wantType: "application/json; charset=utf-8",
			wantHeader: map[string]string{"Cache-Control": "public, max-age=5", "X-Content-Type-Options": "nosniff", "Vary": "Accept"}},
		{name: "curl accept */*", req: event("GET", "", map[string]string{"accept": "*/*"}), wantStatus: 200, wantType: "application/json; charset=utf-8"},
		{name: "browser accept", req: event("GET", "", map[string]string{"accept": browserAccept}), wantStatus: 200, wantType: "text/html; charset=utf-8",
			wantHeader: map[string]string{"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Vary": "Accept", "X-Frame-Options": "DENY"}},
		{name: "browser accept, mixed-case header name", req: event("GET", "", map[string]string{"Accept": browserAccept}), wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "format=html beats accept json", req: event("GET", "format=html", map[string]string{"accept": "application/json"}), wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "format=json beats browser accept", req: event("GET", "format=json", map[string]string{"accept": browserAccept}), wantStatus: 200, wantType: "application/json; charset=utf-8"},
		{name: "head json", req: event("HEAD", "limit=3", nil), wantStatus: 200, wantType: "application/json; charset=utf-8", emptyBody: true},
		{name: "head html", req: event("HEAD", "format=html", nil), wantStatus: 200, wantType: "text/html; charset=utf-8", emptyBody: true},
		{name: "head bad query", req: event("HEAD", "limit=0", nil), wantStatus: 400, emptyBody: true},
		{name: "post", req: event("POST", "", nil), wantStatus: 405, wantHeader: map[string]string{"Allow": "GET, HEAD"}, wantError: `method "POST" not allowed: use GET or HEAD`},
		{name: "options", req: event("OPTIONS", "", nil), wantStatus: 405, wantHeader: map[string]string{"Allow": "GET, HEAD"}},
		{name: "delete", req: event("DELETE", "", nil), wantStatus: 405},
		{name: "bad limit", req: event("GET", "limit=0", nil), wantStatus: 400, wantHeader: map[string]string{"Cache-Control": "no-store"}, wantError: `query parameter "limit" is "0": want an integer from 1 to 100`},
		{name: "bad window", req: event("GET", "window=2h", nil), wantStatus: 400, wantError: `query parameter "window" is "2h": want one of all, 1h, 24h, 7d`},
		{name: "unknown parameter", req: event("GET", "windw=1h", nil), wantStatus: 400, wantError: `unknown query parameter "windw": allowed are limit, window, format, board, view, hashtags, embed, kiosk`},
		{name: "unknown view", req: event("GET", "view=hot", nil), wantStatus: 400, wantError: `query parameter "view" is "hot": want top, trending or history`},
		{name: "trending all time", req: event("GET", "view=trending&window=all", nil), wantStatus: 400, wantError: `query parameter "window" is "all": want 1h or 24h with view=trending`},
		{name: "trending 7d", req: event("GET", "window=7d&view=trending", nil), wantStatus: 400, wantError: `query parameter "window" is "7d": want 1h or 24h with view=trending`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, _ := newTestHandler(t, newFakeBoard(sampleData()))
			resp := handle(t, h, tt.req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			wantType := tt.wantType
			if wantType == "" {
				wantType = "application/json; charset=utf-8"
			}
			if got := resp.Headers["Content-Type"]; got != wantType {
				t.Errorf("Content-Type %q, want %q", got, wantType)
			}
			if got := resp.Headers["X-Content-Type-Options"]; got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if resp.Headers["Content-Security-Policy"] == "" {
				t.Error("no Content-Security-Policy")
			}
			for k, v := range tt.wantHeader {
				if got := resp.Headers[k]; got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
			if tt.emptyBody && resp.Body != "" {
				t.Errorf("HEAD body %q, want empty", resp.Body)
			}
			if tt.wantStatus >= 400 && !tt.emptyBody {
				var e errorBody
				if err := json.Unmarshal([]byte(resp.Body), &e); err != nil {
					t.Fatalf("error body %q is not JSON: %v", resp.Body, err)
				}
				if !strings.Contains(e.Error, tt.wantError) {
					t.Errorf("error %q, want it to contain %q", e.Error, tt.wantError)
				}
				if _, ok := resp.Headers["ETag"]; ok {
					t.Error("an error carries an ETag")
				}
			}
		})
	}
}

func TestHeadHasGetHeaders(t *testing.T) {
	for _, q := range []string{"limit=3", "format=html"} {
		h, _, _ := newTestHandler(t, newFakeBoard(sampleData()))
		get := handle(t, h, event("GET", q, nil))
		head := handle(t, h, event("HEAD", q, nil))
		if get.StatusCode != 200 || head.StatusCode != 200 {
			t.Fatalf("%s: GET %d, HEAD %d", q, get.StatusCode, head.StatusCode)
		}
		if len(get.Headers) != len(head.Headers) {
			t.Errorf("%s: GET headers %v, HEAD headers %v", q, get.Headers, head.Headers)
		}
		for k, v := range get.Headers {
			if head.Headers[k] != v {
				t.Errorf("%s: HEAD %s = %q, GET has %q", q, k, head.Headers[k], v)
			}
		}
		if head.Body != "" || get.Body == "" {
			t.Errorf("%s: HEAD body %q, GET body length %d", q, head.Body, len(get.Body))
		}
	}
}

func TestNotFound(t *testing.T) {
	for _, path := range []string{"/favicon.ico", "/dashboard.js", "//", "/index.html", "/%2F", "/" + strings.Repeat("a", 5000)} {
		h, _, _ := newTestHandler(t, newFakeBoard(sampleData()))
		req := event("GET", "", nil)
		req.RawPath, req.RequestContext.HTTP.Path = path, path
		resp := handle(t, h, req)
		if resp.StatusCode != 404 {
			t.Errorf("%.20s: status %d, want 404", path, resp.StatusCode)
		}
		var e errorBody
		if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Error == "" {
			t.Errorf("%.20s: body %q is not a JSON error", path, resp.Body)
		}
		if len(e.Error) > 200 {
			t.Errorf("%.20s: error message of %d bytes echoes the path unbounded", path, len(e.Error))
		}
		// 404 also wins over 405: a POST to an unknown path is not found.
		req.RequestContext.HTTP.Method = "POST"
		if resp := handle(t, h, req); resp.StatusCode != 404 {
			t.Errorf("POST %.20s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestETagAndConditionalRequests(t *testing.T) {
	b := newFakeBoard(sampleData())
	h, clock, _ := newTestHandler(t, b)
	first := handle(t, h, event("GET", "limit=3", nil))
	etag := first.Headers["ETag"]
	if !regexp.MustCompile(`^W/"[A-Za-z0-9_-]{24}"$`).MatchString(etag) {
		t.Fatalf("ETag %q, want W/\"<24 base64url chars>\"", etag)
	}
	opaqueTag := strings.TrimPrefix(etag, "W/")

	tests := []struct {
		ifNoneMatch string
		want        int
	}{
		{etag, 304},
		{opaqueTag, 304},
		{`"nope", ` + etag, 304},
		{`"nope",` + opaqueTag + `, "other"`, 304},
		{"*", 304},
		{`"nope"`, 200},
		{`W/"nope"`, 200},
		{"garbage", 200},
		{strings.TrimSuffix(opaqueTag, `"`), 200},
		{"", 200},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "HEAD"} {
			resp := handle(t, h, event(method, "limit=3", map[string]string{"if-none-match": tt.ifNoneMatch}))
			if resp.StatusCode != tt.want {
				t.Errorf("%s If-None-Match %q: status %d, want %d", method, tt.ifNoneMatch, resp.StatusCode, tt.want)
			}
			if resp.StatusCode == 304 {
				if resp.Body != "" {
					t.Errorf("304 with body %q", resp.Body)
				}
				if resp.Headers["ETag"] != etag || resp.Headers["Cache-Control"] == "" || resp.Headers["Vary"] != "Accept" {
					t.Errorf("304 headers %v", resp.Headers)
				}
			}
		}
	}

	// The ETag is over the data, not the time: after the cache expires and the same data is
	// read again, generated_at moves on but the ETag stays, so pollers keep getting 304.
	clock.advance(time.Minute)
	second := handle(t, h, event("GET", "limit=3", nil))
	if b.calls.Load() != 2 {
		t.Fatalf("board calls %d, want 2 (cache should have expired)", b.calls.Load())
	}
	if second.Headers["ETag"] != etag {
		t.Errorf("ETag changed from %s to %s with unchanged data", etag, second.Headers["ETag"])
	}
	if second.Body == first.Body {
		t.Error("generated_at did not change after a new read")
	}
	if resp := handle(t, h, event("GET", "limit=3", map[string]string{"if-none-match": etag})); resp.StatusCode != 304 {
		t.Errorf("status %d after re-read of unchanged data, want 304", resp.StatusCode)
	}

	// Changed data: new ETag, and the old one no longer matches.
	b.set(store.All, []store.Entry{{Hashtag: "aws", Count: 43}})
	clock.advance(time.Minute)
	third := handle(t, h, event("GET", "limit=3", map[string]string{"if-none-match": etag}))
	if third.StatusCode != 200 || third.Headers["ETag"] == etag {
		t.Errorf("changed data: status %d ETag %s (old %s)", third.StatusCode, third.Headers["ETag"], etag)
	}

	// Different windows with the same (empty) data have different tags.
	e1 := handle(t, h, event("GET", "window=1h", nil)).Headers["ETag"]
	e7 := handle(t, h, event("GET", "window=7d", nil)).Headers["ETag"]
	if e1 == e7 {
		t.Errorf("windows 1h and 7d share ETag %s", e1)
	}
}

func TestDashboardConditional(t *testing.T) {
	h, _, _ := newTestHandler(t, newFakeBoard(sampleData()))
	first := handle(t, h, event("GET", "format=html", nil))
	etag := first.Headers["ETag"]
	if !strings.HasPrefix(etag, `"`) {
		t.Fatalf("page ETag %q, want a strong tag", etag)
	}
	resp := handle(t, h, event("GET", "format=html&window=24h", map[string]string{"if-none-match": etag}))
	if resp.StatusCode != 304 || resp.Body != "" {
		t.Errorf("status %d body %d bytes, want 304 and none", resp.StatusCode, len(resp.Body))
	}
}

func TestDashboardPage(t *testing.T) {
	p, err := buildPage()
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{cssMarker, jsMarker} {
		if strings.Contains(p.html, marker) {
			t.Errorf("marker %s left in the page", marker)
		}
	}
	script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(p.html, -1)
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(p.html, -1)
	if len(script) != 1 || len(style) != 1 {
		t.Fatalf("%d inline scripts and %d styles, want 1 and 1", len(script), len(style))
	}
	for _, src := range []string{script[0][1], style[0][1]} {
		sum := sha256.Sum256([]byte(src))
		want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(p.csp, want) {
			t.Errorf("CSP %q lacks %s", p.csp, want)
		}
	}
	for _, directive := range []string{"default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"} {
		if !strings.Contains(p.csp, directive) {
			t.Errorf("CSP lacks %q", directive)
		}
	}
	if strings.Contains(p.csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %s", p.csp)
	}
	// Self-contained: nothing external, no script or stylesheet files.
	for _, bad := range []string{"http://", "https://", "//cdn", " src=", "<link rel=\"stylesheet\"", "@import", "url(", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"} {
		if strings.Contains(p.html, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	resp := handle(t, mustHandler(t), event("GET", "format=html", nil))
	if resp.Body != p.html || resp.Headers["Content-Security-Policy"] != p.csp {
		t.Error("served page differs from buildPage")
	}
}

func mustHandler(t *testing.T) *Handler {
	h, _, _ := newTestHandler(t, newFakeBoard(sampleData()))
	return h
}

func TestCacheHitMakesNoBoardCall(t *testing.T) {
	b := newFakeBoard(sampleData())
	h, clock, _ := newTestHandler(t, b, cacheTTL(5*time.Second))
	first := handle(t, h, event("GET", "limit=2", nil))
	for range 10 {
		if resp := handle(t, h, event("GET", "limit=2", nil)); resp.Body != first.Body {
			t.Fatalf("cached body differs: %s vs %s", resp.Body, first.Body)
		}
	}
	if n := b.calls.Load(); n != 1 {
		t.Fatalf("board calls %d after 11 requests within the TTL, want 1", n)
	}
	// Another limit of the same window is served from the same read; another window is
	// another read; HTML needs no data at all.
	handle(t, h, event("GET", "limit=3", nil))
	handle(t, h, event("GET", "window=24h&limit=2", nil))
	handle(t, h, event("GET", "format=html", nil))
	if n := b.calls.Load(); n != 2 {
		t.Fatalf("board calls %d, want 2", n)
	}
	clock.advance(4999 * time.Millisecond)
	handle(t, h, event("GET", "limit=2", nil))
	if n := b.calls.Load(); n != 2 {
		t.Fatalf("board calls %d just before expiry, want 2", n)
	}
	clock.advance(time.Millisecond)
	if resp := handle(t, h, event("GET", "limit=2", nil)); !strings.Contains(resp.Body, `"generated_at":"2026-11-25T12:00:05Z"`) {
		t.Errorf("after expiry generated_at should be the new read time: %s", resp.Body)
	}
	if n := b.calls.Load(); n != 3 {
		t.Fatalf("board calls %d after expiry, want 3", n)
	}
}

// TestEveryLimitFromOneReadPerWindow cycles limit=1..100 over every window, as an anonymous
// caller can to defeat a cache keyed by limit: within one cache period that is one board read
// per window, of the top MaxLimit, and each answer is the first limit rows of that read.
func TestEveryLimitFromOneReadPerWindow(t *testing.T) {
	data := map[store.Window][]store.Entry{}
	for i, w := range store.Windows {
		for j := range 150 {
			data[w] = append(data[w], store.Entry{Hashtag: fmt.Sprintf("%s-%03d", w, j), Count: int64(1000*(i+1) - j)})
		}
	}
	b := newFakeBoard(data)
	var mu sync.Mutex
	asked := map[int]int{}
	b.asked = func(n int) { mu.Lock(); asked[n]++; mu.Unlock() }
	h, _, _ := newTestHandler(t, b, cacheTTL(5*time.Second))
	for _, w := range store.Windows {
		for limit := 1; limit <= MaxLimit; limit++ {
			resp := handle(t, h, event("GET", fmt.Sprintf("window=%s&limit=%d", w, limit), nil))
			var got struct {
				Hashtags []struct {
					Rank    int
					Hashtag string
					Count   int64
				}
			}
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Hashtags) != limit || got.Hashtags[limit-1].Hashtag != data[w][limit-1].Hashtag || got.Hashtags[limit-1].Rank != limit {
				t.Fatalf("%s limit %d: %d rows, last %+v; want %d rows ending with %v", w, limit, len(got.Hashtags), got.Hashtags[len(got.Hashtags)-1], limit, data[w][limit-1])
			}
		}
	}
	if n := b.calls.Load(); n != int64(len(store.Windows)) {
		t.Errorf("board calls %d for %d requests, want one per window (%d)", n, len(store.Windows)*MaxLimit, len(store.Windows))
	}
	if len(asked) != 1 || asked[MaxLimit] != len(store.Windows) {
		t.Errorf("the board was asked for %v (n: calls), want only n = %d", asked, MaxLimit)
	}
}

func TestCacheDisabled(t *testing.T) {
	b := newFakeBoard(sampleData())
	h, _, _ := newTestHandler(t, b, cacheTTL(0))
	for range 5 {
		resp := handle(t, h, event("GET", "", nil))
		if resp.Headers["Cache-Control"] != "public, no-cache" {
			t.Errorf("Cache-Control %q with the cache off", resp.Headers["Cache-Control"])
		}
	}
	if n := b.calls.Load(); n != 5 {
		t.Fatalf("board calls %d for 5 requests with TTL 0, want 5", n)
	}
}

func TestConcurrentMissesShareOneCall(t *testing.T) {
	for _, ttl := range []time.Duration{0, 5 * time.Second} {
		t.Run(ttl.String(), func(t *testing.T) {
			b := newFakeBoard(sampleData())
			b.block = make(chan struct{})
			b.entered = make(chan struct{}, 1)
			h, _, _ := newTestHandler(t, b, cacheTTL(ttl))
			const n = 20
			var joined sync.WaitGroup
			joined.Add(n - 1)
			h.joined = joined.Done

			// The requests ask for the same window with different limits: one read serves all.
			type result struct {
				limit int
				resp  events.LambdaFunctionURLResponse
			}
			results := make(chan result, n)
			ask := func(limit int) {
				results <- result{limit, handle(t, h, event("GET", fmt.Sprintf("limit=%d", limit), nil))}
			}
			go ask(4)
			<-b.entered // the first request is inside Top
			for i := range n - 1 {
				go ask(i%4 + 1)
			}
			joined.Wait() // every other request waits on the same flight
			close(b.block)
			for range n {
				r := <-results
				if r.resp.StatusCode != 200 {
					t.Fatalf("status %d", r.resp.StatusCode)
				}
				if rows := strings.Count(r.resp.Body, `"rank"`); rows != r.limit {
					t.Errorf("limit=%d: %d rows in %s", r.limit, rows, r.resp.Body)
				}
			}
			if c := b.calls.Load(); c != 1 {
				t.Errorf("board calls %d for %d concurrent requests, want 1", c, n)
			}
		})
	}
}

func TestCanceledLeaderDoesNotFailOthers(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.block = make(chan struct{})
	b.entered = make(chan struct{}, 1)
	h, _, _ := newTestHandler(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan events.LambdaFunctionURLResponse, 1)
	go func() {
		resp, _ := h.Handle(ctx, event("GET", "", nil))
		leader <- resp
	}()
	<-b.entered
	var joined sync.WaitGroup
	joined.Add(1)
	h.joined = joined.Done
	follower := make(chan events.LambdaFunctionURLResponse, 1)
	go func() { follower <- handle(t, h, event("GET", "", nil)) }()
	joined.Wait()
	cancel() // the request that started the read goes away
	close(b.block)
	// The shared read was detached from that request: it completes for everyone.
	if resp := <-leader; resp.StatusCode != 200 {
		t.Errorf("canceled leading request: status %d, want 200 (its read is detached)", resp.StatusCode)
	}
	if resp := <-follower; resp.StatusCode != 200 {
		t.Errorf("waiting request: status %d, want 200 (the shared read was not canceled)", resp.StatusCode)
	}
	if c := b.calls.Load(); c != 1 {
		t.Errorf("board calls %d, want 1", c)
	}
}

func TestCanceledFollowerReturns(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.block = make(chan struct{})
	b.entered = make(chan struct{}, 1)
	h, _, _ := newTestHandler(t, b)
	leader := make(chan events.LambdaFunctionURLResponse, 1)
	go func() { leader <- handle(t, h, event("GET", "", nil)) }()
	<-b.entered
	var joined sync.WaitGroup
	joined.Add(1)
	h.joined = joined.Done
	ctx, cancel := context.WithCancel(context.Background())
	follower := make(chan events.LambdaFunctionURLResponse, 1)
	go func() {
		resp, _ := h.Handle(ctx, event("GET", "", nil))
		follower <- resp
	}()
	joined.Wait()
	cancel() // the waiting request's own deadline ends: it answers at once
	if resp := <-follower; resp.StatusCode != 503 {
		t.Errorf("canceled waiting request: status %d, want 503", resp.StatusCode)
	}
	close(b.block)
	if resp := <-leader; resp.StatusCode != 200 {
		t.Errorf("leading request: status %d, want 200", resp.StatusCode)
	}
}

func TestUnavailable(t *testing.T) {
	b := newFakeBoard(sampleData())
	h, _, logs := newTestHandler(t, b)
	b.fail(errBoom)
	for range 3 {
		resp := handle(t, h, event("GET", "window=24h", nil))
		if resp.StatusCode != 503 {
			t.Fatalf("status %d, want 503", resp.StatusCode)
		}
		if resp.Body != `{"error":"leaderboard temporarily unavailable"}`+"\n" {
			t.Errorf("body %q", resp.Body)
		}
		if resp.Headers["Retry-After"] != "5" || resp.Headers["Cache-Control"] != "no-store" {
			t.Errorf("headers %v", resp.Headers)
		}
	}
	if c := b.calls.Load(); c != 3 {
		t.Errorf("board calls %d for 3 failing requests, want 3 (failures must not be cached)", c)
	}
	if !strings.Contains(logs.String(), "connection refused") || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("the cause was not logged: %s", logs.String())
	}
	// Recovery: the very next request succeeds.
	b.fail(nil)
	if resp := handle(t, h, event("GET", "window=24h", nil)); resp.StatusCode != 200 {
		t.Errorf("after recovery: status %d, want 200", resp.StatusCode)
	}
}

func TestSlowBoardTimesOut(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.block = make(chan struct{}) // never closed: Top returns only when its context ends
	h, _, _ := newTestHandler(t, b, timeout(20*time.Millisecond))
	resp := handle(t, h, event("GET", "", nil))
	if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
		t.Fatalf("status %d headers %v, want 503 with Retry-After", resp.StatusCode, resp.Headers)
	}
	b.mu.Lock()
	b.block = nil
	b.mu.Unlock()
	if resp := handle(t, h, event("GET", "", nil)); resp.StatusCode != 200 {
		t.Errorf("after the slow call: status %d, want 200", resp.StatusCode)
	}
}

func TestCallTimeoutFollowsDeadline(t *testing.T) {
	h, _, _ := newTestHandler(t, newFakeBoard(sampleData()), timeout(2*time.Second))
	if d := h.callTimeout(context.Background()); d != 2*time.Second {
		t.Errorf("no deadline: %s, want 2s", d)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	if d := h.callTimeout(ctx); d != 2*time.Second {
		t.Errorf("far deadline: %s, want 2s", d)
	}
	ctx2, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if d := h.callTimeout(ctx2); d != time.Millisecond {
		t.Errorf("past deadline: %s, want 1ms", d)
	}
	// A near deadline gives at most half of what is left.
	ctx3, cancel3 := context.WithDeadline(context.Background(), time.Now().Add(time.Second))
	defer cancel3()
	if d := h.callTimeout(ctx3); d > 500*time.Millisecond {
		t.Errorf("1s deadline: %s, want at most 500ms", d)
	}
}

func TestPanickingBoard(t *testing.T) {
	h, _, _ := newTestHandler(t, panicBoard{})
	if resp := handle(t, h, event("GET", "", nil)); resp.StatusCode != 503 {
		t.Errorf("status %d, want 503", resp.StatusCode)
	}
}

type panicBoard struct{}

func (panicBoard) Top(context.Context, store.Window, int) ([]store.Entry, error) { panic("boom") }

func (panicBoard) Trending(context.Context, store.Window, int) ([]store.Trend, error) {
	panic("boom")
}

func (panicBoard) History(context.Context, store.Window, []string) ([]store.Series, error) {
	panic("boom")
}

func TestAccessLog(t *testing.T) {
	h, _, logs := newTestHandler(t, newFakeBoard(sampleData()))
	handle(t, h, event("GET", "limit=2", nil))
	handle(t, h, event("GET", "limit=2", nil))
	dec := json.NewDecoder(strings.NewReader(logs.String()))
	var caches []string
	for {
		var rec map[string]any
		if err := dec.Decode(&rec); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("log is not JSON lines: %v", err)
		}
		if rec["msg"] == "request" {
			caches = append(caches, rec["cache"].(string))
			if rec["request_id"] != "req-1" || rec["status"] != float64(200) {
				t.Errorf("log record %v", rec)
			}
		}
	}
	if strings.Join(caches, ",") != "miss,hit" {
		t.Errorf("cache fields %v, want miss,hit", caches)
	}
}

func TestNew(t *testing.T) {
	b := newFakeBoard(nil)
	x := []Named{{Name: "x", Board: b}}
	for name, fn := range map[string]func() (*Handler, error){
		"no board":         func() (*Handler, error) { return New(nil, Config{}) },
		"nil store":        func() (*Handler, error) { return New([]Named{{Name: "x"}}, Config{}) },
		"empty name":       func() (*Handler, error) { return New([]Named{{Board: b}}, Config{}) },
		"bad name":         func() (*Handler, error) { return New([]Named{{Name: "{x}", Board: b}}, Config{}) },
		"duplicate name":   func() (*Handler, error) { return New([]Named{{Name: "x", Board: b}, {Name: "x", Board: b}}, Config{}) },
		"negative ttl":     func() (*Handler, error) { return New(x, Config{CacheTTL: -time.Second}) },
		"huge ttl":         func() (*Handler, error) { return New(x, Config{CacheTTL: 2 * time.Hour}) },
		"negative timeout": func() (*Handler, error) { return New(x, Config{timeout: -time.Second}) },
	} {
		if _, err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func (panicBoard) Counts(context.Context, store.Window, []string) ([]int64, error) {
	panic("boom")
}
