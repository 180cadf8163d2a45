package perf

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

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
	// Stripped is the size of the bootstrap built as `make build` builds it.
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

// buildEnv is the environment of `make build`.
func buildEnv() []string {
	return rie.MergeEnv(os.Environ(), "CGO_ENABLED=0", "GOOS="+LambdaGOOS, "GOARCH="+LambdaGOARCH)
}

// MeasureSize builds function for Lambda (linux/arm64) exactly as `make build` does, and
// again without -s -w to read its symbols, and attributes the bytes to packages and modules;
// then does the same with internal/tracing replaced by a stub without the X-Ray SDK.
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

const xraySDK = "github.com/aws/aws-xray-sdk-go/v2"

// analysis is one build of a bootstrap, analysed.
type analysis struct {
	stripped, image, unattributed int64
	pkgs                          map[string]*Package
	mainPkg                       string
	versions                      map[string]string
}

// analyse builds function stripped (its size) and unstripped (its symbols), lists its
// packages, and attributes the symbols to them; overlay is a `go build -overlay` file or "".
func analyse(ctx context.Context, moduleRoot, function, dir, overlay string) (analysis, error) {
	var a analysis
	opts := rie.BuildOptions{GOOS: LambdaGOOS, GOARCH: LambdaGOARCH, Strip: true, Overlay: overlay}
	stripped, err := rie.Build(ctx, moduleRoot, function, filepath.Join(dir, "stripped"), opts)
	if err != nil {
		return a, err
	}
	fi, err := os.Stat(stripped)
	if err != nil {
		return a, fmt.Errorf("size of %s: %w", function, err)
	}
	a.stripped = fi.Size()
	opts.Strip = false
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

// noTracingOverlay writes a `go build -overlay` file into dir that replaces internal/tracing
// by testdata/notrace/tracing.go (the package's API, no X-Ray SDK): tracing.go by the stub,
// the package's other non-test files by an empty file.
func noTracingOverlay(moduleRoot, dir string) (string, error) {
	stub := filepath.Join(moduleRoot, "internal", "dev", "perf", "testdata", "notrace", "tracing.go")
	files, err := filepath.Glob(filepath.Join(moduleRoot, "internal", "tracing", "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("no Go files in internal/tracing (%v)", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	empty := filepath.Join(dir, "empty.go")
	if err := os.WriteFile(empty, []byte("package tracing\n"), 0o644); err != nil {
		return "", err
	}
	replace := map[string]string{}
	for _, f := range files {
		switch {
		case strings.HasSuffix(f, "_test.go"):
		case filepath.Base(f) == "tracing.go":
			replace[f] = stub
		default:
			replace[f] = empty
		}
	}
	if replace[filepath.Join(moduleRoot, "internal", "tracing", "tracing.go")] != stub {
		return "", errors.New("internal/tracing has no tracing.go for the stub to replace")
	}
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, b, 0o644); err != nil {
		return "", err
	}
	return overlay, nil
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

// symbol is a named symbol of a file-backed section.
type symbol struct {
	Name string
	Size int64
	Text bool
}

// readSymbols reads the symbols of the file-backed loaded sections of an ELF binary, and the
// total size of those sections.
func readSymbols(path string) ([]symbol, int64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var image int64
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS {
			image += int64(s.Size)
		}
	}
	all, err := f.Symbols()
	if err != nil {
		return nil, 0, fmt.Errorf("symbols of %s (build without -s -w): %w", path, err)
	}
	var out []symbol
	for _, s := range all {
		i := int(s.Section)
		if i <= 0 || i >= len(f.Sections) || s.Size == 0 {
			continue
		}
		sec := f.Sections[i]
		if sec.Flags&elf.SHF_ALLOC == 0 || sec.Type == elf.SHT_NOBITS {
			continue // bss (e.g. the FIPS DRBG's 32 MiB) takes no room in the file
		}
		out = append(out, symbol{Name: s.Name, Size: int64(s.Size), Text: sec.Name == ".text"})
	}
	return out, image, nil
}

// SymbolPackage returns the import path of the package a Go symbol belongs to, given the set
// of linked packages (known), or "" for linker-made symbols (go:func.*, runtime tables
// without a package prefix, ...). The main package's symbols are named "main.*".
func SymbolPackage(name string, known func(string) bool, mainPkg string) string {
	for _, p := range []string{"type:.eq.", "type:.hash.", "type:.namedata.", "type:*", "type:", "go:itab.*", "go:itab.", "go:string."} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			name = rest
			break
		}
	}
	if i := strings.IndexAny(name, "[, "); i >= 0 {
		name = name[:i] // generic arguments, itab pairs, struct types
	}
	name = strings.TrimPrefix(name, "*")
	start := strings.LastIndex(name, "/") + 1
	for i := start; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		cand := name[:i]
		if cand == "main" {
			return mainPkg
		}
		if known(cand) {
			return cand
		}
	}
	return ""
}

