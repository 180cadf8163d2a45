package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config says how to reach Redis.
type Config struct {
	Addr     string // host:port; for a cluster, its configuration endpoint
	Cluster  bool   // cluster mode (Amazon MemoryDB always is)
	TLS      bool   // TLS, verifying the server certificate
	CAFile   string // optional PEM bundle to trust instead of the system roots (local clusters)
	Username string // ACL user
	Password string
	// Credentials, when set, is asked for the user and password at every new connection
	// instead of Username/Password, so a rotated secret takes effect without a new client.
	Credentials func(ctx context.Context) (username, password string, err error)
}

// NewClient builds the one Redis client of a process: a cluster client for a cluster
// endpoint with TLS and an ACL user (MemoryDB), or a plain client for a standalone Redis.
// Nothing is dialled until the first command.
func NewClient(cfg Config) (redis.UniversalClient, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("redis address %q: want host:port", cfg.Addr)
	}
	var tlsConf *tls.Config
	if cfg.TLS {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("redis CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("redis CA file %s: no PEM certificate in it", cfg.CAFile)
			}
			tlsConf.RootCAs = pool
		}
	} else if cfg.CAFile != "" {
		return nil, errors.New("redis CA file given but TLS is off")
	}
	const (
		dialTimeout = 2 * time.Second
		ioTimeout   = time.Second
	)
	if cfg.Cluster {
		c := redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:           []string{cfg.Addr},
			Username:        cfg.Username,
			Password:        cfg.Password,
			TLSConfig:       tlsConf,
			DialTimeout:     dialTimeout,
			ReadTimeout:     ioTimeout,
			WriteTimeout:    ioTimeout,
			DisableIdentity: true,

			CredentialsProviderContext: cfg.Credentials,
			// A failover is noticed at the next MOVED reply or state reload; reload sooner.
			ClusterStateReloadInterval: 10 * time.Second,
		})
		c.AddHook(reloadOnNetError{c})
		return c, nil
	}
	return redis.NewClient(&redis.Options{
		Addr:            cfg.Addr,
		Username:        cfg.Username,
		Password:        cfg.Password,
		TLSConfig:       tlsConf,
		DialTimeout:     dialTimeout,
		ReadTimeout:     ioTimeout,
		WriteTimeout:    ioTimeout,
		DisableIdentity: true,

		CredentialsProviderContext: cfg.Credentials,
	}), nil
}

// reloadOnNetError asks a cluster client to reload its slot map when a command fails without a
// Redis reply (connection refused, reset, timeout): after a failover the old primary is gone
// and only a reload learns the promoted replica. The reload runs in the background, so the
// failed command still fails, and the next one goes to the new primary.
type reloadOnNetError struct{ c *redis.ClusterClient }

func (h reloadOnNetError) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnNetError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnNetError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnNetError) check(ctx context.Context, err error) {
	var redisErr redis.Error
	if err != nil && err != redis.Nil && !errors.As(err, &redisErr) && ctx.Err() == nil {
		h.c.ReloadState(ctx)
	}
}
