package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

const endpoint = "h:1"

// TestAliases: each X_* setting is read from its deprecated TWITTER_* alias when only that is
// set, the X_* value wins when both are, and the load reports each alias it saw once.
func TestAliases(t *testing.T) {
	get := map[string]func(Ingest) string{
		EnvXAPIURL: func(c Ingest) string { return c.APIURL }, EnvXSecretARN: func(c Ingest) string { return c.X.SecretARN },
		EnvXBearerToken: func(c Ingest) string { return c.X.BearerToken }, EnvXAPIKey: func(c Ingest) string { return c.X.APIKey },
		EnvXAPISecret: func(c Ingest) string { return c.X.APISecret },
	}
	value := func(name string) string {
		if strings.HasSuffix(name, "_URL") {
			return "http://" + strings.ToLower(strings.ReplaceAll(name, "_", "-")) + ".example"
		}
		return "v-" + name
	}
	if len(aliases) != len(get) {
		t.Fatalf("%d aliases, the test knows %d", len(aliases), len(get))
	}
	for _, a := range aliases {
		tests := []struct {
			name string
			env  []string
			want string
			dep  []Deprecation
		}{
			{"new only", []string{a.Name, value(a.Name)}, value(a.Name), nil},
			{"alias only", []string{a.Deprecated, value(a.Deprecated)}, value(a.Deprecated), []Deprecation{{Alias: a}}},
			{"both, differ", []string{a.Name, value(a.Name), a.Deprecated, value(a.Deprecated)}, value(a.Name),
				[]Deprecation{{Alias: a, Both: true, Conflict: true}}},
			{"both, same", []string{a.Name, value(a.Name), a.Deprecated, " " + value(a.Name)}, value(a.Name),
				[]Deprecation{{Alias: a, Both: true}}},
			{"new empty, alias set", []string{a.Name, " ", a.Deprecated, value(a.Deprecated)}, value(a.Deprecated),
				[]Deprecation{{Alias: a}}},
			{"alias empty", []string{a.Name, value(a.Name), a.Deprecated, ""}, value(a.Name), nil},
		}
		for _, tc := range tests {
			t.Run(a.Name+"/"+tc.name, func(t *testing.T) {
				c, err := LoadIngest(env(append([]string{"MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q"}, tc.env...)...))
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimSpace(get[a.Name](c)); got != tc.want {
					t.Errorf("%s = %q, want %q", a.Name, got, tc.want)
				}
				if !slices.Equal(c.Deprecated, tc.dep) {
					t.Errorf("Deprecated = %+v, want %+v", c.Deprecated, tc.dep)
				}
			})
		}
	}
}

// TestAliasNamesInVars: the credentials' sources name the variable each value came from, so
// package secrets' errors name what the operator set.
func TestAliasNamesInVars(t *testing.T) {
	c, err := LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q", "TWITTER_API_KEY", "k", "X_API_SECRET", "s",
		"X_SECRET_ARN", "arn:x", "TWITTER_SECRET_ARN", "arn:y"))
	if err != nil {
		t.Fatal(err)
	}
	want := XVars{SecretARN: "X_SECRET_ARN", BearerToken: "X_BEARER_TOKEN", APIKey: "TWITTER_API_KEY", APISecret: "X_API_SECRET"}
	if c.X.Vars != want || c.X.SecretARN != "arn:x" {
		t.Errorf("X = %+v, Vars %+v; want the ARN of X_SECRET_ARN and Vars %+v", c.X, c.X.Vars, want)
	}
	// Only aliases set: the unset fields are named by their aliases too.
	c, err = LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q", "TWITTER_API_KEY", "k"))
	if err != nil {
		t.Fatal(err)
	}
	want = XVars{SecretARN: "TWITTER_SECRET_ARN", BearerToken: "TWITTER_BEARER_TOKEN", APIKey: "TWITTER_API_KEY", APISecret: "TWITTER_API_SECRET"}
	if c.X.Vars != want {
		t.Errorf("aliases only: Vars %+v, want %+v", c.X.Vars, want)
	}
	if c.Credentials.Vars.SecretARN != EnvMemoryDBSecretARN {
		t.Errorf("Redis Vars %+v", c.Credentials.Vars)
	}
	if _, err := LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q", "TWITTER_API_URL", "ftp://x")); err == nil ||
		!strings.Contains(err.Error(), "TWITTER_API_URL") {
		t.Errorf("a bad URL in the alias: %v, want an error naming TWITTER_API_URL", err)
	}
	if _, err := LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q", "X_API_URL", "api.x.com")); err == nil ||
		!strings.Contains(err.Error(), "X_API_URL") {
		t.Errorf("a bad URL: %v, want an error naming X_API_URL", err)
	}
}

