package ingest_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

const token = "test-bearer-token"

var scheduled = events.EventBridgeEvent{ID: "evt-1", DetailType: "Scheduled Event", Source: "aws.events"}

// corpus makes n posts created over the last hours, newest last, each with the hashtags
// tagsOf(i) in its text (the stand-in derives entities from the text, as X does).
func corpus(n int, tagsOf func(i int) []string) []xapitest.Tweet {
	now := time.Now()
	out := make([]xapitest.Tweet, n)
	for i := range n {
		var text strings.Builder
		fmt.Fprintf(&text, "post %d", i)
		for _, tag := range tagsOf(i) {
			text.WriteString(" #" + tag)
		}
		out[i] = xapitest.Tweet{CreatedAt: now.Add(-time.Duration(n-i) * time.Minute), Text: text.String()}
	}
	return out
}

func cycleTags(i int) []string {
	return []string{fmt.Sprintf("t%d", i%7), "all"}
}

// expected counts the tags of posts the way the sample was built (ASCII, lower case).
func expected(posts []xapitest.Tweet) map[string]int64 {
	m := map[string]int64{}
	for _, p := range posts {
		seen := map[string]bool{}
		for _, f := range strings.Fields(p.Text) {
			if tag, ok := strings.CutPrefix(f, "#"); ok && !seen[tag] {
				seen[tag] = true
				m[tag]++
			}
		}
	}
	return m
}

// fixture is one board over the stand-in, with the deployment's quota, all on one clock: the
// wall clock, which a test may move ahead.
type fixture struct {
	x     *xapitest.Server
	clock *aheadClock
	board *store.Store
	name  string // the board's
	query string // its query: the hashtags it names are not counted
	src   *xapi.Source
	quota *store.Quota
}

// fastRetries keeps the tests' retries short.
var fastRetries = xapi.RetryPolicy{MaxAttempts: 3, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MinAttemptTime: time.Millisecond}

func newFixture(t *testing.T, srv redistest.Server, posts []xapitest.Tweet) *fixture {
	t.Helper()
	return newFixtureNames(t, srv, posts, xapitest.TweetNames)
}

