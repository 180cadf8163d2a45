package templatetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// cfnLint finds cfn-lint on PATH or in pyenv's shims (where this machine's Python tools are).
// Without it the test is skipped locally, but fails in CI (CI=true).
func cfnLint(t *testing.T) string {
	t.Helper()
	tier.Skip(t, "cfn-lint")
	if p, err := exec.LookPath("cfn-lint"); err == nil {
		return p
	}
	candidates := []string{"/root/.pyenv/shims/cfn-lint"}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".pyenv", "shims", "cfn-lint"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return c
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("cfn-lint not found (PATH, ~/.pyenv/shims) and CI=true: install cfn-lint (pip install cfn-lint)")
	}
	t.Skip("cfn-lint not found (PATH, ~/.pyenv/shims); install it to lint the templates")
	return ""
}

type lintFinding struct {
	Filename string
	Level    string
	Message  string
	Rule     struct{ Id string }
	Location struct {
		Start struct{ LineNumber int }
	}
}

func (f lintFinding) String() string {
	return fmt.Sprintf("%s:%d: %s %s %s", f.Filename, f.Location.Start.LineNumber, f.Level, f.Rule.Id, f.Message)
}

// runCfnLint lints files (relative to dir) with cfn-lint's informational rules on (-c I) and
// the given extra options, and returns cfn-lint's findings. A crash of cfn-lint or output that
// is not its JSON report is an error.
func runCfnLint(t *testing.T, bin, dir string, options []string, files ...string) ([]lintFinding, error) {
	t.Helper()
	args := append([]string{"--format", "json", "--include-checks", "I"}, options...)
	args = append(append(args, "--"), files...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// pyenv's shim needs the shims directory on PATH to find the interpreter.
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("run cfn-lint: %w", err)
	}
	// Exit status: 0 clean, else a bit mask of 2 (errors), 4 (warnings), 8 (informational);
	// 1 and 32 are cfn-lint failures.
	if code := cmd.ProcessState.ExitCode(); code&1 != 0 || code&32 != 0 {
		return nil, fmt.Errorf("cfn-lint failed (exit %d): %s", code, strings.TrimSpace(stderr.String()+stdout.String()))
	}
	var findings []lintFinding
	if err := json.Unmarshal(stdout.Bytes(), &findings); err != nil {
		return nil, fmt.Errorf("cfn-lint output is not its JSON report (%v): %s %s", err, stdout.String(), stderr.String())
	}
	return findings, nil
}

// templateFiles are the template files, relative to the repository root.
func templateFiles(t *testing.T, root string) []string {
	t.Helper()
	nested, err := filepath.Glob(filepath.Join(root, "nested", "*.yaml"))
	if err != nil || len(nested) == 0 {
		t.Fatalf("no nested/*.yaml (%v)", err)
	}
	files := []string{"template.yaml"}
	for _, n := range nested {
		files = append(files, filepath.Join("nested", filepath.Base(n)))
	}
	return files
}

// TestCfnLint: no finding at all, informational ones included, on every template, linted for
// every Region the template's Rules accept (cfn-lint then also checks each resource type exists
// there). A rule silenced for one resource is silenced in that resource's Metadata, with the
// reason beside it.
func TestCfnLint(t *testing.T) {
	t.Parallel()
	bin := cfnLint(t)
	root := repoRoot(t)
	regions, err := supportedRegions(loadApp(t))
	if err != nil {
		t.Fatal(err)
	}
	findings, err := runCfnLint(t, bin, root, append([]string{"--regions"}, regions...), templateFiles(t, root)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

// The runner above reports what cfn-lint finds: a template with an error and a warning.
func TestCfnLintReportsFindings(t *testing.T) {
	t.Parallel()
	bin := cfnLint(t)
	dir := t.TempDir()
	const broken = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Dlq
    Properties:
      DelaySeconds: 1000
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 3
`
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	findings, err := runCfnLint(t, bin, dir, []string{"--regions", "us-east-1"}, "broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]bool{}
	for _, f := range findings {
		levels[f.Level] = true
	}
	if !levels["Error"] || !levels["Warning"] || !levels["Informational"] {
		t.Errorf("want an error (DelaySeconds), a warning (redundant DependsOn) and informational findings (I3011: no DeletionPolicy on the queues), got %v", findings)
	}
}
