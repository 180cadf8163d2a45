package store

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Estimates: what X had, from what was read (see docs/SAMPLING.md, "Estimates").
//
// In a bucket where X had h posts and r were read (h > r), a hashtag read c times is estimated
// at c × h ÷ r, and where everything was read at c. A row's estimate is the sum over the
// window's live buckets, rounded; for All it is the all-time count plus, over the 7d window's
// live buckets, c × (h ÷ r − 1). Its margin is the half-width of a 95% interval: 1.96 times the
// square root of the summed sampling variances, per bucket f(f−1) × c × (1 − c/r) with f = h ÷ r
// (the variance of h × c/r when r of h posts are drawn at random without replacement); 0 where
// everything was read.

// z95 is the standard normal quantile of a two-sided 95% interval.
const z95 = 1.96

// Row is one row of a leaderboard with its estimate: Count posts read carry the hashtag
// (exact), Estimate posts on X are estimated to, ± Margin (95%).
type Row struct {
	Hashtag  string
	Count    int64
	Estimate int64
	Margin   int64
}

// Ranked is a top answer with estimates: its rows, ranked by estimate descending, then count
// descending, then hashtag ascending in byte order, and the window's coverage.
type Ranked struct {
	Rows     []Row
	Coverage Coverage
}

// windowCov is the queued read of one window's coverage: lo is the oldest of its buckets (of
// the 7d window for All).
type windowCov struct {
	w, sw Window
	sp    span
	lo    int64
	cmd   *redis.SliceCmd
	all   *redis.StringCmd
}

// queueCov queues the reads of window w's coverage on pipe.
func (s *Store) queueCov(ctx context.Context, pipe redis.Pipeliner, w Window) (*windowCov, error) {
	c := &windowCov{w: w, sw: w}
	if w == All {
		c.sw = Week
		c.all = pipe.HGet(ctx, s.key("c:all"), "r")
	}
	sp, ok := spanOf(c.sw)
	if !ok {
		return nil, fmt.Errorf("coverage: unknown window %q: allowed are all, 1h, 24h, 7d", w)
	}
	lo, hi := s.liveBuckets(sp)
	c.sp, c.lo, c.cmd = sp, lo, s.queueCoverage(ctx, pipe, c.sw, lo, hi)
	return c, nil
}

// TopEstimates returns the n best hashtags of window w by estimate, with their counts,
// estimates and margins, and the window's coverage. Where everything was read (no bucket of
// the window sampled) it is Top's read, with the coverage in the same pipeline (one HMGET of 2
// fields per live bucket), and every estimate is its count with margin 0. Otherwise the rank
// needs every hashtag's estimate: one ZUNION of the live buckets weighted by their factors and
// one of their counts (a reply the size of the window, as Top's behind path), then one
// pipeline of a ZMSCORE per bucket for the n best, whose figures it computes as History does.
func (s *Store) TopEstimates(ctx context.Context, w Window, n int) (Ranked, error) {
	var cov *windowCov
	var qerr error
	entries, err := s.topCounts(ctx, w, n, func(pipe redis.Pipeliner) { cov, qerr = s.queueCov(ctx, pipe, w) })
	if err == nil {
		err = qerr
	}
	if err != nil {
		return Ranked{}, err
	}
	c, bs, err := windowCoverage(cov.cmd, cov.all)
	if err != nil {
		return Ranked{}, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
	}
	if !sampled(bs) {
		rows := make([]Row, len(entries))
		for i, e := range entries {
			rows[i] = Row{Hashtag: e.Hashtag, Count: e.Count, Estimate: e.Count}
		}
		return Ranked{Rows: rows, Coverage: c}, nil
	}
	rows, err := s.topSampled(ctx, cov, bs, n)
	if err != nil {
		return Ranked{}, fmt.Errorf("top %d of %s/%s, sampled: %w", n, s.name, w, err)
	}
	return Ranked{Rows: rows, Coverage: c}, nil
}

// estKeys are the sets an estimate of cov's window sums, with the weights of its estimate and
// of its count: a rolling window's live buckets (factor, 1); for All the all-time set (1, 1)
// and the sampled buckets of 7d (factor − 1, 0). bi[k] is the bucket of key k, -1 for all.
func (s *Store) estKeys(cov *windowCov, bs []bucketCov) (keys []string, est, count []float64, bi []int) {
	if cov.w == All {
		keys, est, count, bi = []string{s.key("all")}, []float64{1}, []float64{1}, []int{-1}
	}
	for j, b := range bs {
		if cov.w == All && b.factor() == 1 {
			continue
		}
		keys = append(keys, s.bucketKey(cov.sw, cov.lo+int64(j)))
		if cov.w == All {
			est, count = append(est, b.factor()-1), append(count, 0)
		} else {
			est, count = append(est, b.factor()), append(count, 1)
		}
		bi = append(bi, j)
	}
	return keys, est, count, bi
}

