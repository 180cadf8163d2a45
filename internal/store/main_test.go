package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// The suite runs on both engines the template offers (Valkey, the default, and Redis OSS 7.0), each
// as a standalone server and as the TLS + ACL cluster that stands in for MemoryDB, connecting as
// the ACL users built from the store's own access strings. The general tests use many leaderboard
// names, so their users get the access of the name pattern "*"; TestACL uses the exact strings of
// one leaderboard.
var env *redistest.Env

const aclBoard = "acl"

var users = []redistest.User{
	{Name: "writer", Password: "writer-pass-0123456789", Access: store.WriterAccess("*")},
	{Name: "acl-writer", Password: "acl-writer-pass-0123456789", Access: store.WriterAccess(aclBoard)},
	{Name: "acl-reader", Password: "acl-reader-pass-0123456789", Access: store.ReaderAccess(aclBoard)},
}

func TestMain(m *testing.M) {
	redistest.Main(m, redistest.EnvOptions{Users: users, Engines: redistest.BothEngines}, func(e *redistest.Env) { env = e })
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
	forEachBackendAdmin(t, func(t *testing.T, rdb, _ redis.UniversalClient) { f(t, rdb) })
}

// forEachBackendAdmin is forEachBackend that also hands f the harness's admin client of the
// server, for what the writer may not do (list keys); on miniredis it is the same client.
func forEachBackendAdmin(t *testing.T, f func(t *testing.T, rdb, admin redis.UniversalClient)) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) { f(t, connect(t, srv, "writer"), srv.Admin()) })
	}
	t.Run("miniredis", func(t *testing.T) {
		rdb := connectMiniredis(t)
		f(t, rdb, rdb)
	})
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
	// As cmd/local connects to it: gopher-lua under -race can take more than the 1 s default.
	rdb, err := store.NewClient(store.Config{Addr: m.Addr(), Username: u.Name, Password: u.Password, IOTimeout: 30 * time.Second})
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
			writerRDB := connect(t, srv, "acl-writer")
			w, err := store.New(writerRDB, aclBoard, store.WithClock(c.Now))
			if err != nil {
				t.Fatal(err)
			}
			readerRDB := connect(t, srv, "acl-reader")
			r, _ := store.New(readerRDB, aclBoard, store.WithClock(c.Now))

			// Under exactly these strings the app works: the writer records, keeps the windows
			// and the trending views and saves the checkpoint; the reader reads every window,
			// current or behind its upkeep (the ZUNION path), both trending views, the history
			// of a hashtag, and the checkpoint.
			record(t, w, post("1", t0.Add(-time.Minute), "a"))
			for k := range 5 {
				record(t, w, store.Post{ID: strconv.Itoa(10 + k), CreatedAt: t0.Add(-time.Minute), AuthorID: strconv.Itoa(1 + k), Hashtags: []string{"rising"}})
			}
			if err := w.Upkeep(ctx); err != nil {
				t.Fatalf("writer cannot keep the windows: %v", err)
			}
			if _, err := w.SaveCheckpoint(ctx, store.Checkpoint{}, store.Checkpoint{SinceID: "1"}); err != nil {
				t.Fatalf("writer cannot save the checkpoint: %v", err)
			}
			for _, behind := range []time.Duration{0, 10 * time.Minute} {
				c.Set(t0.Add(behind))
				for _, win := range store.Windows {
					if got := top(t, r, win, 10); got["a"] != 1 {
						t.Errorf("reader %s, %s after the upkeep: %v", win, behind, got)
					}
				}
			}
			c.Set(t0)
			for _, win := range store.TrendingWindows {
				if got, err := r.Trending(ctx, win, 10); err != nil || len(got) != 1 || got[0].Hashtag != "rising" {
					t.Errorf("reader %s trending: %v, %v; want rising", win, got, err)
				}
			}
			if h, err := r.History(ctx, store.Hour, []string{"a"}); err != nil || len(h) != 1 || h[0].Points[11].Count != 1 {
				t.Errorf("reader history: %v, %v", h, err)
			}
			if _, err := r.Checkpoint(ctx); err != nil {
				t.Errorf("reader cannot read the checkpoint: %v", err)
			}
			// The writer keeps the deployment's X API quota, shared by every board; the reader
			// cannot even read it.
			wq, rq := store.NewQuota(writerRDB, c.Now), store.NewQuota(readerRDB, c.Now)
			if g, err := wq.Reserve(ctx, 0, 100, 10); err != nil {
				t.Errorf("writer cannot reserve x api posts: %v", err)
			} else if _, err := wq.Settle(ctx, g, 100, t0.Add(time.Second)); err != nil {
				t.Errorf("writer cannot settle x api posts: %v", err)
			}
			if err := wq.SetNextBoard(ctx, aclBoard); err != nil {
				t.Errorf("writer cannot save the next board: %v", err)
			}
			if _, err := wq.State(ctx); err != nil {
				t.Errorf("writer cannot read the quota: %v", err)
			}

			key := store.KeyPrefix(aclBoard) + "all"
			script := "return redis.call('ZINCRBY', KEYS[1], 5, 'a')"
			sha := "0123456789012345678901234567890123456789"
			lib := "#!lua name=evil\nredis.register_function('evil', function() return 1 end)"
			// Commands that take no key: a key pattern cannot limit them, the rules must.
			keyListing := func(rdb redis.UniversalClient) map[string]error {
				return map[string]error{
					"SCAN":      rdb.Scan(ctx, 0, "*", 100).Err(),
					"RANDOMKEY": rdb.RandomKey(ctx).Err(),
					"DBSIZE":    rdb.DBSize(ctx).Err(),
					"KEYS":      rdb.Keys(ctx, "*").Err(),
				}
			}
			// The reader cannot write: not directly, not through the record script, not
			// through any script (it runs none), nor list key names.
			denied := keyListing(readerRDB)
			for what, err := range map[string]error{
				"ZINCRBY":     readerRDB.ZIncrBy(ctx, key, 5, "a").Err(),
				"DEL":         readerRDB.Del(ctx, key).Err(),
				"record":      errOf(r.Record(ctx, []store.Post{post("2", t0, "b")})),
				"upkeep":      r.Upkeep(ctx),
				"checkpoint":  errOf(r.SaveCheckpoint(ctx, store.Checkpoint{Version: 1}, store.Checkpoint{SinceID: "5"})),
				"EVAL":        readerRDB.Eval(ctx, script, []string{key}).Err(),
				"EVALSHA":     readerRDB.EvalSha(ctx, sha, []string{key}).Err(),
				"EVAL_RO":     readerRDB.EvalRO(ctx, "return redis.call('ZCARD', KEYS[1])", []string{key}).Err(),
				"EVALSHA_RO":  readerRDB.EvalShaRO(ctx, sha, []string{key}).Err(),
				"FCALL_RO":    readerRDB.FCallRO(ctx, "evil", []string{key}).Err(),
				"FUNCTION":    readerRDB.FunctionList(ctx, redis.FunctionListQuery{}).Err(),
				"FLUSHALL":    readerRDB.FlushAll(ctx).Err(),
				"CONFIG":      readerRDB.ConfigSet(ctx, "maxmemory", "1").Err(),
				"other board": readerRDB.ZRevRange(ctx, "{other}:all", 0, 1).Err(),
				"quota state": errOf(rq.State(ctx)),
				"quota reset": readerRDB.Get(ctx, store.QuotaPrefix+"reset").Err(),
			} {
				denied[what] = err
			}
			for what, err := range denied {
				if err == nil || !strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("reader %s: %v, want NOPERM", what, err)
				}
			}
			if got := top(t, r, store.All, 10); got["a"] != 1 || len(got) != 2 {
				t.Errorf("after the reader's attempts: %v", got)
			}
			// The writer is limited to its leaderboard, to non-dangerous commands, and to
			// scripts: no FUNCTION subcommand (FUNCTION FLUSH would remove every function on
			// the server), no FCALL, and no key listing.
			denied = keyListing(writerRDB)
			for what, err := range map[string]error{
				"write another board": writerRDB.Set(ctx, "{other}:x", "1", 0).Err(),
				"FLUSHALL":            writerRDB.FlushAll(ctx).Err(),
				"FUNCTION FLUSH":      writerRDB.FunctionFlush(ctx).Err(),
				"FUNCTION LOAD":       writerRDB.FunctionLoad(ctx, lib).Err(),
				"FUNCTION DELETE":     writerRDB.FunctionDelete(ctx, "evil").Err(),
				"FUNCTION RESTORE":    writerRDB.FunctionRestore(ctx, "payload").Err(),
				"FUNCTION DUMP":       writerRDB.FunctionDump(ctx).Err(),
				"FUNCTION LIST":       writerRDB.FunctionList(ctx, redis.FunctionListQuery{}).Err(),
				"FCALL":               writerRDB.FCall(ctx, "evil", []string{key}).Err(),
				"FCALL_RO":            writerRDB.FCallRO(ctx, "evil", []string{key}).Err(),
			} {
				denied[what] = err
			}
			for what, err := range denied {
				if err == nil || !strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("writer %s: %v, want NOPERM", what, err)
				}
			}
			// Both may send ASKING, which the cluster client needs during a slot migration (a
			// standalone server refuses it for lack of cluster support, not for permissions).
			for user, rdb := range map[string]redis.UniversalClient{"reader": readerRDB, "writer": writerRDB} {
				if err := rdb.Do(ctx, "asking").Err(); err != nil && strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("%s cannot send ASKING: %v", user, err)
				}
			}
		})
	}
}

