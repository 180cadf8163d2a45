// Package awstest runs moto_server (the moto project's AWS stand-in) for Secrets Manager in
// tests: on a free 127.0.0.1 port, in its own process group, stopped by Stop and killed with
// the test binary. It offers helpers to create and rotate secrets, and the environment a
// Lambda binary (or config.LoadDefaultConfig in-process) needs to reach it with fake
// credentials.
package awstest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// Fake settings every client of the stand-in uses. moto accepts any credentials.
const (
	Region          = "us-east-1"
	AccessKeyID     = "AKIAAWSTESTFAKEKEY00"
	SecretAccessKey = "awstest-fake-secret-access-key"
)

// readyTimeout bounds moto_server's start-up (it is a Python program: about 2.5s here).
const readyTimeout = 60 * time.Second

// Moto is a running moto_server.
type Moto struct {
	// Endpoint is "http://127.0.0.1:PORT".
	Endpoint string
	// Dir holds moto.log; removed by Stop.
	Dir string
	// StartupTime is how long StartMoto took.
	StartupTime time.Duration

	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
	client  *secretsmanager.Client

	mu      sync.Mutex
	stopped bool
}

// FindMotoServer returns the path of moto_server: from PATH, else the pyenv shims
// (/root/.pyenv/shims, ~/.pyenv/shims).
func FindMotoServer() (string, error) {
	dirs := []string{"/root/.pyenv/shims"}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".pyenv", "shims"))
	}
	return findMotoServer(dirs)
}

func findMotoServer(dirs []string) (string, error) {
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p, nil
	}
	for _, d := range dirs {
		p := filepath.Join(d, "moto_server")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("moto_server not found on PATH nor in %s: install the pip package \"moto[server]\" (scripts/ensure-deps.sh checks for it)", strings.Join(dirs, ", "))
}

// StartMoto starts moto_server on a free 127.0.0.1 port and waits until Secrets Manager
// answers (ListSecrets).
func StartMoto() (*Moto, error) {
	begin := time.Now()
	bin, err := FindMotoServer()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "awstest-moto-")
	if err != nil {
		return nil, fmt.Errorf("start moto: temp dir: %w", err)
	}
	m := &Moto{Dir: dir, logPath: filepath.Join(dir, "moto.log")}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		err = m.start(bin)
		if err == nil {
			break
		}
		m.kill()
		if attempt == attempts || !strings.Contains(m.logTail(), "in use") {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("start moto: %w", err)
		}
	}
	m.StartupTime = time.Since(begin)
	return m, nil
}

// MustMoto starts moto_server for one test and stops it in t.Cleanup.
func MustMoto(tb testing.TB) *Moto {
	tb.Helper()
	tier.Skip(tb, "moto_server")
	m, err := StartMoto()
	if err != nil {
		tb.Fatalf("awstest: %v", err)
	}
	tb.Cleanup(m.Stop)
	return m
}

func (m *Moto) start(bin string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("find free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return fmt.Errorf("find free port: %w", err)
	}
	m.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	m.client = secretsmanager.New(secretsmanager.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(m.Endpoint),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	})

	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Dir = m.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// The pyenv shim needs HOME/PATH as they are; moto itself needs no credentials.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan struct{})
	m.cmd, m.done = cmd, done
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		_ = logf.Close()
		close(done)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	var last error
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		_, last = m.client.ListSecrets(pctx, &secretsmanager.ListSecretsInput{})
		pcancel()
		if last == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("moto_server exited during start-up (%v); log %s:\n%s", waitErr, m.logPath, m.logTail())
		case <-ctx.Done():
			return fmt.Errorf("moto_server not answering after %s (last error: %v); log %s:\n%s", readyTimeout, last, m.logPath, m.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (m *Moto) kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	select {
	case <-m.done:
		return
	default:
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	<-m.done
}

func (m *Moto) logTail() string {
	b, err := os.ReadFile(m.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", m.logPath, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// Stop kills moto_server (its whole process group) and removes Dir. Safe to call twice.
func (m *Moto) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	m.stopped = true
	m.kill()
	_ = os.RemoveAll(m.Dir)
}

// Client returns a Secrets Manager client for the stand-in (fake static credentials,
// Region, BaseEndpoint = Endpoint).
func (m *Moto) Client() *secretsmanager.Client { return m.client }

// CreateSecret creates a secret with a string value and returns its ARN.
func (m *Moto) CreateSecret(ctx context.Context, name, value string) (string, error) {
	out, err := m.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(name),
		SecretString: aws.String(value),
	})
	if err != nil {
		return "", fmt.Errorf("create secret %q: %w", name, err)
	}
	if out.ARN == nil || *out.ARN == "" {
		return "", fmt.Errorf("create secret %q: no ARN in the response", name)
	}
	return *out.ARN, nil
}

// PutSecretValue stores a new current value (AWSCURRENT) for a secret, as a rotation does,
// and returns the new version id.
func (m *Moto) PutSecretValue(ctx context.Context, arnOrName, value string) (string, error) {
	out, err := m.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:     aws.String(arnOrName),
		SecretString: aws.String(value),
	})
	if err != nil {
		return "", fmt.Errorf("put secret value %q: %w", arnOrName, err)
	}
	return aws.ToString(out.VersionId), nil
}

// Reset deletes everything moto holds (POST /moto-api/reset), for isolation between tests.
func (m *Moto) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Endpoint+"/moto-api/reset", nil)
	if err != nil {
		return fmt.Errorf("moto reset: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("moto reset: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("moto reset: HTTP %s", resp.Status)
	}
	return nil
}

// Env returns the environment variables (KEY=value) a process using the AWS SDK's default
// configuration needs to reach the stand-in: the Secrets Manager endpoint, the region, fake
// static credentials, no instance metadata lookups, and shared config/credentials files that
// do not exist (so the machine's ~/.aws cannot interfere).
func (m *Moto) Env() []string {
	missing := filepath.Join(m.Dir, "no-such-aws-file")
	return []string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + m.Endpoint,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + missing,
		"AWS_SHARED_CREDENTIALS_FILE=" + missing,
	}
}

// SetEnv sets Env in the test's process environment (t.Setenv: restored after the test; the
// test must not be parallel).
func (m *Moto) SetEnv(t testing.TB) {
	t.Helper()
	for _, kv := range m.Env() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("awstest: bad env entry %q", k)
		}
		t.Setenv(k, v)
	}
}
