package leaderboard

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// unsetBoard is a fakeBoard whose ingest found no X API credentials (store.Store's
// NotConfigured), or whose mark cannot be read.
type unsetBoard struct {
	*fakeBoard
	unset bool
	err   error
	asked atomic.Int64
}

func (b *unsetBoard) NotConfigured(context.Context) (bool, time.Time, error) {
	b.asked.Add(1)
	return b.unset, t0, b.err
}

// TestNotConfigured: an empty board whose ingest has no X API credentials answers
// "not_configured": true (with its own ETag); a board with data never asks, and an unreadable
// mark leaves the empty answer as it was.
func TestNotConfigured(t *testing.T) {
	for _, tc := range []struct {
		name   string
		board  *unsetBoard
		query  string
		want   bool
		asks   int64
		status int
	}{
		{"empty and unset", &unsetBoard{fakeBoard: newFakeBoard(nil), unset: true}, "", true, 1, 200},
		{"empty trending and unset", &unsetBoard{fakeBoard: newFakeBoard(nil), unset: true}, "view=trending", true, 1, 200},
		{"empty and set", &unsetBoard{fakeBoard: newFakeBoard(nil)}, "", false, 1, 200},
		{"data", &unsetBoard{fakeBoard: newFakeBoard(sampleData()), unset: true}, "", false, 0, 200},
		{"mark unreadable", &unsetBoard{fakeBoard: newFakeBoard(nil), unset: true, err: errors.New("NOPERM")}, "", false, 1, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _, _ := newTestHandler(t, tc.board)
			resp := handle(t, h, event("GET", tc.query, nil))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			if got := strings.Contains(resp.Body, `"not_configured":true`); got != tc.want {
				t.Errorf("body %s: not_configured %v, want %v", resp.Body, got, tc.want)
			}
			if n := tc.board.asked.Load(); n != tc.asks {
				t.Errorf("the mark was read %d times, want %d", n, tc.asks)
			}
			// A second request within the cache period reads nothing again.
			handle(t, h, event("GET", tc.query, nil))
			if n := tc.board.asked.Load(); n != tc.asks {
				t.Errorf("after a cache hit the mark was read %d times, want %d", n, tc.asks)
			}
		})
	}
	// The ETag differs from the same empty board's without the notice.
	unset, _, _ := newTestHandler(t, &unsetBoard{fakeBoard: newFakeBoard(nil), unset: true})
	set, _, _ := newTestHandler(t, &unsetBoard{fakeBoard: newFakeBoard(map[store.Window][]store.Entry{})})
	if a, b := handle(t, unset, event("GET", "", nil)).Headers["ETag"], handle(t, set, event("GET", "", nil)).Headers["ETag"]; a == b {
		t.Errorf("the same ETag %s with and without the notice", a)
	}
}
