package localapp_test

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
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/localapp"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// clock is a settable application clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// pastBoundary is a 6-hour bucket boundary at least 6 hours ago: an application clock there
// may move forward a few hours and still not pass the wall clock (the ingest deadline's).
func pastBoundary() time.Time {
	return time.Now().UTC().Truncate(6 * time.Hour).Add(-6 * time.Hour)
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func start(t *testing.T, cfg localapp.Config) *localapp.App {
	t.Helper()
	if cfg.Getenv == nil {
		cfg.Getenv = env(nil)
	}
	a, err := localapp.Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

// catchUp runs ingest until a run reports it caught up, and returns the totals.
func catchUp(t *testing.T, a *localapp.App) ingest.Result {
	t.Helper()
	var total ingest.Result
	for run := 1; ; run++ {
		res, err := a.Ingest(t.Context())
		if err != nil {
			t.Fatalf("ingest run %d: %v", run, err)
		}
		total.Pages += res.Pages
		total.PostsFetched += res.PostsFetched
		total.PostsNew += res.PostsNew
		total.HashtagsCounted += res.HashtagsCounted
		if res.Complete {
			return total
		}
		if run == 20 {
			t.Fatalf("not caught up after %d runs: %+v", run, total)
		}
	}
}

type board struct {
	Leaderboard string `json:"leaderboard"`
	Window      string `json:"window"`
	Hashtags    []struct {
		Rank    int    `json:"rank"`
		Hashtag string `json:"hashtag"`
		Count   int64  `json:"count"`
	} `json:"hashtags"`
}

func (b board) counts() map[string]int64 {
	m := map[string]int64{}
	for _, h := range b.Hashtags {
		m[h.Hashtag] = h.Count
	}
	return m
}

func fetch(t *testing.T, a *localapp.App, query string) board {
	t.Helper()
	resp, err := http.Get(a.URL + "/?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /?%s: %d %s", query, resp.StatusCode, body)
	}
	var b board
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("GET /?%s: %v in %s", query, err, body)
	}
	return b
}

// arriving counts the sample's posts that a run started at start releases in (from, to].
func arriving(t *testing.T, start, from, to time.Time) int {
	return arrivingWhere(t, start, from, to, func(xapitest.Tweet) bool { return true })
}

// arrivingWithAWS is arriving for the posts the sample's second board asks for, "#aws
// -is:retweet": those with the hashtag aws that are not retweets.
func arrivingWithAWS(t *testing.T, start, from, to time.Time) int {
	return arrivingWhere(t, start, from, to, func(p xapitest.Tweet) bool {
		if slices.ContainsFunc(p.ReferencedTweets, func(r xapitest.ReferencedTweet) bool { return r.Type == "retweeted" }) {
			return false
		}
		text := p.Text
		if p.NoteText != "" {
			text = p.NoteText
		}
		return slices.ContainsFunc(xapitest.ParseEntities(text).Hashtags, func(h xapitest.Tag) bool { return strings.EqualFold(h.Tag, "aws") })
	})
}

// arrivingWhere is arriving for the posts match accepts.
func arrivingWhere(t *testing.T, start, from, to time.Time, match func(xapitest.Tweet) bool) int {
	t.Helper()
	ps, err := sample.Posts()
	if err != nil {
		t.Fatal(err)
	}
	d := sample.Offset(start)
	n := 0
	for _, p := range ps {
		if at := p.CreatedAt.Add(d); at.After(from) && !at.After(to) && match(p) {
			n++
		}
	}
	return n
}