// topSampled ranks every hashtag of a sampled window by estimate (see TopEstimates).
func (s *Store) topSampled(ctx context.Context, cov *windowCov, bs []bucketCov, n int) ([]Row, error) {
	keys, est, count, bi := s.estKeys(cov, bs)
	pipe := s.rdb.Pipeline()
	estU := pipe.ZUnionWithScores(ctx, redis.ZStore{Keys: keys, Weights: est})
	countU := pipe.ZUnionWithScores(ctx, redis.ZStore{Keys: keys, Weights: count})
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("union of %d sets: %w", len(keys), err)
	}
	counts := make(map[string]float64, len(countU.Val()))
	for _, z := range countU.Val() {
		counts[z.Member.(string)] = z.Score
	}
	cands := make([]Row, 0, len(estU.Val()))
	for _, z := range estU.Val() {
		tag := z.Member.(string)
		if c := counts[tag]; c > 0 {
			cands = append(cands, Row{Hashtag: tag, Count: int64(c), Estimate: int64(math.Round(z.Score))})
		}
	}
	rankRows(cands)
	// The figures of the best are computed again from their buckets, as History does: a few
	// more than n, in case a sum rounded otherwise in Redis.
	cands = cands[:min(len(cands), n+5)]
	if len(cands) == 0 {
		return []Row{}, nil
	}
	tags := make([]string, len(cands))
	for i, r := range cands {
		tags[i] = r.Hashtag
	}
	pipe = s.rdb.Pipeline()
	cmds := make([]*redis.FloatSliceCmd, len(keys))
	for k, key := range keys {
		cmds[k] = pipe.ZMScore(ctx, key, tags...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("scores of %d hashtags in %d sets: %w", len(tags), len(keys), err)
	}
	for i := range cands {
		cs := make([]float64, len(bs))
		var base int64
		for k, cmd := range cmds {
			v := cmd.Val()
			if len(v) != len(tags) {
				return nil, fmt.Errorf("ZMSCORE of %s returned %d scores for %d hashtags", keys[k], len(v), len(tags))
			}
			if bi[k] < 0 {
				base = int64(v[i])
			} else {
				cs[bi[k]] = v[i]
			}
		}
		if cov.w == All {
			cands[i].Count = base
			cands[i].Estimate, cands[i].Margin, _ = estimate(base, cs, bs, true)
		} else {
			var c float64
			for _, x := range cs {
				c += x
			}
			cands[i].Count = int64(c)
			cands[i].Estimate, cands[i].Margin, _ = estimate(0, cs, bs, false)
		}
	}
	rankRows(cands)
	return cands[:min(len(cands), n)], nil
}

// rankRows orders rows by estimate descending, then count descending, then hashtag ascending.
func rankRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.Estimate, a.Estimate), cmp.Compare(b.Count, a.Count), strings.Compare(a.Hashtag, b.Hashtag))
	})
}

// estimate returns a row's estimate and margin from its counts cs in buckets bs, and each
// bucket's part of the estimate. surplus (All) adds base and only each bucket's count ×
// (factor − 1); otherwise each bucket adds count × factor.
func estimate(base int64, cs []float64, bs []bucketCov, surplus bool) (est, margin int64, parts []float64) {
	parts = make([]float64, len(cs))
	sum, variance := float64(base), 0.0
	for j, c := range cs {
		f := bs[j].factor()
		parts[j] = c * f
		if surplus {
			parts[j] = c * (f - 1)
		}
		sum += parts[j]
		if f > 1 && c > 0 {
			variance += f * (f - 1) * c * max(0, 1-c/float64(bs[j].read))
		}
	}
	return int64(math.Round(sum)), int64(math.Round(z95 * math.Sqrt(variance))), parts
}

// apportion splits est into whole parts that add up to it, each the floor of its exact part
// plus one for the largest fractions (ties to the earlier part): a series' point estimates
// add up to its row's estimate.
func apportion(est int64, parts []float64) []int64 {
	out := make([]int64, len(parts))
	left := est
	for j, p := range parts {
		out[j] = int64(math.Floor(p))
		left -= out[j]
	}
	order := make([]int, len(parts))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int {
		fa, fb := parts[a]-math.Floor(parts[a]), parts[b]-math.Floor(parts[b])
		return cmp.Compare(fb, fa)
	})
	for k := 0; left > 0 && k < len(order); k++ {
		out[order[k]]++
		left--
	}
	return out
}

// estimatePoints sets the estimates of every point of series from its counts and the buckets'
// coverage bs (one per point), apportioned so that they add up to the row's estimate.
func estimatePoints(series []Series, bs []bucketCov) {
	cs := make([]float64, len(bs))
	for i := range series {
		ps := series[i].Points
		for j, p := range ps {
			cs[j] = float64(p.Count)
		}
		est, _, parts := estimate(0, cs, bs, false)
		for j, e := range apportion(est, parts) {
			ps[j].Estimate = e
		}
	}
}
