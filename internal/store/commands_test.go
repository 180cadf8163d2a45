package store_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// The app must send only commands MemoryDB's Valkey 7.2 has: the test below lists every command
// the store's scripts and clients send (the leaderboard and ingest reach Redis only through the
// store) and checks each against Valkey 7.2's command table in testdata (nothing from 8.0, which
// the local valkey-server is).

// commandTable is the set of command names in testdata/valkey-7.2-commands.txt ("zadd",
// "cluster|shards") and the containers among them ("cluster").
type commandTable struct {
	names      map[string]bool
	containers map[string]bool
}

func loadCommandTable(t *testing.T) commandTable {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "valkey-7.2-commands.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab := commandTable{names: map[string]bool{}, containers: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := strings.Fields(line)[0]
		tab.names[name] = true
		if parent, _, ok := strings.Cut(name, "|"); ok {
			tab.containers[parent] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tab.names) < 300 || !tab.names["zadd"] || !tab.names["cluster|shards"] {
		t.Fatalf("command table has %d names, zadd %v, cluster|shards %v: not Valkey 7.2's table",
			len(tab.names), tab.names["zadd"], tab.names["cluster|shards"])
	}
	return tab
}

// name is the table's name of a command sent with args: "zadd", or "cluster|shards" for a
// container's subcommand.
func (tab commandTable) name(args ...string) string {
	if len(args) == 0 {
		return ""
	}
	n := strings.ToLower(args[0])
	if tab.containers[n] && len(args) > 1 {
		n += "|" + strings.ToLower(args[1])
	}
	return n
}

// outside returns the names not in the table, sorted.
func (tab commandTable) outside(names map[string]bool) []string {
	var out []string
	for n := range names {
		if !tab.names[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func TestCommandTableCheckCanFail(t *testing.T) {
	tab := loadCommandTable(t)
	// Valkey 8.0's additions are outside 7.2's table, as are unknown commands.
	got := tab.outside(map[string]bool{
		tab.name("CLIENT", "CAPA", "redirect"): true, tab.name("cluster", "slot-stats"): true,
		tab.name("SCRIPT", "show", "abc"): true, tab.name("zadd"): true, tab.name("nosuch"): true,
	})
	want := []string{"client|capa", "cluster|slot-stats", "nosuch", "script|show"}
	if !slices.Equal(got, want) {
		t.Errorf("outside = %v, want %v", got, want)
	}
}

var luaCallRE = regexp.MustCompile(`redis\.p?call\(\s*(?:'([A-Za-z]+)'|"([A-Za-z]+)")?`)

// TestScriptCommandsInValkey72 reads every script under lua/: each redis.call names its command
// as a literal, and every such command is in Valkey 7.2's table (this covers branches a run
// does not take).
func TestScriptCommandsInValkey72(t *testing.T) {
	tab := loadCommandTable(t)
	files, err := filepath.Glob(filepath.Join("lua", "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts under lua/ (%v)", err)
	}
	names := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range luaCallRE.FindAllStringSubmatch(string(src), -1) {
			cmd := m[1] + m[2]
			if cmd == "" {
				t.Errorf("%s: %q does not name its command as a literal: the check cannot see it", f, m[0])
				continue
			}
			names[tab.name(cmd)] = true
		}
	}
	if bad := tab.outside(names); len(bad) > 0 {
		t.Errorf("scripts call commands outside Valkey 7.2's table: %v", bad)
	}
	t.Logf("scripts call %d distinct commands, all in Valkey 7.2's table", len(names))
}

// sent records the commands a client sends, through go-redis hooks on the client and (for a
// cluster) on every node client, which also see a connection's handshake and the slot map loads.
type sent struct {
	tab   commandTable
	mu    sync.Mutex
	names map[string]bool
}

func (s *sent) add(cmds ...redis.Cmder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cmds {
		args := make([]string, 0, 2)
		for _, a := range c.Args()[:min(2, len(c.Args()))] {
			args = append(args, strings.ToLower(toString(a)))
		}
		s.names[s.tab.name(args...)] = true
	}
}

func toString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

func (s *sent) DialHook(next redis.DialHook) redis.DialHook { return next }
func (s *sent) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { s.add(cmd); return next(ctx, cmd) }
}
func (s *sent) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { s.add(cmds...); return next(ctx, cmds) }
}

