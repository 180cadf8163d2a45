package rie

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// InvokePath is the emulator's invoke endpoint (the Lambda Invoke API path).
const InvokePath = "/2015-03-31/functions/function/invocations"

// Defaults of Config.
const (
	DefaultTimeout  = 60 * time.Second // the ingest function's timeout in nested/ingest.yaml
	DefaultMemoryMB = 128
)

// Config starts one emulator: one execution environment of one function.
type Config struct {
	// RIE is the path of aws-lambda-rie (FindRIE).
	RIE string
	// Bootstrap is the path of the function's bootstrap binary (Build).
	Bootstrap string
	// Env is the function's whole environment, KEY=value: the emulator runs with exactly
	// these variables and forwards them to the bootstrap. AWS_LAMBDA_FUNCTION_NAME,
	// AWS_LAMBDA_FUNCTION_TIMEOUT and AWS_LAMBDA_FUNCTION_MEMORY_SIZE are added from the
	// fields below unless Env sets them.
	Env []string
	// FunctionName defaults to the bootstrap's directory name.
	FunctionName string
	// Timeout is the invocation timeout (default DefaultTimeout, whole seconds).
	Timeout time.Duration
	// MemoryMB is reported to the function as its memory size (default DefaultMemoryMB).
	MemoryMB int
	// Log receives the emulator's log and the function's stdout and stderr, line by line, from
	// a goroutine of the Emulator (nil: kept only for error messages); make it safe for
	// concurrent use if anything else writes to it.
	Log io.Writer
}

// Emulator is a running aws-lambda-rie with one function. Its methods are safe for
// concurrent use; Invoke calls are served one after the other, as the emulator requires.
type Emulator struct {
	// Addr is the emulator's host:port (POST events to http://Addr + InvokePath).
	Addr string
	// RuntimeAPI is the Runtime API's host:port the bootstrap talks to.
	RuntimeAPI string

	bootstrap string
	cmd       *exec.Cmd
	exited    chan struct{}
	waitErr   error
	out       *logScanner
	client    *http.Client

	invokeMu   sync.Mutex
	runtimeMu  sync.Mutex
	runtimePID int
}

// Start starts aws-lambda-rie on two free 127.0.0.1 ports and waits until it accepts
// invokes. The bootstrap itself starts at the first Invoke, as on Lambda. ctx bounds the
// start only; Stop ends the emulator.
func Start(ctx context.Context, cfg Config) (*Emulator, error) {
	if cfg.RIE == "" {
		return nil, errors.New("rie: Config.RIE is empty: give the path of aws-lambda-rie (FindRIE)")
	}
	if cfg.Bootstrap == "" {
		return nil, errors.New("rie: Config.Bootstrap is empty: give the path of the bootstrap (Build)")
	}
	bootstrap, err := filepath.Abs(cfg.Bootstrap)
	if err == nil {
		// /proc/<pid>/exe names the resolved file: RuntimePID compares with it.
		bootstrap, err = filepath.EvalSymlinks(bootstrap)
	}
	if err != nil {
		return nil, fmt.Errorf("rie: bootstrap %s: %w", cfg.Bootstrap, err)
	}
	if fi, err := os.Stat(bootstrap); err != nil {
		return nil, fmt.Errorf("rie: bootstrap: %w", err)
	} else if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("rie: bootstrap %s is not an executable file", bootstrap)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < time.Second || cfg.Timeout%time.Second != 0 {
		return nil, fmt.Errorf("rie: Config.Timeout %s: want whole seconds, at least 1s", cfg.Timeout)
	}
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = DefaultMemoryMB
	}
	if cfg.FunctionName == "" {
		cfg.FunctionName = filepath.Base(filepath.Dir(bootstrap))
	}
	env := MergeEnv([]string{
		"AWS_LAMBDA_FUNCTION_NAME=" + cfg.FunctionName,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(cfg.Timeout/time.Second)),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(cfg.MemoryMB),
	}, cfg.Env...)

	// A port found free can be taken before the emulator binds it: retry with new ports.
	var lastErr error
	for range 3 {
		e, err := start(ctx, cfg, bootstrap, env)
		if err == nil {
			return e, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, lastErr
}

var errPortTaken = errors.New("port taken")

func start(ctx context.Context, cfg Config, bootstrap string, env []string) (*Emulator, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		Addr:       net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		RuntimeAPI: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1])),
		bootstrap:  bootstrap,
		exited:     make(chan struct{}),
		out:        newLogScanner(cfg.Log),
		client:     &http.Client{Timeout: cfg.Timeout + 10*time.Second},
	}
	e.cmd = exec.Command(cfg.RIE,
		"--log-level", "info", // INIT REPORT is logged at info; the CLI flag beats LOG_LEVEL
		"--runtime-interface-emulator-address", e.Addr,
		"--runtime-api-address", e.RuntimeAPI,
		bootstrap)
	e.cmd.Dir = filepath.Dir(bootstrap)
	e.cmd.Env = env
	e.cmd.Stdout = e.out
	e.cmd.Stderr = e.out
	// The bootstrap writes to the same pipe: if it outlived the emulator, Wait would wait for it.
	e.cmd.WaitDelay = 2 * time.Second
	// Its own process group, and killed if we die; the emulator SIGKILLs the bootstrap when it
	// is stopped, and a bootstrap left behind exits when its Runtime API goes away.
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start %s: %w", cfg.RIE, err)
	}
	go func() {
		e.waitErr = e.cmd.Wait()
		e.out.Close()
		close(e.exited)
	}()
	if err := e.waitListening(ctx); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// waitListening waits until the emulator accepts connections on Addr.
