package leaderboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiBody is the JSON answer, parsed.
type apiBody struct {
	Leaderboard string  `json:"leaderboard"`
	View        string  `json:"view"`
	Window      string  `json:"window"`
	GeneratedAt string  `json:"generated_at"`
	Coverage    float64 `json:"coverage"`
	PostsRead   int64   `json:"posts_read"`
	PostsHad    int64   `json:"posts_had"`
	Hashtags    []struct {
		Rank     int    `json:"rank"`
		Hashtag  string `json:"hashtag"`
		Spelling string `json:"spelling"`
		Count    int64  `json:"count"`
		Estimate int64  `json:"estimate"`
		Margin   int64  `json:"margin"`
		// The trending view's figures: absent from top answers.
		Authors  *int64   `json:"authors"`
		Baseline *float64 `json:"baseline"`
		Score    *float64 `json:"score"`
	} `json:"hashtags"`
}

// trends is a trending answer's rows; a row without the trending figures fails the test.
func (b apiBody) trends(t testing.TB) []store.Trend {
	t.Helper()
	out := []store.Trend{}
	for _, h := range b.Hashtags {
		if h.Authors == nil || h.Baseline == nil || h.Score == nil {
			t.Fatalf("trending row %+v lacks authors, baseline or score", h)
		}
		out = append(out, store.Trend{Hashtag: h.Hashtag, Count: h.Count, Authors: *h.Authors, Baseline: *h.Baseline, Score: *h.Score})
	}
	return out
}

func (b apiBody) entries() []store.Entry {
	out := []store.Entry{}
	for _, h := range b.Hashtags {
		out = append(out, store.Entry{Hashtag: h.Hashtag, Count: h.Count})
	}
	return out
}

func get(method, rawQuery string, headers map[string]string) events.LambdaFunctionURLRequest {
	h := map[string]string{"host": "abc.lambda-url.eu-west-1.on.aws", "user-agent": "curl/8.5.0", "accept": "*/*"}
	for k, v := range headers {
		h[k] = v
	}
	return events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        "/",
		RawQueryString: rawQuery,
		Headers:        h,
		RequestContext: events.LambdaFunctionURLRequestContext{
			RequestID: "test-request",
			HTTP:      events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: "/", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"},
		},
	}
}

// seedPosts records posts whose ages put different hashtags in different windows, as the
// ingest writer, and returns what each window must show (count desc, hashtag asc).
func seedPosts(t testing.TB, srv redistest.Server) map[store.Window][]store.Entry {
	t.Helper()
	now := time.Now()
	post := func(id string, age time.Duration, tags ...string) store.Post {
		return store.Post{ID: id, CreatedAt: now.Add(-age), Hashtags: tags}
	}
	posts := []store.Post{
		post("1001", 10*time.Minute, "AWS", "go"),
		post("1002", 10*time.Minute, "aws"),
		post("1003", 10*time.Minute, "redis"),
		post("1004", 3*time.Hour, "aws", "serverless"),
		post("1005", 3*time.Hour, "serverless", "go"),
		post("1006", 3*time.Hour, "serverless"),
		post("1007", 72*time.Hour, "lambda"),
		post("1008", 72*time.Hour, "lambda", "go"),
	}
	seedAsWriter(t, srv, posts)
	week := entries("aws", 3, "go", 3, "serverless", 3, "lambda", 2, "redis", 1)
	return map[store.Window][]store.Entry{
		store.All:  week,
		store.Week: week,
		store.Day:  entries("aws", 3, "serverless", 3, "go", 2, "redis", 1),
		store.Hour: entries("aws", 2, "go", 1, "redis", 1),
	}
}

// entries builds a board from hashtag, count pairs.
func entries(pairs ...any) []store.Entry {
	out := make([]store.Entry, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, store.Entry{Hashtag: pairs[i].(string), Count: int64(pairs[i+1].(int))})
	}
	return out
}

