package ingest_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// busyDay is issue 20's day: 20,000 posts over the last 24 hours, of which these hashtags' (one
// a post), the others with a noise hashtag or none. from and to are hours before now.
var busyDay = []struct {
	tag      string
	posts    int
	from, to int
}{
	{"aws", 3000, 24, 0}, {"golang", 2200, 24, 0}, {"python", 1600, 24, 0}, // steady
	{"early", 1300, 24, 18}, // only in the oldest 6 hours
	{"rust", 900, 24, 0}, {"k8s", 800, 24, 0},
	{"launch", 900, 3, 0}, // only in the newest 3
	{"midday", 800, 15, 9},
}

const busyDayPosts = 20_000

// busyDayCorpus makes the day's posts at now (seeded: the same corpus every run), with 150
// posts of #tiny among the noise: a small board's query.
func busyDayCorpus(now time.Time) []xapitest.Tweet {
	rng := rand.New(rand.NewPCG(20, 26))
	at := func(from, to int) time.Time {
		span := time.Duration(from-to) * time.Hour
		return now.Add(-time.Duration(to)*time.Hour - time.Duration(rng.Int64N(int64(span/time.Second)))*time.Second - time.Second)
	}
	var posts []xapitest.Tweet
	for _, h := range busyDay {
		for i := range h.posts {
			posts = append(posts, xapitest.Tweet{CreatedAt: at(h.from, h.to), AuthorID: fmt.Sprint(1000 + i%900),
				Text: fmt.Sprintf("conf2026 talk %d #%s", i, h.tag)})
		}
	}
	for i := 0; len(posts) < busyDayPosts; i++ {
		text := fmt.Sprintf("conf2026 chatter %d", i)
		switch {
		case i < 150:
			text += fmt.Sprintf(" #tiny #n%d", i%300)
		case i%2 == 0:
			text += fmt.Sprintf(" #n%d", i%300)
		}
		posts = append(posts, xapitest.Tweet{CreatedAt: at(24, 0), AuthorID: fmt.Sprint(5000 + i%2000), Text: text})
	}
	return posts
}