// newFixtureNames is newFixture on a stand-in that answers with the given generation of X's
// field names.
func newFixtureNames(t *testing.T, srv redistest.Server, posts []xapitest.Tweet, names xapitest.Names) *fixture {
	t.Helper()
	clock := &aheadClock{}
	x, err := xapitest.New(posts, xapitest.Options{BearerToken: token, MatchAll: true, Names: names, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	x.Start()
	t.Cleanup(x.Close)
	const query = "#hashtags -is:retweet"
	src, err := xapi.New(xapi.Config{BaseURL: x.URL(), BearerToken: token, Query: query, Retry: fastRetries, Logger: quiet, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	board, name := writerBoard(t, srv, store.WithClock(clock.Now))
	return &fixture{x: x, clock: clock, board: board, name: name, query: query, src: src, quota: freshQuota(t, srv, clock.Now)}
}

var quiet = slog.New(slog.NewJSONHandler(io.Discard, nil))

// aheadClock is the wall clock moved ahead by what Advance added: posts a test makes with
// time.Now() stay visible, and a test can still skip to after a rate-limit reset.
type aheadClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *aheadClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

func (c *aheadClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.ahead += d
	c.mu.Unlock()
}

func (f *fixture) handler(t *testing.T, mod func(*ingest.Config)) *ingest.Handler {
	t.Helper()
	return f.handlerOn(t, f.board, mod)
}

// handlerOn is handler with board standing in for the fixture's store.
func (f *fixture) handlerOn(t *testing.T, board ingest.Board, mod func(*ingest.Config)) *ingest.Handler {
	t.Helper()
	cfg := ingest.Config{MaxPages: 10, SkipSensitive: true, Now: f.clock.Now, Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	h, err := ingest.New([]ingest.Feed{{Name: f.name, Query: f.query, Source: f.src, Board: board}}, f.quota, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// totals returns the totals of a one-board run, after checking that its one board's entry in
// the summary says the same.
func totals(t *testing.T, res ingest.Result) ingest.Totals {
	t.Helper()
	if len(res.Boards) != 1 {
		t.Fatalf("summary of %d boards, want 1: %+v", len(res.Boards), res.Boards)
	}
	for name, b := range res.Boards {
		if b != res.Totals {
			t.Errorf("board %s: %+v, want the totals %+v", name, b, res.Totals)
		}
	}
	return res.Totals
}

func run(t *testing.T, h *ingest.Handler) (ingest.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return h.Handle(ctx, scheduled)
}

func mustRun(t *testing.T, h *ingest.Handler) ingest.Result {
	t.Helper()
	res, err := run(t, h)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return res
}

func counts(t *testing.T, s *store.Store) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	entries, err := s.Top(context.Background(), store.All, store.MaxTop)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got[e.Hashtag] = e.Count
	}
	// Every window holds the same posts here (all younger than an hour or a week).
	return got
}

func assertCounts(t *testing.T, s *store.Store, want map[string]int64) {
	t.Helper()
	if got := counts(t, s); !maps.Equal(got, want) {
		t.Errorf("counts:\n got %v\nwant %v", got, want)
	}
}

func TestMultiPageRun(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		posts := corpus(250, cycleTags)
		f := newFixture(t, srv, posts)
		res := mustRun(t, f.handler(t, nil))
		want := ingest.Totals{Pages: 3, PostsFetched: 250, PostsNew: 250, HashtagsCounted: 500, Complete: true, PostsHad: 250, Coverage: 1}
		if got := totals(t, res); got != want {
			t.Errorf("result %+v, want %+v", got, want)
		}
		if res.PostsRead != 250 || res.PostsReadToday != 250 || res.BudgetExhausted {
			t.Errorf("reads: %+v, want 250 read today, all in this run", res)
		}
		assertCounts(t, f.board, expected(posts))
		cp, _ := f.board.Checkpoint(context.Background())
		reqs := f.x.SearchRequests()
		if cp.SinceID == "" || cp.UntilID != "" || cp.NewestID != "" {
			t.Errorf("checkpoint %+v, want only since_id", cp)
		}
		if q := reqs[0].Query; q.Get("max_results") != "100" || !strings.Contains(q.Get("tweet.fields"), "created_at") ||
			!strings.Contains(q.Get("tweet.fields"), "entities") || q.Get("since_id") != "" {
			t.Errorf("first request %v", q)
		}
		// The next run asks only for newer posts and finds none.
		res = mustRun(t, f.handler(t, nil))
		if got := totals(t, res); got != (ingest.Totals{Pages: 1, Complete: true, Coverage: 1}) {
			t.Errorf("second run %+v", got)
		}
		if last := f.x.SearchRequests()[3].Query; last.Get("since_id") != cp.SinceID {
			t.Errorf("second run since_id = %q, want %q", last.Get("since_id"), cp.SinceID)
		}
	})
}

func TestPageCapThenCatchUp(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		posts := corpus(250, cycleTags)
		f := newFixture(t, srv, posts)
		h := f.handler(t, func(c *ingest.Config) { c.MaxPages = 1 })
		r1 := mustRun(t, h)
		if r1.Pages != 1 || r1.PostsNew != 100 || r1.Complete {
			t.Errorf("run 1: %+v", r1)
		}
		// Newer posts arrive while the gap is still open.
		later := corpus(30, func(i int) []string { return []string{"late"} })
		for i := range later {
			later[i].CreatedAt = time.Now().Add(-time.Duration(30-i) * time.Second)
		}
		if err := f.x.AddPosts(later...); err != nil {
			t.Fatal(err)
		}
		var total ingest.Result
		for i := range 5 {
			r := mustRun(t, h)
			total.PostsNew += r.PostsNew
			if r.Complete {
				// Run 2 and 3 fill the gap below run 1's page, run 4 fetches the 30 newer posts.
				if i != 2 {
					t.Errorf("complete after %d more runs, want 3", i+1)
				}
				break
			}
		}
		if total.PostsNew != 180 {
			t.Errorf("catch-up recorded %d new posts, want 180", total.PostsNew)
		}
		assertCounts(t, f.board, expected(append(posts, later...)))
		// Gap fills used until_id with the original since_id (none) and never a since_id
		// above the gap.
		reqs := f.x.SearchRequests()
		if q := reqs[1].Query; q.Get("until_id") == "" || q.Get("since_id") != "" {
			t.Errorf("run 2 request %v, want until_id only", q)
		}
	})
}

func TestRateLimitedMidRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers bool
	}{{"with headers", true}, {"without headers", false}} {
		t.Run(tc.name, func(t *testing.T) {
			forEachServer(t, func(t *testing.T, srv redistest.Server) {
				posts := corpus(250, cycleTags)
				f := newFixture(t, srv, posts)
				f.x.InjectFaults(xapitest.Fault{}, xapitest.Fault{Status: 429, NoRateLimitHeaders: !tc.headers})
				h := f.handler(t, nil)
				r1 := mustRun(t, h)
				if !r1.RateLimited || r1.Complete || r1.Pages != 1 || r1.PostsNew != 100 || !r1.Boards[f.name].RateLimited {
					t.Errorf("run 1: %+v", r1)
				}
				// The 429's x-rate-limit-reset is kept (without one, a whole window of X's): the
				// next run sends nothing before it.
				sent := len(f.x.SearchRequests())
				if r := mustRun(t, h); !r.RateLimited || r.Pages != 0 {
					t.Errorf("run before the reset: %+v", r)
				}
				if n := len(f.x.SearchRequests()); n != sent {
					t.Errorf("%d requests before the reset, want none", n-sent)
				}
				f.clock.Advance(15*time.Minute + time.Second)
				r2 := mustRun(t, h)
				if !r2.Complete || r2.PostsNew != 150 || r2.RateLimited {
					t.Errorf("run 2: %+v", r2)
				}
				assertCounts(t, f.board, expected(posts))
			})
		})
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		posts := corpus(150, cycleTags)
		f := newFixture(t, srv, posts)
		f.x.InjectFaults(xapitest.Fault{Status: 503}, xapitest.Fault{}, xapitest.Fault{Status: 502})
		res := mustRun(t, f.handler(t, nil))
		if !res.Complete || res.PostsNew != 150 || res.Pages != 2 {
			t.Errorf("result %+v", res)
		}
		assertCounts(t, f.board, expected(posts))
		if n := len(f.x.SearchRequests()); n != 4 {
			t.Errorf("%d requests, want 4 (2 pages + 2 retries)", n)
		}
	})
}

