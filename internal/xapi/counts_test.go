package xapi

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestCountsFixtures decodes X's recent-counts bodies of both name generations, as served.
func TestCountsFixtures(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		fixture     string
		total       int
		first, last CountBucket
		n           int
	}{
		{"counts_hour.json", 2452, CountBucket{at("2026-11-24T15:12:07Z"), at("2026-11-24T16:00:00Z"), 412},
			CountBucket{at("2026-11-24T18:00:00Z"), at("2026-11-24T18:29:50Z"), 1207}, 4},
		{"counts_minute_post_names.json", 23, CountBucket{at("2026-11-24T18:26:30Z"), at("2026-11-24T18:27:00Z"), 9},
			CountBucket{at("2026-11-24T18:28:00Z"), at("2026-11-24T18:29:00Z"), 0}, 3},
		{"counts_empty.json", 0, CountBucket{}, CountBucket{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			srv, _ := standIn(t, nil, nil)
			srv.InjectCountsFaults(xapitest.Fault{Body: xapitest.MustFixture(tc.fixture)})
			src, _ := newSource(t, srv, nil)
			c, err := src.Counts(context.Background(), CountsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Total != tc.total || len(c.Buckets) != tc.n {
				t.Fatalf("total %d, %d buckets; want %d, %d", c.Total, len(c.Buckets), tc.total, tc.n)
			}
			if tc.n > 0 && (c.Buckets[0] != tc.first || c.Buckets[tc.n-1] != tc.last) {
				t.Errorf("buckets %+v", c.Buckets)
			}
			if c.RateLimit == nil || c.RateLimit.Limit != xapitest.DefaultCountsRateLimit {
				t.Errorf("rate limit %+v", c.RateLimit)
			}
		})
	}
}

// TestCountsRequest sends start_time, end_time and granularity and reads the stand-in's
// buckets of the query's posts.
func TestCountsRequest(t *testing.T) {
	srv, _ := standIn(t, golangPosts(150), func(o *xapitest.Options) { o.Names = xapitest.PostNames })
	src, _ := newSource(t, srv, nil)
	start, end := t0.Add(-2*time.Hour+500*time.Millisecond), t0.Add(-20*time.Second)
	c, err := src.Counts(context.Background(), CountsRequest{Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	// Posts one a minute from t0-1m back to t0-150m: those in [t0-2h, t0-20s) are 120.
	if c.Total != 120 || len(c.Buckets) != 3 || c.Buckets[0].Posts != 30 || c.Buckets[2].Posts != 30 {
		t.Errorf("counts %+v", c)
	}
	q := srv.CountsRequests()[0].Query
	if q.Get("start_time") != "2026-11-24T16:30:00Z" || q.Get("end_time") != "2026-11-24T18:29:40Z" ||
		q.Get("granularity") != "hour" || q.Get("query") != "#golang" {
		t.Errorf("query %v", q)
	}
	c, err = src.Counts(context.Background(), CountsRequest{Start: t0.Add(-3 * time.Minute), End: end, Granularity: GranularityMinute})
	if err != nil || len(c.Buckets) != 3 || c.Total != 3 {
		t.Errorf("minute counts %+v, %v", c, err)
	}
}

// TestCountsErrors classifies X's answers as FetchPage does: a 400 with X's message, a 429
// with its reset (not retried), a 503 retried, a body that is not a counts answer; bad requests
// are refused before anything is sent.
func TestCountsErrors(t *testing.T) {
	reset := t0.Add(7 * time.Minute)
	tests := []struct {
		name     string
		faults   []xapitest.Fault
		req      CountsRequest
		kind     error
		attempts int
		sent     int
	}{
		{"end_time too late", nil, CountsRequest{End: t0.Add(-5 * time.Second)}, ErrInvalidRequest, 1, 1},
		{"start_time outside the window", nil, CountsRequest{Start: t0.Add(-8 * 24 * time.Hour)}, ErrOutsideSearchWindow, 1, 1},
		{"429", []xapitest.Fault{{Status: 429, ResetAt: reset}}, CountsRequest{}, ErrRateLimited, 1, 1},
		{"503 then fine", []xapitest.Fault{{Status: 503}}, CountsRequest{}, nil, 0, 2},
		{"malformed", []xapitest.Fault{{Body: []byte(`{"data":[{"start":"x","end":"y","tweet_count":1}],"meta":{}}`)},
			{Body: []byte(`{"data":[]}`)}, {Body: []byte(`{"data":[{"start":"2026-11-24T16:00:00Z","end":"2026-11-24T17:00:00Z","tweet_count":-1}],"meta":{}}`)}},
			CountsRequest{}, ErrMalformedResponse, 3, 3},
		{"start after end", nil, CountsRequest{Start: t0.Add(-time.Hour), End: t0.Add(-2 * time.Hour)}, ErrInvalidRequest, 0, 0},
		{"granularity", nil, CountsRequest{Granularity: "day"}, ErrInvalidRequest, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := standIn(t, golangPosts(5), nil)
			srv.InjectCountsFaults(tc.faults...)
			src, _ := newSource(t, srv, func(c *Config) { c.Retry = RetryPolicy{MaxAttempts: 3} })
			_, err := src.Counts(context.Background(), tc.req)
			if tc.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				var xe *Error
				if !errors.Is(err, tc.kind) || !errors.As(err, &xe) || xe.Op != "recent counts" || xe.Attempts != tc.attempts {
					t.Fatalf("err = %v (%#v), want %v after %d attempts", err, xe, tc.kind, tc.attempts)
				}
				if tc.kind == ErrRateLimited {
					if r, ok := RateLimitReset(err); !ok || !r.Equal(reset) {
						t.Errorf("reset %v %v", r, ok)
					}
				}
				if tc.name == "end_time too late" && (xe.StatusCode != http.StatusBadRequest || len(xe.Parameters) != 1 || xe.Parameters[0] != "end_time") {
					t.Errorf("400: %#v", xe)
				}
			}
			if got := len(srv.CountsRequests()); got != tc.sent {
				t.Errorf("%d requests sent, want %d", got, tc.sent)
			}
		})
	}
}

// TestSearchTimeSpan sends start_time and end_time and gets only the posts in [start, end).
func TestSearchTimeSpan(t *testing.T) {
	srv, _ := standIn(t, golangPosts(30), nil)
	src, _ := newSource(t, srv, nil)
	page, err := src.FetchPage(context.Background(), PageRequest{StartTime: t0.Add(-20 * time.Minute), EndTime: t0.Add(-10 * time.Minute), MaxResults: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 10 || !page.Posts[0].CreatedAt.Equal(t0.Add(-11*time.Minute)) || !page.Posts[9].CreatedAt.Equal(t0.Add(-20*time.Minute)) {
		t.Errorf("posts %d: %v .. %v", len(page.Posts), page.Posts[0].CreatedAt, page.Posts[len(page.Posts)-1].CreatedAt)
	}
	q := srv.SearchRequests()[0].Query
	if q.Get("end_time") != "2026-11-24T18:20:00Z" || q.Get("start_time") != "2026-11-24T18:10:00Z" {
		t.Errorf("query %v", q)
	}
	for _, req := range []PageRequest{
		{StartTime: t0.Add(-time.Minute), EndTime: t0.Add(-2 * time.Minute)},
		{UntilID: page.Posts[0].ID, EndTime: t0.Add(-time.Minute)},
	} {
		if _, err := src.FetchPage(context.Background(), req); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: err %v", req, err)
		}
	}
	if n := len(srv.SearchRequests()); n != 1 {
		t.Errorf("%d requests sent", n)
	}
}
