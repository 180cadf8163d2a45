package ingest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// summaryReset returns the rate_limit_reset of res's JSON summary (zero when absent), checking
// that it is RFC 3339.
func summaryReset(t *testing.T, res ingest.Result) time.Time {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatalf("summary: %v", err)
	}
	var sum map[string]any
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	raw, ok := sum["rate_limit_reset"]
	if !ok {
		return time.Time{}
	}
	s, _ := raw.(string)
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("rate_limit_reset %v is not RFC 3339: %v", raw, err)
	}
	return at
}

// TestBrokenResetHeader: X answers 429 with an x-rate-limit-reset in milliseconds (57,000 years
// ahead, read as seconds). The run stops, rate_limited, with a rate_limit_reset at most 16 minutes
// ahead; the runs before it send nothing and say the same; the first run after it catches up.
// Likewise for a reset a week ahead, and a 429 without a reset (a whole window of X's).
func TestBrokenResetHeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(now time.Time) xapitest.Fault
	}{
		{"429 reset in milliseconds", func(now time.Time) xapitest.Fault {
			return xapitest.Fault{Status: 429, ResetAt: time.Unix(now.UnixMilli(), 0)}
		}},
		{"429 reset a week ahead", func(now time.Time) xapitest.Fault {
			return xapitest.Fault{Status: 429, ResetAt: now.Add(7 * 24 * time.Hour)}
		}},
		{"429 without a reset", func(time.Time) xapitest.Fault { return xapitest.Fault{Status: 429, NoRateLimitHeaders: true} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachServer(t, func(t *testing.T, srv redistest.Server) {
				posts := corpus(250, cycleTags)
				f := newFixture(t, srv, posts)
				h := f.handler(t, nil)
				f.x.InjectFaults(xapitest.Fault{}, tc.fault(f.clock.Now()))
				for run := range 3 {
					now := f.clock.Now()
					sent := len(f.x.SearchRequests())
					res := mustRun(t, h)
					reset := summaryReset(t, res)
					if !res.RateLimited || res.Complete || reset.IsZero() || !reset.Equal(res.RateLimitReset) {
						t.Fatalf("run %d: rate_limited %v, rate_limit_reset %v (%v): want it, with the reset", run, res.RateLimited, reset, res.RateLimitReset)
					}
					if !reset.After(now) || reset.After(now.Add(16*time.Minute)) {
						t.Errorf("run %d at %v: rate_limit_reset %v, want within 16 minutes ahead", run, now, reset)
					}
					if run > 0 && len(f.x.SearchRequests()) != sent {
						t.Errorf("run %d sent %d requests before the reset", run, len(f.x.SearchRequests())-sent)
					}
					f.clock.Advance(5 * time.Minute) // the schedule's rate
					if run == 0 && res.Pages != 1 {
						t.Errorf("run 0: %d pages, want 1 before the 429", res.Pages)
					}
				}
				f.clock.Advance(time.Second) // past the reset: three runs of 5 minutes
				res := mustRun(t, h)
				if res.RateLimited || !res.Complete || res.PostsNew != 150 || !summaryReset(t, res).IsZero() {
					t.Errorf("run after the reset: %+v, want it complete with the other 150 posts and no reset", res)
				}
				assertCounts(t, f.board, expected(posts))
			})
		})
	}
}

// TestQuotaKeepsXsWindow: the quota keeps no block further ahead than the reset xapi believes.
func TestQuotaKeepsXsWindow(t *testing.T) {
	if store.MaxBlockAhead != xapi.RateWindow {
		t.Errorf("store.MaxBlockAhead %s, xapi.RateWindow %s: want them equal", store.MaxBlockAhead, xapi.RateWindow)
	}
}
