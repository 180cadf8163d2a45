package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// The handler tests run on both engines (Valkey, the default, and Redis OSS 7.0), each as a
// standalone server and as the TLS + ACL cluster, each
// leaderboard connecting as a writer user made from the store's own access string.
var env *redistest.Env

func TestMain(m *testing.M) {
	redistest.Main(m, redistest.EnvOptions{Engines: redistest.BothEngines}, func(e *redistest.Env) { env = e })
}

var boardSeq struct {
	sync.Mutex
	n int
}

// writerBoard creates a fresh leaderboard on srv, with its own writer ACL user, and returns the
// store connected as that user, and the board's name.
func writerBoard(t *testing.T, srv redistest.Server, opts ...store.Option) (*store.Store, string) {
	t.Helper()
	boardSeq.Lock()
	boardSeq.n++
	name := fmt.Sprintf("ingest%d", boardSeq.n)
	boardSeq.Unlock()
	s, err := store.New(writerClient(t, srv, name), name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, name
}

// writerClient returns a client connected as a new writer user of board name (store.WriterAccess).
func writerClient(t testing.TB, srv redistest.Server, name string) redis.UniversalClient {
	t.Helper()
	return userClient(t, srv, redistest.User{Name: name + "-writer", Password: "pw-" + name + "-0123456789", Access: store.WriterAccess(name)})
}

// userClient creates (or replaces) user on srv and returns a client connected as it.
func userClient(t testing.TB, srv redistest.Server, user redistest.User) redis.UniversalClient {
	t.Helper()
	if err := srv.SetUser(context.Background(), user); err != nil {
		t.Fatal(err)
	}
	c := srv.Config(user.Name, user.Password)
	rdb, err := store.NewClient(c.Store())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// freshQuota returns the deployment's X API quota on srv, on clock now, connected as a writer,
// after deleting its keys: they are deployment-wide, so every test of a server shares them.
func freshQuota(t *testing.T, srv redistest.Server, now func() time.Time) *store.Quota {
	t.Helper()
	ctx := context.Background()
	admin := srv.Admin()
	var keys []string
	collect := func(ctx context.Context, c *redis.Client) error {
		found, err := c.Keys(ctx, store.QuotaPrefix+"*").Result()
		keys = append(keys, found...)
		return err
	}
	var err error
	if cc, ok := admin.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return collect(ctx, c)
		})
	} else {
		err = collect(ctx, admin.(*redis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := admin.Del(ctx, k).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return store.NewQuota(writerClient(t, srv, "quota"), now)
}

func forEachServer(t *testing.T, f func(t *testing.T, srv redistest.Server)) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) { f(t, srv) })
	}
}
