package secrets

import (
	"context"
	"fmt"
	"strings"
)

// Environment variables read by RedisFromEnv and XFromEnv. The *_SECRET_ARN
// variables are what the deployed functions get; the others are stand-ins
// for local runs only and are ignored when the ARN variable is set.
const (
	EnvMemoryDBSecretARN = "MEMORYDB_SECRET_ARN"
	EnvMemoryDBUsername  = "MEMORYDB_USERNAME"
	EnvMemoryDBPassword  = "MEMORYDB_PASSWORD"

	EnvTwitterSecretARN   = "TWITTER_SECRET_ARN"
	EnvTwitterBearerToken = "TWITTER_BEARER_TOKEN"
	EnvTwitterAPIKey      = "TWITTER_API_KEY"
	EnvTwitterAPISecret   = "TWITTER_API_SECRET"
)

// RedisFromEnv resolves the MemoryDB user. With MEMORYDB_SECRET_ARN set it
// reads that secret through l (cached after the first call); otherwise it
// uses MEMORYDB_USERNAME and MEMORYDB_PASSWORD, both optional (both empty:
// a local Redis without auth). getenv is os.Getenv in production. l is only
// used when the ARN is set and may be nil otherwise.
func RedisFromEnv(ctx context.Context, getenv func(string) string, l *Loader) (RedisCredentials, error) {
	return redisFromEnv(ctx, getenv, l, (*Loader).SecretString)
}

// RefreshRedisFromEnv is RedisFromEnv after re-fetching the secret, for use
// once when the cached password stops working (rotation). Without
// MEMORYDB_SECRET_ARN it returns the stand-ins again.
func RefreshRedisFromEnv(ctx context.Context, getenv func(string) string, l *Loader) (RedisCredentials, error) {
	return redisFromEnv(ctx, getenv, l, (*Loader).Refresh)
}

// XFromEnv resolves the X API credentials. With TWITTER_SECRET_ARN set it
// reads that secret through l (cached after the first call); otherwise it
// uses TWITTER_BEARER_TOKEN, or TWITTER_API_KEY and TWITTER_API_SECRET.
func XFromEnv(ctx context.Context, getenv func(string) string, l *Loader) (XCredentials, error) {
	return xFromEnv(ctx, getenv, l, (*Loader).SecretString)
}

// RefreshXFromEnv is XFromEnv after re-fetching the secret.
func RefreshXFromEnv(ctx context.Context, getenv func(string) string, l *Loader) (XCredentials, error) {
	return xFromEnv(ctx, getenv, l, (*Loader).Refresh)
}

type getFunc func(*Loader, context.Context, string) (string, error)

func redisFromEnv(ctx context.Context, getenv func(string) string, l *Loader, get getFunc) (RedisCredentials, error) {
	if arn := strings.TrimSpace(getenv(EnvMemoryDBSecretARN)); arn != "" {
		v, err := fromSecret(ctx, l, get, EnvMemoryDBSecretARN, arn)
		if err != nil {
			return RedisCredentials{}, err
		}
		c, err := ParseRedis(v)
		if err != nil {
			return RedisCredentials{}, fmt.Errorf("secret %s named by %s: %w", arn, EnvMemoryDBSecretARN, err)
		}
		return c, nil
	}
	c := RedisCredentials{Username: getenv(EnvMemoryDBUsername), Password: getenv(EnvMemoryDBPassword)}
	if c.Username != "" && c.Password == "" {
		return RedisCredentials{}, fmt.Errorf("%s is set but %s is empty (and %s is not set)", EnvMemoryDBUsername, EnvMemoryDBPassword, EnvMemoryDBSecretARN)
	}
	return c, nil
}

func xFromEnv(ctx context.Context, getenv func(string) string, l *Loader, get getFunc) (XCredentials, error) {
	if arn := strings.TrimSpace(getenv(EnvTwitterSecretARN)); arn != "" {
		v, err := fromSecret(ctx, l, get, EnvTwitterSecretARN, arn)
		if err != nil {
			return XCredentials{}, err
		}
		c, err := ParseX(v)
		if err != nil {
			return XCredentials{}, fmt.Errorf("secret %s named by %s: %w", arn, EnvTwitterSecretARN, err)
		}
		return c, nil
	}
	c := XCredentials{
		BearerToken: getenv(EnvTwitterBearerToken),
		APIKey:      getenv(EnvTwitterAPIKey),
		APISecret:   getenv(EnvTwitterAPISecret),
	}
	if err := c.check(EnvTwitterBearerToken, EnvTwitterAPIKey, EnvTwitterAPISecret); err != nil {
		return XCredentials{}, fmt.Errorf("%w (or set %s)", err, EnvTwitterSecretARN)
	}
	return c, nil
}

func fromSecret(ctx context.Context, l *Loader, get getFunc, envName, arn string) (string, error) {
	if l == nil {
		return "", fmt.Errorf("%s is set but no secrets loader was given", envName)
	}
	v, err := get(l, ctx, arn)
	if err != nil {
		return "", fmt.Errorf("%s: %w", envName, err)
	}
	return v, nil
}
