package xapitest

import (
	"slices"
	"testing"
	"time"
)

// TestPostsServed: every search answer records the posts its data held, and PostsServed sums
// them per UTC day of the server clock; errors and empty pages hold none.
func TestPostsServed(t *testing.T) {
	day1 := time.Date(2026, 11, 24, 23, 50, 0, 0, time.UTC)
	var tweets []Tweet
	for i := range 30 {
		tweets = append(tweets, Tweet{CreatedAt: day1.Add(-time.Duration(i+1) * time.Minute), Text: "#go post"})
	}
	s, clock := start(t, tweets, nil)
	clock.Set(day1)
	auth := "Bearer " + token
	decode(t, search(t, s, q("query", "#go", "max_results", "10"), auth))
	decode(t, search(t, s, q("query", "#go", "max_results", "25"), auth))
	decode(t, search(t, s, q("query", "#rust", "max_results", "10"), auth)) // none match
	if r := search(t, s, q("query", "#go", "max_results", "5"), auth); r.status != 400 {
		t.Fatalf("max_results 5: %d", r.status)
	}
	clock.Set(day1.Add(15 * time.Minute)) // the next UTC day
	decode(t, search(t, s, q("query", "#go", "max_results", "10"), auth))
	if got := s.PostsServed(day1); got != 35 {
		t.Errorf("%d posts served on the first day, want 35", got)
	}
	if got := s.PostsServed(day1.Add(24 * time.Hour)); got != 10 {
		t.Errorf("%d posts served on the second day, want 10", got)
	}
	var perRequest []int
	for _, r := range s.SearchRequests() {
		perRequest = append(perRequest, r.Posts)
	}
	if want := []int{10, 25, 0, 0, 10}; !slices.Equal(perRequest, want) {
		t.Errorf("posts per request %v, want %v", perRequest, want)
	}
}
