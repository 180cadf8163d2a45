package leaderboard

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

func TestParseHistoryQuery(t *testing.T) {
	var many []string
	for i := range MaxHistoryHashtags {
		many = append(many, fmt.Sprintf("tag%d", i))
	}
	tests := []struct {
		raw      string
		window   store.Window
		hashtags []string
		wantErr  string
	}{
		{raw: "view=history&hashtags=aws", window: store.Day, hashtags: []string{"aws"}},
		{raw: "view=history&hashtags=%23AWS,golang,+Aws+&window=1h", window: store.Hour, hashtags: []string{"aws", "golang"}},
		{raw: "hashtags=caf%C3%A9,cafe%CC%81&view=history&window=7d&format=json", window: store.Week, hashtags: []string{"café"}},
		{raw: "view=history&hashtags=" + strings.Join(many, "%2C"), window: store.Day, hashtags: many},
		{raw: "view=history&hashtags=" + strings.Join(many, ",") + ",one", wantErr: `query parameter "hashtags" lists 26 hashtags: at most 25`},
		{raw: "view=history", wantErr: `query parameter "hashtags" is required with view=history`},
		{raw: "view=history&hashtags=", wantErr: `query parameter "hashtags" is empty: want up to 25 comma-separated hashtags`},
		{raw: "view=history&hashtags=a,,b", wantErr: `query parameter "hashtags": hashtag 2 is empty`},
		{raw: "view=history&hashtags=a,", wantErr: `hashtag 2 is empty`},
		{raw: "view=history&hashtags=ok,%3Cimg+src%3Dx+onerror%3Dalert(1)%3E", wantErr: `query parameter "hashtags": hashtag "<img src=x onerror=alert(1)>": contains a character not allowed in hashtags`},
		{raw: "view=history&hashtags=%E2%80%AEevil", wantErr: `query parameter "hashtags": hashtag "\u202eevil": contains a bidirectional control character`},
		{raw: "view=history&hashtags=" + strings.Repeat("x", 141), wantErr: `query parameter "hashtags": hashtag "xxxx`},
		{raw: "view=history&hashtags=%FF", wantErr: `invalid UTF-8`},
		{raw: "view=history&hashtags=a&window=all", wantErr: `query parameter "window" is "all": view=history wants one of 1h, 24h, 7d`},
		{raw: "view=history&hashtags=a&limit=5", wantErr: `query parameter "limit" does not apply to view=history`},
		{raw: "view=history&hashtags=a&hashtags=b", wantErr: `query parameter "hashtags" given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.raw[:min(len(tt.raw), 60)], func(t *testing.T) {
			got, err := parseQuery(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.view != viewHistory || got.window != tt.window || !reflect.DeepEqual(got.hashtags, tt.hashtags) {
				t.Errorf("got %+v, want window %s hashtags %q", got, tt.window, tt.hashtags)
			}
		})
	}
}

func TestHistoryJSON(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.setHistory(store.Hour, "aws", []int64{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3})
	h, _, _ := newTestHandler(t, b)
	resp := handle(t, h, event("GET", "view=history&window=1h&hashtags=AWS,%3Cgo%3E", nil))
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, `\u003cgo\u003e`) {
		t.Errorf("invalid hashtag: %d %s, want 400 with the tag escaped", resp.StatusCode, resp.Body)
	}
	resp = handle(t, h, event("GET", "view=history&window=1h&hashtags=AWS,golang", nil))
	if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "application/json; charset=utf-8" || resp.Headers["Cache-Control"] != "public, max-age=5" {
		t.Fatalf("status %d headers %v: %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	const head = `{"leaderboard":"hashtags","view":"history","window":"1h","generated_at":"2026-11-25T12:00:00Z","coverage":1,"posts_read":0,"posts_had":0,` +
		`"series":[{"hashtag":"aws","spelling":"aws","points":[{"start":"2026-11-25T11:00:00Z","count":1,"estimate":1},{"start":"2026-11-25T11:05:00Z","count":0,"estimate":0},`
	if !strings.HasPrefix(resp.Body, head) || !strings.HasSuffix(resp.Body, `{"start":"2026-11-25T12:00:00Z","count":0,"estimate":0}]}]}`+"\n") {
		t.Errorf("body\n%s\nwant it to start with\n%s", resp.Body, head)
	}
	var got HistoryBody
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Series) != 2 || got.Series[0].Hashtag != "aws" || got.Series[1].Hashtag != "golang" {
		t.Fatalf("series %+v, want aws then golang", got.Series)
	}
	for i, s := range got.Series {
		if len(s.Points) != 13 {
			t.Fatalf("%s: %d points, want 13", s.Hashtag, len(s.Points))
		}
		for j, p := range s.Points {
			want := t0.Add(time.Duration(j-12) * 5 * time.Minute).Format(time.RFC3339)
			var count int64
			if i == 0 {
				count = []int64{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3}[j]
			}
			if p.Start != want || p.Count != count {
				t.Errorf("%s point %d: %+v, want %s %d", s.Hashtag, j, p, want, count)
			}
		}
	}
	// The shared read of 1h (an empty top: no series) and, for aws and golang, one Counts and
	// the history of aws, the one of them in the window.
	if b.calls.Load() != 1 || b.countCalls.Load() != 1 || b.histCalls.Load() != 2 {
		t.Errorf("%d top, %d counts and %d history reads, want 1, 1 and 2", b.calls.Load(), b.countCalls.Load(), b.histCalls.Load())
	}
}

func TestHistoryCacheAndETag(t *testing.T) {
	b := newFakeBoard(sampleData()) // the 24h top: serverless
	b.setHistory(store.Day, "aws", []int64{5})
	b.setHistory(store.Day, "serverless", []int64{1, 2})
	h, clock, _ := newTestHandler(t, b)
	reads := func() [3]int64 { return [3]int64{b.calls.Load(), b.histCalls.Load(), b.countCalls.Load()} }
	const q = "view=history&hashtags=aws,go,serverless"
	first := handle(t, h, event("GET", q, nil))
	etag := first.Headers["ETag"]
	if first.StatusCode != 200 || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("status %d ETag %q", first.StatusCode, etag)
	}
	// The shared read (the top, the history of serverless), the counts of aws and go, the
	// history of aws (go is not in the window).
	if got := reads(); got != [3]int64{1, 2, 1} {
		t.Fatalf("top, history and counts reads %v, want [1 2 1]", got)
	}
	// Within the TTL: the same list is a hit, spelled differently too; HEAD and 304 as usual.
	for _, q2 := range []string{q, "view=history&hashtags=%23AWS,Go,serverless&window=24h"} {
		if resp := handle(t, h, event("GET", q2, nil)); resp.Body != first.Body {
			t.Errorf("%s: body %s, want the cached one", q2, resp.Body)
		}
	}
	for _, method := range []string{"GET", "HEAD"} {
		if resp := handle(t, h, event(method, q, map[string]string{"if-none-match": etag})); resp.StatusCode != 304 || resp.Body != "" {
			t.Errorf("%s If-None-Match: %d %q, want 304 and no body", method, resp.StatusCode, resp.Body)
		}
	}
	// Another order is another answer from the same reads; a list of top hashtags costs
	// nothing more; another window has its own reads.
	other := handle(t, h, event("GET", "view=history&hashtags=serverless,go,aws", nil))
	topOnly := handle(t, h, event("GET", "view=history&hashtags=serverless", nil))
	if got := reads(); got != [3]int64{1, 2, 1} {
		t.Errorf("another order, a top list: reads %v, want still [1 2 1]", got)
	}
	week := handle(t, h, event("GET", "view=history&hashtags=aws,go,serverless&window=7d", nil))
	if got := reads(); got != [3]int64{2, 3, 2} {
		t.Errorf("7d: reads %v, want [2 3 2]", got)
	}
	if other.Headers["ETag"] == etag || week.Headers["ETag"] == etag || topOnly.Headers["ETag"] == etag {
		t.Error("different answers share an ETag")
	}
	// After expiry, unchanged data keeps its ETag (generated_at moves on); changed data does not.
	clock.advance(time.Minute)
	again := handle(t, h, event("GET", q, map[string]string{"if-none-match": etag}))
	if got := reads(); again.StatusCode != 304 || got != [3]int64{3, 5, 3} {
		t.Errorf("re-read of unchanged data: %d after reads %v, want 304 after [3 5 3]", again.StatusCode, got)
	}
	b.setHistory(store.Day, "go", []int64{0, 1})
	clock.advance(time.Minute)
	changed := handle(t, h, event("GET", q, map[string]string{"if-none-match": etag}))
	if changed.StatusCode != 200 || changed.Headers["ETag"] == etag || !strings.Contains(changed.Body, `"count":1`) {
		t.Errorf("changed data: %d ETag %s (old %s)", changed.StatusCode, changed.Headers["ETag"], etag)
	}
	// The top view shares the shared read's top: no read of its own within the TTL.
	handle(t, h, event("GET", "window=24h", nil))
	if n := b.calls.Load(); n != 4 {
		t.Errorf("top calls %d, want 4", n)
	}
}

// TestHistoryCacheIsBounded: a caller cycling hashtag lists within one cache period gets
// every answer; the lists of top hashtags cost no read, those of hashtags absent from the
// window one Counts each, and the handler keeps at most maxHistoryAnswers of those reads.
func TestHistoryCacheIsBounded(t *testing.T) {
	b := newFakeBoard(sampleData())
	h, clock, _ := newTestHandler(t, b)
	const lists = 3 * maxHistoryAnswers
	for i := range lists {
		resp := handle(t, h, event("GET", fmt.Sprintf("view=history&hashtags=t%d,serverless", i), nil))
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, fmt.Sprintf(`"hashtag":"t%d"`, i)) {
			t.Fatalf("list %d: %d %s", i, resp.StatusCode, resp.Body)
		}
		if n := h.hist.rests.size(); n > maxHistoryAnswers {
			t.Fatalf("after %d lists the handler keeps %d reads, want at most %d", i+1, n, maxHistoryAnswers)
		}
		clock.advance(time.Millisecond)
	}
	if n, c := b.histCalls.Load(), b.countCalls.Load(); n != 1 || c != lists {
		t.Errorf("history reads %d and counts %d for %d lists, want the shared read and one Counts each", n, c, lists)
	}
	// The newest reads are kept: asking the last list again is a hit.
	handle(t, h, event("GET", fmt.Sprintf("view=history&hashtags=serverless,t%d", lists-1), nil))
	if n := b.countCalls.Load(); n != lists {
		t.Errorf("the newest read was not kept: %d calls", n)
	}
}

// TestHistoryBudget: hashtags in the window but outside its top 100 cost 1 + (buckets)
// commands from the instance's budget, absent ones 1; past historyBurst, 429 with a
// Retry-After that is enough (the clock moved that much, the next request is served). Lists of
// top hashtags are served all along.
func TestHistoryBudget(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.set(store.Week, []store.Entry{{Hashtag: "serverless", Count: 3}})
	for i := range 20 {
		b.setHistory(store.Week, fmt.Sprintf("tail%d", i), []int64{1})
	}
	h, clock, _ := newTestHandler(t, b)
	const perList = 1 + 29 // Counts, then a 7d history
	for i := range historyBurst / perList {
		if resp := handle(t, h, event("GET", fmt.Sprintf("view=history&window=7d&hashtags=tail%d", i), nil)); resp.StatusCode != 200 {
			t.Fatalf("list %d: %d %s", i, resp.StatusCode, resp.Body)
		}
	}
	busy := handle(t, h, event("GET", "view=history&window=7d&hashtags=tail19", nil))
	retry, err := strconv.Atoi(busy.Headers["Retry-After"])
	if busy.StatusCode != 429 || err != nil || retry < 1 || !strings.Contains(busy.Body, "retry later") || busy.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("past the budget: %d %v %s, want 429 with Retry-After", busy.StatusCode, busy.Headers, busy.Body)
	}
	for _, q := range []string{"serverless", "tail0", "tail0,serverless"} {
		if resp := handle(t, h, event("GET", "view=history&window=7d&hashtags="+q, nil)); resp.StatusCode != 200 {
			t.Errorf("%s (top hashtags, a list already read): %d, want 200", q, resp.StatusCode)
		}
	}
	if resp := handle(t, h, event("GET", "view=history&window=7d&hashtags=tail18", nil)); resp.StatusCode != 429 {
		t.Errorf("still past the budget: %d, want 429", resp.StatusCode)
	}
	clock.advance(time.Duration(retry) * time.Second)
	if resp := handle(t, h, event("GET", "view=history&window=7d&hashtags=tail19", nil)); resp.StatusCode != 200 {
		t.Errorf("after Retry-After: %d %s, want 200", resp.StatusCode, resp.Body)
	}
}

func TestTokenBucket(t *testing.T) {
	b := tokenBucket{rate: 10, burst: 30}
	if d := b.take(t0, 30); d != 0 {
		t.Fatalf("a full bucket: wait %s", d)
	}
	if d := b.take(t0, 1); d != 100*time.Millisecond {
		t.Errorf("an empty bucket: wait %s, want 100ms", d)
	}
	if d := b.take(t0.Add(time.Second), 10); d != 0 {
		t.Errorf("after a second: wait %s, want 10 tokens there", d)
	}
	if d := b.take(t0.Add(time.Hour), 31); d <= 0 {
		t.Error("more than the burst was taken")
	}
	if d := b.take(t0.Add(time.Hour), 30); d != 0 {
		t.Errorf("after an hour: wait %s, want the bucket full", d)
	}
}

func TestMemoEvictsExpiredThenOldest(t *testing.T) {
	now := t0
	m := memo[string, int]{max: 3}
	clock := func() time.Time { return now }
	fetched := 0
	get := func(k string, v int, ttl time.Duration) string {
		_, how, err := m.get(k, clock, ttl, nil, nil, func() (int, error) { fetched++; return v, nil })
		if err != nil {
			t.Fatal(err)
		}
		return how
	}
	get("a", 1, 10*time.Second) // expires at +10s
	get("b", 2, 5*time.Second)  // +5s
	get("c", 3, 20*time.Second) // +20s
	get("d", 4, 30*time.Second) // full: b goes, the closest to expiry
	if m.size() != 3 || get("a", 1, time.Minute) != "hit" || get("c", 3, time.Minute) != "hit" || get("d", 4, time.Minute) != "hit" {
		t.Errorf("after d: size %d; a, c and d should be kept", m.size())
	}
	if get("b", 2, time.Second) != "miss" { // evicts a now, the closest to expiry (+10s)
		t.Error("b was kept")
	}
	// Expired values go before any live one: at +15s b has expired, c and d stay.
	now = now.Add(15 * time.Second)
	if how := get("e", 5, time.Minute); how != "miss" || m.size() != 3 {
		t.Errorf("e: %s, size %d, want a miss and 3 kept", how, m.size())
	}
	if get("d", 4, time.Minute) != "hit" || get("c", 3, time.Minute) != "hit" || get("e", 5, time.Minute) != "hit" {
		t.Error("c, d and e should be kept")
	}
	// A failed fetch is not kept; a zero TTL keeps nothing.
	if _, how, err := m.get("x", clock, time.Minute, nil, nil, func() (int, error) { return 0, errBoom }); err == nil || how != "miss" {
		t.Errorf("failing fetch: %s %v", how, err)
	}
	if get("x", 9, time.Minute) != "miss" {
		t.Error("a failure was kept")
	}
	for range 2 {
		if get("z", 1, 0) != "miss" {
			t.Error("a zero TTL kept a value")
		}
	}
}

// TestMemoUntil: a value expires at the sooner of its TTL and until(v) (a zero time: the TTL).
func TestMemoUntil(t *testing.T) {
	now := t0
	m := memo[string, int]{max: 4, until: func(v int) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return t0.Add(time.Duration(v) * time.Second)
	}}
	get := func(k string, v int) string {
		_, how, err := m.get(k, func() time.Time { return now }, 10*time.Second, nil, nil, func() (int, error) { return v, nil })
		if err != nil {
			t.Fatal(err)
		}
		return how
	}
	get("a", 3)  // until +3s
	get("b", 0)  // no limit: the TTL, +10s
	get("c", 30) // the TTL, +10s
	now = t0.Add(3*time.Second - time.Nanosecond)
	if get("a", 3) != "hit" || get("b", 0) != "hit" || get("c", 30) != "hit" {
		t.Error("a value expired before its time")
	}
	now = t0.Add(3 * time.Second)
	if get("a", 3) != "miss" || get("b", 0) != "hit" {
		t.Error("a outlived until(a), or b did not live its TTL")
	}
	now = t0.Add(10 * time.Second)
	if get("b", 0) != "miss" || get("c", 30) != "miss" {
		t.Error("b or c outlived the TTL")
	}
}

func (m *memo[K, V]) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.vals)
}

func TestHistoryConcurrentMissesShareOneCall(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.block = make(chan struct{})
	b.entered = make(chan struct{}, 1)
	h, _, _ := newTestHandler(t, b, cacheTTL(0))
	const n = 10
	var joins atomic.Int64
	joined := make(chan struct{})
	h.joined = func() {
		if joins.Add(1) == n-1 { // the others all wait on the first one's shared read
			close(joined)
		}
	}
	results := make(chan events.LambdaFunctionURLResponse, n)
	ask := func() { results <- handle(t, h, event("GET", "view=history&hashtags=aws", nil)) }
	go ask()
	<-b.entered // the first request's top read
	b.mu.Lock()
	b.entered = nil
	b.mu.Unlock()
	for range n - 1 {
		go ask()
	}
	<-joined
	close(b.block)
	for range n {
		if r := <-results; r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
	}
	// One shared read (the top, the history of serverless) and one Counts of aws (not in the
	// window): with CACHE_TTL 0 the reads are still kept minHistoryPeriod.
	if c, hc, cc := b.calls.Load(), b.histCalls.Load(), b.countCalls.Load(); c != 1 || hc != 1 || cc != 1 {
		t.Errorf("top, history and counts calls %d, %d, %d for %d concurrent requests, want 1 each", c, hc, cc, n)
	}
}

func TestHistoryUnavailable(t *testing.T) {
	b := newFakeBoard(sampleData())
	h, _, logs := newTestHandler(t, b)
	b.fail(errBoom)
	for range 2 {
		resp := handle(t, h, event("GET", "view=history&hashtags=aws", nil))
		if resp.StatusCode != 503 || resp.Headers["Retry-After"] != "5" || strings.Contains(resp.Body, "refused") {
			t.Fatalf("status %d headers %v body %s, want 503 with Retry-After and no cause", resp.StatusCode, resp.Headers, resp.Body)
		}
	}
	if c := b.calls.Load(); c != 2 {
		t.Errorf("top reads %d, want 2 (failures are not cached)", c)
	}
	if !strings.Contains(logs.String(), "connection refused") || !strings.Contains(logs.String(), `"view":"history"`) {
		t.Errorf("the cause was not logged with the view: %s", logs.String())
	}
	b.fail(nil)
	if resp := handle(t, h, event("GET", "view=history&hashtags=aws", nil)); resp.StatusCode != 200 {
		t.Errorf("after recovery: %d", resp.StatusCode)
	}
	hp, _, _ := newTestHandler(t, panicBoard{})
	if resp := handle(t, hp, event("GET", "view=history&hashtags=aws", nil)); resp.StatusCode != 503 {
		t.Errorf("panicking board: %d, want 503", resp.StatusCode)
	}
}

// The hand-written history JSON is what encoding/json writes for the same answer, hostile and
// invalid hashtags included.
func TestHistoryJSONIsEncodingJSON(t *testing.T) {
	type point struct {
		Start    string `json:"start"`
		Count    int64  `json:"count"`
		Estimate int64  `json:"estimate"`
	}
	type series struct {
		Hashtag  string  `json:"hashtag"`
		Spelling string  `json:"spelling"`
		Points   []point `json:"points"`
	}
	type answer struct {
		Leaderboard string       `json:"leaderboard"`
		View        string       `json:"view"`
		Window      store.Window `json:"window"`
		GeneratedAt string       `json:"generated_at"`
		Coverage    float64      `json:"coverage"`
		PostsRead   int64        `json:"posts_read"`
		PostsHad    int64        `json:"posts_had"`
		Series      []series     `json:"series"`
	}
	const board = "hashtags"
	start := time.Date(2026, 11, 25, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	in := []store.Series{
		{Hashtag: "aws", Spelling: "AWS", Points: []store.Point{{Start: start, Count: 0}, {Start: start.Add(time.Hour), Count: 1 << 40, Estimate: 1 << 42}}},
		{Hashtag: "<img src=x onerror=alert(1)>&\u2028\xff\"\\", Spelling: "<IMG>&\u2028\xff", Points: []store.Point{{Start: start, Count: 7, Estimate: 19}, {Start: start.Add(time.Hour), Count: 0}}},
		{Hashtag: "none"},
	}
	for _, tc := range []struct {
		name   string
		series []store.Series
	}{{"series", in}, {"none", nil}} {
		cov := store.Coverage{Read: 123, Had: 4567}
		want := answer{Leaderboard: board, View: "history", Window: store.Day, GeneratedAt: "2026-11-25T12:00:00Z",
			Coverage: 0.0269, PostsRead: 123, PostsHad: 4567, Series: []series{}}
		for _, s := range tc.series {
			ws := series{Hashtag: s.Hashtag, Spelling: cmp.Or(s.Spelling, s.Hashtag), Points: []point{}}
			for _, p := range s.Points {
				ws.Points = append(ws.Points, point{Start: p.Start.UTC().Format(time.RFC3339), Count: p.Count, Estimate: p.Estimate})
			}
			want.Series = append(want.Series, ws)
		}
		b, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeHistory(board, store.Day, tc.series, cov, t0).body; got != string(b)+"\n" {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, b)
		}
	}
}

// TestHistorySharedReadEndsAtTheNextBucket: with a cache period longer than a bucket, the
// shared read of 1h is kept until its window's next bucket starts, not longer, so every series
// of an answer has the same buckets.
func TestHistorySharedReadEndsAtTheNextBucket(t *testing.T) {
	b := newFakeBoard(sampleData())
	b.set(store.Hour, []store.Entry{{Hashtag: "aws", Count: 1}})
	h, clock, _ := newTestHandler(t, b, cacheTTL(time.Hour))
	const q = "view=history&window=1h&hashtags=aws"
	for _, step := range []struct {
		advance time.Duration
		reads   int64
	}{{0, 1}, {5*time.Minute - time.Second, 1}, {time.Second, 2}} { // the fake's buckets stay at t0's
		clock.advance(step.advance)
		if resp := handle(t, h, event("GET", q, nil)); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
		if n := b.histCalls.Load(); n != step.reads {
			t.Errorf("at %s: %d shared reads, want %d", clock.now().Format(time.TimeOnly), n, step.reads)
		}
	}
}
