package xapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"empty query", Config{BaseURL: "http://127.0.0.1:1", BearerToken: "x", Query: "  "}, "Config.Query"},
		{"query too long", Config{BaseURL: "https://api.x.com", BearerToken: "x", Query: strings.Repeat("a", 513)}, "Config.Query"},
		{"no credential", Config{BaseURL: "https://api.x.com", Query: "#go"}, "BearerToken"},
		{"bad base url", Config{BearerToken: "x", Query: "#go", BaseURL: "api.x.com"}, "BaseURL"},
		{"base url with query", Config{BearerToken: "x", Query: "#go", BaseURL: "https://api.x.com/?a=b"}, "BaseURL"},
		{"max results low", Config{BaseURL: "https://api.x.com", BearerToken: "x", Query: "#go", maxResults: 5}, "max_results"},
		{"max results high", Config{BaseURL: "https://api.x.com", BearerToken: "x", Query: "#go", maxResults: 500}, "max_results"},
		{"attempts", Config{BaseURL: "https://api.x.com", BearerToken: "x", Query: "#go", Retry: RetryPolicy{MaxAttempts: -1}}, "MaxAttempts"},
		{"backoff order", Config{BaseURL: "https://api.x.com", BearerToken: "x", Query: "#go", Retry: RetryPolicy{BaseBackoff: time.Second, MaxBackoff: time.Millisecond}}, "Retry"},
		{"ok", Config{BaseURL: "https://api.x.com", BearerToken: "x", Query: "#go"}, ""},
		{"no base url", Config{BearerToken: "x", Query: "#go"}, "BaseURL"},
		{"ok trailing slash", Config{BearerToken: "x", Query: "#go", BaseURL: "http://127.0.0.1:1/"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if s.client.Host != strings.TrimRight(tc.cfg.BaseURL, "/") {
					t.Errorf("Host = %q", s.client.Host)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v, want mention of %q", err, tc.wantErr)
			}
		})
	}
}

// collect pages through a result set like the ingest handler will.
func collect(t *testing.T, s *Source, req PageRequest) ([]Post, []Page) {
	t.Helper()
	var posts []Post
	var pages []Page
	for i := 0; ; i++ {
		if i > 50 {
			t.Fatal("pagination does not end")
		}
		p, err := s.FetchPage(context.Background(), req)
		if err != nil {
			t.Fatalf("FetchPage page %d: %v", i+1, err)
		}
		pages = append(pages, p)
		posts = append(posts, p.Posts...)
		if p.NextToken == "" {
			return posts, pages
		}
		req.NextToken = p.NextToken
	}
}

func TestFetchPagePagination(t *testing.T) {
	corpus := golangPosts(250)
	corpus = append(corpus, xapitest.Tweet{CreatedAt: t0.Add(-30 * time.Second), Text: "unrelated #rust"})
	srv, _ := standIn(t, corpus, nil)
	s, _ := newSource(t, srv, nil)

	posts, pages := collect(t, s, PageRequest{})
	if len(pages) != 3 {
		t.Fatalf("pages = %d, want 3", len(pages))
	}
	for i, want := range []int{100, 100, 50} {
		if got := len(pages[i].Posts); got != want {
			t.Errorf("page %d: %d posts, want %d", i+1, got, want)
		}
	}
	if len(posts) != 250 {
		t.Fatalf("posts = %d, want 250", len(posts))
	}
	seen := map[string]bool{}
	for i, p := range posts {
		if seen[p.ID] {
			t.Fatalf("duplicate post %s", p.ID)
		}
		seen[p.ID] = true
		if i > 0 && compareIDs(t, posts[i-1].ID, p.ID) <= 0 {
			t.Fatalf("posts not newest first at %d", i)
		}
		if !p.HasEntities || !slices.Equal(p.Hashtags, []string{"golang", "aws"}) {
			t.Fatalf("post %s hashtags = %v (entities %v)", p.ID, p.Hashtags, p.HasEntities)
		}
		if p.CreatedAt.IsZero() {
			t.Fatalf("post %s created_at = %v", p.ID, p.CreatedAt)
		}
	}
	if pages[0].NewestID != posts[0].ID || pages[2].OldestID != posts[249].ID {
		t.Errorf("newest/oldest = %s/%s, want %s/%s", pages[0].NewestID, pages[2].OldestID, posts[0].ID, posts[249].ID)
	}

	reqs := srv.SearchRequests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d search requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		q := r.Query
		if q.Get("query") != "#golang" || q.Get("max_results") != "100" {
			t.Errorf("request %d query=%q max_results=%q", i+1, q.Get("query"), q.Get("max_results"))
		}
		if got := q["sort_order"]; !slices.Equal(got, []string{"recency"}) {
			t.Errorf("request %d sort_order = %q, want recency (newest first)", i+1, got)
		}
		fields := strings.Split(q.Get("tweet.fields"), ",")
		for _, f := range []string{"author_id", "created_at", "entities", "possibly_sensitive", "note_tweet"} {
			if !slices.Contains(fields, f) {
				t.Errorf("request %d tweet.fields %v lacks %s", i+1, fields, f)
			}
		}
		wantToken := ""
		if i > 0 {
			wantToken = pages[i-1].NextToken
		}
		if q.Get("next_token") != wantToken {
			t.Errorf("request %d next_token = %q, want %q", i+1, q.Get("next_token"), wantToken)
		}
	}
}