// newHandler is the handler of boardName on board with cfg, logging at debug level to logs.
func newHandler(t testing.TB, board leaderboard.Board, logs io.Writer, cfg leaderboard.Config) *leaderboard.Handler {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := leaderboard.New([]leaderboard.Named{{Name: boardName, Board: board}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func call(t testing.TB, h *leaderboard.Handler, req events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	t.Helper()
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return resp
}

func parse(t testing.TB, resp events.LambdaFunctionURLResponse) apiBody {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	var b apiBody
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return b
}

// TestHandlerOnRedis runs the handler on the real store, connected as the read-only user
// whose password comes from Secrets Manager (moto), on a standalone server and on the TLS
// cluster.
func TestHandlerOnRedis(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			want := seedPosts(t, srv)
			_, st, counter := countedStore(t, srv)
			h := newHandler(t, st, nil, leaderboard.Config{CacheTTL: time.Hour})

			for _, w := range store.Windows {
				b := parse(t, call(t, h, get("GET", "window="+string(w), nil)))
				if b.Leaderboard != boardName || b.Window != string(w) || b.View != "top" {
					t.Errorf("%s: leaderboard %q view %q window %q", w, b.Leaderboard, b.View, b.Window)
				}
				for _, e := range b.Hashtags {
					if e.Authors != nil || e.Baseline != nil || e.Score != nil {
						t.Errorf("%s: top row %+v has trending figures", w, e)
					}
					if e.Estimate != e.Count || e.Margin != 0 {
						t.Errorf("%s: row %+v read whole, want estimate == count and margin 0", w, e)
					}
				}
				if b.Coverage != 1 || b.PostsRead == 0 || b.PostsRead != b.PostsHad {
					t.Errorf("%s: coverage %v of %d posts read, %d had: want 1, all read", w, b.Coverage, b.PostsRead, b.PostsHad)
				}
				if got := b.entries(); fmt.Sprint(got) != fmt.Sprint(want[w]) {
					t.Errorf("%s: hashtags %v, want %v", w, got, want[w])
				}
				for i, e := range b.Hashtags {
					if e.Rank != i+1 {
						t.Errorf("%s: rank %d at position %d", w, e.Rank, i)
					}
				}
				if _, err := time.Parse(time.RFC3339, b.GeneratedAt); err != nil || !strings.HasSuffix(b.GeneratedAt, "Z") {
					t.Errorf("%s: generated_at %q is not RFC 3339 UTC", w, b.GeneratedAt)
				}
			}
			// limit cuts the list, ties keep their hashtag order.
			b := parse(t, call(t, h, get("GET", "window=7d&limit=2", nil)))
			if got := fmt.Sprint(b.entries()); got != "[{aws 3 } {go 3 }]" {
				t.Errorf("limit=2: %s", got)
			}

			// Everything above is cached now: the same requests make no Redis call at all.
			before := counter.n.Load()
			if before == 0 {
				t.Fatal("the counting hook saw no command")
			}
			for _, w := range store.Windows {
				call(t, h, get("GET", "window="+string(w), nil))
				call(t, h, get("HEAD", "window="+string(w), nil))
			}
			first := call(t, h, get("GET", "window=24h", nil))
			again := call(t, h, get("GET", "window=24h", map[string]string{"if-none-match": first.Headers["ETag"]}))
			if again.StatusCode != 304 {
				t.Errorf("If-None-Match with the current ETag: status %d, want 304", again.StatusCode)
			}
			if n := counter.n.Load() - before; n != 0 {
				t.Errorf("cache hits sent %d Redis commands, want 0", n)
			}

			// The dashboard page needs no Redis either.
			page := call(t, h, get("GET", "", map[string]string{"accept": "text/html,*/*;q=0.8"}))
			if page.StatusCode != 200 || !strings.HasPrefix(page.Headers["Content-Type"], "text/html") {
				t.Errorf("dashboard: %d %s", page.StatusCode, page.Headers["Content-Type"])
			}
			if n := counter.n.Load() - before; n != 0 {
				t.Errorf("serving the page sent %d Redis commands", n)
			}

			// A cache miss costs one round trip (for a window: HGET, ZREVRANGE and the coverage's
			// HMGET pipelined; the spellings of its hashtags are the ones the store read within
			// store.SpellingRefresh).
			miss := newHandler(t, st, nil, leaderboard.Config{})
			before, trips := counter.n.Load(), counter.trips.Load()
			call(t, miss, get("GET", "window=1h&limit=3", nil))
			call(t, miss, get("GET", "window=1h&limit=3", nil))
			if n, rt := counter.n.Load()-before, counter.trips.Load()-trips; n != 6 || rt != 2 {
				t.Errorf("two uncached requests sent %d commands in %d round trips, want 6 (HGET + ZREVRANGE + HMGET each) in 2", n, rt)
			}
		})
	}
}

