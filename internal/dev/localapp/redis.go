package localapp

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// startRedis returns the settings of the Redis to use, starting the embedded one if needed.
func (a *App) startRedis(ctx context.Context) (store.Config, error) {
	if a.cfg.RedisURL != "" {
		rcfg, err := ParseRedisURL(a.cfg.RedisURL)
		if err != nil {
			return rcfg, err
		}
		kind := "standalone"
		if rcfg.Cluster {
			kind = "cluster"
		}
		if rcfg.TLS {
			kind += ", TLS"
		}
		a.Redis = fmt.Sprintf("%s (%s)", RedactRedisURL(a.cfg.RedisURL), kind)
		return rcfg, nil
	}
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true) // keys expire on the wall clock, as on a server
	user, password := "local", randomHex(16)
	m.RequireUserAuth(user, password)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return store.Config{}, fmt.Errorf("start the embedded Redis (miniredis): %w", err)
	}
	a.mini = m
	a.Redis = "embedded (miniredis " + m.Addr() + ", in memory: counts are lost at exit)"
	// The embedded Redis runs its Lua in Go (gopher-lua), in this process: a record batch can
	// take a good part of a second (more under -race or a loaded machine), which is no lost
	// connection, so it gets more than the deployed client's 1 s before a retry.
	return store.Config{Addr: m.Addr(), Username: user, Password: password, IOTimeout: 30 * time.Second}, nil
}

// openBoard connects to Redis and checks that it answers.
func (a *App) openBoard(ctx context.Context, rcfg store.Config) (redis.UniversalClient, error) {
	rdb, err := store.NewClient(rcfg)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a.rdb = rdb
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		return nil, fmt.Errorf("redis at %s: %w", a.Redis, err)
	}
	return rdb, nil
}
