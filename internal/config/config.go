// Package config owns the functions' environment contract: it reads and checks the variables
// both Lambda functions (and the local runner) are configured with, owns every limit and
// default of them, and names the variable in every error. It is the one deployed package that
// names a variable (archtest checks it against Variables): the other packages name their own
// fields, and get their settings from here. Credentials are read from where config says they
// are (RedisSource, XSource) by package secrets; the log level is LogLevel.
//
// The X settings are X_* (X_API_URL, X_SECRET_ARN, X_BEARER_TOKEN, X_API_KEY, X_API_SECRET,
// X_DAILY_POST_BUDGET, X_PRICE_PER_POST). The TWITTER_* names of the first five are deprecated
// aliases (Aliases): still read, and the ingest function warns once per cold start (Warn).
package config

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// The limits and defaults of the variables, defined here once: the handlers, the X API client,
// the local runner and its help text refer to these, and templatetest checks the templates'
// parameters (MinValue, MaxValue, Default) against them.
const (
	DefaultLeaderboard = "hashtags"          // LEADERBOARD
	DefaultAPIURL      = "https://api.x.com" // X_API_URL
	// DefaultMaxPages and MaxMaxPages bound MAX_PAGES. One page is one X request of up to 100
	// posts plus its record, about half a second; the ingest function has 60 s less a 5 s
	// margin, so 100 pages is about what one run can read at all, and 10,000 posts ($50 at
	// DefaultPricePerPost) is as much as one run should be allowed to spend.
	DefaultMaxPages = 10
	MaxMaxPages     = 100
	DefaultCacheTTL = 5 * time.Second // CACHE_TTL
	// MaxCacheTTL bounds CACHE_TTL here; the templates' CacheTtlSeconds allows less (300).
	MaxCacheTTL = time.Hour
	// DefaultTrendingMinAuthors is TRENDING_MIN_AUTHORS's default: the store's.
	DefaultTrendingMinAuthors = store.DefaultTrendingMinAuthors
	MaxTrendingMinAuthors     = 1000 // TRENDING_MIN_AUTHORS upper bound
	// DefaultDailyPostBudget (X_DAILY_POST_BUDGET) is the posts X may return per UTC day, all
	// boards together: about $10 a day at DefaultPricePerPost.
	DefaultDailyPostBudget = 2000
	MaxDailyPostBudget     = 10_000_000 // X_DAILY_POST_BUDGET upper bound
	// DefaultPricePerPost (X_PRICE_PER_POST) is X's price of a post read, in USD: "Posts Read"
	// on X's pay-per-use pricing since February 2026.
	DefaultPricePerPost = 0.005
	MaxPricePerPost     = 1.0 // X_PRICE_PER_POST upper bound
)

// Redis says where the leaderboard's Redis (MemoryDB) is.
type Redis struct {
	// Endpoint is host:port of the cluster's configuration endpoint.
	//
	// Variable: MEMORYDB_ENDPOINT. Required.
	Endpoint string
	// TLS connects with TLS, verifying the server's certificate.
	//
	// Variable: MEMORYDB_TLS. Default: true.
	TLS bool
	// Cluster speaks the cluster protocol (MemoryDB always runs in cluster mode).
	//
	// Variable: MEMORYDB_CLUSTER. Default: true.
	Cluster bool
	// CAFile is a PEM bundle to trust instead of the system roots (local TLS test clusters).
	//
	// Variable: MEMORYDB_CA_FILE. Default: none.
	CAFile string
	// Leaderboard is the default (first) board's name: see Boards.
	Leaderboard string
	// Credentials says where the Redis user's credentials are (package secrets reads them).
	Credentials RedisSource
}