// TestEveryLimitOneRedisRead cycles limit=1..100 over every window against the real store, as
// an anonymous caller can to defeat a cache keyed by limit: within one cache period the
// handler sends each window's read to Redis once (at most four commands: the top's and, on the
// store's first read of it, its spellings'), and every answer is the store's top for that limit.
func TestEveryLimitOneRedisRead(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			want := seedPosts(t, srv)
			h, counter := countedHandler(t, srv)
			before := counter.n.Load()
			for _, w := range store.Windows {
				for limit := 1; limit <= leaderboard.MaxLimit; limit++ {
					got := parse(t, call(t, h, get("GET", fmt.Sprintf("window=%s&limit=%d", w, limit), nil))).entries()
					exp := want[w][:min(limit, len(want[w]))]
					if fmt.Sprint(got) != fmt.Sprint(exp) {
						t.Fatalf("%s limit %d: %v, want %v", w, limit, got, exp)
					}
				}
			}
			if n := counter.n.Load() - before; n > int64(4*len(store.Windows)) {
				t.Errorf("%d requests sent %d Redis commands, want at most 4 per window (%d)",
					len(store.Windows)*leaderboard.MaxLimit, n, 4*len(store.Windows))
			}
		})
	}
}

// seedTrending records, as the ingest writer, posts of the last half hour on an empty board:
// #big by 8 accounts (20 posts), #rising by 6, #pair by 4 and #spam 40 times by one account,
// and returns the trending view both windows must show (no history: every baseline is 0).
func seedTrending(t testing.TB, srv redistest.Server) []store.Trend {
	t.Helper()
	now := time.Now()
	var posts []store.Post
	add := func(tag string, n, authors int) {
		for k := range n {
			posts = append(posts, store.Post{ID: strconv.Itoa(5000 + len(posts)), CreatedAt: now.Add(-time.Duration(k) * time.Minute),
				AuthorID: strconv.Itoa(100*len(tag) + k%authors), Hashtags: []string{tag}})
		}
	}
	add("big", 20, 8)
	add("rising", 6, 6)
	add("pair", 4, 4)
	add("spam", 40, 1)
	seedAsWriter(t, srv, posts)
	return []store.Trend{{Hashtag: "big", Count: 20, Authors: 8, Baseline: 0, Score: 64}, {Hashtag: "rising", Count: 6, Authors: 6, Baseline: 0, Score: 36}}
}

// TestTrendingOnRedis runs view=trending on the real store as the read-only user: the answer
// is the view the writer made, with its figures, in both windows and for every limit, from
// one Redis command per window and cache period, revalidated with its ETag.
func TestTrendingOnRedis(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			want := seedTrending(t, srv)
			h, counter := countedHandler(t, srv)
			before := counter.n.Load()
			for _, w := range store.TrendingWindows {
				for limit := 1; limit <= leaderboard.MaxLimit; limit++ {
					b := parse(t, call(t, h, get("GET", fmt.Sprintf("view=trending&window=%s&limit=%d", w, limit), nil)))
					if b.Leaderboard != boardName || b.View != "trending" || b.Window != string(w) {
						t.Fatalf("leaderboard %q view %q window %q", b.Leaderboard, b.View, b.Window)
					}
					if got, exp := b.trends(t), want[:min(limit, len(want))]; !slices.Equal(got, exp) {
						t.Fatalf("%s limit %d: %v, want %v", w, limit, got, exp)
					}
				}
			}
			// The first read of a view learns its hashtags' spellings in the coverage's pipeline.
			if n := counter.n.Load() - before; n != int64(3*len(store.TrendingWindows)) {
				t.Errorf("%d requests sent %d Redis commands, want three per window, the view's HGETALL, "+
					"the coverage's and the spellings' HMGET (%d)",
					len(store.TrendingWindows)*leaderboard.MaxLimit, n, 3*len(store.TrendingWindows))
			}
			first := call(t, h, get("GET", "view=trending", nil))
			if b := parse(t, first); b.Window != "1h" {
				t.Errorf("view=trending alone: window %q, want 1h", b.Window)
			}
			again := call(t, h, get("GET", "view=trending&window=1h", map[string]string{"if-none-match": first.Headers["ETag"]}))
			if again.StatusCode != 304 {
				t.Errorf("revalidation: status %d, want 304", again.StatusCode)
			}
			top := call(t, h, get("GET", "window=1h", nil))
			if top.Headers["ETag"] == first.Headers["ETag"] {
				t.Error("the top and trending answers of 1h share an ETag")
			}
		})
	}
}

