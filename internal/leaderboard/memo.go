package leaderboard

import (
	"fmt"
	"sync"
	"time"
)

// memo keeps values by key until they expire, at most max of them, and lets concurrent
// callers of a key share one fetch. Failures are never kept. The zero value with max set is
// ready to use; it is safe for concurrent use.
type memo[K comparable, V any] struct {
	max   int
	until func(V) time.Time // when set, a value expires at the latest then (a zero time: no limit)

	mu      sync.Mutex
	vals    map[K]memoVal[V]
	flights map[K]*memoFlight[V]
}

type memoVal[V any] struct {
	v       V
	expires time.Time
}

// memoFlight is one fetch in progress; every caller of its key waits for it.
type memoFlight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// get returns the value of key: kept and not expired at now ("hit"), from a fetch in flight
// ("shared", after calling joined when set), or from fetch, run in this goroutine ("miss"), whose
// success is kept until now+ttl, or m.until(v) if sooner (not at all when ttl is 0). wait is how a
// sharing caller waits for done to close: nil then, or an error when the caller's own request ends
// first.
func (m *memo[K, V]) get(key K, now func() time.Time, ttl time.Duration, joined func(),
	wait func(done <-chan struct{}) error, fetch func() (V, error)) (v V, how string, err error) {
	var zero V
	m.mu.Lock()
	if c, ok := m.vals[key]; ok && now().Before(c.expires) {
		m.mu.Unlock()
		return c.v, "hit", nil
	}
	if f, ok := m.flights[key]; ok {
		if joined != nil {
			joined()
		}
		m.mu.Unlock()
		if err := wait(f.done); err != nil {
			return zero, "shared", err
		}
		return f.v, "shared", f.err
	}
	f := &memoFlight[V]{done: make(chan struct{})}
	if m.flights == nil {
		m.flights = map[K]*memoFlight[V]{}
	}
	m.flights[key] = f
	m.mu.Unlock()

	defer func() {
		if p := recover(); p != nil {
			f.v, f.err = zero, fmt.Errorf("panic: %v", p)
		}
		m.mu.Lock()
		delete(m.flights, key)
		if f.err == nil && ttl > 0 {
			t := now()
			expires := t.Add(ttl)
			if m.until != nil {
				if u := m.until(f.v); !u.IsZero() && u.Before(expires) {
					expires = u
				}
			}
			m.keep(key, f.v, expires, t)
		}
		m.mu.Unlock()
		close(f.done)
		v, how, err = f.v, "miss", f.err
	}()
	f.v, f.err = fetch()
	return
}

// keep stores v under key (m.mu held). When m is full, the expired values go first, then the
// one closest to expiry, so at most max values are ever kept.
func (m *memo[K, V]) keep(key K, v V, expires, now time.Time) {
	if m.vals == nil {
		m.vals = map[K]memoVal[V]{}
	}
	if _, ok := m.vals[key]; !ok && len(m.vals) >= m.max {
		var oldest K
		var first time.Time
		for k, c := range m.vals {
			if !now.Before(c.expires) {
				delete(m.vals, k)
				continue
			}
			if first.IsZero() || c.expires.Before(first) {
				oldest, first = k, c.expires
			}
		}
		if len(m.vals) >= m.max {
			delete(m.vals, oldest)
		}
	}
	m.vals[key] = memoVal[V]{v: v, expires: expires}
}
