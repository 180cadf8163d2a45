package leaderboard

import (
	"context"
	"fmt"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// cacheKey identifies one cached answer. There are at most len(store.Windows) x MaxLimit keys,
// so the cache needs no eviction beyond expiry.
type cacheKey struct {
	window store.Window
	limit  int
}

// snapshot is one encoded answer: the JSON body, its ETag and when the data was read.
type snapshot struct {
	body    string
	etag    string
	read    time.Time
	expires time.Time
}

// flight is one Redis read in progress; every request for its key waits for it.
type flight struct {
	done chan struct{}
	snap *snapshot
	err  error
}

// read returns the answer for key from the cache, from a read already in flight, or from a
// new read of the board. how says which: "hit", "shared" or "miss". Errors are not cached.
func (h *Handler) read(ctx context.Context, key cacheKey) (*snapshot, string, error) {
	h.mu.Lock()
	if s, ok := h.entries[key]; ok && h.now().Before(s.expires) {
		h.mu.Unlock()
		return s, "hit", nil
	}
	if f, ok := h.flights[key]; ok {
		if h.joined != nil {
			h.joined()
		}
		h.mu.Unlock()
		select {
		case <-f.done:
			return f.snap, "shared", f.err
		case <-ctx.Done():
			return nil, "shared", fmt.Errorf("wait for top %d of %s: %w", key.limit, key.window, ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{})}
	h.flights[key] = f
	h.mu.Unlock()

	// This request reads for everyone waiting on key, in its own goroutine (no hand-off to
	// another goroutine on the hot path). The read is detached from the request's
	// cancellation, so a client that goes away does not fail the requests waiting on the
	// same flight; it keeps the request's values (trace segment) and is bounded by the call
	// timeout.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.callTimeout(ctx))
	defer cancel()
	h.fetch(fctx, key, f)
	return f.snap, "miss", f.err
}

// fetch reads key from the board, stores a successful answer in the cache and wakes the
// waiters of f.
func (h *Handler) fetch(ctx context.Context, key cacheKey, f *flight) {
	defer func() {
		if p := recover(); p != nil {
			f.snap, f.err = nil, fmt.Errorf("top %d of %s: panic: %v", key.limit, key.window, p)
		}
		h.mu.Lock()
		delete(h.flights, key)
		if f.err == nil && h.ttl > 0 {
			h.entries[key] = f.snap
		}
		h.mu.Unlock()
		close(f.done)
	}()
	entries, err := h.board.Top(ctx, key.window, key.limit)
	if err != nil {
		f.err = fmt.Errorf("top %d of %s: %w", key.limit, key.window, err)
		return
	}
	if len(entries) > key.limit {
		entries = entries[:key.limit]
	}
	read := h.now()
	snap, err := h.encode(key.window, entries, read)
	if err != nil {
		f.err = err
		return
	}
	snap.expires = read.Add(h.ttl)
	f.snap = snap
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
