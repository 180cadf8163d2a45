package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// RedisCredentials is a MemoryDB (Redis ACL) user. Both fields empty means
// a local Redis without authentication.
type RedisCredentials struct {
	Username string
	Password string
}

// String redacts the password so credentials printed by mistake stay safe.
func (c RedisCredentials) String() string {
	return fmt.Sprintf("{Username:%s Password:%s}", c.Username, redact(c.Password))
}

// GoString redacts like String (for %#v).
func (c RedisCredentials) GoString() string { return "secrets.RedisCredentials" + c.String() }

// LogValue redacts the password in slog output.
func (c RedisCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("password", redact(c.Password)))
}

// XCredentials are X API v2 credentials: an app-only BearerToken, or an
// APIKey and APISecret pair (from which a bearer token can be obtained), or
// both.
type XCredentials struct {
	BearerToken string
	APIKey      string
	APISecret   string
}

// String redacts every field.
func (c XCredentials) String() string {
	return fmt.Sprintf("{BearerToken:%s APIKey:%s APISecret:%s}", redact(c.BearerToken), redact(c.APIKey), redact(c.APISecret))
}

// GoString redacts like String (for %#v).
func (c XCredentials) GoString() string { return "secrets.XCredentials" + c.String() }

// LogValue redacts every field in slog output.
func (c XCredentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("bearer_token", redact(c.BearerToken)),
		slog.String("api_key", redact(c.APIKey)),
		slog.String("api_secret", redact(c.APISecret)),
	)
}

func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "<redacted>"
}

// ParseRedis parses a MemoryDB user secret: a JSON object with non-empty
// string keys "username" and "password" (other keys are ignored). Errors
// name the key at fault and never quote the value.
func ParseRedis(value string) (RedisCredentials, error) {
	obj, err := jsonObject(value)
	if err != nil {
		return RedisCredentials{}, err
	}
	var c RedisCredentials
	if c.Username, err = requiredString(obj, "username"); err != nil {
		return RedisCredentials{}, err
	}
	if c.Password, err = requiredString(obj, "password"); err != nil {
		return RedisCredentials{}, err
	}
	return c, nil
}

// ErrXNotConfigured is wrapped by the error for X API credentials that hold nothing at all: the
// secret the stack creates, {"bearer_token":""}, before anyone filled it (or, locally, none of
// the stand-in variables set). Ingest then answers "not configured" instead of failing. Half a
// key pair is a different error: someone configured it, wrongly.
var ErrXNotConfigured = errors.New("no X credentials")

// ParseX parses an X API secret: a JSON object with "bearer_token", or
// "api_key" and "api_secret", or all three (other keys are ignored). Errors
// name the key at fault and never quote the value.
func ParseX(value string) (XCredentials, error) {
	obj, err := jsonObject(value)
	if err != nil {
		return XCredentials{}, err
	}
	var c XCredentials
	if c.BearerToken, err = optionalString(obj, "bearer_token"); err != nil {
		return XCredentials{}, err
	}
	if c.APIKey, err = optionalString(obj, "api_key"); err != nil {
		return XCredentials{}, err
	}
	if c.APISecret, err = optionalString(obj, "api_secret"); err != nil {
		return XCredentials{}, err
	}
	if err := c.check("bearer_token", "api_key", "api_secret"); err != nil {
		return XCredentials{}, err
	}
	return c, nil
}

// check requires a bearer token or a complete key pair, and rejects half a
// pair; the names are those of the keys or variables the fields came from.
func (c XCredentials) check(bearer, key, secret string) error {
	switch {
	case c.APIKey != "" && c.APISecret == "":
		return fmt.Errorf("%s is set but %s is missing or empty", key, secret)
	case c.APISecret != "" && c.APIKey == "":
		return fmt.Errorf("%s is set but %s is missing or empty", secret, key)
	case c.BearerToken == "" && c.APIKey == "":
		return fmt.Errorf("%w: need %s, or %s and %s", ErrXNotConfigured, bearer, key, secret)
	}
	return nil
}

// jsonObject decodes value as a JSON object of raw members. encoding/json
// errors are not wrapped because their text can quote the input.
func jsonObject(value string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(value)))
	if err := dec.Decode(&obj); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Errorf("secret value is not valid JSON (syntax error at byte offset %d)", syn.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("secret value is not valid JSON (truncated)")
		case errors.Is(err, io.EOF):
			return nil, errors.New("secret value is empty")
		}
		return nil, errors.New("secret value is not a JSON object")
	}
	if obj == nil { // the JSON literal null
		return nil, errors.New("secret value is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("secret value has data after the JSON object")
	}
	return obj, nil
}

func optionalString(obj map[string]json.RawMessage, key string) (string, error) {
	raw, ok := obj[key]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("key %q must be a JSON string", key)
	}
	return s, nil
}

func requiredString(obj map[string]json.RawMessage, key string) (string, error) {
	if _, ok := obj[key]; !ok {
		return "", fmt.Errorf("missing key %q", key)
	}
	s, err := optionalString(obj, key)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", fmt.Errorf("key %q is empty", key)
	}
	return s, nil
}