func TestFetchPageCursors(t *testing.T) {
	corpus := golangPosts(30)
	srv, _ := standIn(t, corpus, nil)
	s, _ := newSource(t, srv, nil)

	all, _ := collect(t, s, PageRequest{})
	if len(all) != 30 {
		t.Fatalf("baseline posts = %d", len(all))
	}
	ids := func(ps []Post) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.ID
		}
		return out
	}
	allIDs := ids(all) // newest first
	tests := []struct {
		name      string
		req       PageRequest
		wantIDs   []string
		wantQuery map[string]string
	}{
		{"since_id", PageRequest{SinceID: allIDs[10]}, allIDs[:10],
			map[string]string{"since_id": allIDs[10], "until_id": "", "start_time": ""}},
		{"until_id", PageRequest{UntilID: allIDs[19]}, allIDs[20:],
			map[string]string{"until_id": allIDs[19], "since_id": ""}},
		{"since and until", PageRequest{SinceID: allIDs[25], UntilID: allIDs[4]}, allIDs[5:25],
			map[string]string{"since_id": allIDs[25], "until_id": allIDs[4]}},
		{"start_time in another zone", PageRequest{StartTime: t0.Add(-5*time.Minute - 500*time.Millisecond).In(time.FixedZone("CET", 3600))}, allIDs[:5],
			map[string]string{"start_time": "2026-11-24T18:24:59Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			got, _ := collect(t, s, tc.req)
			if !slices.Equal(ids(got), tc.wantIDs) {
				t.Errorf("ids = %v\nwant %v", ids(got), tc.wantIDs)
			}
			for _, r := range srv.SearchRequests() {
				for k, v := range tc.wantQuery {
					if r.Query.Get(k) != v {
						t.Errorf("request %v: %s = %q, want %q", r.Query, k, r.Query.Get(k), v)
					}
				}
			}
		})
	}
}

func TestFetchPageSinceIDAcrossPages(t *testing.T) {
	srv, _ := standIn(t, golangPosts(120), nil)
	s, _ := newSource(t, srv, func(c *Config) { c.maxResults = 50 })
	all, _ := collect(t, s, PageRequest{})
	since := all[len(all)-1].ID // oldest: everything newer is wanted
	srv.ResetRequests()
	got, pages := collect(t, s, PageRequest{SinceID: since})
	if len(got) != 119 || len(pages) != 3 {
		t.Fatalf("got %d posts in %d pages, want 119 in 3", len(got), len(pages))
	}
	for i, r := range srv.SearchRequests() {
		if r.Query.Get("since_id") != since || r.Query.Get("max_results") != "50" {
			t.Errorf("page %d: since_id=%q max_results=%q", i+1, r.Query.Get("since_id"), r.Query.Get("max_results"))
		}
	}
}

func TestFetchPageNewPostsArriving(t *testing.T) {
	srv, clock := standIn(t, golangPosts(5), nil)
	s, _ := newSource(t, srv, nil)
	first, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil || len(first.Posts) != 5 {
		t.Fatalf("first fetch: %d posts, %v", len(first.Posts), err)
	}
	// A post dated in the future is invisible until the clock reaches it.
	if err := srv.AddPosts(xapitest.Tweet{CreatedAt: t0.Add(time.Minute), Text: "fresh #golang"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.FetchPage(context.Background(), PageRequest{SinceID: first.NewestID})
	if err != nil || len(p.Posts) != 0 || p.NewestID != "" {
		t.Fatalf("before clock: %d posts newest %q err %v", len(p.Posts), p.NewestID, err)
	}
	clock.Advance(2 * time.Minute)
	p, err = s.FetchPage(context.Background(), PageRequest{SinceID: first.NewestID})
	if err != nil || len(p.Posts) != 1 || p.Posts[0].Text != "fresh #golang" {
		t.Fatalf("after clock: %+v, %v", p.Posts, err)
	}
	if compareIDs(t, p.NewestID, first.NewestID) <= 0 {
		t.Errorf("newest %s not above previous %s", p.NewestID, first.NewestID)
	}
}

func TestFetchPageLocalValidation(t *testing.T) {
	srv, _ := standIn(t, nil, nil)
	s, _ := newSource(t, srv, nil)
	tests := []struct {
		name string
		req  PageRequest
		want string
	}{
		{"since not numeric", PageRequest{SinceID: "12a"}, "SinceID"},
		{"until negative", PageRequest{UntilID: "-5"}, "UntilID"},
		{"since above until", PageRequest{SinceID: "200", UntilID: "100"}, "SinceID"},
		{"since with start", PageRequest{SinceID: "2125289645013128839", StartTime: t0}, "StartTime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.FetchPage(context.Background(), tc.req)
			if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidRequest naming %s", err, tc.want)
			}
		})
	}
	if n := len(srv.SearchRequests()); n != 0 {
		t.Errorf("server saw %d requests for invalid page requests", n)
	}
}

