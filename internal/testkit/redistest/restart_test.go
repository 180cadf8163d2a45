package redistest_test

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// TestRestartAfterShardIDMismatch: Valkey 8.0 refuses to start from a nodes.conf where a
// replica's shard id differs from its primary's ("corrupted cluster config file", as a node
// killed before its shard's ids settled can leave it: valkey-io/valkey#774, #2171).
// RestartNode starts such a node anyway, without the shard ids, and the cluster heals.
func TestRestartAfterShardIDMismatch(t *testing.T) {
	c := redistest.MustCluster(t, redistest.ClusterOptions{Engine: redistest.Valkey})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, err := c.KillPrimary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The killed primary's own line gets a shard id of its own: its replica's line keeps the
	// old one, so the file holds a replica whose shard differs from its primary's.
	path := c.NodesConf(addr)
	conf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	own := regexp.MustCompile(`(?m)^(\S+ \S+,shard-id=)[0-9a-f]+( myself,master )`)
	if !own.Match(conf) {
		t.Fatalf("no line of the killed primary itself in %s:\n%s", path, conf)
	}
	conf = own.ReplaceAll(conf, []byte("${1}0123456789abcdef0123456789abcdef01234567${2}"))
	if err := os.WriteFile(path, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.RestartNode(ctx, addr); err != nil {
		t.Fatalf("restart: %v", err)
	}
}