// TestSampleIsIngestedAndKeepsArriving runs the real ingest on the sample through the embedded
// Redis, for its two default boards: everything created by the start is counted once, and
// moving the clock releases the posts created since, which change the 1h leaderboard.
func TestSampleIsIngestedAndKeepsArriving(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole bundled sample, ingested: skipped under -short")
	}
	t0 := pastBoundary()
	c := &clock{t: t0}
	a := start(t, localapp.Config{Now: c.Now, Getenv: env(map[string]string{"CACHE_TTL": "0", "EMBED_ORIGINS": "http://localhost:8080"})})
	if !strings.Contains(a.Redis, "embedded") || !strings.Contains(a.Posts, "bundled sample") || a.Interval != localapp.DefaultInterval {
		t.Errorf("description: posts %q, redis %q, interval %s", a.Posts, a.Redis, a.Interval)
	}
	if !slices.Equal(a.Boards, localapp.SampleBoards) {
		t.Errorf("boards %+v, want the sample's %+v", a.Boards, localapp.SampleBoards)
	}
	total := catchUp(t, a)
	back := arriving(t, t0, t0.Add(-8*24*time.Hour), t0)
	backAWS := arrivingWithAWS(t, t0, t0.Add(-8*24*time.Hour), t0)
	if back != 3200 || backAWS == 0 || total.PostsFetched != back+backAWS || total.PostsNew != back+backAWS {
		t.Errorf("caught up after %+v, want all %d posts of the last 7 days and the %d with #aws fetched and new", total, back, backAWS)
	}
	hour := fetch(t, a, "window=1h&limit=100")
	all := fetch(t, a, "window=all&limit=100")
	if len(hour.Hashtags) == 0 || all.Hashtags[0].Hashtag != "aws" || all.Leaderboard != "hashtags" {
		t.Fatalf("after the first sweep: 1h %v, all %v", hour.Hashtags, all)
	}
	// The aws board counts the hashtags that go with #aws, not aws itself.
	if aws := fetch(t, a, "board=aws&window=all&limit=100"); aws.Leaderboard != "aws" || len(aws.Hashtags) == 0 || aws.counts()["aws"] != 0 {
		t.Errorf("board aws: %+v", aws)
	}
	// The history view and the widget work as in the function, EMBED_ORIGINS included.
	for query, want := range map[string]string{
		"view=history&window=7d&hashtags=AWS": `"series":[{"hashtag":"aws","spelling":"`,
		"embed=1&format=html":                 "frame-ancestors http://localhost:8080;",
	} {
		resp, err := http.Get(a.URL + "/?" + query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body)+resp.Header.Get("Content-Security-Policy"), want) {
			t.Errorf("GET /?%s: %d, want %q in the body or CSP", query, resp.StatusCode, want)
		}
	}

	// Ten minutes later the posts created since arrive.
	c.Advance(10 * time.Minute)
	res, err := a.Ingest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := arriving(t, t0, t0, t0.Add(10*time.Minute)) + arrivingWithAWS(t, t0, t0, t0.Add(10*time.Minute))
	if want == 0 || res.PostsNew != want || !res.Complete {
		t.Errorf("10 minutes later: %+v, want %d new posts", res, want)
	}
	if later := fetch(t, a, "window=1h&limit=100"); slices.Equal(later.Hashtags, hour.Hashtags) {
		t.Errorf("the 1h leaderboard did not move: %v", later.Hashtags)
	}
	// Nothing is counted twice: a run with nothing new changes nothing.
	res, err = a.Ingest(t.Context())
	if err != nil || res.PostsNew != 0 {
		t.Errorf("a run without new posts: %+v, %v", res, err)
	}
}

// TestSampleWithBudget: the bundled sample is read without a budget unless X_DAILY_POST_BUDGET
// is set; with one (and runs a day apart: the whole day's budget open), the runs of a day read
// at most the budget, posts and counts requests together, sampling the boards (coverage below
// 1), and the next UTC day reads again.
func TestSampleWithBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole bundled sample, ingested: skipped under -short")
	}
	t0 := pastBoundary()
	c := &clock{t: t0}
	a := start(t, localapp.Config{Now: c.Now, Interval: 24 * time.Hour, Getenv: env(map[string]string{"X_DAILY_POST_BUDGET": "1500", "MAX_PAGES": "20"})})
	res, err := a.Ingest(t.Context())
	if err != nil || res.PostsFetched < 1000 || res.PostsReadToday > 1500 || res.PostsReadToday != int64(res.PostsFetched+res.CountsRequests) ||
		res.CountsRequests == 0 || res.Coverage >= 1 {
		t.Fatalf("first run: %+v, %v; want about 1500 posts and counts requests, no more, a sample", res, err)
	}
	if res, err := a.Ingest(t.Context()); err != nil || res.PostsReadToday > 1500 {
		t.Errorf("second run: %+v, %v; want no more than the budget", res, err)
	}
	c.Advance(24 * time.Hour)
	if res, err := a.Ingest(t.Context()); err != nil || res.PostsFetched == 0 || res.PostsReadToday != int64(res.PostsFetched+res.CountsRequests) {
		t.Errorf("the next day: %+v, %v; want a fresh budget", res, err)
	}
}