func TestFetchPageRateLimited(t *testing.T) {
	reset := time.Date(2026, 11, 24, 18, 45, 0, 0, time.UTC)
	tests := []struct {
		name      string
		faults    []xapitest.Fault
		rateLimit int
		warmup    int // successful requests before the limited one
		wantReset *time.Time
		wantTitle string
	}{
		{"429 with headers", []xapitest.Fault{{Status: 429, ResetAt: reset}}, 0, 0, &reset, "Too Many Requests"},
		{"429 without headers", []xapitest.Fault{{Status: 429, NoRateLimitHeaders: true}}, 0, 0, nil, "Too Many Requests"},
		{"usage cap", []xapitest.Fault{{Status: 429, NoRateLimitHeaders: true, Body: xapitest.MustFixture("error_429_usage_cap.json")}}, 0, 0, nil, "UsageCapExceeded"},
		{"window exhausted", nil, 2, 2, ptr(t0.Add(15 * time.Minute)), "Too Many Requests"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := standIn(t, golangPosts(3), func(o *xapitest.Options) { o.RateLimit = tc.rateLimit })
			s, ft := newSource(t, srv, nil)
			for i := 0; i < tc.warmup; i++ {
				if _, err := s.FetchPage(context.Background(), PageRequest{}); err != nil {
					t.Fatalf("warmup %d: %v", i, err)
				}
			}
			srv.InjectFaults(tc.faults...)
			srv.ResetRequests()
			page, err := s.FetchPage(context.Background(), PageRequest{})
			if !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v, want ErrRateLimited", err)
			}
			if Retryable(err) || len(page.Posts) != 0 {
				t.Errorf("retryable=%v posts=%d", Retryable(err), len(page.Posts))
			}
			var xe *Error
			if !errors.As(err, &xe) || xe.StatusCode != 429 || xe.Title != tc.wantTitle || xe.Attempts != 1 {
				t.Fatalf("error = %#v", xe)
			}
			got, ok := RateLimitReset(err)
			switch {
			case tc.wantReset == nil && (ok || xe.ResetAt != nil):
				t.Errorf("reset = %v, want none", got)
			case tc.wantReset != nil && (!ok || !got.Equal(*tc.wantReset)):
				t.Errorf("reset = %v %v, want %v", got, ok, *tc.wantReset)
			}
			if n := len(srv.SearchRequests()); n != 1 || len(ft.Sleeps()) != 0 {
				t.Errorf("requests = %d, sleeps = %v: 429 must not be retried", n, ft.Sleeps())
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestFetchPageRetries(t *testing.T) {
	base := 100 * time.Millisecond
	tests := []struct {
		name         string
		faults       []xapitest.Fault
		attempts     int
		deadline     time.Duration // from the fake now; 0 = no deadline
		wantErr      error
		wantRequests int
		wantSleeps   int
	}{
		{"503 then success", []xapitest.Fault{{Status: 503}}, 3, 0, nil, 2, 1},
		{"500 502 then success", []xapitest.Fault{{Status: 500}, {Status: 502}}, 3, 0, nil, 3, 2},
		{"504 without headers then success", []xapitest.Fault{{Status: 504, NoRateLimitHeaders: true}}, 3, 0, nil, 2, 1},
		{"503 persists", []xapitest.Fault{{Status: 503}, {Status: 503}, {Status: 503}}, 3, 0, ErrTransient, 3, 2},
		{"truncated json then success", []xapitest.Fault{{Truncate: 40}}, 3, 0, nil, 2, 1},
		{"cut connection then success", []xapitest.Fault{{Truncate: 40, CutConnection: true}}, 3, 0, nil, 2, 1},
		{"malformed persists", []xapitest.Fault{{Body: []byte("<html>oops</html>")}, {Body: []byte("{")}}, 2, 0, ErrMalformedResponse, 2, 1},
		{"single attempt", []xapitest.Fault{{Status: 503}}, 1, 0, ErrTransient, 1, 0},
		// Backoffs are drawn from [b/2, b]: 50-100ms then 100-200ms. With
		// 1.1s MinAttemptTime and a 1.24s deadline only the first fits.
		{"deadline allows one retry", []xapitest.Fault{{Status: 503}, {Status: 503}, {Status: 503}}, 5, 1240 * time.Millisecond, ErrTransient, 2, 1},
		{"deadline allows no retry", []xapitest.Fault{{Status: 503}}, 5, 1100 * time.Millisecond, ErrTransient, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := standIn(t, golangPosts(3), nil)
			s, ft := newSource(t, srv, func(c *Config) {
				c.Retry = RetryPolicy{MaxAttempts: tc.attempts, BaseBackoff: base, MaxBackoff: time.Second, MinAttemptTime: 1100 * time.Millisecond}
			})
			srv.InjectFaults(tc.faults...)
			ctx := context.Background()
			var deadline time.Time
			if tc.deadline > 0 {
				// The context deadline is an hour away in real time (it never
				// fires during the test); the fake clock starts just before it.
				deadline = time.Now().Add(time.Hour)
				ft.mu.Lock()
				ft.now = deadline.Add(-tc.deadline)
				ft.mu.Unlock()
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, deadline)
				defer cancel()
			}
			page, err := s.FetchPage(ctx, PageRequest{})
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("FetchPage: %v", err)
				}
				if len(page.Posts) != 3 {
					t.Errorf("posts=%d", len(page.Posts))
				}
			} else {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if page.Posts != nil || page.NewestID != "" {
					t.Errorf("error returned a partial page: %+v", page)
				}
				var xe *Error
				if !errors.As(err, &xe) || xe.Attempts != tc.wantRequests {
					t.Errorf("attempts in error = %+v", xe)
				}
			}
			if n := len(srv.SearchRequests()); n != tc.wantRequests {
				t.Errorf("requests = %d, want %d", n, tc.wantRequests)
			}
			sleeps := ft.Sleeps()
			if len(sleeps) != tc.wantSleeps {
				t.Fatalf("sleeps = %v, want %d", sleeps, tc.wantSleeps)
			}
			b := base
			for i, d := range sleeps {
				if d < b/2 || d > b {
					t.Errorf("sleep %d = %v, want within [%v, %v]", i, d, b/2, b)
				}
				b *= 2
			}
			if !deadline.IsZero() && ft.Now().After(deadline) {
				t.Errorf("slept past the deadline: now %v > %v", ft.Now(), deadline)
			}
		})
	}
}

