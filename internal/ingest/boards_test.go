package ingest_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// deployment is several boards on one server, fed by one X API stand-in that filters by query
// as X does, with the deployment's quota, all on one clock.
type deployment struct {
	srv   redistest.Server
	x     *xapitest.Server
	clock *xapitest.Clock
	quota *store.Quota
	posts []xapitest.Tweet // served, in the order added

	// Posts added at one clock reading are a second apart, going back from it, so a batch
	// added after the clock moved is newer than everything before (as on X).
	addedAt    time.Time
	addedSince int
}

// testBoard is one board of a deployment: board i's query is "#topic<i> -is:retweet".
type testBoard struct {
	name, topic, query string
	store              *store.Store
	src                *xapi.Source
}

func newDeployment(t *testing.T, srv redistest.Server, start time.Time, opts xapitest.Options) *deployment {
	t.Helper()
	clock := xapitest.NewClock(start)
	opts.BearerToken, opts.Now = token, clock.Now
	x, err := xapitest.New(nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	x.Start()
	t.Cleanup(x.Close)
	return &deployment{srv: srv, x: x, clock: clock, quota: freshQuota(t, srv, clock.Now)}
}

// board makes a fresh board (its own store and writer user) for topic.
func (d *deployment) board(t *testing.T, topic string) testBoard {
	t.Helper()
	s, name := writerBoard(t, d.srv, store.WithClock(d.clock.Now))
	query := "#" + topic + " -is:retweet"
	src, err := xapi.New(xapi.Config{BaseURL: d.x.URL(), BearerToken: token, Query: query, Retry: fastRetries, Logger: quiet, Now: d.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return testBoard{name: name, topic: topic, query: query, store: s, src: src}
}

// boards makes n fresh boards, topic0 ... topic<n-1>.
func (d *deployment) boards(t *testing.T, n int) []testBoard {
	t.Helper()
	out := make([]testBoard, n)
	for i := range out {
		out[i] = d.board(t, fmt.Sprintf("topic%d", i))
	}
	return out
}

func (d *deployment) handler(t *testing.T, boards []testBoard, mod func(*ingest.Config)) *ingest.Handler {
	t.Helper()
	feeds := make([]ingest.Feed, len(boards))
	for i, b := range boards {
		feeds[i] = ingest.Feed{Name: b.name, Query: b.query, Source: b.src, Board: b.store}
	}
	cfg := ingest.Config{MaxPages: 10, SkipSensitive: true, Now: d.clock.Now, Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	h, err := ingest.New(feeds, d.quota, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// add serves n posts of topic, created before the clock's now, each with a tag of its own
// cycle; every fifth also names next (so it belongs to that board too), and every seventh is
// a retweet (X's search leaves it out). Noise posts name no board's topic.
func (d *deployment) add(t testing.TB, topic, next string, n int) {
	t.Helper()
	now := d.clock.Now()
	if !now.Equal(d.addedAt) {
		d.addedAt, d.addedSince = now, 0
	}
	posts := make([]xapitest.Tweet, n)
	for i := range posts {
		text := fmt.Sprintf("%s post %d #%s #tag%d #Shared", topic, i, topic, i%6)
		if next != "" && i%5 == 0 {
			text += " #" + next
		}
		posts[i] = xapitest.Tweet{CreatedAt: now.Add(-time.Duration(d.addedSince+i+1) * time.Second), Text: text}
		if i%7 == 3 {
			posts[i].ReferencedTweets = []xapitest.ReferencedTweet{{Type: "retweeted", ID: "1790000000000000000"}}
		}
	}
	if err := d.x.AddPosts(posts...); err != nil {
		t.Fatal(err)
	}
	d.posts = append(d.posts, posts...)
	d.addedSince += n
}

// want is what board b must count, worked out by rule: the hashtags (lower case, once per
// post) of every post that names its topic and is not a retweet, except the topic itself.
func (d *deployment) want(b testBoard) map[string]int64 {
	m := map[string]int64{}
	for _, p := range d.posts {
		if len(p.ReferencedTweets) > 0 || !slices.Contains(strings.Fields(strings.ToLower(p.Text)), "#"+b.topic) {
			continue
		}
		seen := map[string]bool{}
		for _, f := range strings.Fields(p.Text) {
			if tag, ok := strings.CutPrefix(f, "#"); ok {
				tag = strings.ToLower(tag)
				if tag != b.topic && !seen[tag] {
					seen[tag] = true
					m[tag]++
				}
			}
		}
	}
	return m
}

func (d *deployment) assertCounts(t *testing.T, boards []testBoard) {
	t.Helper()
	for _, b := range boards {
		if got, want := counts(t, b.store), d.want(b); !maps.Equal(got, want) {
			t.Errorf("board %s (%s):\n got %v\nwant %v", b.name, b.topic, got, want)
		}
	}
}

// checkSummary checks that a run's totals are the sum of its boards' and that it names every
// board.
func checkSummary(t *testing.T, res ingest.Result, boards []testBoard) {
	t.Helper()
	var sum ingest.Totals
	sum.Complete = true
	for _, b := range boards {
		bt, ok := res.Boards[b.name]
		if !ok {
			t.Errorf("summary lacks board %s: %+v", b.name, res.Boards)
		}
		sum.Pages += bt.Pages
		sum.PostsFetched += bt.PostsFetched
		sum.PostsNew += bt.PostsNew
		sum.HashtagsCounted += bt.HashtagsCounted
		sum.PostsHad += bt.PostsHad
		sum.Complete = sum.Complete && bt.Complete
	}
	sum.RateLimited = res.RateLimited
	sum.Coverage = 1
	if sum.PostsHad > sum.PostsFetched {
		sum.Coverage = float64(int(float64(sum.PostsFetched)/float64(sum.PostsHad)*1e4+0.5)) / 1e4
	}
	if len(res.Boards) != len(boards) || sum != res.Totals {
		t.Errorf("totals %+v, want the sum of the %d boards' %+v", res.Totals, len(boards), sum)
	}
}

// queryOf returns the board whose query a search request sent.
func queryOf(r xapitest.Request, boards []testBoard) string {
	for _, b := range boards {
		if r.Query.Get("query") == b.query {
			return b.name
		}
	}
	return "?"
}

// TestBoardsCountExactly: two and five boards with different queries, some posts matching two
// of them, over one stand-in that filters by query: every board counts exactly its query's
// posts (nothing of one board on another, the query's own hashtag never), and with MAX_PAGES at
// least the number of boards every board with new posts gets a page in every run.
func TestBoardsCountExactly(t *testing.T) {
	for _, sizes := range [][]int{{250, 40}, {120, 250, 0, 30, 310}} {
		t.Run(fmt.Sprintf("%d boards", len(sizes)), func(t *testing.T) {
			forEachServer(t, func(t *testing.T, srv redistest.Server) {
				d := newDeployment(t, srv, time.Now(), xapitest.Options{})
				boards := d.boards(t, len(sizes))
				for i, n := range sizes {
					d.add(t, boards[i].topic, boards[(i+1)%len(boards)].topic, n)
				}
				d.add(t, "noise", "", 25)
				h := d.handler(t, boards, func(c *ingest.Config) { c.MaxPages = max(len(boards), 6) })
				for run := 1; ; run++ {
					res := mustRun(t, h)
					checkSummary(t, res, boards)
					for _, b := range boards {
						if bt := res.Boards[b.name]; !bt.Complete && bt.Pages == 0 {
							t.Errorf("run %d: board %s with posts left got no page: %+v", run, b.name, res.Boards)
						}
					}
					if res.Complete {
						break
					}
					if run == 10 {
						t.Fatalf("not caught up after %d runs", run)
					}
				}
				d.assertCounts(t, boards)
				for _, b := range boards {
					got := counts(t, b.store)
					if got[b.topic] != 0 || got["noise"] != 0 {
						t.Errorf("board %s counts its own query's hashtag or the noise: %v", b.name, got)
					}
				}
				// A run with nothing new: one empty page per board, nothing counted.
				res := mustRun(t, h)
				for _, b := range boards {
					if bt := res.Boards[b.name]; bt != (ingest.Totals{Pages: 1, Complete: true, Coverage: 1}) {
						t.Errorf("board %s in a run with nothing new: %+v", b.name, bt)
					}
				}
			})
		})
	}
}

// TestBoardsTakeTurns: five boards of 300 posts each under MAX_PAGES=2: each run starts at
// the board after the last one the previous run served, so the boards' pages never differ by
// more than one and every board gets a page within three runs; the counts end exact. (No run
// is complete: a run serves two boards, and is complete when it caught up every board.)
func TestBoardsTakeTurns(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		d := newDeployment(t, srv, time.Now(), xapitest.Options{})
		boards := d.boards(t, 5)
		for _, b := range boards {
			d.add(t, b.topic, "", 350) // 300 served
		}
		h := d.handler(t, boards, func(c *ingest.Config) { c.MaxPages = 2 })
		pages := map[string]int{}
		lastPage := make([]int, len(boards)) // per board, the run of its last page
		caughtUp := map[string]bool{}
		for run := 1; ; run++ {
			res := mustRun(t, h)
			if res.Pages != 2 || res.Complete {
				t.Errorf("run %d: %d pages, complete %v; want the cap of 2, not complete", run, res.Pages, res.Complete)
			}
			for i, b := range boards {
				pages[b.name] += res.Boards[b.name].Pages
				if res.Boards[b.name].Pages > 0 {
					lastPage[i] = run
				}
				if res.Boards[b.name].Complete {
					caughtUp[b.name] = true
				}
			}
			lo, hi := slices.Min(slices.Collect(maps.Values(pages))), slices.Max(slices.Collect(maps.Values(pages)))
			if hi-lo > 1 {
				t.Errorf("after run %d the boards have %v pages: one is ahead of another by more than one", run, pages)
			}
			for i, b := range boards {
				if pages[b.name] < 3 && run-lastPage[i] >= 3 {
					t.Errorf("run %d: board %s had no page since run %d", run, b.name, lastPage[i])
				}
			}
			if len(caughtUp) == len(boards) {
				// Each board: three pages, the first in one run and the other two filling the gap
				// it left (until_id), then one for the posts newer than its sweep, which finds
				// none: 20 pages at 2 a run.
				if run != 10 {
					t.Errorf("every board caught up after %d runs, want 10", run)
				}
				break
			}
			if run == 12 {
				t.Fatalf("not caught up after %d runs: %v", run, pages)
			}
		}
		d.assertCounts(t, boards)
	})
}

// TestBoardsRateLimitedMidRun: five boards; X answers the third request of a run with 429 and
// a reset. The run stops there, successfully, with its pages saved; no run sends a request
// before the reset; the first run after it starts with the board whose turn the 429 cut; the
// counts end exact and no other 429 is ever received.
func TestBoardsRateLimitedMidRun(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		d := newDeployment(t, srv, time.Now(), xapitest.Options{})
		boards := d.boards(t, 5)
		for _, b := range boards {
			d.add(t, b.topic, "", 170) // 2 pages
		}
		h := d.handler(t, boards, nil)
		d.x.InjectFaults(xapitest.Fault{}, xapitest.Fault{}, xapitest.Fault{Status: 429, ResetAt: d.clock.Now().Add(10 * time.Minute)})
		res := mustRun(t, h)
		if !res.RateLimited || res.Pages != 2 || res.Complete {
			t.Fatalf("run 1: %+v", res)
		}
		checkSummary(t, res, boards)
		for _, b := range boards {
			if !res.Boards[b.name].RateLimited {
				t.Errorf("board %s left unserved by the 429 is not marked rate limited: %+v", b.name, res.Boards[b.name])
			}
		}
		cut := queryOf(d.x.SearchRequests()[2], boards)
		if cut != boards[2].name {
			t.Fatalf("the 429 hit board %s, want the third, %s", cut, boards[2].name)
		}
		d.clock.Advance(9 * time.Minute)
		sent := len(d.x.SearchRequests())
		if res := mustRun(t, h); !res.RateLimited || res.Pages != 0 || len(d.x.SearchRequests()) != sent {
			t.Fatalf("a run before the reset: %+v, %d requests", res, len(d.x.SearchRequests())-sent)
		}
		d.clock.Advance(time.Minute)
		for run := 3; ; run++ {
			res := mustRun(t, h)
			if run == 3 {
				if first := queryOf(d.x.SearchRequests()[sent], boards); first != cut {
					t.Errorf("the run after the reset started with board %s, want %s, whose turn the 429 cut", first, cut)
				}
			}
			if res.RateLimited {
				t.Errorf("run %d rate limited: %+v", run, res)
			}
			if res.Complete {
				break
			}
			if run == 8 {
				t.Fatal("not caught up")
			}
		}
		d.assertCounts(t, boards)
		for i, r := range d.x.SearchRequests() {
			if r.Status == 429 && i != 2 {
				t.Errorf("request %d got a 429 besides the injected one", i+1)
			}
		}
	})
}

// TestRateLimitHeadersPreventEvery429: X allows 4 requests per 15 minutes and answers 429 to any
// request made at remaining 0. Two boards of 400 posts each, a run every 5 minutes: each run
// stops when an answer says remaining 0, no run sends a request before the reset, and no 429
// is ever received; the counts end exact.
func TestRateLimitHeadersPreventEvery429(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		d := newDeployment(t, srv, time.Now(), xapitest.Options{RateLimit: 4, RateWindow: 15 * time.Minute})
		boards := d.boards(t, 2)
		for _, b := range boards {
			d.add(t, b.topic, "", 470)
		}
		h := d.handler(t, boards, nil)
		limited := 0
		for run := 1; ; run++ {
			res := mustRun(t, h)
			if res.RateLimited {
				limited++
			}
			if res.Complete {
				break
			}
			if run == 40 {
				t.Fatal("not caught up")
			}
			d.clock.Advance(5 * time.Minute)
		}
		for i, r := range d.x.SearchRequests() {
			if r.Status != 200 {
				t.Errorf("request %d at %s: status %d", i+1, r.At.Format(time.TimeOnly), r.Status)
			}
		}
		if limited == 0 {
			t.Error("no run was rate limited: the test did not reach the limit")
		}
		d.assertCounts(t, boards)
	})
}

