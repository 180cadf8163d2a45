package store

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Coverage: what X had for the board's query, beside what was read.
//
// The record script counts, per 5-minute slot (the smallest bucket of any window), the posts it
// records for the first time, with or without hashtags: exactly once, as the hashtag counts.
// SetHad sets, per slot, the posts X had there (from the counts endpoint), for the spans the
// ingest sampled rather than read whole. A slot's effective had is the larger of the two (a
// slot never sampled has read == had: everything there was read). Each rolling window keeps,
// per live bucket, the posts read and the effective had summed over the bucket's slots, in one
// hash per window, so a read of the window's coverage is one HMGET of 2 fields per bucket:
//
//	{name}:c:d:<day>    HASH  r:<slot> = posts read, h:<slot> = posts X had (SetHad), per
//	                          5-minute slot of that UTC day; expires a grace day after its last
//	                          slot leaves SeenRetention
//	{name}:c:<window>   HASH  r:<idx>, e:<idx> = posts read and effective had in bucket idx of
//	                          the window; the fields of a bucket go when it leaves the window
//	{name}:meta         c:R:<window>, c:E:<window> = their totals over the live buckets
//	{name}:e:<window>   ZSET  hashtag -> estimate over the live buckets, as of the last upkeep
//	                          or SetHad, only while a live bucket is sampled (e:all for All)
//	{name}:meta         c:read = posts read, all time
//
// A counts bucket of X (a minute or an hour) is mapped onto the slots it overlaps in proportion
// to the overlap (an hour's count is spread evenly over its 12 slots), in whole posts: the
// remainders go to the slots with the largest fractions (ties to the earlier slot), so the
// slots add up to the count exactly. A slot partly covered by the buckets given gets the part
// they cover.

var (
	//go:embed lua/had.lua
	hadSrc string
	//go:embed lua/settle.lua
	settleSrc string
	//go:embed lua/check.lua
	checkSrc string

	hadScript = redis.NewScript(checkSrc + settleSrc + hadSrc)
)

// slotSize is the span of one coverage slot: the bucket of the 1h window, which divides every
// other bucket.
const slotSize = 5 * time.Minute

// maxHadSlots is the most slots one had script call sets (SetHad splits larger calls).
const maxHadSlots = 1000

// Had is what X had for the board's query in one counts bucket (minute or hour granularity):
// the posts created in [Start, End).
type Had struct {
	Start, End time.Time
	Posts      int64
}

// SetHad records what X had for spans the run sampled (not for spans read whole): each bucket's
// posts are spread over the 5-minute slots it overlaps (see above) and set there, replacing
// what an earlier call set for those slots; the buckets of one call that share a slot add up.
// Slots older than SeenRetention are left out (no post there can be read any more). A bucket
// with End not after Start, or with fewer than 0 posts, is an error naming it, and nothing is
// written.
func (s *Store) SetHad(ctx context.Context, had []Had) error {
	now := s.now()
	slots, err := hadSlots(had, now.Add(-SeenRetention))
	if err != nil {
		return fmt.Errorf("set had of %s: %w", s.name, err)
	}
	for len(slots) > 0 {
		part := slots[:min(len(slots), maxHadSlots)]
		slots = slots[len(part):]
		args := make([]any, 0, 5+3*len(rolling)+1+2*len(part))
		args = append(args, s.prefix, now.Unix(), int64(SeenRetention/time.Second), int64(upkeepGrace/time.Second), len(rolling))
		for _, w := range rolling {
			args = append(args, string(w.window), int64(w.length/time.Second), int64(w.bucket/time.Second))
		}
		args = append(args, len(part))
		for _, sl := range part {
			args = append(args, strconv.FormatInt(sl.slot, 10), sl.posts)
		}
		if err := hadScript.Run(ctx, s.rdb, []string{s.key("meta")}, args...).Err(); err != nil {
			return fmt.Errorf("set had of %s, %d slots: %w", s.name, len(part), err)
		}
	}
	return nil
}

// slotHad is the posts X had in one 5-minute slot.
type slotHad struct {
	slot  int64 // unix seconds / 300
	posts int64
}

// hadSlots maps counts buckets onto slots (see the comment above), oldest slot first, leaving
// out the slots that end before oldest.
func hadSlots(had []Had, oldest time.Time) ([]slotHad, error) {
	size := int64(slotSize / time.Second)
	sum := map[int64]int64{}
	for i, h := range had {
		start, end := h.Start.Unix(), h.End.Unix()
		if end <= start || h.Posts < 0 {
			return nil, fmt.Errorf("had[%d] (%s to %s, %d posts): want start before end and posts >= 0",
				i, h.Start.UTC().Format(time.RFC3339), h.End.UTC().Format(time.RFC3339), h.Posts)
		}
		type part struct {
			slot  int64
			posts int64
			frac  float64
		}
		var parts []part
		var given int64
		for sl := floorDiv(start, size); sl*size < end; sl++ {
			overlap := min(end, (sl+1)*size) - max(start, sl*size)
			exact := float64(h.Posts) * float64(overlap) / float64(end-start)
			whole := int64(math.Floor(exact))
			parts = append(parts, part{sl, whole, exact - float64(whole)})
			given += whole
		}
		order := make([]int, len(parts))
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return parts[order[a]].frac > parts[order[b]].frac })
		for j := 0; given < h.Posts && j < len(order); j++ {
			parts[order[j]].posts++
			given++
		}
		for _, p := range parts {
			sum[p.slot] += p.posts
		}
	}
	first := floorDiv(oldest.Unix(), size)
	out := make([]slotHad, 0, len(sum))
	for sl, posts := range sum {
		if sl >= first {
			out = append(out, slotHad{sl, posts})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].slot < out[b].slot })
	return out, nil
}

