package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// ClientConfig is how a client reaches a server; Store turns it into the store's Config.
type ClientConfig struct {
	Addr     string
	Cluster  bool
	TLS      bool
	CAFile   string
	Username string
	Password string
}

// Store is c as the store's client configuration.
func (c ClientConfig) Store() store.Config {
	return store.Config{Addr: c.Addr, Cluster: c.Cluster, TLS: c.TLS, CAFile: c.CAFile, Username: c.Username, Password: c.Password}
}

// Server is what Standalone and Cluster have in common, so a suite can run on both.
type Server interface {
	// Name is "standalone-" or "cluster-" and the engine (use it as the subtest name).
	Name() string
	// ServerEngine is the engine the server runs.
	ServerEngine() Engine
	// Admin is the harness's full-access client (owned by the server: do not Close it).
	Admin() redis.UniversalClient
	// Connect returns a new client authenticating as user; the caller closes it.
	Connect(user, password string) redis.UniversalClient
	// Config returns the connection settings for user, shaped like store.Config.
	Config(user, password string) ClientConfig
	// SetUser creates or replaces an ACL user.
	SetUser(ctx context.Context, u User) error
	// SetUserPassword replaces the password of a user created by the harness.
	SetUserPassword(ctx context.Context, user, password string) error
	// FlushAll deletes every key and cached script.
	FlushAll(ctx context.Context) error
}

var (
	_ Server = (*Standalone)(nil)
	_ Server = (*Cluster)(nil)
)

// EnvOptions configures StartEnv and Main.
type EnvOptions struct {
	// Users are created on both servers (e.g. the writer and reader users of the store).
	Users []User
	// NoStandalone and NoCluster leave a server out.
	NoStandalone, NoCluster bool
	// StandaloneTLS makes the standalone server TLS only as well.
	StandaloneTLS bool
	// Engines lists the engines to start servers of (a standalone server and a cluster each);
	// nil means DefaultEngine only. BothEngines runs a suite on Valkey and on Redis 7.0.
	// The EnginesEnv variable overrides it.
	Engines []Engine
}

// Env is a standalone server and a cluster per engine, started together, all with the same users.
type Env struct {
	Standalone *Standalone // the first engine's; nil with NoStandalone
	Cluster    *Cluster    // the first engine's; nil with NoCluster
	Users      []User      // as given in EnvOptions (initial passwords)
	Engines    []Engine    // the engines started, the first one's servers in Standalone and Cluster

	standalones []*Standalone // one per engine, in Engines order
	clusters    []*Cluster
}

// StartEnv starts the servers concurrently.
func StartEnv(opts EnvOptions) (*Env, error) {
	engs, err := engines(opts.Engines)
	if err != nil {
		return nil, fmt.Errorf("start env: %w", err)
	}
	env := &Env{Users: opts.Users, Engines: engs}
	n := len(engs)
	if !opts.NoStandalone {
		env.standalones = make([]*Standalone, n)
	}
	if !opts.NoCluster {
		env.clusters = make([]*Cluster, n)
	}
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i, e := range engs {
		if !opts.NoStandalone {
			wg.Go(func() {
				env.standalones[i], errs[2*i] = StartStandalone(StandaloneOptions{
					Users: opts.Users, TLS: opts.StandaloneTLS, Engine: e})
			})
		}
		if !opts.NoCluster {
			wg.Go(func() { env.clusters[i], errs[2*i+1] = StartCluster(ClusterOptions{Users: opts.Users, Engine: e}) })
		}
	}
	wg.Wait()
	if len(env.standalones) > 0 {
		env.Standalone = env.standalones[0]
	}
	if len(env.clusters) > 0 {
		env.Cluster = env.clusters[0]
	}
	if err := errors.Join(errs...); err != nil {
		env.Stop()
		return nil, err
	}
	return env, nil
}

// Need skips tb in the fast tier (-short), where no server runs; call it before using
// Standalone or Cluster.
func (e *Env) Need(tb testing.TB) {
	tb.Helper()
	tier.Skip(tb, "valkey-server")
}

// Servers returns the started servers: per engine (in Engines order), standalone first (none
// under -short).
func (e *Env) Servers() []Server {
	var s []Server
	for i := range e.Engines {
		if i < len(e.standalones) && e.standalones[i] != nil {
			s = append(s, e.standalones[i])
		}
		if i < len(e.clusters) && e.clusters[i] != nil {
			s = append(s, e.clusters[i])
		}
	}
	return s
}

// StandaloneOf returns the standalone server running engine, or nil.
func (e *Env) StandaloneOf(engine Engine) *Standalone {
	for _, s := range e.standalones {
		if s != nil && s.Engine == engine.orDefault() {
			return s
		}
	}
	return nil
}

// User returns the user called name from EnvOptions.Users, with its initial password.
func (e *Env) User(name string) (User, bool) {
	for _, u := range e.Users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// FlushAll flushes every server.
func (e *Env) FlushAll(ctx context.Context) error {
	for _, s := range e.Servers() {
		if err := s.FlushAll(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops every server. Safe to call more than once.
func (e *Env) Stop() {
	for _, s := range e.standalones {
		if s != nil {
			s.Stop()
		}
	}
	for _, c := range e.clusters {
		if c != nil {
			c.Stop()
		}
	}
}

// Main is for TestMain: it starts the servers, hands the Env to set (store it in a package
// variable), runs the tests, stops the servers and exits with the tests' code. When the servers
// cannot start it prints why and exits 1: the tests fail, they are never skipped.
//
// Under -short (the fast tier) it starts nothing: set gets an Env with the users and no server,
// Servers is empty, and the tests that need a server skip through Env.Need.
func Main(m *testing.M, opts EnvOptions, set func(*Env)) {
	os.Exit(run(m, opts, set))
}

func run(m *testing.M, opts EnvOptions, set func(*Env)) int {
	if tier.Short() {
		set(&Env{Users: opts.Users})
		return m.Run()
	}
	begin := time.Now()
	env, err := StartEnv(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "redistest: %v\n", err)
		return 1
	}
	defer env.Stop()
	msg := fmt.Sprintf("redistest: servers ready in %s", time.Since(begin).Round(time.Millisecond))
	for _, s := range env.standalones {
		msg += fmt.Sprintf("; standalone on %s %s (%s)", s.Engine.Describe(), s.Addr, s.StartupTime.Round(time.Millisecond))
	}
	for _, c := range env.clusters {
		msg += fmt.Sprintf("; cluster on %s %v (%s)", c.Engine.Describe(), c.Addrs, c.StartupTime.Round(time.Millisecond))
	}
	fmt.Fprintln(os.Stderr, msg)
	set(env)
	return m.Run()
}

// MustStandalone starts a standalone server for one test and stops it in t.Cleanup.
func MustStandalone(tb testing.TB, opts StandaloneOptions) *Standalone {
	tb.Helper()
	tier.Skip(tb, "valkey-server")
	s, err := StartStandalone(opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Logf("redistest: standalone on %s at %s", s.Engine.Describe(), s.Addr)
	tb.Cleanup(s.Stop)
	return s
}

// MustCluster starts a cluster for one test and stops it in t.Cleanup.
func MustCluster(tb testing.TB, opts ClusterOptions) *Cluster {
	tb.Helper()
	tier.Skip(tb, "valkey-server")
	c, err := StartCluster(opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Logf("redistest: cluster on %s at %v", c.Engine.Describe(), c.Addrs)
	tb.Cleanup(c.Stop)
	return c
}
