package faulttest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
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
		// 1,000 posts (the most one store batch takes) and 3 MiB of padding in one answer,
		// under the 4 MiB limit, then normal pages of 100.
		f := newXFixture(t, 1500)
		f.x.InjectFaults(xapitest.Fault{PageSize: store.MaxBatch, PadBytes: 3 << 20})
		res := catchUp(t, f.h, 2)
		if res[0].Pages != 6 || res[0].PostsNew != 1500 {
			t.Errorf("run %+v, want 6 pages (1000 + 5 x 100) and 1500 new posts", res[0])
		}
		assertCounts(t, f.board, f.posts.expected())
	})

	t.Run("answer over the size limit", func(t *testing.T) {
		// The first answer is over xapi.MaxResponseBytes: it is asked for again at once as a
		// page of 10, and the run goes on with pages of 100.
		f := newXFixture(t, 250)
		f.x.InjectFaults(xapitest.Fault{PadBytes: xapi.MaxResponseBytes})
		res := catchUp(t, f.h, 1)
		if res[0].Pages != 4 || res[0].PostsNew != 250 {
			t.Errorf("run %+v, want 4 pages (10 + 100 + 100 + 40) and 250 new posts", res[0])
		}
		// The stand-in records a request when its answer is written, so the oversize one (the
		// client stops reading it) may come last.
		var sizes []string
		for _, r := range f.x.SearchRequests() {
			sizes = append(sizes, r.Query.Get("max_results"))
		}
		slices.Sort(sizes)
		if want := []string{"10", "100", "100", "100", "100"}; !slices.Equal(sizes, want) {
			t.Errorf("max_results of the requests %v, want %v", sizes, want)
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

// hostileBody builds a 200 recent-search body of at most limit bytes from entries made by
// entry(i), as many as fit.
func hostileBody(limit int, entry func(i int) string) []byte {
	const tail = `],"meta":{"result_count":1}}`
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := 0; ; i++ {
		e := entry(i)
		if b.Len()+len(e)+1+len(tail) > limit {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e)
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// TestResponseLimitFitsTheFunction: an answer of xapi.MaxResponseBytes, of the shapes that cost
// the most memory per byte (tens of thousands of tiny posts; long posts packed with hashtag
// entities), is decoded with a heap growth a 128 MB function holds beside the 23 MiB the
// ingest function needs at rest (docs/DESIGN.md, Sizing): under 64 MiB.
func TestResponseLimitFitsTheFunction(t *testing.T) {
	const budget = 64 << 20
	first := postid.Make(time.Now().Add(-time.Hour), 0)
	id := func(i int) string { s, _ := postid.Shift(first, time.Duration(i)*time.Millisecond); return s }
	stuffed := func(i int) string {
		var b strings.Builder
		fmt.Fprintf(&b, `{"id":"%s","text":"x","note_tweet":{"text":"%s","entities":{"hashtags":[`, id(i), strings.Repeat("#ab ", 6250))
		for j := range 6250 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"start":%d,"end":%d,"tag":"t%dx%d"}`, 4*j, 4*j+3, i, j)
		}
		b.WriteString(`]}}}`)
		return b.String()
	}
	for _, tc := range []struct {
		name  string
		entry func(i int) string
	}{
		{"tiny posts", func(i int) string { return `{"id":"` + id(i) + `","text":""}` }},
		{"posts packed with hashtags", stuffed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := hostileBody(xapi.MaxResponseBytes, tc.entry)
			x := newXAPI(t, nil)
			src := newSource(t, x)
			x.InjectFaults(xapitest.Fault{Body: body})
			peak := startHeapPeak()
			page, err := src.FetchPage(context.Background(), xapi.PageRequest{})
			base, top := peak.Stop()
			if err != nil {
				t.Fatalf("FetchPage of a %d-byte answer: %v", len(body), err)
			}
			growth := top - base
			report(t, map[string]any{"body_mib": mib(uint64(len(body))), "posts": len(page.Posts),
				"heap_growth_mib": mib(growth), "growth_per_body_byte": float64(growth) / float64(len(body))})
			if len(page.Posts) == 0 || len(page.Skipped) != 0 {
				t.Errorf("%d posts, %d skipped", len(page.Posts), len(page.Skipped))
			}
			if growth > budget {
				t.Errorf("heap grew by %.1f MiB decoding a %.1f MiB answer, want under %d MiB", mib(growth), mib(uint64(len(body))), budget>>20)
			}
		})
	}
}
