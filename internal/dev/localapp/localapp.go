// Package localapp owns running the whole application on one machine (cmd/local, `make run`):
// the real ingest handler on a schedule and the real leaderboard handler behind a local
// Function URL, on a Redis and an X API chosen from the environment.
//
//   - Redis: REDIS_URL when set (see ParseRedisURL: standalone or cluster, TLS or not);
//     otherwise an embedded in-process Redis, github.com/alicebob/miniredis/v2, on a free
//     loopback port with a random password. The store's whole test suite also runs on
//     miniredis (internal/store), so every command and script it uses behaves the same there.
//     Its keys expire on the wall clock like a real server's.
//   - Posts: with X API credentials in the environment (X_BEARER_TOKEN, or X_API_KEY and
//     X_API_SECRET, or X_SECRET_ARN; or their deprecated TWITTER_* aliases) the real X API at
//     X_API_URL, built exactly as the ingest Lambda builds it. Otherwise the bundled
//     sample (package sample), moved to the present and served by the X API v2 stand-in
//     (package xapitest) on a free loopback port, so the real go-twitter client, xapi and
//     the ingest handler do the work. The stand-in filters the sample by each board's query
//     as X would, except SampleQuery, which it answers with every post.
//   - Boards: BOARDS, or LEADERBOARD + SEARCH_QUERY, as for the functions (package config).
//     When none is set, the sample serves SampleBoards (every post, and the posts with #aws),
//     so the dashboard's board selector shows; LEADERBOARD alone is one board of every post.
//     On the real X API the default is one board, "hashtags", with DefaultQuery.
//   - Ingest: the ingest handler, serving every board as the function does, runs once at start
//     and then every Interval (default 10 s on the sample; 15 minutes on the real X API, the
//     deployed schedule, since X bills every post it returns), never two at once, each run with
//     a synthesised EventBridge scheduled event and the Lambda function's 60-second deadline; a
//     run that fails is reported and the next one resumes from the checkpoints. MAX_PAGES,
//     SKIP_SENSITIVE, EXCLUDE_HASHTAGS, X_DAILY_POST_BUDGET and X_PRICE_PER_POST are read and
//     checked as the ingest function reads them; the bundled sample is free, so it is read
//     without a budget unless X_DAILY_POST_BUDGET is set, and the budget line after each run
//     says what the reads would cost on X.
//   - Leaderboard: the leaderboard handler (API, board list and dashboard) of every board
//     behind funcurl, which builds each LambdaFunctionURLRequest as a Function URL does;
//     CACHE_TTL and EMBED_ORIGINS as for the function (EMBED_ORIGINS may also name origins on
//     this machine, http://localhost:8080: config.ParseLocalEmbedOrigins).
//
// The handlers log JSON to Config.Log; the lines meant for a person (the start-up line and one
// line per ingest run) go to Config.Out as plain text. The ingest handler's metric records
// (CloudWatch Embedded Metric Format: JSON with an "_aws" key, for CloudWatch, not for a person)
// reach Config.Log only with Config.Metrics (cmd/local's -v).
//
// Config.Now is the application clock of the store, the stand-in and the ingest handler: the
// instant the sample is moved to, which posts are visible, where the windows start, which UTC
// day the X API reads count on. Tests set it to a fixed instant (cmd/local's LOCAL_NOW). The
// ingest handler's deadline, the leaderboard's response cache and generated_at use the wall
// clock.
package localapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

const (
	// DefaultPort is where the leaderboard is served.
	DefaultPort = 3000
	// DefaultInterval is the time between ingest runs on the bundled sample.
	DefaultInterval = 10 * time.Second
	// DefaultXInterval is the time between ingest runs on the real X API: the deployed
	// schedule's rate(15 minutes), so a local run spends the plan's quota no faster.
	DefaultXInterval = 15 * time.Minute
	// MinInterval is the shortest interval accepted.
	MinInterval = time.Second
	// DefaultQuery is SEARCH_QUERY against the real X API when no board is set (the
	// template's default).
	DefaultQuery = "#aws -is:retweet"
	// SampleQuery is the query the stand-in answers with every post of the sample
	// (xapitest.Options.MatchAllQuery): the query of the sample's default board, and
	// SEARCH_QUERY when only LEADERBOARD is set. It names no hashtag, so none is excluded from
	// counting.
	SampleQuery = "sample -is:retweet"
	// RunTimeout is the deadline of one ingest run: the ingest function's Lambda timeout.
	RunTimeout = 60 * time.Second
)

// Config configures a local run.
type Config struct {
	Host     string        // interface the leaderboard listens on; "" = 127.0.0.1
	Port     int           // its port; 0 = any free port
	Interval time.Duration // time between ingest runs (at least MinInterval); 0: the default
	RedisURL string        // "" = embedded miniredis
	// Getenv reads the functions' other settings and the X API credentials (os.Getenv).
	Getenv func(string) string
	// Now is the application clock (nil: time.Now); see the package comment.
	Now func() time.Time
	Out io.Writer    // start-up and progress lines (nil: discarded)
	Log *slog.Logger // the handlers' logs (nil: discarded)
	// Metrics lets the ingest runs' EMF metric records through to Log (they are dropped
	// otherwise).
	Metrics bool
}

