package faulttest

import (
	"context"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// xFixture is one leaderboard on the shared standalone server fed by its own X API stand-in.
type xFixture struct {
	posts *postMaker
	x     *xapitest.Server
	board *store.Store
	h     *ingest.Handler
}

func newXFixture(t *testing.T, n int) *xFixture {
	t.Helper()
	name := uniqueName("xapi")
	w, _ := boardUsers(name)
	addUsers(t, env.Standalone, w)
	f := &xFixture{posts: newPostMaker()}
	f.x = newXAPI(t, f.posts.batch(n, cycleTags))
	f.board = openStore(t, env.Standalone, w, name)
	f.h = newIngest(t, newSource(t, f.x), f.board, nil)
	return f
}

// The 429 answers (with and without rate-limit headers) and a body truncated on every retry
// are covered by internal/ingest (TestRateLimitedMidRun, TestFailures); these are the rest of
// the X API faults of the issue.
func TestXAPIFaults(t *testing.T) {
	t.Run("answer after the time budget", func(t *testing.T) {
		// Page 2 would arrive a minute later, long after the invocation's deadline: the
		// handler gives up the request at its safety margin (5 s before the deadline, the
		// production default) and returns successfully, before the deadline, with page 1
		// saved.
		f := newXFixture(t, 250)
		f.x.InjectFaults(xapitest.Fault{}, xapitest.Fault{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		deadline, _ := ctx.Deadline()
		res, err := f.h.Handle(ctx, scheduled)
		returned := time.Now()
		if err != nil {
			t.Fatalf("run cut by the time budget failed: %v", err)
		}
		if !returned.Before(deadline) {
			t.Errorf("handler returned at %s, not before the invocation deadline %s", returned.Format(time.StampMilli), deadline.Format(time.StampMilli))
		}
		t.Logf("returned %s before the deadline", deadline.Sub(returned).Round(time.Millisecond))
		if res.Pages != 1 || res.PostsNew != 100 || res.Complete {
			t.Errorf("cut run: %+v, want page 1 recorded and not complete", res)
		}
		cp, err := f.board.Checkpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if cp.UntilID == "" || cp.NewestID == "" {
			t.Errorf("checkpoint after the cut run %+v: want the sweep's progress saved", cp)
		}
		rest := catchUp(t, f.h, 3)
		if rest[0].PostsNew != 150 {
			t.Errorf("recovery run recorded %d new posts, want the 150 not recorded before", rest[0].PostsNew)
		}
		assertCounts(t, f.board, f.posts.expected())
	})

	t.Run("body truncated once, then whole", func(t *testing.T) {
		f := newXFixture(t, 150)
		f.x.InjectFaults(xapitest.Fault{Truncate: 300})
		res := catchUp(t, f.h, 1)
		if res[0].PostsNew != 150 {
			t.Errorf("run %+v", res[0])
		}
		if n := len(f.x.SearchRequests()); n != 3 {
			t.Errorf("%d search requests, want 3 (2 pages + 1 retry)", n)
		}
		assertCounts(t, f.board, f.posts.expected())
	})

	t.Run("connection cut mid-body", func(t *testing.T) {
		f := newXFixture(t, 150)
		f.x.InjectFaults(xapitest.Fault{}, xapitest.Fault{Truncate: 500, CutConnection: true})
		res := catchUp(t, f.h, 1)
		if res[0].PostsNew != 150 {
			t.Errorf("run %+v", res[0])
		}
		assertCounts(t, f.board, f.posts.expected())
	})

	t.Run("very large page", func(t *testing.T) {
		// 1,000 posts (the most one store batch takes) and 8 MiB of padding in one answer,
		// then normal pages of 100.
		f := newXFixture(t, 1500)
		f.x.InjectFaults(xapitest.Fault{PageSize: store.MaxBatch, PadBytes: 8 << 20})
		res := catchUp(t, f.h, 2)
		if res[0].Pages != 6 || res[0].PostsNew != 1500 {
			t.Errorf("run %+v, want 6 pages (1000 + 5 x 100) and 1500 new posts", res[0])
		}
		assertCounts(t, f.board, f.posts.expected())
	})

	t.Run("page larger than a store batch", func(t *testing.T) {
		// X never sends more than 100 posts a page; an answer carrying more than a store batch
		// takes is recorded in store-sized batches, so the run still succeeds exactly.
		f := newXFixture(t, 1500)
		f.x.InjectFaults(xapitest.Fault{PageSize: store.MaxBatch + 200})
		res, err := runIngest(f.h)
		if err != nil || res.PostsNew != store.MaxBatch+200+300 {
			t.Errorf("run with a %d-post page: %+v, %v", store.MaxBatch+200, res, err)
		}
		catchUp(t, f.h, 3)
		assertCounts(t, f.board, f.posts.expected())
	})

	t.Run("ids in ascending order", func(t *testing.T) {
		// Every page oldest-first: the checkpoint must still end at the newest id, so the
		// next sweep neither misses nor repeats a post.
		f := newXFixture(t, 250)
		asc := xapitest.Fault{Ascending: true}
		f.x.InjectFaults(asc, asc, asc)
		res := catchUp(t, f.h, 1)
		if res[0].Pages != 3 || res[0].PostsNew != 250 {
			t.Errorf("run %+v", res[0])
		}
		assertCounts(t, f.board, f.posts.expected())
		if err := f.x.AddPosts(f.posts.batch(120, cycleTags)...); err != nil {
			t.Fatal(err)
		}
		f.x.InjectFaults(asc, asc)
		res = catchUp(t, f.h, 1)
		if res[0].PostsFetched != 120 || res[0].PostsNew != 120 {
			t.Errorf("second sweep %+v, want exactly the 120 new posts fetched", res[0])
		}
		assertCounts(t, f.board, f.posts.expected())
	})
}
