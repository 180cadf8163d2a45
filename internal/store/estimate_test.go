package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestEstimatesSampledHour reads one hour sampled (20 of the 200 posts X had) and the next
// read whole, and checks every window's rows, rank, margins and coverage against the formulas
// of docs/SAMPLING.md, and that each history's estimates add up to its row's.
func TestEstimatesSampledHour(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, prefix := newNamedBoard(t, rdb, &clock{t: t0})
		var posts []store.Post
		add := func(at time.Time, tags ...string) {
			posts = append(posts, post(strconv.Itoa(5000+len(posts)), at, tags...))
		}
		a := t0.Add(-2 * time.Hour) // 10:00, sampled
		for i := range 20 {
			switch {
			case i < 10:
				add(a.Add(time.Duration(i)*time.Minute), "aws")
			case i < 15:
				add(a.Add(time.Duration(i)*time.Minute), "go")
			default:
				add(a.Add(time.Duration(i) * time.Minute))
			}
		}
		for i := range 30 { // 11:00, read whole
			add(t0.Add(-time.Hour+time.Duration(i)*time.Minute), "go")
		}
		record(t, s, posts...)
		if err := s.SetHad(ctx, []store.Had{{Start: a, End: a.Add(time.Hour), Posts: 200}}); err != nil {
			t.Fatal(err)
		}
		// 24h: factor 10 at 10:00. aws 10 -> 100, ± 1.96 √(10·9·10·(1−10/20)) = 41.6;
		// go 5 -> 50 (± 1.96 √(10·9·5·0.75) = 36.0) + 30 read whole. 7d and all: one 6-hour
		// bucket with 50 read of 230 had, factor 4.6: go 35 -> 161 ± 1.96 √(4.6·3.6·35·0.3)
		// = 25.8, aws 10 -> 46 ± 1.96 √(4.6·3.6·10·0.8) = 22.6. 1h holds 11:00-11:29 only.
		want := map[store.Window]store.Ranked{
			store.Hour: {Rows: []store.Row{{"go", "", 30, 30, 0}}, Coverage: store.Coverage{Read: 30, Had: 30}},
			store.Day: {Rows: []store.Row{{"aws", "", 10, 100, 42}, {"go", "", 35, 80, 36}},
				Coverage: store.Coverage{Read: 50, Had: 230}},
			store.Week: {Rows: []store.Row{{"go", "", 35, 161, 26}, {"aws", "", 10, 46, 23}},
				Coverage: store.Coverage{Read: 50, Had: 230}},
			store.All: {Rows: []store.Row{{"go", "", 35, 161, 26}, {"aws", "", 10, 46, 23}},
				Coverage: store.Coverage{Read: 50, Had: 230}},
		}
		// From the estimate sets SetHad made, and again without them (no upkeep since the
		// window was sampled: the best come from a union of the buckets).
		for _, drop := range []bool{false, true} {
			for _, w := range store.Windows {
				if drop {
					if err := rdb.Del(ctx, prefix+"e:"+string(w)).Err(); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.TopEstimates(ctx, w, 10)
				if err != nil {
					t.Fatalf("TopEstimates %s: %v", w, err)
				}
				if !equalRanked(got, want[w]) {
					t.Errorf("TopEstimates %s (estimate set dropped: %v) = %+v, want %+v", w, drop, got, want[w])
				}
				if w != store.All {
					checkHistorySums(t, s, w, got)
				}
			}
		}
		if got, _ := s.TopEstimates(ctx, store.Day, 1); len(got.Rows) != 1 || got.Rows[0].Hashtag != "aws" {
			t.Errorf("TopEstimates 24h top 1 = %+v, want aws", got.Rows)
		}
	})
}

// checkHistorySums checks that the history of every row of r adds up to its count and estimate.
func checkHistorySums(t *testing.T, s *store.Store, w store.Window, r store.Ranked) {
	t.Helper()
	tags := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		tags[i] = row.Hashtag
	}
	series, cov, err := s.HistoryWithCoverage(context.Background(), w, tags)
	if err != nil {
		t.Fatalf("History %s: %v", w, err)
	}
	if cov != r.Coverage {
		t.Errorf("History %s coverage %+v, Top's %+v", w, cov, r.Coverage)
	}
	for i, se := range series {
		var c, e int64
		for _, p := range se.Points {
			c, e = c+p.Count, e+p.Estimate
			if p.Estimate < p.Count {
				t.Errorf("%s %s point %v: estimate %d below count %d", w, se.Hashtag, p.Start, p.Estimate, p.Count)
			}
		}
		if c != r.Rows[i].Count || e != r.Rows[i].Estimate {
			t.Errorf("%s %s history adds up to count %d, estimate %d; row has %d, %d", w, se.Hashtag, c, e, r.Rows[i].Count, r.Rows[i].Estimate)
		}
	}
}

