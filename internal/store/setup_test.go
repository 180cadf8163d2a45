package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestNotConfiguredMark: ingest marks a board whose X API credentials are not set, the mark
// expires, a run with credentials clears it, and the reader user may read it.
func TestNotConfiguredMark(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	forEachBackendAdmin(t, func(t *testing.T, rdb, admin redis.UniversalClient) {
		s, prefix := newNamedBoard(t, rdb, &clock{t: at})
		if unset, _, err := s.NotConfigured(ctx); err != nil || unset {
			t.Fatalf("a new board: NotConfigured = %v, %v; want false", unset, err)
		}
		if err := s.MarkNotConfigured(ctx, at); err != nil {
			t.Fatal(err)
		}
		unset, since, err := s.NotConfigured(ctx)
		if err != nil || !unset || !since.Equal(at) {
			t.Fatalf("after the mark: NotConfigured = %v, %v, %v; want true, %v", unset, since, err, at)
		}
		key := prefix + "x:unset"
		ttl, err := admin.TTL(ctx, key).Result()
		if err != nil || ttl <= 0 || ttl > store.NotConfiguredTTL {
			t.Errorf("TTL of %s = %v, %v; want up to %v", key, ttl, err, store.NotConfiguredTTL)
		}
		if err := s.ClearNotConfigured(ctx); err != nil {
			t.Fatal(err)
		}
		if unset, _, err := s.NotConfigured(ctx); err != nil || unset {
			t.Errorf("after the clear: NotConfigured = %v, %v; want false", unset, err)
		}
		if err := s.ClearNotConfigured(ctx); err != nil {
			t.Errorf("a second clear: %v", err)
		}
		if err := admin.Set(ctx, key, "soon", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.NotConfigured(ctx); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("a mark that is no number: error %v, want one naming %s", err, key)
		}
	})
}

// TestNotConfiguredMarkACL: the writer may set and clear the mark, the reader may read it.
func TestNotConfiguredMarkACL(t *testing.T) {
	ctx := context.Background()
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			w, err := store.New(connect(t, srv, "acl-writer"), aclBoard)
			if err != nil {
				t.Fatal(err)
			}
			r, err := store.New(connect(t, srv, "acl-reader"), aclBoard)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.ClearNotConfigured(ctx) })
			if err := w.MarkNotConfigured(ctx, time.Unix(1_800_000_000, 0)); err != nil {
				t.Fatalf("writer: %v", err)
			}
			if unset, _, err := r.NotConfigured(ctx); err != nil || !unset {
				t.Fatalf("reader: NotConfigured = %v, %v; want true", unset, err)
			}
			if err := r.ClearNotConfigured(ctx); err == nil {
				t.Error("the reader cleared the mark; want NOPERM")
			}
			if err := w.ClearNotConfigured(ctx); err != nil {
				t.Fatalf("writer: %v", err)
			}
		})
	}
}
