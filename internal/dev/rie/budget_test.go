package rie_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestReadBudget: the real bootstrap with X_DAILY_POST_BUDGET=250 on the TLS + ACL cluster, the
// writer user keeping the deployment's quota, on a schedule of a day (the world's
// SCHEDULE_EXPRESSION: the whole day's budget open at once). The corpus holds more than 250 posts,
// so the first run samples it: its posts and counts requests come to at most 250 (a counts request
// is one unit); the runs after it, in a new execution environment too, stay within the budget. The
// log has the budget line, the metrics and the board's coverage.
func TestReadBudget(t *testing.T) {
	w := newWorld(t)
	w.env["ingest"] = rie.MergeEnv(w.env["ingest"], "X_DAILY_POST_BUDGET=250", "X_PRICE_PER_POST=0.005")
	emu := w.start("ingest")
	event := eventFile(t, "schedule.json")
	res := invokeIngest(t, emu, event)
	counted := func() int {
		n := 0
		for _, r := range w.x.CountsRequests() {
			if r.Status == 200 {
				n++
			}
		}
		return n
	}
	if res.PostsReadToday > 250 || res.PostsRead < 200 || res.PostsNew != res.PostsRead || int(res.PostsReadToday) != res.PostsRead+counted() {
		t.Errorf("first run: %+v, %d counts requests; want at most 250 posts and counts together, most of it spent", res, counted())
	}
	for _, r := range w.x.SearchRequests() {
		if n, _ := strconv.Atoi(r.Query.Get("max_results")); n < 10 || n > 100 {
			t.Errorf("max_results %s", r.Query.Get("max_results"))
		}
	}
	for _, e := range []*rie.Emulator{emu, w.start("ingest")} {
		if r := invokeIngest(t, e, event); r.PostsReadToday > 250 {
			t.Errorf("a run after the first: %+v, over the budget", r)
		}
	}
	served := w.x.PostsServed(time.Now())
	if served+counted() > 250 {
		t.Errorf("%d posts served today and %d counts requests: over 250", served, counted())
	}
	logs := emu.Logs()
	for _, want := range []string{`"message":"x api reads"`, `"estimated_spend_today_usd"`, `"BudgetRemaining"`, `"PostsRead"`, `"Coverage"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the function's log lacks %s:\n%s", want, logs)
		}
	}
	// Only what was read is counted, exactly once.
	rdb := cluster.ClusterClient(reader.Name, reader.Password)
	defer rdb.Close()
	if n, err := rdb.ZCard(context.Background(), store.KeyPrefix(board)+"seen").Result(); err != nil || n != int64(served) {
		t.Errorf("seen posts: %d, %v; want the %d served", n, err, served)
	}
}

// TestRateLimitKeptAcrossRuns: X allows 2 requests per 15 minutes and answers 429 to a
// request made at remaining 0. The first run stops when an answer says remaining 0; the next
// run, in another execution environment, finds the reset time in Redis and sends nothing. No
// 429 is ever received.
func TestRateLimitKeptAcrossRuns(t *testing.T) {
	w := newWorld(t)
	w.serveX(xapitest.Options{RateLimit: 2})
	event := eventFile(t, "schedule.json")
	res := invokeIngest(t, w.start("ingest"), event)
	// The new board's first page is small (see TestEvents): 2 pages, not all of 200 posts.
	if !res.RateLimited || res.Pages != 2 || res.PostsNew != res.PostsRead || res.PostsNew < 100 {
		t.Errorf("first run: %+v, want 2 pages and rate limited", res)
	}
	if r := invokeIngest(t, w.start("ingest"), event); !r.RateLimited || r.Pages != 0 {
		t.Errorf("the next run: %+v, want no page before the reset", r)
	}
	for i, r := range w.x.SearchRequests() {
		if r.Status != 200 {
			t.Errorf("request %d: status %d", i+1, r.Status)
		}
	}
	if n := len(w.x.SearchRequests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}
