package faulttest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// lane is one leaderboard under load during the failover: its X API stand-in keeps receiving
// posts, its ingest handler runs in a loop as the writer user and its leaderboard handler is
// queried in a loop as the reader user. Each lane has its own clients, created once.
type lane struct {
	name    string
	primary string // address of the primary owning the leaderboard's hash slot at the start
	posts   *postMaker
	x       *xapitest.Server
	writer  *store.Store
	h       *ingest.Handler
	lb      *leaderboard.Handler

	mu      sync.Mutex
	answers []event // leaderboard answers
	runs    []event // ingest runs
}

// event is one leaderboard request or ingest run: when it started and ended, and how it went.
type event struct {
	start, end time.Time
	status     int   // leaderboard: HTTP status
	err        error // ingest: the run's error
	res        ingest.Result
}

func (l *lane) record(list *[]event, e event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, e)
}

func (l *lane) snapshot() (answers, runs []event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.answers), slices.Clone(l.runs)
}

// ok reports whether an event succeeded.
func (e event) ok() bool { return e.err == nil && (e.status == 0 || e.status == 200) }

// firstOKAfter returns the index of the first successful event that started at or after t.
func firstOKAfter(events []event, t time.Time) int {
	for i, e := range events {
		if !e.start.Before(t) && e.ok() {
			return i
		}
	}
	return -1
}

