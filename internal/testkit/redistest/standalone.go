package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// StandaloneOptions configures StartStandalone.
type StandaloneOptions struct {
	// Users are created (ACL) in addition to the harness's admin user.
	Users []User
	// DefaultUserOff turns the "default" user off (as on MemoryDB); by default it stays on
	// without a password so unauthenticated clients work.
	DefaultUserOff bool
	// TLS makes the server listen with TLS only (certificate signed by a harness CA, CAFile).
	TLS bool
	// Engine is the server program (default DefaultEngine, valkey-server).
	Engine Engine
}

// Standalone is a running valkey-server or redis-server (not clustered), without persistence.
type Standalone struct {
	// Addr is "127.0.0.1:PORT".
	Addr string
	// Engine is the server program it runs.
	Engine Engine
	// TLS reports whether the server speaks TLS only; CAFile is then the CA to trust.
	TLS    bool
	CAFile string
	// AdminUser and AdminPassword authenticate the harness's full-access user.
	AdminUser, AdminPassword string
	// Dir holds redis.conf, users.acl, the TLS files and redis.log; removed by Stop.
	Dir string
	// StartupTime is how long StartStandalone took.
	StartupTime time.Duration

	proc  *process
	tls   *tlsFiles
	admin *redis.Client

	mu      sync.Mutex
	users   *userSet
	stopped bool
}

// StartStandalone starts the engine's server on a free 127.0.0.1 port with --save "" and
// --appendonly no in its own temporary directory, and waits until it answers PING.
func StartStandalone(opts StandaloneOptions) (*Standalone, error) {
	begin := time.Now()
	bin, err := opts.Engine.path()
	if err != nil {
		return nil, err
	}
	users, err := newUserSet(!opts.DefaultUserOff, opts.Users)
	if err != nil {
		return nil, fmt.Errorf("start standalone: %w", err)
	}
	dir, err := makeTempDir("standalone")
	if err != nil {
		return nil, fmt.Errorf("start standalone: %w", err)
	}
	s := &Standalone{
		Engine:        opts.Engine.orDefault(),
		TLS:           opts.TLS,
		AdminUser:     AdminUser,
		AdminPassword: users.admin.Password,
		Dir:           dir,
		users:         users,
		proc: &process{
			bin:      bin,
			name:     "standalone " + opts.Engine.Program(),
			dir:      dir,
			confPath: filepath.Join(dir, "redis.conf"),
			logPath:  filepath.Join(dir, "redis.log"),
		},
	}
	if opts.TLS {
		if s.tls, err = generateTLS(dir); err != nil {
			s.Stop()
			return nil, fmt.Errorf("start standalone: %w", err)
		}
		s.CAFile = s.tls.CAFile
	}
	if err := writeFile(filepath.Join(dir, "users.acl"), users.aclFile()); err != nil {
		s.Stop()
		return nil, fmt.Errorf("start standalone: %w", err)
	}

	const attempts = 3
	for attempt := 1; ; attempt++ {
		err = s.startOnNewPort()
		if err == nil {
			break
		}
		if attempt == attempts || !portInUse(s.proc) {
			s.Stop()
			return nil, fmt.Errorf("start standalone: %w", err)
		}
	}
	s.StartupTime = time.Since(begin)
	tls := "no TLS"
	if s.TLS {
		tls = "TLS"
	}
	report("standalone", s.Engine, tls)
	return s, nil
}

func (s *Standalone) startOnNewPort() error {
	s.proc.kill()
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Addr = "127.0.0.1:" + itoa(port)
	if s.admin != nil {
		_ = s.admin.Close()
	}
	s.admin = s.NewClient(AdminUser, s.AdminPassword)
	if err := writeFile(s.proc.confPath, s.config(port)); err != nil {
		return err
	}
	return s.startProcess()
}

func (s *Standalone) config(port int) string {
	lines := []string{
		"bind 127.0.0.1",
		"daemonize no",
		"protected-mode no",
		`dir "` + s.Dir + `"`,
		`save ""`,
		"appendonly no",
		`aclfile "` + filepath.Join(s.Dir, "users.acl") + `"`,
	}
	if s.tls != nil {
		lines = append(lines,
			"port 0",
			"tls-port "+itoa(port),
			`tls-cert-file "`+s.tls.CertFile+`"`,
			`tls-key-file "`+s.tls.KeyFile+`"`,
			`tls-ca-cert-file "`+s.tls.CAFile+`"`,
			"tls-auth-clients no",
		)
	} else {
		lines = append(lines, "port "+itoa(port))
	}
	return strings.Join(lines, "\n") + "\n"
}

func (s *Standalone) startProcess() error {
	if err := s.proc.start(); err != nil {
		return err
	}
	return s.waitReady(context.Background())
}

