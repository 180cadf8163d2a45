// Package coldstart owns a function's cold start: from the environment contract (package config) it
// builds the logger, the traced Redis client with credentials from Secrets Manager (read again
// when Redis refuses them after a rotation: store.Config.Refresh), and the traced X API sources.
// The mains call it once per execution environment and hand the results to their handlers.
package coldstart

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/logging"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/tracing"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// Timeout bounds a cold start's calls (the Secrets Manager reads and the OAuth 2.0 token
// exchange) inside Lambda's 10 s init phase, so a slow dependency fails with its own error.
const Timeout = 8 * time.Second

// Env is what every function needs at cold start.
type Env struct {
	// Log is the process's JSON logger.
	Log *slog.Logger
	// Secrets reads the credentials' secrets; their sources come with the configuration
	// (config.Redis.Credentials, config.Ingest.X).
	Secrets *secrets.Loader
}

// New sets up logging (JSON to stdout, the process default, at config.LogLevel) and tracing,
// and a Secrets Manager loader that is only dialled when a secret's ARN is configured.
func New(getenv func(string) string) *Env {
	log := logging.New(os.Stdout, config.LogLevel(getenv))
	slog.SetDefault(log)
	redis.SetLogger(logging.Printf{Log: log, Level: slog.LevelWarn})
	if err := tracing.Init(); err != nil {
		log.Warn("x-ray tracing is off", "error", err.Error())
	}
	return &Env{Log: log, Secrets: secrets.NewLoader(secrets.WithConfigHook(tracing.InstrumentAWS))}
}

// Board connects to the leaderboard's Redis with the user from cfg.Credentials (its secret or
// the local stand-ins) and returns the store of the default board, cfg.Leaderboard, made with opts
// (see Boards).
func (e *Env) Board(ctx context.Context, cfg config.Redis, opts ...store.Option) (*store.Store, error) {
	boards, err := e.Boards(ctx, cfg, []string{cfg.Leaderboard}, opts...)
	if err != nil {
		return nil, err
	}
	return boards[0], nil
}

// Boards connects to the leaderboard's Redis with the user from cfg.Credentials (its secret or
// the local stand-ins) and returns the store of each board in names, in that order, all on the one
// client and each made with opts (ingest passes the trending option, WithTrendingMinAuthors).
// Nothing is dialled yet: go-redis connects at the first command, so a Redis that is
// down at cold start fails the first invoke, not the init, and the next invoke after it returns
// succeeds in the same process. The client lives as long as the process (an execution
// environment), so nothing closes it.
func (e *Env) Boards(ctx context.Context, cfg config.Redis, names []string, opts ...store.Option) ([]*store.Store, error) {
	creds, err := secrets.Redis(ctx, cfg.Credentials, e.Secrets)
	if err != nil {
		return nil, err
	}
	rdb, err := store.NewClient(store.Config{
		Addr: cfg.Endpoint, Cluster: cfg.Cluster, TLS: cfg.TLS, CAFile: cfg.CAFile,
		Username: creds.Username, Password: creds.Password, Logger: e.Log,
		// After a rotation Redis refuses the old password: read the secret again.
		Refresh: func(ctx context.Context) (string, string, error) {
			c, err := secrets.RefreshRedis(ctx, cfg.Credentials, e.Secrets)
			return c.Username, c.Password, err
		},
	})
	if err != nil {
		return nil, fmt.Errorf("redis client for %s: %w", cfg.Endpoint, err)
	}
	rdb.AddHook(tracing.RedisHook())
	boards := make([]*store.Store, len(names))
	for i, name := range names {
		if boards[i], err = store.New(rdb, name, opts...); err != nil {
			rdb.Close()
			return nil, fmt.Errorf("board %q: %w", name, err)
		}
	}
	return boards, nil
}

// Sources builds the X API source of every board (its query), in cfg.Boards' order, all with
// one HTTP client and one bearer token: from cfg.X (its secret or the local stand-ins),
// exchanged once for an app-only token when the secret holds a key and secret. When X refuses
// the token (the secret was rotated or the token revoked), a source reads the secret again,
// exchanges again if needed, and retries once, without a new cold start.
func (e *Env) Sources(ctx context.Context, cfg config.Ingest) ([]*xapi.Source, error) {
	hc := tracing.HTTPClient(&http.Client{Timeout: xapi.DefaultHTTPTimeout})
	bearer := func(ctx context.Context, creds secrets.XCredentials) (xapi.BearerToken, error) {
		if creds.BearerToken != "" {
			return xapi.BearerToken(creds.BearerToken), nil
		}
		token, err := xapi.BearerFromKeySecret(ctx, hc, cfg.APIURL, creds.APIKey, creds.APISecret)
		if err != nil {
			return "", fmt.Errorf("exchange the X API key and secret for a bearer token: %w", err)
		}
		return xapi.BearerToken(token), nil
	}
	creds, err := secrets.X(ctx, cfg.X, e.Secrets)
	if err != nil {
		return nil, err
	}
	token, err := bearer(ctx, creds)
	if err != nil {
		return nil, err
	}
	reauthorize := func(ctx context.Context) (xapi.BearerToken, error) {
		creds, err := secrets.RefreshX(ctx, cfg.X, e.Secrets)
		if err != nil {
			return "", err
		}
		return bearer(ctx, creds)
	}
	sources := make([]*xapi.Source, len(cfg.Boards))
	for i, b := range cfg.Boards {
		sources[i], err = xapi.New(xapi.Config{
			BaseURL: cfg.APIURL, BearerToken: token, HTTPClient: hc, Query: b.Query, Logger: e.Log, Reauthorize: reauthorize,
		})
		if err != nil {
			return nil, fmt.Errorf("x api source of board %q: %w", b.Name, err)
		}
	}
	return sources, nil
}

// Fatal logs a cold-start failure and exits; Lambda reports it as an init error and starts a
// new execution environment for the next invoke.
func (e *Env) Fatal(stage string, err error) {
	e.Log.Error("cold start failed", "stage", stage, "error", err.Error())
	os.Exit(1)
}
