package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Entry is one row of a leaderboard.
type Entry struct {
	Hashtag string
	Count   int64
	// Spelling is how the hashtag is written in most of its posts (Spellings in the package
	// comment) when that is not Hashtag itself; empty when it is or none is recorded.
	Spelling string
}

// Shown is how the row's hashtag is shown: its Spelling, or the hashtag itself.
func (e Entry) Shown() string { return shown(e.Hashtag, e.Spelling) }

func shown(tag, spelling string) string {
	if spelling == "" {
		return tag
	}
	return spelling
}

// Top returns the n most used hashtags of window w, by count descending, then hashtag
// ascending in byte order, from the precomputed sorted set; for a rolling window the same
// pipeline holds the HGET that tells whether the window's upkeep is current (see topBehind
// when it is not). No script runs: Top needs only read commands.
//
// Redis orders equal counts in reverse byte order in a ZREVRANGE, so the members tied at place
// n need a query of their own (ZRANGE BYSCORE LIMIT). A first read of (w, n) sends ZREVRANGE of
// the top n+1 and, when places n and n+1 tie, that query: two round trips. It remembers the
// count at place n and how many members were above it; later reads send, in one pipeline, the
// members above that count and the first members with that count in byte order, as many as the
// places left. When the board moved so that this no longer covers the top n, Top falls back to
// the first read's way. On a busy board (a long tail tied at place n, counts that move slowly)
// a read is one round trip of about n members.
func (s *Store) Top(ctx context.Context, w Window, n int) ([]Entry, error) {
	return s.topCounts(ctx, w, n, nil)
}

// topCounts is Top; queue, when not nil, queues more reads on Top's first pipeline
// (TopEstimates: the window's coverage). The same pipeline reads the spellings of the
// hashtags of the last answer, unless it read them within SpellingRefresh (spell).
func (s *Store) topCounts(ctx context.Context, w Window, n int, queue func(redis.Pipeliner)) ([]Entry, error) {
	memo := topKey{w, n}
	prev, known := s.spellingsToRead(memo)
	var spell *redis.SliceCmd
	entries, err := s.topEntries(ctx, w, n, func(pipe redis.Pipeliner) {
		if queue != nil {
			queue(pipe)
		}
		spell = s.queueSpellings(ctx, pipe, prev)
	})
	if err != nil {
		return nil, err
	}
	tags := make([]string, len(entries))
	for i, e := range entries {
		tags[i] = e.Hashtag
	}
	spellings, err := s.spell(ctx, memo, tags, prev, spell, known)
	if err != nil {
		return nil, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
	}
	for i := range entries {
		entries[i].Spelling = spellings[i]
	}
	return entries, nil
}

// topEntries is topCounts without the spellings; queue queues more reads on its first pipeline.
func (s *Store) topEntries(ctx context.Context, w Window, n int, queue func(redis.Pipeliner)) ([]Entry, error) {
	if n < 1 || n > MaxTop {
		return nil, fmt.Errorf("top %s: n = %d, want 1-%d", w, n, MaxTop)
	}
	key := s.key("all")
	sp, rolling := spanOf(w)
	if rolling {
		key = s.key("w:" + string(w))
	} else if w != All {
		return nil, fmt.Errorf("top: unknown window %q: allowed are all, 1h, 24h, 7d", w)
	}
	now := s.now().Unix()
	pipe := s.rdb.Pipeline()
	queue(pipe)
	var kept *redis.StringCmd
	if rolling {
		kept = pipe.HGet(ctx, s.key("meta"), "lo:"+string(w))
	}
	var above, tied, top *redis.ZSliceCmd
	last, known := s.lastTop(w, n)
	if known {
		above = pipe.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
			Key: key, ByScore: true, Rev: true, Start: "+inf", Stop: "(" + formatScore(last.score), Count: int64(n + 1),
		})
		tied = pipe.ZRangeArgsWithScores(ctx, tiesAt(key, last.score, n-last.above))
	} else {
		top = pipe.ZRevRangeWithScores(ctx, key, 0, int64(n))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
	}
	if rolling {
		lo, err := kept.Int64()
		if err != nil || lo < sp.oldestBucket(now) {
			return s.topBehind(ctx, sp, now, lo, err == nil, n)
		}
	}
	if known {
		if entries, ok := s.fromLast(w, n, last, above.Val(), tied.Val()); ok {
			return entries, nil
		}
		top = s.rdb.ZRevRangeWithScores(ctx, key, 0, int64(n))
		if err := top.Err(); err != nil {
			return nil, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
		}
	}
	zs := top.Val()
	entries := make([]Entry, 0, len(zs)+n)
	for _, z := range zs {
		entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
	}
	if len(zs) == n+1 {
		s.remember(w, n, zs)
		if zs[n-1].Score == zs[n].Score {
			ties, err := s.rdb.ZRangeArgsWithScores(ctx, tiesAt(key, zs[n].Score, n)).Result()
			if err != nil {
				return nil, fmt.Errorf("top %d of %s/%s: ties at %v: %w", n, s.name, w, zs[n].Score, err)
			}
			for _, z := range ties {
				entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
			}
		}
	}
	return rank(entries, n), nil
}

// topKey identifies the reads whose shape Top remembers: at most len(Windows) x MaxTop.
type topKey struct {
	w Window
	n int
}