// TestBusyDayIsSampled is issue 20's "must hold" at the ingest package's level (real Redis
// servers, the X stand-in): a day of 20,000 posts, a budget that has accrued about 3,000 by
// now (4,000 a day at 18:00 UTC), MAX_PAGES=40, runs every 5 minutes, a second board of 150
// posts. The reads stay within what has accrued (plus a page); at least 1,500 posts are read;
// each steady hashtag's 24h estimate is within 25% of the truth (one that starts or stops
// inside an hour within 40%) and the true top 3 rank in order; the coverage is within 15% of
// posts read ÷ 20,000; a steady hashtag has posts read in at least 22 of the 24 hours, and its
// history's estimates add up to its row's. The small board is read whole: coverage 1,
// estimates equal counts, the counts exact.
func TestBusyDayIsSampled(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(24 * time.Hour).Add(18*time.Hour + 23*time.Minute + 17*time.Second) // hashtags start and stop inside hours
		const query = "conf2026 -is:retweet"
		d := newDeployment(t, srv, now, xapitest.Options{MatchAllQuery: query})
		if err := d.x.AddPosts(busyDayCorpus(now)...); err != nil {
			t.Fatal(err)
		}
		big := d.board(t, "conf2026")
		src, err := xapi.New(xapi.Config{BaseURL: d.x.URL(), BearerToken: token, Query: query, Retry: fastRetries, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		big.query, big.src = query, src
		tiny := d.board(t, "tiny")
		const budget, interval = 4000, 5 * time.Minute
		h := d.handler(t, []testBoard{big, tiny}, func(c *ingest.Config) {
			c.DailyPostBudget, c.Interval, c.MaxPages = budget, interval, 40
		})
		read := 0
		for run := 1; run <= 4; run++ {
			res := mustRun(t, h)
			read += res.Boards[big.name].PostsFetched
			day := d.clock.Now().UTC().Format(time.DateOnly)
			used := d.x.PostsServed(d.clock.Now()) + countsOn(d.x, day)
			if accrued := ingest.Accrued(budget, interval, d.clock.Now()); used > accrued+xapi.MaxPageSize {
				t.Errorf("run %d: %d posts and counts requests, over the %d accrued plus a page", run, used, accrued)
			}
			t.Logf("run %d: read %d (big %d, coverage %.4f of %d had; tiny %d), counts requests %d, read today %d",
				run, res.PostsRead, res.Boards[big.name].PostsFetched, res.Boards[big.name].Coverage,
				res.Boards[big.name].PostsHad, res.Boards[tiny.name].PostsFetched, res.CountsRequests, res.PostsReadToday)
			d.clock.Advance(interval)
		}
		if read < 1500 {
			t.Errorf("%d posts read, want at least 1,500", read)
		}

		ranked, err := big.store.TopEstimates(ctx, store.Day, 20)
		if err != nil {
			t.Fatal(err)
		}
		est := map[string]store.Row{}
		for _, r := range ranked.Rows {
			est[r.Hashtag] = r
		}
		for _, h := range busyDay {
			r := est[h.tag]
			t.Logf("#%s: truth %d, read %d, estimate %d ± %d", h.tag, h.posts, r.Count, r.Estimate, r.Margin)
			// A page reads a run of consecutive posts before its drawn end, so a hashtag that
			// starts or stops inside an hour is sampled in clusters there: its estimate strays
			// further than the margin says (docs/SAMPLING.md, "Known limits": #early was seen
			// from -29% to +12%). Steady hashtags keep the 25% bound.
			bound := 0.25
			if h.from != 24 || h.to != 0 {
				bound = 0.40
			}
			if off := math.Abs(float64(r.Estimate)-float64(h.posts)) / float64(h.posts); off > bound {
				t.Errorf("#%s: estimate %d ± %d (read %d), truth %d: off by %.0f%% (at most %.0f%%)", h.tag, r.Estimate,
					r.Margin, r.Count, h.posts, 100*off, 100*bound)
			}
		}
		for i, tag := range []string{"aws", "golang", "python"} {
			if i >= len(ranked.Rows) || ranked.Rows[i].Hashtag != tag {
				t.Errorf("rank %d is %v, want #%s (rows %+v)", i+1, ranked.Rows[min(i, len(ranked.Rows)-1)], tag, ranked.Rows[:min(6, len(ranked.Rows))])
			}
		}
		c := ranked.Coverage
		want := float64(read) / busyDayPosts
		t.Logf("24h coverage %.4f (read %d of %d had); posts read ÷ 20,000 = %.4f", c.Ratio(), c.Read, c.Had, want)
		if got := c.Ratio(); math.Abs(got-want) > 0.15*want {
			t.Errorf("coverage %.4f (read %d, had %d), want within 15%% of %.4f", got, c.Read, c.Had, want)
		}

		series, err := big.store.History(ctx, store.Day, []string{"aws"})
		if err != nil {
			t.Fatal(err)
		}
		hours, sum := 0, int64(0)
		for _, p := range series[0].Points {
			if p.Count > 0 {
				hours++
			}
			sum += p.Estimate
		}
		if hours < 22 {
			t.Errorf("#aws was read in %d of the 24 hours, want at least 22: %+v", hours, series[0].Points)
		}
		if sum != est["aws"].Estimate {
			t.Errorf("#aws: history estimates add up to %d, the row says %d", sum, est["aws"].Estimate)
		}

		small, err := tiny.store.TopEstimates(ctx, store.Day, 20)
		if err != nil {
			t.Fatal(err)
		}
		if small.Coverage.Ratio() != 1 || len(small.Rows) == 0 {
			t.Errorf("the small board: coverage %.4f, %d rows; want 1", small.Coverage.Ratio(), len(small.Rows))
		}
		for _, r := range small.Rows {
			if r.Estimate != r.Count || r.Margin != 0 {
				t.Errorf("the small board: %+v, want the estimate equal to the count", r)
			}
		}
		c = store.Coverage{}
		if got := counts(t, tiny.store); len(got) != 150 || got["n0"] != 1 || got["n149"] != 1 || got["tiny"] != 0 {
			t.Errorf("the small board's counts: %d hashtags (%v ...), want #n0 ... #n149 once each", len(got), got["n0"])
		}
		if got := small.Coverage.Read; got != 150 {
			t.Errorf("the small board read %d posts, want all 150", got)
		}
	})
}