// crashingBoard fails SaveCheckpoint once, after the page was recorded: a crash between
// recording counts and saving the checkpoint.
type crashingBoard struct {
	*store.Store
	once sync.Once
}

func (b *crashingBoard) SaveCheckpoint(ctx context.Context, prev, next store.Checkpoint) (store.Checkpoint, error) {
	var crash bool
	b.once.Do(func() { crash = true })
	if crash {
		return prev, errors.New("crash before the checkpoint")
	}
	return b.Store.SaveCheckpoint(ctx, prev, next)
}

func TestCrashBetweenRecordAndCheckpoint(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		posts := corpus(150, cycleTags)
		f := newFixture(t, srv, posts)
		crashing := f.handlerOn(t, &crashingBoard{Store: f.board}, nil)
		if _, err := run(t, crashing); err == nil {
			t.Fatal("the crashed run succeeded")
		}
		res := mustRun(t, f.handler(t, nil))
		if !res.Complete || res.PostsFetched != 150 || res.PostsNew != 50 {
			t.Errorf("rerun %+v, want all 150 fetched again and only the 50 unrecorded new", res)
		}
		assertCounts(t, f.board, expected(posts))
	})
}

func TestSameEventTwiceAndOverlappingRuns(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		posts := corpus(300, cycleTags)
		f := newFixture(t, srv, posts)
		h := f.handler(t, func(c *ingest.Config) { c.MaxPages = 2 })
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { _, errs[i] = run(t, h) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for range 4 { // then the same event in sequence until caught up
			if r := mustRun(t, h); r.Complete {
				break
			}
		}
		assertCounts(t, f.board, expected(posts))
	})
}