// Coverage says how much of what X had for the board's query in a window was read.
type Coverage struct {
	Read int64 // posts read (recorded) in the window's buckets
	// Had is the posts X had there: per slot what SetHad set where that is more than was read,
	// else what was read (a span read whole).
	Had int64
}

// Ratio is Read ÷ Had to 4 decimals, 1 when everything was read (Had <= Read).
func (c Coverage) Ratio() float64 {
	if c.Had <= c.Read || c.Had <= 0 {
		return 1
	}
	return math.Round(float64(c.Read)/float64(c.Had)*1e4) / 1e4
}

// bucketCov is the posts read and the effective had of one bucket.
type bucketCov struct{ read, had int64 }

// factor is what an estimate multiplies the bucket's counts by: had ÷ read where had is known and
// larger than read, else 1. A bucket with posts had and none read has no counts to scale.
func (b bucketCov) factor() float64 {
	if b.had > b.read && b.read > 0 {
		return float64(b.had) / float64(b.read)
	}
	return 1
}

// sampled says whether any bucket has fewer posts read than X had.
func sampled(bs []bucketCov) bool {
	for _, b := range bs {
		if b.had > b.read {
			return true
		}
	}
	return false
}

// total is the coverage of buckets bs.
func total(bs []bucketCov) Coverage {
	var c Coverage
	for _, b := range bs {
		c.Read += b.read
		c.Had += max(b.had, b.read)
	}
	return c
}

// queueCoverage queues on pipe the HMGET of the coverage of buckets lo to hi of rolling window
// w: read and effective had per bucket.
func (s *Store) queueCoverage(ctx context.Context, pipe redis.Pipeliner, w Window, lo, hi int64) *redis.SliceCmd {
	fields := make([]string, 0, 2*(hi-lo+1))
	for idx := lo; idx <= hi; idx++ {
		i := strconv.FormatInt(idx, 10)
		fields = append(fields, "r:"+i, "e:"+i)
	}
	return pipe.HMGet(ctx, s.key("c:"+string(w)), fields...)
}

// bucketCovs decodes the reply of queueCoverage, oldest bucket first.
func bucketCovs(cmd *redis.SliceCmd) ([]bucketCov, error) {
	vals, err := cmd.Result()
	if err != nil {
		return nil, err
	}
	out := make([]bucketCov, len(vals)/2)
	for j := range out {
		for k, dst := range []*int64{&out[j].read, &out[j].had} {
			v := vals[2*j+k]
			if v == nil {
				continue
			}
			str, ok := v.(string)
			n, err := strconv.ParseInt(str, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("coverage field %d holds %v, want an integer", 2*j+k, v)
			}
			*dst = n
		}
		// A bucket with no had field read nothing that was sampled: had is what was read.
		if vals[2*j+1] == nil {
			out[j].had = out[j].read
		}
	}
	return out, nil
}

// Coverage returns the coverage of window w: for a rolling window over its live buckets (the
// ones Top sums), for All the posts read all time, with the posts X had beyond them in the 7d
// window's live buckets. One round trip of read commands.
func (s *Store) Coverage(ctx context.Context, w Window) (Coverage, error) {
	pipe := s.rdb.Pipeline()
	cov, err := s.queueCov(ctx, pipe, w)
	if err != nil {
		return Coverage{}, err
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return Coverage{}, fmt.Errorf("coverage of %s/%s: %w", s.name, w, err)
	}
	c, _, err := windowCoverage(cov.cmd, cov.all)
	if err != nil {
		return Coverage{}, fmt.Errorf("coverage of %s/%s: %w", s.name, w, err)
	}
	return c, nil
}

// liveBuckets are the oldest and newest bucket of rolling window sp at the store's now.
func (s *Store) liveBuckets(sp span) (lo, hi int64) {
	now := s.now().Unix()
	return sp.oldestBucket(now), floorDiv(now, int64(sp.bucket/time.Second))
}

// windowCoverage decodes what queueWindowCoverage queued: the window's coverage and its buckets'
// (the 7d window's for All, whose coverage is the posts read all time and what the 7d buckets
// had beyond what was read in them).
func windowCoverage(cov *redis.SliceCmd, all *redis.StringCmd) (Coverage, []bucketCov, error) {
	bs, err := bucketCovs(cov)
	if err != nil {
		return Coverage{}, nil, err
	}
	c := total(bs)
	if all != nil {
		read, err := all.Int64()
		if err != nil && err != redis.Nil {
			return Coverage{}, nil, fmt.Errorf("posts read all time: %w", err)
		}
		c = Coverage{Read: read, Had: read + c.Had - c.Read}
	}
	return c, bs, nil
}

// coverageFlag is the record script's coverage argument: "0" when off (the benchmark's
// reference, WithoutCoverage), else "1".
func coverageFlag(off bool) string {
	if off {
		return "0"
	}
	return "1"
}
