package rie

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// SampleQuery is the SEARCH_QUERY given to ingest when it reads the bundled sample and neither
// it nor BOARDS is set: the stand-in answers it with every post (xapitest.Options.MatchAllQuery)
// and filters other queries as X would. It names no hashtag, so none is excluded from counting.
const SampleQuery = "sample -is:retweet"

// LocalConfig says which function StartLocal prepares stand-ins for.
type LocalConfig struct {
	// Function is "ingest" or "leaderboard".
	Function string
	// Getenv reads the caller's environment (os.Getenv).
	Getenv func(string) string
	// Now is the clock the sample is moved to (default time.Now).
	Now func() time.Time
	// Log gets one line per stand-in started (nil: none).
	Log io.Writer
}

// Local holds the stand-ins of a local invoke. Stop ends them.
type Local struct {
	// Env holds the function's variables on top of the caller's environment: the local Redis
	// and its user, the X API stand-in and its token, SEARCH_QUERY for the sample.
	Env []string
	// SeedEnv, for the leaderboard on the started Redis, holds the variables of an ingest run
	// that fills the board first (as the writer user, from the X API stand-in or the X API
	// credentials of the environment); nil otherwise.
	SeedEnv []string
	// Redis is the redis-server started (nil when MEMORYDB_ENDPOINT is set).
	Redis *redistest.Standalone
	// X is the X API stand-in (nil when X API credentials are set, or not needed).
	X *xapitest.Server
	// Posts is how many sample posts the stand-in serves now.
	Posts int
}