func TestHashtagSources(t *testing.T) {
	now := time.Now()
	at := func(i int) time.Time { return now.Add(-time.Duration(20-i) * time.Minute) }
	posts := []xapitest.Tweet{
		{CreatedAt: at(0), Text: "#AWS and #aws and #Aws"},
		{CreatedAt: at(1), Text: "caf\u00e9 #caf\u00e9"},
		{CreatedAt: at(2), Text: "decomposed #cafe\u0301 #Hashtags"},
		{CreatedAt: at(3), Text: "no entities #fallback #AWS", OmitEntities: true},
		{CreatedAt: at(4), Text: "sensitive #nsfw #aws", PossiblySensitive: true},
		{CreatedAt: at(5), Text: "#News of the day #go"},
		{CreatedAt: at(6), NoteText: strings.Repeat("long post ", 40) + "#tail #go"},
		{CreatedAt: at(7), Text: "no hashtags at all"},
		{CreatedAt: at(8), Text: "日本語 #日本語 and हिन्दी #हिन्दी"},
	}
	tests := []struct {
		name  string
		query string // the board's; "" the fixture's, which names no hashtag of the posts
		mod   func(*ingest.Config)
		want  map[string]int64
	}{
		{"defaults", "", nil, map[string]int64{
			"aws": 2, "café": 2, "hashtags": 1, "fallback": 1, "news": 1, "go": 2, "tail": 1, "日本語": 1, "हिन्दी": 1}},
		{"query and EXCLUDE_HASHTAGS", "#AWS -is:retweet", func(c *ingest.Config) { c.Exclude = []string{"NEWS", "#Go"} },
			map[string]int64{"café": 2, "hashtags": 1, "fallback": 1, "tail": 1, "日本語": 1, "हिन्दी": 1}},
		{"SKIP_SENSITIVE=false", "", func(c *ingest.Config) { c.SkipSensitive = false }, map[string]int64{
			"aws": 3, "nsfw": 1, "café": 2, "hashtags": 1, "fallback": 1, "news": 1, "go": 2, "tail": 1, "日本語": 1, "हिन्दी": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachServer(t, func(t *testing.T, srv redistest.Server) {
				f := newFixture(t, srv, posts)
				f.query = cmp.Or(tc.query, "#x -is:retweet")
				h := f.handler(t, func(c *ingest.Config) {
					c.SkipSensitive = true
					if tc.mod != nil {
						tc.mod(c)
					}
				})
				res := mustRun(t, h)
				if res.PostsNew != len(posts) {
					t.Errorf("%d new posts, want %d (every post is recorded, counted or not)", res.PostsNew, len(posts))
				}
				assertCounts(t, f.board, tc.want)
			})
		})
	}
}

