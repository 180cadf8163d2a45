package leaderboard

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// What the history view costs Redis, per instance (docs/SECURITY.md, "History view cost"):
//
//   - Per board, rolling window and cache period (Config.CacheTTL, at least minHistoryPeriod, and
//     never past the window's next bucket), one shared read: the window's top 100 (the top
//     view's own cached read) and their history, one pipeline of at most 29 ZMSCORE of at most
//     100 hashtags. Every list of hashtags among them is answered from it, whatever its order.
//   - Every other list, per distinct set of its other hashtags and shared read: one ZMSCORE of
//     the window set (Counts), and when some of them are in the window, their history, one
//     pipeline of 13, 25 or 29 ZMSCORE. A hashtag absent from the window set has only zeros.
//     These commands are taken from a budget of historyBurst commands that refills at
//     historyRate a second; a request that finds it short gets 429 with Retry-After.
//
// So whatever lists the callers send, an instance sends at most 3 shared reads per board and
// cache period, plus historyBurst commands at once and historyRate a second after that.
const (
	// historyRate is how many Redis commands a second, each a ZMSCORE of at most
	// MaxHistoryHashtags hashtags, an instance spends on history requests outside the shared
	// reads, once historyBurst is spent.
	historyRate = 100
	// historyBurst is the most such commands an instance spends at once: 10 full 7d reads
	// (1 + 29 commands each), or 300 lists of hashtags absent from the window.
	historyBurst = 300
	// minHistoryPeriod is how long the shared read is kept when Config.CacheTTL is shorter (or 0):
	// without a period there is no bound.
	minHistoryPeriod = time.Second
	// maxHistoryAnswers bounds the reads of other lists an instance keeps (each at most 25
	// series of 29 points): a caller cycling hashtag lists must not grow memory.
	maxHistoryAnswers = 64
)

// topHistory is the shared read of a board's window: the history of its top MaxLimit
// hashtags, and the bucket starts of every series answered from it.
type topHistory struct {
	gen     uint64 // tells this read from the others, for the reads of other lists made with it
	at      time.Time
	cov     store.Coverage // the window's coverage at the read (every series of it shares it)
	starts  []time.Time
	series  map[string]store.Series
	expires time.Time // the start of the next bucket: a new bucket needs a new read
}

// restKey identifies the read of a list's hashtags outside a shared read: the board, the
// window, the shared read and the hashtags, sorted.
type restKey struct {
	board  string
	window store.Window
	gen    uint64
	tags   string // NUL-separated
}

// historyCache is what an instance keeps for the history view.
type historyCache struct {
	tops   memo[cacheKey, *topHistory]
	rests  memo[restKey, map[string]store.Series]
	budget tokenBucket
	gen    atomic.Uint64
}

func newHistoryCache() historyCache {
	return historyCache{
		tops:   memo[cacheKey, *topHistory]{max: math.MaxInt, until: func(t *topHistory) time.Time { return t.expires }},
		rests:  memo[restKey, map[string]store.Series]{max: maxHistoryAnswers},
		budget: tokenBucket{rate: historyRate, burst: historyBurst},
	}
}

// busyError is a history request refused because the instance's budget is spent: the handler
// answers 429 with Retry-After.
type busyError struct {
	window store.Window
	retry  time.Duration
}

func (e *busyError) Error() string {
	return fmt.Sprintf("history of hashtags outside the top %d of %s: this instance's budget of %d Redis commands a second is spent; retry in %s",
		MaxLimit, e.window, historyRate, e.retry.Round(time.Millisecond))
}

// retryAfter is the Retry-After of e, in whole seconds, at least 1.
func (e *busyError) retryAfter() int {
	return max(1, int(math.Ceil(e.retry.Seconds())))
}

// historyPeriod is how long the history reads are kept.
func (h *Handler) historyPeriod() time.Duration { return max(h.ttl, minHistoryPeriod) }