// TestBudgetAcrossRunsAndDays: two boards, a budget of 250 posts a UTC day, runs every 15
// minutes from 22:30 UTC over three days (the clock is injected). The budget accrues over the
// day: after every run the posts X returned that day plus the counts requests are at most
// what has accrued (Accrued: budget × elapsed fraction + budget × 15 min ÷ 24 h), and they are
// posts_read_today; a run that finds nothing open sends no request and succeeds; every UTC
// day reads again; every request asks for 10-100 posts; no post is counted twice (the boards
// hold more than the budget, and get new posts before every run: they are sampled, so their
// counts are at most the true ones).
func TestBudgetAcrossRunsAndDays(t *testing.T) {
	const budget = 250
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		start := time.Now().UTC().Truncate(24 * time.Hour).Add(22*time.Hour + 30*time.Minute)
		d := newDeployment(t, srv, start, xapitest.Options{})
		boards := d.boards(t, 2)
		d.add(t, boards[0].topic, boards[1].topic, 350)
		d.add(t, boards[1].topic, "", 300)
		h := d.handler(t, boards, func(c *ingest.Config) { c.DailyPostBudget = budget })
		days := map[string]bool{}
		exhausted := 0
		readOn := map[string]int{}
		for run := 1; run <= 3*24*4; run++ {
			sent := len(d.x.SearchRequests())
			res := mustRun(t, h)
			now := d.clock.Now()
			day := now.UTC().Format(time.DateOnly)
			days[day] = true
			used := d.x.PostsServed(now) + countsOn(d.x, day)
			if res.PostsReadToday != int64(used) || used > ingest.Accrued(budget, config.DefaultInterval, now) {
				t.Fatalf("run %d at %s: posts_read_today %d, X served %d posts and counts that day; accrued %d",
					run, now.Format(time.DateTime), res.PostsReadToday, used, ingest.Accrued(budget, config.DefaultInterval, now))
			}
			readOn[day] += res.PostsRead
			if res.BudgetExhausted {
				exhausted++
			}
			if res.BudgetExhausted && res.Pages == 0 && len(d.x.SearchRequests()) > sent {
				t.Errorf("run %d found the budget spent and still sent %d requests", run, len(d.x.SearchRequests())-sent)
			}
			d.clock.Advance(15 * time.Minute)
			d.add(t, boards[0].topic, "", 3) // about 580 posts a day for both: more than the budget
			d.add(t, boards[1].topic, "", 3)
		}
		for i, r := range d.x.SearchRequests() {
			if n, _ := strconv.Atoi(r.Query.Get("max_results")); n < 10 || n > 100 {
				t.Errorf("request %d: max_results %s", i+1, r.Query.Get("max_results"))
			}
		}
		if len(days) < 3 || exhausted == 0 {
			t.Errorf("the runs spanned %d UTC days with %d budget stops: the test did not exercise a day change", len(days), exhausted)
		}
		if len(d.x.CountsRequests()) == 0 {
			t.Error("no counts request: no span was sampled")
		}
		for day := range days {
			if readOn[day] == 0 {
				t.Errorf("nothing read on %s: %v", day, readOn)
			}
		}
		for _, b := range boards {
			got, want := counts(t, b.store), d.want(b)
			for tag, n := range got {
				if n > want[tag] {
					t.Errorf("board %s: #%s counted %d times, X had %d", b.name, tag, n, want[tag])
				}
			}
		}
	})
}

