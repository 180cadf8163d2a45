package coldstart_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

const leaderboard = "apptest"

var writer = redistest.User{Name: "apptest-writer", Password: "writer-password-0123456789", Access: store.WriterAccess(leaderboard)}

type fixture struct {
	srv  *redistest.Standalone
	moto *awstest.Moto
	env  map[string]string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	srv := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{writer}, DefaultUserOff: true})
	moto := awstest.MustMoto(t)
	moto.SetEnv(t)
	return &fixture{srv: srv, moto: moto, env: map[string]string{
		"MEMORYDB_ENDPOINT": srv.Addr, "MEMORYDB_TLS": "false", "MEMORYDB_CLUSTER": "false",
		"LEADERBOARD": leaderboard, "SEARCH_QUERY": "#hashtags",
	}}
}

func (f *fixture) secret(t *testing.T, name, value string) string {
	t.Helper()
	arn, err := f.moto.CreateSecret(context.Background(), name, value)
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func (f *fixture) getenv(k string) string { return f.env[k] }

// sources are the cold start's X API sources from the fixture's environment, and its config.
func (f *fixture) sources(t *testing.T) ([]*xapi.Source, config.Ingest) {
	t.Helper()
	cfg, err := config.LoadIngest(f.getenv)
	if err != nil {
		t.Fatal(err)
	}
	sources, err := coldstart.New(f.getenv).Sources(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sources, cfg
}

// source is the one board's source (see sources).
func (f *fixture) source(t *testing.T) (*xapi.Source, config.Ingest) {
	t.Helper()
	sources, cfg := f.sources(t)
	if len(sources) != 1 {
		t.Fatalf("%d sources, want 1", len(sources))
	}
	return sources[0], cfg
}

// xAPI starts an X API stand-in serving one post for any query and points X_API_URL at it.
func (f *fixture) xAPI(t *testing.T, opts xapitest.Options) *xapitest.Server {
	t.Helper()
	opts.MatchAll = true
	x, err := xapitest.New([]xapitest.Tweet{{CreatedAt: time.Now().Add(-time.Minute), Text: "#hashtags hello"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	x.Start()
	t.Cleanup(x.Close)
	f.env["X_API_URL"] = x.URL()
	return x
}

func TestBoardFromSecret(t *testing.T) {
	f := setup(t)
	f.env["MEMORYDB_SECRET_ARN"] = f.secret(t, "writer", `{"username":"apptest-writer","password":"writer-password-0123456789"}`)
	ctx := context.Background()
	cfg, err := config.LoadRedis(f.getenv)
	if err != nil {
		t.Fatal(err)
	}
	board, err := coldstart.New(f.getenv).Board(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := board.Record(ctx, []store.Post{{ID: "1", CreatedAt: time.Now(), Hashtags: []string{"Go"}}})
	if err != nil || res.New != 1 {
		t.Fatalf("Record as the writer from the secret: %+v, %v", res, err)
	}
}

// TestBoardsPassTheOptions: every board's store is made with the options given (ingest passes
// TRENDING_MIN_AUTHORS): with a minimum of 2, a hashtag of 2 distinct authors trends on each
// board, where the default minimum (5) would list nothing.
func TestBoardsPassTheOptions(t *testing.T) {
	f := setup(t)
	both := redistest.User{Name: "boards-writer", Password: "boards-password-0123456789", Access: store.WriterAccess(leaderboard, "other")}
	srv := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{both}, DefaultUserOff: true})
	f.env["MEMORYDB_ENDPOINT"] = srv.Addr
	f.env["MEMORYDB_SECRET_ARN"] = f.secret(t, "boards-writer", `{"username":"boards-writer","password":"boards-password-0123456789"}`)
	ctx := context.Background()
	cfg, err := config.LoadRedis(f.getenv)
	if err != nil {
		t.Fatal(err)
	}
	boards, err := coldstart.New(f.getenv).Boards(ctx, cfg, []string{leaderboard, "other"}, store.WithTrendingMinAuthors(2))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, b := range boards {
		posts := []store.Post{
			{ID: strconv.Itoa(100 + 10*i), CreatedAt: now.Add(-time.Minute), AuthorID: "11", Hashtags: []string{"rising"}},
			{ID: strconv.Itoa(101 + 10*i), CreatedAt: now.Add(-time.Minute), AuthorID: "12", Hashtags: []string{"rising"}},
		}
		if res, err := b.Record(ctx, posts); err != nil || res.New != 2 {
			t.Fatalf("board %d: Record: %+v, %v", i, res, err)
		}
		if err := b.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := b.Trending(ctx, store.Hour, 10); err != nil || len(got) != 1 || got[0].Hashtag != "rising" || got[0].Authors != 2 {
			t.Errorf("board %d trending: %+v, %v; want rising with 2 authors", i, got, err)
		}
	}
}

func TestBadSecretsNameTheKeyAndHideTheValue(t *testing.T) {
	f := setup(t)
	const password = "hunter2-very-secret"
	tests := []struct {
		name, value, want string
	}{
		{"no password", `{"username":"apptest-writer","pass":"` + password + `"}`, `"password"`},
		{"no username", `{"password":"` + password + `"}`, `"username"`},
		{"not JSON", `username=apptest-writer password=` + password, "MEMORYDB_SECRET_ARN"},
		{"truncated", `{"username":"apptest-writer","password":"` + password, "MEMORYDB_SECRET_ARN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.env["MEMORYDB_SECRET_ARN"] = f.secret(t, strings.ReplaceAll(tc.name, " ", "-"), tc.value)
			cfg, _ := config.LoadRedis(f.getenv)
			_, err := coldstart.New(f.getenv).Board(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	f.env["MEMORYDB_SECRET_ARN"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf"
	cfg, _ := config.LoadRedis(f.getenv)
	if _, err := coldstart.New(f.getenv).Board(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "MEMORYDB_SECRET_ARN") {
		t.Errorf("missing secret: %v", err)
	}
}

func TestSourceExchangesKeyAndSecret(t *testing.T) {
	f := setup(t)
	x := f.xAPI(t, xapitest.Options{BearerToken: "app-only-token", APIKey: "key", APISecret: "s3cret/with+chars"})
	f.env["X_SECRET_ARN"] = f.secret(t, "x", `{"api_key":"key","api_secret":"s3cret/with+chars"}`)
	src, _ := f.source(t)
	page, err := src.FetchPage(context.Background(), xapi.PageRequest{})
	if err != nil || len(page.Posts) != 1 {
		t.Fatalf("search with the exchanged token: %+v, %v", page, err)
	}
	if n := len(x.Requests()); n != 2 {
		t.Errorf("%d requests, want the token exchange and one search", n)
	}

	f.env["X_SECRET_ARN"] = f.secret(t, "x-wrong", `{"api_key":"key","api_secret":"wrong-secret"}`)
	cfg, err := config.LoadIngest(f.getenv) // the sources are the configuration's
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coldstart.New(f.getenv).Sources(context.Background(), cfg); err == nil || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong key/secret: %v", err)
	}
}

// TestSourceRereadsRotatedXSecret: the X API secret is rotated after the cold start; the first
// search gets 401, the source reads the secret once more and the search succeeds with the new
// token, in the same process.
func TestSourceRereadsRotatedXSecret(t *testing.T) {
	f := setup(t)
	x := f.xAPI(t, xapitest.Options{BearerToken: "rotated-token-2"})
	arn := f.secret(t, "x-rotating", `{"bearer_token":"rotated-token-1"}`)
	f.env["X_SECRET_ARN"] = arn
	src, _ := f.source(t)
	if _, err := f.moto.PutSecretValue(context.Background(), arn, `{"bearer_token":"rotated-token-2"}`); err != nil {
		t.Fatal(err)
	}
	page, err := src.FetchPage(context.Background(), xapi.PageRequest{})
	if err != nil || len(page.Posts) != 1 {
		t.Fatalf("search after the rotation: %+v, %v", page, err)
	}
	if n := len(x.SearchRequests()); n != 2 {
		t.Errorf("%d searches, want the refused one and its retry", n)
	}
}

// TestSourcesShareOneToken: with BOARDS, every board gets a source of its own query, all from
// one token exchange.
func TestSourcesShareOneToken(t *testing.T) {
	f := setup(t)
	x := f.xAPI(t, xapitest.Options{BearerToken: "app-only-token", APIKey: "key", APISecret: "secret"})
	f.env["X_SECRET_ARN"] = f.secret(t, "x-boards", `{"api_key":"key","api_secret":"secret"}`)
	delete(f.env, "SEARCH_QUERY")
	delete(f.env, "LEADERBOARD")
	f.env["BOARDS"] = `{"aws": "#aws -is:retweet", "golang": "#golang lang:en"}`
	sources, _ := f.sources(t)
	for _, src := range sources {
		if _, err := src.FetchPage(context.Background(), xapi.PageRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	var queries []string
	for _, r := range x.SearchRequests() {
		queries = append(queries, r.Query.Get("query"))
	}
	if n := len(x.Requests()); n != 3 || !slices.Equal(queries, []string{"#aws -is:retweet", "#golang lang:en"}) {
		t.Errorf("%d requests, searches for %q: want one token exchange and a search per board with its query", n, queries)
	}
}
