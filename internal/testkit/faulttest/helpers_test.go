package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

const bearer = "faulttest-bearer-token"

var (
	quiet     = slog.New(slog.NewJSONHandler(io.Discard, nil))
	scheduled = events.EventBridgeEvent{ID: "faulttest-event", DetailType: "Scheduled Event", Source: "aws.events"}
	nameSeq   atomic.Int64
)

// uniqueName returns a leaderboard (or user) name not used before in this process.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, nameSeq.Add(1))
}

// boardUsers returns the writer and reader ACL users of leaderboard name, with the store's
// access strings.
func boardUsers(name string) (writer, reader redistest.User) {
	writer = redistest.User{Name: name + "-writer", Password: "w-" + name + "-0123456789", Access: store.WriterAccess(name)}
	reader = redistest.User{Name: name + "-reader", Password: "r-" + name + "-0123456789", Access: store.ReaderAccess(name)}
	return writer, reader
}

func addUsers(t *testing.T, srv redistest.Server, users ...redistest.User) {
	t.Helper()
	for _, u := range users {
		if err := srv.SetUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
}

func storeConfig(c redistest.ClientConfig) store.Config {
	return c.Store()
}

// openStore connects to srv as u with the production client constructor and returns the
// store of leaderboard name; the client is closed when the test ends.
func openStore(t *testing.T, srv redistest.Server, u redistest.User, name string, opts ...store.Option) *store.Store {
	t.Helper()
	rdb, err := store.NewClient(storeConfig(srv.Config(u.Name, u.Password)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := store.New(rdb, name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tally is the expected count of each hashtag: one per post that carries it.
type tally map[string]int64

// post adds one post's tags (already canonical), each counted once.
func (tl tally) post(tags ...string) {
	seen := map[string]bool{}
	for _, tag := range tags {
		if !seen[tag] {
			seen[tag] = true
			tl[tag]++
		}
	}
}

// postMaker makes posts with strictly increasing creation times (so strictly increasing
// snowflake ids) a minute in the past, so they are searchable at once even when they are made
// faster than one per millisecond, and tallies their hashtags.
type postMaker struct {
	mu   sync.Mutex
	last time.Time
	want tally
	n    int
}

func newPostMaker() *postMaker { return &postMaker{want: tally{}} }

// make returns a post created a minute ago (or just after the previous one) whose text carries the
// ASCII hashtags tags (the stand-in derives the entities from the text, as X does).
func (m *postMaker) make(tags ...string) xapitest.Tweet {
	m.mu.Lock()
	defer m.mu.Unlock()
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	if !at.After(m.last) {
		at = m.last.Add(time.Millisecond)
	}
	m.last = at
	m.n++
	var text strings.Builder
	fmt.Fprintf(&text, "post %d", m.n)
	lower := make([]string, len(tags))
	for i, tag := range tags {
		text.WriteString(" #" + tag)
		lower[i] = strings.ToLower(tag)
	}
	m.want.post(lower...)
	return xapitest.Tweet{CreatedAt: at, Text: text.String()}
}

// batch makes n posts with the hashtags tagsOf(i).
func (m *postMaker) batch(n int, tagsOf func(i int) []string) []xapitest.Tweet {
	out := make([]xapitest.Tweet, n)
	for i := range out {
		out[i] = m.make(tagsOf(i)...)
	}
	return out
}

// expected returns a copy of the tally so far.
func (m *postMaker) expected() tally {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.want)
}

func (m *postMaker) posts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

func cycleTags(i int) []string { return []string{fmt.Sprintf("t%d", i%7), "All"} }

// newXAPI starts the X API stand-in over tweets, matching every post, without a practical
// rate limit.
func newXAPI(t *testing.T, tweets []xapitest.Tweet) *xapitest.Server {
	t.Helper()
	x, err := xapitest.New(tweets, xapitest.Options{BearerToken: bearer, MatchAll: true, RateLimit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	x.Start()
	t.Cleanup(x.Close)
	return x
}

// newSource is the real X API source on the stand-in, with short retry backoffs.
func newSource(t *testing.T, x *xapitest.Server) *xapi.Source {
	t.Helper()
	src, err := xapi.New(xapi.Config{
		BaseURL: x.URL(), BearerToken: bearer, Query: "#faulttest -is:retweet",
		Retry:  xapi.RetryPolicy{MaxAttempts: 3, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MinAttemptTime: 10 * time.Millisecond},
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func newIngest(t *testing.T, src ingest.Source, board ingest.Board, mod func(*ingest.Config)) *ingest.Handler {
	t.Helper()
	cfg := ingest.Config{MaxPages: 10, SkipSensitive: true, Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	h, err := ingest.New([]ingest.Feed{{Name: "faulttest", Query: "#faulttest -is:retweet", Source: src, Board: board}}, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// runIngest invokes h once with a one-minute deadline.
func runIngest(h *ingest.Handler) (ingest.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return h.Handle(ctx, scheduled)
}

// catchUp invokes h until a run completes (at most max runs) and returns the results.
func catchUp(t *testing.T, h *ingest.Handler, max int) []ingest.Result {
	t.Helper()
	var out []ingest.Result
	for range max {
		res, err := runIngest(h)
		if err != nil {
			t.Fatalf("ingest run %d: %v", len(out)+1, err)
		}
		out = append(out, res)
		if res.Complete {
			return out
		}
	}
	t.Fatalf("ingest not complete after %d runs: %+v", max, out)
	return nil
}

// counts returns every count of window w.
func counts(t *testing.T, s *store.Store, w store.Window) tally {
	t.Helper()
	entries, err := s.Top(context.Background(), w, store.MaxTop)
	if err != nil {
		t.Fatalf("top of %s: %v", w, err)
	}
	if len(entries) == store.MaxTop {
		t.Fatalf("top of %s: %d entries, the test needs fewer distinct hashtags", w, len(entries))
	}
	got := tally{}
	for _, e := range entries {
		got[e.Hashtag] = e.Count
	}
	return got
}

// assertCounts checks every window against want: all posts of these tests are younger than
// an hour, so every window holds all of them.
func assertCounts(t *testing.T, s *store.Store, want tally) {
	t.Helper()
	for _, w := range store.Windows {
		if got := counts(t, s, w); !maps.Equal(got, want) {
			t.Errorf("counts of window %s:\n got %v\nwant %v", w, got, want)
		}
	}
}

// lbEvent is the Function URL event of GET /?rawQuery.
func lbEvent(rawQuery string) events.LambdaFunctionURLRequest {
	return events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        "/",
		RawQueryString: rawQuery,
		Headers:        map[string]string{"host": "faulttest.lambda-url.us-east-1.on.aws", "accept": "application/json"},
		RequestContext: events.LambdaFunctionURLRequestContext{
			RequestID: "faulttest",
			HTTP:      events.LambdaFunctionURLRequestContextHTTPDescription{Method: "GET", Path: "/", Protocol: "HTTP/1.1"},
		},
	}
}

// newLeaderboard is the leaderboard handler of name on board, caching reads for ttl.
func newLeaderboard(t *testing.T, board leaderboard.Board, name string, ttl time.Duration) *leaderboard.Handler {
	t.Helper()
	h, err := leaderboard.New([]leaderboard.Named{{Name: name, Board: board}}, leaderboard.Config{CacheTTL: ttl, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// boardJSON is the leaderboard's JSON answer.
type boardJSON struct {
	Leaderboard string `json:"leaderboard"`
	Window      string `json:"window"`
	GeneratedAt string `json:"generated_at"`
	Hashtags    []struct {
		Rank    int    `json:"rank"`
		Hashtag string `json:"hashtag"`
		Count   int64  `json:"count"`
	} `json:"hashtags"`
}

func (b boardJSON) tally() tally {
	m := tally{}
	for _, e := range b.Hashtags {
		m[e.Hashtag] = e.Count
	}
	return m
}

// getBoard asks h for rawQuery and decodes a 200 answer.
func getBoard(t *testing.T, h *leaderboard.Handler, rawQuery string) boardJSON {
	t.Helper()
	resp, err := h.Handle(context.Background(), lbEvent(rawQuery))
	if err != nil {
		t.Fatalf("leaderboard Handle: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("leaderboard ?%s: status %d: %s", rawQuery, resp.StatusCode, resp.Body)
	}
	var b boardJSON
	if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
		t.Fatalf("leaderboard ?%s: %v in %s", rawQuery, err, resp.Body)
	}
	return b
}

// poll calls f until it returns nil or the (liveness) bound passes; it returns f's last error.
func poll(bound time.Duration, f func() error) error {
	deadline := time.Now().Add(bound)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// redisInfo returns the fields of an INFO section of one server.
func redisInfo(ctx context.Context, rdb redis.UniversalClient, section string) (map[string]string, error) {
	raw, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("info %s: %w", section, err)
	}
	fields := map[string]string{}
	for line := range strings.SplitSeq(raw, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	return fields, nil
}

// cmdCalls returns the number of calls of a command from INFO commandstats (calls made from
// Lua scripts included).
func cmdCalls(ctx context.Context, rdb redis.UniversalClient, cmd string) (int64, error) {
	f, err := redisInfo(ctx, rdb, "commandstats")
	if err != nil {
		return 0, err
	}
	v, ok := f["cmdstat_"+cmd]
	if !ok {
		return 0, nil
	}
	for part := range strings.SplitSeq(v, ",") {
		if n, ok := strings.CutPrefix(part, "calls="); ok {
			return strconv.ParseInt(n, 10, 64)
		}
	}
	return 0, fmt.Errorf("cmdstat_%s %q: no calls", cmd, v)
}

// heapPeak samples the Go heap (live and not yet swept objects) every few milliseconds from
// a goroutine, without stopping the world, and remembers the largest value.
type heapPeak struct {
	stop chan struct{}
	done chan struct{}
	base uint64
	peak atomic.Uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	p := &heapPeak{stop: make(chan struct{}), done: make(chan struct{}), base: heapNow()}
	p.peak.Store(p.base)
	go func() {
		defer close(p.done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := heapNow(); v > p.peak.Load() {
				p.peak.Store(v)
			}
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// Stop ends sampling and returns the heap at the start and its peak since.
func (p *heapPeak) Stop() (base, peak uint64) {
	close(p.stop)
	<-p.done
	if v := heapNow(); v > p.peak.Load() {
		p.peak.Store(v)
	}
	return p.base, p.peak.Load()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// report logs figures and, when FIGURES_FILE is set, appends them as one JSON line with the
// test name, the time and whether the race detector was on.
func report(t *testing.T, figures map[string]any) {
	t.Helper()
	rec := map[string]any{"test": t.Name(), "race": raceEnabled, "goversion": runtime.Version(),
		"gomaxprocs": runtime.GOMAXPROCS(0), "at": time.Now().UTC().Format(time.RFC3339)}
	maps.Copy(rec, figures)
	line, err := json.Marshal(rec)
	if err != nil {
		t.Fatalf("figures: %v", err)
	}
	keys := slices.Sorted(maps.Keys(figures))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, figures[k])
	}
	t.Logf("figures:%s", b.String())
	path := os.Getenv("FIGURES_FILE")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("FIGURES_FILE: %v", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		t.Fatalf("FIGURES_FILE %s: %v", path, err)
	}
}

// envDuration reads a duration setting (Go syntax such as 30s, or whole seconds) from the
// environment.
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil {
		v = strconv.Itoa(n) + "s"
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s %q: want a positive duration like 30s", name, v)
	}
	return d
}

// envInt reads a positive whole number setting from the environment.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s %q: want a positive whole number", name, v)
	}
	return n
}