// boardsOnEveryPrimary returns, for every primary, a leaderboard name whose hash slot it owns.
func boardsOnEveryPrimary(t *testing.T, admin *redis.ClusterClient, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	shards, err := admin.ClusterShards(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	primaries := map[string]bool{}
	type owned struct {
		from, to int64
		addr     string
	}
	var ranges []owned
	for _, sh := range shards {
		for _, n := range sh.Nodes {
			if n.Role != "master" || len(sh.Slots) == 0 {
				continue
			}
			port := n.TLSPort
			if port == 0 {
				port = n.Port
			}
			addr := n.IP + ":" + strconv.FormatInt(port, 10)
			primaries[addr] = true
			for _, r := range sh.Slots {
				ranges = append(ranges, owned{r.Start, r.End, addr})
			}
		}
	}
	owner := func(slot int64) string {
		for _, r := range ranges {
			if r.from <= slot && slot <= r.to {
				return r.addr
			}
		}
		return ""
	}
	names := map[string]string{}
	for i := 0; len(names) < len(primaries) && i < 1000; i++ {
		name := prefix + "-" + strconv.Itoa(i)
		slot, err := admin.ClusterKeySlot(ctx, store.KeyPrefix(name)+"all").Result()
		if err != nil {
			t.Fatal(err)
		}
		if p := owner(slot); p != "" && names[p] == "" {
			names[p] = name
		}
	}
	if len(names) != len(primaries) {
		t.Fatalf("found leaderboard names for %d of %d primaries", len(names), len(primaries))
	}
	return names
}

// TestFailover kills a primary of the TLS + ACL cluster while every shard carries a
// leaderboard being ingested into and read (so whichever primary KillPrimary picks, one lane
// loses its primary and the others live through the cluster-wide outage that follows, since
// the cluster refuses commands while a slot has no live primary).
func TestFailover(t *testing.T) {
	c := env.Cluster
	ctx := context.Background()
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	prefix := uniqueName("failover")
	var lanes []*lane
	for primary, name := range boardsOnEveryPrimary(t, c.AdminClient(), prefix) {
		w, r := boardUsers(name)
		addUsers(t, c, w, r)
		l := &lane{name: name, primary: primary, posts: newPostMaker()}
		l.x = newXAPI(t, l.posts.batch(150, cycleTags))
		l.writer = openStore(t, c, w, name)
		l.h = newIngest(t, newSource(t, l.x), l.writer, nil)
		// No cache: every request reads Redis, so the outage is seen, not hidden.
		l.lb = newLeaderboard(t, openStore(t, c, r, name), name, 0)
		lanes = append(lanes, l)
	}

	loopCtx, stopLoops := context.WithCancel(ctx)
	feedCtx, stopFeeding := context.WithCancel(ctx)
	defer stopLoops()
	defer stopFeeding()
	var loops sync.WaitGroup
	every := func(ctx context.Context, d time.Duration, f func()) {
		loops.Go(func() {
			for ctx.Err() == nil {
				f()
				select {
				case <-ctx.Done():
				case <-time.After(d):
				}
			}
		})
	}
	for _, l := range lanes {
		every(feedCtx, 20*time.Millisecond, func() {
			if err := l.x.AddPosts(l.posts.make(cycleTags(l.posts.posts())...)); err != nil {
				t.Error(err)
			}
		})
		every(loopCtx, 10*time.Millisecond, func() {
			e := event{start: time.Now()}
			rctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			e.res, e.err = l.h.Handle(rctx, scheduled)
			cancel()
			e.end = time.Now()
			l.record(&l.runs, e)
		})
		every(loopCtx, 10*time.Millisecond, func() {
			e := event{start: time.Now()}
			resp, err := l.lb.Handle(context.Background(), lbEvent("limit=100"))
			e.end, e.status, e.err = time.Now(), resp.StatusCode, err
			l.record(&l.answers, e)
		})
	}

	// Steady state first: every lane ingesting and answering.
	err := poll(time.Minute, func() error {
		for _, l := range lanes {
			answers, runs := l.snapshot()
			if n := len(runs); n < 3 || !runs[n-1].ok() || len(answers) < 10 {
				return fmt.Errorf("lane %s: %d runs, %d answers", l.name, len(runs), len(answers))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("no steady state before the kill: %v", err)
	}

	killedAt := time.Now()
	victim, err := c.KillPrimary(ctx)
	healthyAt := time.Now()
	if victim != "" {
		t.Cleanup(func() {
			begin := time.Now()
			if err := c.RestartNode(context.Background(), victim); err != nil {
				t.Errorf("restart the killed node %s: %v", victim, err)
			}
			t.Logf("the killed node rejoined as a replica in %s", time.Since(begin).Round(time.Millisecond))
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed primary %s; replica promoted and cluster healthy %s later", victim, healthyAt.Sub(killedAt).Round(time.Millisecond))
	hit := slices.IndexFunc(lanes, func(l *lane) bool { return l.primary == victim })
	if hit < 0 {
		t.Fatalf("killed %s, which owned none of the leaderboards", victim)
	}

	// Recovery without a restart: the same handlers and clients answer and ingest again. The
	// bound is only there so a client that never recovers fails the test instead of hanging.
	err = poll(time.Minute, func() error {
		for _, l := range lanes {
			answers, runs := l.snapshot()
			i, j := firstOKAfter(answers, healthyAt), firstOKAfter(runs, healthyAt)
			if i < 0 || j < 0 || len(answers)-i < 20 || len(runs)-j < 3 {
				return fmt.Errorf("lane %s not recovered: first good answer %d of %d, first good run %d of %d after the failover",
					l.name, i, len(answers), j, len(runs))
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	stopFeeding()
	stopLoops()
	loops.Wait()

	for i, l := range lanes {
		t.Run(l.name, func(t *testing.T) {
			answers, runs := l.snapshot()
			checkOutage(t, "leaderboard answer", answers, killedAt, healthyAt, i == hit)
			checkOutage(t, "ingest run", runs, killedAt, healthyAt, i == hit)
			recorded := 0
			for _, r := range runs {
				recorded += r.res.PostsNew
			}

			// Ingest resumes from the checkpoint it finds (the promoted replica's copy) and
			// catches up; then every count is exact, in the store and in the leaderboard.
			cp, err := l.writer.Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			l.x.ResetRequests()
			final := catchUp(t, l.h, 20)
			reqs := l.x.SearchRequests()
			if cp.SinceID == "" && cp.UntilID == "" {
				t.Errorf("no checkpoint saved during the test: %+v", cp)
			} else if q := reqs[0].Query; q.Get("since_id") != cp.SinceID || q.Get("until_id") != cp.UntilID {
				t.Errorf("first request after the loops: since_id %q until_id %q, want the checkpoint's %q %q",
					q.Get("since_id"), q.Get("until_id"), cp.SinceID, cp.UntilID)
			}
			for _, r := range final {
				recorded += r.PostsNew
			}
			want := l.posts.expected()
			assertCounts(t, l.writer, want)
			if got := getBoard(t, l.lb, "limit=100").tally(); !maps.Equal(got, want) {
				t.Errorf("leaderboard after the failover: %v, want %v", got, want)
			}
			t.Logf("%d posts served, %d recorded as new over %d runs (more than served means writes the killed primary acknowledged but never replicated, recorded again)",
				l.posts.posts(), recorded, len(runs)+len(final))
		})
	}
}

// checkOutage checks one lane's requests around the failover: everything that ended before
// the kill succeeded; failures (ingest errors, leaderboard 503) only after the kill; no
// leaderboard status other than 200 and 503; and from the first success after the cluster was
// healthy again, only successes.
func checkOutage(t *testing.T, what string, events []event, killedAt, healthyAt time.Time, victim bool) {
	t.Helper()
	failed, first := 0, time.Time{}
	var sample error
	for _, e := range events {
		if e.status != 0 && e.status != 200 && e.status != 503 {
			t.Errorf("%s at %s: status %d, want 200 or 503", what, e.start.Format(time.StampMilli), e.status)
		}
		if e.ok() {
			continue
		}
		failed++
		if first.IsZero() {
			first = e.end
		}
		if sample == nil {
			sample = e.err
		}
		if e.end.Before(killedAt) {
			t.Errorf("%s failed before the kill (%s): status %d, error %v", what, e.end.Format(time.StampMilli), e.status, e.err)
		}
	}
	rec := firstOKAfter(events, healthyAt)
	if rec < 0 {
		t.Errorf("%s: no success after the cluster was healthy again", what)
		return
	}
	for _, e := range events[rec:] {
		if !e.ok() {
			t.Errorf("%s failed at %s, after it had recovered at %s: status %d, error %v",
				what, e.start.Format(time.StampMilli), events[rec].end.Format(time.StampMilli), e.status, e.err)
		}
	}
	role := "other shard"
	if victim {
		role = "killed shard"
	}
	msg := fmt.Sprintf("%s (%s): %d of %d failed", what, role, failed, len(events))
	if failed > 0 {
		msg += fmt.Sprintf(", first %s after the kill", first.Sub(killedAt).Round(time.Millisecond))
	}
	msg += fmt.Sprintf("; first success after the cluster was healthy: %s after it", events[rec].end.Sub(healthyAt).Round(time.Millisecond))
	if sample != nil {
		msg += fmt.Sprintf("; sample error: %v", sample)
		if errors.Is(sample, context.DeadlineExceeded) {
			msg += " (deadline)"
		}
	}
	t.Log(msg)
}