// TestDeprecationWarnings: one warning per alias, naming both variables and never the value.
func TestDeprecationWarnings(t *testing.T) {
	const secret = "tok-0123456789-SECRET"
	tests := []struct {
		name string
		env  []string
		want []string // the messages, in order
	}{
		{"none", []string{"X_BEARER_TOKEN", secret}, nil},
		{"alias", []string{"TWITTER_BEARER_TOKEN", secret},
			[]string{"TWITTER_BEARER_TOKEN is deprecated: set X_BEARER_TOKEN instead"}},
		{"conflict", []string{"X_BEARER_TOKEN", secret, "TWITTER_BEARER_TOKEN", secret + "-old"},
			[]string{"X_BEARER_TOKEN and its deprecated alias TWITTER_BEARER_TOKEN are both set and differ: X_BEARER_TOKEN is used; unset TWITTER_BEARER_TOKEN"}},
		{"same", []string{"X_BEARER_TOKEN", secret, "TWITTER_BEARER_TOKEN", secret},
			[]string{"TWITTER_BEARER_TOKEN is deprecated and X_BEARER_TOKEN is set too (the same): unset TWITTER_BEARER_TOKEN"}},
		{"two aliases", []string{"TWITTER_API_URL", "http://a.example", "TWITTER_SECRET_ARN", secret}, []string{
			"TWITTER_API_URL is deprecated: set X_API_URL instead", "TWITTER_SECRET_ARN is deprecated: set X_SECRET_ARN instead"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadIngest(env(append([]string{"MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q"}, tc.env...)...))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			c.Warn(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)))
			if strings.Contains(buf.String(), secret) {
				t.Errorf("a warning shows the value: %s", buf.String())
			}
			var got []string
			for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
				if line == "" {
					continue
				}
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatal(err)
				}
				if rec["level"] != "WARN" || !strings.HasPrefix(rec["variable"].(string), "TWITTER_") || !strings.HasPrefix(rec["use"].(string), "X_") {
					t.Errorf("record %v", rec)
				}
				got = append(got, rec["msg"].(string))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVariablesListsWhatIsRead: Variables (archtest's list of the names only this package may
// quote) is exactly what the loads read, aliases included.
func TestVariablesListsWhatIsRead(t *testing.T) {
	read := map[string]bool{}
	getenv := func(k string) string {
		read[k] = true
		return map[string]string{"MEMORYDB_ENDPOINT": endpoint, "SEARCH_QUERY": "q"}[k]
	}
	if _, err := LoadIngest(getenv); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLeaderboard(getenv); err != nil {
		t.Fatal(err)
	}
	LogLevel(getenv)
	for k := range read {
		if !slices.Contains(Variables(), k) {
			t.Errorf("%s is read but not in Variables", k)
		}
	}
	for _, k := range Variables() {
		if !read[k] {
			t.Errorf("%s is in Variables but no load reads it", k)
		}
	}
	for _, a := range Aliases() {
		if !read[a.Name] || !read[a.Deprecated] {
			t.Errorf("alias %+v: not both read", a)
		}
	}
}

func TestLogLevel(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want slog.Level
	}{
		{nil, slog.LevelInfo},
		{[]string{"LOG_LEVEL", "debug"}, slog.LevelDebug},
		{[]string{"LOG_LEVEL", " WARN "}, slog.LevelWarn},
		{[]string{"LOG_LEVEL", "nonsense"}, slog.LevelInfo},
		{[]string{"AWS_LAMBDA_LOG_LEVEL", "ERROR"}, slog.LevelError},
		{[]string{"LOG_LEVEL", "DEBUG", "AWS_LAMBDA_LOG_LEVEL", "ERROR"}, slog.LevelDebug},
	} {
		if got := LogLevel(env(tc.env...)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.env, got, tc.want)
		}
	}
}

// TestQueryLimitIsTheClients: config refuses the queries the X API client would.
func TestQueryLimitIsTheClients(t *testing.T) {
	if MaxQueryBytes != xapi.MaxQueryLength {
		t.Fatalf("MaxQueryBytes %d, xapi.MaxQueryLength %d", MaxQueryBytes, xapi.MaxQueryLength)
	}
	long := strings.Repeat("a", MaxQueryBytes+1)
	if _, err := LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", long)); err == nil || !strings.Contains(err.Error(), "SEARCH_QUERY") {
		t.Errorf("long SEARCH_QUERY: %v", err)
	}
	if _, err := LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "BOARDS", `{"a": "`+long+`"}`)); err == nil || !strings.Contains(err.Error(), "BOARDS") {
		t.Errorf("long query in BOARDS: %v", err)
	}
}

// TestSourcesRedacted: a configuration printed or logged by mistake shows no credential.
func TestSourcesRedacted(t *testing.T) {
	const leak = "S3cr3t-XYZZY"
	c, err := LoadIngest(env("MEMORYDB_ENDPOINT", endpoint, "SEARCH_QUERY", "q", "MEMORYDB_PASSWORD", leak,
		"X_BEARER_TOKEN", leak, "X_API_KEY", leak, "X_API_SECRET", leak))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "redis", c.Credentials, "x", c.X)
	for _, s := range []string{fmtAll(c), fmtAll(c.X), fmtAll(c.Credentials), buf.String()} {
		if strings.Contains(s, leak) {
			t.Errorf("leaks: %s", s)
		}
	}
}

func fmtAll(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		b.WriteString(fmt.Sprintf(verb, v))
	}
	return b.String()
}

func TestXCredentialsSet(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, false},
		{map[string]string{"X_API_URL": "http://127.0.0.1:1", "TWITTER_API_URL": "x", "X_API_SECRET": "s"}, false},
		{map[string]string{"X_BEARER_TOKEN": "t"}, true},
		{map[string]string{"X_API_KEY": "k"}, true},
		{map[string]string{"X_SECRET_ARN": "arn"}, true},
		{map[string]string{"TWITTER_BEARER_TOKEN": "t"}, true},
		{map[string]string{"TWITTER_SECRET_ARN": "arn"}, true},
		{map[string]string{"X_BEARER_TOKEN": "  "}, false},
	} {
		if got := XCredentialsSet(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("XCredentialsSet(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}
