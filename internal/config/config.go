// Package config owns the functions' environment contract: it reads and checks the variables
// both Lambda functions (and the local runner) are configured with, and names the variable
// in every error. Credentials are not here: package secrets resolves them.
package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// The defaults of the variables, defined here once: the handlers, the X API client, the local
// runner and its help text refer to these.
const (
	DefaultLeaderboard = "hashtags"          // LEADERBOARD
	DefaultAPIURL      = "https://api.x.com" // TWITTER_API_URL
	DefaultMaxPages    = 10                  // MAX_PAGES
	MaxMaxPages        = 1000                // MAX_PAGES upper bound
	DefaultCacheTTL    = 5 * time.Second     // CACHE_TTL
	MaxCacheTTL        = time.Hour           // CACHE_TTL upper bound
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
	Endpoint    string // MEMORYDB_ENDPOINT, host:port (required)
	TLS         bool   // MEMORYDB_TLS, default true
	Cluster     bool   // MEMORYDB_CLUSTER, default true (MemoryDB always runs in cluster mode)
	CAFile      string // MEMORYDB_CA_FILE, optional PEM bundle (local TLS test clusters only)
	Leaderboard string // the default (first) board's name: see Boards
}

// Ingest is the ingest function's configuration.
type Ingest struct {
	Redis
	Boards        []Board  // BOARDS, or LEADERBOARD + SEARCH_QUERY (every board has a query)
	APIURL        string   // TWITTER_API_URL, default DefaultAPIURL
	MaxPages      int      // MAX_PAGES, default DefaultMaxPages
	SkipSensitive bool     // SKIP_SENSITIVE, default true
	Exclude       []string // EXCLUDE_HASHTAGS, comma-separated
	// TrendingMinAuthors is TRENDING_MIN_AUTHORS, default DefaultTrendingMinAuthors: the
	// fewest distinct authors a hashtag needs in a window to be listed as trending (the view
	// is made as ingest records).
	TrendingMinAuthors int
	// DailyPostBudget is X_DAILY_POST_BUDGET, default DefaultDailyPostBudget; 0 = no limit.
	DailyPostBudget int
	PricePerPost    float64 // X_PRICE_PER_POST in USD, default DefaultPricePerPost
	// Interval is the time between ingest runs, from SCHEDULE_EXPRESSION (the template's
	// ScheduleExpression, rate(...) or cron(...): see ParseSchedule), default DefaultInterval.
	// The read budget accrues over the day; a run may spend a further interval's share.
	Interval time.Duration
}

// Leaderboard is the leaderboard function's configuration.
type Leaderboard struct {
	Redis
	Boards   []Board       // BOARDS, or LEADERBOARD (+ SEARCH_QUERY, shown by GET /boards)
	CacheTTL time.Duration // CACHE_TTL in seconds, default DefaultCacheTTL; 0 turns the cache off
	// EmbedOrigins (EMBED_ORIGINS) may frame the dashboard's widget (?embed=1); default none.
	EmbedOrigins []string
}

// LoadRedis reads the Redis variables through getenv (os.Getenv in the mains).
func LoadRedis(getenv func(string) string) (Redis, error) {
	r := Redis{Endpoint: strings.TrimSpace(getenv("MEMORYDB_ENDPOINT")), CAFile: getenv("MEMORYDB_CA_FILE")}
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
	c := Ingest{Redis: r, APIURL: strings.TrimSpace(getenv("TWITTER_API_URL"))}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
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
