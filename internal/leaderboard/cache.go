package leaderboard

import (
	"context"
	"fmt"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// cacheKey names what one read is of: a view of a window of a board.
type cacheKey struct {
	board  string
	view   string
	window store.Window
}

// read is one view of one window from a board: its best MaxLimit hashtags (entries for the top
// view, trends for the trending view), when they were read, and the answers encoded from them
// so far, one per limit (guarded by Handler.mu). Every limit is a prefix of the best MaxLimit,
// so one read serves them all: the cache holds at most len(store.Windows) +
// len(store.TrendingWindows) reads per board and needs no eviction beyond expiry.
type read struct {
	entries  []store.Row
	trends   []store.TrendRow
	coverage store.Coverage
	at       time.Time
	expires  time.Time
	answers  map[int]*snapshot
}

// snapshot is one encoded answer: the JSON body and its ETag.
type snapshot struct {
	body string
	etag string
}

// flight is one Redis read in progress; every request for its board, view and window waits
// for it.
type flight struct {
	done chan struct{}
	read *read
	err  error
}

// answer returns the answer for limit of view v of window w of board b from the cache, from a
// read already in flight, or from a new read of the board. how says which: "hit", "shared" or
// "miss". Errors are not cached.
func (h *Handler) answer(ctx context.Context, b *Named, v string, w store.Window, limit int) (*snapshot, string, error) {
	k := cacheKey{board: b.Name, view: v, window: w}
	h.mu.Lock()
	if r, ok := h.reads[k]; ok && h.now().Before(r.expires) {
		h.mu.Unlock()
		snap, err := h.slice(k, r, limit)
		return snap, "hit", err
	}
	if f, ok := h.flights[k]; ok {
		if h.joined != nil {
			h.joined()
		}
		h.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil {
				return nil, "shared", f.err
			}
			snap, err := h.slice(k, f.read, limit)
			return snap, "shared", err
		case <-ctx.Done():
			return nil, "shared", fmt.Errorf("wait for the %s view of %s: %w", v, w, ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{})}
	h.flights[k] = f
	h.mu.Unlock()

	// This request reads for everyone waiting on w, in its own goroutine (no hand-off to
	// another goroutine on the hot path). The read is detached from the request's
	// cancellation, so a client that goes away does not fail the requests waiting on the
	// same flight; it keeps the request's values (trace segment) and is bounded by the call
	// timeout.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.callTimeout(ctx))
	defer cancel()
	h.fetch(fctx, b.Board, k, f)
	if f.err != nil {
		return nil, "miss", f.err
	}
	snap, err := h.slice(k, f.read, limit)
	return snap, "miss", err
}

// fetch reads the best MaxLimit of view k.view of window k.window from board, stores a
// successful read in the cache under k and wakes the waiters of f.
func (h *Handler) fetch(ctx context.Context, board Board, k cacheKey, f *flight) {
	defer func() {
		if p := recover(); p != nil {
			f.read, f.err = nil, fmt.Errorf("%s %d of %s: panic: %v", k.view, MaxLimit, k.window, p)
		}
		h.mu.Lock()
		delete(h.flights, k)
		if f.err == nil && h.ttl > 0 {
			h.reads[k] = f.read
		}
		h.mu.Unlock()
		close(f.done)
	}()
	r := &read{answers: map[int]*snapshot{}}
	var err error
	if k.view == viewTrending {
		r.trends, r.coverage, err = trendingOf(ctx, board, k.window, MaxLimit)
	} else {
		var top store.Ranked
		top, err = topOf(ctx, board, k.window, MaxLimit)
		r.entries, r.coverage = top.Rows, top.Coverage
	}
	if err != nil {
		f.err = fmt.Errorf("%s %d of %s: %w", k.view, MaxLimit, k.window, err)
		return
	}
	r.at = h.now()
	r.expires = r.at.Add(h.ttl)
	f.read = r
}

// slice returns the answer for the best limit of r, the read of k, encoding it on first use.
func (h *Handler) slice(k cacheKey, r *read, limit int) (*snapshot, error) {
	h.mu.Lock()
	snap := r.answers[limit]
	h.mu.Unlock()
	if snap != nil {
		return snap, nil
	}
	snap, err := encode(k, r.entries[:min(limit, len(r.entries))], r.trends[:min(limit, len(r.trends))], r.coverage, r.at)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	r.answers[limit] = snap
	h.mu.Unlock()
	return snap, nil
}

// callTimeout is the time one Redis read may take: the configured timeout, or half of what is
// left before the request's deadline (the Lambda deadline) when that is shorter, so the
// handler still has time to answer 503.
func (h *Handler) callTimeout(ctx context.Context) time.Duration {
	d := h.timeout
	if deadline, ok := ctx.Deadline(); ok {
		if left := time.Until(deadline) / 2; left < d {
			d = max(left, time.Millisecond)
		}
	}
	return d
}
