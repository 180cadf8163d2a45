package rie_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestEvents invokes both real bootstraps under the emulator with each file of events/: ingest
// with schedule.json, then the leaderboard with the four Function URL events, against the TLS
// + ACL cluster with the users' passwords and the X API token in moto's Secrets Manager.
func TestEvents(t *testing.T) {
	w := newWorld(t)
	ing := w.start("ingest")
	res := invokeIngest(t, ing, eventFile(t, "schedule.json"))
	c := w.corpus
	// A new board's span is the 7-day window: its first page is small (the share of its newest
	// interval), and the rate of that page over 7 days is more than the budget, so X is asked to
	// count the span (one unit), which then is read whole: at most one page more than the posts
	// need, and everything read.
	want := ingest.Totals{
		Pages: res.Pages, PostsFetched: c.served, PostsNew: c.served,
		HashtagsCounted: c.hashtagsCounted, Complete: true, PostsHad: c.served, Coverage: 1,
	}
	if res.Totals != want || res.Boards[board] != want || len(res.Boards) != 1 || res.Pages > (c.served+99)/100+1 {
		t.Errorf("ingest result\n got %+v\nwant %+v, the totals and the one board's, in at most %d pages", res, want, (c.served+99)/100+1)
	}
	if res.PostsRead != c.served || res.PostsReadToday != int64(c.served+res.CountsRequests) || res.CountsRequests > 1 || res.BudgetExhausted {
		t.Errorf("x api reads: %d this run, %d today (%d counts requests), budget exhausted %v; want %d, %d and 1 at most, false",
			res.PostsRead, res.PostsReadToday, res.CountsRequests, res.BudgetExhausted, c.served, c.served)
	}
	w.checkCounts()

	lb := w.start("leaderboard")
	cases := []struct {
		event  string
		status int
		check  func(t *testing.T, resp events.LambdaFunctionURLResponse)
	}{
		{"function-url-get.json", 200, func(t *testing.T, resp events.LambdaFunctionURLResponse) {
			checkBoard(t, resp, "all", top(c.all, 10))
		}},
		{"function-url-window.json", 200, func(t *testing.T, resp events.LambdaFunctionURLResponse) {
			checkBoard(t, resp, "24h", top(c.day, 25))
		}},
		{"function-url-bad.json", 400, func(t *testing.T, resp events.LambdaFunctionURLResponse) {
			checkJSON(t, resp)
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || !strings.Contains(body.Error, `"limit"`) {
				t.Errorf("body %s: want an error naming \"limit\" (%v)", resp.Body, err)
			}
		}},
		{"function-url-browser.json", 200, func(t *testing.T, resp events.LambdaFunctionURLResponse) {
			if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			if resp.IsBase64Encoded || !strings.Contains(strings.ToLower(resp.Body), "<!doctype html>") {
				t.Errorf("body is not an HTML page (base64 %v): %.200s", resp.IsBase64Encoded, resp.Body)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.event, func(t *testing.T) {
			resp := invokeURL(t, lb, eventFile(t, tc.event))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.status, resp.Body)
			}
			tc.check(t, resp)
		})
	}

	for _, emu := range []*rie.Emulator{ing, lb} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d, err := emu.InitDuration(ctx)
		cancel()
		if err != nil || d <= 0 {
			t.Errorf("init duration %v, %v: want the emulator's INIT REPORT", d, err)
		}
		t.Logf("init duration %s", d)
	}
}

func checkJSON(t *testing.T, resp events.LambdaFunctionURLResponse) {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if resp.IsBase64Encoded || !json.Valid([]byte(resp.Body)) {
		t.Errorf("body is not JSON (base64 %v): %s", resp.IsBase64Encoded, resp.Body)
	}
}

func checkBoard(t *testing.T, resp events.LambdaFunctionURLResponse, window string, want []rankedTag) {
	t.Helper()
	checkJSON(t, resp)
	var body boardBody
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if body.Leaderboard != board || body.Window != window {
		t.Errorf("leaderboard %q window %q, want %q %q", body.Leaderboard, body.Window, board, window)
	}
	if len(want) == 0 {
		t.Fatal("the corpus gives an empty board: the test would prove nothing")
	}
	if !slices.Equal(body.Hashtags, want) {
		t.Errorf("hashtags\n got %v\nwant %v", body.Hashtags, want)
	}
}

// TestRetries is Lambda's retry of one scheduled event: the same event invoked three times
// through the emulator with the real bootstrap, in sequence in one execution environment and
// concurrently in three (the emulator runs one invoke at a time, as one Lambda execution
// environment does; Lambda runs concurrent invokes in separate environments). Every post is
// counted exactly once either way.
func TestRetries(t *testing.T) {
	t.Run("sequence", func(t *testing.T) {
		w := newWorld(t)
		emu := w.start("ingest")
		event := eventFile(t, "schedule.json")
		var results []ingest.Result
		for range 3 {
			results = append(results, invokeIngest(t, emu, event))
		}
		if r := results[0]; r.PostsNew != w.corpus.served || r.HashtagsCounted != w.corpus.hashtagsCounted || !r.Complete {
			t.Errorf("first invoke %+v: want %d new posts, %d hashtags counted, complete", r, w.corpus.served, w.corpus.hashtagsCounted)
		}
		for i, r := range results[1:] {
			if r.PostsNew != 0 || r.HashtagsCounted != 0 || !r.Complete {
				t.Errorf("invoke %d %+v: want nothing new and complete", i+2, r)
			}
		}
		w.checkCounts()
	})

	t.Run("concurrent", func(t *testing.T) {
		w := newWorld(t)
		emus := make([]*rie.Emulator, 3)
		for i := range emus {
			emus[i] = w.start("ingest")
		}
		// Hold the first search request of each run a moment, so the three runs overlap
		// rather than one finishing before the others have started.
		w.x.InjectFaults(xapitest.Fault{Delay: 300 * time.Millisecond}, xapitest.Fault{Delay: 300 * time.Millisecond}, xapitest.Fault{Delay: 300 * time.Millisecond})
		event := eventFile(t, "schedule.json")
		results := make([]ingest.Result, len(emus))
		var wg sync.WaitGroup
		for i, emu := range emus {
			wg.Go(func() {
				resp, err := emu.Invoke(context.Background(), event)
				if err != nil {
					t.Error(err)
					return
				}
				if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
					t.Errorf("run %d: status %d, function error %s: %s", i+1, resp.Status, typ, msg)
					return
				}
				if err := json.Unmarshal(resp.Body, &results[i]); err != nil {
					t.Errorf("run %d: result %s: %v", i+1, resp.Body, err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		var sum ingest.Result
		for i, r := range results {
			t.Logf("run %d: %+v", i+1, r)
			sum.PostsNew += r.PostsNew
			sum.HashtagsCounted += r.HashtagsCounted
			sum.PostsFetched += r.PostsFetched
		}
		if sum.PostsNew != w.corpus.served || sum.HashtagsCounted != w.corpus.hashtagsCounted {
			t.Errorf("the three runs together recorded %d new posts and %d hashtags, want %d and %d",
				sum.PostsNew, sum.HashtagsCounted, w.corpus.served, w.corpus.hashtagsCounted)
		}
		t.Logf("posts fetched by the three runs: %d for %d served", sum.PostsFetched, w.corpus.served)
		w.checkCounts()

		// The retry after them finds nothing left.
		if r := invokeIngest(t, emus[0], event); r.PostsNew != 0 || r.HashtagsCounted != 0 {
			t.Errorf("a fourth invoke after them %+v: want nothing new", r)
		}
		w.checkCounts()
	})
}
