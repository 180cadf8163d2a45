// Package archtest checks the tree's promise: what ships (the mains and the packages directly
// under internal/) links nothing from internal/dev or internal/testkit, and nothing of it but
// internal/config names an environment variable (env_test.go); and the code's shape.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/hashtag-leaderboard/hashtag-leaderboard"

func TestBootstrapsLinkNoToolOrTestKit(t *testing.T) {
	for _, main := range []string{"ingest", "leaderboard"} {
		out, err := exec.Command("go", "list", "-deps", module+"/"+main).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", main, err, out)
		}
		var own int
		for _, pkg := range strings.Fields(string(out)) {
			if !strings.HasPrefix(pkg, module+"/") {
				continue
			}
			own++
			rel := strings.TrimPrefix(pkg, module+"/")
			if strings.HasPrefix(rel, "internal/dev") || strings.HasPrefix(rel, "internal/testkit") || strings.HasPrefix(rel, "cmd/") {
				t.Errorf("the %s bootstrap links %s, which is a local tool or a test kit", main, rel)
			}
		}
		if own < 3 {
			t.Fatalf("go list -deps %s found only %d of the module's packages", main, own)
		}
	}
}
