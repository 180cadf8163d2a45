package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// The suite runs on a standalone redis-server and on the TLS + ACL cluster that stands in for
// MemoryDB, connecting as the ACL users built from the store's own access strings. The general
// tests use many leaderboard names, so their users get the access of the name pattern "*";
// TestACL uses the exact strings of one leaderboard.
var env *redistest.Env

const aclBoard = "acl"

var users = []redistest.User{
	{Name: "writer", Password: "writer-pass-0123456789", Access: store.WriterAccess("*")},
	{Name: "acl-writer", Password: "acl-writer-pass-0123456789", Access: store.WriterAccess(aclBoard)},
	{Name: "acl-reader", Password: "acl-reader-pass-0123456789", Access: store.ReaderAccess(aclBoard)},
}

func TestMain(m *testing.M) {
	redistest.Main(m, redistest.EnvOptions{Users: users}, func(e *redistest.Env) { env = e })
}

// connect returns a store client for user on srv, closed when the test ends.
func connect(t *testing.T, srv redistest.Server, user string) redis.UniversalClient {
	t.Helper()
	u, ok := env.User(user)
	if !ok {
		t.Fatalf("no test user %q", user)
	}
	c := srv.Config(u.Name, u.Password)
	rdb, err := store.NewClient(c.Store())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// forEachBackend runs f on the standalone server and on the cluster, as the writer user, and on
// miniredis, the embedded Redis of the local runner (cmd/local), so every command and script the
// store uses is proved to behave the same there. miniredis has users and passwords but no ACL
// rules, so TestACL runs on the real servers only.
func forEachBackend(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient)) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) { f(t, connect(t, srv, "writer")) })
	}
	t.Run("miniredis", func(t *testing.T) { f(t, connectMiniredis(t)) })
}

// connectMiniredis starts a miniredis for one test, with expiry on the wall clock as cmd/local
// runs it, and returns a store client that authenticates as the writer user.
func connectMiniredis(t *testing.T) redis.UniversalClient {
	t.Helper()
	m := miniredis.RunT(t)
	m.ClockTTL(true)
	u, ok := env.User("writer")
	if !ok {
		t.Fatal("no test user writer")
	}
	m.RequireUserAuth(u.Name, u.Password)
	rdb, err := store.NewClient(store.Config{Addr: m.Addr(), Username: u.Name, Password: u.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestACL(t *testing.T) {
	ctx := context.Background()
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			c := &clock{t: t0}
			w, err := store.New(connect(t, srv, "acl-writer"), aclBoard, store.WithClock(c.Now))
			if err != nil {
				t.Fatal(err)
			}
			readerRDB := connect(t, srv, "acl-reader")
			r, _ := store.New(readerRDB, aclBoard, store.WithClock(c.Now))

			record(t, w, post("1", t0.Add(-time.Minute), "a"))
			if _, err := w.SaveCheckpoint(ctx, store.Checkpoint{}, store.Checkpoint{SinceID: "1"}); err != nil {
				t.Fatalf("writer cannot save the checkpoint: %v", err)
			}
			for _, win := range store.Windows {
				if got := top(t, r, win, 10); got["a"] != 1 {
					t.Errorf("reader %s: %v", win, got)
				}
			}
			if _, err := r.Checkpoint(ctx); err != nil {
				t.Errorf("reader cannot read the checkpoint: %v", err)
			}
			// The reader cannot write: not directly, not through the record script, not
			// through a script of its own, and not through the read-only script runner.
			key := store.KeyPrefix(aclBoard) + "all"
			denied := map[string]error{
				"ZINCRBY":     readerRDB.ZIncrBy(ctx, key, 5, "a").Err(),
				"DEL":         readerRDB.Del(ctx, key).Err(),
				"record":      errOf(r.Record(ctx, []store.Post{post("2", t0, "b")})),
				"checkpoint":  errOf(r.SaveCheckpoint(ctx, store.Checkpoint{Version: 1}, store.Checkpoint{SinceID: "5"})),
				"EVAL":        readerRDB.Eval(ctx, "return redis.call('ZINCRBY', KEYS[1], 5, 'a')", []string{key}).Err(),
				"EVAL_RO":     readerRDB.EvalRO(ctx, "return redis.call('ZINCRBY', KEYS[1], 5, 'a')", []string{key}).Err(),
				"FLUSHALL":    readerRDB.FlushAll(ctx).Err(),
				"CONFIG":      readerRDB.ConfigSet(ctx, "maxmemory", "1").Err(),
				"other board": readerRDB.ZRevRange(ctx, "{other}:all", 0, 1).Err(),
			}
			for what, err := range denied {
				if err == nil {
					t.Errorf("reader could %s", what)
				}
			}
			if got := top(t, r, store.All, 10); got["a"] != 1 || len(got) != 1 {
				t.Errorf("after the reader's attempts: %v", got)
			}
			// The writer is limited to its leaderboard and to non-dangerous commands.
			writerRDB := connect(t, srv, "acl-writer")
			// Both may send ASKING, which the cluster client needs during a slot migration (a
			// standalone server refuses it for lack of cluster support, not for permissions).
			for user, rdb := range map[string]redis.UniversalClient{"reader": readerRDB, "writer": writerRDB} {
				if err := rdb.Do(ctx, "asking").Err(); err != nil && strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("%s cannot send ASKING: %v", user, err)
				}
			}
			for what, err := range map[string]error{
				"write another board": writerRDB.Set(ctx, "{other}:x", "1", 0).Err(),
				"FLUSHALL":            writerRDB.FlushAll(ctx).Err(),
				"KEYS":                writerRDB.Keys(ctx, "*").Err(),
			} {
				if err == nil || !strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("writer %s: %v, want NOPERM", what, err)
				}
			}
		})
	}
}

func errOf[T any](_ T, err error) error { return err }
