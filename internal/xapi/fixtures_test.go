package xapi

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestFixturesThroughGoTwitter serves the documented-shape fixtures from the
// stand-in and decodes them through the real go-twitter client.
func TestFixturesThroughGoTwitter(t *testing.T) {
	type want struct {
		posts, skipped, partial int
		newest, oldest, next    string
		check                   func(t *testing.T, p Page)
	}
	tests := []struct {
		fixture string
		want    want
	}{
		{"search_page.json", want{posts: 3, newest: "2125289645013128839", oldest: "2125289263331464839",
			next: "b26v89c19zqg8o3fpzbkk7dm3l0svt3rfvldp6ilkccjh", check: func(t *testing.T, p Page) {
				if got := p.Posts[0].Hashtags; !slices.Equal(got, []string{"golang", "Go126"}) {
					t.Errorf("post 0 hashtags = %v", got)
				}
				if got := p.Posts[1].Hashtags; !slices.Equal(got, []string{"AWS", "Lambda", "golang", "DevOps"}) {
					t.Errorf("post 1 hashtags = %v", got)
				}
				if got := p.Posts[2].Hashtags; !slices.Equal(got, []string{"café", "Москва", "東京"}) {
					t.Errorf("post 2 hashtags = %v", got)
				}
				want := time.Date(2026, 11, 24, 18, 5, 12, 0, time.UTC)
				if !p.Posts[0].CreatedAt.Equal(want) {
					t.Errorf("post 0 = %+v", p.Posts[0])
				}
				if p.Posts[0].AuthorID != "2244994945" || p.Posts[1].AuthorID != "17874544" {
					t.Errorf("author ids %q, %q", p.Posts[0].AuthorID, p.Posts[1].AuthorID)
				}
			}}},
		{"search_empty.json", want{check: func(t *testing.T, p Page) {
			if p.Posts != nil {
				t.Errorf("empty page = %+v", p)
			}
		}}},
		{"search_note_tweet.json", want{posts: 2, newest: "2125287841462408839", oldest: "2125283303225480839", check: func(t *testing.T, p Page) {
			n := p.Posts[0]
			if !n.HasEntities || len(n.Text) < 300 {
				t.Errorf("note post = %+v", n)
			}
			if !slices.Equal(n.Hashtags, []string{"Serverless", "golang", "MemoryDB", "XRay"}) {
				t.Errorf("note hashtags = %v", n.Hashtags)
			}
			if len(p.Posts[1].Text) > 280 || !slices.Equal(p.Posts[1].Hashtags, []string{"golang"}) {
				t.Errorf("short post = %+v", p.Posts[1])
			}
		}}},
		{"search_note_post.json", want{posts: 2, newest: "2125287841462408839", oldest: "2125283303225480839", check: func(t *testing.T, p Page) {
			if n := p.Posts[0]; !n.HasEntities || len(n.Text) < 300 || !slices.Equal(n.Hashtags, []string{"Serverless", "golang", "MemoryDB", "XRay"}) {
				t.Errorf("note_post post = %+v", n)
			}
		}}},
		{"search_possibly_sensitive.json", want{posts: 2, newest: "2125281101215880839", oldest: "2125278270060680839", check: func(t *testing.T, p Page) {
			if !p.Posts[0].PossiblySensitive || p.Posts[1].PossiblySensitive {
				t.Errorf("possibly_sensitive = %v, %v", p.Posts[0].PossiblySensitive, p.Posts[1].PossiblySensitive)
			}
			if p.Posts[1].HasEntities || p.Posts[1].Hashtags != nil {
				t.Errorf("post without entities = %+v", p.Posts[1])
			}
		}}},
		{"search_partial_errors.json", want{posts: 1, partial: 1, newest: "2125283303225480839", oldest: "2125283303225480839", check: func(t *testing.T, p Page) {
			e := p.PartialErrors[0]
			if e.ResourceType != "tweet" || e.Parameter != "referenced_tweets.id" || e.Value != "2122752879622280839" || e.Title != "Not Found Error" {
				t.Errorf("partial error = %+v", e)
			}
		}}},
		{"search_errors_no_data.json", want{partial: 1}},
		{"search_defective_posts.json", want{posts: 2, skipped: 3, newest: "2125283303225480839", oldest: "2125278270060680839", check: func(t *testing.T, p Page) {
			for _, post := range p.Posts {
				if want, _ := postid.Time(post.ID); !post.CreatedAt.Equal(want) {
					t.Errorf("post %s created_at %v, want %v", post.ID, post.CreatedAt, want)
				}
			}
			if p.Posts[1].HasEntities {
				t.Error("post without entities has HasEntities")
			}
			var idx []int
			for _, s := range p.Skipped {
				idx = append(idx, s.Index)
				if s.Reason == "" {
					t.Errorf("skipped %d without reason", s.Index)
				}
			}
			if !slices.Equal(idx, []int{0, 2, 3}) || p.Skipped[1].ID != "not-a-number" {
				t.Errorf("skipped = %+v", p.Skipped)
			}
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			srv, _ := standIn(t, nil, nil)
			s, _ := newSource(t, srv, nil)
			srv.InjectFaults(xapitest.Fault{Body: xapitest.MustFixture(tc.fixture)})
			p, err := s.FetchPage(context.Background(), PageRequest{})
			if err != nil {
				t.Fatalf("FetchPage: %v", err)
			}
			w := tc.want
			if len(p.Posts) != w.posts || len(p.Skipped) != w.skipped || len(p.PartialErrors) != w.partial {
				t.Fatalf("posts/skipped/partial = %d/%d/%d, want %d/%d/%d", len(p.Posts), len(p.Skipped), len(p.PartialErrors), w.posts, w.skipped, w.partial)
			}
			if p.NewestID != w.newest || p.OldestID != w.oldest || p.NextToken != w.next {
				t.Errorf("newest/oldest/next = %q/%q/%q, want %q/%q/%q", p.NewestID, p.OldestID, p.NextToken, w.newest, w.oldest, w.next)
			}
			if w.check != nil {
				w.check(t, p)
			}
		})
	}
}

func TestErrorFixturesThroughGoTwitter(t *testing.T) {
	tests := []struct {
		fixture string
		status  int
		kind    error
		window  bool
		title   string
	}{
		{"error_401.json", 401, ErrUnauthorized, false, "Unauthorized"},
		{"error_403.json", 403, ErrUnauthorized, false, "Client Forbidden"},
		{"error_429.json", 429, ErrRateLimited, false, "Too Many Requests"},
		{"error_429_usage_cap.json", 429, ErrRateLimited, false, "UsageCapExceeded"},
		{"error_503.json", 503, ErrTransient, false, "Service Unavailable"},
		{"error_400_since_id.json", 400, ErrInvalidRequest, true, "Invalid Request"},
		{"error_400_max_results.json", 400, ErrInvalidRequest, false, "Invalid Request"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			srv, _ := standIn(t, nil, nil)
			s, _ := newSource(t, srv, func(c *Config) { c.Retry.MaxAttempts = 1 })
			srv.InjectFaults(xapitest.Fault{Status: tc.status, Body: xapitest.MustFixture(tc.fixture)})
			_, err := s.FetchPage(context.Background(), PageRequest{})
			var xe *Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &xe) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
			if xe.StatusCode != tc.status || xe.Title != tc.title || errors.Is(err, ErrOutsideSearchWindow) != tc.window {
				t.Errorf("error = %+v (outside window %v)", xe, errors.Is(err, ErrOutsideSearchWindow))
			}
			if xe.RateLimit == nil || xe.ResetAt == nil {
				t.Errorf("rate limit headers not carried: %+v %v", xe.RateLimit, xe.ResetAt)
			}
		})
	}
}
