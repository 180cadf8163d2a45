// Package localapp owns running the whole application on one machine (cmd/local, `make run`):
// the real ingest handler on a schedule and the real leaderboard handler behind a local
// Function URL, on a Redis and an X API chosen from the environment.
//
//   - Redis: REDIS_URL when set (see ParseRedisURL: standalone or cluster, TLS or not);
//     otherwise an embedded in-process Redis, github.com/alicebob/miniredis/v2, on a free
//     loopback port with a random password. The store's whole test suite also runs on
//     miniredis (internal/store), so every command and script it uses behaves the same there.
//     Its keys expire on the wall clock like a real server's.
//   - Posts: with X API credentials in the environment (TWITTER_BEARER_TOKEN, or
//     TWITTER_API_KEY and TWITTER_API_SECRET, or TWITTER_SECRET_ARN) the real X API at
//     TWITTER_API_URL, built exactly as the ingest Lambda builds it. Otherwise the bundled
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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
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

// startRedis returns the settings of the Redis to use, starting the embedded one if needed.
func (a *App) startRedis(ctx context.Context) (store.Config, error) {
	if a.cfg.RedisURL != "" {
		rcfg, err := ParseRedisURL(a.cfg.RedisURL)
		if err != nil {
			return rcfg, err
		}
		kind := "standalone"
		if rcfg.Cluster {
			kind = "cluster"
		}
		if rcfg.TLS {
			kind += ", TLS"
		}
		a.Redis = fmt.Sprintf("%s (%s)", RedactRedisURL(a.cfg.RedisURL), kind)
		return rcfg, nil
	}
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true) // keys expire on the wall clock, as on a server
	user, password := "local", randomHex(16)
	m.RequireUserAuth(user, password)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return store.Config{}, fmt.Errorf("start the embedded Redis (miniredis): %w", err)
	}
	a.mini = m
	a.Redis = "embedded (miniredis " + m.Addr() + ", in memory: counts are lost at exit)"
	// The embedded Redis runs its Lua in Go (gopher-lua), in this process: a record batch can
	// take a good part of a second (more under -race or a loaded machine), which is no lost
	// connection, so it gets more than the deployed client's 1 s before a retry.
	return store.Config{Addr: m.Addr(), Username: user, Password: password, IOTimeout: 30 * time.Second}, nil
}

// openBoard connects to Redis and checks that it answers.
func (a *App) openBoard(ctx context.Context, rcfg store.Config) (redis.UniversalClient, error) {
	rdb, err := store.NewClient(rcfg)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a.rdb = rdb
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		return nil, fmt.Errorf("redis at %s: %w", a.Redis, err)
	}
	return rdb, nil
}

// SampleBoards are the boards on the sample when none is set: every post, and the posts with
// #aws (whose other hashtags it ranks: the query's own is not counted).
var SampleBoards = []config.Board{{Name: config.DefaultLeaderboard, Query: SampleQuery}, {Name: "aws", Query: "#aws -is:retweet"}}