// Ingest is the ingest function's configuration.
type Ingest struct {
	Redis
	// Boards are the boards, every one with a query.
	//
	// Variables: BOARDS, or LEADERBOARD + SEARCH_QUERY.
	Boards []Board
	// APIURL is the X API's base URL.
	//
	// Variable: X_API_URL (deprecated alias: TWITTER_API_URL). Default: DefaultAPIURL.
	APIURL string
	// X says where the X API credentials are (package secrets reads them).
	X XSource
	// MaxPages is the most pages of up to 100 posts a run reads, all boards together.
	//
	// Variable: MAX_PAGES, 1 to MaxMaxPages. Default: DefaultMaxPages.
	MaxPages int
	// SkipSensitive does not count the hashtags of posts X marks possibly_sensitive.
	//
	// Variable: SKIP_SENSITIVE. Default: true.
	SkipSensitive bool
	// Exclude are hashtags never counted, on any board.
	//
	// Variable: EXCLUDE_HASHTAGS, comma-separated. Default: none.
	Exclude []string
	// TrendingMinAuthors is the fewest distinct authors a hashtag needs in a window to be
	// listed as trending (the view is made as ingest records).
	//
	// Variable: TRENDING_MIN_AUTHORS, 1 to MaxTrendingMinAuthors.
	// Default: DefaultTrendingMinAuthors.
	TrendingMinAuthors int
	// DailyPostBudget is the posts X may return per UTC day, all boards and runs together;
	// 0 is no limit.
	//
	// Variable: X_DAILY_POST_BUDGET, 0 to MaxDailyPostBudget. Default: DefaultDailyPostBudget.
	DailyPostBudget int
	// PricePerPost is X's price of a post read in USD, for the spend estimate in the log.
	//
	// Variable: X_PRICE_PER_POST, 0 to MaxPricePerPost. Default: DefaultPricePerPost.
	PricePerPost float64
	// Interval is the time between ingest runs: the read budget accrues over the day, and a
	// run may spend a further interval's share.
	//
	// Variable: SCHEDULE_EXPRESSION (the template's ScheduleExpression, rate(...) or
	// cron(...): see ParseSchedule). Default: DefaultInterval.
	Interval time.Duration
	// Deprecated lists the deprecated variable names the load found set: Warn logs them.
	Deprecated []Deprecation
}

// Warn logs one warning for each deprecated variable name the configuration was read from.
func (c Ingest) Warn(ctx context.Context, log *slog.Logger) {
	for _, d := range c.Deprecated {
		d.Warn(ctx, log)
	}
}

// Leaderboard is the leaderboard function's configuration.
type Leaderboard struct {
	Redis
	// Boards are the boards; their queries are optional here (shown by GET /boards).
	//
	// Variables: BOARDS, or LEADERBOARD (+ SEARCH_QUERY).
	Boards []Board
	// CacheTTL is how long a warm function serves a read from memory; 0 turns the cache off.
	//
	// Variable: CACHE_TTL in whole seconds, 0 to MaxCacheTTL. Default: DefaultCacheTTL.
	CacheTTL time.Duration
	// EmbedOrigins may frame the dashboard's widget (?embed=1): see ParseEmbedOrigins.
	//
	// Variable: EMBED_ORIGINS, comma-separated. Default: none.
	EmbedOrigins []string
}

// LoadRedis reads the Redis variables through getenv (os.Getenv in the mains).
func LoadRedis(getenv func(string) string) (Redis, error) {
	r := Redis{Endpoint: strings.TrimSpace(getenv("MEMORYDB_ENDPOINT")), CAFile: getenv("MEMORYDB_CA_FILE"),
		Credentials: loadRedisSource(&lookup{getenv: getenv})}
	if r.Endpoint == "" {
		return r, fmt.Errorf("MEMORYDB_ENDPOINT is not set: want host:port of the cluster endpoint")
	}
	if host, port, err := net.SplitHostPort(r.Endpoint); err != nil || host == "" || port == "" {
		return r, fmt.Errorf("MEMORYDB_ENDPOINT %q: want host:port", r.Endpoint)
	}
	var err error
	if r.TLS, err = boolVar(getenv, "MEMORYDB_TLS", true); err != nil {
		return r, err
	}
	if r.Cluster, err = boolVar(getenv, "MEMORYDB_CLUSTER", true); err != nil {
		return r, err
	}
	boards, err := loadBoards(getenv, false)
	if err != nil {
		return r, err
	}
	r.Leaderboard = boards[0].Name
	return r, nil
}