// topHistory returns the shared read of window w of board b.
func (h *Handler) topHistory(ctx context.Context, b *Named, w store.Window, wait func(<-chan struct{}) error) (*topHistory, string, error) {
	key := cacheKey{board: b.Name, view: viewHistory, window: w}
	return h.hist.tops.get(key, h.now, h.historyPeriod(), h.joined, wait, func() (*topHistory, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.callTimeout(ctx))
		defer cancel()
		r, _, err := h.read(fctx, b, viewTop, w)
		if err != nil {
			return nil, err
		}
		tags := make([]string, 0, len(r.entries))
		for _, e := range r.entries {
			// A member that is not a normal hashtag (written by something else) would fail the
			// whole read: it is left out, and read like any other list if asked for.
			if n, err := hashtag.Normalize(e.Hashtag); err == nil && n == e.Hashtag {
				tags = append(tags, e.Hashtag)
			}
		}
		series, cov, err := historyOf(fctx, b.Board, w, tags)
		if err != nil {
			return nil, fmt.Errorf("history of the top %d: %w", len(tags), err)
		}
		t := &topHistory{gen: h.hist.gen.Add(1), at: h.now(), cov: cov, series: make(map[string]store.Series, len(series))}
		for _, s := range series {
			t.series[s.Hashtag] = s
		}
		if len(series) > 0 {
			for _, p := range series[0].Points {
				t.starts = append(t.starts, p.Start)
			}
		} else if t.starts, err = store.BucketStarts(w, t.at); err != nil {
			return nil, err
		}
		if n := len(t.starts); n >= 2 {
			t.expires = t.starts[n-1].Add(t.starts[1].Sub(t.starts[0]))
		}
		return t, nil
	})
}

// restHistory returns the series of those of tags (sorted, none in top) that are in window w
// of board b; a tag absent from the window set has no series. Its Redis commands come from
// the budget.
func (h *Handler) restHistory(ctx context.Context, b *Named, w store.Window, top *topHistory, tags []string,
	wait func(<-chan struct{}) error) (map[string]store.Series, string, error) {
	key := restKey{board: b.Name, window: w, gen: top.gen, tags: strings.Join(tags, "\x00")}
	return h.hist.rests.get(key, h.now, h.historyPeriod(), h.joined, wait, func() (map[string]store.Series, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.callTimeout(ctx))
		defer cancel()
		if d := h.hist.budget.take(h.now(), 1); d > 0 {
			return nil, &busyError{window: w, retry: d}
		}
		counts, err := b.Board.Counts(fctx, w, tags)
		if err != nil {
			return nil, fmt.Errorf("counts of %d hashtags: %w", len(tags), err)
		}
		var in []string
		for i, n := range counts {
			if n > 0 {
				in = append(in, tags[i])
			}
		}
		out := make(map[string]store.Series, len(in))
		if len(in) == 0 {
			return out, nil
		}
		if d := h.hist.budget.take(h.now(), float64(len(top.starts))); d > 0 {
			return nil, &busyError{window: w, retry: d}
		}
		series, _, err := historyOf(fctx, b.Board, w, in)
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			out[s.Hashtag] = s
		}
		return out, nil
	})
}

// historySeries returns the series of tags in window w of board b: from the shared read, from
// a read of the others, or zeros; how is "hit" when no Redis call was needed, "shared" when
// this request waited for another's, else "miss".
func (h *Handler) historySeries(ctx context.Context, b *Named, w store.Window, tags []string,
	wait func(<-chan struct{}) error) ([]store.Series, store.Coverage, time.Time, string, error) {
	top, how, err := h.topHistory(ctx, b, w, wait)
	if err != nil {
		return nil, store.Coverage{}, time.Time{}, how, err
	}
	var rest []string
	for _, t := range tags {
		if _, ok := top.series[t]; !ok {
			rest = append(rest, t)
		}
	}
	var others map[string]store.Series
	if len(rest) > 0 {
		slices.Sort(rest)
		var how2 string
		others, how2, err = h.restHistory(ctx, b, w, top, rest, wait)
		if err != nil {
			return nil, store.Coverage{}, time.Time{}, how2, err
		}
		if how2 == "miss" || how == "hit" {
			how = how2
		}
	}
	out := make([]store.Series, len(tags))
	for i, t := range tags {
		if s, ok := top.series[t]; ok {
			out[i] = s
		} else if s, ok := others[t]; ok {
			out[i] = s
		} else {
			out[i] = store.Series{Hashtag: t, Points: make([]store.Point, len(top.starts))}
			for j, start := range top.starts {
				out[i].Points[j].Start = start
			}
		}
	}
	return out, top.cov, top.at, how, nil
}

// tokenBucket is a budget that holds at most burst tokens and refills at rate a second, on
// the handler's clock. It starts full.
type tokenBucket struct {
	rate, burst float64

	mu      sync.Mutex
	tokens  float64
	at      time.Time
	started bool
}

// take takes n tokens at now and returns 0, or takes none and returns how long until n are
// there.
func (b *tokenBucket) take(now time.Time, n float64) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.started {
		b.tokens, b.at, b.started = b.burst, now, true
	}
	if now.After(b.at) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.at).Seconds()*b.rate)
		b.at = now
	}
	if b.tokens >= n {
		b.tokens -= n
		return 0
	}
	return time.Duration((n - b.tokens) / b.rate * float64(time.Second))
}
