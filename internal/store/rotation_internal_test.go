package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
)

// TestRenewOneCallOutsideTheLock: many commands refused at once after a rotation. One of them
// asks for new credentials while the others wait for that call; the lock is free during the
// call, so new connections still get credentials; every waiter is told to retry, with the new
// credentials; a later refusal of the old credentials retries at once, and a refusal of the
// current ones within refreshEvery makes no call.
func TestRenewOneCallOutsideTheLock(t *testing.T) {
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	r := &rotation{user: "writer", pass: "old", log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		refresh: func(context.Context) (string, string, error) {
			if calls.Add(1) == 1 {
				close(entered)
				<-release
			}
			return "writer", "new", nil
		}}
	seen, _ := r.state()
	results := make(chan bool, 8)
	go func() { results <- r.renew(ctx, seen) }()
	<-entered
	if !r.mu.TryLock() {
		t.Fatal("the lock is held while the credentials are being fetched")
	}
	r.mu.Unlock()
	if _, pass, _ := r.credentials(ctx); pass != "old" {
		t.Errorf("credentials during the fetch: %q, want the current (old) ones", pass)
	}
	for range 7 {
		go func() { results <- r.renew(ctx, seen) }()
	}
	close(release)
	for range 8 {
		if !<-results {
			t.Error("a refused command was not told to retry")
		}
	}
	if _, pass, _ := r.credentials(ctx); pass != "new" {
		t.Errorf("credentials after the fetch: %q, want new", pass)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d fetches for 8 refused commands, want 1", n)
	}
	if !r.renew(ctx, seen) || calls.Load() != 1 {
		t.Errorf("a command refused with the old credentials: want a retry without a fetch (%d fetches)", calls.Load())
	}
	now, _ := r.state()
	if r.renew(ctx, now) || calls.Load() != 1 {
		t.Errorf("the current credentials refused within %s: want no retry and no fetch (%d fetches)", refreshEvery, calls.Load())
	}
}

// TestRenewFailedFetch: when the fetch fails, the waiters are told not to retry.
func TestRenewFailedFetch(t *testing.T) {
	r := &rotation{user: "u", pass: "p", log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		refresh: func(context.Context) (string, string, error) { return "", "", errors.New("secrets manager down") }}
	seen, _ := r.state()
	if r.renew(context.Background(), seen) {
		t.Error("told to retry after a failed fetch")
	}
	if _, pass, _ := r.credentials(context.Background()); pass != "p" {
		t.Errorf("credentials after a failed fetch: %q, want the old ones kept", pass)
	}
}
