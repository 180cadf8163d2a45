package store_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// freshQuota returns the quota of rdb on clock c after deleting its keys around c's day: the
// quota keys are deployment-wide, so the tests of one server share them.
func freshQuota(t *testing.T, rdb redis.UniversalClient, c *clock) *store.Quota {
	t.Helper()
	keys := []string{store.QuotaPrefix + "reset", store.QuotaPrefix + "next-board"}
	for d := -2; d <= 2; d++ {
		keys = append(keys, store.QuotaPrefix+"read:"+c.Now().AddDate(0, 0, d).UTC().Format(time.DateOnly))
	}
	for _, k := range keys { // one by one: a cluster refuses a DEL across slots
		if err := rdb.Del(context.Background(), k).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return store.NewQuota(rdb, c.Now)
}

func reserve(t *testing.T, q *store.Quota, budget int) store.Grant {
	t.Helper()
	g, err := q.Reserve(context.Background(), budget, 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func settle(t *testing.T, q *store.Quota, g store.Grant, read int, block time.Time) int64 {
	t.Helper()
	n, err := q.Settle(context.Background(), g, read, block)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestQuotaBudget: a request may ask for min(100, what remains of the day's budget), none when
// fewer than 10 remain; the unused part of a reservation is given back; a new UTC day starts
// from 0.
func TestQuotaBudget(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: time.Date(2026, 11, 20, 23, 50, 0, 0, time.UTC)}
		q := freshQuota(t, rdb, c)
		const budget = 255
		steps := []struct {
			read      int   // posts the answer held
			wantGrant int   // max_results granted
			wantToday int64 // posts read today after the settle
		}{
			{100, 100, 100},
			{60, 100, 160}, // 40 given back
			{90, 95, 250},  // 95 remain: 95 asked, 90 read
			{0, 0, 250},    // 5 remain: fewer than 10
		}
		for i, s := range steps {
			g := reserve(t, q, budget)
			if g.Posts != s.wantGrant || !g.Blocked.IsZero() {
				t.Fatalf("step %d: granted %+v, want %d posts", i, g, s.wantGrant)
			}
			if s.wantGrant == 0 {
				break
			}
			if n := settle(t, q, g, s.read, time.Time{}); n != s.wantToday {
				t.Errorf("step %d: %d read today, want %d", i, n, s.wantToday)
			}
		}
		if st, err := q.State(context.Background()); err != nil || st.ReadToday != 250 || !st.Blocked.IsZero() {
			t.Errorf("state %+v, %v", st, err)
		}
		// A reservation made before midnight and settled after it corrects its own day.
		c.Set(time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC))
		if g := reserve(t, q, 0); g.Posts != 100 || g.ReadToday != 350 {
			t.Fatalf("no budget: %+v, want 100 granted and counted", g)
		} else {
			c.Set(time.Date(2026, 11, 21, 0, 0, 1, 0, time.UTC))
			if n := settle(t, q, g, 0, time.Time{}); n != 250 {
				t.Errorf("after midnight the settle left %d on the 20th, want 250", n)
			}
		}
		if g := reserve(t, q, budget); g.Posts != 100 || g.ReadToday != 100 {
			t.Errorf("the next UTC day: %+v, want a fresh budget", g)
		}
		ttl, err := rdb.TTL(context.Background(), store.QuotaPrefix+"read:2026-11-21").Result()
		if err != nil || ttl <= 24*time.Hour || ttl > 48*time.Hour {
			t.Errorf("day counter TTL %v, %v: want 1-2 days", ttl, err)
		}
	})
}

// TestQuotaParallel: runs reserving and settling at once never read more than the budget
// between them, and the counter ends equal to what they read.
func TestQuotaParallel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
		q := freshQuota(t, rdb, c)
		const budget, workers = 2000, 16
		var mu sync.Mutex
		total := 0
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				for {
					g, err := q.Reserve(context.Background(), budget, 100, 10)
					if err != nil {
						errs <- err
						return
					}
					if g.Posts == 0 {
						return
					}
					read := rand.IntN(g.Posts + 1)
					if _, err := q.Settle(context.Background(), g, read, time.Time{}); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					total += read
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		st, err := q.State(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if total > budget || st.ReadToday != int64(total) || budget-total >= 10 {
			t.Errorf("read %d, counter %d, budget %d: want the counter equal to what was read, within 10 of the budget and never over it",
				total, st.ReadToday, budget)
		}
	})
}

