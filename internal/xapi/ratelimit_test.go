package xapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestMaxResultsPerRequest: a request's MaxResults is sent as max_results (X bills every post
// it returns, so the caller asks for what its budget allows); 0 sends the Source's page size;
// values X refuses are refused before any request.
func TestMaxResultsPerRequest(t *testing.T) {
	srv, _ := standIn(t, golangPosts(150), nil)
	s, _ := newSource(t, srv, nil)
	ctx := context.Background()
	for _, n := range []int{0, MinPageSize, 37, MaxPageSize} {
		srv.ResetRequests()
		page, err := s.FetchPage(ctx, PageRequest{MaxResults: n})
		if err != nil {
			t.Fatalf("MaxResults %d: %v", n, err)
		}
		want := n
		if n == 0 {
			want = MaxPageSize
		}
		reqs := srv.SearchRequests()
		if len(reqs) != 1 || reqs[0].Query.Get("max_results") != strconv.Itoa(want) || len(page.Posts) != want {
			t.Errorf("MaxResults %d: sent %v, got %d posts; want max_results=%d", n, reqs, len(page.Posts), want)
		}
	}
	srv.ResetRequests()
	for _, n := range []int{-1, 9, 101} {
		if _, err := s.FetchPage(ctx, PageRequest{MaxResults: n}); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("MaxResults %d: %v, want ErrInvalidRequest", n, err)
		}
	}
	if n := len(srv.SearchRequests()); n != 0 {
		t.Errorf("%d requests sent for refused MaxResults", n)
	}
}

// TestPageRateLimit: a page carries the x-rate-limit-* headers of its response, exactly as
// the stand-in sends them (X's: limit, remaining after this request, reset in Unix seconds).
func TestPageRateLimit(t *testing.T) {
	srv, _ := standIn(t, golangPosts(3), func(o *xapitest.Options) { o.RateLimit = 2 })
	s, _ := newSource(t, srv, nil)
	want := []RateLimit{{Limit: 2, Remaining: 1, Reset: t0.Add(15 * time.Minute)}, {Limit: 2, Remaining: 0, Reset: t0.Add(15 * time.Minute)}}
	for i, w := range want {
		page, err := s.FetchPage(context.Background(), PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if page.RateLimit == nil || *page.RateLimit != w {
			t.Errorf("page %d: rate limit %+v, want %+v", i+1, page.RateLimit, w)
		}
		if page.RateLimit.Exhausted() != (w.Remaining == 0) {
			t.Errorf("page %d: Exhausted() = %v", i+1, page.RateLimit.Exhausted())
		}
	}
	var none *RateLimit
	if none.Exhausted() {
		t.Error("a response without the headers says exhausted")
	}
}

// TestNoRetryAtRemainingZero: a failed request whose answer says x-rate-limit-remaining: 0 is
// not retried: the retry would be made at remaining 0, which X answers with 429.
func TestNoRetryAtRemainingZero(t *testing.T) {
	srv, _ := standIn(t, golangPosts(3), func(o *xapitest.Options) { o.RateLimit = 1 })
	s, ft := newSource(t, srv, nil)
	ctx := context.Background()
	if _, err := s.FetchPage(ctx, PageRequest{}); err != nil { // uses the window's one request
		t.Fatal(err)
	}
	srv.InjectFaults(xapitest.Fault{Status: 503})
	srv.ResetRequests()
	_, err := s.FetchPage(ctx, PageRequest{})
	var xe *Error
	if !errors.As(err, &xe) || !errors.Is(err, ErrTransient) || !xe.RateLimit.Exhausted() {
		t.Fatalf("error %v (%+v), want a 503 that says remaining 0", err, xe)
	}
	for _, r := range srv.SearchRequests() {
		if r.Status == 429 {
			t.Errorf("a retry was sent at remaining 0 and got 429")
		}
	}
	if n := len(srv.SearchRequests()); n != 1 || len(ft.Sleeps()) != 0 {
		t.Errorf("%d requests, sleeps %v: want the one, not retried", n, ft.Sleeps())
	}
}

// TestResetCappedAtTheWindow: an x-rate-limit-reset further ahead than X's 15-minute window
// (a header in milliseconds, a reset days away) is capped at 15 minutes from the application
// clock (Config.Now) and logged as a warning, in a 429's error and in a page's rate limit alike;
// a reset within the window is kept as sent, without a warning.
func TestResetCappedAtTheWindow(t *testing.T) {
	capped := t0.Add(RateWindow)
	for _, tc := range []struct {
		name   string
		status int       // 429, or 0 for a page
		reset  time.Time // what the header says
		want   time.Time
		warn   bool // a warning naming the header's value
	}{
		{"429 in milliseconds", 429, time.Unix(t0.UnixMilli(), 0), capped, true},
		{"429 a day ahead", 429, t0.Add(24 * time.Hour), capped, true},
		{"429 16 minutes ahead", 429, t0.Add(16 * time.Minute), capped, true},
		{"429 at the window", 429, t0.Add(RateWindow), t0.Add(RateWindow), false},
		{"429 within the window", 429, t0.Add(3 * time.Minute), t0.Add(3 * time.Minute), false},
		{"429 in the past", 429, t0.Add(-time.Hour), t0.Add(-time.Hour), false},
		{"page in milliseconds", 0, time.Unix(t0.UnixMilli(), 0), capped, true},
		{"page within the window", 0, t0.Add(7 * time.Minute), t0.Add(7 * time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := standIn(t, golangPosts(3), nil)
			var logs bytes.Buffer
			s, _ := newSource(t, srv, func(c *Config) {
				c.Now = clock.Now
				c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			})
			srv.InjectFaults(xapitest.Fault{Status: tc.status, ResetAt: tc.reset})
			page, err := s.FetchPage(context.Background(), PageRequest{})
			var got []time.Time
			if tc.status == 429 {
				var xe *Error
				if !errors.As(err, &xe) || !errors.Is(err, ErrRateLimited) || xe.RateLimit == nil {
					t.Fatalf("error %v, want a 429 with its rate limit", err)
				}
				reset, _ := RateLimitReset(err)
				got = []time.Time{reset, xe.RateLimit.Reset}
			} else {
				if err != nil || page.RateLimit == nil {
					t.Fatalf("page %+v, %v", page.RateLimit, err)
				}
				got = []time.Time{page.RateLimit.Reset}
			}
			for _, g := range got {
				if !g.Equal(tc.want) {
					t.Errorf("reset %v, want %v", g, tc.want)
				}
			}
			warned := strings.Contains(logs.String(), `"x_rate_limit_reset":`+strconv.FormatInt(tc.reset.Unix(), 10))
			if warned != tc.warn {
				t.Errorf("warned %v, want %v (a warning naming the header's value when capped):\n%s", warned, tc.warn, logs.String())
			}
			if n := strings.Count(logs.String(), "x-rate-limit-reset is further ahead"); n > 1 {
				t.Errorf("%d warnings for one answer, want one", n)
			}
		})
	}
}
