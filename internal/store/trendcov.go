package store

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// TrendRow is one row of a trending answer with the estimate of its count (see TopEstimates).
type TrendRow struct {
	Trend
	Estimate int64 // the posts on X estimated to carry the hashtag in the window
	Margin   int64 // ± of a 95% interval around Estimate
}

// TrendingWithCoverage is Trending with each row's estimate and margin and the window's
// coverage: the coverage is one more round trip (one HMGET, with the spellings the view's read
// did not have); where the window was sampled, the estimates are one more, a pipeline of one
// ZMSCORE per live bucket with the rows' hashtags. Where everything was read, each estimate is
// the row's count and its margin 0.
func (s *Store) TrendingWithCoverage(ctx context.Context, w Window, n int) ([]TrendRow, Coverage, error) {
	trends, sp, err := s.trending(ctx, w, n)
	if err != nil {
		return nil, Coverage{}, err
	}
	pipe := s.rdb.Pipeline()
	cov, err := s.queueCov(ctx, pipe, w)
	if err != nil {
		return nil, Coverage{}, err
	}
	sp.queue(ctx, pipe) // the spellings the view's read did not have
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, Coverage{}, fmt.Errorf("trending %d of %s/%s: coverage: %w", n, s.name, w, err)
	}
	if trends, err = spelled(trends, sp); err != nil {
		return nil, Coverage{}, fmt.Errorf("trending %d of %s/%s: %w", n, s.name, w, err)
	}
	c, bs, err := windowCoverage(cov.cmd, cov.all)
	if err != nil {
		return nil, Coverage{}, fmt.Errorf("trending %d of %s/%s: %w", n, s.name, w, err)
	}
	rows := make([]TrendRow, len(trends))
	for i, t := range trends {
		rows[i] = TrendRow{Trend: t, Estimate: t.Count}
	}
	if !sampled(bs) || len(rows) == 0 {
		return rows, c, nil
	}
	tags := make([]string, len(rows))
	for i, r := range rows {
		tags[i] = r.Hashtag
	}
	pipe = s.rdb.Pipeline()
	cmds := make([]*redis.FloatSliceCmd, len(bs))
	for j := range bs {
		cmds[j] = pipe.ZMScore(ctx, s.bucketKey(w, cov.lo+int64(j)), tags...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, Coverage{}, fmt.Errorf("trending %d of %s/%s: bucket counts: %w", n, s.name, w, err)
	}
	cs := make([]float64, len(bs))
	for i := range rows {
		for j, cmd := range cmds {
			v := cmd.Val()
			if len(v) != len(tags) {
				return nil, Coverage{}, fmt.Errorf("trending of %s/%s: ZMSCORE returned %d scores for %d hashtags", s.name, w, len(v), len(tags))
			}
			cs[j] = v[i]
		}
		rows[i].Estimate, rows[i].Margin, _ = estimate(0, cs, bs, false)
	}
	return rows, c, nil
}
