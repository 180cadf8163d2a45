// Package tier sorts the tests into two tiers. The fast tier, `go test -short ./...` (make unit),
// runs with nothing installed but Go: no redis-server or valkey-server, no moto_server, no
// Chromium, no Lambda emulator, no cfn-lint. A test or a TestMain that needs one of them asks
// Short or Skip first, the way the standard library's internal/testenv helpers do. The full
// tier (make test, which CI runs) runs everything and fails where a program is missing.
package tier

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// Short reports whether the fast tier is running (-short). It parses the test flags when they
// are not parsed yet, so a TestMain may ask before m.Run.
func Short() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	return testing.Short()
}

// Skip skips tb in the fast tier; needs names what the test needs (for example "redis-server").
func Skip(tb testing.TB, needs string) {
	tb.Helper()
	if Short() {
		tb.Skipf("needs %s: skipped under -short (make test runs it)", needs)
	}
}

// SkipAll is for the TestMain of a package whose every test needs an outside program: in the
// fast tier it says so on stderr and exits 0 without running a test; otherwise it returns.
func SkipAll(pkg, needs string) {
	if Short() {
		fmt.Fprintf(os.Stderr, "%s: every test needs %s: skipped under -short (make test runs them)\n", pkg, needs)
		os.Exit(0)
	}
}