// LoadIngest reads the ingest function's variables.
func LoadIngest(getenv func(string) string) (Ingest, error) {
	r, err := LoadRedis(getenv)
	if err != nil {
		return Ingest{}, err
	}
	e := &lookup{getenv: getenv}
	c := Ingest{Redis: r, APIURL: strings.TrimSpace(e.get(EnvXAPIURL)), X: loadXSource(e)}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.Deprecated = e.deprecated
	if err := checkAPIURL(c.APIURL); err != nil {
		return c, fmt.Errorf("%s: %w", e.name(EnvXAPIURL), err)
	}
	if c.Boards, err = loadBoards(getenv, true); err != nil {
		return c, err
	}
	if c.MaxPages, err = intVar(getenv, "MAX_PAGES", DefaultMaxPages, 1, MaxMaxPages); err != nil {
		return c, err
	}
	if c.SkipSensitive, err = boolVar(getenv, "SKIP_SENSITIVE", true); err != nil {
		return c, err
	}
	if c.TrendingMinAuthors, err = intVar(getenv, "TRENDING_MIN_AUTHORS", DefaultTrendingMinAuthors, 1, MaxTrendingMinAuthors); err != nil {
		return c, err
	}
	for _, t := range strings.Split(getenv("EXCLUDE_HASHTAGS"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			if _, err := hashtag.Normalize(t); err != nil {
				return c, fmt.Errorf("EXCLUDE_HASHTAGS: %q: %w", t, err)
			}
			c.Exclude = append(c.Exclude, t)
		}
	}
	if c.DailyPostBudget, err = intVar(getenv, "X_DAILY_POST_BUDGET", DefaultDailyPostBudget, 0, MaxDailyPostBudget); err != nil {
		return c, err
	}
	if c.PricePerPost, err = priceVar(getenv, "X_PRICE_PER_POST", DefaultPricePerPost, MaxPricePerPost); err != nil {
		return c, err
	}
	c.Interval = DefaultInterval
	if v := strings.TrimSpace(getenv("SCHEDULE_EXPRESSION")); v != "" {
		if c.Interval, err = ParseSchedule(v); err != nil {
			return c, fmt.Errorf("SCHEDULE_EXPRESSION: %w", err)
		}
	}
	return c, nil
}

// LoadLeaderboard reads the leaderboard function's variables.
func LoadLeaderboard(getenv func(string) string) (Leaderboard, error) {
	r, err := LoadRedis(getenv)
	if err != nil {
		return Leaderboard{}, err
	}
	secs, err := intVar(getenv, "CACHE_TTL", int(DefaultCacheTTL/time.Second), 0, int(MaxCacheTTL/time.Second))
	if err != nil {
		return Leaderboard{}, err
	}
	boards, err := loadBoards(getenv, false)
	if err != nil {
		return Leaderboard{}, err
	}
	origins, err := ParseEmbedOrigins(getenv("EMBED_ORIGINS"))
	if err != nil {
		return Leaderboard{}, err
	}
	return Leaderboard{Redis: r, Boards: boards, CacheTTL: time.Duration(secs) * time.Second, EmbedOrigins: origins}, nil
}

// checkAPIURL checks an X API base URL as the X API client does (xapi.New): http or https, a
// host, no query or fragment.
func checkAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an http(s) base URL like %s", raw, DefaultAPIURL)
	}
	return nil
}

func boolVar(getenv func(string) string, name string, def bool) (bool, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s %q: want true or false", name, v)
	}
	return b, nil
}

func intVar(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("%s %q: want a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// priceVar reads a price in USD: a plain decimal number from 0 to hi.
func priceVar(getenv func(string) string, name string, def, hi float64) (float64, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= hi) || strings.ContainsAny(v, "xXeEpPnNiI_") {
		return def, fmt.Errorf("%s %q: want a price in USD per post from 0 to %g, e.g. %g", name, v, hi, DefaultPricePerPost)
	}
	return f, nil
}
