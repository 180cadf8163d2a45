package xapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func counts(t *testing.T, s *Server, params url.Values) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/2/tweets/counts/recent?"+params.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return result{resp.StatusCode, resp.Header, body}
}

type wireCounts struct {
	Data []struct {
		Start, End string
		Tweet      *int `json:"tweet_count"`
		Post       *int `json:"post_count"`
	} `json:"data"`
	Meta struct {
		TotalTweet *int `json:"total_tweet_count"`
		TotalPost  *int `json:"total_post_count"`
	} `json:"meta"`
}

// TestCountsBuckets counts the posts the query matches in hour and minute buckets: the first
// bucket starts at start_time, the last ends at end_time, the others are aligned, zeros are
// sent, posts of other queries and outside the span are not counted; both name generations.
func TestCountsBuckets(t *testing.T) {
	var tweets []Tweet
	for _, m := range []int{-150, -95, -65, -61, -59, -30, -2} {
		tweets = append(tweets, Tweet{CreatedAt: t0.Add(time.Duration(m) * time.Minute), Text: "post #go"})
	}
	tweets = append(tweets, Tweet{CreatedAt: t0.Add(-40 * time.Minute), Text: "other #rust"})
	for _, names := range []Names{TweetNames, PostNames} {
		s, _ := start(t, tweets, func(o *Options) { o.Names = names })
		r := counts(t, s, q("query", "#go", "start_time", "2026-11-24T16:10:00Z", "end_time", "2026-11-24T18:29:00Z"))
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var wc wireCounts
		if err := json.Unmarshal(r.body, &wc); err != nil {
			t.Fatal(err)
		}
		type b struct {
			start, end string
			n          int
		}
		want := []b{
			{"2026-11-24T16:10:00.000Z", "2026-11-24T17:00:00.000Z", 1}, // -95 (-150 is before start)
			{"2026-11-24T17:00:00.000Z", "2026-11-24T18:00:00.000Z", 3}, // -65, -61, -59
			{"2026-11-24T18:00:00.000Z", "2026-11-24T18:29:00.000Z", 2}, // -30, -2
		}
		if len(wc.Data) != len(want) {
			t.Fatalf("names %d: %d buckets, want %d: %s", names, len(wc.Data), len(want), r.body)
		}
		for i, w := range want {
			d := wc.Data[i]
			n, other, total, otherTotal := d.Tweet, d.Post, wc.Meta.TotalTweet, wc.Meta.TotalPost
			if names == PostNames {
				n, other, total, otherTotal = d.Post, d.Tweet, wc.Meta.TotalPost, wc.Meta.TotalTweet
			}
			if d.Start != w.start || d.End != w.end || n == nil || *n != w.n || other != nil {
				t.Errorf("names %d bucket %d = %s..%s %v/%v, want %+v", names, i, d.Start, d.End, n, other, w)
			}
			if total == nil || *total != 6 || otherTotal != nil {
				t.Errorf("names %d: totals %v/%v, want 6", names, total, otherTotal)
			}
		}
		if got := s.CountsRequests(); len(got) != 1 || got[0].Posts != 0 {
			t.Errorf("recorded %+v", got)
		}
	}

	s, _ := start(t, tweets, nil)
	r := counts(t, s, q("query", "#go", "granularity", "minute", "start_time", "2026-11-24T17:58:30Z", "end_time", "2026-11-24T18:01:00Z"))
	var wc wireCounts
	if err := json.Unmarshal(r.body, &wc); err != nil || r.status != 200 {
		t.Fatalf("%d %s %v", r.status, r.body, err)
	}
	got := []int{}
	for _, d := range wc.Data {
		got = append(got, *d.Tweet)
	}
	if len(wc.Data) != 3 || wc.Data[0].End != "2026-11-24T17:59:00.000Z" || got[1] != 0 || got[2] != 1 {
		t.Errorf("minute buckets %s", r.body)
	}

	r = counts(t, s, q("query", "#go"))
	if err := json.Unmarshal(r.body, &wc); err != nil || r.status != 200 {
		t.Fatalf("%d %s %v", r.status, r.body, err)
	}
	if last := wc.Data[len(wc.Data)-1]; last.End != "2026-11-24T18:29:30.000Z" || *wc.Meta.TotalTweet != 7 {
		t.Errorf("default span: last bucket %+v, total %d, want end 30 s before the request and 7 posts", last, *wc.Meta.TotalTweet)
	}
	if first := wc.Data[0]; first.Start != "2026-11-17T18:30:00.000Z" {
		t.Errorf("default span starts %s, want 7 days before the request", first.Start)
	}
}

// TestCountsChecks answers X's 400s: end_time later than 10 s before the request, start_time
// older than 7 days, start_time not before end_time, a bad granularity; every error together;
// and the endpoint's own rate limit and faults.
func TestCountsChecks(t *testing.T) {
	s, _ := start(t, nil, func(o *Options) { o.CountsRateLimit = 4 })
	tests := []struct {
		params url.Values
		want   []string
	}{
		{q("query", "#go", "end_time", "2026-11-24T18:29:55Z"), []string{"'end_time' must be a minimum of 10 seconds prior to the request time."}},
		{q("query", "#go", "start_time", "2026-11-17T18:00:00Z"), []string{"'start_time' must be on or after 2026-11-17T18:30Z"}},
		{q("query", "#go", "start_time", "2026-11-24T18:00:00Z", "end_time", "2026-11-24T17:00:00Z"),
			[]string{"'start_time' must be before 'end_time':'2026-11-24T17:00Z'"}},
		{q("query", "#go", "granularity", "second", "end_time", "2026-11-24T18:29:51Z"),
			[]string{"[second] is not one of [day,hour,minute]", "'end_time' must be a minimum of 10 seconds"}},
	}
	for _, tc := range tests {
		r := counts(t, s, tc.params)
		if r.status != 400 || !strings.Contains(string(r.body), `"title":"Invalid Request"`) {
			t.Errorf("%v: %d %s", tc.params, r.status, r.body)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(r.body), w) {
				t.Errorf("%v: body %s lacks %q", tc.params, r.body, w)
			}
		}
	}
	// Four requests used the window's limit of 4; the fifth was refused with 429.
	r := counts(t, s, q("query", "#go"))
	if r.status != 429 || r.header.Get("x-rate-limit-remaining") != "0" {
		t.Errorf("after the limit: %d remaining %q", r.status, r.header.Get("x-rate-limit-remaining"))
	}
	if n := len(s.SearchRequests()); n != 0 {
		t.Errorf("search requests %d", n)
	}
	s2, _ := start(t, nil, nil)
	s2.InjectCountsFaults(Fault{Status: 503})
	if r := counts(t, s2, q("query", "#go")); r.status != 503 || !jsonEqual(t, r.body, MustFixture("error_503.json")) {
		t.Errorf("fault: %d %s", r.status, r.body)
	}
	if r := counts(t, s2, q("query", "#go")); r.status != 200 {
		t.Errorf("after the fault: %d", r.status)
	}
}
