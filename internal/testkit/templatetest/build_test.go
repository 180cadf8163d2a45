package templatetest

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// What `sam build` does for a function with Metadata BuildMethod: makefile (SAM CLI's
// ApplicationBuilder and aws-lambda-builders' CustomMakeWorkflow): it copies the CodeUri folder,
// less .aws-sam and .git, to a scratch folder (or, with build_in_source, works in the folder
// itself), then runs `make --makefile <CodeUri>/Makefile build-<LogicalId>` there with
// ARTIFACTS_DIR in the environment, and zips what lands in ARTIFACTS_DIR. The logical id is the
// function's own, also in a nested stack (build-IngestFunction, not IngestStack/...).

// samTarget is the make target sam build runs for the function with logical id id.
func samTarget(id string) string { return "build-" + id }

// codeDir is the absolute CodeUri folder of function f.
func (a *App) codeDir(f fnSpec) (string, error) {
	t, p, err := a.function(f)
	if err != nil {
		return "", err
	}
	uri, ok := p["CodeUri"].(string)
	if !ok {
		return "", fmt.Errorf("%s: %s: CodeUri is not a local folder", a.rel(t), f.id)
	}
	return filepath.Abs(filepath.Join(t.Dir(), uri))
}

// makeCommand is the command sam build runs for function id with CodeUri folder dir, in
// workDir, writing to artifacts.
func makeCommand(dir, id, workDir, artifacts string, extra ...string) *exec.Cmd {
	args := append([]string{"--makefile", filepath.Join(dir, "Makefile")}, extra...)
	cmd := exec.Command("make", append(args, samTarget(id))...)
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), "ARTIFACTS_DIR="+artifacts, "MAKEFLAGS=", "MAKELEVEL=")
	return cmd
}

// checkBuildTargets: the Makefile in each function's CodeUri folder has the target sam build
// runs, and it leads (through the root Makefile) to a go build of that function's main package.
// `make -n` prints the recipes without running them (but follows $(MAKE) lines), so nothing is
// built here; TestSAMBuild builds for real.
func checkBuildTargets(a *App) []string {
	var probs []string
	for _, f := range functions {
		dir, err := a.codeDir(f)
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		makefile := filepath.Join(dir, "Makefile")
		if _, err := os.Stat(makefile); err != nil {
			probs = append(probs, fmt.Sprintf("%s: no Makefile for sam build's BuildMethod makefile: %v", f.id, err))
			continue
		}
		cmd := makeCommand(dir, f.id, dir, filepath.Join(os.TempDir(), "templatetest-dry-run"), "-n")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			probs = append(probs, fmt.Sprintf("%s: make -n %s: %v\n%s", makefile, samTarget(f.id), err, strings.TrimSpace(out.String())))
			continue
		}
		main := "./" + filepath.Base(dir)
		built := false
		for _, line := range strings.Split(out.String(), "\n") {
			fields := strings.Fields(line)
			if strings.Contains(line, " build ") && len(fields) > 0 && fields[len(fields)-1] == main {
				built = true
			}
		}
		if !built {
			probs = append(probs, fmt.Sprintf("%s: %s runs no go build of %s:\n%s", makefile, samTarget(f.id), main, strings.TrimSpace(out.String())))
		}
	}
	return probs
}

func TestBuildTargetsCatchMissingTarget(t *testing.T) {
	a := loadApp(t)
	if probs := checkBuildTargets(a); len(probs) > 0 {
		t.Fatalf("the real Makefiles already have problems: %q", probs)
	}
	// A CodeUri folder whose Makefile lacks the target: point the ingest function at it.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte("# no targets\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(a.Nested[functions[0].app].Dir(), dir)
	if err != nil {
		t.Fatal(err)
	}
	props(a, functions[0].app, functions[0].id)["CodeUri"] = rel
	probs := checkBuildTargets(a)
	if len(probs) != 1 || !strings.Contains(probs[0], "No rule to make target '"+samTarget(functions[0].id)+"'") {
		t.Errorf("got %q, want make's missing-target error for %s", probs, samTarget(functions[0].id))
	}
}