// TestACLBoards gives the two users the access strings of a deployment with two boards: each
// reaches both boards, and neither can read or write a board that is not configured, not even
// one whose name starts with a configured one's.
func TestACLBoards(t *testing.T) {
	ctx := context.Background()
	boards := []string{"aws", "golang"}
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			users := map[string]redistest.User{
				"writer": {Name: "boards-writer", Password: "boards-writer-pass-0123456789", Access: store.WriterAccess(boards...)},
				"reader": {Name: "boards-reader", Password: "boards-reader-pass-0123456789", Access: store.ReaderAccess(boards...)},
			}
			clients := map[string]redis.UniversalClient{}
			for role, u := range users {
				if err := srv.SetUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				rdb, err := store.NewClient(srv.Config(u.Name, u.Password).Store())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { rdb.Close() })
				clients[role] = rdb
			}
			open := func(role, board string) *store.Store {
				s, err := store.New(clients[role], board, store.WithClock(func() time.Time { return t0 }))
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			// Boards outside the configuration, with counts recorded by a user of every board.
			outside := []string{"rust", "aws2", "golan"}
			for _, b := range outside {
				s, _ := store.New(connect(t, srv, "writer"), b, store.WithClock(func() time.Time { return t0 }))
				record(t, s, post("1", t0.Add(-time.Minute), "kept"))
			}
			for i, b := range boards {
				w := open("writer", b)
				record(t, w, post(fmt.Sprint(10+i), t0.Add(-time.Minute), "tag_"+b))
				if _, err := w.SaveCheckpoint(ctx, store.Checkpoint{}, store.Checkpoint{SinceID: "10"}); err != nil {
					t.Errorf("writer cannot save the checkpoint of %s: %v", b, err)
				}
				r := open("reader", b)
				if got := top(t, r, store.All, 10); got["tag_"+b] != 1 || len(got) != 1 {
					t.Errorf("reader's top of %s: %v", b, got)
				}
				if _, err := r.Checkpoint(ctx); err != nil {
					t.Errorf("reader cannot read the checkpoint of %s: %v", b, err)
				}
			}
			for _, b := range outside {
				w, r := open("writer", b), open("reader", b)
				key := store.KeyPrefix(b) + "all"
				for what, err := range map[string]error{
					"reader top":        errOf(r.Top(ctx, store.All, 10)),
					"reader checkpoint": errOf(r.Checkpoint(ctx)),
					"reader ZSCORE":     clients["reader"].ZScore(ctx, key, "kept").Err(),
					"reader ZINCRBY":    clients["reader"].ZIncrBy(ctx, key, 5, "kept").Err(),
					"writer record":     errOf(w.Record(ctx, []store.Post{post("2", t0, "evil")})),
					"writer upkeep":     w.Upkeep(ctx),
					"writer top":        errOf(w.Top(ctx, store.All, 10)),
					"writer ZINCRBY":    clients["writer"].ZIncrBy(ctx, key, 5, "kept").Err(),
					"writer DEL":        clients["writer"].Del(ctx, key).Err(),
				} {
					if err == nil || !strings.Contains(err.Error(), "NOPERM") {
						t.Errorf("board %s, %s: %v, want NOPERM", b, what, err)
					}
				}
				if n, err := srv.Admin().ZScore(ctx, key, "kept").Result(); err != nil || n != 1 {
					t.Errorf("board %s: kept = %v (%v) after the attempts, want 1", b, n, err)
				}
			}
		})
	}
}

