package faulttest

import (
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// env is one standalone redis-server and one TLS + ACL cluster shared by the tests that do
// not kill their server; tests that kill a standalone server start their own. TestFailover
// kills a primary of the shared cluster and brings it back (as a replica) before it ends.
var env *redistest.Env

func TestMain(m *testing.M) {
	tier.SkipAll("faulttest", "redis-server")
	redistest.Main(m, redistest.EnvOptions{}, func(e *redistest.Env) { env = e })
}
