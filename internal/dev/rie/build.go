package rie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Functions are the Lambda functions of the module: each is the main package in the folder
// of that name, built into a bootstrap.
var Functions = []string{"ingest", "leaderboard"}

// RIEName is the emulator's executable name; the Makefile installs it into .bin/ at the
// module root (`make deps`).
const RIEName = "aws-lambda-rie"

// ModuleRoot returns the directory of the go.mod that contains dir (or its parents).
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("rie: module root: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, "go.mod")); err == nil && !fi.IsDir() {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("rie: no go.mod in %s or any parent", dir)
		}
	}
}

// FindRIE returns the path of aws-lambda-rie: the file named by the RIE variable (read through
// getenv), else .bin/aws-lambda-rie under moduleRoot, else aws-lambda-rie on PATH. The error
// says where it looked and how to install it.
func FindRIE(moduleRoot string, getenv func(string) string) (string, error) {
	var looked []string
	if p := strings.TrimSpace(getenv("RIE")); p != "" {
		if isExecutable(p) {
			return p, nil
		}
		looked = append(looked, "RIE="+p+" (no executable file there)")
	}
	if moduleRoot != "" {
		p := filepath.Join(moduleRoot, ".bin", RIEName)
		if isExecutable(p) {
			return p, nil
		}
		looked = append(looked, p)
	}
	if p, err := exec.LookPath(RIEName); err == nil {
		return p, nil
	}
	looked = append(looked, "PATH")
	return "", fmt.Errorf("rie: %s not found (looked at %s): install it with `make deps` (pinned in the Makefile's RIE_VERSION) or set RIE to its path",
		RIEName, strings.Join(looked, ", "))
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// BuildOptions says how to build a bootstrap.
type BuildOptions struct {
	// GOOS and GOARCH default to the host's (what the emulator can run).
	GOOS, GOARCH string
	// Strip links with -ldflags "-s -w", as `make build` does for Lambda.
	Strip bool
	// Tags are extra build tags; lambda.norpc is always set.
	Tags []string
	// Overlay is a `go build -overlay` file (replaces source files for this build only).
	Overlay string
}

// Build builds the bootstrap of function (a folder of moduleRoot holding a main package) into
// outDir/<function>/bootstrap the way `make build` does (CGO_ENABLED=0, -trimpath,
// -tags lambda.norpc), for the host unless opts say otherwise, and returns its path.
func Build(ctx context.Context, moduleRoot, function, outDir string, opts BuildOptions) (string, error) {
	if function == "" || strings.ContainsAny(function, `/\.`) {
		return "", fmt.Errorf("rie: function %q: want a folder name such as %s", function, strings.Join(Functions, " or "))
	}
	if _, err := os.Stat(filepath.Join(moduleRoot, function)); err != nil {
		return "", fmt.Errorf("rie: function %q: %w", function, err)
	}
	out, err := filepath.Abs(filepath.Join(outDir, function, "bootstrap"))
	if err != nil {
		return "", fmt.Errorf("rie: build %s: %w", function, err)
	}
	args := []string{"build", "-trimpath", "-tags", strings.Join(append([]string{"lambda.norpc"}, opts.Tags...), ",")}
	if opts.Strip {
		args = append(args, "-ldflags", "-s -w")
	}
	if opts.Overlay != "" {
		args = append(args, "-overlay", opts.Overlay)
	}
	args = append(args, "-o", out, "./"+function)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = MergeEnv(os.Environ(), "CGO_ENABLED=0")
	if opts.GOOS != "" {
		cmd.Env = MergeEnv(cmd.Env, "GOOS="+opts.GOOS)
	}
	if opts.GOARCH != "" {
		cmd.Env = MergeEnv(cmd.Env, "GOARCH="+opts.GOARCH)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("rie: go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// errNoFunction is returned for a function name that is not one of Functions.
var errNoFunction = errors.New("unknown function")

// CheckFunction returns an error unless name is one of Functions.
func CheckFunction(name string) error {
	for _, f := range Functions {
		if name == f {
			return nil
		}
	}
	return fmt.Errorf("rie: function %q: %w (want %s)", name, errNoFunction, strings.Join(Functions, " or "))
}
