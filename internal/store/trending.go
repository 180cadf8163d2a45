package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Trend is one row of the trending view of a window.
type Trend struct {
	Hashtag  string
	Spelling string // as Entry.Spelling: "" where it is Hashtag itself or none is recorded
	Count    int64  // posts in the window
	Authors  int64  // distinct authors in the window
	// Baseline is the distinct authors expected in a window of this length, from the 7 days
	// before it (see the package comment), to two decimals.
	Baseline float64
	// Score is (Authors - Baseline)² / max(Baseline, 1), to two decimals.
	Score float64
}

// TrendingWindows are the windows that have a trending view.
var TrendingWindows = []Window{Hour, Day}

// TrendingMaxHashtags is the most hashtags a post may carry and still count its author toward
// the trending views: a post with more (after normalisation and deduplication) counts in the
// top and history views like any post, but adds no author to any hashtag, in no window and no
// baseline. Without it one post counted its author for each of up to 50 hashtags, so a handful
// of accounts posting once each could fill the trending view with invented hashtags (issue 21).
// Three keeps an ordinary post's hashtags whole; docs/SECURITY.md says what the rule resists and
// what it does not.
const TrendingMaxHashtags = 3

// trendingAuthor is the author the record script gets for a post with ntags hashtags: the
// post's authorKey, or "" when the post carries more than TrendingMaxHashtags hashtags, which
// the script reads as "counts toward no trending figure".
func trendingAuthor(author string, post uint64, ntags int) string {
	if ntags > TrendingMaxHashtags {
		return ""
	}
	return authorKey(author, post)
}

// Trending returns the n best hashtags of the trending view of window w (Hour or Day), by
// score descending, then hashtag ascending in byte order. Only hashtags with at least the
// writer's min authors and more authors than their baseline are in the view. The view is
// precomputed by the writer (as of its last Upkeep): a read is one HGETALL of at most
// TrendingSize fields, a read command, one round trip, which also reads the spellings of the
// last answer's hashtags (a hashtag new to the answer is one more HMGET, see spell).
func (s *Store) Trending(ctx context.Context, w Window, n int) ([]Trend, error) {
	out, sp, err := s.trending(ctx, w, n)
	if err != nil {
		return nil, err
	}
	if err := sp.readMissing(ctx); err != nil {
		return nil, fmt.Errorf("trending %d of %s/%s: %w", n, s.name, w, err)
	}
	return spelled(out, sp)
}

// spelled sets the spellings of trends from sp, once its reads ran.
func spelled(trends []Trend, sp *spelling) ([]Trend, error) {
	spellings, err := sp.result()
	if err != nil {
		return nil, err
	}
	for i := range trends {
		trends[i].Spelling = spellings[i]
	}
	return trends, nil
}

// trending is Trending but for the spellings of the hashtags its previous answer did not hold:
// sp has them to read.
func (s *Store) trending(ctx context.Context, w Window, n int) ([]Trend, *spelling, error) {
	if n < 1 || n > TrendingSize {
		return nil, nil, fmt.Errorf("trending %s: n = %d, want 1-%d", w, n, TrendingSize)
	}
	if sp, ok := spanOf(w); !ok || !sp.trending {
		return nil, nil, fmt.Errorf("trending: window %q has no trending view: allowed are 1h, 24h", w)
	}
	key := s.key("t:f:" + string(w))
	memo := topKey{"trending:" + w, n}
	prev, known := s.spellingsToRead(memo)
	pipe := s.rdb.Pipeline()
	view := pipe.HGetAll(ctx, key)
	spell := s.queueSpellings(ctx, pipe, prev)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("trending %d of %s/%s: %w", n, s.name, w, err)
	}
	m := view.Val()
	type row struct {
		Trend
		score int64 // in hundredths, for an exact order
	}
	rows := make([]row, 0, len(m))
	for tag, v := range m {
		f := strings.Fields(v)
		var x [4]int64
		ok := len(f) == len(x)
		for i := 0; ok && i < len(x); i++ {
			var err error
			x[i], err = strconv.ParseInt(f[i], 10, 64)
			ok = err == nil && x[i] >= 0
		}
		if !ok {
			return nil, nil, fmt.Errorf("trending of %s/%s: key %s field %q holds %q, want \"score authors baseline count\"",
				s.name, w, key, truncateName(tag), truncateName(v))
		}
		rows = append(rows, row{Trend{Hashtag: tag, Score: float64(x[0]) / 100, Authors: x[1], Baseline: float64(x[2]) / 100, Count: x[3]}, x[0]})
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.score, a.score), strings.Compare(a.Hashtag, b.Hashtag))
	})
	out := make([]Trend, 0, min(n, len(rows)))
	tags := make([]string, 0, cap(out))
	for _, r := range rows[:min(n, len(rows))] {
		out = append(out, r.Trend)
		tags = append(tags, r.Hashtag)
	}
	sp, err := s.startSpell(memo, tags, prev, spell, known)
	if err != nil {
		return nil, nil, fmt.Errorf("trending %d of %s/%s: %w", n, s.name, w, err)
	}
	return out, sp, nil
}
