package store_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// BenchmarkTopEstimates reads the top 10 with estimates (TopEstimates) against today's top 10
// (Top), interleaved in every iteration so both run under the same load, and reports the
// medians of both (est-µs, top-µs) and their ratio (x-top): the target is at most 1.2.
//   - read-whole/<w>: BenchmarkTop's board (100,000 hashtags in every set), nothing sampled:
//     the estimates cost one HMGET of 2 fields per live bucket in Top's pipeline;
//   - sampled/<w>: a board that read 20,000 posts (2 hashtags each, from 5,000) over the last
//     24 hours of the 200,000 X had (SetHad: coverage 0.1): ranking by estimate reads every
//     hashtag of the window, two ZUNIONs, then one ZMSCORE per bucket for the best.
func BenchmarkTopEstimates(b *testing.B) {
	ctx := context.Background()
	rdb := benchClient(b, env.Standalone)
	whole, err := store.New(rdb, "bench-top")
	if err != nil {
		b.Fatal(err)
	}
	boards := []struct {
		name string
		s    *store.Store
	}{{"sampled", sampledBoard(b, ctx)}}
	if n, _ := rdb.ZCard(ctx, store.KeyPrefix("bench-top")+"all").Result(); n >= 100_000 {
		boards = append(boards, struct {
			name string
			s    *store.Store
		}{"read-whole", whole})
	} else {
		b.Log("read-whole skipped: BenchmarkTop fills its board (make bench runs it first)")
	}
	for _, tc := range boards {
		for _, w := range store.Windows {
			b.Run(tc.name+"/"+string(w), func(b *testing.B) {
				// A window whose upkeep is behind is read another way (BenchmarkTopBehind).
				if err := tc.s.Upkeep(ctx); err != nil {
					b.Fatal(err)
				}
				me, mt := interleaved(b, func() {
					if _, err := tc.s.TopEstimates(ctx, w, 10); err != nil {
						b.Fatal(err)
					}
				}, func() {
					if _, err := tc.s.Top(ctx, w, 10); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(me.Nanoseconds())/1e3, "est-µs")
				b.ReportMetric(float64(mt.Nanoseconds())/1e3, "top-µs")
				b.ReportMetric(float64(me)/float64(mt), "x-top")
			})
		}
	}
}

// sampledBoard is BenchmarkTopEstimates' sampled board, filled on first use.
func sampledBoard(b *testing.B, ctx context.Context) *store.Store {
	b.Helper()
	rdb := benchClient(b, env.Standalone)
	s, err := store.New(rdb, "bench-top-sampled")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if n, _ := rdb.ZCard(ctx, store.KeyPrefix("bench-top-sampled")+"all").Result(); n < 5_000 {
		var posts []store.Post
		for i := range 20_000 {
			posts = append(posts, store.Post{
				ID:        strconv.Itoa(i + 1),
				CreatedAt: now.Add(-time.Duration(i) * 4 * time.Second),
				Hashtags:  []string{fmt.Sprintf("a%d", i%5000), fmt.Sprintf("b%d", (i*7)%97)},
			})
		}
		recordInBatches(b, ctx, s, posts)
	}
	// X had ten times what was read, every hour (set again on each run: the hours move on).
	var had []store.Had
	hour := now.Truncate(time.Hour)
	for h := range 25 {
		start := hour.Add(-time.Duration(h) * time.Hour)
		had = append(had, store.Had{Start: start, End: start.Add(time.Hour), Posts: 10 * 900})
	}
	if err := s.SetHad(ctx, had); err != nil {
		b.Fatal(err)
	}
	return s
}
