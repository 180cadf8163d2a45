// Command local runs the whole hashtag leaderboard on this machine (`make run`): the ingest
// handler every few seconds and the leaderboard handler, API and dashboard, at
// http://localhost:3000, on an embedded Redis and a bundled sample of posts unless REDIS_URL
// and X API credentials say otherwise. It only reads flags and the environment; package
// localapp does the work. Run it with -h for the flags and variables.
//
// LOCAL_NOW (RFC 3339, not in the future) freezes the application clock at that instant; the
// end-to-end test uses it to know exactly which posts each window holds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/localapp"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/logging"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, getenv, stdout, stderr, time.Now())
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "local:", err)
		fmt.Fprintln(stderr, "Run with -h for the flags and environment variables.")
		return 2
	}
	redis.SetLogger(logging.Printf{Log: cfg.Log, Level: slog.LevelDebug}) // go-redis's own messages (dial retries)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	if err := localapp.Run(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, "local:", err)
		return 1
	}
	return 0
}

// usage is the -h text; the defaults in it are the constants of config and localapp.
var usage = fmt.Sprintf(`Usage: go run ./cmd/local [flags]      (or: make run ARGS="-port 8080 -v")

Runs the hashtag leaderboard on this machine: the ingest function at start and then on a schedule,
and the leaderboard function (JSON API and live dashboard) at http://localhost:PORT.
By default everything is local: an embedded in-memory Redis and a bundled sample of posts
served by a local X API v2 stand-in. Ctrl-C stops it.

Flags (a flag wins over its environment variable):
  -port n         port of the leaderboard; 0 picks a free one          [PORT, default %[1]d]
  -interval d     time between ingest runs, e.g. 10s, 1m, or seconds   [INGEST_INTERVAL, default
                  %[2]ds on the sample; %[3]dm on the real X API, where every run spends your plan's quota]
  -redis url      Redis to use instead of the embedded one             [REDIS_URL]
                    redis://[user:password@]host[:port]    rediss:// for TLS
                    ...?cluster=true                       a Redis Cluster or Amazon MemoryDB
                    ...&ca_file=/path/ca.pem               trust this CA (rediss only)
  -host addr      interface to listen on; 0.0.0.0 for all              [default 127.0.0.1]
  -v              verbose: the functions' JSON logs, debug level, and the ingest metric
                  records (JSON for CloudWatch), on stderr (default: warnings and errors only)
  -h              this help

Environment, as for the Lambda functions:
  X_BEARER_TOKEN, or X_API_KEY and X_API_SECRET (deprecated: TWITTER_*)
                  read posts from the real X API instead of the bundled sample
  BOARDS          the boards, a JSON object of board name -> X recent-search query; with the
                  sample default %[9]s
                  (every post, and the posts with #aws: the dashboard's board selector shows)
  SEARCH_QUERY    instead of BOARDS, one board's query; with the X API default %[4]q,
                  LEADERBOARD (%[5]s) its name
  X_DAILY_POST_BUDGET
                  posts X may return per UTC day; default %[10]d on the real X API, none
                  on the sample (it is free: the budget line says what it would cost). The
                  budget accrues over the UTC day (plus one -interval's share), and a board
                  that holds more than it can afford is sampled. Watch a small budget sample
                  the bundled posts:   X_DAILY_POST_BUDGET=300 make run
  EMBED_ORIGINS   origins that may frame the widget (?embed=1): https, or on this machine
                  (http://localhost:8080); default none
  MAX_PAGES (%[6]d), SKIP_SENSITIVE (true), EXCLUDE_HASHTAGS, CACHE_TTL (%[7]d),
  X_API_URL (%[8]s), X_PRICE_PER_POST (%[11]g)
`, localapp.DefaultPort, int(localapp.DefaultInterval/time.Second), int(localapp.DefaultXInterval/time.Minute), localapp.DefaultQuery,
	config.DefaultLeaderboard, config.DefaultMaxPages, int(config.DefaultCacheTTL/time.Second), config.DefaultAPIURL,
	config.BoardsJSON(localapp.SampleBoards), config.DefaultDailyPostBudget, config.DefaultPricePerPost)

// parseFlags reads the flags and their environment variables into a run configuration.
// wall is the current time, against which LOCAL_NOW is checked.
func parseFlags(args []string, getenv func(string) string, stdout, stderr io.Writer, wall time.Time) (localapp.Config, error) {
	cfg := localapp.Config{Getenv: getenv, Out: stdout}
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stdout, usage) }
	port := fs.String("port", "", "")
	interval := fs.String("interval", "", "")
	redisURL := fs.String("redis", "", "")
	host := fs.String("host", "127.0.0.1", "")
	verbose := fs.Bool("v", false, "")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// value returns the flag's value when given, else the environment variable's.
	value := func(flagName, envName string, flagVal string) (string, string) {
		if set[flagName] {
			return flagVal, "-" + flagName
		}
		return strings.TrimSpace(getenv(envName)), envName
	}

	v, name := value("port", "PORT", *port)
	cfg.Port = localapp.DefaultPort
	if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return cfg, fmt.Errorf("%s %q: want a port number 0-65535", name, v)
		}
		cfg.Port = n
	}
	v, name = value("interval", "INGEST_INTERVAL", *interval)
	if v != "" { // else the default: 10s on the sample, 15m on the real X API
		d, err := parseInterval(v)
		if err != nil {
			return cfg, fmt.Errorf("%s %q: %w", name, v, err)
		}
		cfg.Interval = d
	}
	cfg.RedisURL, _ = value("redis", "REDIS_URL", *redisURL)
	if cfg.RedisURL != "" {
		if _, err := localapp.ParseRedisURL(cfg.RedisURL); err != nil {
			return cfg, err
		}
	}
	cfg.Host = strings.TrimSpace(*host)
	if cfg.Host == "" {
		return cfg, errors.New("-host is empty: want an address such as 127.0.0.1 or 0.0.0.0")
	}

	if s := strings.TrimSpace(getenv("LOCAL_NOW")); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return cfg, fmt.Errorf("LOCAL_NOW %q: want an RFC 3339 time such as 2026-11-20T12:00:00Z", s)
		}
		if t.After(wall) {
			return cfg, fmt.Errorf("LOCAL_NOW %s is in the future: the ingest deadline is on the wall clock", s)
		}
		cfg.Now = func() time.Time { return t }
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Metrics = *verbose // the EMF metric records are for CloudWatch: shown with -v only
	return cfg, nil
}

// redisLog sends go-redis's internal log lines to the JSON log at debug level: failures reach
// the user as errors of the calls that failed.
// parseInterval reads a Go duration ("10s", "1m30s") or a whole number of seconds ("10").
func parseInterval(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.Atoi(s)
		if nerr != nil {
			return 0, errors.New("want a duration such as 10s or 1m, or whole seconds")
		}
		d = time.Duration(n) * time.Second
	}
	if d < localapp.MinInterval {
		return 0, fmt.Errorf("want at least %s", localapp.MinInterval)
	}
	return d, nil
}
