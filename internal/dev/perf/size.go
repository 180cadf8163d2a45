package perf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

// Lambda's platform for the bootstraps (nested/*.yaml: provided.al2023, arm64).
const (
	LambdaGOOS   = "linux"
	LambdaGOARCH = "arm64"
)

// Package is one package linked into a bootstrap.
type Package struct {
	ImportPath string
	Module     string // module path; "std" for the standard library
	Imports    []string
	// Text and Data are the bytes of the package's named symbols in the file's .text and
	// in its other file-backed sections.
	Text, Data int64
	// Estimated is Text + Data plus the package's share, in proportion to Text, of the
	// bytes no symbol names (the function tables in .gopclntab, type data and strings in
	// .rodata): an estimate of what the package adds to the stripped file.
	Estimated int64
}

// ModuleSize is what one module adds to a bootstrap.
type ModuleSize struct {
	Module   string
	Version  string // from `go version -m`; empty for std and the main module
	Packages int
	// Estimated is the sum of its packages' Estimated; WithoutTracing the same in the build
	// without the X-Ray SDK (0 when the module is not linked there).
	Estimated, WithoutTracing int64
}

// DropCost is what removing one direct dependency would take out of a bootstrap: the
// packages reachable from the main package only through it.
type DropCost struct {
	Module    string
	Estimated int64
	Packages  int
	Modules   []string // the modules that would go entirely, the dependency first
}

// Size is the size analysis of one bootstrap.
type Size struct {
	Function string
	// Stripped is the size of the bootstrap as `sam build` and `make build` build it (the
	// Makefile's build-<LogicalId> target).
	Stripped int64
	// Image is the file-backed loaded sections of the unstripped build (what the
	// stripped file holds, less headers); Unattributed is the part no symbol names.
	Image, Unattributed int64
	Modules             []ModuleSize // largest first
	Drops               []DropCost   // direct dependencies, largest first
	// WithoutTracing is the stripped size of the same build with package tracing replaced
	// by a stub without the X-Ray SDK (testdata/notrace): an exact measure of what the SDK
	// adds, far more than its own packages' size (see SizeSection).
	WithoutTracing int64
}

// MeasureSize builds function for Lambda (linux/arm64) with the Makefile target `sam build` and
// `make build` run, and again without -s -w to read its symbols, and attributes the bytes to
// packages and modules; then does the same with internal/tracing replaced by a stub without
// the X-Ray SDK.
func MeasureSize(ctx context.Context, moduleRoot, function, workDir string) (Size, error) {
	s := Size{Function: function}
	with, err := analyse(ctx, moduleRoot, function, filepath.Join(workDir, "with"), "")
	if err != nil {
		return s, err
	}
	overlay, err := noTracingOverlay(moduleRoot, filepath.Join(workDir, "notrace"))
	if err != nil {
		return s, err
	}
	without, err := analyse(ctx, moduleRoot, function, filepath.Join(workDir, "without"), overlay)
	if err != nil {
		return s, fmt.Errorf("%w\n(internal/dev/perf/testdata/notrace/tracing.go must keep the exported API of internal/tracing)", err)
	}
	if v, ok := without.versions[xraySDK]; ok {
		return s, fmt.Errorf("the build without internal/tracing still links %s %s: something else imports it", xraySDK, v)
	}
	s.Stripped, s.Image, s.Unattributed, s.WithoutTracing = with.stripped, with.image, with.unattributed, without.stripped
	s.Modules = byModule(with.pkgs, with.versions)
	other := byModule(without.pkgs, without.versions)
	for i := range s.Modules {
		for _, o := range other {
			if o.Module == s.Modules[i].Module {
				s.Modules[i].WithoutTracing = o.Estimated
			}
		}
	}
	s.Drops = dropCosts(with.pkgs, with.mainPkg)
	return s, nil
}

// xraySDK is the X-Ray SDK's module, which the build without internal/tracing must not link.
const xraySDK = "github.com/aws/aws-xray-sdk-go/v2"

// analysis is one build of a bootstrap, analysed.
type analysis struct {
	stripped, image, unattributed int64
	pkgs                          map[string]*Package
	mainPkg                       string
	versions                      map[string]string
}

// analyse builds function as deployed (its size) and unstripped (its symbols), lists its
// packages, and attributes the symbols to them; overlay is a `go build -overlay` file or "".
func analyse(ctx context.Context, moduleRoot, function, dir, overlay string) (analysis, error) {
	var a analysis
	stripped, err := BuildAsSAM(ctx, moduleRoot, function, filepath.Join(dir, "stripped"), overlay)
	if err != nil {
		return a, err
	}
	fi, err := os.Stat(stripped)
	if err != nil {
		return a, fmt.Errorf("size of %s: %w", function, err)
	}
	a.stripped = fi.Size()
	// The same flags as the Makefile's recipe but -s -w, to keep the symbols.
	opts := rie.BuildOptions{GOOS: LambdaGOOS, GOARCH: LambdaGOARCH, Overlay: overlay}
	full, err := rie.Build(ctx, moduleRoot, function, filepath.Join(dir, "full"), opts)
	if err != nil {
		return a, err
	}
	if a.pkgs, a.mainPkg, err = listDeps(ctx, moduleRoot, function, overlay); err != nil {
		return a, err
	}
	syms, image, err := readSymbols(full)
	if err != nil {
		return a, err
	}
	a.image = image
	a.unattributed = attribute(a.pkgs, a.mainPkg, syms, image)
	if a.versions, err = moduleVersions(ctx, stripped); err != nil {
		return a, err
	}
	return a, nil
}