func TestFetchPageContextEnds(t *testing.T) {
	srv, _ := standIn(t, golangPosts(3), nil)
	s, ft := newSource(t, srv, nil)
	srv.InjectFaults(xapitest.Fault{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.FetchPage(ctx, PageRequest{})
		done <- err
	}()
	// Cancel once the server has consumed the delayed fault.
	for srv.PendingFaults() != 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient wrapping context.Canceled", err)
	}
	if len(ft.Sleeps()) != 0 {
		t.Errorf("slept after the context ended: %v", ft.Sleeps())
	}
}

// flakyTransport fails the first n round trips with a timeout, like a
// caller-provided (e.g. X-Ray) transport would surface one; it counts calls.
type flakyTransport struct {
	base  http.RoundTripper
	fails int
	calls int
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls++
	r.Header.Set("X-Wrapped", "yes")
	if f.calls <= f.fails {
		return nil, timeoutErr{}
	}
	return f.base.RoundTrip(r)
}

func TestFetchPageComposesWithCallerClient(t *testing.T) {
	srv, _ := standIn(t, []xapitest.Tweet{{
		CreatedAt: t0.Add(-time.Minute),
		NoteText:  strings.Repeat("long words here ", 30) + "#golang #LongForm",
	}}, nil)
	flaky := &flakyTransport{base: srv.Client().Transport, fails: 1}
	caller := &http.Client{Transport: flaky, Timeout: 5 * time.Second}
	s, ft := newSource(t, srv, func(c *Config) { c.HTTPClient = caller })
	page, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatalf("FetchPage: %v", err)
	}
	if flaky.calls != 2 || len(ft.Sleeps()) != 1 {
		t.Errorf("calls=%d sleeps=%v, want 2 calls, 1 retry", flaky.calls, ft.Sleeps())
	}
	if caller.Transport != flaky {
		t.Error("New modified the caller's http.Client")
	}
	if len(page.Posts) != 1 || len(page.Posts[0].Text) <= 280 || !slices.Equal(page.Posts[0].Hashtags, []string{"golang", "LongForm"}) {
		t.Errorf("note tweet through wrapped client: %+v", page.Posts)
	}
}

func TestFetchPageUnauthorized(t *testing.T) {
	tests := []struct {
		name      string
		token     BearerToken
		fault     *xapitest.Fault
		wantTitle string
	}{
		{"wrong token 401", "wrong-token-value", nil, "Unauthorized"},
		{"client forbidden 403", testToken, &xapitest.Fault{Status: 403}, "Client Forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := standIn(t, golangPosts(2), nil)
			s, ft := newSource(t, srv, func(c *Config) { c.BearerToken = tc.token })
			if tc.fault != nil {
				srv.InjectFaults(*tc.fault)
			}
			_, err := s.FetchPage(context.Background(), PageRequest{})
			if !errors.Is(err, ErrUnauthorized) || Retryable(err) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			var xe *Error
			if !errors.As(err, &xe) || xe.Title != tc.wantTitle {
				t.Errorf("title = %q, want %q", xe.Title, tc.wantTitle)
			}
			if strings.Contains(err.Error(), string(tc.token)) || strings.Contains(fmt.Sprintf("%+v", xe), string(tc.token)) {
				t.Errorf("error shows the token: %v", err)
			}
			if n := len(srv.SearchRequests()); n != 1 || len(ft.Sleeps()) != 0 {
				t.Errorf("requests=%d sleeps=%v: auth errors must not be retried", n, ft.Sleeps())
			}
		})
	}
}

