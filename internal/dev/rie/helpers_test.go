package rie

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseInitReport(t *testing.T) {
	tests := []struct {
		line string
		want time.Duration
		ok   bool
	}{
		{"25 Nov 2026 12:45:27,078 [INFO] (rapid) INIT REPORT(durationMs: 12.345000)", 12345 * time.Microsecond, true},
		{"25 Nov 2026 12:45:27,078 [INFO] (rapid) INIT REPORT(durationMs: 0.177000)", 177 * time.Microsecond, true},
		{"INIT REPORT(durationMs: 150)", 150 * time.Millisecond, true},
		// The REPORT line's Init Duration is not the init (see doc.go).
		{"REPORT RequestId: 7c69\tInit Duration: 0.04 ms\tDuration: 126.64 ms", 0, false},
		{"25 Nov 2026 12:45:27,078 [INFO] (rapid) INIT RTDONE(status: success)", 0, false},
		{"INIT REPORT(durationMs: -1.0)", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseInitReport(tc.line)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseInitReport(%q) = %v, %v; want %v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		wantErr      string
	}{
		{"linux", "Name:\tbootstrap\nVmPeak:\t 1261568 kB\nVmHWM:\t   23456 kB\nVmRSS:\t   20000 kB\n", 23456 * 1024, ""},
		{"missing", "Name:\tbootstrap\nVmRSS:\t   20000 kB\n", 0, "no VmHWM"},
		{"unit", "VmHWM:\t   23456 MB\n", 0, "want"},
		{"number", "VmHWM:\t   x kB\n", 0, "VmHWM line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVmHWM(tc.status)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestVmHWMOfThisProcess(t *testing.T) {
	n, err := vmHWM(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 {
		t.Fatalf("VmHWM of the test process is %d", n)
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		base, over, want []string
	}{
		{[]string{"A=1", "B=2"}, []string{"B=3", "C=4"}, []string{"A=1", "B=3", "C=4"}},
		{[]string{"A=1", "A=2"}, nil, []string{"A=2"}},
		{nil, []string{"A=x=y", "A="}, []string{"A="}},
		{[]string{"A=1"}, []string{"B=2"}, []string{"A=1", "B=2"}},
	}
	for _, tc := range tests {
		if got := MergeEnv(tc.base, tc.over...); !slices.Equal(got, tc.want) {
			t.Errorf("MergeEnv(%q, %q) = %q, want %q", tc.base, tc.over, got, tc.want)
		}
	}
}

func TestFindRIE(t *testing.T) {
	dir := t.TempDir()
	exe := func(p string) string {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fromEnv := exe(filepath.Join(dir, "env", RIEName))
	root := filepath.Join(dir, "module")
	inBin := exe(filepath.Join(root, ".bin", RIEName))
	onPath := exe(filepath.Join(dir, "path", RIEName))
	notExec := filepath.Join(dir, "plain")
	if err := os.WriteFile(notExec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "RIE" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		rie     string
		root    string
		path    string
		want    string
		wantErr string
	}{
		{"RIE variable first", fromEnv, root, filepath.Dir(onPath), fromEnv, ""},
		{".bin next", "", root, filepath.Dir(onPath), inBin, ""},
		{"RIE naming nothing falls through", filepath.Join(dir, "nothing"), root, "", inBin, ""},
		{"PATH last", "", filepath.Join(dir, "other"), filepath.Dir(onPath), onPath, ""},
		{"not executable", notExec, filepath.Join(dir, "other"), filepath.Join(dir, "empty"), "", "make deps"},
		{"nowhere", "", filepath.Join(dir, "other"), filepath.Join(dir, "empty"), "", "RIE_VERSION"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", tc.path)
			got, err := FindRIE(tc.root, env(tc.rie))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFunctionError(t *testing.T) {
	tests := []struct {
		body     string
		typ, msg string
		isError  bool
	}{
		{`{"errorMessage":"fetch page 1: boom","errorType":"wrapError"}`, "wrapError", "fetch page 1: boom", true},
		{`{"errorMessage":""}`, "", "", true},
		{`{"pages":1,"posts_new":3}`, "", "", false},
		{`{"statusCode":200,"body":"{\"errorMessage\":\"no\"}"}`, "", "", false},
		{``, "", "", false},
		{`not json`, "", "", false},
	}
	for _, tc := range tests {
		typ, msg, ok := Response{Status: 200, Body: []byte(tc.body)}.FunctionError()
		if typ != tc.typ || msg != tc.msg || ok != tc.isError {
			t.Errorf("FunctionError(%s) = %q, %q, %v; want %q, %q, %v", tc.body, typ, msg, ok, tc.typ, tc.msg, tc.isError)
		}
	}
}

func TestCheckFunction(t *testing.T) {
	for _, name := range []string{"ingest", "leaderboard"} {
		if err := CheckFunction(name); err != nil {
			t.Errorf("CheckFunction(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "Ingest", "../ingest", "cmd/local"} {
		if err := CheckFunction(name); err == nil || !strings.Contains(err.Error(), "ingest or leaderboard") {
			t.Errorf("CheckFunction(%q) = %v, want an error listing the functions", name, err)
		}
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mustAbs(t, "."), root+string(filepath.Separator)) {
		t.Fatalf("module root %s does not contain this package", root)
	}
	if _, err := ModuleRoot(t.TempDir()); err == nil {
		t.Fatal("ModuleRoot of a temp dir: want an error")
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