// TestSampleFilteredBySearchQuery: with SEARCH_QUERY the stand-in answers like X, so only
// matching posts are ingested and the query's own hashtag is not counted.
func TestSampleFilteredBySearchQuery(t *testing.T) {
	t0 := pastBoundary()
	a := start(t, localapp.Config{Now: func() time.Time { return t0 }, Getenv: env(map[string]string{"SEARCH_QUERY": "#golang -is:retweet"})})
	if want := []config.Board{{Name: "hashtags", Query: "#golang -is:retweet"}}; !slices.Equal(a.Boards, want) {
		t.Errorf("boards %+v, want %+v", a.Boards, want)
	}
	total := catchUp(t, a)
	ps, _ := sample.Posts()
	d := sample.Offset(t0)
	want := 0
	for _, p := range ps {
		text := p.Text
		if p.NoteText != "" {
			text = p.NoteText
		}
		if p.CreatedAt.Add(d).After(t0) {
			continue
		}
		for _, h := range xapitest.ParseEntities(text).Hashtags {
			if strings.EqualFold(h.Tag, "golang") {
				want++
				break
			}
		}
	}
	if want == 0 || total.PostsFetched != want {
		t.Errorf("fetched %d posts, want the %d that name #golang", total.PostsFetched, want)
	}
	if c := fetch(t, a, "window=all&limit=100").counts(); c["golang"] != 0 || len(c) == 0 {
		t.Errorf("all-time counts %v: want some, without golang", c)
	}
}

