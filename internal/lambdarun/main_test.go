package lambdarun_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/lambdarun"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// The tests of this package run the real bootstraps under aws-lambda-rie against the TLS + ACL
// Redis cluster of package redistest (the MemoryDB stand-in) with the users' passwords held in
// moto_server's Secrets Manager, and the X API stand-in of package xapitest. TestMain starts
// the cluster and moto and builds both bootstraps once, unless the emulator is missing (the
// tests that need it then skip, or fail with CI=true: see lambdarun.RequireRIE).

const board = "hashtags"

var (
	writer = redistest.User{Name: board + "-writer", Password: "lambdarun-test-writer-pw", Access: store.WriterAccess(board)}
	reader = redistest.User{Name: board + "-reader", Password: "lambdarun-test-reader-pw", Access: store.ReaderAccess(board)}
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
	if _, rieErr = lambdarun.LookupRIE(); rieErr != nil {
		return m.Run() // the emulator tests skip (or fail under CI) through RequireRIE
	}
	var err error
	if moduleRoot, err = lambdarun.ModuleRoot("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	buildDir, err := os.MkdirTemp("", "lambdarun-test-")
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
	for _, f := range lambdarun.Functions {
		wg.Go(func() {
			p, err := lambdarun.Build(context.Background(), moduleRoot, f, buildDir, lambdarun.BuildOptions{})
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
		fmt.Fprintln(os.Stderr, "lambdarun tests:", err)
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
