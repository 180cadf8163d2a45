package store_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// scheduleReads is how many interleaved read pairs make one minute's median per window.
const scheduleReads = 61

// BenchmarkWindowSchedule reads every rolling window at every minute of a 15-minute ingest
// interval that crosses a 5-minute, an hourly and a 6-hour bucket boundary (11:50 to 12:04),
// on a board of 100,000 hashtags in every window (as BenchmarkTop), with the writer's schedule
// as deployed: the upkeep-only invocation at every bucket boundary (store.UpkeepSchedule) and
// an ingest run (upkeep, a batch of 1,000 posts, upkeep) at the start of the interval. At each
// minute (30 s in) and for each window it interleaves scheduleReads reads of the window's top
// 10 with the all-time top 10 and takes the medians; it reports the worst ratio over every
// minute and window (worst-x-all, the target is at most 1.5), that read's medians, and how many
// ZUNIONs ran inside Redis (zunions: 0 when no read summed a window). One pass of the interval
// (15 x 3 x scheduleReads read pairs) is the whole benchmark: b.N is not used, and the timer
// runs over the setup too, so a pass takes more than -benchtime and runs once (ns/op is the
// pass).
func BenchmarkWindowSchedule(b *testing.B) {
	ctx := context.Background()
	start := t0.Add(-10 * time.Minute)
	c := &clock{t: start}
	rdb := benchClient(b, env.Standalone)
	name := fmt.Sprintf("bench-schedule-%d", time.Now().UnixNano())
	s, err := store.New(rdb, name, store.WithClock(c.Now))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { // a pass leaves 100,000 hashtags in 4 sets and their buckets
		admin := env.Standalone.Client()
		if keys, err := admin.Keys(ctx, store.KeyPrefix(name)+"*").Result(); err == nil && len(keys) > 0 {
			_ = admin.Del(ctx, keys...).Err()
		}
	})
	id := 0
	batch := func(n int, spread time.Duration) {
		var posts []store.Post
		for i := range n {
			id++
			posts = append(posts, store.Post{
				ID:        strconv.Itoa(id),
				CreatedAt: c.Now().Add(-time.Duration(i) * spread / time.Duration(n)),
				Hashtags:  []string{"a" + strconv.Itoa(id), "b" + strconv.Itoa(id)},
			})
		}
		recordInBatches(b, ctx, s, posts)
	}
	batch(50_000, 50*time.Minute) // 100,000 hashtags in every window, over the last 50 minutes
	zunions0, _ := commandStat(b, env.Standalone.Client(), "zunion")
	read := func(w store.Window) func() {
		return func() {
			if _, err := s.Top(ctx, w, 10); err != nil {
				b.Fatal(err)
			}
		}
	}
	worst, worstWin, worstAll, worstAt := 0.0, time.Duration(0), time.Duration(0), ""
	for m := range 15 {
		at := start.Add(time.Duration(m) * time.Minute)
		c.Set(at)
		if at.Truncate(store.UpkeepInterval).Equal(at) { // the upkeep-only invocation
			if err := s.Upkeep(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if m == 0 { // the ingest run
			if err := s.Upkeep(ctx); err != nil {
				b.Fatal(err)
			}
			batch(1000, 15*time.Minute)
			if err := s.Upkeep(ctx); err != nil {
				b.Fatal(err)
			}
		}
		c.Set(at.Add(30 * time.Second))
		for _, w := range store.Windows[1:] {
			tw, ta := interleavedN(scheduleReads, read(w), read(store.All))
			if r := float64(tw) / float64(ta); r > worst {
				worst, worstWin, worstAll, worstAt = r, tw, ta, fmt.Sprintf("%s at %s", w, at.Format("15:04"))
			}
		}
	}
	zunions, _ := commandStat(b, env.Standalone.Client(), "zunion")
	b.Logf("worst window read: %s, %.2fx the all-time read", worstAt, worst)
	b.ReportMetric(worst, "worst-x-all")
	b.ReportMetric(float64(worstWin.Nanoseconds())/1e3, "worst-win-µs")
	b.ReportMetric(float64(worstAll.Nanoseconds())/1e3, "worst-all-µs")
	b.ReportMetric(float64(zunions-zunions0), "zunions")
}

// interleavedN is interleaved for n iterations, outside b.N.
func interleavedN(n int, first, second func()) (time.Duration, time.Duration) {
	t1 := make([]time.Duration, 0, n)
	t2 := make([]time.Duration, 0, n)
	for range n {
		begin := time.Now()
		first()
		mid := time.Now()
		second()
		t1, t2 = append(t1, mid.Sub(begin)), append(t2, time.Since(mid))
	}
	return median(t1), median(t2)
}
