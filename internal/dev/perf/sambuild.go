package perf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

// SAMTarget is the Makefile target `sam build` runs for function (Metadata BuildMethod:
// makefile in nested/<function>.yaml): build-<LogicalId>, e.g. build-IngestFunction.
func SAMTarget(function string) string {
	if function == "" {
		return ""
	}
	return "build-" + strings.ToUpper(function[:1]) + function[1:] + "Function"
}

// BuildAsSAM builds function's bootstrap into outDir/<function>/bootstrap by running the
// Makefile's SAMTarget at moduleRoot with ARTIFACTS_DIR, the recipe `sam build` and `make build`
// run; overlay, if not "", reaches go build through GOFLAGS. It returns the bootstrap's path.
func BuildAsSAM(ctx context.Context, moduleRoot, function, outDir, overlay string) (string, error) {
	if err := rie.CheckFunction(function); err != nil {
		return "", err
	}
	artifacts, err := filepath.Abs(filepath.Join(outDir, function))
	if err != nil {
		return "", fmt.Errorf("build %s: %w", function, err)
	}
	target := SAMTarget(function)
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", moduleRoot, target, "ARTIFACTS_DIR="+artifacts)
	// Not an outer make's flags (make bench): this make is on its own.
	cmd.Env = rie.MergeEnv(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=")
	if overlay != "" {
		cmd.Env = rie.MergeEnv(cmd.Env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -overlay="+overlay))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: make %s: %w\n%s", function, target, err, out.String())
	}
	bootstrap := filepath.Join(artifacts, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		return "", fmt.Errorf("build %s: make %s left no bootstrap: %w\n%s", function, target, err, out.String())
	}
	return bootstrap, nil
}