// TestFetchPageReauthorize: a 401 re-reads the credentials once through Config.Reauthorize and
// sends the request again with them; a 403, a re-read that fails or a token still refused does
// not loop.
func TestFetchPageReauthorize(t *testing.T) {
	tests := []struct {
		name      string
		token     BearerToken
		fault     *xapitest.Fault
		reread    BearerToken
		rereadErr error
		wantErr   error
		wantCalls int
		wantReqs  int
	}{
		{"rotated: the re-read token works", "old-rotated-token", nil, testToken, nil, nil, 1, 2},
		{"the re-read token is refused too", "old-rotated-token", nil, "still-wrong-token", nil, ErrUnauthorized, 1, 2},
		{"the re-read fails", "old-rotated-token", nil, "", errors.New("secrets manager: timeout"), ErrUnauthorized, 1, 1},
		{"the re-read is empty", "old-rotated-token", nil, "", nil, ErrUnauthorized, 1, 1},
		{"403 is not a rotation", testToken, &xapitest.Fault{Status: 403}, testToken, nil, ErrUnauthorized, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := standIn(t, golangPosts(2), nil)
			calls := 0
			s, _ := newSource(t, srv, func(c *Config) {
				c.BearerToken = tc.token
				c.Reauthorize = func(context.Context) (BearerToken, error) {
					calls++
					return tc.reread, tc.rereadErr
				}
			})
			if tc.fault != nil {
				srv.InjectFaults(*tc.fault)
			}
			page, err := s.FetchPage(context.Background(), PageRequest{})
			if tc.wantErr == nil && (err != nil || len(page.Posts) != 2) {
				t.Fatalf("FetchPage = %d posts, %v; want the page", len(page.Posts), err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if calls != tc.wantCalls || len(srv.SearchRequests()) != tc.wantReqs {
				t.Errorf("%d re-reads and %d requests, want %d and %d", calls, len(srv.SearchRequests()), tc.wantCalls, tc.wantReqs)
			}
			if tc.wantErr == nil { // the new token is kept for the next pages
				if _, err := s.FetchPage(context.Background(), PageRequest{}); err != nil || calls != 1 {
					t.Errorf("next page: %v after %d re-reads, want success with no more", err, calls)
				}
			}
		})
	}
}

func TestFetchPageInvalidRequest(t *testing.T) {
	srv, _ := standIn(t, golangPosts(3), nil)
	s, _ := newSource(t, srv, nil)
	oldID := postid.Make(t0.Add(-8*24*time.Hour), 0)
	tests := []struct {
		name       string
		req        PageRequest
		fault      *xapitest.Fault
		wantWindow bool
		wantParam  string
		wantMsg    string
	}{
		{"since_id older than 7 days", PageRequest{SinceID: oldID}, nil, true, "since_id", "'since_id' must be a tweet id created after 2026-11-17T18:30Z"},
		{"until_id older than 7 days", PageRequest{UntilID: oldID}, nil, true, "until_id", "'until_id' must be a tweet id created after"},
		{"start_time older than 7 days", PageRequest{StartTime: t0.Add(-8 * 24 * time.Hour)}, nil, true, "start_time", "'start_time' must be on or after"},
		{"bad next_token", PageRequest{NextToken: "bm9wZQ"}, nil, false, "next_token", "is not valid"},
		{"max_results fixture", PageRequest{}, &xapitest.Fault{Status: 400, Body: xapitest.MustFixture("error_400_max_results.json")}, false, "max_results", "not between 10 and 100"},
		{"404", PageRequest{}, &xapitest.Fault{Status: 404}, false, "", "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				srv.InjectFaults(*tc.fault)
			}
			_, err := s.FetchPage(context.Background(), tc.req)
			if !errors.Is(err, ErrInvalidRequest) || Retryable(err) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			if got := errors.Is(err, ErrOutsideSearchWindow); got != tc.wantWindow {
				t.Errorf("ErrOutsideSearchWindow = %v, want %v", got, tc.wantWindow)
			}
			var xe *Error
			errors.As(err, &xe)
			if tc.wantParam != "" && !slices.Contains(xe.Parameters, tc.wantParam) {
				t.Errorf("parameters = %v, want %s", xe.Parameters, tc.wantParam)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q lacks %q", err, tc.wantMsg)
			}
		})
	}
}

func TestFetchPageMalformed(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"truncated", `{"data":[{"id":"2125289645013128839","text":"#go"}],"meta":{"result_co`, "unexpected end"},
		{"not json", `<html><body>Bad gateway</body></html>`, "invalid character"},
		{"no meta", `{"data":[{"id":"2125289645013128839","text":"#go"}]}`, "no meta"},
		{"meta null", `{"meta":null}`, "no meta"},
		{"errors without meta", `{"errors":[{"title":"Oops","detail":"broken"}]}`, "errors but no meta"},
		{"data not an array", `{"data":{"id":"1"},"meta":{"result_count":1}}`, "data is not an array"},
		{"errors not an array", `{"errors":{"title":"x"},"meta":{"result_count":0}}`, "cannot unmarshal"},
		{"meta wrong type", `{"data":[{"id":"2125289645013128839","text":"x"}],"meta":{"result_count":"1"}}`, "cannot unmarshal"},
		{"bad newest_id", `{"data":[],"meta":{"newest_id":"abc","result_count":0}}`, "newest_id"},
		{"negative count", `{"meta":{"result_count":-1}}`, "negative"},
		{"empty body", ``, "unexpected end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := standIn(t, nil, nil)
			s, _ := newSource(t, srv, func(c *Config) { c.Retry.MaxAttempts = 1 })
			srv.InjectFaults(xapitest.Fault{Status: 200, Body: []byte(tc.body)})
			page, err := s.FetchPage(context.Background(), PageRequest{})
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("err = %v, want ErrMalformedResponse", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %q lacks %q", err, tc.want)
			}
			if page.Posts != nil || page.Skipped != nil || page.NewestID != "" {
				t.Errorf("partial page returned: %+v", page)
			}
		})
	}
}

func TestFetchPageLargePages(t *testing.T) {
	srv, _ := standIn(t, golangPosts(1500), nil)
	s, _ := newSource(t, srv, nil)

	srv.InjectFaults(xapitest.Fault{PageSize: 1000, PadBytes: 2 << 20})
	page, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatalf("large page: %v", err)
	}
	if len(page.Posts) != 1000 || page.NextToken == "" {
		t.Fatalf("large page: %d posts, next %q", len(page.Posts), page.NextToken)
	}

	// Over the body limit: malformed, never a partial page.
	s.client.Client.Transport.(*captureTransport).limit = 64 << 10
	srv.InjectFaults(xapitest.Fault{PadBytes: 100 << 10}, xapitest.Fault{PadBytes: 100 << 10}, xapitest.Fault{PadBytes: 100 << 10})
	page, err = s.FetchPage(context.Background(), PageRequest{})
	if !errors.Is(err, ErrMalformedResponse) || page.Posts != nil {
		t.Fatalf("over limit: err=%v posts=%d", err, len(page.Posts))
	}
}