// primaries returns the admin clients of srv's primaries (the server itself when standalone).
func primaries(t *testing.T, srv redistest.Server) []*redis.Client {
	t.Helper()
	var nodes []*redis.Client
	switch admin := srv.Admin().(type) {
	case *redis.ClusterClient:
		var mu sync.Mutex
		if err := admin.ForEachMaster(context.Background(), func(_ context.Context, c *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			nodes = append(nodes, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	case *redis.Client:
		nodes = append(nodes, admin)
	}
	return nodes
}

var cmdstatRE = regexp.MustCompile(`(?m)^cmdstat_([^:]+):calls=(\d+)`)

// serverCommands resets the command statistics of every primary of srv (CONFIG RESETSTAT) and
// returns a function that lists the commands the primaries ran since (INFO commandstats),
// those run by scripts included, less the harness's own INFO and CONFIG RESETSTAT. The store's
// tests run one at a time, so what ran is what the test did.
func serverCommands(t *testing.T, srv redistest.Server) func() map[string]bool {
	t.Helper()
	ctx := context.Background()
	nodes := primaries(t, srv)
	for _, n := range nodes {
		if err := n.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return func() map[string]bool {
		names := map[string]bool{}
		for _, n := range nodes {
			info, err := n.Info(ctx, "commandstats").Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range cmdstatRE.FindAllStringSubmatch(info, -1) {
				if name := strings.ToLower(m[1]); name != "info" && name != "config|resetstat" {
					names[name] = true
				}
			}
		}
		return names
	}
}

// TestAppCommandsInValkey72 runs what the app does against Valkey (standalone and the cluster
// that stands in for MemoryDB) through the store's own client, as the writer, and lists every
// command sent: the client's commands (hooks, including the handshake and the cluster's slot
// map loads, commands the server refuses too) and every command the servers ran, the scripts'
// included (INFO commandstats). Each must be in Valkey 7.2's table.
func TestAppCommandsInValkey72(t *testing.T) {
	tab := loadCommandTable(t)
	for _, srv := range env.Servers() {
		if srv.ServerEngine() != redistest.Valkey {
			continue // the same commands go to Redis 7.0; the table checked is Valkey's
		}
		t.Run(srv.Name(), func(t *testing.T) {
			u, _ := env.User("writer")
			rdb, err := store.NewClient(srv.Config(u.Name, u.Password).Store())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rdb.Close() })
			client := &sent{tab: tab, names: map[string]bool{}}
			rdb.AddHook(client)
			if cc, ok := rdb.(*redis.ClusterClient); ok {
				cc.OnNewNode(func(n *redis.Client) { n.AddHook(client) })
			}
			c := &clock{t: t0}
			s := newBoard(t, rdb, c)
			ran := serverCommands(t, srv)
			exercise(t, s, c)
			scripts := ran()
			all := map[string]bool{}
			for n := range client.names {
				all[n] = true
			}
			for n := range scripts {
				all[n] = true
			}
			for _, must := range []string{"zincrby", "zrevrange", "hgetall", "zmscore", "hmget", "hdel"} {
				if !all[must] {
					t.Errorf("%s not seen: the capture missed commands (seen %v)", must, sortedKeys(all))
				}
			}
			if bad := tab.outside(all); len(bad) > 0 {
				t.Errorf("the app sent commands outside Valkey 7.2's table: %v", bad)
			}
			t.Logf("%d distinct commands sent on %s, all in Valkey 7.2's table: %v",
				len(all), srv.ServerEngine().Describe(), sortedKeys(all))
		})
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// exercise does what ingest and the leaderboard do with a store: record (with authors), upkeep,
// the checkpoint, the read quota, and every read (each window's top twice, behind its upkeep and
// current; trending; history).
func exercise(t *testing.T, s *store.Store, c *clock) {
	t.Helper()
	ctx := context.Background()
	var posts, lower []store.Post
	for i := range 60 {
		posts = append(posts, store.Post{ID: strconv.Itoa(1000 + i), CreatedAt: t0.Add(-time.Duration(i) * time.Minute),
			AuthorID: strconv.Itoa(1 + i%7), Hashtags: []string{[]string{"go", "Go", "Go"}[i%3], "tag" + strconv.Itoa(i%9)}})
		lower = append(lower, store.Post{ID: strconv.Itoa(2000 + i), CreatedAt: t0.Add(-time.Duration(i) * time.Minute),
			Hashtags: []string{"go"}})
	}
	record(t, s, posts...)     // "Go" is shown (HSET of the shown spellings)
	record(t, s, posts[:5]...) // duplicates
	record(t, s, lower...)     // "go" passes "Go" and is shown again (HDEL)
	if err := s.Upkeep(ctx); err != nil {
		t.Fatal(err)
	}
	cp, err := s.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveCheckpoint(ctx, cp, store.Checkpoint{SinceID: "1059"}); err != nil {
		t.Fatal(err)
	}
	q := s.Quota()
	g, err := q.Reserve(ctx, 1000, 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Settle(ctx, g, 50, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.State(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q.SetNextBoard(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	reads := func() {
		for _, w := range store.Windows {
			for range 2 {
				if _, err := s.Top(ctx, w, 5); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, w := range store.TrendingWindows {
			if _, err := s.Trending(ctx, w, 10); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.History(ctx, store.Hour, []string{"go", "tag1"}); err != nil {
			t.Fatal(err)
		}
	}
	reads()
	c.Advance(7 * time.Hour) // every window's oldest bucket moved on: the reads find upkeep behind
	reads()
	if err := s.Upkeep(ctx); err != nil {
		t.Fatal(err)
	}
	reads()
}