// topShape is what Top remembers of a read of the top n: the count at place n and how many
// members had a higher count (above < n).
type topShape struct {
	score float64
	above int
}

func (s *Store) lastTop(w Window, n int) (topShape, bool) {
	v, ok := s.shapes.Load(topKey{w, n})
	if !ok {
		return topShape{}, false
	}
	return v.(topShape), true
}

// remember stores the shape of zs, the top n+1 in ZREVRANGE order, for the next read.
func (s *Store) remember(w Window, n int, zs []redis.Z) {
	score, above := zs[n-1].Score, 0
	for _, z := range zs[:n] {
		if z.Score > score {
			above++
		}
	}
	s.shapes.Store(topKey{w, n}, topShape{score, above})
}

// fromLast builds the top n from a read shaped by last: up to n+1 members with a count above
// last.score (count descending) and the first members with that count in byte order, as many
// as last left places for. ok is false when they do not hold the exact top n: fewer members
// with the count came back than places are left (the top n reaches below the count, or more
// places are left than were fetched for), or the top n is above the count and ties at place n.
func (s *Store) fromLast(w Window, n int, last topShape, above, tied []redis.Z) ([]Entry, bool) {
	a := len(above)
	switch {
	case a >= n:
		if a == n+1 && above[n-1].Score == above[n].Score {
			return nil, false
		}
		if a == n+1 {
			s.remember(w, n, above)
		}
		entries := make([]Entry, 0, n)
		for _, z := range above[:n] {
			entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
		}
		return rank(entries, n), true
	case len(tied) < n-a:
		return nil, false
	}
	entries := make([]Entry, 0, n)
	for _, z := range above {
		entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
	}
	for _, z := range tied[:n-a] {
		entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
	}
	if a != last.above {
		s.shapes.Store(topKey{w, n}, topShape{last.score, a})
	}
	return rank(entries, n), true
}

func formatScore(score float64) string { return strconv.FormatFloat(score, 'f', -1, 64) }

// tiesAt fetches the first n members of key with score, in byte order.
func tiesAt(key string, score float64, n int) redis.ZRangeArgs {
	s := formatScore(score)
	return redis.ZRangeArgs{Key: key, ByScore: true, Start: s, Stop: s, Count: int64(n)}
}

// topBehind reads rolling window sp when its upkeep is behind the clock: the oldest bucket the
// last upkeep kept, kept, lies before the window's oldest bucket at now (known is false when
// no upkeep ever ran). The answer is exact, from one ZUNION that Redis computes and sends in
// full (every member of the window, ascending), as a plain read command:
//   - the window set minus the buckets that left it since the upkeep, when fewer buckets left
//     than the window has: the set is the sum of the buckets from kept on, so this is the sum
//     of the live ones (a concurrent upkeep that deleted some of them and subtracted them
//     from the set leaves the difference the same);
//   - otherwise (ingest stopped for a window's length or more) the sum of the live buckets.
//
// Its cost grows with the window's size, not with n: the caller bounds how often it runs (the
// leaderboard reads each window once per cache period).
func (s *Store) topBehind(ctx context.Context, sp span, now, kept int64, known bool, n int) ([]Entry, error) {
	lo := sp.oldestBucket(now)
	hi := floorDiv(now, int64(sp.bucket/time.Second))
	bucketKey := func(idx int64) string { return s.bucketKey(sp.window, idx) }
	var z redis.ZStore
	if known && lo-kept < hi-lo+1 {
		z.Keys, z.Weights = []string{s.key("w:" + string(sp.window))}, []float64{1}
		for idx := kept; idx < lo; idx++ {
			z.Keys, z.Weights = append(z.Keys, bucketKey(idx)), append(z.Weights, -1)
		}
	} else {
		for idx := lo; idx <= hi; idx++ {
			z.Keys = append(z.Keys, bucketKey(idx))
		}
	}
	zs, err := s.rdb.ZUnionWithScores(ctx, z).Result()
	if err != nil {
		return nil, fmt.Errorf("top %d of %s/%s, upkeep behind: union of %d sets: %w", n, s.name, sp.window, len(z.Keys), err)
	}
	entries := make([]Entry, 0, min(len(zs), n+1))
	// Ascending by count: the top is at the end. Count 0 or less is a hashtag whose posts all
	// left the window.
	for i := len(zs) - 1; i >= 0 && zs[i].Score > 0; i-- {
		if len(entries) > n && zs[i].Score < float64(entries[n-1].Count) {
			break // below place n, and past the ties with it
		}
		entries = append(entries, Entry{Hashtag: zs[i].Member.(string), Count: int64(zs[i].Score)})
	}
	return rank(entries, n), nil
}

// rank orders entries by count descending, then hashtag ascending, keeps each hashtag once
// (its first place: two reads of a set that changed in between may both hold it, with different
// counts) and returns the first n.
func rank(entries []Entry, n int) []Entry {
	slices.SortFunc(entries, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Hashtag, b.Hashtag))
	})
	seen := make(map[string]bool, len(entries))
	out := entries[:0]
	for _, e := range entries {
		if !seen[e.Hashtag] {
			seen[e.Hashtag] = true
			out = append(out, e)
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}