func TestFetchPageOutOfOrder(t *testing.T) {
	srv, _ := standIn(t, golangPosts(20), nil)
	s, _ := newSource(t, srv, func(c *Config) { c.maxResults = 10 })
	want, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectFaults(xapitest.Fault{Ascending: true})
	got, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Posts[0].ID != want.Posts[9].ID || got.NewestID != want.NewestID || got.OldestID != want.OldestID {
		t.Errorf("ascending page: first %s newest %s oldest %s; want first %s newest %s oldest %s",
			got.Posts[0].ID, got.NewestID, got.OldestID, want.Posts[9].ID, want.NewestID, want.OldestID)
	}
}

func TestFetchPageSpuriousNextToken(t *testing.T) {
	srv, _ := standIn(t, golangPosts(10), nil)
	s, _ := newSource(t, srv, func(c *Config) { c.maxResults = 10 })
	srv.InjectFaults(xapitest.Fault{SpuriousNextToken: true})
	posts, pages := collect(t, s, PageRequest{})
	if len(posts) != 10 || len(pages) != 2 || len(pages[1].Posts) != 0 || pages[1].NewestID != "" {
		t.Errorf("posts=%d pages=%d; last page %+v", len(posts), len(pages), pages[len(pages)-1])
	}
}

func TestFetchPageStandInPosts(t *testing.T) {
	note := strings.Repeat("word ", 60) + "#Tail"
	corpus := []xapitest.Tweet{
		{CreatedAt: t0.Add(-1 * time.Minute), Text: "plain #golang", PossiblySensitive: true, Lang: "de"},
		{CreatedAt: t0.Add(-2 * time.Minute), Text: "no entities object #golang", OmitEntities: true},
		{CreatedAt: t0.Add(-3 * time.Minute), NoteText: "#golang " + note},
		{CreatedAt: t0.Add(-4 * time.Minute), Text: "RT @someone: #golang rocks", ReferencedTweets: []xapitest.ReferencedTweet{{Type: "retweeted", ID: "2125278270060680839"}}},
		{CreatedAt: t0.Add(-5 * time.Minute), Text: "bad date #golang", RawCreatedAt: "last tuesday"},
		{CreatedAt: t0.Add(-6 * time.Minute), Text: "no date #golang", RawCreatedAt: "-"},
		{CreatedAt: t0.Add(-7 * time.Minute), Text: "#golang #Go #golang dup"},
	}
	srv, _ := standIn(t, corpus, nil)
	s, _ := newSource(t, srv, nil)
	page, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 7 || len(page.Skipped) != 0 {
		t.Fatalf("posts=%d skipped=%v", len(page.Posts), page.Skipped)
	}
	p := page.Posts
	check := func(i int, cond bool, what string) {
		t.Helper()
		if !cond {
			t.Errorf("post %d (%q): %s; got %+v", i, p[i].Text, what, p[i])
		}
	}
	check(0, p[0].PossiblySensitive && p[0].HasEntities, "possibly sensitive")
	check(1, !p[1].PossiblySensitive && !p[1].HasEntities && p[1].Hashtags == nil, "no entities -> HasEntities false")
	check(2, p[2].Text == "#golang "+note && p[2].HasEntities && slices.Equal(p[2].Hashtags, []string{"golang", "Tail"}), "note tweet text and hashtags")
	check(4, p[4].CreatedAt.Equal(t0.Add(-5*time.Minute)), "bad created_at derived from id")
	check(5, p[5].CreatedAt.Equal(t0.Add(-6*time.Minute)), "missing created_at derived from id")
	check(6, slices.Equal(p[6].Hashtags, []string{"golang", "Go"}), "exact duplicates removed")
	check(0, p[0].CreatedAt.Equal(t0.Add(-time.Minute)), "created_at")
}

