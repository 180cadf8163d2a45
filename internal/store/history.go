package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
)

// MaxHistory is the most hashtags one History or Counts call reads: a window's top 100, which
// the leaderboard reads at once for every history request among them (docs/SECURITY.md).
const MaxHistory = 100

// Point is one bucket of a hashtag's history: when the bucket starts, how many posts created
// in it carry the hashtag, and how many posts on X are estimated to (see TopEstimates): the
// estimates of a series add up to its row's estimate.
type Point struct {
	Start    time.Time
	Count    int64
	Estimate int64
}

// Series is the history of one hashtag in a rolling window: one point per live bucket of the
// window, oldest first.
type Series struct {
	Hashtag  string
	Spelling string // as Entry.Spelling: "" where it is Hashtag itself or none is recorded
	Points   []Point
}

// History returns, for each of tags in the order given, its count in every live bucket of
// rolling window w, oldest first, zeros included: 13 points of 5 minutes for 1h, 25 of an hour
// for 24h, 29 of 6 hours for 7d (see the package comment). The live buckets are those Top sums
// for the window, so a hashtag's points add up to its count in the window as Top reads it (the
// window plus at most one bucket of older posts), whether or not the window's upkeep is current.
//
// Each tag is normalised with package hashtag, so "#AWS" reads "aws" and its Series says
// "aws"; a tag that is not a hashtag is an error, and so are more than MaxHistory tags. The
// read is one round trip, a pipeline of one ZMSCORE per live bucket with every tag, and runs no
// script: the reader user can run it. A bucket that holds none of the tags, or that expired,
// counts zero. The same pipeline reads each hashtag's spelling (Series.Spelling).
func (s *Store) History(ctx context.Context, w Window, tags []string) ([]Series, error) {
	series, _, err := s.history(ctx, w, tags, false)
	return series, err
}

// HistoryWithCoverage is History with the window's coverage, read in the same pipeline (one
// HMGET of 2 fields per live bucket), and each point's estimate.
func (s *Store) HistoryWithCoverage(ctx context.Context, w Window, tags []string) ([]Series, Coverage, error) {
	return s.history(ctx, w, tags, true)
}

// history is History; withCov also answers the coverage when no tag is asked (a round trip).
func (s *Store) history(ctx context.Context, w Window, tags []string, withCov bool) ([]Series, Coverage, error) {
	sp, members, err := s.historyArgs("history", w, tags)
	if err != nil {
		return nil, Coverage{}, err
	}
	out := make([]Series, len(members))
	if len(members) == 0 {
		if !withCov {
			return out, Coverage{}, nil
		}
		c, err := s.Coverage(ctx, w)
		return out, c, err
	}
	now := s.now().Unix()
	bucket := int64(sp.bucket / time.Second)
	lo, hi := sp.liveBuckets(now)
	// Every command's arguments share one backing array of the members, converted to any once.
	args := make([]any, 2, 2+len(members))
	args[0] = "zmscore"
	for _, m := range members {
		args = append(args, m)
	}
	pipe := s.rdb.Pipeline()
	cov := s.queueCoverage(ctx, pipe, w, lo, hi)
	spell := s.queueSpellings(ctx, pipe, members)
	cmds := make([]*redis.FloatSliceCmd, 0, hi-lo+1)
	for idx := lo; idx <= hi; idx++ {
		a := slices.Clone(args)
		a[1] = s.bucketKey(w, idx)
		cmd := redis.NewFloatSliceCmd(ctx, a...)
		_ = pipe.Process(ctx, cmd) // queued: the error, if any, comes from Exec
		cmds = append(cmds, cmd)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, Coverage{}, fmt.Errorf("history of %d hashtags in %s/%s: %w", len(members), s.name, w, err)
	}
	spellings, err := s.spellingsFrom(spell, members)
	if err != nil {
		return nil, Coverage{}, fmt.Errorf("history of %s/%s: %w", s.name, w, err)
	}
	for i, m := range members {
		out[i] = Series{Hashtag: m, Spelling: spellings[i], Points: make([]Point, len(cmds))}
	}
	for j, cmd := range cmds {
		scores := cmd.Val()
		if len(scores) != len(members) {
			return nil, Coverage{}, fmt.Errorf("history of %s/%s: ZMSCORE returned %d scores for %d hashtags", s.name, w, len(scores), len(members))
		}
		start := time.Unix((lo+int64(j))*bucket, 0).UTC()
		for i, score := range scores {
			out[i].Points[j] = Point{Start: start, Count: int64(score), Estimate: int64(score)}
		}
	}
	bs, err := bucketCovs(cov)
	if err != nil {
		return nil, Coverage{}, fmt.Errorf("history of %s/%s: %w", s.name, w, err)
	}
	if sampled(bs) {
		estimatePoints(out, bs)
	}
	return out, total(bs), nil
}

// Counts returns the count of each of tags in rolling window w as its window set holds it,
// 0 for a hashtag not in it, with one ZMSCORE: a read command, one round trip. A hashtag
// that Counts finds at 0 has no post in any live bucket of the window (the set is the sum of
// every bucket it holds, the live ones included, and drops a hashtag whose count falls to 0),
// so its History is all zeros without reading the buckets. Tags are checked as by History.
func (s *Store) Counts(ctx context.Context, w Window, tags []string) ([]int64, error) {
	_, members, err := s.historyArgs("counts", w, tags)
	if err != nil || len(members) == 0 {
		return make([]int64, len(members)), err
	}
	scores, err := s.rdb.ZMScore(ctx, s.key("w:"+string(w)), members...).Result()
	if err != nil {
		return nil, fmt.Errorf("counts of %d hashtags in %s/%s: %w", len(members), s.name, w, err)
	}
	if len(scores) != len(members) {
		return nil, fmt.Errorf("counts in %s/%s: ZMSCORE returned %d scores for %d hashtags", s.name, w, len(scores), len(members))
	}
	out := make([]int64, len(scores))
	for i, v := range scores {
		out[i] = int64(v)
	}
	return out, nil
}

// historyArgs checks the window and the tags of a History or Counts call (what names it) and
// returns the window's span and the tags normalised.
func (s *Store) historyArgs(what string, w Window, tags []string) (span, []string, error) {
	sp, ok := spanOf(w)
	if !ok {
		return sp, nil, fmt.Errorf("%s: window %q: want one of 1h, 24h, 7d", what, w)
	}
	if len(tags) > MaxHistory {
		return sp, nil, fmt.Errorf("%s of %s/%s: %d hashtags, at most %d", what, s.name, w, len(tags), MaxHistory)
	}
	members := make([]string, len(tags))
	for i, t := range tags {
		n, err := hashtag.Normalize(t)
		if err != nil {
			return sp, nil, fmt.Errorf("%s of %s/%s: %w", what, s.name, w, err)
		}
		members[i] = n
	}
	return sp, members, nil
}

// BucketStarts returns when each live bucket of rolling window w starts at now, oldest first:
// the Start of every Point that History returns at now.
func BucketStarts(w Window, now time.Time) ([]time.Time, error) {
	sp, ok := spanOf(w)
	if !ok {
		return nil, fmt.Errorf("bucket starts: window %q: want one of 1h, 24h, 7d", w)
	}
	lo, hi := sp.liveBuckets(now.Unix())
	bucket := int64(sp.bucket / time.Second)
	out := make([]time.Time, 0, hi-lo+1)
	for idx := lo; idx <= hi; idx++ {
		out = append(out, time.Unix(idx*bucket, 0).UTC())
	}
	return out, nil
}