// TestRealXAPI takes the X API path (credentials set) against a stand-in playing X: the
// source is built as the ingest function builds it, with a bearer token or with a key and
// secret exchanged for one, and the default query's hashtag is not counted.
func TestRealXAPI(t *testing.T) {
	now := time.Now().UTC()
	corpus := []xapitest.Tweet{
		{CreatedAt: now.Add(-3 * time.Hour), Text: "re:Invent keynote #AWS #Lambda #serverless"},
		{CreatedAt: now.Add(-2 * time.Hour), Text: "#aws #lambda cold starts"},
		{CreatedAt: now.Add(-time.Hour), Text: "#golang generics, no aws here"},
		{CreatedAt: now.Add(-time.Hour), Text: "RT #aws #retweeted", ReferencedTweets: []xapitest.ReferencedTweet{{Type: "retweeted", ID: "1863000000000000000"}}},
	}
	x, err := xapitest.New(corpus, xapitest.Options{BearerToken: "bearer-0123", APIKey: "key", APISecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	base := x.Start()
	t.Cleanup(x.Close)
	for name, vars := range map[string]map[string]string{
		"bearer token":     {"X_BEARER_TOKEN": "bearer-0123"},
		"deprecated alias": {"TWITTER_BEARER_TOKEN": "bearer-0123"},
		"key and secret":   {"X_API_KEY": "key", "X_API_SECRET": "secret"},
	} {
		t.Run(name, func(t *testing.T) {
			vars["X_API_URL"] = base
			vars["LEADERBOARD"] = "x-" + strings.ReplaceAll(name, " ", "-")
			a := start(t, localapp.Config{Getenv: env(vars)})
			if want := `the X API at ` + base; a.Posts != want || a.Interval != 15*time.Minute {
				t.Errorf("posts %q, interval %s; want %q every 15m (the deployed schedule)", a.Posts, a.Interval, want)
			}
			if want := []config.Board{{Name: vars["LEADERBOARD"], Query: "#aws -is:retweet"}}; !slices.Equal(a.Boards, want) {
				t.Errorf("boards %+v, want %+v", a.Boards, want)
			}
			total := catchUp(t, a)
			if total.PostsFetched != 2 {
				t.Errorf("fetched %d posts, want the 2 that match #aws -is:retweet", total.PostsFetched)
			}
			got := fetch(t, a, "window=24h").counts()
			if want := map[string]int64{"lambda": 2, "serverless": 1}; !mapsEqual(got, want) {
				t.Errorf("24h counts %v, want %v", got, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRedisURL runs on a real standalone redis-server with a password and on a TLS + ACL
// cluster (the MemoryDB stand-in), named by REDIS_URL.
func TestRedisURL(t *testing.T) {
	user := redistest.User{Name: "local-writer", Password: "local-writer-pass-0123456789", Access: store.WriterAccess(config.Names(localapp.SampleBoards)...)}
	s := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{user}})
	cl := redistest.MustCluster(t, redistest.ClusterOptions{Users: []redistest.User{user}, Replicas: -1})
	cc := cl.Config(user.Name, user.Password)
	for name, tc := range map[string]struct{ url, kind string }{
		"standalone": {"redis://" + user.Name + ":" + user.Password + "@" + s.Addr, "(standalone)"},
		"cluster":    {"rediss://" + user.Name + ":" + user.Password + "@" + cc.Addr + "/0?cluster=true&ca_file=" + cc.CAFile, "(cluster, TLS)"},
	} {
		t.Run(name, func(t *testing.T) {
			t0 := pastBoundary()
			a := start(t, localapp.Config{RedisURL: tc.url, Now: func() time.Time { return t0 }})
			if !strings.HasSuffix(a.Redis, tc.kind) || strings.Contains(a.Redis, user.Password) {
				t.Errorf("redis description %q: want it to end in %q, without the password", a.Redis, tc.kind)
			}
			if total, aws := catchUp(t, a), arrivingWithAWS(t, t0, t0.Add(-8*24*time.Hour), t0); total.PostsNew != 3200+aws {
				t.Errorf("caught up with %+v, want 3200 + %d new posts", total, aws)
			}
			if top := fetch(t, a, "window=7d&limit=1"); len(top.Hashtags) != 1 || top.Hashtags[0].Hashtag != "aws" {
				t.Errorf("7d top: %+v", top.Hashtags)
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name string
		cfg  localapp.Config
		vars map[string]string
		want string
	}{
		{"interval", localapp.Config{Interval: 500 * time.Millisecond}, nil, "ingest interval 500ms: want at least 1s"},
		{"port range", localapp.Config{Port: 70000}, nil, "port 70000"},
		{"port in use", localapp.Config{Port: busyPort}, nil, "listen on port " + strconv.Itoa(busyPort)},
		{"bad REDIS_URL", localapp.Config{RedisURL: "http://x"}, nil, "REDIS_URL http://x: scheme"},
		{"redis down", localapp.Config{RedisURL: "redis://u:hunter2-secret@127.0.0.1:1"}, nil, "redis at redis://u:xxxxx@127.0.0.1:1"},
		{"MAX_PAGES", localapp.Config{}, map[string]string{"MAX_PAGES": "0"}, `MAX_PAGES "0"`},
		{"LEADERBOARD", localapp.Config{}, map[string]string{"LEADERBOARD": "a b"}, "LEADERBOARD"},
		{"CACHE_TTL", localapp.Config{}, map[string]string{"CACHE_TTL": "-1"}, "CACHE_TTL"},
		{"key without secret", localapp.Config{}, map[string]string{"X_API_KEY": "k"}, "X_API_SECRET"},
		{"deprecated key without secret", localapp.Config{}, map[string]string{"TWITTER_API_KEY": "k"}, "TWITTER_API_SECRET"},
		{"bad query", localapp.Config{}, map[string]string{"SEARCH_QUERY": strings.Repeat("x", 600)}, "SEARCH_QUERY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.Interval == 0 {
				cfg.Interval = time.Second
			}
			cfg.Getenv = env(tc.vars)
			a, err := localapp.Start(t.Context(), cfg)
			if err == nil {
				a.Close(context.Background())
				t.Fatalf("Start succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Start: %v\nwant an error containing %q, without the password", err, tc.want)
			}
		})
	}
}

// syncBuffer is an io.Writer that calls onLine for each complete line written.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	onLine func(string)
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if strings.HasSuffix(line, "\n") && b.onLine != nil {
			b.onLine(strings.TrimSuffix(line, "\n"))
		}
	}
	return len(p), nil
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// TestRunStopsCleanly: Run prints the start-up line and a line per ingest run, and returns
// nil once its context ends, with the leaderboard server closed.
func TestRunStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole local app: skipped under -short")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var url string
	var mu sync.Mutex
	out := &syncBuffer{onLine: func(line string) {
		mu.Lock()
		defer mu.Unlock()
		if rest, ok := strings.CutPrefix(line, "Hashtag leaderboard running at "); ok {
			url, _, _ = strings.Cut(rest, " ")
		}
		if strings.Contains(line, " ingest #2: ") {
			cancel()
		}
	}}
	t0 := pastBoundary()
	err := localapp.Run(ctx, localapp.Config{Interval: time.Second, Out: out, Getenv: env(nil), Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	text := out.String()
	// The boards share MAX_PAGES (10), one page each per round: the first run reads up to five
	// pages of the posts with #aws and fills the others with every post.
	aws := min(arrivingWithAWS(t, t0, t0.Add(-8*24*time.Hour), t0), 500)
	read1 := aws + (10-(aws+99)/100)*100
	first := fmt.Sprintf(" ingest #1: 10 pages, %d posts, %d new, ", read1, read1)
	for _, want := range []string{
		"Hashtag leaderboard running at http://localhost:",
		"  posts: bundled sample via a local X API v2 stand-in (3200 posts from the last 7 days, 800 more arriving over the next 24 hours)",
		"  redis: embedded (miniredis 127.0.0.1:",
		`  boards: "hashtags" (every post), "aws" ("#aws -is:retweet")`,
		"  ingest: now and every 1s. Press Ctrl-C to stop.",
		first,
		fmt.Sprintf("\n         x api: %d posts read today; the bundled sample is free (on X: $%.2f at $0.005 a post)\n", read1, float64(read1)*0.005),
		" ingest #2: 10 pages, ",
		"Stopping...\nStopped.\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// After each run's line, the budget line: every post read so far, today.
	m := regexp.MustCompile(`ingest #2: 10 pages, (\d+) posts.*\n +x api: (\d+) posts read today`).FindStringSubmatch(text)
	if m == nil || m[2] != strconv.Itoa(read1+atoi(t, m[1])) {
		t.Errorf("the second run's budget line does not count both runs' posts:\n%s", text)
	}
	mu.Lock()
	defer mu.Unlock()
	if url == "" {
		t.Fatal("no URL in the start-up line")
	}
	if resp, err := http.Get(url + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("the leaderboard still answers at %s after Run returned", url)
	}
}

// TestMetricRecordsOnlyWhenAsked: the ingest runs' EMF metric records (JSON for CloudWatch)
// reach the log only with Config.Metrics (cmd/local's -v); the other lines are unaffected.
func TestMetricRecordsOnlyWhenAsked(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole local app: skipped under -short")
	}
	t0 := pastBoundary()
	for _, metrics := range []bool{false, true} {
		logs := &syncBuffer{}
		log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		a := start(t, localapp.Config{Log: log, Metrics: metrics, Now: func() time.Time { return t0 }})
		if _, err := a.Ingest(t.Context()); err != nil {
			t.Fatal(err)
		}
		got := logs.String()
		if strings.Contains(got, `"_aws"`) != metrics || !strings.Contains(got, `"msg":"ingest done"`) {
			t.Errorf("Metrics %v: log\n%s", metrics, got)
		}
	}
}

func TestExplicitInterval(t *testing.T) {
	a := start(t, localapp.Config{Interval: 90 * time.Second, Getenv: env(map[string]string{"X_BEARER_TOKEN": "t", "X_API_URL": "http://127.0.0.1:1"})})
	if a.Interval != 90*time.Second {
		t.Errorf("interval %s, want the 1m30s given", a.Interval)
	}
}

func TestProgress(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 5, 7, 0, time.Local)
	tests := []struct {
		res  ingest.Result
		err  error
		want string
	}{
		{ingest.Result{Totals: ingest.Totals{Pages: 10, PostsFetched: 1000, PostsNew: 998, HashtagsCounted: 1645}}, nil,
			"09:05:07 ingest #3: 10 pages, 1000 posts, 998 new, 1645 hashtags counted; more to fetch next run"},
		{ingest.Result{Totals: ingest.Totals{Pages: 1, PostsFetched: 1, PostsNew: 1, HashtagsCounted: 1, Complete: true}}, nil,
			"09:05:07 ingest #3: 1 page, 1 post, 1 new, 1 hashtag counted; caught up"},
		{ingest.Result{Totals: ingest.Totals{Pages: 2, PostsFetched: 200, RateLimited: true}}, nil,
			"09:05:07 ingest #3: 2 pages, 200 posts, 0 new, 0 hashtags counted; rate limited by the X API, resuming after its reset"},
		{ingest.Result{Totals: ingest.Totals{Pages: 1, PostsFetched: 50}, BudgetExhausted: true}, nil,
			"09:05:07 ingest #3: 1 page, 50 posts, 0 new, 0 hashtags counted; the X API read budget accrued so far is spent, more accrues through the UTC day"},
		{ingest.Result{Totals: ingest.Totals{Pages: 5, PostsFetched: 300, PostsHad: 4000, Coverage: 0.075}, BudgetExhausted: true}, nil,
			"09:05:07 ingest #3: 5 pages, 300 posts, 0 new, 0 hashtags counted (a sample: 7.5% of the 4000 posts X had there); the X API read budget accrued so far is spent, more accrues through the UTC day"},
		{ingest.Result{}, errors.New("fetch page 1: boom"), "09:05:07 ingest #3: 0 pages, 0 posts, 0 new, 0 hashtags counted; failed: fetch page 1: boom"},
	}
	for _, tc := range tests {
		if got := localapp.Progress(at, 3, tc.res, tc.err); got != tc.want {
			t.Errorf("Progress =\n %q\nwant\n %q", got, tc.want)
		}
	}
}

func TestBudget(t *testing.T) {
	for _, tc := range []struct {
		today  int64
		budget int
		free   bool
		want   string
	}{
		{1000, 0, true, "         x api: 1000 posts read today; the bundled sample is free (on X: $5.00 at $0.005 a post)"},
		{1, 2000, true, "         x api: 1 post read today of a daily budget of 2000; the bundled sample is free (on X: $0.01 at $0.005 a post)"},
		{1990, 2000, false, "         x api: 1990 posts read today of a daily budget of 2000, about $9.95 at $0.005 a post"},
	} {
		res := ingest.Result{PostsReadToday: tc.today}
		if got := localapp.Budget(res, tc.budget, 0.005, tc.free); got != tc.want {
			t.Errorf("Budget =\n %q\nwant\n %q", got, tc.want)
		}
	}
}

// TestScheduledEvent compares the synthesised event with the committed sample of a real one.
func TestScheduledEvent(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 500, time.UTC)
	ev := localapp.ScheduledEvent(now)
	got, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	real, err := os.ReadFile("../../../events/schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	var gotFields, realFields map[string]any
	if err := json.Unmarshal(got, &gotFields); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(real, &realFields); err != nil {
		t.Fatal(err)
	}
	for k, v := range realFields {
		g, ok := gotFields[k]
		if !ok {
			t.Errorf("field %q missing", k)
			continue
		}
		switch k {
		case "version", "detail-type", "source", "detail":
			if !jsonEqual(g, v) {
				t.Errorf("%s = %v, want %v", k, g, v)
			}
		}
	}
	if len(gotFields) != len(realFields) {
		t.Errorf("fields %v, want those of events/schedule.json", gotFields)
	}
	if !ev.Time.Equal(now.Truncate(time.Second)) || len(ev.ID) != 36 || ev.ID == localapp.ScheduledEvent(now).ID {
		t.Errorf("time %s, id %q: want the second of now and a fresh UUID", ev.Time, ev.ID)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