// wire builds the source, the handlers and the servers.
func (a *App) wire(ctx context.Context, rcfg store.Config, rdb redis.UniversalClient) error {
	getenv := a.cfg.Getenv
	useX := false
	for _, name := range []string{secrets.EnvTwitterBearerToken, secrets.EnvTwitterAPIKey, secrets.EnvTwitterAPISecret, secrets.EnvTwitterSecretARN} {
		if strings.TrimSpace(getenv(name)) != "" {
			useX = true
		}
	}

	var (
		token string
		posts []xapitest.Tweet
	)
	if a.cfg.Interval == 0 {
		a.cfg.Interval = DefaultInterval
		if useX {
			a.cfg.Interval = DefaultXInterval
		}
	}
	a.Interval = a.cfg.Interval
	if !useX {
		raw, err := sample.Posts()
		if err != nil {
			return err
		}
		if posts, err = sample.Shift(raw, a.now()); err != nil {
			return err
		}
		token = randomHex(24)
		standIn, err := xapitest.New(posts, xapitest.Options{BearerToken: token, Now: a.now, MatchAllQuery: SampleQuery})
		if err != nil {
			return fmt.Errorf("start the X API stand-in: %w", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("start the X API stand-in: listen: %w", err)
		}
		a.xapi = newServer(standIn)
		go a.serve(a.xapi, ln, "X API stand-in")
		apiURL := "http://" + ln.Addr().String()
		getenv = overlay(getenv, map[string]string{"TWITTER_API_URL": apiURL})
	}
	// The default boards, when neither BOARDS nor SEARCH_QUERY is set.
	if strings.TrimSpace(getenv("BOARDS")) == "" && strings.TrimSpace(getenv("SEARCH_QUERY")) == "" {
		switch {
		case useX:
			getenv = overlay(getenv, map[string]string{"SEARCH_QUERY": DefaultQuery})
		case strings.TrimSpace(getenv("LEADERBOARD")) == "":
			getenv = overlay(getenv, map[string]string{"BOARDS": config.BoardsJSON(SampleBoards)})
		default: // LEADERBOARD alone: one board of every post
			getenv = overlay(getenv, map[string]string{"SEARCH_QUERY": SampleQuery})
		}
	}
	// The bundled sample is free: without X_DAILY_POST_BUDGET it is read without a budget (the
	// default budget would stop the sample after two runs); the budget line still says what
	// the reads would cost on X.
	a.sampleIsFree = !useX && strings.TrimSpace(getenv("X_DAILY_POST_BUDGET")) == ""
	if a.sampleIsFree {
		getenv = overlay(getenv, map[string]string{"X_DAILY_POST_BUDGET": "0"})
	}
	// The functions' settings, read and checked by the functions' own code. The Redis part is
	// already decided by REDIS_URL: the endpoint given here only satisfies the check.
	getenv = overlay(getenv, map[string]string{"MEMORYDB_ENDPOINT": rcfg.Addr})
	icfg, err := config.LoadIngest(getenv)
	if err != nil {
		return err
	}
	// EMBED_ORIGINS as the function reads it, except that origins on this machine may frame the
	// widget too (http://localhost:8080): a page under development.
	lcfg, err := config.LoadLeaderboard(overlay(getenv, map[string]string{"EMBED_ORIGINS": ""}))
	if err != nil {
		return err
	}
	if lcfg.EmbedOrigins, err = config.ParseLocalEmbedOrigins(getenv("EMBED_ORIGINS")); err != nil {
		return err
	}
	a.Boards = icfg.Boards

	var env *coldstart.Env
	if useX {
		env = &coldstart.Env{Getenv: getenv, Log: a.log, Secrets: secrets.NewLoader()}
		a.Posts = fmt.Sprintf("the X API at %s", icfg.APIURL)
	} else {
		visible := 0
		now := a.now()
		for _, p := range posts {
			if !p.CreatedAt.After(now) {
				visible++
			}
		}
		a.Posts = fmt.Sprintf("bundled sample via a local X API v2 stand-in (%d posts from the last 7 days, %d more arriving over the next 24 hours)",
			visible, len(posts)-visible)
	}
	ingestLog := a.log
	if !a.cfg.Metrics {
		ingestLog = slog.New(withoutMetrics{a.log.Handler()})
	}
	stores := make([]*store.Store, len(icfg.Boards))
	byName := map[string]*store.Store{}
	for i, b := range icfg.Boards {
		if stores[i], err = store.New(rdb, b.Name, store.WithClock(a.now), store.WithTrendingMinAuthors(icfg.TrendingMinAuthors)); err != nil {
			return fmt.Errorf("BOARDS: %w", err)
		}
		byName[b.Name] = stores[i]
	}
	sources := make([]*xapi.Source, len(icfg.Boards))
	if useX {
		if sources, err = env.Sources(ctx, icfg); err != nil {
			return err
		}
	} else {
		for i, b := range icfg.Boards {
			if sources[i], err = xapi.New(xapi.Config{BaseURL: icfg.APIURL, BearerToken: xapi.BearerToken(token), Query: b.Query, Logger: a.log, Now: a.now}); err != nil {
				return fmt.Errorf("BOARDS: board %q: %w", b.Name, err)
			}
		}
	}
	feeds, err := ingest.Feeds(icfg.Boards, sources, stores)
	if err != nil {
		return err
	}
	a.budget, a.price = icfg.DailyPostBudget, icfg.PricePerPost
	if a.ingest, err = ingest.New(feeds, stores[0].Quota(), ingest.Config{
		MaxPages: icfg.MaxPages, SkipSensitive: icfg.SkipSensitive, Exclude: icfg.Exclude,
		DailyPostBudget: icfg.DailyPostBudget, PricePerPost: icfg.PricePerPost, Interval: a.Interval, Now: a.now, Logger: ingestLog,
	}); err != nil {
		return err
	}

	boards := make([]leaderboard.Named, len(lcfg.Boards))
	for i, b := range lcfg.Boards {
		boards[i] = leaderboard.Named{Name: b.Name, Query: b.Query, Board: byName[b.Name]}
	}
	lb, err := leaderboard.New(boards, leaderboard.Config{CacheTTL: lcfg.CacheTTL, EmbedOrigins: lcfg.EmbedOrigins, Logger: a.log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(a.cfg.Host, strconv.Itoa(a.cfg.Port)))
	if err != nil {
		return fmt.Errorf("leaderboard: listen on port %d: %w", a.cfg.Port, err)
	}
	a.web = newServer(funcurl.Handler(lb.Handle, a.log))
	go a.serve(a.web, ln, "leaderboard")
	a.URL = "http://" + net.JoinHostPort(displayHost(a.cfg.Host), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	return nil
}

// describeBoards names the boards and their queries for the start-up lines.
func describeBoards(boards []config.Board) string {
	parts := make([]string, len(boards))
	for i, b := range boards {
		q := strconv.Quote(b.Query)
		if b.Query == SampleQuery {
			q = "every post"
		}
		parts[i] = fmt.Sprintf("%q (%s)", b.Name, q)
	}
	return strings.Join(parts, ", ")
}

// withoutMetrics drops the records that carry an "_aws" attribute: CloudWatch Embedded Metric
// Format records, which the ingest handler writes to its log for CloudWatch to turn into
// metrics.
type withoutMetrics struct{ slog.Handler }

func (h withoutMetrics) Handle(ctx context.Context, r slog.Record) error {
	emf := false
	r.Attrs(func(a slog.Attr) bool {
		emf = a.Key == "_aws"
		return !emf
	})
	if emf {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h withoutMetrics) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutMetrics{h.Handler.WithAttrs(attrs)}
}

func (h withoutMetrics) WithGroup(name string) slog.Handler {
	return withoutMetrics{h.Handler.WithGroup(name)}
}

// The local servers' timeouts: a client that trickles its request, or never reads the answer,
// or keeps an idle connection open, gives its connection up after these.
const (
	headerTimeout = 10 * time.Second // the request line and headers
	readTimeout   = 30 * time.Second // the whole request, body included
	writeTimeout  = 30 * time.Second // from the end of the headers to the end of the answer
	idleTimeout   = 2 * time.Minute  // a kept-alive connection between requests
)

// newServer is an HTTP server of h with the local servers' timeouts.
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

func (a *App) serve(srv *http.Server, ln net.Listener, what string) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.serveErr <- fmt.Errorf("%s server: %w", what, err)
	}
}

// Ingest runs the ingest handler once, as the schedule would, and returns its result.
func (a *App) Ingest(ctx context.Context) (ingest.Result, error) {
	_, res, err := a.ingestRun(ctx)
	return res, err
}

// ingestRun is Ingest that also returns the run's number (1 for the first).
func (a *App) ingestRun(ctx context.Context) (int, ingest.Result, error) {
	a.mu.Lock()
	a.runs++
	n := a.runs
	a.mu.Unlock()
	runCtx, cancel := context.WithTimeout(ctx, RunTimeout)
	defer cancel()
	res, err := a.ingest.Handle(runCtx, ScheduledEvent(a.now()))
	return n, res, err
}

// Loop runs Ingest now and then every cfg.Interval (skipping ticks while a run is still
// going) and prints one line per run, until ctx ends (nil) or a server fails (its error).
func (a *App) Loop(ctx context.Context) error {
	tick := time.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	for {
		n, res, err := a.ingestRun(ctx)
		if ctx.Err() != nil {
			return nil // interrupted: the run's outcome says nothing
		}
		fmt.Fprintln(a.out(), Progress(time.Now(), n, res, err))
		fmt.Fprintln(a.out(), Budget(res, a.budget, a.price, a.sampleIsFree))
		select {
		case <-ctx.Done():
			return nil
		case err := <-a.serveErr:
			return err
		case <-tick.C:
		}
	}
}

// Progress is the line printed for ingest run n that ended at wall time at.
func Progress(at time.Time, n int, res ingest.Result, err error) string {
	head := fmt.Sprintf("%s ingest #%d: %s, %s, %d new, %s counted", at.Format("15:04:05"), n,
		plural(res.Pages, "page"), plural(res.PostsFetched, "post"), res.PostsNew, plural(res.HashtagsCounted, "hashtag"))
	if res.PostsHad > res.PostsFetched {
		head += fmt.Sprintf(" (a sample: %.1f%% of the %d posts X had there)", 100*res.Coverage, res.PostsHad)
	}
	switch {
	case err != nil:
		return head + "; failed: " + err.Error()
	case res.RateLimited:
		return head + "; rate limited by the X API, resuming after its reset"
	case res.BudgetExhausted:
		return head + "; the X API read budget accrued so far is spent, more accrues through the UTC day"
	case res.Complete:
		return head + "; caught up"
	default:
		return head + "; more to fetch next run"
	}
}

// Budget is the line printed after a run's progress line: the posts X returned today and what
// they cost at price (USD a post) against budget (0: none); free says the posts are the bundled
// sample's, which cost nothing.
func Budget(res ingest.Result, budget int, price float64, free bool) string {
	line := fmt.Sprintf("         x api: %s read today", plural(int(res.PostsReadToday), "post"))
	if budget > 0 {
		line += fmt.Sprintf(" of a daily budget of %d", budget)
	}
	cost := fmt.Sprintf("$%.2f at $%g a post", float64(res.PostsReadToday)*price, price)
	if free {
		return line + "; the bundled sample is free (on X: " + cost + ")"
	}
	return line + ", about " + cost
}

// shortDuration formats d without trailing zero units: 10s, 15m, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// ScheduledEvent is the EventBridge scheduled event of a run at now, shaped like the events a
// schedule rule delivers (events/schedule.json), in a made-up local account and Region.
func ScheduledEvent(now time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{
		Version:    "0",
		ID:         newUUID(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  "000000000000",
		Time:       now.UTC().Truncate(time.Second),
		Region:     "local",
		Resources:  []string{"arn:aws:events:local:000000000000:rule/local-ingest-schedule"},
		Detail:     json.RawMessage("{}"),
	}
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

func (a *App) out() io.Writer {
	if a.cfg.Out == nil {
		return io.Discard
	}
	return a.cfg.Out
}

// overlay returns getenv with the given variables replaced.
func overlay(getenv func(string) string, vars map[string]string) func(string) string {
	return func(name string) string {
		if v, ok := vars[name]; ok {
			return v
		}
		return getenv(name)
	}
}

// displayHost is how the URL names the listening host: localhost for loopback and
// all-interfaces addresses.
func displayHost(host string) string {
	switch host {
	case "", "127.0.0.1", "::1", "localhost", "0.0.0.0", "::":
		return "localhost"
	}
	return host
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