// TestReaderCannotWrite proves the handler's Redis user is read-only: every kind of write,
// any script and any access to another leaderboard's keys is refused with NOPERM, and nothing
// changed.
func TestReaderCannotWrite(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			seedPosts(t, srv)
			ctx := testCtx(t)
			rdb := readerClient(t, srv)
			all := store.KeyPrefix(boardName) + "all"
			if err := rdb.ZRevRangeWithScores(ctx, all, 0, 9).Err(); err != nil {
				t.Fatalf("the reader cannot read: %v", err)
			}
			writes := map[string]func() error{
				"SET":     func() error { return rdb.Set(ctx, store.KeyPrefix(boardName)+"x", "1", 0).Err() },
				"ZINCRBY": func() error { return rdb.ZIncrBy(ctx, all, 1000, "evil").Err() },
				"ZADD":    func() error { return rdb.ZAdd(ctx, all, redis.Z{Score: 1e9, Member: "evil"}).Err() },
				"DEL":     func() error { return rdb.Del(ctx, all).Err() },
				"EXPIRE":  func() error { return rdb.Expire(ctx, all, time.Second).Err() },
				"EVAL": func() error {
					return rdb.Eval(ctx, "return redis.call('ZINCRBY', KEYS[1], 1000, 'evil')", []string{all}).Err()
				},
				"EVAL_RO": func() error { // the reader runs no script at all
					return rdb.EvalRO(ctx, "return redis.call('ZCARD', KEYS[1])", []string{all}).Err()
				},
				"FLUSHALL":    func() error { return rdb.FlushAll(ctx).Err() },
				"other board": func() error { return rdb.ZRevRange(ctx, "{other}:all", 0, 1).Err() },
			}
			for name, write := range writes {
				err := write()
				if err == nil || !strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("%s as the reader: err %v, want NOPERM", name, err)
				}
			}
			// Nothing changed.
			admin := srv.Admin()
			if err := admin.ZScore(ctx, all, "evil").Err(); !errors.Is(err, redis.Nil) {
				t.Errorf("member evil exists after the attempts (err %v)", err)
			}
			if n, err := admin.ZCard(ctx, all).Result(); err != nil || n != 5 {
				t.Errorf("all-time board has %d members (err %v), want 5", n, err)
			}
		})
	}
}

