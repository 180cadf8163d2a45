package secrets

import (
	"context"
	"fmt"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
)

// Redis resolves the MemoryDB user from src (package config reads it). With src.SecretARN set
// it reads that secret through l (cached after the first call); otherwise it uses the
// stand-ins src.Username and src.Password, both optional (both empty: a local Redis without
// auth). l is only used when the ARN is set and may be nil otherwise. Errors name the fields
// by src.Vars.
func Redis(ctx context.Context, src config.RedisSource, l *Loader) (RedisCredentials, error) {
	return redisFrom(ctx, src, l, (*Loader).SecretString)
}

// RefreshRedis is Redis after re-fetching the secret, for use once when the cached password
// stops working (rotation). Without src.SecretARN it returns the stand-ins again.
func RefreshRedis(ctx context.Context, src config.RedisSource, l *Loader) (RedisCredentials, error) {
	return redisFrom(ctx, src, l, (*Loader).Refresh)
}

// X resolves the X API credentials from src (package config reads it). With src.SecretARN set
// it reads that secret through l (cached after the first call); otherwise it uses the
// stand-ins: src.BearerToken, or src.APIKey and src.APISecret. None at all is
// ErrXNotConfigured. Errors name the fields by src.Vars.
func X(ctx context.Context, src config.XSource, l *Loader) (XCredentials, error) {
	return xFrom(ctx, src, l, (*Loader).SecretString)
}

// RefreshX is X after re-fetching the secret.
func RefreshX(ctx context.Context, src config.XSource, l *Loader) (XCredentials, error) {
	return xFrom(ctx, src, l, (*Loader).Refresh)
}

type getFunc func(*Loader, context.Context, string) (string, error)

// or is name, or else the field's name def (a source not made by package config).
func or(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

func redisFrom(ctx context.Context, src config.RedisSource, l *Loader, get getFunc) (RedisCredentials, error) {
	arnVar := or(src.Vars.SecretARN, "RedisSource.SecretARN")
	if src.SecretARN != "" {
		return fromSecret(ctx, l, get, arnVar, src.SecretARN, ParseRedis)
	}
	c := RedisCredentials{Username: src.Username, Password: src.Password}
	if c.Username != "" && c.Password == "" {
		return RedisCredentials{}, fmt.Errorf("%s is set but %s is empty (and %s is not set)",
			or(src.Vars.Username, "RedisSource.Username"), or(src.Vars.Password, "RedisSource.Password"), arnVar)
	}
	return c, nil
}

func xFrom(ctx context.Context, src config.XSource, l *Loader, get getFunc) (XCredentials, error) {
	arnVar := or(src.Vars.SecretARN, "XSource.SecretARN")
	if src.SecretARN != "" {
		return fromSecret(ctx, l, get, arnVar, src.SecretARN, ParseX)
	}
	c := XCredentials{BearerToken: src.BearerToken, APIKey: src.APIKey, APISecret: src.APISecret}
	err := c.check(or(src.Vars.BearerToken, "XSource.BearerToken"), or(src.Vars.APIKey, "XSource.APIKey"),
		or(src.Vars.APISecret, "XSource.APISecret"))
	if err != nil {
		return XCredentials{}, fmt.Errorf("%w (or set %s)", err, arnVar)
	}
	return c, nil
}

// fromSecret reads the secret arn (named by the variable arnVar) with get and parses it.
func fromSecret[C any](ctx context.Context, l *Loader, get getFunc, arnVar, arn string,
	parse func(string) (C, error)) (C, error) {
	var zero C
	if l == nil {
		return zero, fmt.Errorf("%s is set but no secrets loader was given", arnVar)
	}
	v, err := get(l, ctx, arn)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", arnVar, err)
	}
	c, err := parse(v)
	if err != nil {
		return zero, fmt.Errorf("secret %s named by %s: %w", arn, arnVar, err)
	}
	return c, nil
}