// TestACLCommandsWithoutKeys asks the server (ACL DRYRUN, as the harness admin) which of its
// commands that take no key each user may run: a key pattern cannot limit those, so the list
// must be exactly what the app needs (handshake, cluster discovery) and a few harmless ones.
// A new Redis version, or a change of the strings, that lets a user run another one (SCAN,
// FUNCTION FLUSH, ...) fails here.
func TestACLCommandsWithoutKeys(t *testing.T) {
	ctx := context.Background()
	both := []string{
		"asking", "auth", "cluster|shards", "cluster|slots", "command|count", "command|docs",
		"command|getkeys", "command|getkeysandflags", "command|help", "command|info", "command|list",
		"hello", "ping", "quit", "reset",
		"lolwut", // in @read: prints the version and some art, of a bounded size
	}
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			admin := srv.Admin()
			reply, err := admin.Do(ctx, "command").Slice()
			if err != nil {
				t.Fatal(err)
			}
			type command struct {
				name  string
				arity int64
			}
			var keyless []command
			var walk func(infos []any)
			walk = func(infos []any) {
				for _, x := range infos {
					info := x.([]any)
					name, arity, firstKey := info[0].(string), info[1].(int64), info[3].(int64)
					if subs, _ := info[9].([]any); len(subs) > 0 {
						walk(subs)
						continue
					}
					if specs, _ := info[8].([]any); firstKey == 0 && len(specs) == 0 {
						keyless = append(keyless, command{name, arity})
					}
				}
			}
			walk(reply)
			if len(keyless) < 50 {
				t.Fatalf("found %d commands without keys, want the server's full list", len(keyless))
			}
			for user, want := range map[string][]string{"acl-writer": both, "acl-reader": both} {
				var allowed []string
				for _, c := range keyless {
					args := []any{"acl", "dryrun", user}
					words := strings.Split(c.name, "|")
					for _, w := range words {
						args = append(args, w)
					}
					for range max(c.arity, -c.arity) - int64(len(words)) {
						args = append(args, "0")
					}
					res, err := admin.Do(ctx, args...).Text()
					switch {
					case err == nil && res == "OK":
						allowed = append(allowed, c.name)
					case err == nil && strings.Contains(res, "no permissions"):
					default:
						t.Errorf("ACL DRYRUN %s %s: %q, %v", user, c.name, res, err)
					}
				}
				slices.Sort(allowed)
				if !slices.Equal(allowed, slices.Sorted(slices.Values(want))) {
					t.Errorf("%s may run these commands without keys:\n got %v\nwant %v", user, allowed, want)
				}
			}
		})
	}
}

func errOf[T any](_ T, err error) error { return err }