// App is a running local application.
type App struct {
	// URL is the leaderboard's base URL, e.g. http://localhost:3000.
	URL string
	// Posts and Redis describe where posts come from and where counts go, for people.
	Posts, Redis string
	// Boards are the boards served, the first the default (BOARDS or its defaults).
	Boards []config.Board
	// Interval is the time between ingest runs (Config.Interval or its default).
	Interval time.Duration

	cfg      Config
	now      func() time.Time
	log      *slog.Logger
	rdb      redis.UniversalClient
	mini     *miniredis.Miniredis
	xapi     *http.Server
	web      *http.Server
	ingest   *ingest.Handler
	serveErr chan error

	// The X API read budget and price (X_DAILY_POST_BUDGET, X_PRICE_PER_POST), and whether the
	// posts are the bundled sample's, which cost nothing: for the budget line of every run.
	budget       int
	price        float64
	sampleIsFree bool

	mu   sync.Mutex
	runs int
}

// Run starts the application, prints the start-up line, runs ingest every cfg.Interval until
// ctx ends, and shuts everything down. It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg Config) error {
	a, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	out := a.out()
	fmt.Fprintf(out, "Hashtag leaderboard running at %s (JSON: %s/?window=1h&limit=10)\n", a.URL, a.URL)
	fmt.Fprintf(out, "  posts: %s\n", a.Posts)
	fmt.Fprintf(out, "  redis: %s\n", a.Redis)
	fmt.Fprintf(out, "  boards: %s\n", describeBoards(a.Boards))
	fmt.Fprintf(out, "  ingest: now and every %s. Press Ctrl-C to stop.\n", shortDuration(a.Interval))

	loopErr := a.Loop(ctx)
	fmt.Fprintln(out, "Stopping...")
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	closeErr := a.Close(shutdown)
	if err := errors.Join(loopErr, closeErr); err != nil {
		return err
	}
	fmt.Fprintln(out, "Stopped.")
	return nil
}

// Start connects to (or starts) Redis, sets up the post source, the ingest handler and the
// leaderboard, and starts serving the leaderboard. It runs no ingest; see Loop and Ingest.
// On an error, everything already started is stopped.
func Start(ctx context.Context, cfg Config) (a *App, err error) {
	if cfg.Interval != 0 && cfg.Interval < MinInterval {
		return nil, fmt.Errorf("ingest interval %s: want at least %s", cfg.Interval, MinInterval)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("port %d: want 0-65535", cfg.Port)
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	a = &App{cfg: cfg, now: cfg.Now, log: cfg.Log, serveErr: make(chan error, 2)}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = a.Close(closeCtx)
			a = nil
		}
	}()

	rcfg, err := a.startRedis(ctx)
	if err != nil {
		return a, err
	}
	board, err := a.openBoard(ctx, rcfg)
	if err != nil {
		return a, err
	}
	return a, a.wire(ctx, rcfg, board)
}

// SampleBoards are the boards on the sample when none is set: every post, and the posts with
// #aws (whose other hashtags it ranks: the query's own is not counted).
var SampleBoards = []config.Board{{Name: config.DefaultLeaderboard, Query: SampleQuery}, {Name: "aws", Query: "#aws -is:retweet"}}

// wire builds the post source (the real X API, or the bundled sample on the stand-in), the
// handlers and the servers, from the functions' settings as the functions read them.
func (a *App) wire(ctx context.Context, rcfg store.Config, rdb redis.UniversalClient) error {
	getenv := a.cfg.Getenv
	useX := config.XCredentialsSet(getenv)

	a.setInterval(useX)
	var si standIn
	if !useX {
		var err error
		if si, err = a.startStandIn(); err != nil {
			return err
		}
		getenv = overlay(getenv, map[string]string{config.EnvXAPIURL: si.url, config.EnvTwitterAPIURL: ""})
	}
	getenv = a.functionEnv(getenv, useX, rcfg)
	icfg, lcfg, err := loadSettings(getenv)
	if err != nil {
		return err
	}
	icfg.Warn(ctx, a.log)
	a.Boards = icfg.Boards
	a.Posts = a.describePosts(useX, icfg, si.posts)
	stores, byName, err := a.openStores(rdb, icfg)
	if err != nil {
		return err
	}
	sources, err := a.sources(ctx, useX, icfg, si.token)
	if err != nil {
		return err
	}
	if err := a.newIngest(icfg, sources, stores); err != nil {
		return err
	}
	return a.serveLeaderboard(lcfg, byName)
}

// setInterval sets the time between ingest runs: Config.Interval, or the default of the sample
// or of the real X API.
func (a *App) setInterval(useX bool) {
	if a.cfg.Interval == 0 {
		a.cfg.Interval = DefaultInterval
		if useX {
			a.cfg.Interval = DefaultXInterval
		}
	}
	a.Interval = a.cfg.Interval
}

// Close stops the servers and closes Redis; it is safe to call more than once.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	if a.web != nil {
		if err := a.web.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop the leaderboard server: %w", err))
		}
	}
	if a.xapi != nil {
		if err := a.xapi.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop the X API stand-in: %w", err))
		}
	}
	if a.rdb != nil {
		if err := a.rdb.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			errs = append(errs, fmt.Errorf("close redis: %w", err))
		}
	}
	if a.mini != nil {
		a.mini.Close()
	}
	return errors.Join(errs...)
}

// out is where the lines meant for a person go (Config.Out, or nowhere).
func (a *App) out() io.Writer {
	if a.cfg.Out == nil {
		return io.Discard
	}
	return a.cfg.Out
}