func (e *Emulator) waitListening(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", e.Addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-e.exited:
			tail := e.out.Tail()
			if strings.Contains(tail, "address already in use") {
				return fmt.Errorf("rie: aws-lambda-rie: %w: %s", errPortTaken, tail)
			}
			return fmt.Errorf("rie: aws-lambda-rie exited at start (%v):\n%s", e.waitErr, tail)
		case <-ctx.Done():
			return fmt.Errorf("rie: aws-lambda-rie not listening on %s: %w\n%s", e.Addr, ctx.Err(), e.out.Tail())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Response is the emulator's answer to one invoke.
type Response struct {
	// Status is the HTTP status of the emulator: 200 for an answer of the function, including
	// a function error; 502 when the bootstrap failed its init or crashed.
	Status int
	// Body is the function's response payload (or the error object).
	Body []byte
}

// FunctionError reports whether Body is a Lambda function error object, and its fields.
func (r Response) FunctionError() (errorType, message string, ok bool) {
	var fe struct {
		Message *string `json:"errorMessage"`
		Type    string  `json:"errorType"`
	}
	if json.Unmarshal(r.Body, &fe) != nil || fe.Message == nil {
		return "", "", false
	}
	return fe.Type, *fe.Message, true
}

// Invoke posts event and returns the answer. Invokes of one emulator run one at a time.
func (e *Emulator) Invoke(ctx context.Context, event []byte) (Response, error) {
	e.invokeMu.Lock()
	defer e.invokeMu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+e.Addr+InvokePath, bytes.NewReader(event))
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: %w\n%s", err, e.out.Tail())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("rie: invoke: read the answer: %w", err)
	}
	e.rememberRuntime()
	return Response{Status: resp.StatusCode, Body: body}, nil
}

// InitDuration returns the init duration the emulator reported for this environment (from
// starting the bootstrap to its first request for an invoke), waiting up to ctx for the log
// line after the first Invoke.
func (e *Emulator) InitDuration(ctx context.Context) (time.Duration, error) {
	select {
	case <-e.out.initDone:
		return e.out.init, nil
	case <-e.exited:
		select {
		case <-e.out.initDone:
			return e.out.init, nil
		default:
		}
		return 0, fmt.Errorf("rie: aws-lambda-rie exited without an INIT REPORT line:\n%s", e.out.Tail())
	case <-ctx.Done():
		return 0, fmt.Errorf("rie: no INIT REPORT line from aws-lambda-rie (was it invoked?): %w", ctx.Err())
	}
}

