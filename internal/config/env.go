package config

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// The names of the variables other packages need, besides the ones only this package reads. No
// deployed package but this one quotes a variable's name (archtest checks it against Variables).
const (
	EnvMemoryDBSecretARN = "MEMORYDB_SECRET_ARN" // the Redis user's secret
	EnvMemoryDBUsername  = "MEMORYDB_USERNAME"   // local stand-in for the Redis user's secret
	EnvMemoryDBPassword  = "MEMORYDB_PASSWORD"   // local stand-in for the Redis user's secret
	EnvXAPIURL           = "X_API_URL"           // the X API's base URL
	EnvXSecretARN        = "X_SECRET_ARN"        // the X API credentials' secret
	EnvXBearerToken      = "X_BEARER_TOKEN"      // local stand-in for the X API secret
	EnvXAPIKey           = "X_API_KEY"           // local stand-in for the X API secret, with X_API_SECRET
	EnvXAPISecret        = "X_API_SECRET"        // local stand-in for the X API secret, with X_API_KEY

	// The deprecated aliases of the X_* names (see Aliases): still read, with a warning.

	EnvTwitterAPIURL      = "TWITTER_API_URL"      // deprecated: X_API_URL
	EnvTwitterSecretARN   = "TWITTER_SECRET_ARN"   // deprecated: X_SECRET_ARN
	EnvTwitterBearerToken = "TWITTER_BEARER_TOKEN" // deprecated: X_BEARER_TOKEN
	EnvTwitterAPIKey      = "TWITTER_API_KEY"      // deprecated: X_API_KEY
	EnvTwitterAPISecret   = "TWITTER_API_SECRET"   // deprecated: X_API_SECRET
)

// Alias is a deprecated variable name still accepted for a current one.
type Alias struct {
	Name       string // the current name, e.g. X_SECRET_ARN
	Deprecated string // the deprecated name, e.g. TWITTER_SECRET_ARN
}

// aliases are the X settings' old TWITTER_* names. When only the deprecated name is set, its
// value is used; when both are set, the X_* name wins. Either way the load reports it
// (Deprecation) and the function warns once at cold start (Warn).
var aliases = []Alias{
	{EnvXAPIURL, EnvTwitterAPIURL},
	{EnvXSecretARN, EnvTwitterSecretARN},
	{EnvXBearerToken, EnvTwitterBearerToken},
	{EnvXAPIKey, EnvTwitterAPIKey},
	{EnvXAPISecret, EnvTwitterAPISecret},
}

// Aliases lists the deprecated variable names still accepted, with the names that replace them.
func Aliases() []Alias { return slices.Clone(aliases) }

// variables lists every variable this package reads, aliases included (Variables).
var variables = []string{
	"MEMORYDB_ENDPOINT", "MEMORYDB_TLS", "MEMORYDB_CLUSTER", "MEMORYDB_CA_FILE",
	EnvMemoryDBSecretARN, EnvMemoryDBUsername, EnvMemoryDBPassword,
	"BOARDS", "BOARD_NAMES", "LEADERBOARD", "SEARCH_QUERY",
	EnvXAPIURL, EnvXSecretARN, EnvXBearerToken, EnvXAPIKey, EnvXAPISecret,
	EnvTwitterAPIURL, EnvTwitterSecretARN, EnvTwitterBearerToken, EnvTwitterAPIKey, EnvTwitterAPISecret,
	"SCHEDULE_EXPRESSION", "MAX_PAGES", "X_DAILY_POST_BUDGET", "X_PRICE_PER_POST", "SKIP_SENSITIVE",
	"EXCLUDE_HASHTAGS", "TRENDING_MIN_AUTHORS", "CACHE_TTL", "EMBED_ORIGINS",
	"LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL",
}

// Variables lists the name of every environment variable this package reads (a test checks
// the list against what the loads read), deprecated aliases included.
func Variables() []string { return slices.Clone(variables) }

// SDKVariables are variables the deployed code's libraries read themselves, not this package:
// the AWS SDK's Region and endpoint overrides (Secrets Manager), and the X-Ray SDK's daemon
// address (set by Lambda), its context-missing strategy and its off switch. Listed here so that
// this stays the one package that names a variable (archtest).
var SDKVariables = []string{
	"AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
	"AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_SDK_DISABLED",
}

// Deprecation is a deprecated alias a load found set. Its warning names both variables, never a
// value.
type Deprecation struct {
	Alias
	// Both says the current name was set too; its value was used (Conflict: the two differ).
	Both, Conflict bool
}

// Warn logs the deprecation as one warning.
func (d Deprecation) Warn(ctx context.Context, log *slog.Logger) {
	msg := fmt.Sprintf("%s is deprecated: set %s instead", d.Deprecated, d.Name)
	switch {
	case d.Conflict:
		msg = fmt.Sprintf("%s and its deprecated alias %s are both set and differ: %s is used; unset %s",
			d.Name, d.Deprecated, d.Name, d.Deprecated)
	case d.Both:
		msg = fmt.Sprintf("%s is deprecated and %s is set too (the same): unset %s", d.Deprecated, d.Name, d.Deprecated)
	}
	log.WarnContext(ctx, msg, "variable", d.Deprecated, "use", d.Name)
}

// lookup reads variables through getenv, resolving the deprecated aliases and keeping what it
// found of them.
type lookup struct {
	getenv     func(string) string
	deprecated []Deprecation
}

// get returns the variable name's value; for a name with a deprecated alias, the alias's when
// name is unset or empty. Both read as strings.TrimSpace'd values decide which is set.
func (e *lookup) get(name string) string {
	v := e.getenv(name)
	i := slices.IndexFunc(aliases, func(a Alias) bool { return a.Name == name })
	if i < 0 {
		return v
	}
	a := aliases[i]
	old := e.getenv(a.Deprecated)
	if strings.TrimSpace(old) == "" {
		return v
	}
	d := Deprecation{Alias: a}
	if strings.TrimSpace(v) != "" {
		d.Both, d.Conflict = true, strings.TrimSpace(v) != strings.TrimSpace(old)
	} else {
		v = old
	}
	if !slices.Contains(e.deprecated, d) {
		e.deprecated = append(e.deprecated, d)
	}
	return v
}

// name is the variable a value of name was read from: its alias when only that was set.
func (e *lookup) name(name string) string {
	for _, d := range e.deprecated {
		if d.Name == name && !d.Both {
			return d.Deprecated
		}
	}
	return name
}

// LogLevel is the log level named by LOG_LEVEL, or else AWS_LAMBDA_LOG_LEVEL (which Lambda sets
// from the function's ApplicationLogLevel): DEBUG, INFO, WARN or ERROR in any case. Default
// and for an unknown name: INFO (a cold start does not fail on its log level).
func LogLevel(getenv func(string) string) slog.Level {
	level := slog.LevelInfo
	name := strings.TrimSpace(getenv("LOG_LEVEL"))
	if name == "" {
		name = strings.TrimSpace(getenv("AWS_LAMBDA_LOG_LEVEL"))
	}
	_ = level.UnmarshalText([]byte(strings.ToUpper(name))) // unknown names keep info
	return level
}
