package rie

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
