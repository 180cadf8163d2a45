package faulttest

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// durableStandalone starts a standalone redis-server for one test with the users given and
// turns on the append-only file with an fsync per write (written into its redis.conf), so a
// SIGKILL and restart keep every acknowledged write, as MemoryDB's transaction log does.
func durableStandalone(t *testing.T, users ...redistest.User) *redistest.Standalone {
	t.Helper()
	s := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: users})
	ctx := context.Background()
	admin := s.Client()
	for _, kv := range [][2]string{{"appendfsync", "always"}, {"appendonly", "yes"}} {
		if err := admin.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Fatalf("config set %s %s: %v", kv[0], kv[1], err)
		}
	}
	err := poll(30*time.Second, func() error {
		f, err := redisInfo(ctx, admin, "persistence")
		if err != nil {
			return err
		}
		if f["aof_enabled"] != "1" || f["aof_rewrite_in_progress"] != "0" || f["aof_rewrite_scheduled"] != "0" {
			return fmt.Errorf("append-only file not ready: enabled %s, rewrite in progress %s, scheduled %s",
				f["aof_enabled"], f["aof_rewrite_in_progress"], f["aof_rewrite_scheduled"])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.ConfigRewrite(ctx).Err(); err != nil {
		t.Fatalf("config rewrite: %v", err)
	}
	return s
}

// standaloneVars are the environment of a function using Redis at s as user u (the local
// stand-in variables, no Secrets Manager).
func standaloneVars(s *redistest.Standalone, name string, u redistest.User) map[string]string {
	return map[string]string{
		"MEMORYDB_ENDPOINT": s.Addr, "MEMORYDB_TLS": "false", "MEMORYDB_CLUSTER": "false",
		"LEADERBOARD": name, "MEMORYDB_USERNAME": u.Name, "MEMORYDB_PASSWORD": u.Password,
	}
}

// coldStart builds the store the way the mains do (config.LoadRedis, then coldstart.Env.Board).
// The function reads the given variables and its secrets through loader.
func coldStart(t *testing.T, vars map[string]string, loader *secrets.Loader) *store.Store {
	t.Helper()
	e := &coldstart.Env{Log: quiet, Secrets: loader}
	cfg, err := config.LoadRedis(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	board, err := e.Board(context.Background(), cfg)
	if err != nil {
		t.Fatalf("cold start: %v", err)
	}
	return board
}

func TestRedisDownAtColdStart(t *testing.T) {
	name := uniqueName("coldstart")
	w, r := boardUsers(name)
	s := durableStandalone(t, w, r)
	posts := newPostMaker()
	x := newXAPI(t, posts.batch(150, cycleTags))

	// Redis is down before the functions' cold start: the wiring dials nothing, so the cold
	// start itself succeeds and the first invoke fails.
	s.Kill()
	writer := coldStart(t, standaloneVars(s, name, w), nil)
	reader := coldStart(t, standaloneVars(s, name, r), nil)
	h := newIngest(t, newSource(t, x), writer, nil)
	lb := newLeaderboard(t, reader, name, config.DefaultCacheTTL)

	begin := time.Now()
	res, err := runIngest(h)
	if err == nil {
		t.Fatalf("ingest with Redis down succeeded: %+v", res)
	}
	t.Logf("ingest with Redis down failed after %s: %v", time.Since(begin).Round(time.Millisecond), err)
	if msg := err.Error(); !strings.Contains(msg, "window upkeep") || !strings.Contains(msg, s.Addr) {
		t.Errorf("error %q: want the operation (window upkeep, a run's first Redis call) and the Redis address %s", msg, s.Addr)
	}
	if res.PostsNew != 0 || res.Pages != 0 {
		t.Errorf("run with Redis down: %+v, want nothing done", res)
	}
	if n := len(x.SearchRequests()); n != 0 {
		t.Errorf("%d X API requests with Redis down, want none (no checkpoint, no fetch)", n)
	}
	begin = time.Now()
	resp, _ := lb.Handle(context.Background(), lbEvent("limit=100"))
	t.Logf("leaderboard with Redis down answered %d after %s", resp.StatusCode, time.Since(begin).Round(time.Millisecond))
	if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
		t.Errorf("leaderboard with Redis down: %d %v %s, want 503 with Retry-After", resp.StatusCode, resp.Headers, resp.Body)
	}

	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The same handlers and clients, no new cold start.
	runs := catchUp(t, h, 1)
	if runs[0].PostsNew != 150 {
		t.Errorf("first run after Redis returned: %+v", runs[0])
	}
	assertCounts(t, writer, posts.expected())
	if got := getBoard(t, lb, "limit=100").tally(); !maps.Equal(got, posts.expected()) {
		t.Errorf("leaderboard after Redis returned: %v, want %v", got, posts.expected())
	}
}

// killingSource is the real X API source that kills Redis just before fetching page killAt
// of the first run: the previous pages are recorded and checkpointed, that page is not.
type killingSource struct {
	ingest.Source
	calls  atomic.Int32
	killAt int32
	kill   func()
}

func (k *killingSource) FetchPage(ctx context.Context, req xapi.PageRequest) (xapi.Page, error) {
	if k.calls.Add(1) == k.killAt {
		k.kill()
	}
	return k.Source.FetchPage(ctx, req)
}

func TestRedisDownMidRun(t *testing.T) {
	name := uniqueName("midrun")
	w, _ := boardUsers(name)
	s := durableStandalone(t, w)
	posts := newPostMaker()
	x := newXAPI(t, posts.batch(350, cycleTags))
	writer := coldStart(t, standaloneVars(s, name, w), nil)
	src := &killingSource{Source: newSource(t, x), killAt: 2, kill: s.Kill}
	h := newIngest(t, src, writer, nil)

	res, err := runIngest(h)
	if err == nil {
		t.Fatalf("run with Redis killed before page 2 succeeded: %+v", res)
	}
	t.Logf("ingest error with Redis killed mid-run: %v", err)
	if msg := err.Error(); !strings.Contains(msg, "page 2") || !strings.Contains(msg, "record") || !strings.Contains(msg, s.Addr) {
		t.Errorf("error %q: want the page, the operation (record) and the Redis address %s", msg, s.Addr)
	}
	if res.Pages != 2 || res.PostsNew != 100 {
		t.Errorf("run killed at page 2: %+v, want page 1 recorded and page 2 fetched", res)
	}

	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	cp, err := writer.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	x.ResetRequests()
	runs := catchUp(t, h, 1)
	if runs[0].PostsNew != 250 || runs[0].PostsFetched != 250 {
		t.Errorf("run after Redis returned: %+v, want exactly the 250 posts not recorded before", runs[0])
	}
	if reqs := x.SearchRequests(); len(reqs) == 0 || reqs[0].Query.Get("until_id") != cp.UntilID || cp.UntilID == "" {
		t.Errorf("run after Redis returned did not resume from the checkpoint %+v: first request %v", cp, reqs)
	}
	assertCounts(t, writer, posts.expected())
}