// RuntimePID returns the process id of the running bootstrap (a child of the emulator).
func (e *Emulator) RuntimePID() (int, error) {
	e.runtimeMu.Lock()
	defer e.runtimeMu.Unlock()
	if e.runtimePID != 0 && isProcess(e.runtimePID, e.bootstrap) {
		return e.runtimePID, nil
	}
	pid, err := findChild(e.cmd.Process.Pid, e.bootstrap)
	if err != nil {
		return 0, err
	}
	e.runtimePID = pid
	return pid, nil
}

func (e *Emulator) rememberRuntime() { _, _ = e.RuntimePID() }

// PeakRSS returns the bootstrap process's peak resident set size (VmHWM) in bytes: what
// Lambda reports as Max Memory Used, for this process.
func (e *Emulator) PeakRSS() (int64, error) {
	pid, err := e.RuntimePID()
	if err != nil {
		return 0, err
	}
	return vmHWM(pid)
}

// Logs returns the last lines the emulator and the function wrote.
func (e *Emulator) Logs() string { return e.out.Tail() }

// Stop stops the emulator (SIGTERM: it SIGKILLs the bootstrap), then makes sure both are
// gone. Safe to call more than once.
func (e *Emulator) Stop() {
	pid, _ := e.RuntimePID()
	select {
	case <-e.exited:
	default:
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
			<-e.exited
		}
	}
	if pid != 0 && isProcess(pid, e.bootstrap) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// handedOut holds every port freePorts returned in this process. The emulator binds its Runtime
// API port only when the function first starts, so a port handed to one emulator is still free
// when the next one asks: without this set, two emulators started one after the other could get
// the same Runtime API port and one bootstrap would find its Runtime API refusing connections.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePorts returns n distinct TCP ports of 127.0.0.1 that were free a moment ago, never 6379
// and never one it returned before in this process.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	handedOut.Lock()
	defer handedOut.Unlock()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rie: find a free port: %w", err)
		}
		ls = append(ls, l)
		if p := l.Addr().(*net.TCPAddr).Port; p != 6379 && !handedOut.ports[p] {
			handedOut.ports[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// MergeEnv returns base with the KEY=value entries of overrides added or replacing base's.
func MergeEnv(base []string, overrides ...string) []string {
	idx := map[string]int{}
	out := make([]string, 0, len(base)+len(overrides))
	for _, kv := range append(append([]string(nil), base...), overrides...) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := idx[k]; ok {
			out[i] = kv
			continue
		}
		idx[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// initReportRE matches the emulator's init report, e.g.
// "25 Nov 2026 12:45:27,078 [INFO] (rapid) INIT REPORT(durationMs: 12.345000)".
var initReportRE = regexp.MustCompile(`\bINIT REPORT\(durationMs: ([0-9]+(?:\.[0-9]+)?)\)`)

// ParseInitReport returns the duration in an emulator INIT REPORT log line.
func ParseInitReport(line string) (time.Duration, bool) {
	m := initReportRE.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// logScanner receives the emulator's output, passes it on line by line, keeps the last lines
// for error messages and picks up the INIT REPORT.
type logScanner struct {
	pw       *io.PipeWriter
	done     chan struct{}
	initDone chan struct{}
	init     time.Duration

	mu   sync.Mutex
	tail []string
}

const tailLines = 40

func newLogScanner(out io.Writer) *logScanner {
	pr, pw := io.Pipe()
	s := &logScanner{pw: pw, done: make(chan struct{}), initDone: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			if out != nil {
				fmt.Fprintln(out, line)
			}
			s.mu.Lock()
			s.tail = append(s.tail, line)
			if len(s.tail) > tailLines {
				s.tail = s.tail[len(s.tail)-tailLines:]
			}
			s.mu.Unlock()
			if d, ok := ParseInitReport(line); ok && !isClosed(s.initDone) {
				s.init = d
				close(s.initDone)
			}
		}
		// A line longer than the buffer ends the scan: drain so the emulator never blocks.
		_, _ = io.Copy(io.Discard, pr)
	}()
	return s
}

func (s *logScanner) Write(p []byte) (int, error) { return s.pw.Write(p) }

// Close ends the stream (after the emulator exited) and waits for the last lines.
func (s *logScanner) Close() {
	s.pw.Close()
	<-s.done
}

// Tail returns the last lines seen.
func (s *logScanner) Tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