// TestFetchPageSkippedPostsLog: a post without a usable id is not warned about per post (the
// ingest handler logs one summary per page); it is logged at Debug, its untrusted id cut short.
func TestFetchPageSkippedPostsLog(t *testing.T) {
	longID := strings.Repeat("9x", 5000)
	body := `{"data":[{"id":"` + longID + `","text":"bad id #golang"},null,` +
		`{"id":"2125289645013128839","created_at":"2026-11-24T18:05:12.000Z","text":"ok #golang"}],` +
		`"meta":{"newest_id":"2125289645013128839","oldest_id":"2125289645013128839","result_count":3}}`
	srv, _ := standIn(t, nil, nil)
	var buf strings.Builder
	s, _ := newSource(t, srv, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	srv.InjectFaults(xapitest.Fault{Status: 200, Body: []byte(body)})
	page, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 1 || len(page.Skipped) != 2 || page.Skipped[0].Reason == "" {
		t.Fatalf("posts = %d, skipped = %+v", len(page.Posts), page.Skipped)
	}
	var debug int
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec struct{ Level, Msg, ID string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg != "x recent search: post skipped" {
			continue
		}
		if rec.Level != "DEBUG" {
			t.Errorf("skipped post logged at %s, want DEBUG (the summary is the ingest handler's)", rec.Level)
		}
		if len(rec.ID) > 64 {
			t.Errorf("skipped post's id logged in full (%d bytes)", len(rec.ID))
		}
		debug++
	}
	if debug != 2 {
		t.Errorf("%d skipped-post records, want 2:\n%s", debug, buf.String())
	}
}

// TestFetchPageSkipsMalformedEntries: one data[] entry with a field the app reads of the wrong
// type, or an entry that is no object at all, is skipped with a reason naming the field; the
// other posts of the page are kept and the page's ids still bound the skipped entry, so a
// checkpoint moves past it. A malformed field the app does not read costs nothing.
func TestFetchPageSkipsMalformedEntries(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name     string
		override map[string]json.RawMessage
		raw      json.RawMessage
		reason   string // "": the entry is kept
		keepsID  bool   // the skipped entry's id is known
	}{
		{"possibly_sensitive a string", map[string]json.RawMessage{"possibly_sensitive": raw(`"yes"`)}, nil, "possibly_sensitive is a JSON string, not true or false", true},
		{"text a number", map[string]json.RawMessage{"text": raw(`5`)}, nil, "text is a JSON number, not a string", true},
		{"created_at an object", map[string]json.RawMessage{"created_at": raw(`{}`)}, nil, "created_at is a JSON object", true},
		{"author_id a number", map[string]json.RawMessage{"author_id": raw(`2244994945`)}, nil, "author_id is a JSON number", true},
		{"entities a string", map[string]json.RawMessage{"entities": raw(`"x"`)}, nil, "entities is a JSON string, not an object", true},
		{"hashtags an object", map[string]json.RawMessage{"entities": raw(`{"hashtags":{"tag":"x"}}`)}, nil, "entities.hashtags is a JSON object, not an array", true},
		{"tag a number", map[string]json.RawMessage{"entities": raw(`{"hashtags":[{"tag":7}]}`)}, nil, "entities.hashtags.tag is a JSON number", true},
		{"note_tweet a string", map[string]json.RawMessage{"note_tweet": raw(`"long"`)}, nil, "note_tweet is a JSON string, not an object", true},
		{"note_post text a number", map[string]json.RawMessage{"note_post": raw(`{"text":1}`)}, nil, "note_post.text is a JSON number", true},
		{"id a number", map[string]json.RawMessage{"id": raw(`2125289645013128839`)}, nil, "id is a JSON number, not a string", false},
		{"id missing", map[string]json.RawMessage{"id": nil}, nil, "missing id", false},
		{"entry a number", nil, raw(`12`), "data entry is a JSON number, not an object", false},
		{"entry an array", nil, raw(`[{"id":"2125289645013128839"}]`), "data entry is a JSON array, not an object", false},
		{"entry null", nil, raw(`null`), "data entry is null", false},
		// Fields the app does not read.
		{"lang a number", map[string]json.RawMessage{"lang": raw(`5`)}, nil, "", true},
		{"edit_history_tweet_ids a string", map[string]json.RawMessage{"edit_history_tweet_ids": raw(`"x"`)}, nil, "", true},
		{"edit_history_post_ids a number", map[string]json.RawMessage{"edit_history_post_ids": raw(`5`)}, nil, "", true},
		{"urls a string", map[string]json.RawMessage{"entities": raw(`{"hashtags":[{"tag":"go"}],"urls":"x","mentions":[{"start":"a"}]}`)}, nil, "", true},
		{"public_metrics a string", map[string]json.RawMessage{"public_metrics": raw(`"many"`)}, nil, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			corpus := golangPosts(5) // newest first
			want := make([]string, len(corpus))
			for i := range corpus {
				corpus[i].ID = postid.Make(corpus[i].CreatedAt, i)
				want[i] = corpus[i].ID
			}
			corpus[0].Override, corpus[0].Raw = tc.override, tc.raw // the newest: it bounds the page
			srv, _ := standIn(t, corpus, nil)
			s, _ := newSource(t, srv, nil)
			page, err := s.FetchPage(context.Background(), PageRequest{})
			if err != nil {
				t.Fatalf("FetchPage: %v", err)
			}
			if tc.reason == "" {
				if len(page.Posts) != 5 || len(page.Skipped) != 0 {
					t.Fatalf("posts/skipped = %d/%+v, want the entry kept", len(page.Posts), page.Skipped)
				}
				if !slices.Equal(page.Posts[0].Hashtags, []string{"golang", "aws"}) && !slices.Equal(page.Posts[0].Hashtags, []string{"go"}) {
					t.Errorf("kept entry hashtags %v", page.Posts[0].Hashtags)
				}
				return
			}
			if len(page.Posts) != 4 || len(page.Skipped) != 1 {
				t.Fatalf("posts/skipped = %d/%+v, want 4 posts and the entry skipped", len(page.Posts), page.Skipped)
			}
			sk := page.Skipped[0]
			if sk.Index != 0 || !strings.Contains(sk.Reason, tc.reason) {
				t.Errorf("skipped %+v, want index 0 and a reason containing %q", sk, tc.reason)
			}
			if got := sk.ID == want[0]; got != tc.keepsID {
				t.Errorf("skipped entry id %q (its id %s known: %v)", sk.ID, want[0], tc.keepsID)
			}
			for i, p := range page.Posts {
				if p.ID != want[i+1] {
					t.Errorf("post %d = %s, want %s", i, p.ID, want[i+1])
				}
			}
			// meta.newest_id covers the skipped entry, whatever its id field holds.
			if page.NewestID != want[0] || page.OldestID != want[4] {
				t.Errorf("newest/oldest %s/%s, want %s/%s", page.NewestID, page.OldestID, want[0], want[4])
			}
		})
	}
}

