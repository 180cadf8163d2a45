package rie

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// findChild returns the pid of the child of process parent that runs the executable exe
// (Linux /proc: the children of every thread of parent).
func findChild(parent int, exe string) (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", parent))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("rie: no /proc entry for aws-lambda-rie (pid %d): has it exited?", parent)
	}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err == nil && isProcess(pid, exe) {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("rie: the bootstrap %s is not running under aws-lambda-rie (pid %d): it starts at the first invoke", exe, parent)
}

// isProcess reports whether pid runs the executable exe.
func isProcess(pid int, exe string) bool {
	got, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return err == nil && got == exe
}

// vmHWM reads the peak resident set size of pid from /proc/<pid>/status, in bytes.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("rie: read the status of pid %d: %w", pid, err)
	}
	return parseVmHWM(string(b))
}

// parseVmHWM reads the VmHWM line ("VmHWM:\t   12345 kB") of a /proc/<pid>/status file.
func parseVmHWM(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("rie: VmHWM line %q: want \"<n> kB\"", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("rie: VmHWM line %q: %w", line, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("rie: no VmHWM line in /proc status")
}