// TestSAMBuild runs each function's build the way sam build does (a scratch copy of the
// CodeUri folder; for one function also in the folder itself, as with build_in_source) and
// checks the bootstrap it leaves in ARTIFACTS_DIR is the documented artifact, byte for byte the
// one `make build` makes.
func TestSAMBuild(t *testing.T) {
	tier.Skip(t, "two linux/arm64 builds of the bootstraps")
	root := repoRoot(t)
	a := loadApp(t)
	// make build, into a folder of the test's.
	made := t.TempDir()
	makeBuild := exec.Command("make", "--no-print-directory", "-C", root, "build", "BUILD_DIR="+made)
	makeBuild.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=")
	run(t, makeBuild)

	for i, f := range functions {
		dir, err := a.codeDir(f)
		if err != nil {
			t.Fatal(err)
		}
		modes := []bool{false}
		if i == 0 {
			modes = append(modes, true)
		}
		for _, inSource := range modes {
			t.Run(fmt.Sprintf("%s/inSource=%v", f.id, inSource), func(t *testing.T) {
				work := dir
				if !inSource {
					work = t.TempDir()
					copySource(t, dir, work)
				}
				artifacts := t.TempDir()
				run(t, makeCommand(dir, f.id, work, artifacts))
				bootstrap := filepath.Join(artifacts, "bootstrap")
				for _, p := range checkBootstrap(bootstrap, filepath.Base(dir)) {
					t.Error(p)
				}
				ours, err := os.ReadFile(bootstrap)
				if err != nil {
					t.Fatal(err)
				}
				theirs, err := os.ReadFile(filepath.Join(made, filepath.Base(dir), "bootstrap"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ours, theirs) {
					t.Errorf("sam build's bootstrap (%d bytes) differs from make build's (%d bytes)", len(ours), len(theirs))
				}
				t.Logf("%s: %d bytes, as sam build makes it", f.id, len(ours))
			})
		}
	}
}

func run(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// copySource copies src into dst as aws-lambda-builders' CopySourceAction does for the makefile
// workflow: everything but .aws-sam and .git.
func copySource(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".aws-sam" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkBootstrap: path is the documented Lambda artifact of the main package in folder main: a
// static linux/arm64 executable without symbol table or DWARF (-ldflags "-s -w"), built with
// -trimpath, the lambda.norpc tag and CGO_ENABLED=0 (go version -m; -trimpath keeps -ldflags out
// of the build info, hence the ELF checks).
func checkBootstrap(path, main string) []string {
	var probs []string
	f, err := elf.Open(path)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 {
		probs = append(probs, fmt.Sprintf("%s: %v %v, want EM_AARCH64 ELFCLASS64 (arm64)", path, f.Machine, f.Class))
	}
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug") || strings.HasPrefix(s.Name, ".zdebug") {
			probs = append(probs, fmt.Sprintf("%s: has section %s: not stripped (-ldflags \"-s -w\")", path, s.Name))
		}
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			probs = append(probs, fmt.Sprintf("%s: dynamically linked (%v): want CGO_ENABLED=0", path, p.Type))
		}
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return append(probs, fmt.Sprintf("%s: build info: %v", path, err))
	}
	if want := info.Main.Path + "/" + main; info.Path != want {
		probs = append(probs, fmt.Sprintf("%s: main package %s, want %s", path, info.Path, want))
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0", "-trimpath": "true", "-tags": "lambda.norpc"} {
		if settings[k] != want {
			probs = append(probs, fmt.Sprintf("%s: build setting %s = %q, want %q", path, k, settings[k], want))
		}
	}
	return probs
}

// The bootstrap checks notice each flag missing: build a tiny main package without each in turn.
func TestCheckBootstrapCatchesWrongBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds small programs")
	}
	mod := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(mod, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n\ngo 1.22\n")
	write("fn/main.go", "package main\n\nfunc main() { println(\"hi\") }\n")
	good := []string{"build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w"}
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"as documented", good, env, ""},
		{"not stripped", good[:4], env, "section .symtab"},
		{"symbols kept (-w only)", append(good[:4:4], "-ldflags", "-w"), env, "section .symtab"},
		{"no -trimpath", append([]string{"build", "-tags", "lambda.norpc"}, good[4:]...), env, "-trimpath"},
		{"no lambda.norpc", append([]string{"build", "-trimpath"}, good[4:]...), env, "-tags"},
		{"amd64", good, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}, "EM_AARCH64"},
		{"other package", good, env, "main package"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			cmd := exec.Command("go", append(append([]string{}, tc.args...), "-o", out, "./fn")...)
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), tc.env...)
			run(t, cmd)
			main := "fn"
			if tc.name == "other package" {
				main = "other"
			}
			probs := checkBootstrap(out, main)
			if tc.want == "" {
				if len(probs) > 0 {
					t.Errorf("problems with a good build: %q", probs)
				}
				return
			}
			for _, p := range probs {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got %q", tc.want, probs)
		})
	}
}