// TestFieldNameGenerationsDecodeAlike: the same corpus served with note_tweet and
// edit_history_tweet_ids, or with note_post and edit_history_post_ids, gives the same pages;
// a long post's hashtags beyond its first 280 characters count either way. The request keeps
// go-twitter's tweet.fields with note_tweet.
func TestFieldNameGenerationsDecodeAlike(t *testing.T) {
	tail := strings.Repeat("padding words ", 30) // over 280 characters
	corpus := []xapitest.Tweet{
		{CreatedAt: t0.Add(-1 * time.Minute), NoteText: "#golang first " + tail + "#TailTag #Second"},
		{CreatedAt: t0.Add(-2 * time.Minute), Text: "short #golang #aws"},
		{CreatedAt: t0.Add(-3 * time.Minute), NoteText: "#golang no entities " + tail + "#Hidden", OmitEntities: true},
		{CreatedAt: t0.Add(-4 * time.Minute), NoteText: "#golang sensitive " + tail + "#nsfw", PossiblySensitive: true, AuthorID: "42"},
	}
	var pages [2]Page
	for i, names := range []xapitest.Names{xapitest.TweetNames, xapitest.PostNames} {
		srv, _ := standIn(t, corpus, func(o *xapitest.Options) { o.Names = names })
		s, _ := newSource(t, srv, nil)
		p, err := s.FetchPage(context.Background(), PageRequest{})
		if err != nil {
			t.Fatalf("names %d: %v", names, err)
		}
		pages[i] = p
		q := srv.SearchRequests()[0].Query
		if q.Get("post.fields") != "" || !strings.Contains(q.Get("tweet.fields"), "note_tweet") {
			t.Errorf("names %d: request fields %v, want go-twitter's tweet.fields with note_tweet", names, q)
		}
	}
	if !reflect.DeepEqual(pages[0], pages[1]) {
		t.Fatalf("the generations decode differently:\n%+v\n%+v", pages[0], pages[1])
	}
	p := pages[1].Posts
	if len(p) != 4 || !slices.Equal(p[0].Hashtags, []string{"golang", "TailTag", "Second"}) || !strings.HasSuffix(p[0].Text, "#Second") {
		t.Errorf("long post: %+v", p[0])
	}
	if p[2].HasEntities || !strings.HasSuffix(p[2].Text, "#Hidden") {
		t.Errorf("long post without entities: %+v (the caller extracts from the full text)", p[2])
	}
	if !p[3].PossiblySensitive || p[3].AuthorID != "42" || p[1].AuthorID != "2244994945" {
		t.Errorf("posts 1, 3: %+v, %+v", p[1], p[3])
	}
}

// TestFetchPageAuthorID: author_id is asked for and carried; a post without one has "".
func TestFetchPageAuthorID(t *testing.T) {
	corpus := golangPosts(2)
	corpus[0].AuthorID = "1234567890123456789"
	corpus[1].Override = map[string]json.RawMessage{"author_id": nil}
	srv, _ := standIn(t, corpus, nil)
	s, _ := newSource(t, srv, nil)
	page, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 2 || page.Posts[0].AuthorID != "1234567890123456789" || page.Posts[1].AuthorID != "" {
		t.Errorf("posts %+v", page.Posts)
	}
	if f := srv.SearchRequests()[0].Query.Get("tweet.fields"); !slices.Contains(strings.Split(f, ","), "author_id") {
		t.Errorf("tweet.fields %q lacks author_id", f)
	}
}

// TestFetchPageOversizeAsksForASmallerPage: long posts packed with hashtags make a page of 100
// larger than MaxResponseBytes; FetchPage asks again at once for a page of 10, which fits, so
// every post arrives and nothing stalls on the size limit.
func TestFetchPageOversizeAsksForASmallerPage(t *testing.T) {
	var corpus []xapitest.Tweet
	for i := range 40 { // about 135 KB each: 40 are over the limit, 30 are not
		var note strings.Builder
		for j := 0; note.Len() < 24_000; j++ {
			fmt.Fprintf(&note, "#p%dt%d ", i, j)
		}
		corpus = append(corpus, xapitest.Tweet{CreatedAt: t0.Add(-time.Duration(i+1) * time.Minute), NoteText: "#golang " + note.String()})
	}
	srv, _ := standIn(t, corpus, nil)
	s, ft := newSource(t, srv, nil)
	posts, pages := collect(t, s, PageRequest{})
	if len(posts) != 40 || len(pages) != 2 || len(pages[0].Posts) != 10 {
		t.Fatalf("%d posts in %d pages, want 40 in 2 (10 and 30)", len(posts), len(pages))
	}
	for _, p := range posts {
		if len(p.Hashtags) < 2000 || p.Hashtags[0] != "golang" {
			t.Fatalf("post %s: %d hashtags, first %q", p.ID, len(p.Hashtags), p.Hashtags[0])
		}
	}
	var sizes []string
	for _, r := range srv.SearchRequests() {
		sizes = append(sizes, r.Query.Get("max_results"))
	}
	slices.Sort(sizes) // the stand-in records an answer the client stopped reading when it ends
	if want := []string{"10", "100", "100"}; !slices.Equal(sizes, want) {
		t.Errorf("max_results of the requests %v, want %v", sizes, want)
	}
	if len(ft.Sleeps()) != 0 {
		t.Errorf("slept %v before asking for a smaller page", ft.Sleeps())
	}
}
