// Package redistest starts real valkey-server or redis-server processes for tests: a standalone
// server and a TLS-only, ACL-protected cluster that stands in for Amazon MemoryDB. Every server
// listens on a free 127.0.0.1 port chosen at start-up; the Redis on 127.0.0.1:6379 is never used.
// Servers run Valkey (MemoryDB's default engine) unless their options name Redis (Engine); an Env
// can start a standalone server and a cluster per engine (EnvOptions.Engines, BothEngines).
//
// Each server gets its own temporary directory holding its redis.conf, users.acl, nodes.conf
// (cluster), TLS material and redis.log. Processes run in their own process group and are
// killed with it by Stop, and also die with the test binary (Linux parent-death signal), so a
// panicking test does not leave servers behind.
//
// Typical use is from a TestMain, through Main, which starts one standalone server and one
// cluster for the whole package:
//
//	var env *redistest.Env
//
//	func TestMain(m *testing.M) {
//		redistest.Main(m, redistest.EnvOptions{Users: []redistest.User{
//			{Name: "writer", Password: "w-secret", Access: store.WriterAccess("hashtags")},
//		}}, func(e *redistest.Env) { env = e })
//	}
//
// and then, in a test, for _, srv := range env.Servers() { t.Run(srv.Name(), ...) }; the names
// say the engine ("standalone-valkey", "cluster-redis").
//
// Clients made by this package set DisableIdentity so go-redis does not send CLIENT SETINFO,
// and verify the server certificate against the harness CA (never InsecureSkipVerify).
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// AdminUser is the name of the all-powerful ACL user the harness creates on every server and
// uses for its own work (readiness checks, cluster set-up, FLUSHALL, ACL SETUSER, replication).
const AdminUser = "admin"

// User is an ACL user to create on a server. Access holds ACL rules without on/off and without
// a password, e.g. "~{hashtags}:* -@all +@read"; the harness adds "on" and ">Password".
type User struct {
	Name     string
	Password string
	Access   string
}

func (u User) validate() error {
	if u.Name == "" || strings.ContainsAny(u.Name, " \t\r\n") {
		return fmt.Errorf("user name %q: must be non-empty without whitespace", u.Name)
	}
	if u.Name == AdminUser || u.Name == "default" {
		return fmt.Errorf("user name %q: reserved by the harness", u.Name)
	}
	if err := validatePassword(u.Password); err != nil {
		return fmt.Errorf("user %q: %w", u.Name, err)
	}
	if strings.ContainsAny(u.Access, "\r\n") {
		return fmt.Errorf("user %q: Access must be on one line", u.Name)
	}
	for _, f := range strings.Fields(u.Access) {
		switch {
		case f == "on" || f == "off":
			return fmt.Errorf("user %q: Access must not contain %q (the harness turns users on)", u.Name, f)
		case strings.HasPrefix(f, ">") || strings.HasPrefix(f, "#") || f == "nopass":
			return fmt.Errorf("user %q: Access must not contain a password rule", u.Name)
		}
	}
	return nil
}

func validatePassword(p string) error {
	if p == "" || strings.ContainsAny(p, " \t\r\n") {
		return errors.New("password must be non-empty without whitespace")
	}
	return nil
}

// aclLine renders u as a line of a Redis ACL file.
func (u User) aclLine() string {
	return strings.TrimSpace(fmt.Sprintf("user %s on >%s %s", u.Name, u.Password, u.Access))
}

// setUserArgs is the ACL SETUSER command recreating u from scratch.
func (u User) setUserArgs() []any {
	args := []any{"acl", "setuser", u.Name, "reset", "on", ">" + u.Password}
	for _, f := range strings.Fields(u.Access) {
		args = append(args, f)
	}
	return args
}

// userSet is the harness's record of the ACL users of one server; it is the source of truth
// for users.acl, so a restarted node comes back with the current passwords.
type userSet struct {
	defaultOn bool
	admin     User
	users     []User
}

func (s *userSet) aclFile() string {
	var b strings.Builder
	if s.defaultOn {
		b.WriteString("user default on nopass ~* &* +@all\n")
	} else {
		b.WriteString("user default off resetpass -@all\n")
	}
	b.WriteString(s.admin.aclLine() + "\n")
	for _, u := range s.users {
		b.WriteString(u.aclLine() + "\n")
	}
	return b.String()
}

// put adds or replaces u.
func (s *userSet) put(u User) {
	for i := range s.users {
		if s.users[i].Name == u.Name {
			s.users[i] = u
			return
		}
	}
	s.users = append(s.users, u)
}

func (s *userSet) get(name string) (User, bool) {
	for _, u := range s.users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

func newUserSet(defaultOn bool, users []User) (*userSet, error) {
	s := &userSet{defaultOn: defaultOn, admin: User{Name: AdminUser, Password: randomPassword(), Access: "~* &* +@all"}}
	for _, u := range users {
		if err := u.validate(); err != nil {
			return nil, err
		}
		if _, dup := s.get(u.Name); dup {
			return nil, fmt.Errorf("user name %q: given twice", u.Name)
		}
		s.users = append(s.users, u)
	}
	return s, nil
}

func randomPassword() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("redistest: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// makeTempDir creates a harness directory recording the owning test binary's pid, after
// removing directories left by test binaries that died without Stop (e.g. a panicking test:
// their redis-server processes died with them through the parent-death signal).
func makeTempDir(kind string) (string, error) {
	sweepOnce.Do(sweepStaleDirs)
	dir, err := os.MkdirTemp("", "redistest-"+kind+"-")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	if err := writeFile(filepath.Join(dir, ownerFile), strconv.Itoa(os.Getpid())); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

const ownerFile = "owner.pid"

var sweepOnce sync.Once

func sweepStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "redistest-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue // not ours, or being created right now
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago (never 6379).
func freePort() (int, error) {
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if err := l.Close(); err != nil {
			return 0, fmt.Errorf("find free port: close listener: %w", err)
		}
		if port != 6379 {
			return port, nil
		}
	}
	return 0, errors.New("find free port: kept getting 6379")
}

// process is one redis-server child.
type process struct {
	bin      string
	name     string // for messages: "standalone", "node 2"
	dir      string
	confPath string
	logPath  string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process has exited
	waitErr error
}

// start runs redis-server with the config file. The process gets its own process group and
// is killed if the test binary dies.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		return fmt.Errorf("%s: already running", p.name)
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("%s: open log: %w", p.name, err)
	}
	cmd := exec.Command(p.bin, p.confPath)
	cmd.Dir = p.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("%s: start %s: %w", p.name, p.bin, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	go func() {
		err := cmd.Wait()
		_ = logf.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// kill sends SIGKILL to the process group and waits for the process to exit.
func (p *process) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !isClosed(p.done)
}

func (p *process) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// logTail returns the last lines of the server log, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", p.logPath, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// readyTimeout bounds how long a server may take to answer PING after start.
const readyTimeout = 20 * time.Second

// waitReady polls ping until it succeeds, the process exits, or readyTimeout passes.
func waitReady(ctx context.Context, p *process, ping func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	exited := p.exited()
	var lastErr error
	for {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		err := ping(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		lastErr = err
		select {
		case <-exited:
			return fmt.Errorf("%s exited during start-up (%v); log %s:\n%s", p.name, p.waitErr, p.logPath, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not answering PING after %s (last error: %v); log %s:\n%s", p.name, readyTimeout, lastErr, p.logPath, p.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// portInUse reports whether the server log says a listening port was taken.
func portInUse(p *process) bool {
	return strings.Contains(p.logTail(), "in use")
}

// writeFile writes a harness file readable only by us.
func writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