func TestFailures(t *testing.T) {
	posts := corpus(150, cycleTags)
	tests := []struct {
		name    string
		faults  []xapitest.Fault
		token   string
		wantErr error
		wantNew int
	}{
		{"401", nil, "wrong-token", xapi.ErrUnauthorized, 0},
		{"403 on page 2", []xapitest.Fault{{}, {Status: 403}}, token, xapi.ErrUnauthorized, 100},
		{"malformed JSON", []xapitest.Fault{{Truncate: 300}, {Truncate: 300}, {Truncate: 300}}, token, xapi.ErrMalformedResponse, 0},
		{"5xx past the retries", []xapitest.Fault{{}, {Status: 500}, {Status: 502}, {Status: 503}}, token, xapi.ErrTransient, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachServer(t, func(t *testing.T, srv redistest.Server) {
				f := newFixture(t, srv, posts)
				if tc.token != token {
					src, err := xapi.New(xapi.Config{BaseURL: f.x.URL(), BearerToken: xapi.BearerToken(tc.token), Query: "x", Logger: quiet})
					if err != nil {
						t.Fatal(err)
					}
					f.src = src
				}
				f.x.InjectFaults(tc.faults...)
				res, err := run(t, f.handler(t, nil))
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), tc.token) {
					t.Errorf("error shows the token: %v", err)
				}
				if res.PostsNew != tc.wantNew {
					t.Errorf("recorded %d posts, want %d", res.PostsNew, tc.wantNew)
				}
				// Nothing from the failed page was recorded, and the next run completes exactly.
				f.x.InjectFaults()
				if tc.token == token {
					if r := mustRun(t, f.handler(t, nil)); !r.Complete || r.PostsNew != 150-tc.wantNew {
						t.Errorf("recovery run %+v", r)
					}
					assertCounts(t, f.board, expected(posts))
				} else {
					assertCounts(t, f.board, map[string]int64{})
				}
			})
		})
	}
}

func TestNewValidates(t *testing.T) {
	src := &funcSource{fetch: func(context.Context, int) (xapi.Page, error) { return onePostPage(""), nil }}
	board := ingest.Feed{Name: "b", Query: "#b", Source: src, Board: &memBoard{}}
	quota := &store.Quota{}
	for _, tc := range []struct {
		name   string
		boards []ingest.Feed
		quota  ingest.Quota
		cfg    ingest.Config
	}{
		{"MaxPages -1", []ingest.Feed{board}, nil, ingest.Config{MaxPages: -1}},
		{"MaxPages over config's cap", []ingest.Feed{board}, nil, ingest.Config{MaxPages: config.MaxMaxPages + 1}},
		{"bad Exclude", []ingest.Feed{board}, nil, ingest.Config{Exclude: []string{"has space"}}},
		{"negative budget", []ingest.Feed{board}, quota, ingest.Config{DailyPostBudget: -1}},
		{"budget without a quota", []ingest.Feed{board}, nil, ingest.Config{DailyPostBudget: 2000}},
		{"negative price", []ingest.Feed{board}, quota, ingest.Config{PricePerPost: -0.005}},
		{"no board", nil, quota, ingest.Config{}},
		{"a board twice", []ingest.Feed{board, board}, quota, ingest.Config{}},
		{"bad board name", []ingest.Feed{{Name: "a b", Source: src, Board: &memBoard{}}}, quota, ingest.Config{}},
		{"board without a store", []ingest.Feed{{Name: "b", Source: src}}, quota, ingest.Config{}},
	} {
		if _, err := ingest.New(tc.boards, tc.quota, tc.cfg); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
	if _, err := ingest.New([]ingest.Feed{board}, quota, ingest.Config{DailyPostBudget: 2000, PricePerPost: 0.005}); err != nil {
		t.Errorf("valid configuration: %v", err)
	}
}

// TestExcludedHashtags: the hashtags the query names and those in EXCLUDE_HASHTAGS are not
// counted, whatever their case or spacing; the post is still recorded.
func TestExcludedHashtags(t *testing.T) {
	page := onePostPage("")
	page.Posts[0].Hashtags = []string{"AWS", "Serverless", "go", "NEWS", "news"}
	board := &memBoard{}
	src := &funcSource{fetch: func(context.Context, int) (xapi.Page, error) { return page, nil }}
	mustRun(t, oneBoard(t, src, board, "(#AWS OR #Serverless) -is:retweet", ingest.Config{Exclude: []string{" News "}, Logger: quiet}))
	if len(board.hashtags) != 1 || !slices.Equal(board.hashtags[0], []string{"go"}) {
		t.Errorf("recorded hashtags %q, want one post with [go]", board.hashtags)
	}
}

// TestEveryRunAdvancesTheWindows: the windows' upkeep was last done 20 minutes ago (the 1h
// window's oldest bucket is 4 buckets behind the clock). A run that finds no post, one that is
// rate limited and one whose fetch fails all leave the windows current, so reads stay on the
// precomputed sets instead of summing buckets.
func TestEveryRunAdvancesTheWindows(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		for _, tc := range []struct {
			name    string
			fault   *xapitest.Fault
			wantErr bool
		}{
			{"no posts", nil, false},
			{"rate limited", &xapitest.Fault{Status: 429}, false},
			{"fetch fails", &xapitest.Fault{Status: 401}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				f := newFixture(t, srv, nil)
				if tc.fault != nil {
					f.x.InjectFaults(*tc.fault, *tc.fault, *tc.fault, *tc.fault)
				}
				meta := store.KeyPrefix(f.name) + "meta"
				oldest := func() int64 { return (time.Now().Unix() - 3600) / 300 }
				behind := oldest() - 4
				if err := srv.Admin().HSet(ctx, meta, "lo:1h", behind, "at", time.Now().Unix()-1200).Err(); err != nil {
					t.Fatal(err)
				}
				_, err := run(t, f.handler(t, nil))
				if (err != nil) != tc.wantErr {
					t.Fatalf("run: %v, want error %v", err, tc.wantErr)
				}
				lo, err := srv.Admin().HGet(ctx, meta, "lo:1h").Int64()
				if err != nil {
					t.Fatal(err)
				}
				if lo < oldest()-1 || lo <= behind { // -1: the clock may cross a bucket edge
					t.Errorf("after the run the 1h window starts at bucket %d, want %d (it was %d)", lo, oldest(), behind)
				}
			})
		}
	})
}

