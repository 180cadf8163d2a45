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
	// Name is "standalone" or "cluster" (use it as the subtest name).
	Name() string
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
}

// Env is a standalone server and a cluster started together, both with the same users.
type Env struct {
	Standalone *Standalone // nil with NoStandalone
	Cluster    *Cluster    // nil with NoCluster
	Users      []User      // as given in EnvOptions (initial passwords)
}

// StartEnv starts the servers concurrently.
func StartEnv(opts EnvOptions) (*Env, error) {
	env := &Env{Users: opts.Users}
	var wg sync.WaitGroup
	var sErr, cErr error
	if !opts.NoStandalone {
		wg.Go(func() {
			env.Standalone, sErr = StartStandalone(StandaloneOptions{Users: opts.Users, TLS: opts.StandaloneTLS})
		})
	}
	if !opts.NoCluster {
		wg.Go(func() {
			env.Cluster, cErr = StartCluster(ClusterOptions{Users: opts.Users})
		})
	}
	wg.Wait()
	if err := errors.Join(sErr, cErr); err != nil {
		env.Stop()
		return nil, err
	}
	return env, nil
}

// Need skips tb in the fast tier (-short), where no server runs; call it before using
// Standalone or Cluster.
func (e *Env) Need(tb testing.TB) {
	tb.Helper()
	tier.Skip(tb, "redis-server")
}

// Servers returns the started servers, standalone first (none under -short).
func (e *Env) Servers() []Server {
	var s []Server
	if e.Standalone != nil {
		s = append(s, e.Standalone)
	}
	if e.Cluster != nil {
		s = append(s, e.Cluster)
	}
	return s
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
	if e.Standalone != nil {
		e.Standalone.Stop()
	}
	if e.Cluster != nil {
		e.Cluster.Stop()
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
	if env.Standalone != nil {
		msg += fmt.Sprintf("; standalone %s (%s)", env.Standalone.Addr, env.Standalone.StartupTime.Round(time.Millisecond))
	}
	if env.Cluster != nil {
		msg += fmt.Sprintf("; cluster %v (%s)", env.Cluster.Addrs, env.Cluster.StartupTime.Round(time.Millisecond))
	}
	fmt.Fprintln(os.Stderr, msg)
	set(env)
	return m.Run()
}

// MustStandalone starts a standalone server for one test and stops it in t.Cleanup.
func MustStandalone(tb testing.TB, opts StandaloneOptions) *Standalone {
	tb.Helper()
	tier.Skip(tb, "redis-server")
	s, err := StartStandalone(opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// MustCluster starts a cluster for one test and stops it in t.Cleanup.
func MustCluster(tb testing.TB, opts ClusterOptions) *Cluster {
	tb.Helper()
	tier.Skip(tb, "redis-server")
	c, err := StartCluster(opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(c.Stop)
	return c
}
