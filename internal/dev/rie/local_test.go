package rie_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// envOf is a Getenv over KEY=value entries.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for _, e := range kv {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// TestStartLocal checks the stand-ins of `make invoke`: the redis-server with the store's two
// ACL users (the writer records, the reader reads and cannot write), the X API stand-in with
// the sample and its token, and that what the environment names is left alone.
func TestStartLocal(t *testing.T) {
	ctx := context.Background()
	now := time.Now()

	t.Run("ingest", func(t *testing.T) {
		tier.Skip(t, "redis-server")
		l, err := rie.StartLocal(ctx, rie.LocalConfig{Function: "ingest", Getenv: envOf(), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Stop()
		env := envOf(l.Env...)
		if l.Redis == nil || env("MEMORYDB_ENDPOINT") != l.Redis.Addr || strings.HasSuffix(l.Redis.Addr, ":6379") {
			t.Fatalf("MEMORYDB_ENDPOINT %q, redis %v: want the started redis-server, never port 6379", env("MEMORYDB_ENDPOINT"), l.Redis)
		}
		if env("MEMORYDB_TLS") != "false" || env("MEMORYDB_CLUSTER") != "false" || env("MEMORYDB_USERNAME") != "hashtags-writer" {
			t.Errorf("env %q: want TLS and cluster off and the writer user", l.Env)
		}
		if l.SeedEnv != nil {
			t.Errorf("SeedEnv %q: want none for ingest", l.SeedEnv)
		}
		// The writer user records through the store.
		wdb, err := store.NewClient(store.Config{Addr: l.Redis.Addr, Username: env("MEMORYDB_USERNAME"), Password: env("MEMORYDB_PASSWORD")})
		if err != nil {
			t.Fatal(err)
		}
		defer wdb.Close()
		s, err := store.New(wdb, "hashtags")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Record(ctx, []store.Post{{ID: "1", CreatedAt: now, Hashtags: []string{"local"}}}); err != nil {
			t.Fatalf("record as the writer: %v", err)
		}
		// The default user is off, as on MemoryDB.
		ddb, err := store.NewClient(store.Config{Addr: l.Redis.Addr})
		if err != nil {
			t.Fatal(err)
		}
		defer ddb.Close()
		if err := ddb.Ping(ctx).Err(); err == nil {
			t.Error("the default user can run PING: want it off")
		}

		// The X API stand-in answers with the token and the sample.
		if l.X == nil || env("X_API_URL") != l.X.URL() || env("SEARCH_QUERY") != rie.SampleQuery {
			t.Fatalf("X env %q: want the stand-in and the sample query", l.Env)
		}
		if l.Posts < 1000 {
			t.Errorf("the stand-in serves %d posts now; the sample has 80%% of 4000 in the past", l.Posts)
		}
		req, _ := http.NewRequest(http.MethodGet, l.X.URL()+"/2/tweets/search/recent?max_results=10&query="+url.QueryEscape(rie.SampleQuery), nil)
		req.Header.Set("Authorization", "Bearer "+env("X_BEARER_TOKEN"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"result_count":10`) {
			t.Errorf("search: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("leaderboard", func(t *testing.T) {
		tier.Skip(t, "redis-server")
		l, err := rie.StartLocal(ctx, rie.LocalConfig{Function: "leaderboard", Getenv: envOf("LEADERBOARD=trial")})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Stop()
		env, seed := envOf(l.Env...), envOf(l.SeedEnv...)
		if env("MEMORYDB_USERNAME") != "trial-reader" || seed("MEMORYDB_USERNAME") != "trial-writer" {
			t.Fatalf("users %q / %q: want trial-reader for the function, trial-writer for the seed run", env("MEMORYDB_USERNAME"), seed("MEMORYDB_USERNAME"))
		}
		if env("X_API_URL") != "" || seed("X_API_URL") == "" {
			t.Errorf("the X stand-in is for the seed run only: env %q seed %q", l.Env, l.SeedEnv)
		}
		// The reader reads and cannot write.
		rdb, err := store.NewClient(store.Config{Addr: l.Redis.Addr, Username: env("MEMORYDB_USERNAME"), Password: env("MEMORYDB_PASSWORD")})
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		s, err := store.New(rdb, "trial")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Top(ctx, store.All, 10); err != nil {
			t.Errorf("read as the reader: %v", err)
		}
		if _, err := s.Record(ctx, []store.Post{{ID: "1", CreatedAt: time.Now(), Hashtags: []string{"x"}}}); err == nil {
			t.Error("the reader recorded a post: want NOPERM")
		}
	})

	t.Run("boards", func(t *testing.T) {
		tier.Skip(t, "redis-server")
		l, err := rie.StartLocal(ctx, rie.LocalConfig{Function: "ingest", Getenv: envOf(`BOARDS={"aws": "#aws", "golang": "#golang"}`)})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Stop()
		env := envOf(l.Env...)
		if env("MEMORYDB_USERNAME") != "aws-writer" || env("SEARCH_QUERY") != "" {
			t.Errorf("env %q: want the writer named after the default board, and no SEARCH_QUERY beside BOARDS", l.Env)
		}
		// The writer reaches both boards and no other.
		wdb, err := store.NewClient(store.Config{Addr: l.Redis.Addr, Username: env("MEMORYDB_USERNAME"), Password: env("MEMORYDB_PASSWORD")})
		if err != nil {
			t.Fatal(err)
		}
		defer wdb.Close()
		for board, ok := range map[string]bool{"aws": true, "golang": true, "rust": false} {
			s, err := store.New(wdb, board)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Record(ctx, []store.Post{{ID: "1", CreatedAt: time.Now(), Hashtags: []string{"x"}}}); (err == nil) != ok {
				t.Errorf("record on board %s: %v", board, err)
			}
		}
	})

	t.Run("environment wins", func(t *testing.T) {
		l, err := rie.StartLocal(ctx, rie.LocalConfig{Function: "ingest",
			Getenv: envOf("MEMORYDB_ENDPOINT=redis.example:6379", "X_BEARER_TOKEN=real")})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Stop()
		if l.Redis != nil || l.X != nil || len(l.Env) != 0 {
			t.Errorf("redis %v, X %v, env %q: want nothing started when the environment names both", l.Redis, l.X, l.Env)
		}
	})

	t.Run("unknown function", func(t *testing.T) {
		if _, err := rie.StartLocal(ctx, rie.LocalConfig{Function: "api", Getenv: envOf()}); err == nil {
			t.Error("want an error")
		}
	})
}