// TestQuotaRateLimit: a block (an answer's x-rate-limit-reset at remaining 0) holds every
// reservation until it passes; an earlier block does not shorten a later one, and one in the
// past is ignored.
func TestQuotaRateLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
		q := freshQuota(t, rdb, c)
		reset := c.Now().Add(7 * time.Minute)
		g := reserve(t, q, 0)
		settle(t, q, g, 42, reset)
		settle(t, q, store.Grant{}, 0, reset.Add(-5*time.Minute)) // earlier: kept
		settle(t, q, store.Grant{}, 0, c.Now().Add(-time.Hour))   // past: ignored
		for _, at := range []time.Duration{0, 6*time.Minute + 59*time.Second} {
			c.Set(reset.Add(-7*time.Minute + at))
			st, err := q.State(context.Background())
			if err != nil || !st.Blocked.Equal(reset) || st.ReadToday != 42 {
				t.Errorf("at +%s: state %+v, %v; want blocked until %s", at, st, err, reset)
			}
			if g := reserve(t, q, 0); g.Posts != 0 || !g.Blocked.Equal(reset) {
				t.Errorf("at +%s: %+v, want nothing granted before the reset", at, g)
			}
		}
		c.Set(reset)
		if g := reserve(t, q, 0); g.Posts != 100 || !g.Blocked.IsZero() {
			t.Errorf("at the reset: %+v, want 100 granted", g)
		}
		if st, _ := q.State(context.Background()); !st.Blocked.IsZero() {
			t.Errorf("at the reset the state says blocked until %s", st.Blocked)
		}
	})
}

func TestQuotaNextBoard(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		q := freshQuota(t, rdb, c)
		if st, err := q.State(context.Background()); err != nil || st.NextBoard != "" {
			t.Fatalf("fresh state %+v, %v", st, err)
		}
		if err := q.SetNextBoard(context.Background(), "golang"); err != nil {
			t.Fatal(err)
		}
		if st, err := q.State(context.Background()); err != nil || st.NextBoard != "golang" {
			t.Errorf("state %+v, %v, want next board golang", st, err)
		}
	})
}

// TestQuotaBadKeys: a quota key holding something else fails with its name, and the script
// writes nothing.
func TestQuotaBadKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
		q := freshQuota(t, rdb, c)
		day := store.QuotaPrefix + "read:2026-11-24"
		reset := store.QuotaPrefix + "reset"
		for _, tc := range []struct {
			key  string
			set  func() error
			keep string // the other key's value must stay
		}{
			{reset, func() error { return rdb.Set(ctx, reset, "soon", 0).Err() }, day},
			{day, func() error { return rdb.LPush(ctx, day, "x").Err() }, reset},
		} {
			for _, k := range []string{day, reset} {
				rdb.Del(ctx, k)
			}
			if err := tc.set(); err != nil {
				t.Fatal(err)
			}
			_, err := q.Reserve(ctx, 0, 100, 10)
			if err == nil || !strings.Contains(err.Error(), tc.key) && !strings.Contains(err.Error(), "WRONGTYPE") {
				t.Errorf("reserve with %s broken: %v, want an error naming it", tc.key, err)
			}
			if _, err := q.State(ctx); err == nil {
				t.Errorf("state with %s broken: no error", tc.key)
			}
			if n, _ := rdb.Exists(ctx, tc.keep).Result(); n != 0 {
				t.Errorf("with %s broken the script wrote %s", tc.key, tc.keep)
			}
			rdb.Del(ctx, tc.key)
		}
	})
}

// TestQuotaKeysOutsideEveryBoard: no board name makes a key prefix, or a key pattern, that
// reaches the quota keys: the quota's hash tag holds a ':', which no board name can.
func TestQuotaKeysOutsideEveryBoard(t *testing.T) {
	tag := strings.TrimSuffix(strings.TrimPrefix(store.QuotaPrefix, "{"), "}:")
	if err := store.CheckName(tag); err == nil {
		t.Fatalf("board name %q is allowed: its keys would be the quota's", tag)
	}
	for _, name := range []string{"x", "x-quota", "x.quota", "quota", "x_quota", strings.Repeat("x", 64)} {
		if err := store.CheckName(name); err != nil {
			t.Fatal(err)
		}
		if p := store.KeyPrefix(name); strings.HasPrefix(store.QuotaPrefix, p) || strings.HasPrefix(p, store.QuotaPrefix) {
			t.Errorf("board %q: prefix %q overlaps the quota's %q", name, p, store.QuotaPrefix)
		}
	}
}