// StartLocal starts what a local invoke of cfg.Function needs that the environment does not
// name:
//
//   - Redis: unless MEMORYDB_ENDPOINT is set, a redis-server on a free 127.0.0.1 port (never
//     6379), without persistence and with the "default" user off as on MemoryDB, holding the
//     store's two users of the boards (BOARDS, or LEADERBOARD), <default board>-writer
//     (store.WriterAccess) and <default board>-reader (store.ReaderAccess), with random
//     passwords. The function gets MEMORYDB_ENDPOINT,
//     MEMORYDB_TLS=false, MEMORYDB_CLUSTER=false and its user through the local-only
//     stand-ins MEMORYDB_USERNAME / MEMORYDB_PASSWORD (MEMORYDB_SECRET_ARN is cleared).
//   - X API, for ingest (and the leaderboard's seed run) when none of TWITTER_SECRET_ARN,
//     TWITTER_BEARER_TOKEN, TWITTER_API_KEY is set: the X API v2 stand-in on a free loopback
//     port serving the bundled sample (package sample) moved to now, with TWITTER_API_URL,
//     a random TWITTER_BEARER_TOKEN, SEARCH_QUERY=SampleQuery unless it or BOARDS is set, and
//     X_DAILY_POST_BUDGET=0 (the sample is free) unless it is set.
func StartLocal(ctx context.Context, cfg LocalConfig) (_ *Local, err error) {
	if err := CheckFunction(cfg.Function); err != nil {
		return nil, err
	}
	if cfg.Getenv == nil {
		return nil, errors.New("rie: LocalConfig.Getenv is nil")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	l := &Local{}
	defer func() {
		if err != nil {
			l.Stop()
		}
	}()
	boards, err := config.LoadBoards(cfg.Getenv)
	if err != nil {
		return nil, err
	}
	board, names := boards[0].Name, config.Names(boards)

	needX := cfg.Function == "ingest"
	if strings.TrimSpace(cfg.Getenv("MEMORYDB_ENDPOINT")) == "" {
		writer := redistest.User{Name: board + "-writer", Password: randomHex(16), Access: store.WriterAccess(names...)}
		reader := redistest.User{Name: board + "-reader", Password: randomHex(16), Access: store.ReaderAccess(names...)}
		l.Redis, err = redistest.StartStandalone(redistest.StandaloneOptions{Users: []redistest.User{writer, reader}, DefaultUserOff: true})
		if err != nil {
			return nil, fmt.Errorf("local redis-server: %w", err)
		}
		logf("local redis-server on %s (users %s, %s; removed at exit)", l.Redis.Addr, writer.Name, reader.Name)
		redisEnv := func(u redistest.User) []string {
			return []string{
				"MEMORYDB_ENDPOINT=" + l.Redis.Addr, "MEMORYDB_TLS=false", "MEMORYDB_CLUSTER=false", "MEMORYDB_CA_FILE=",
				secrets.EnvMemoryDBSecretARN + "=",
				secrets.EnvMemoryDBUsername + "=" + u.Name, secrets.EnvMemoryDBPassword + "=" + u.Password,
			}
		}
		if cfg.Function == "ingest" {
			l.Env = redisEnv(writer)
		} else {
			l.Env = redisEnv(reader)
			l.SeedEnv = redisEnv(writer)
			needX = true
		}
	}

	if needX && !hasXCredentials(cfg.Getenv) {
		raw, err := sample.Posts()
		if err != nil {
			return nil, err
		}
		posts, err := sample.Shift(raw, cfg.Now())
		if err != nil {
			return nil, err
		}
		token := randomHex(24)
		sampleQuery := strings.TrimSpace(cfg.Getenv("SEARCH_QUERY")) == "" && strings.TrimSpace(cfg.Getenv("BOARDS")) == ""
		l.X, err = xapitest.New(posts, xapitest.Options{BearerToken: token, MatchAllQuery: SampleQuery})
		if err != nil {
			return nil, fmt.Errorf("local X API stand-in: %w", err)
		}
		url := l.X.Start()
		now := cfg.Now()
		for _, p := range posts {
			if !p.CreatedAt.After(now) && p.CreatedAt.After(now.Add(-xapitest.Window)) {
				l.Posts++
			}
		}
		xEnv := []string{
			"TWITTER_API_URL=" + url, secrets.EnvTwitterBearerToken + "=" + token,
			secrets.EnvTwitterSecretARN + "=", secrets.EnvTwitterAPIKey + "=", secrets.EnvTwitterAPISecret + "=",
		}
		if sampleQuery {
			xEnv = append(xEnv, "SEARCH_QUERY="+SampleQuery)
		}
		// The bundled sample is free: it is read without a read budget unless the caller sets
		// one (then the budget is paced over the UTC day, as deployed), as make run does.
		if strings.TrimSpace(cfg.Getenv("X_DAILY_POST_BUDGET")) == "" {
			xEnv = append(xEnv, "X_DAILY_POST_BUDGET=0")
		}
		logf("X API stand-in on %s serving %d posts of the bundled sample (the other %d arrive over the next day)", url, l.Posts, len(posts)-l.Posts)
		if cfg.Function == "ingest" {
			l.Env = append(l.Env, xEnv...)
		} else {
			l.SeedEnv = append(l.SeedEnv, xEnv...)
		}
	}
	return l, nil
}

// hasXCredentials reports whether the environment names X API credentials.
func hasXCredentials(getenv func(string) string) bool {
	for _, name := range []string{secrets.EnvTwitterSecretARN, secrets.EnvTwitterBearerToken, secrets.EnvTwitterAPIKey} {
		if strings.TrimSpace(getenv(name)) != "" {
			return true
		}
	}
	return false
}

// Stop ends the stand-ins. Safe to call more than once.
func (l *Local) Stop() {
	if l.X != nil {
		l.X.Close()
	}
	if l.Redis != nil {
		l.Redis.Stop()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("rie: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// InvokeConfig is one local invoke (cmd/invoke, `make invoke`).
type InvokeConfig struct {
	// ModuleRoot is the module's directory (ModuleRoot).
	ModuleRoot string
	// RIE is the path of aws-lambda-rie (FindRIE).
	RIE string
	// Function is "ingest" or "leaderboard"; Event is the event to send.
	Function string
	Event    []byte
	// Environ is the caller's environment (os.Environ()): the function gets it, with the
	// stand-ins' variables on top, as the emulator forwards its environment in a container.
	Environ []string
	// Seed runs the ingest function once first when the leaderboard is invoked on the
	// redis-server started here (which is empty otherwise).
	Seed bool
	// BuildDir receives the bootstraps.
	BuildDir string
	// Log receives the emulator's and the function's logs and progress lines (nil: none).
	Log io.Writer
}

// InvokeLocal builds the bootstrap, starts the stand-ins (StartLocal), runs the function under
// the emulator, sends the event and returns the function's answer. Everything it started is
// stopped before it returns.
func InvokeLocal(ctx context.Context, cfg InvokeConfig) (Response, error) {
	if cfg.Log != nil {
		cfg.Log = &lockedWriter{w: cfg.Log} // the emulators' log goroutines share it
	}
	getenv := envLookup(cfg.Environ)
	local, err := StartLocal(ctx, LocalConfig{Function: cfg.Function, Getenv: getenv, Log: cfg.Log})
	if err != nil {
		return Response{}, err
	}
	defer local.Stop()
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}

	if cfg.Function == "leaderboard" && cfg.Seed && local.SeedEnv != nil {
		logf("seeding the local board: one ingest run under the emulator")
		resp, err := runOnce(ctx, cfg, "ingest", MergeEnv(cfg.Environ, local.SeedEnv...), scheduledEvent(time.Now()))
		if err != nil {
			return Response{}, fmt.Errorf("seed ingest run: %w", err)
		}
		if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
			return Response{}, fmt.Errorf("seed ingest run failed (status %d, %s: %s): %s", resp.Status, typ, msg, resp.Body)
		}
		logf("seed ingest run: %s", resp.Body)
	}
	return runOnce(ctx, cfg, cfg.Function, MergeEnv(cfg.Environ, local.Env...), cfg.Event)
}

// runOnce builds function, starts an emulator for it, invokes it once and stops it.
func runOnce(ctx context.Context, cfg InvokeConfig, function string, env []string, event []byte) (Response, error) {
	bin, err := Build(ctx, cfg.ModuleRoot, function, cfg.BuildDir, BuildOptions{})
	if err != nil {
		return Response{}, err
	}
	emu, err := Start(ctx, Config{RIE: cfg.RIE, Bootstrap: bin, Env: env, FunctionName: function, Log: cfg.Log})
	if err != nil {
		return Response{}, err
	}
	defer emu.Stop()
	resp, err := emu.Invoke(ctx, event)
	if err == nil && cfg.Log != nil {
		// The REPORT line's "Init Duration" is not the init: see the package documentation.
		initCtx, cancel := context.WithTimeout(ctx, time.Second)
		if d, ierr := emu.InitDuration(initCtx); ierr == nil {
			fmt.Fprintf(cfg.Log, "%s: init duration %.1f ms (INIT REPORT)\n", function, float64(d)/float64(time.Millisecond))
		}
		cancel()
		// The REPORT line's "Max Memory Used" only repeats "Memory Size" (the emulator cannot
		// measure it); the bootstrap's peak RSS is what Lambda would report.
		if rss, rerr := emu.PeakRSS(); rerr == nil {
			fmt.Fprintf(cfg.Log, "%s: peak memory %.1f MiB (VmHWM of the bootstrap; the REPORT line's Max Memory Used is not measured)\n",
				function, float64(rss)/(1<<20))
		}
	}
	return resp, err
}

// scheduledEvent is an EventBridge scheduled event like events/schedule.json, at t.
func scheduledEvent(t time.Time) []byte {
	return fmt.Appendf(nil, `{"version":"0","id":"%s","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"%s","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/local-seed"],"detail":{}}`,
		uuidV4(), t.UTC().Format(time.RFC3339))
}

func uuidV4() string {
	h := randomHex(16)
	b := []byte(h)
	b[12] = '4'
	b[16] = "89ab"[b[16]%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
}

// envLookup is os.Getenv over a KEY=value list (the last entry of a key wins).
func envLookup(environ []string) func(string) string {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
