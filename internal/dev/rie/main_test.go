package rie_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// The tests of this package run the real bootstraps under aws-lambda-rie against the TLS + ACL
// Redis cluster of package redistest (the MemoryDB stand-in) with the users' passwords held in
// moto_server's Secrets Manager, and the X API stand-in of package xapitest. TestMain starts
// the cluster and moto and builds both bootstraps once, unless the emulator is missing (the
// tests that need it then skip, or fail with CI=true: see rie.RequireRIE).

const board = "hashtags"

var (
	writer = redistest.User{Name: board + "-writer", Password: "rie-test-writer-pw", Access: store.WriterAccess(board)}
	reader = redistest.User{Name: board + "-reader", Password: "rie-test-reader-pw", Access: store.ReaderAccess(board)}
)

var (
	rieErr     error
	cluster    *redistest.Cluster
	moto       *awstest.Moto
	moduleRoot string
	bootstraps = map[string]string{} // function -> bootstrap path
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if tier.Short() {
		return m.Run() // no servers or emulator: the emulator tests skip in RequireRIE
	}
	if _, rieErr = rie.LookupRIE(); rieErr != nil {
		return m.Run() // the emulator tests skip (or fail under CI) through RequireRIE
	}
	var err error
	if moduleRoot, err = rie.ModuleRoot("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	buildDir, err := os.MkdirTemp("", "rie-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(buildDir)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	wg.Go(func() {
		c, err := redistest.StartCluster(redistest.ClusterOptions{Users: []redistest.User{writer, reader}})
		if err != nil {
			fail(fmt.Errorf("cluster: %w", err))
			return
		}
		cluster = c
	})
	wg.Go(func() {
		mt, err := awstest.StartMoto()
		if err != nil {
			fail(fmt.Errorf("moto: %w", err))
			return
		}
		moto = mt
	})
	for _, f := range rie.Functions {
		wg.Go(func() {
			p, err := rie.Build(context.Background(), moduleRoot, f, buildDir, rie.BuildOptions{})
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			bootstraps[f] = p
			mu.Unlock()
		})
	}
	wg.Wait()
	if cluster != nil {
		defer cluster.Stop()
	}
	if moto != nil {
		defer moto.Stop()
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "rie tests:", err)
		return 1
	}
	return m.Run()
}

// eventFile reads a file of the module's events/ folder.
func eventFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