// waitReady polls PING with a client that does not retry (the harness does).
func (s *Standalone) waitReady(ctx context.Context) error {
	opt := s.adminOptions()
	opt.MaxRetries = -1
	opt.PoolSize = 1
	cl := redis.NewClient(opt)
	defer func() { _ = cl.Close() }()
	return waitReady(ctx, s.proc, func(ctx context.Context) error { return cl.Ping(ctx).Err() })
}

func (s *Standalone) adminOptions() *redis.Options {
	return s.options(AdminUser, s.AdminPassword)
}

// Name returns "standalone-" and the engine, e.g. "standalone-valkey".
func (s *Standalone) Name() string { return "standalone-" + string(s.Engine) }

// ServerEngine returns the engine the server runs.
func (s *Standalone) ServerEngine() Engine { return s.Engine }

// Client returns the admin client (owned by s: do not Close it).
func (s *Standalone) Client() *redis.Client { return s.admin }

// Admin returns the admin client as a redis.UniversalClient (owned by s: do not Close it).
func (s *Standalone) Admin() redis.UniversalClient { return s.admin }

// NewClient returns a client authenticating as user (the caller closes it). An empty user
// means the default user without a password.
func (s *Standalone) NewClient(user, password string) *redis.Client {
	return redis.NewClient(s.options(user, password))
}

func (s *Standalone) options(user, password string) *redis.Options {
	opt := &redis.Options{
		Addr:            s.Addr,
		Username:        user,
		Password:        password,
		DisableIdentity: true,
	}
	if s.tls != nil {
		opt.TLSConfig = s.tls.clientTLS()
	}
	return opt
}

// Connect is NewClient as a redis.UniversalClient (for the Server interface).
func (s *Standalone) Connect(user, password string) redis.UniversalClient {
	return s.NewClient(user, password)
}

// Config returns the connection settings for user, shaped like store.Config.
func (s *Standalone) Config(user, password string) ClientConfig {
	return ClientConfig{Addr: s.Addr, TLS: s.TLS, CAFile: s.CAFile, Username: user, Password: password}
}

// Kill kills the server process (SIGKILL), for fault tests; Restart brings it back.
func (s *Standalone) Kill() {
	s.proc.kill()
}

// Restart starts a killed server again on the same port (empty: there is no persistence) with
// the current users, and waits until it answers PING.
func (s *Standalone) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return fmt.Errorf("restart standalone %s: stopped", s.Addr)
	}
	if err := s.proc.start(); err != nil {
		return fmt.Errorf("restart standalone %s: %w", s.Addr, err)
	}
	if err := s.waitReady(ctx); err != nil {
		return fmt.Errorf("restart standalone %s: %w", s.Addr, err)
	}
	return nil
}

// SetUser creates user u or replaces it entirely (ACL SETUSER name reset on >password rules).
func (s *Standalone) SetUser(ctx context.Context, u User) error {
	if err := u.validate(); err != nil {
		return fmt.Errorf("set user: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admin.Do(ctx, u.setUserArgs()...).Err(); err != nil {
		return fmt.Errorf("set user %q on %s: %w", u.Name, s.Addr, err)
	}
	s.users.put(u)
	return writeFile(filepath.Join(s.Dir, "users.acl"), s.users.aclFile())
}

// SetUserPassword replaces the password of an existing user (ACL SETUSER name resetpass
// >password). Connections already authenticated stay open, as with a real rotation.
func (s *Standalone) SetUserPassword(ctx context.Context, user, password string) error {
	if err := validatePassword(password); err != nil {
		return fmt.Errorf("set password of %q: %w", user, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users.get(user)
	if !ok {
		return fmt.Errorf("set password of %q: no such user created by the harness", user)
	}
	if err := s.admin.Do(ctx, "acl", "setuser", user, "resetpass", ">"+password).Err(); err != nil {
		return fmt.Errorf("set password of %q on %s: %w", user, s.Addr, err)
	}
	u.Password = password
	s.users.put(u)
	return writeFile(filepath.Join(s.Dir, "users.acl"), s.users.aclFile())
}

// FlushAll deletes every key and every cached Lua script.
func (s *Standalone) FlushAll(ctx context.Context) error {
	if err := s.admin.Do(ctx, "flushall", "sync").Err(); err != nil {
		return fmt.Errorf("flushall on %s: %w", s.Addr, err)
	}
	if err := s.admin.ScriptFlush(ctx).Err(); err != nil {
		return fmt.Errorf("script flush on %s: %w", s.Addr, err)
	}
	return nil
}

// Stop kills the server and removes its directory. Safe to call more than once.
func (s *Standalone) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	s.proc.kill()
	if s.admin != nil {
		_ = s.admin.Close()
	}
	_ = os.RemoveAll(s.Dir)
}
