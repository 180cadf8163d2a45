package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// leak is a recognisable secret value: no error text may ever contain it.
const leak = "S3cr3t-Pa55w0rd-XYZZY"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// load is the ingest configuration package config reads from getenv (with an endpoint and a
// query), for its credentials' sources: the functions resolve credentials from these.
func load(getenv func(string) string) config.Ingest {
	cfg, err := config.LoadIngest(func(k string) string {
		switch k {
		case "MEMORYDB_ENDPOINT":
			return "127.0.0.1:1"
		case "SEARCH_QUERY":
			return "q"
		}
		return getenv(k)
	})
	if err != nil {
		panic(err)
	}
	return cfg
}

func redisFromEnv(ctx context.Context, getenv func(string) string, l *secrets.Loader) (secrets.RedisCredentials, error) {
	return secrets.Redis(ctx, load(getenv).Credentials, l)
}

func refreshRedisFromEnv(ctx context.Context, getenv func(string) string, l *secrets.Loader) (secrets.RedisCredentials, error) {
	return secrets.RefreshRedis(ctx, load(getenv).Credentials, l)
}

func xFromEnv(ctx context.Context, getenv func(string) string, l *secrets.Loader) (secrets.XCredentials, error) {
	return secrets.X(ctx, load(getenv).X, l)
}

func refreshXFromEnv(ctx context.Context, getenv func(string) string, l *secrets.Loader) (secrets.XCredentials, error) {
	return secrets.RefreshX(ctx, load(getenv).X, l)
}

func assertErr(t *testing.T, err error, wantIn []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", wantIn)
	}
	for _, w := range wantIn {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), leak) || strings.Contains(err.Error(), "XYZZY") {
		t.Errorf("error leaks the secret value: %q", err)
	}
	// encoding/json error texts quote pieces of the input; none may be
	// passed through.
	for _, jsonText := range []string{"invalid character", "json:", "jsontext:", "cannot unmarshal"} {
		if strings.Contains(err.Error(), jsonText) {
			t.Errorf("error passes an encoding/json error text through (%q): %q", jsonText, err)
		}
	}
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr []string
	}{
		{name: "empty", value: "", wantErr: []string{"empty"}},
		{name: "blank", value: "  \n", wantErr: []string{"empty"}},
		{name: "control char in string", value: "{\"username\":\"u\",\"password\":\"" + leak + "\x01\"}", wantErr: []string{"not valid JSON"}},
		{name: "number password", value: `{"username":"u","password":12345}`, wantErr: []string{`"password"`, "string"}},
		{name: "null password", value: `{"username":"u","password":null}`, wantErr: []string{`"password"`, "empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := secrets.ParseRedis(tc.value)
			assertErr(t, err, tc.wantErr)
			if tc.name != "number password" && tc.name != "null password" {
				_, err = secrets.ParseX(tc.value)
				assertErr(t, err, tc.wantErr)
			}
		})
	}
}

const missingARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf"

