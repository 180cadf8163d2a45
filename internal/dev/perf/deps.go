package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

// buildEnv is the environment of the Makefile's Lambda recipe.
func buildEnv() []string {
	return rie.MergeEnv(os.Environ(), "CGO_ENABLED=0", "GOOS="+LambdaGOOS, "GOARCH="+LambdaGOARCH)
}

// listDeps runs `go list -deps -json` for the Lambda build of function.
func listDeps(ctx context.Context, moduleRoot, function, overlay string) (map[string]*Package, string, error) {
	args := []string{"list", "-deps", "-json", "-tags", "lambda.norpc"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+function)...)
	cmd.Dir = moduleRoot
	cmd.Env = buildEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("go list -deps ./%s: %w\n%s", function, err, stderr.String())
	}
	return parseGoList(bytes.NewReader(out))
}

// parseGoList reads the JSON stream of `go list -deps -json`: the packages by import path
// and the main package's import path (the last one listed).
func parseGoList(r io.Reader) (map[string]*Package, string, error) {
	dec := json.NewDecoder(r)
	pkgs := map[string]*Package{}
	mainPkg := ""
	for {
		var p struct {
			ImportPath string
			Name       string
			Standard   bool
			Imports    []string
			Module     *struct{ Path string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, "", fmt.Errorf("go list output: %w", err)
		}
		pkg := &Package{ImportPath: p.ImportPath, Imports: p.Imports, Module: "std"}
		if !p.Standard {
			if p.Module == nil {
				return nil, "", fmt.Errorf("go list: package %s has no module", p.ImportPath)
			}
			pkg.Module = p.Module.Path
		}
		pkgs[p.ImportPath] = pkg
		if p.Name == "main" {
			mainPkg = p.ImportPath
		}
	}
	if mainPkg == "" {
		return nil, "", errors.New("go list: no main package")
	}
	return pkgs, mainPkg, nil
}

// moduleVersions reads `go version -m` of a binary: module path -> version.
func moduleVersions(ctx context.Context, bin string) (map[string]string, error) {
	out, err := exec.CommandContext(ctx, "go", "version", "-m", bin).Output()
	if err != nil {
		return nil, fmt.Errorf("go version -m %s: %w", bin, err)
	}
	return parseVersionM(string(out)), nil
}

// parseVersionM reads the dep lines of `go version -m` output.
func parseVersionM(out string) map[string]string {
	v := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "dep" {
			v[f[1]] = f[2]
		}
	}
	return v
}
