package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestQuotaResetBeyondTheWindow: a reset saved further ahead than X's 15-minute window (one in
// milliseconds, as a version that believed such a header saved it) blocks nothing: the state
// says not blocked, a reservation is granted, and the next block replaces it. A block asked
// for beyond the window is cut to it.
func TestQuotaResetBeyondTheWindow(t *testing.T) {
	forEachBackendAdmin(t, func(t *testing.T, rdb, admin redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
		q := freshQuota(t, rdb, c)
		key := store.QuotaPrefix + "reset"
		ms := c.Now().UnixMilli() // 57,000 years ahead, read as seconds
		if err := admin.Set(ctx, key, strconv.FormatInt(ms, 10), 0).Err(); err != nil {
			t.Fatal(err)
		}
		if st, err := q.State(ctx); err != nil || !st.Blocked.IsZero() {
			t.Errorf("state %+v, %v; want not blocked by a reset in milliseconds", st, err)
		}
		g := reserve(t, q, 0)
		if g.Posts != 100 || !g.Blocked.IsZero() {
			t.Errorf("reserve %+v, want 100 granted", g)
		}
		// A real block replaces it, although it is earlier.
		reset := c.Now().Add(7 * time.Minute)
		settle(t, q, g, 20, reset)
		if v, err := admin.Get(ctx, key).Int64(); err != nil || v != reset.Unix() {
			t.Errorf("stored reset %d, %v; want %d", v, err, reset.Unix())
		}
		if g := reserve(t, q, 0); g.Posts != 0 || !g.Blocked.Equal(reset) {
			t.Errorf("reserve before the reset: %+v, want blocked until %s", g, reset)
		}
		// A block asked for days ahead is kept 15 minutes ahead at most.
		c.Set(reset)
		settle(t, q, store.Grant{}, 0, c.Now().Add(72*time.Hour))
		want := c.Now().Add(store.MaxBlockAhead)
		if st, err := q.State(ctx); err != nil || !st.Blocked.Equal(want) {
			t.Errorf("state %+v, %v; want blocked until %s", st, err, want)
		}
		c.Set(want)
		if g := reserve(t, q, 0); g.Posts != 100 {
			t.Errorf("reserve at the capped reset: %+v, want 100 granted", g)
		}
	})
}
