package store

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	Spelling string // as Entry.Spelling: "" where it is Hashtag itself or none is recorded
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
		c.all = pipe.HGet(ctx, s.key("meta"), "c:read")
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
// estimates and margins, and the window's coverage. Top's pipeline also reads the window's
// coverage totals (one HMGET of 4 fields of meta): where nothing
// of the window was sampled, that is all, and every estimate is its count with margin 0.
// Otherwise (see topSampled) two more round trips: the best by the estimate set the writer
// keeps, then their figures from their buckets, computed as History does.
func (s *Store) TopEstimates(ctx context.Context, w Window, n int) (Ranked, error) {
	var tot *totalsCmd
	var qerr error
	entries, err := s.topCounts(ctx, w, n, func(pipe redis.Pipeliner) { tot, qerr = s.queueTotals(ctx, pipe, w) })
	if err == nil {
		err = qerr
	}
	if err != nil {
		return Ranked{}, err
	}
	c, sampledNow, current, err := tot.coverage(s.now().Unix())
	if err != nil {
		return Ranked{}, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
	}
	if !current { // the upkeep is behind: the totals may hold buckets that left
		if c, err = s.Coverage(ctx, w); err != nil {
			return Ranked{}, err
		}
		sampledNow = c.Had > c.Read
	}
	if !sampledNow {
		rows := make([]Row, len(entries))
		for i, e := range entries {
			rows[i] = Row{Hashtag: e.Hashtag, Spelling: e.Spelling, Count: e.Count, Estimate: e.Count}
		}
		return Ranked{Rows: rows, Coverage: c}, nil
	}
	rows, err := s.topSampled(ctx, w, n)
	if err != nil {
		return Ranked{}, fmt.Errorf("top %d of %s/%s, sampled: %w", n, s.name, w, err)
	}
	return Ranked{Rows: rows, Coverage: c}, nil
}

// totalsCmd is the queued read of a window's coverage totals, one HMGET of meta: the oldest
// live bucket of the window (of 7d for All), the posts read all time, and the posts read and
// had over the window's live buckets.
type totalsCmd struct {
	w    Window
	sp   span
	meta *redis.SliceCmd
}

func (s *Store) queueTotals(ctx context.Context, pipe redis.Pipeliner, w Window) (*totalsCmd, error) {
	sw := w
	if w == All {
		sw = Week
	}
	sp, ok := spanOf(sw)
	if !ok {
		return nil, fmt.Errorf("coverage: unknown window %q: allowed are all, 1h, 24h, 7d", w)
	}
	return &totalsCmd{w: w, sp: sp, meta: pipe.HMGet(ctx, s.key("meta"), "lo:"+string(sw), "c:read", "c:R:"+string(sw), "c:E:"+string(sw))}, nil
}

// coverage decodes the totals at now: the window's coverage, whether a bucket was sampled,
// and whether the totals are current (the last upkeep kept the window's oldest bucket at now).
func (t *totalsCmd) coverage(now int64) (c Coverage, sampled, current bool, err error) {
	var v [4]int64
	var found [4]bool
	vals, err := t.meta.Result()
	if err != nil || len(vals) != len(v) {
		return Coverage{}, false, false, fmt.Errorf("coverage totals: %d values, %v", len(vals), err)
	}
	for k, x := range vals {
		if x == nil {
			continue
		}
		str, _ := x.(string)
		if v[k], err = strconv.ParseInt(str, 10, 64); err != nil {
			return Coverage{}, false, false, fmt.Errorf("coverage totals: field holds %q, want an integer", str)
		}
		found[k] = true
	}
	lo, allRead, read, had := v[0], v[1], v[2], max(v[3], v[2])
	current = found[0] && lo == t.sp.oldestBucket(now)
	c = Coverage{Read: read, Had: had}
	if t.w == All {
		c = Coverage{Read: allRead, Had: allRead + had - read}
	}
	return c, had > read, current, nil
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

// topSampled ranks the hashtags of a sampled window by estimate (see TopEstimates): one
// pipeline reads the coverage of every live bucket and the best n+5 of the estimate set the
// writer remade at its last upkeep (or SetHad); a second one reads those hashtags' counts in
// every bucket (one ZMSCORE per bucket) and their spellings, from which their figures are
// computed now, as History computes them, and ranked. Without an estimate set (no upkeep since
// the window was first sampled) the best come from a ZUNION of the buckets weighted by their
// factors, whose reply is the size of the window.
func (s *Store) topSampled(ctx context.Context, w Window, n int) ([]Row, error) {
	pipe := s.rdb.Pipeline()
	cov, err := s.queueCov(ctx, pipe, w)
	if err != nil {
		return nil, err
	}
	best := pipe.ZRevRangeWithScores(ctx, s.key("e:"+string(w)), 0, int64(n+4))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("coverage and estimates: %w", err)
	}
	_, bs, err := windowCoverage(cov.cmd, cov.all)
	if err != nil {
		return nil, err
	}
	keys, est, count, bi := s.estKeys(cov, bs)
	var tags []string
	for _, z := range best.Val() {
		tags = append(tags, z.Member.(string))
	}
	if len(tags) == 0 {
		if tags, err = s.unionBest(ctx, keys, est, count, n); err != nil {
			return nil, err
		}
	}
	if len(tags) == 0 {
		return []Row{}, nil
	}
	pipe = s.rdb.Pipeline()
	cmds := make([]*redis.FloatSliceCmd, len(keys))
	for k, key := range keys {
		cmds[k] = pipe.ZMScore(ctx, key, tags...)
	}
	spell := s.queueSpellings(ctx, pipe, tags)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("scores of %d hashtags in %d sets: %w", len(tags), len(keys), err)
	}
	spellings, err := s.spellingsFrom(spell, tags)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(tags))
	cs := make([]float64, len(bs))
	for i, tag := range tags {
		clear(cs)
		var base, sum float64
		for k, cmd := range cmds {
			v := cmd.Val()
			if len(v) != len(tags) {
				return nil, fmt.Errorf("ZMSCORE of %s returned %d scores for %d hashtags", keys[k], len(v), len(tags))
			}
			if bi[k] < 0 {
				base = v[i]
			} else {
				cs[bi[k]] = v[i]
				sum += v[i]
			}
		}
		r := Row{Hashtag: tag, Spelling: spellings[i]}
		if cov.w == All {
			r.Count = int64(base)
			r.Estimate, r.Margin, _ = estimate(r.Count, cs, bs, true)
		} else {
			r.Count = int64(sum)
			r.Estimate, r.Margin, _ = estimate(0, cs, bs, false)
		}
		if r.Count > 0 {
			rows = append(rows, r)
		}
	}
	rankRows(rows)
	return rows[:min(len(rows), n)], nil
}

// unionBest returns the n+5 best hashtags by estimate from a ZUNION of keys weighted by est,
// ties by the counts of a ZUNION weighted by count (the same pipeline).
func (s *Store) unionBest(ctx context.Context, keys []string, est, count []float64, n int) ([]string, error) {
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
	tags := make([]string, 0, min(len(cands), n+5))
	for _, r := range cands[:min(len(cands), n+5)] {
		tags = append(tags, r.Hashtag)
	}
	return tags, nil
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