// TestTrendingByAuthors runs ingest on the X API stand-in, which sends author_id only when it
// is asked for: one account posting #spam 40 times in the last hour does not trend, six
// accounts posting #real do, and #regular, used every hour of the week by the same six
// accounts, does not. Runs repeated in sequence and at once change no figure.
func TestTrendingByAuthors(t *testing.T) {
	now := time.Now()
	var posts []xapitest.Tweet
	for k := range 40 {
		posts = append(posts, xapitest.Tweet{CreatedAt: now.Add(-time.Duration(k+1) * time.Minute), AuthorID: "666", Text: fmt.Sprintf("buy now %d #spam", k)})
	}
	for k := range 6 {
		posts = append(posts, xapitest.Tweet{CreatedAt: now.Add(-time.Duration(k+1) * 7 * time.Minute), AuthorID: strconv.Itoa(100 + k), Text: "look #real"})
	}
	// The same 6 authors in every whole clock hour before this one, as far back as X still
	// serves whole hours: each baseline hour then has exactly 6, so the baseline is 6 and the
	// window (at most 6) never beats it, whatever the minute the test runs at. (Posts placed
	// relative to now straddle clock hours, and a half-served oldest hour pulls the mean just
	// under 6.)
	hour := now.Truncate(time.Hour)
	for h := range 7*24 - 1 {
		for k := range 6 {
			posts = append(posts, xapitest.Tweet{CreatedAt: hour.Add(-time.Duration(h+1)*time.Hour + time.Duration(10+k)*time.Minute), AuthorID: strconv.Itoa(200 + k), Text: "as every hour #regular"})
		}
	}
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		f := newFixture(t, srv, posts)
		h := f.handler(t, func(c *ingest.Config) { c.MaxPages = 4 })
		for range 10 {
			if r := mustRun(t, h); r.Complete {
				break
			}
		}
		want := []store.Trend{{Hashtag: "real", Count: 6, Authors: 6, Baseline: 0, Score: 36}}
		got, err := f.board.Trending(context.Background(), store.Hour, 10)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("1h trending %v, %v; want %v", got, err, want)
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { _, _ = run(t, h) })
		}
		wg.Wait()
		mustRun(t, h)
		if again, err := f.board.Trending(context.Background(), store.Hour, 10); err != nil || !slices.Equal(again, want) {
			t.Errorf("after more runs: %v, %v; want %v", again, err, want)
		}
	})
}
