package store

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Config says how to reach Redis.
type Config struct {
	Addr     string // host:port; for a cluster, its configuration endpoint
	Cluster  bool   // cluster mode (Amazon MemoryDB always is)
	TLS      bool   // TLS, verifying the server certificate
	CAFile   string // optional PEM bundle to trust instead of the system roots (local clusters)
	Username string // ACL user
	Password string
	// Refresh, when set, is asked for new credentials when Redis refuses the current ones
	// (the secret was rotated): see rotation. Without it, Username/Password are used as given.
	Refresh func(ctx context.Context) (username, password string, err error)
	// Logger receives the refreshes' warnings and errors; default slog.Default().
	Logger *slog.Logger
	// IOTimeout bounds each read and write on a connection; default 1 s. A command that times
	// out is retried by the client: for a record batch that is safe (exactly once), but the
	// batch then reports its posts as duplicates.
	IOTimeout time.Duration
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
	const dialTimeout = 2 * time.Second
	ioTimeout := cmp.Or(cfg.IOTimeout, time.Second)
	var rot *rotation
	var creds func(context.Context) (string, string, error)
	if cfg.Refresh != nil {
		rot = &rotation{user: cfg.Username, pass: cfg.Password, refresh: cfg.Refresh, log: cfg.Logger}
		if rot.log == nil {
			rot.log = slog.Default()
		}
		creds = rot.credentials
	}
	opts := &redis.UniversalOptions{
		Addrs:           []string{cfg.Addr},
		Username:        cfg.Username,
		Password:        cfg.Password,
		TLSConfig:       tlsConf,
		DialTimeout:     dialTimeout,
		ReadTimeout:     ioTimeout,
		WriteTimeout:    ioTimeout,
		DisableIdentity: true,
		// go-redis would send CLIENT MAINT_NOTIFICATIONS (Redis 8) on every new connection:
		// not a command of MemoryDB's engines (the command-table test checks what is sent).
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},

		CredentialsProviderContext: creds,
	}
	var c redis.UniversalClient
	if cfg.Cluster {
		co := opts.Cluster()
		// A failover is noticed at the next MOVED reply or state reload; reload sooner.
		co.ClusterStateReloadInterval = 10 * time.Second
		cc := redis.NewClusterClient(co)
		cc.AddHook(reloadOnNetError{cc})
		if rot != nil {
			// A node client runs a new connection's handshake through its own hooks.
			cc.OnNewNode(func(node *redis.Client) { node.AddHook(refusals{rot}) })
		}
		c = cc
	} else {
		c = redis.NewClient(opts.Simple())
	}
	if rot != nil {
		c.AddHook(rot)
	}
	return c, nil
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

// rotation hands go-redis the current credentials for every new connection and, when Redis
// refuses them (the secret was rotated; MemoryDB then drops the old connections), gets new
// ones from refresh and retries the refused command once with them.
//
// Many commands fail together after a rotation (every connection is new). One of them calls
// refresh, outside the lock, so new connections keep getting the current credentials while it
// runs; the others wait for that call and retry with its result; a command that failed with
// credentials older than the current ones retries at once. When nothing newer is known,
// refresh runs at most once per refreshEvery, so a password that is simply wrong does not
// hammer Secrets Manager: the command then returns the authentication error.
type rotation struct {
	refresh func(context.Context) (string, string, error)
	log     *slog.Logger

	mu      sync.Mutex
	user    string
	pass    string
	gen     uint64        // counts the changes of user/pass
	refused uint64        // counts the handshakes Redis refused
	flight  chan struct{} // closed when the refresh in progress ends; nil when none runs
	last    time.Time     // when the last refresh ended
}

const (
	refreshEvery   = 10 * time.Second
	refreshTimeout = 10 * time.Second
)

func (r *rotation) credentials(context.Context) (string, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.user, r.pass, nil
}

// state returns the generation of the current credentials and the count of refused handshakes.
func (r *rotation) state() (gen, refused uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen, r.refused
}

// noteRefusal counts a handshake that Redis refused.
func (r *rotation) noteRefusal() {
	r.mu.Lock()
	r.refused++
	r.mu.Unlock()
}

// shouldRenew reports whether a command that failed with err, having started at state (gen,
// refused), failed for the credentials: Redis refused them in its reply, or refused a
// handshake meanwhile. The second covers a cluster pipeline, whose error is that of its first
// attempt (EOF on a connection the rotation dropped) even when its retry was refused.
func (r *rotation) shouldRenew(err error, refused uint64) bool {
	if err == nil {
		return false
	}
	if redis.IsAuthError(err) {
		return true
	}
	_, now := r.state()
	return now != refused
}

// renew is called by a command that Redis refused while generation seen was current; it
// reports whether newer credentials are there to retry with.
func (r *rotation) renew(ctx context.Context, seen uint64) bool {
	r.mu.Lock()
	for r.gen == seen && r.flight != nil {
		f := r.flight
		r.mu.Unlock()
		select {
		case <-f:
		case <-ctx.Done():
			return false
		}
		r.mu.Lock()
	}
	if r.gen != seen {
		r.mu.Unlock()
		return true
	}
	if !r.last.IsZero() && time.Since(r.last) < refreshEvery {
		r.mu.Unlock()
		return false
	}
	f := make(chan struct{})
	r.flight = f
	r.mu.Unlock()

	// The call serves every waiter, so the caller's cancellation does not end it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	user, pass, err := r.refresh(rctx)
	cancel()

	r.mu.Lock()
	changed := err == nil && (user != r.user || pass != r.pass)
	if changed {
		r.user, r.pass = user, pass
		r.gen++
	}
	r.last = time.Now()
	r.flight = nil
	close(f)
	r.mu.Unlock()
	if err != nil {
		r.log.ErrorContext(ctx, "redis refused the credentials and getting new ones failed", "error", err.Error())
	} else {
		r.log.WarnContext(ctx, "redis refused the credentials; got them again", "changed", changed)
	}
	return changed
}

func (r *rotation) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *rotation) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if handshake(cmd) {
			// A standalone client runs a new connection's handshake through the hooks too; its
			// arguments hold the credentials it dialled with, so retrying it is pointless: the
			// command that needed the connection retries with the new credentials.
			return refusals{r}.observe(ctx, cmd, next)
		}
		seen, refused := r.state()
		err := next(ctx, cmd)
		if r.shouldRenew(err, refused) && r.renew(ctx, seen) {
			cmd.SetErr(nil)
			err = next(ctx, cmd)
		}
		return err
	}
}

func (r *rotation) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		seen, refused := r.state()
		err := next(ctx, cmds)
		if r.shouldRenew(err, refused) && r.renew(ctx, seen) {
			for _, c := range cmds {
				c.SetErr(nil)
			}
			err = next(ctx, cmds)
		}
		return err
	}
}

// handshake reports whether cmd is a new connection's authentication.
func handshake(cmd redis.Cmder) bool {
	n := cmd.Name()
	return n == "hello" || n == "auth"
}

// refusals is the hook of a cluster's node clients: it counts the handshakes Redis refuses,
// for the rotation hook on the cluster client (see shouldRenew).
type refusals struct{ r *rotation }

func (h refusals) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h refusals) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			return next(ctx, cmd)
		}
		return h.observe(ctx, cmd, next)
	}
}

func (h refusals) observe(ctx context.Context, cmd redis.Cmder, next redis.ProcessHook) error {
	err := next(ctx, cmd)
	if redis.IsAuthError(err) {
		h.r.noteRefusal()
	}
	return err
}

func (h refusals) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
