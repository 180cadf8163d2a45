package rie

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
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
//   - X API, for ingest (and the leaderboard's seed run) when no X API credentials are set
//     (config.XCredentialsSet): the X API v2 stand-in on a free loopback port serving the
//     bundled sample (package sample) moved to now, with X_API_URL, a random X_BEARER_TOKEN,
//     SEARCH_QUERY=SampleQuery unless it or BOARDS is set, and
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

	needX := cfg.Function == "ingest"
	if strings.TrimSpace(cfg.Getenv("MEMORYDB_ENDPOINT")) == "" {
		writer, reader, err := l.startRedis(cfg, boards)
		if err != nil {
			return nil, err
		}
		if cfg.Function == "ingest" {
			l.Env = l.redisEnv(writer)
		} else {
			l.Env = l.redisEnv(reader)
			l.SeedEnv = l.redisEnv(writer)
			needX = true
		}
	}

	if needX && !config.XCredentialsSet(cfg.Getenv) {
		url, token, err := l.startX(cfg)
		if err != nil {
			return nil, err
		}
		sampleQuery := strings.TrimSpace(cfg.Getenv("SEARCH_QUERY")) == "" && strings.TrimSpace(cfg.Getenv("BOARDS")) == ""
		xEnv := []string{
			config.EnvXAPIURL + "=" + url, config.EnvXBearerToken + "=" + token,
			config.EnvXSecretARN + "=", config.EnvXAPIKey + "=", config.EnvXAPISecret + "=",
		}
		for _, a := range config.Aliases() { // a TWITTER_* name left in the shell would not be used
			xEnv = append(xEnv, a.Deprecated+"=")
		}
		if sampleQuery {
			xEnv = append(xEnv, "SEARCH_QUERY="+SampleQuery)
		}
		// The bundled sample is free: it is read without a read budget unless the caller sets
		// one (then the budget is paced over the UTC day, as deployed), as make run does.
		if strings.TrimSpace(cfg.Getenv("X_DAILY_POST_BUDGET")) == "" {
			xEnv = append(xEnv, "X_DAILY_POST_BUDGET=0")
		}
		if cfg.Function == "ingest" {
			l.Env = append(l.Env, xEnv...)
		} else {
			l.SeedEnv = append(l.SeedEnv, xEnv...)
		}
	}
	return l, nil
}

// startRedis starts the local redis-server ("default" user off, as on MemoryDB) with the
// writer and reader users of the boards, random passwords, and returns the two users.
func (l *Local) startRedis(cfg LocalConfig, boards []config.Board) (writer, reader redistest.User, err error) {
	board, names := boards[0].Name, config.Names(boards)
	writer = redistest.User{Name: board + "-writer", Password: randomHex(16), Access: store.WriterAccess(names...)}
	reader = redistest.User{Name: board + "-reader", Password: randomHex(16), Access: store.ReaderAccess(names...)}
	l.Redis, err = redistest.StartStandalone(redistest.StandaloneOptions{Users: []redistest.User{writer, reader}, DefaultUserOff: true})
	if err != nil {
		return writer, reader, fmt.Errorf("local redis-server: %w", err)
	}
	cfg.logf("local redis-server on %s (users %s, %s; removed at exit)", l.Redis.Addr, writer.Name, reader.Name)
	return writer, reader, nil
}

// redisEnv is the function's variables for the local redis-server as user u.
func (l *Local) redisEnv(u redistest.User) []string {
	return []string{
		"MEMORYDB_ENDPOINT=" + l.Redis.Addr, "MEMORYDB_TLS=false", "MEMORYDB_CLUSTER=false", "MEMORYDB_CA_FILE=",
		config.EnvMemoryDBSecretARN + "=",
		config.EnvMemoryDBUsername + "=" + u.Name, config.EnvMemoryDBPassword + "=" + u.Password,
	}
}

// startX starts the X API stand-in on a free loopback port, serving the bundled sample moved
// to now with a random bearer token, counts in Posts the sample posts searchable now, and
// returns the stand-in's URL and token.
func (l *Local) startX(cfg LocalConfig) (url, token string, err error) {
	raw, err := sample.Posts()
	if err != nil {
		return "", "", err
	}
	posts, err := sample.Shift(raw, cfg.Now())
	if err != nil {
		return "", "", err
	}
	token = randomHex(24)
	l.X, err = xapitest.New(posts, xapitest.Options{BearerToken: token, MatchAllQuery: SampleQuery})
	if err != nil {
		return "", "", fmt.Errorf("local X API stand-in: %w", err)
	}
	url = l.X.Start()
	now := cfg.Now()
	for _, p := range posts {
		if !p.CreatedAt.After(now) && p.CreatedAt.After(now.Add(-xapitest.Window)) {
			l.Posts++
		}
	}
	cfg.logf("X API stand-in on %s serving %d posts of the bundled sample (the other %d arrive over the next day)", url, l.Posts, len(posts)-l.Posts)
	return url, token, nil
}

// logf writes one line to cfg.Log, if any.
func (cfg LocalConfig) logf(format string, args ...any) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, format+"\n", args...)
	}
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
