package leaderboard_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// The leaderboard every test here uses, the second board of the deployment, and the two ACL
// users of both boards.
const (
	boardName  = "hashtags"
	otherBoard = "golang"
	writerUser = "ingest"
	readerUser = "leaderboard"
)

// The shared servers: a standalone redis-server and a TLS+ACL cluster (redistest), and
// moto_server holding the reader's secret (awstest). Started once by TestMain.
var (
	env         *redistest.Env
	moto        *awstest.Moto
	readerARN   string // ARN of the reader's secret in moto
	writerPass  string
	fuzzingMode bool
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Fuzzing runs only FuzzQuery (a fake board) in several worker processes: do not start
	// servers in each of them.
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		fuzzingMode = true
		os.Exit(m.Run())
	}
	if tier.Short() {
		os.Exit(m.Run()) // no moto or redis: the tests that need them skip in requireServers
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	begin := time.Now()
	readerPass, wp := randomSecret(), randomSecret()
	writerPass = wp
	var err error
	moto, err = awstest.StartMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "leaderboard tests:", err)
		return 1
	}
	defer moto.Stop()
	secret, err := json.Marshal(map[string]string{"username": readerUser, "password": readerPass})
	if err != nil {
		fmt.Fprintln(os.Stderr, "leaderboard tests:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	readerARN, err = moto.CreateSecret(ctx, "leaderboard/reader", string(secret))
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "leaderboard tests:", err)
		return 1
	}
	env, err = redistest.StartEnv(redistest.EnvOptions{Users: []redistest.User{
		{Name: writerUser, Password: writerPass, Access: store.WriterAccess(boardName, otherBoard)},
		{Name: readerUser, Password: readerPass, Access: store.ReaderAccess(boardName, otherBoard)},
	}, Engines: redistest.BothEngines}) // Valkey (the default) and Redis OSS 7.0, standalone and cluster each
	if err != nil {
		fmt.Fprintln(os.Stderr, "leaderboard tests:", err)
		return 1
	}
	defer env.Stop()
	fmt.Fprintf(os.Stderr, "leaderboard tests: moto and redis ready in %s\n", time.Since(begin).Round(time.Millisecond))
	return m.Run()
}

func randomSecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func requireServers(tb testing.TB) {
	tb.Helper()
	tier.Skip(tb, "redis-server and moto_server")
	if fuzzingMode || env == nil {
		tb.Fatal("redis and moto servers were not started (fuzzing mode runs only FuzzQuery)")
	}
}

// readerCredentials loads the reader user from Secrets Manager (moto) the way the Lambda does
// at cold start: MEMORYDB_SECRET_ARN names the secret (config reads it), package secrets reads
// and parses it.
func readerCredentials(tb testing.TB) secrets.RedisCredentials {
	tb.Helper()
	requireServers(tb)
	cfg, err := config.LoadRedis(func(k string) string {
		return map[string]string{"MEMORYDB_ENDPOINT": "127.0.0.1:1", "MEMORYDB_SECRET_ARN": readerARN}[k]
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds, err := secrets.Redis(ctx, cfg.Credentials, secrets.NewLoader(secrets.WithClient(moto.Client())))
	if err != nil {
		tb.Fatalf("load reader credentials: %v", err)
	}
	if creds.Username != readerUser {
		tb.Fatalf("secret user %q, want %q", creds.Username, readerUser)
	}
	return creds
}

// readerClient connects to srv as the reader, through store.NewClient like the Lambda.
func readerClient(tb testing.TB, srv redistest.Server) redis.UniversalClient {
	tb.Helper()
	creds := readerCredentials(tb)
	rdb, err := store.NewClient(storeConfig(srv.Config(creds.Username, creds.Password)))
	if err != nil {
		tb.Fatalf("reader client: %v", err)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// writerStore is the ingest side: the store as the writer user, for seeding data.
func writerStore(tb testing.TB, srv redistest.Server) *store.Store {
	tb.Helper()
	rdb, err := store.NewClient(storeConfig(srv.Config(writerUser, writerPass)))
	if err != nil {
		tb.Fatalf("writer client: %v", err)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	s, err := store.New(rdb, boardName)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// seedAsWriter empties srv and records posts on the board as the ingest writer, every one new,
// and ends with an upkeep, as an ingest run does, which settles the trending views.
func seedAsWriter(t testing.TB, srv redistest.Server, posts []store.Post) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	w := writerStore(t, srv)
	if res, err := w.Record(ctx, posts); err != nil || res.New != len(posts) {
		t.Fatalf("seed: %+v, %v; want %d new posts", res, err, len(posts))
	}
	if err := w.Upkeep(ctx); err != nil {
		t.Fatalf("seed: upkeep: %v", err)
	}
}

// countedHandler is the handler on srv's real store as the reader, with a 5 s cache on a fixed
// clock, and the counter of the Redis commands it sends, which counts no handshake or cluster
// discovery (the client is connected first).
func countedHandler(t *testing.T, srv redistest.Server) (*leaderboard.Handler, *commandCounter) {
	t.Helper()
	rdb, st, counter := countedStore(t, srv)
	fixed := time.Now()
	h := newHandler(t, st, nil, leaderboard.Config{CacheTTL: 5 * time.Second}.WithClock(func() time.Time { return fixed }))
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return h, counter
}

// commandCounter is a go-redis hook counting the commands a client sends, and the round trips
// (a command alone or a pipeline), but not a new connection's handshake.
type commandCounter struct{ n, trips atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch cmd.Name() {
		case "hello", "auth", "client": // a new connection's handshake
		default:
			c.n.Add(1)
			c.trips.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		c.trips.Add(1)
		return next(ctx, cmds)
	}
}

// countedStore is the store of boardName on srv as the reader, whose client counts its
// commands.
func countedStore(tb testing.TB, srv redistest.Server) (redis.UniversalClient, *store.Store, *commandCounter) {
	tb.Helper()
	rdb := readerClient(tb, srv)
	counter := &commandCounter{}
	rdb.AddHook(counter)
	st, err := store.New(rdb, boardName)
	if err != nil {
		tb.Fatal(err)
	}
	return rdb, st, counter
}

// failingBoard wraps a Board and fails every call while broken is set.
type failingBoard struct {
	next   leaderboard.Board
	broken atomic.Bool
}

var errInjected = errors.New("injected failure: redis unreachable")

func (b *failingBoard) Top(ctx context.Context, w store.Window, n int) ([]store.Entry, error) {
	if b.broken.Load() {
		return nil, errInjected
	}
	return b.next.Top(ctx, w, n)
}

func (b *failingBoard) Trending(ctx context.Context, w store.Window, n int) ([]store.Trend, error) {
	if b.broken.Load() {
		return nil, errInjected
	}
	return b.next.Trending(ctx, w, n)
}

func (b *failingBoard) History(ctx context.Context, w store.Window, tags []string) ([]store.Series, error) {
	if b.broken.Load() {
		return nil, errInjected
	}
	return b.next.History(ctx, w, tags)
}

func (b *failingBoard) Counts(ctx context.Context, w store.Window, tags []string) ([]int64, error) {
	if b.broken.Load() {
		return nil, errInjected
	}
	return b.next.Counts(ctx, w, tags)
}

// storeConfig turns the harness's connection settings into the store's.
func storeConfig(c redistest.ClientConfig) store.Config {
	return c.Store()
}
