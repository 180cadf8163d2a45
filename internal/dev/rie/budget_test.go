package rie_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestReadBudget: the real bootstrap with X_DAILY_POST_BUDGET=250 on the TLS + ACL cluster,
// the writer user keeping the deployment's quota. The first run reads 100 + 100 + 50 posts
// (max_results = what the budget has left) and stops; the runs after it, in a new execution
// environment too, send no request and succeed. The log has the budget line and the metrics.
func TestReadBudget(t *testing.T) {
	w := newWorld(t)
	w.env["ingest"] = rie.MergeEnv(w.env["ingest"], "X_DAILY_POST_BUDGET=250", "X_PRICE_PER_POST=0.005")
	emu := w.start("ingest")
	event := eventFile(t, "schedule.json")
	res := invokeIngest(t, emu, event)
	if !res.BudgetExhausted || res.PostsRead != 250 || res.PostsReadToday != 250 || res.PostsNew != 250 || res.Complete {
		t.Errorf("first run: %+v, want 250 posts read and the budget spent", res)
	}
	var sizes []string
	for _, r := range w.x.SearchRequests() {
		sizes = append(sizes, r.Query.Get("max_results"))
	}
	if strings.Join(sizes, ",") != "100,100,50" {
		t.Errorf("max_results of the requests: %v, want 100,100,50", sizes)
	}
	for _, e := range []*rie.Emulator{emu, w.start("ingest")} {
		if r := invokeIngest(t, e, event); !r.BudgetExhausted || r.Pages != 0 || r.PostsReadToday != 250 {
			t.Errorf("a run after the budget was spent: %+v", r)
		}
	}
	if n, served := len(w.x.SearchRequests()), w.x.PostsServed(time.Now()); n != 3 || served != 250 {
		t.Errorf("%d requests, %d posts served today: want 3 and 250", n, served)
	}
	logs := emu.Logs()
	for _, want := range []string{`"message":"x api reads"`, `"posts_read_today":250`, `"estimated_spend_today_usd":1.25`, `"BudgetRemaining":0`, `"PostsRead":250`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the function's log lacks %s:\n%s", want, logs)
		}
	}
	// Only what was read is counted, exactly once.
	rdb := cluster.ClusterClient(reader.Name, reader.Password)
	defer rdb.Close()
	if n, err := rdb.ZCard(context.Background(), store.KeyPrefix(board)+"seen").Result(); err != nil || n != 250 {
		t.Errorf("seen posts: %d, %v; want 250", n, err)
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
	if !res.RateLimited || res.Pages != 2 || res.PostsNew != 200 {
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