func equalRanked(a, b store.Ranked) bool {
	if a.Coverage != b.Coverage || len(a.Rows) != len(b.Rows) {
		return false
	}
	for i := range a.Rows {
		if a.Rows[i] != b.Rows[i] {
			return false
		}
	}
	return true
}

// TestEstimatesReadWhole checks that a board read whole answers exactly as Top: every estimate
// its count, margin 0, coverage 1, in every window, also with many ties.
func TestEstimatesReadWhole(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s := newBoard(t, rdb, &clock{t: t0})
		var posts []store.Post
		for i := range 300 {
			tags := []string{"t" + strconv.Itoa(i%37)}
			if i%5 == 0 {
				tags = append(tags, "five")
			}
			posts = append(posts, post(strconv.Itoa(100+i), t0.Add(-time.Duration(i)*17*time.Minute), tags...))
		}
		record(t, s, posts...)
		for _, w := range store.Windows {
			for _, n := range []int{1, 5, 25, 40} {
				entries, err := s.Top(ctx, w, n)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.TopEstimates(ctx, w, n)
				if err != nil {
					t.Fatal(err)
				}
				if got.Coverage.Ratio() != 1 || got.Coverage.Read != got.Coverage.Had || len(got.Rows) != len(entries) {
					t.Fatalf("%s top %d: coverage %+v, %d rows; Top has %d", w, n, got.Coverage, len(got.Rows), len(entries))
				}
				for i, e := range entries {
					if want := (store.Row{Hashtag: e.Hashtag, Count: e.Count, Estimate: e.Count}); got.Rows[i] != want {
						t.Errorf("%s top %d row %d = %+v, want %+v", w, n, i, got.Rows[i], want)
					}
				}
				if w != store.All && n <= store.MaxHistory {
					checkHistorySums(t, s, w, got)
				}
			}
		}
	})
}

// TestTrendingScaledByCoverage reads the baseline hours whole and the last hour sampled at a
// tenth: #spike, 10 authors an hour before and 8 of the sample now (about 80 on X), trends; #flat,
// 20 an hour before and 2 of the sample now (about 20), does not, though unscaled the sample
// would list neither.
func TestTrendingScaledByCoverage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s := newBoard(t, rdb, &clock{t: t0})
		var posts []store.Post
		add := func(at time.Time, author int, tag string) {
			id := strconv.Itoa(9000 + len(posts))
			posts = append(posts, store.Post{ID: id, CreatedAt: at, AuthorID: strconv.Itoa(author), Hashtags: []string{tag}})
		}
		for h := 6; h >= 2; h-- { // 06:00 to 10:59, the baseline of the 1h window at 12:00
			hour := t0.Add(-time.Duration(h) * time.Hour)
			for a := range 20 {
				add(hour.Add(time.Duration(a)*time.Minute), 100+a, "flat")
			}
			for a := range 10 {
				add(hour.Add(time.Duration(a)*time.Minute+30*time.Second), 200+a, "spike")
			}
		}
		last := t0.Add(-time.Hour) // 11:00, sampled
		for a := range 8 {
			add(last.Add(time.Duration(a)*time.Minute), 300+a, "spike")
		}
		for a := range 2 {
			add(last.Add(time.Duration(a)*time.Minute+30*time.Second), 400+a, "flat")
		}
		record(t, s, posts...)
		if err := s.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		if got := trending(t, s, store.Hour); len(got) != 0 {
			t.Fatalf("1h trending read whole: %v, want none listed", got)
		}
		if err := s.SetHad(ctx, []store.Had{{Start: last, End: t0, Posts: 100}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		// 1h: 10 read of 100 had, factor 10: spike 80 authors against a baseline of 10.
		want := []store.Trend{{Hashtag: "spike", Count: 8, Authors: 80, Baseline: 10, Score: 490}}
		if got := trending(t, s, store.Hour); !slices.Equal(got, want) {
			t.Errorf("1h trending sampled: %v, want %v", got, want)
		}
	})
}
