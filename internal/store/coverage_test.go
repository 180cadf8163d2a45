package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestCoverageCountsPostsRead records posts with and without hashtags, replays and overlaps
// batches, and checks that every window's coverage counts each new post once; then sets what X
// had for one hour and checks the windows that hold it.
func TestCoverageCountsPostsRead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		// t0 is 12:00: 30 posts in 10:00-11:00, 10 in 11:30-11:55 (the 1h window).
		var batch []store.Post
		for i := range 40 {
			at := t0.Add(-2*time.Hour + time.Duration(i)*2*time.Minute)
			if i >= 30 {
				at = t0.Add(-30*time.Minute + time.Duration(i-30)*2*time.Minute)
			}
			var tags []string
			if i%3 == 0 {
				tags = []string{"aws"}
			}
			batch = append(batch, post(strconv.Itoa(1000+i), at, tags...))
		}
		record(t, s, batch[:25]...)
		record(t, s, batch[20:]...) // overlaps by 5
		record(t, s, batch...)      // a replay
		want := map[store.Window]store.Coverage{
			store.Hour: {Read: 10, Had: 10}, store.Day: {Read: 40, Had: 40},
			store.Week: {Read: 40, Had: 40}, store.All: {Read: 40, Had: 40},
		}
		checkCoverage(t, s, want)

		// X had 300 posts in 10:00-11:00 and 50 in 11:30-11:35 (more than the 3 read there).
		err := s.SetHad(ctx, []store.Had{
			{Start: t0.Add(-2 * time.Hour), End: t0.Add(-time.Hour), Posts: 300},
			{Start: t0.Add(-30 * time.Minute), End: t0.Add(-25 * time.Minute), Posts: 50},
		})
		if err != nil {
			t.Fatal(err)
		}
		// 1h: 10 read; the 11:30 slot had 50 where 3 were read: 47 more.
		want = map[store.Window]store.Coverage{
			store.Hour: {Read: 10, Had: 57}, store.Day: {Read: 40, Had: 40 + 270 + 47},
			store.Week: {Read: 40, Had: 357}, store.All: {Read: 40, Had: 357},
		}
		checkCoverage(t, s, want)
		if got := want[store.Day].Ratio(); got != 0.112 {
			t.Errorf("ratio of 40/357 = %v, want 0.112", got)
		}
		// Setting again replaces; had below read counts as read.
		if err := s.SetHad(ctx, []store.Had{{Start: t0.Add(-30 * time.Minute), End: t0.Add(-25 * time.Minute), Posts: 1}}); err != nil {
			t.Fatal(err)
		}
		want[store.Hour] = store.Coverage{Read: 10, Had: 10}
		want[store.Day] = store.Coverage{Read: 40, Had: 310}
		want[store.Week], want[store.All] = want[store.Day], want[store.Day]
		checkCoverage(t, s, want)
		// Posts read later into a sampled slot raise read, and had only past it.
		record(t, s, post("2000", t0.Add(-2*time.Hour+time.Minute), "aws"))
		want[store.Day] = store.Coverage{Read: 41, Had: 310}
		want[store.Week], want[store.All] = want[store.Day], want[store.Day]
		checkCoverage(t, s, want)

		// The buckets leave their windows with their coverage.
		c.Advance(3 * time.Hour)
		record(t, s)
		if err := s.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		want[store.Hour] = store.Coverage{}
		checkCoverage(t, s, want)
		c.Advance(8 * 24 * time.Hour)
		if err := s.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		checkCoverage(t, s, map[store.Window]store.Coverage{
			store.Hour: {}, store.Day: {}, store.Week: {}, store.All: {Read: 41, Had: 41},
		})
	})
}

func checkCoverage(t *testing.T, s *store.Store, want map[store.Window]store.Coverage) {
	t.Helper()
	for _, w := range store.Windows {
		got, err := s.Coverage(context.Background(), w)
		if err != nil {
			t.Fatalf("Coverage %s: %v", w, err)
		}
		if got != want[w] {
			t.Errorf("Coverage %s = %+v, want %+v", w, got, want[w])
		}
		// TopEstimates reads the totals the scripts keep instead of the buckets.
		top, err := s.TopEstimates(context.Background(), w, 1)
		if err != nil {
			t.Fatalf("TopEstimates %s: %v", w, err)
		}
		if top.Coverage != want[w] {
			t.Errorf("TopEstimates %s coverage = %+v, want %+v", w, top.Coverage, want[w])
		}
	}
}

// TestSetHadRejects checks that a bad counts bucket is an error naming it, and writes nothing.
func TestSetHadRejects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s := newBoard(t, rdb, &clock{t: t0})
		for _, had := range [][]store.Had{
			{{Start: t0.Add(-time.Hour), End: t0, Posts: 5}, {Start: t0, End: t0, Posts: 5}},
			{{Start: t0.Add(-time.Hour), End: t0, Posts: -1}},
		} {
			err := s.SetHad(ctx, had)
			if err == nil {
				t.Fatalf("SetHad(%v): no error", had)
			}
			if want := "had[" + strconv.Itoa(len(had)-1) + "]"; !strings.Contains(err.Error(), want) {
				t.Errorf("SetHad error %q does not name %s", err, want)
			}
		}
		checkCoverage(t, s, map[store.Window]store.Coverage{})
	})
}
