package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// The handler tests run on the standalone redis-server and on the TLS + ACL cluster, each
// leaderboard connecting as a writer user made from the store's own access string.
var env *redistest.Env

func TestMain(m *testing.M) {
	redistest.Main(m, redistest.EnvOptions{}, func(e *redistest.Env) { env = e })
}

var boardSeq struct {
	sync.Mutex
	n int
}

// writerBoard creates a fresh leaderboard on srv, with its own writer ACL user, and returns the
// store connected as that user, and the board's name.
func writerBoard(t *testing.T, srv redistest.Server) (*store.Store, string) {
	t.Helper()
	boardSeq.Lock()
	boardSeq.n++
	name := fmt.Sprintf("ingest%d", boardSeq.n)
	boardSeq.Unlock()
	user := redistest.User{Name: name + "-writer", Password: "pw-" + name + "-0123456789", Access: store.WriterAccess(name)}
	if err := srv.SetUser(context.Background(), user); err != nil {
		t.Fatal(err)
	}
	c := srv.Config(user.Name, user.Password)
	rdb, err := store.NewClient(c.Store())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	s, err := store.New(rdb, name)
	if err != nil {
		t.Fatal(err)
	}
	return s, name
}

func forEachServer(t *testing.T, f func(t *testing.T, srv redistest.Server)) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) { f(t, srv) })
	}
}
