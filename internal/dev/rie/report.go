package rie

import (
	"context"
	"fmt"
	"time"
)

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