// TestBoardsShareTheBudget: three boards on one budget (a day's schedule: all of it open), one
// busy (3,000 posts), one of 250, one of 40. The small boards need less than their shares and
// are read whole, exactly; the busy one is sampled and gets what they leave, so the run spends
// about the whole budget, and never more. With the busy board served first and a budget a
// third the size, it still cannot take the others' shares: each of them reads at least its
// share or all it has.
func TestBoardsShareTheBudget(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		for _, tc := range []struct{ budget, busyMin int }{{900, 500}, {300, 0}} {
			d := newDeployment(t, srv, time.Now().UTC().Truncate(time.Hour).Add(-time.Hour), xapitest.Options{})
			boards := d.boards(t, 3)
			d.add(t, boards[0].topic, "", 3000)
			d.add(t, boards[1].topic, "", 250)
			d.add(t, boards[2].topic, "", 40)
			h := d.handler(t, boards, func(c *ingest.Config) { c.DailyPostBudget, c.Interval, c.MaxPages = tc.budget, 24*time.Hour, 30 })
			res := mustRun(t, h)
			checkSummary(t, res, boards)
			busy, mid, small := res.Boards[boards[0].name], res.Boards[boards[1].name], res.Boards[boards[2].name]
			t.Logf("budget %d: busy %+v, mid %+v, small %+v, read today %d", tc.budget, busy, mid, small, res.PostsReadToday)
			if res.PostsReadToday > int64(tc.budget) || busy.PostsFetched < tc.busyMin || busy.Coverage >= 1 {
				t.Errorf("budget %d: read today %d, the busy board %+v: want at least %d read of a sample, within the budget",
					tc.budget, res.PostsReadToday, busy, tc.busyMin)
			}
			share := tc.budget/3 - xapi.MinPageSize
			for _, b := range []struct {
				tot  ingest.Totals
				need int
				tb   testBoard
			}{{mid, 214, boards[1]}, {small, 34, boards[2]}} { // the posts that are not retweets
				if b.tot.PostsFetched < min(b.need, share) {
					t.Errorf("budget %d: board %s read %d posts, want at least %d", tc.budget, b.tb.name, b.tot.PostsFetched, min(b.need, share))
				}
			}
			if small.Coverage != 1 || !small.Complete {
				t.Errorf("budget %d: the small board %+v, want it read whole", tc.budget, small)
			}
			if tc.budget == 900 {
				d.assertCounts(t, boards[1:])
			}
		}
	})
}

// TestCountsRateLimitRespected: the counts endpoint's answer says x-rate-limit-remaining 0 (its
// limit is 1 request per 15 minutes here): the run records the reset and sends nothing more,
// the next run before the reset sends nothing, the one after it reads and counts again, and no
// request is ever answered 429.
func TestCountsRateLimitRespected(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		d := newDeployment(t, srv, time.Now().UTC().Truncate(time.Hour).Add(-time.Hour), xapitest.Options{CountsRateLimit: 1})
		boards := d.boards(t, 1)
		d.add(t, boards[0].topic, "", 2000)
		h := d.handler(t, boards, func(c *ingest.Config) { c.DailyPostBudget, c.Interval = 600, 24*time.Hour })
		res := mustRun(t, h)
		if !res.RateLimited || res.CountsRequests != 1 {
			t.Fatalf("first run: %+v, want rate limited after its counts request", res)
		}
		sent := len(d.x.Requests())
		d.clock.Advance(5 * time.Minute)
		if res := mustRun(t, h); !res.RateLimited || len(d.x.Requests()) != sent {
			t.Errorf("a run before the reset: %+v, %d requests sent", res, len(d.x.Requests())-sent)
		}
		d.clock.Advance(11 * time.Minute)
		if res := mustRun(t, h); res.PostsRead == 0 || res.CountsRequests != 1 {
			t.Errorf("a run after the reset: %+v, want reads and a counts request", res)
		}
		for i, r := range d.x.Requests() {
			if r.Status == 429 {
				t.Errorf("request %d (%s) answered 429", i+1, r.Path)
			}
		}
	})
}