func TestRedisFromSecretsManager(t *testing.T) {
	tests := []struct {
		name    string
		secret  string // stored value; "" means use missingARN
		want    secrets.RedisCredentials
		wantErr []string
	}{
		{name: "ok", secret: `{"username":"writer","password":"` + leak + `"}`,
			want: secrets.RedisCredentials{Username: "writer", Password: leak}},
		{name: "extra keys ignored", secret: `{"engine":"redis","username":"reader","password":"` + leak + `","host":"x"}`,
			want: secrets.RedisCredentials{Username: "reader", Password: leak}},
		{name: "missing password", secret: `{"username":"writer","pass":"` + leak + `"}`,
			wantErr: []string{"MEMORYDB_SECRET_ARN", `"password"`, "missing"}},
		{name: "missing username", secret: `{"password":"` + leak + `"}`,
			wantErr: []string{"MEMORYDB_SECRET_ARN", `"username"`}},
		{name: "empty password", secret: `{"username":"writer","password":""}`,
			wantErr: []string{`"password"`, "empty"}},
		{name: "password not a string", secret: `{"username":"writer","password":["` + leak + `"]}`,
			wantErr: []string{`"password"`, "string"}},
		{name: "malformed JSON", secret: `{"username":"writer","password":"` + leak + `"`,
			wantErr: []string{"MEMORYDB_SECRET_ARN", "not valid JSON"}},
		{name: "malformed JSON inside value", secret: `{"username":"writer","password":` + leak + `}`,
			wantErr: []string{"MEMORYDB_SECRET_ARN", "not valid JSON"}},
		{name: "plain string secret", secret: leak,
			wantErr: []string{"not valid JSON"}},
		{name: "JSON string secret", secret: `"` + leak + `"`,
			wantErr: []string{"not a JSON object"}},
		{name: "JSON null", secret: `null`,
			wantErr: []string{"not a JSON object"}},
		{name: "trailing data", secret: `{"username":"writer","password":"p"} {"password":"` + leak + `"}`,
			wantErr: []string{"after the JSON object"}},
		{name: "trailing brace", secret: `{"username":"writer","password":"p"}}`,
			wantErr: []string{"after the JSON object"}},
		{name: "not found", secret: "",
			wantErr: []string{"MEMORYDB_SECRET_ARN", missingARN, "not found"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arn := secretOrMissing(t, tc.secret)
			got, err := redisFromEnv(context.Background(), env(map[string]string{
				"MEMORYDB_SECRET_ARN": arn,
				// Stand-ins are ignored when the ARN is set.
				"MEMORYDB_USERNAME": "local", "MEMORYDB_PASSWORD": "local",
			}), secrets.NewLoader())
			if tc.wantErr != nil {
				assertErr(t, err, tc.wantErr)
				if tc.secret == "" && !errors.Is(err, secrets.ErrNotFound) {
					t.Errorf("error %v is not ErrNotFound", err)
				}
				if tc.secret != "" && !strings.Contains(err.Error(), arn) {
					t.Errorf("error %q does not name the secret %s", err, arn)
				}
				return
			}
			if err != nil {
				t.Fatalf("RedisFromEnv: %v", err)
			}
			if got != tc.want {
				t.Errorf("RedisFromEnv = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRefreshRedisFromEnv(t *testing.T) {
	arn := createSecret(t, `{"username":"writer","password":"old-password"}`)
	getenv := env(map[string]string{"MEMORYDB_SECRET_ARN": arn})
	var cc callCounter
	l := secrets.NewLoader(secrets.WithConfigHook(cc.hook))
	ctx := context.Background()

	for range 5 {
		c, err := redisFromEnv(ctx, getenv, l)
		if err != nil || c.Password != "old-password" {
			t.Fatalf("RedisFromEnv = %v, %v; want old-password", c, err)
		}
	}
	putSecretValue(t, arn, `{"username":"writer","password":"new-password"}`)
	if c, _ := redisFromEnv(ctx, getenv, l); c.Password != "old-password" {
		t.Fatalf("cached value changed without Refresh: %v", c)
	}
	c, err := refreshRedisFromEnv(ctx, getenv, l)
	if err != nil || c.Password != "new-password" || c.Username != "writer" {
		t.Fatalf("RefreshRedisFromEnv = %v, %v; want new-password", c, err)
	}
	if c, _ := redisFromEnv(ctx, getenv, l); c.Password != "new-password" {
		t.Fatalf("RedisFromEnv after refresh = %v, want new-password", c)
	}
	if n := cc.count(arn); n != 2 {
		t.Errorf("GetSecretValue called %d times over 7 resolutions, want 2", n)
	}

	// A refresh that fails to parse keeps the error free of the value.
	putSecretValue(t, arn, `{"username":"writer","password":"`+leak+`"`)
	_, err = refreshRedisFromEnv(ctx, getenv, l)
	assertErr(t, err, []string{"MEMORYDB_SECRET_ARN", "not valid JSON"})
}

func TestRedisFromEnvStandIns(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    secrets.RedisCredentials
		wantErr []string
	}{
		{name: "no auth", env: map[string]string{}},
		{name: "password only (default user)", env: map[string]string{"MEMORYDB_PASSWORD": leak},
			want: secrets.RedisCredentials{Password: leak}},
		{name: "user and password", env: map[string]string{"MEMORYDB_USERNAME": "writer", "MEMORYDB_PASSWORD": leak},
			want: secrets.RedisCredentials{Username: "writer", Password: leak}},
		{name: "user without password", env: map[string]string{"MEMORYDB_USERNAME": "writer"},
			wantErr: []string{"MEMORYDB_USERNAME", "MEMORYDB_PASSWORD"}},
		{name: "blank ARN means unset", env: map[string]string{"MEMORYDB_SECRET_ARN": "  ", "MEMORYDB_PASSWORD": leak},
			want: secrets.RedisCredentials{Password: leak}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A nil loader proves no Secrets Manager client is needed.
			got, err := redisFromEnv(context.Background(), env(tc.env), nil)
			if tc.wantErr != nil {
				assertErr(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("RedisFromEnv: %v", err)
			}
			if got != tc.want {
				t.Errorf("RedisFromEnv = %v, want %v", got, tc.want)
			}
			// Refresh of stand-ins returns them unchanged.
			again, err := refreshRedisFromEnv(context.Background(), env(tc.env), nil)
			if err != nil || again != tc.want {
				t.Errorf("RefreshRedisFromEnv = %v, %v; want %v", again, err, tc.want)
			}
		})
	}
}

func TestFromEnvNilLoaderWithARN(t *testing.T) {
	_, err := redisFromEnv(context.Background(), env(map[string]string{"MEMORYDB_SECRET_ARN": missingARN}), nil)
	assertErr(t, err, []string{"MEMORYDB_SECRET_ARN", "loader"})
	_, err = xFromEnv(context.Background(), env(map[string]string{"TWITTER_SECRET_ARN": missingARN}), nil)
	assertErr(t, err, []string{"TWITTER_SECRET_ARN", "loader"})
}

// TestStandInsDoNotBuildClient checks the lazy client: resolving stand-ins
// never loads AWS configuration, an ARN does so once per loader.
func TestStandInsDoNotBuildClient(t *testing.T) {
	var cc callCounter
	l := secrets.NewLoader(secrets.WithConfigHook(cc.hook))
	ctx := context.Background()
	if _, err := redisFromEnv(ctx, env(map[string]string{"MEMORYDB_PASSWORD": "p"}), l); err != nil {
		t.Fatal(err)
	}
	if _, err := xFromEnv(ctx, env(map[string]string{"TWITTER_BEARER_TOKEN": "b"}), l); err != nil {
		t.Fatal(err)
	}
	if n := cc.hookCalls(); n != 0 {
		t.Fatalf("AWS config loaded %d times for stand-ins, want 0", n)
	}
	redisARN := createSecret(t, `{"username":"u","password":"p"}`)
	xARN := createSecret(t, `{"bearer_token":"b"}`)
	if _, err := redisFromEnv(ctx, env(map[string]string{"MEMORYDB_SECRET_ARN": redisARN}), l); err != nil {
		t.Fatal(err)
	}
	if _, err := xFromEnv(ctx, env(map[string]string{"TWITTER_SECRET_ARN": xARN}), l); err != nil {
		t.Fatal(err)
	}
	if n := cc.hookCalls(); n != 1 {
		t.Fatalf("AWS config loaded %d times for two secrets, want 1", n)
	}
}

func TestXFromSecretsManager(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		want    secrets.XCredentials
		wantErr []string
	}{
		{name: "bearer token", secret: `{"bearer_token":"` + leak + `"}`,
			want: secrets.XCredentials{BearerToken: leak}},
		{name: "key pair", secret: `{"api_key":"key","api_secret":"` + leak + `"}`,
			want: secrets.XCredentials{APIKey: "key", APISecret: leak}},
		{name: "all three", secret: `{"bearer_token":"b","api_key":"key","api_secret":"` + leak + `"}`,
			want: secrets.XCredentials{BearerToken: "b", APIKey: "key", APISecret: leak}},
		{name: "nothing usable", secret: `{"token":"` + leak + `"}`,
			wantErr: []string{"X_SECRET_ARN", "bearer_token", "api_key", "api_secret"}},
		{name: "key without secret", secret: `{"api_key":"` + leak + `"}`,
			wantErr: []string{"api_secret", "missing"}},
		{name: "secret without key", secret: `{"bearer_token":"b","api_secret":"` + leak + `"}`,
			wantErr: []string{"api_key", "missing"}},
		{name: "bearer not a string", secret: `{"bearer_token":{"v":"` + leak + `"}}`,
			wantErr: []string{`"bearer_token"`, "string"}},
		{name: "malformed JSON", secret: `{"bearer_token":"` + leak + `",}`,
			wantErr: []string{"X_SECRET_ARN", "not valid JSON"}},
		{name: "JSON array", secret: `["` + leak + `"]`,
			wantErr: []string{"not a JSON object"}},
		{name: "not found", secret: "",
			wantErr: []string{"X_SECRET_ARN", missingARN, "not found"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arn := secretOrMissing(t, tc.secret)
			got, err := xFromEnv(context.Background(), env(map[string]string{
				"X_SECRET_ARN":   arn,
				"X_BEARER_TOKEN": "local",
			}), secrets.NewLoader())
			checkX(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestRefreshXFromEnv(t *testing.T) {
	arn := createSecret(t, `{"bearer_token":"old"}`)
	getenv := env(map[string]string{"TWITTER_SECRET_ARN": arn})
	l := secrets.NewLoader()
	ctx := context.Background()
	if c, err := xFromEnv(ctx, getenv, l); err != nil || c.BearerToken != "old" {
		t.Fatalf("XFromEnv = %v, %v", c, err)
	}
	putSecretValue(t, arn, `{"bearer_token":"new"}`)
	if c, err := xFromEnv(ctx, getenv, l); err != nil || c.BearerToken != "old" {
		t.Fatalf("XFromEnv (cached) = %v, %v", c, err)
	}
	if c, err := refreshXFromEnv(ctx, getenv, l); err != nil || c.BearerToken != "new" {
		t.Fatalf("RefreshXFromEnv = %v, %v", c, err)
	}
}

func TestXFromEnvStandIns(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    secrets.XCredentials
		wantErr []string
	}{
		{name: "bearer", env: map[string]string{"TWITTER_BEARER_TOKEN": leak},
			want: secrets.XCredentials{BearerToken: leak}},
		{name: "pair", env: map[string]string{"TWITTER_API_KEY": "k", "TWITTER_API_SECRET": leak},
			want: secrets.XCredentials{APIKey: "k", APISecret: leak}},
		{name: "none", env: map[string]string{},
			wantErr: []string{"X_BEARER_TOKEN", "X_API_KEY", "X_API_SECRET", "X_SECRET_ARN"}},
		{name: "bearer (X_*)", env: map[string]string{"X_BEARER_TOKEN": leak},
			want: secrets.XCredentials{BearerToken: leak}},
		{name: "X_* wins", env: map[string]string{"X_BEARER_TOKEN": leak, "TWITTER_BEARER_TOKEN": "old"},
			want: secrets.XCredentials{BearerToken: leak}},
		{name: "key only (X_*)", env: map[string]string{"X_API_KEY": leak},
			wantErr: []string{"X_API_KEY", "X_API_SECRET", "X_SECRET_ARN"}},
		{name: "key only (alias), secret (X_*)", env: map[string]string{"TWITTER_API_KEY": "k", "X_API_SECRET": leak},
			want: secrets.XCredentials{APIKey: "k", APISecret: leak}},
		// Set by the deprecated names, the missing ones are named by theirs too.
		{name: "key only", env: map[string]string{"TWITTER_API_KEY": leak},
			wantErr: []string{"TWITTER_API_KEY", "TWITTER_API_SECRET", "TWITTER_SECRET_ARN"}},
		{name: "secret only", env: map[string]string{"TWITTER_BEARER_TOKEN": "b", "TWITTER_API_SECRET": leak},
			wantErr: []string{"TWITTER_API_KEY", "TWITTER_API_SECRET"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := xFromEnv(context.Background(), env(tc.env), nil)
			checkX(t, got, err, tc.want, tc.wantErr)
		})
	}
}

// TestCredentialsRedacted checks that credentials printed or logged by
// mistake do not show the secret parts.
func TestCredentialsRedacted(t *testing.T) {
	values := []any{
		secrets.RedisCredentials{Username: "writer", Password: leak},
		secrets.XCredentials{BearerToken: leak, APIKey: leak, APISecret: leak},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, leak) {
				t.Errorf("%s of %T leaks: %s", verb, v, s)
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("creds", "c", v)
		if strings.Contains(buf.String(), leak) {
			t.Errorf("slog of %T leaks: %s", v, buf.String())
		}
		if !strings.Contains(buf.String(), "redacted") {
			t.Errorf("slog of %T shows no redaction marker: %s", v, buf.String())
		}
	}
	if s := fmt.Sprint(secrets.RedisCredentials{Username: "writer", Password: leak}); !strings.Contains(s, "writer") {
		t.Errorf("username should stay visible: %s", s)
	}
}

// checkX checks what xFromEnv returned: the credentials, or an error naming every part of wantErr.
func checkX(t *testing.T, got secrets.XCredentials, err error, want secrets.XCredentials, wantErr []string) {
	t.Helper()
	if wantErr != nil {
		assertErr(t, err, wantErr)
		return
	}
	if err != nil {
		t.Fatalf("XFromEnv: %v", err)
	}
	if got != want {
		t.Errorf("XFromEnv = %v, want %v", got, want)
	}
}

// secretOrMissing creates a secret holding secret in moto and returns its ARN, or, for "", the
// ARN of a secret that does not exist.
func secretOrMissing(t *testing.T, secret string) string {
	t.Helper()
	tier.Skip(t, "moto_server")
	if secret == "" {
		return missingARN
	}
	return createSecret(t, secret)
}
