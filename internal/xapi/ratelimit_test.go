package xapi

import (
	"context"
	"errors"
	"strconv"
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
