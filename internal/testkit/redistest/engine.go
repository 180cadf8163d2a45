package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Engine is the server program a Standalone or a Cluster runs: the two engines the template's
// Engine parameter offers for MemoryDB. Valkey (the template's and MemoryDB's default) is the
// default here too; Redis is Redis OSS 7.0, which MemoryDB runs for Engine=redis.
//
// Locally Valkey is Debian bookworm-backports' valkey-server 8.0 (MemoryDB runs Valkey 7.2: 8.0
// formats replies as 7.2 does, and the command-table test keeps the app within 7.2's commands)
// and Redis is Debian's redis-server 7.0.
type Engine string

const (
	// Valkey runs valkey-server.
	Valkey Engine = "valkey"
	// Redis runs redis-server (Redis OSS 7.0).
	Redis Engine = "redis"
)

// DefaultEngine is what a server runs when its options name no engine.
const DefaultEngine = Valkey

// BothEngines lists the engines the template offers, the default first: a suite that runs on
// both passes it as EnvOptions.Engines.
var BothEngines = []Engine{Valkey, Redis}

// EnginesEnv, when set (e.g. "redis" or "valkey,redis"), replaces EnvOptions.Engines for every
// Env, so a whole suite can be run on one engine: REDISTEST_ENGINES=redis go test ./internal/store/.
const EnginesEnv = "REDISTEST_ENGINES"

// ReportEnv names a file to which every server start appends one line naming the package, the
// kind of server and the engine with its version (make unit prints the file after the tests,
// since go test shows a passing package's output only with -v).
const ReportEnv = "REDISTEST_REPORT"

func (e Engine) orDefault() Engine {
	if e == "" {
		return DefaultEngine
	}
	return e
}

// Program is the server binary's name: valkey-server or redis-server.
func (e Engine) Program() string { return string(e.orDefault()) + "-server" }

func (e Engine) validate() error {
	switch e.orDefault() {
	case Valkey, Redis:
		return nil
	}
	return fmt.Errorf("engine %q: want %q or %q", string(e), Valkey, Redis)
}

// path finds the server binary or explains how to install it.
func (e Engine) path() (string, error) {
	if err := e.validate(); err != nil {
		return "", err
	}
	prog := e.Program()
	p, err := exec.LookPath(prog)
	if err != nil {
		hint := "apt-get install redis-server redis-tools"
		if e.orDefault() == Valkey {
			hint = "apt-get install -t bookworm-backports valkey-server valkey-tools"
		}
		return "", fmt.Errorf("%s not found on PATH: run scripts/ensure-deps.sh or `%s`: %w", prog, hint, err)
	}
	return p, nil
}

var (
	versionMu    sync.Mutex
	versionCache = map[string]string{}
	versionRE    = regexp.MustCompile(`\bv=(\S+)`)
)

// Version is the engine's version as its binary reports it (`valkey-server --version`), e.g.
// "8.0.1", or "unknown" when the binary cannot say.
func (e Engine) Version() string {
	p, err := e.path()
	if err != nil {
		return "unknown"
	}
	versionMu.Lock()
	defer versionMu.Unlock()
	if v, ok := versionCache[p]; ok {
		return v
	}
	v := "unknown"
	if out, err := exec.Command(p, "--version").Output(); err == nil {
		if m := versionRE.FindSubmatch(out); m != nil {
			v = string(m[1])
		}
	}
	versionCache[p] = v
	return v
}

// Describe is the engine with its version, e.g. "valkey-server 8.0.1".
func (e Engine) Describe() string { return e.Program() + " " + e.Version() }

// engines resolves EnvOptions.Engines: the EnginesEnv override, else the given list, else the
// default engine.
func engines(given []Engine) ([]Engine, error) {
	if s := strings.TrimSpace(os.Getenv(EnginesEnv)); s != "" {
		given = nil
		for _, f := range strings.Split(s, ",") {
			given = append(given, Engine(strings.TrimSpace(f)))
		}
	}
	if len(given) == 0 {
		return []Engine{DefaultEngine}, nil
	}
	seen := map[Engine]bool{}
	var out []Engine
	for _, e := range given {
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("%s or EnvOptions.Engines: %w", EnginesEnv, err)
		}
		if e = e.orDefault(); !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// report appends "pkg: what on engine version" to the ReportEnv file (if set) and returns the
// line. Errors writing the report are ignored: it is a courtesy for make's output.
func report(kind string, e Engine, detail string) string {
	line := fmt.Sprintf("%s: %s on %s", packageName(), kind, e.orDefault().Describe())
	if detail != "" {
		line += " (" + detail + ")"
	}
	if path := os.Getenv(ReportEnv); path != "" {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			_, _ = fmt.Fprintln(f, line)
			_ = f.Close()
		}
	}
	return line
}

// packageName is the test binary's package directory relative to the module root (go test runs
// a test binary in its package's directory), or the binary's name.
func packageName() string {
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Base(os.Args[0])
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return "./" + filepath.ToSlash(rel)
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return filepath.Base(os.Args[0])
}
