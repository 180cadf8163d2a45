package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestLoadIngestDefaults(t *testing.T) {
	c, err := LoadIngest(env("MEMORYDB_ENDPOINT", "clustercfg.x.memorydb.us-east-1.amazonaws.com:6379", "SEARCH_QUERY", "#aws -is:retweet"))
	if err != nil {
		t.Fatal(err)
	}
	want := Ingest{
		Redis: Redis{Endpoint: "clustercfg.x.memorydb.us-east-1.amazonaws.com:6379", TLS: true, Cluster: true, Leaderboard: "hashtags",
			Credentials: RedisSource{Vars: RedisVars{"MEMORYDB_SECRET_ARN", "MEMORYDB_USERNAME", "MEMORYDB_PASSWORD"}}},
		Boards: []Board{{Name: "hashtags", Query: "#aws -is:retweet"}},
		APIURL: "https://api.x.com", MaxPages: 10, SkipSensitive: true,
	}
	if c.Redis != want.Redis || !slices.Equal(c.Boards, want.Boards) || c.APIURL != want.APIURL || c.MaxPages != 10 || !c.SkipSensitive || c.Exclude != nil ||
		c.TrendingMinAuthors != 5 || c.DailyPostBudget != 2000 || c.PricePerPost != 0.005 || c.Deprecated != nil ||
		c.X != (XSource{Vars: XVars{"X_SECRET_ARN", "X_BEARER_TOKEN", "X_API_KEY", "X_API_SECRET"}}) {
		t.Errorf("got %+v, want %+v", c, want)
	}
}

func TestLoadIngestValues(t *testing.T) {
	c, err := LoadIngest(env("MEMORYDB_ENDPOINT", "127.0.0.1:7000", "MEMORYDB_TLS", "false", "MEMORYDB_CLUSTER", "0",
		"SEARCH_QUERY", "golang", "MAX_PAGES", "3", "SKIP_SENSITIVE", "false", "EXCLUDE_HASHTAGS", " #Go, news ,,",
		"LEADERBOARD", "golang", "X_API_URL", "http://127.0.0.1:9999", "TRENDING_MIN_AUTHORS", "12",
		"X_DAILY_POST_BUDGET", "0", "X_PRICE_PER_POST", " 0.0125 "))
	if err != nil {
		t.Fatal(err)
	}
	if c.TLS || c.Cluster || c.MaxPages != 3 || c.SkipSensitive || strings.Join(c.Exclude, "|") != "#Go|news" ||
		c.Leaderboard != "golang" || c.APIURL != "http://127.0.0.1:9999" || c.TrendingMinAuthors != 12 ||
		c.DailyPostBudget != 0 || c.PricePerPost != 0.0125 {
		t.Errorf("got %+v", c)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	ok := []string{"MEMORYDB_ENDPOINT", "h:1", "SEARCH_QUERY", "q"}
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"no endpoint", []string{"SEARCH_QUERY", "q"}, "MEMORYDB_ENDPOINT"},
		{"endpoint without port", []string{"MEMORYDB_ENDPOINT", "host", "SEARCH_QUERY", "q"}, "MEMORYDB_ENDPOINT"},
		{"bad tls", append(ok, "MEMORYDB_TLS", "yes please"), "MEMORYDB_TLS"},
		{"bad cluster", append(ok, "MEMORYDB_CLUSTER", "maybe"), "MEMORYDB_CLUSTER"},
		{"no query", []string{"MEMORYDB_ENDPOINT", "h:1"}, "SEARCH_QUERY"},
		{"bad pages", append(ok, "MAX_PAGES", "ten"), "MAX_PAGES"},
		{"zero pages", append(ok, "MAX_PAGES", "0"), "MAX_PAGES"},
		{"pages over the cap", append(ok, "MAX_PAGES", "101"), "MAX_PAGES"},
		{"bad sensitive", append(ok, "SKIP_SENSITIVE", "nope"), "SKIP_SENSITIVE"},
		{"bad excluded hashtag", append(ok, "EXCLUDE_HASHTAGS", "news, has space"), "EXCLUDE_HASHTAGS"},
		{"zero min authors", append(ok, "TRENDING_MIN_AUTHORS", "0"), "TRENDING_MIN_AUTHORS"},
		{"bad min authors", append(ok, "TRENDING_MIN_AUTHORS", "five"), "TRENDING_MIN_AUTHORS"},
		{"negative budget", append(ok, "X_DAILY_POST_BUDGET", "-1"), "X_DAILY_POST_BUDGET"},
		{"budget with a unit", append(ok, "X_DAILY_POST_BUDGET", "2000posts"), "X_DAILY_POST_BUDGET"},
		{"huge budget", append(ok, "X_DAILY_POST_BUDGET", "10000001"), "X_DAILY_POST_BUDGET"},
		{"price with a currency", append(ok, "X_PRICE_PER_POST", "$0.005"), "X_PRICE_PER_POST"},
		{"negative price", append(ok, "X_PRICE_PER_POST", "-0.005"), "X_PRICE_PER_POST"},
		{"price NaN", append(ok, "X_PRICE_PER_POST", "NaN"), "X_PRICE_PER_POST"},
		{"price in hex", append(ok, "X_PRICE_PER_POST", "0x1p-8"), "X_PRICE_PER_POST"},
		{"price too high", append(ok, "X_PRICE_PER_POST", "5"), "X_PRICE_PER_POST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIngest(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestLoadLeaderboard(t *testing.T) {
	c, err := LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1"))
	if err != nil || c.CacheTTL != 5*time.Second {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	c, err = LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1", "CACHE_TTL", "0"))
	if err != nil || c.CacheTTL != 0 {
		t.Errorf("CACHE_TTL=0: %+v, %v", c, err)
	}
	for _, bad := range []string{"-1", "5s", "99999"} {
		if _, err := LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1", "CACHE_TTL", bad)); err == nil || !strings.Contains(err.Error(), "CACHE_TTL") {
			t.Errorf("CACHE_TTL=%s: %v", bad, err)
		}
	}
}