// countsOn is the counts requests X answered on day (each one unit of the budget).
func countsOn(x *xapitest.Server, day string) int {
	n := 0
	for _, r := range x.CountsRequests() {
		if r.Status == 200 && r.At.UTC().Format(time.DateOnly) == day {
			n++
		}
	}
	return n
}

// TestParallelRunsShareTheBudget: four runs at once on the same quota never read more than the
// budget between them (a schedule of a day: the whole budget is open).
func TestParallelRunsShareTheBudget(t *testing.T) {
	const budget = 230
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		d := newDeployment(t, srv, time.Now(), xapitest.Options{})
		boards := d.boards(t, 3)
		for _, b := range boards {
			d.add(t, b.topic, "", 400)
		}
		h := d.handler(t, boards, func(c *ingest.Config) { c.DailyPostBudget, c.Interval = budget, 24*time.Hour })
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := run(t, h); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		st, err := d.quota.State(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		now := d.clock.Now()
		if used := d.x.PostsServed(now) + countsOn(d.x, now.UTC().Format(time.DateOnly)); used > budget || st.ReadToday != int64(used) {
			t.Errorf("X served %d posts and counts, the quota counted %d; budget %d", used, st.ReadToday, budget)
		}
	})
}

// TestChangingBoardsKeepsCounts: a deployment's boards change from {a, b} to {a, c}: a keeps
// counting from its checkpoint (nothing counted twice, nothing missed), c starts from nothing,
// b keeps what it had; the next-board a run saved for a board that is gone does not matter.
func TestChangingBoardsKeepsCounts(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		d := newDeployment(t, srv, time.Now(), xapitest.Options{})
		all := d.boards(t, 3)
		a, b, c := all[0], all[1], all[2]
		d.add(t, a.topic, b.topic, 230)
		d.add(t, b.topic, a.topic, 120)
		first := d.handler(t, []testBoard{a, b}, func(cfg *ingest.Config) { cfg.MaxPages = 3 })
		for run := 1; !mustRun(t, first).Complete; run++ {
			if run == 10 {
				t.Fatal("not caught up")
			}
		}
		d.assertCounts(t, []testBoard{a, b})
		if err := d.quota.SetNextBoard(context.Background(), b.name); err != nil {
			t.Fatal(err)
		}
		bBefore := counts(t, b.store)

		d.clock.Advance(10 * time.Minute)
		d.add(t, a.topic, c.topic, 140)
		d.add(t, c.topic, "", 90)
		d.add(t, b.topic, "", 60)
		second := d.handler(t, []testBoard{a, c}, nil)
		for run := 1; ; run++ {
			res := mustRun(t, second)
			checkSummary(t, res, []testBoard{a, c})
			if res.Complete {
				break
			}
			if run == 10 {
				t.Fatal("not caught up")
			}
		}
		d.assertCounts(t, []testBoard{a, c})
		if got := counts(t, b.store); !maps.Equal(got, bBefore) {
			t.Errorf("board b, no longer configured, changed:\n got %v\nwant %v", got, bBefore)
		}
	})
}