// TestRedisDownAndRecovery kills a dedicated redis-server: requests get 503 with no internals,
// and the first request after the server is back succeeds, with the same handler and client.
func TestRedisDownAndRecovery(t *testing.T) {
	creds := readerCredentials(t)
	srv := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{
		{Name: creds.Username, Password: creds.Password, Access: store.ReaderAccess(boardName)},
	}})
	rdb, err := store.NewClient(storeConfig(srv.Config(creds.Username, creds.Password)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, boardName)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h := newHandler(t, st, logs, leaderboard.Config{})
	if b := parse(t, call(t, h, get("GET", "", nil))); len(b.Hashtags) != 0 {
		t.Fatalf("fresh server: %v", b.Hashtags)
	}

	srv.Kill()
	for range 2 {
		resp := call(t, h, get("GET", "window=24h", nil))
		assertUnavailable(t, resp)
	}
	// The cause is logged: the dial error with the address, or the deadline when go-redis's
	// dial retries outlast the call timeout (a pipelined window read retries as a whole).
	logged := logs.String()
	if !strings.Contains(logged, `"msg":"read leaderboard"`) ||
		!(strings.Contains(logged, srv.Addr) || strings.Contains(logged, "context deadline exceeded")) {
		t.Errorf("the Redis error was not logged: %s", logs.String())
	}

	if err := srv.Restart(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	resp := call(t, h, get("GET", "window=24h", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("first request after the restart: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestSlowRedis puts a proxy that stops forwarding between the handler and Redis: the request
// gets 503 when the per-call timeout ends, and the next one after the proxy resumes succeeds.
func TestSlowRedis(t *testing.T) {
	requireServers(t)
	want := seedPosts(t, env.Standalone)
	creds := readerCredentials(t)
	p := startProxy(t, env.Standalone.Addr)
	cfg := storeConfig(env.Standalone.Config(creds.Username, creds.Password))
	cfg.Addr = p.addr()
	rdb, err := store.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, boardName)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, st, nil, leaderboard.Config{}.WithTimeout(300*time.Millisecond))
	if b := parse(t, call(t, h, get("GET", "", nil))); fmt.Sprint(b.entries()) != fmt.Sprint(want[store.All]) {
		t.Fatalf("through the proxy: %v", b.entries())
	}

	p.stall(true)
	assertUnavailable(t, call(t, h, get("GET", "", nil)))
	p.stall(false)
	if b := parse(t, call(t, h, get("GET", "", nil))); fmt.Sprint(b.entries()) != fmt.Sprint(want[store.All]) {
		t.Errorf("after the stall: %v", b.entries())
	}
}

func assertUnavailable(t *testing.T, resp events.LambdaFunctionURLResponse) {
	t.Helper()
	if resp.StatusCode != 503 {
		t.Fatalf("status %d (%s), want 503", resp.StatusCode, resp.Body)
	}
	if resp.Body != `{"error":"leaderboard temporarily unavailable"}`+"\n" {
		t.Errorf("503 body %q leaks more than it should", resp.Body)
	}
	if resp.Headers["Retry-After"] == "" || resp.Headers["Content-Type"] != "application/json; charset=utf-8" {
		t.Errorf("503 headers %v", resp.Headers)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proxy is a TCP proxy to a Redis server that can stop forwarding (a stalled network path).
type proxy struct {
	ln      net.Listener
	backend string

	mu      sync.Mutex
	cond    *sync.Cond
	stalled bool
	conns   []net.Conn
	closed  bool
}

func startProxy(t *testing.T, backend string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, backend: backend}
	p.cond = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) stall(on bool) {
	p.mu.Lock()
	p.stalled = on
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, b)
		p.mu.Unlock()
		go p.pipe(b, c)
		go p.pipe(c, b)
	}
}

// pipe copies src to dst, holding each chunk while the proxy is stalled.
func (p *proxy) pipe(dst, src net.Conn) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.stalled && !p.closed {
				p.cond.Wait()
			}
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.mu.Unlock()
	p.cond.Broadcast()
	for _, c := range conns {
		_ = c.Close()
	}
}

// TestOverHTTP serves the handler through funcurl on a loopback HTTP server and checks what
// a real HTTP client sees: headers, conditional requests, HEAD, 404 and 405.
func TestOverHTTP(t *testing.T) {
	requireServers(t)
	seedPosts(t, env.Standalone)
	st, err := store.New(readerClient(t, env.Standalone), boardName)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, st, nil, leaderboard.Config{CacheTTL: config.DefaultCacheTTL})
	web := httptest.NewServer(funcurl.Handler(h.Handle, nil))
	t.Cleanup(web.Close)

	do := func(method, target string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, web.URL+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}

	resp, body := do("GET", "/?window=24h&limit=2", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"hashtags":[{"rank":1,"hashtag":"aws","spelling":"aws","count":3,"estimate":3,"margin":0},{"rank":2,"hashtag":"serverless","spelling":"serverless","count":3,"estimate":3,"margin":0}]`) {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	for k, v := range map[string]string{
		"Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=5",
		"X-Content-Type-Options": "nosniff", "Vary": "Accept",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	etag := resp.Header.Get("ETag")
	if resp, body := do("GET", "/?window=24h&limit=2", map[string]string{"If-None-Match": etag}); resp.StatusCode != 304 || body != "" {
		t.Errorf("conditional GET: %d %q", resp.StatusCode, body)
	}
	if resp, body := do("HEAD", "/?window=24h&limit=2", nil); resp.StatusCode != 200 || body != "" || resp.Header.Get("ETag") != etag {
		t.Errorf("HEAD: %d %q ETag %q", resp.StatusCode, body, resp.Header.Get("ETag"))
	}
	if resp, body := do("POST", "/", nil); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" || !strings.Contains(body, "not allowed") {
		t.Errorf("POST: %d %q Allow %q", resp.StatusCode, body, resp.Header.Get("Allow"))
	}
	if resp, _ := do("GET", "/favicon.ico", nil); resp.StatusCode != 404 {
		t.Errorf("GET /favicon.ico: %d", resp.StatusCode)
	}
	if resp, body := do("GET", "/?limit=0", nil); resp.StatusCode != 400 || !strings.Contains(body, `\"limit\"`) {
		t.Errorf("bad limit: %d %s", resp.StatusCode, body)
	}
	resp, body = do("GET", "/", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "<!doctype html>") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'sha256-") {
		t.Errorf("dashboard: %d %.40q CSP %q", resp.StatusCode, body, resp.Header.Get("Content-Security-Policy"))
	}
}
