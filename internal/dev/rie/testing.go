package rie

import (
	"os"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// RequireRIE returns the path of aws-lambda-rie for a test (FindRIE from the module root of the
// working directory). When it is missing the test fails if CI=true, and is skipped otherwise
// with a message saying how to install it.
func RequireRIE(tb testing.TB) string {
	tb.Helper()
	tier.Skip(tb, "the Lambda RIE")
	p, err := LookupRIE()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v (CI=true: the emulator is required)", err)
		}
		tb.Skipf("%v (skipped; with CI=true this fails)", err)
	}
	return p
}

// LookupRIE is FindRIE from the module root of the working directory and os.Getenv.
func LookupRIE() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := ModuleRoot(wd)
	if err != nil {
		return "", err
	}
	return FindRIE(root, os.Getenv)
}
