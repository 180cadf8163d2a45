package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/redis/go-redis/v9"
)

// busyScript keeps the shard of its key busy for ARGV[1] microseconds.
const busyScript = `local s = redis.call('TIME')
local t0 = tonumber(s[1]) * 1000000 + tonumber(s[2])
repeat
  local n = redis.call('TIME')
until tonumber(n[1]) * 1000000 + tonumber(n[2]) - t0 >= tonumber(ARGV[1])
return 1`

// TestQuotaSettleLateReply: a settle whose reply is late (a slow script on the same shard
// holds it past the client's IO timeout) is sent again by go-redis, and every copy runs once
// the shard is free; the grant still gives back its unused part once. Reserve 100, read 10:
// the day's counter ends at 10 (it ended at -80 when each copy gave back 90), or stays at 100
// until the grant is settled again when the engine dropped every copy.
//
// It runs on the standalone servers of both engines: what it checks happens on one shard. On
// the cluster a script that holds a Valkey 8 primary this long made the slot move (the reads
// after it were answered MOVED), which is the failover suites' business (faulttest).
func TestQuotaSettleLateReply(t *testing.T) {
	for _, srv := range env.Servers() {
		if _, ok := srv.(*redistest.Standalone); !ok {
			continue
		}
		t.Run(srv.Name(), func(t *testing.T) {
			ctx := context.Background()
			u, _ := env.User("writer")
			cfg := srv.Config(u.Name, u.Password).Store()
			cfg.IOTimeout = 250 * time.Millisecond
			rdb, err := store.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			c := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
			q := freshQuota(t, rdb, c)
			g := reserve(t, q, 0)
			if g.Posts != 100 {
				t.Fatalf("granted %d", g.Posts)
			}
			day := store.QuotaPrefix + "read:2026-11-24"
			// The busy script on a connection of its own that waits for its reply.
			opt := *srv.Admin().(*redis.Client).Options()
			opt.ReadTimeout = 10 * time.Second
			primary := redis.NewClient(&opt)
			defer primary.Close()
			var wg sync.WaitGroup
			wg.Add(1)
			started := make(chan struct{})
			go func() {
				defer wg.Done()
				close(started)
				if err := primary.Eval(ctx, busyScript, []string{day}, 1_500_000).Err(); err != nil {
					t.Errorf("busy script: %v", err)
				}
			}()
			<-started
			time.Sleep(200 * time.Millisecond) // the busy script holds the shard from now on
			_, settleErr := q.Settle(ctx, g, 10, time.Time{})
			wg.Wait()
			// The copies go-redis sent ran after the busy script; wait for the last reply.
			if err := rdb.Ping(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			got, err := primary.Get(ctx, day).Int64()
			if err != nil {
				t.Fatal(err)
			}
			// Either a copy ran, once: 10. Or none did (the engine dropped the commands of the
			// connection the client closed at its timeout, as Valkey 8 did here), so the grant is
			// still open and counts whole: 100, never less than what was read. Never below 10.
			if got != 10 && (got != 100 || settleErr == nil) {
				t.Errorf("day counter = %d after reserving 100 and reading 10 (settle: %v), want 10 (or 100 while the settle failed)", got, settleErr)
			}
			// Settling the same grant again gives back what is still open, once: 10 either way.
			if n := settle(t, q, g, 10, time.Time{}); n != 10 {
				t.Errorf("second settle: read today %d, want 10", n)
			}
			if n := settle(t, q, g, 10, time.Time{}); n != 10 {
				t.Errorf("third settle: read today %d, want 10", n)
			}
		})
	}
}
