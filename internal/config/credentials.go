package config

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// RedisSource says where the Redis (MemoryDB) user's credentials are: package secrets reads
// them at cold start.
type RedisSource struct {
	// SecretARN is the Secrets Manager secret of the user, JSON {"username", "password"}: the
	// writer's for ingest, the reader's for the leaderboard. When set, Username and Password
	// are ignored.
	//
	// Variable: MEMORYDB_SECRET_ARN. Default: none (the stand-ins).
	SecretARN string
	// Username and Password are the local stand-ins for the secret; both empty: a Redis
	// without authentication. A Username needs a Password.
	//
	// Variables: MEMORYDB_USERNAME and MEMORYDB_PASSWORD. Default: none.
	Username, Password string
	// Vars name the fields' variables, for the errors of package secrets.
	Vars RedisVars
}

// RedisVars name where a RedisSource's fields came from.
type RedisVars struct{ SecretARN, Username, Password string }

// XSource says where the X API credentials are: package secrets reads them at cold start, and
// again when X refuses the token.
type XSource struct {
	// SecretARN is the Secrets Manager secret of the credentials, JSON {"bearer_token"} or
	// {"api_key", "api_secret"}. When set, the stand-ins are ignored.
	//
	// Variable: X_SECRET_ARN (deprecated alias: TWITTER_SECRET_ARN). Default: none.
	SecretARN string
	// BearerToken is the local stand-in for the secret: an app-only bearer token.
	//
	// Variable: X_BEARER_TOKEN (deprecated alias: TWITTER_BEARER_TOKEN). Default: none.
	BearerToken string
	// APIKey and APISecret are the local stand-in for the secret as a key pair, exchanged for a
	// bearer token.
	//
	// Variables: X_API_KEY and X_API_SECRET (deprecated aliases: TWITTER_API_KEY and
	// TWITTER_API_SECRET). Default: none.
	APIKey, APISecret string
	// Vars name the fields' variables (the deprecated alias when only that one was set), for
	// the errors of package secrets.
	Vars XVars
}

// XVars name where an XSource's fields came from.
type XVars struct{ SecretARN, BearerToken, APIKey, APISecret string }

// loadRedisSource reads the Redis user's source. Whether the stand-ins make sense together is
// for package secrets to say, with the names in Vars.
func loadRedisSource(e *lookup) RedisSource {
	return RedisSource{
		SecretARN: strings.TrimSpace(e.get(EnvMemoryDBSecretARN)),
		Username:  e.get(EnvMemoryDBUsername), Password: e.get(EnvMemoryDBPassword),
		Vars: RedisVars{SecretARN: EnvMemoryDBSecretARN, Username: EnvMemoryDBUsername, Password: EnvMemoryDBPassword},
	}
}

// loadXSource reads the X API credentials' source. Whether the stand-ins hold a usable set is
// for package secrets to say: none at all is "not configured yet", not an error.
func loadXSource(e *lookup) XSource {
	s := XSource{
		SecretARN:   strings.TrimSpace(e.get(EnvXSecretARN)),
		BearerToken: e.get(EnvXBearerToken), APIKey: e.get(EnvXAPIKey), APISecret: e.get(EnvXAPISecret),
	}
	// A field is named by the variable its value came from; an empty one by its X_* name, or by
	// its alias when only deprecated names are set ("TWITTER_API_KEY is set but
	// TWITTER_API_SECRET is missing": the names the operator uses).
	old := len(e.deprecated) > 0 && !slices.ContainsFunc(aliases, func(a Alias) bool {
		return strings.TrimSpace(e.getenv(a.Name)) != ""
	})
	name := func(n, v string) string {
		if v == "" && old {
			return aliases[slices.IndexFunc(aliases, func(a Alias) bool { return a.Name == n })].Deprecated
		}
		return e.name(n)
	}
	s.Vars = XVars{SecretARN: name(EnvXSecretARN, s.SecretARN), BearerToken: name(EnvXBearerToken, s.BearerToken),
		APIKey: name(EnvXAPIKey, s.APIKey), APISecret: name(EnvXAPISecret, s.APISecret)}
	return s
}

// XCredentialsSet says whether getenv names X API credentials (a secret, a bearer token or an
// API key), by their X_* names or their deprecated aliases: the local tools use the X API stand-in
// when it does not.
func XCredentialsSet(getenv func(string) string) bool {
	for _, n := range []string{EnvXSecretARN, EnvXBearerToken, EnvXAPIKey, EnvTwitterSecretARN, EnvTwitterBearerToken, EnvTwitterAPIKey} {
		if strings.TrimSpace(getenv(n)) != "" {
			return true
		}
	}
	return false
}

// String redacts the password, so a source printed by mistake stays safe.
func (s RedisSource) String() string {
	return fmt.Sprintf("{SecretARN:%s Username:%s Password:%s}", s.SecretARN, s.Username, redact(s.Password))
}

// GoString redacts like String (for %#v).
func (s RedisSource) GoString() string { return "config.RedisSource" + s.String() }

// LogValue redacts the password in slog output.
func (s RedisSource) LogValue() slog.Value {
	return slog.GroupValue(slog.String("secret_arn", s.SecretARN), slog.String("username", s.Username),
		slog.String("password", redact(s.Password)))
}

// String redacts the stand-ins.
func (s XSource) String() string {
	return fmt.Sprintf("{SecretARN:%s BearerToken:%s APIKey:%s APISecret:%s}", s.SecretARN,
		redact(s.BearerToken), redact(s.APIKey), redact(s.APISecret))
}

// GoString redacts like String (for %#v).
func (s XSource) GoString() string { return "config.XSource" + s.String() }

// LogValue redacts the stand-ins in slog output.
func (s XSource) LogValue() slog.Value {
	return slog.GroupValue(slog.String("secret_arn", s.SecretARN), slog.String("bearer_token", redact(s.BearerToken)),
		slog.String("api_key", redact(s.APIKey)), slog.String("api_secret", redact(s.APISecret)))
}

func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "<redacted>"
}