// attribute sets Text, Data and Estimated of every package from syms and returns the bytes
// of image that no package's symbol names.
func attribute(pkgs map[string]*Package, mainPkg string, syms []symbol, image int64) int64 {
	known := func(p string) bool { _, ok := pkgs[p]; return ok }
	var named, text int64
	for _, s := range syms {
		p := SymbolPackage(s.Name, known, mainPkg)
		if p == "" {
			continue
		}
		named += s.Size
		if s.Text {
			pkgs[p].Text += s.Size
			text += s.Size
		} else {
			pkgs[p].Data += s.Size
		}
	}
	rest := image - named
	for _, p := range pkgs {
		p.Estimated = p.Text + p.Data
		if text > 0 && rest > 0 {
			p.Estimated += int64(float64(rest) * float64(p.Text) / float64(text))
		}
	}
	return rest
}

// byModule sums the packages by module, largest first.
func byModule(pkgs map[string]*Package, versions map[string]string) []ModuleSize {
	m := map[string]*ModuleSize{}
	for _, p := range pkgs {
		ms := m[p.Module]
		if ms == nil {
			ms = &ModuleSize{Module: p.Module, Version: versions[p.Module]}
			m[p.Module] = ms
		}
		ms.Packages++
		ms.Estimated += p.Estimated
	}
	var out []ModuleSize
	for _, ms := range m {
		out = append(out, *ms)
	}
	slices.SortFunc(out, func(a, b ModuleSize) int {
		if a.Estimated != b.Estimated {
			return int(b.Estimated - a.Estimated)
		}
		return strings.Compare(a.Module, b.Module)
	})
	return out
}

// dropCosts returns, for each module the main module's packages import directly, what would
// no longer be linked without it: the packages reachable from the main package only through
// that module's packages.
func dropCosts(pkgs map[string]*Package, mainPkg string) []DropCost {
	mainModule := pkgs[mainPkg].Module
	direct := map[string]bool{}
	for _, p := range pkgs {
		if p.Module != mainModule {
			continue
		}
		for _, imp := range p.Imports {
			if q, ok := pkgs[imp]; ok && q.Module != mainModule && q.Module != "std" {
				direct[q.Module] = true
			}
		}
	}
	all := reach(pkgs, mainPkg, "")
	var out []DropCost
	for mod := range direct {
		kept := reach(pkgs, mainPkg, mod)
		d := DropCost{Module: mod}
		gone := map[string]bool{}
		for p := range all {
			if !kept[p] {
				d.Estimated += pkgs[p].Estimated
				d.Packages++
				gone[pkgs[p].Module] = true
			}
		}
		// A module goes entirely when none of its packages is kept.
		for p := range kept {
			delete(gone, pkgs[p].Module)
		}
		delete(gone, mod)
		d.Modules = append([]string{mod}, slices.Sorted(maps.Keys(gone))...)
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b DropCost) int {
		if a.Estimated != b.Estimated {
			return int(b.Estimated - a.Estimated)
		}
		return strings.Compare(a.Module, b.Module)
	})
	return out
}

// reach returns the packages reachable from root without entering packages of module skip.
func reach(pkgs map[string]*Package, root, skip string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{root}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		pkg, ok := pkgs[p]
		if !ok || (skip != "" && pkg.Module == skip) {
			continue
		}
		seen[p] = true
		stack = append(stack, pkg.Imports...)
	}
	return seen
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
