// Package boarddata owns the synthetic boards the benchmarks read, so the store's and the
// leaderboard's benchmarks measure their reads on the same data.
package boarddata

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// The busy day: DayBuckets hourly buckets of the 24h window (the one in progress and the 24
// before it), each with PostsPerBucket posts.
const (
	DayBuckets     = 25
	PostsPerBucket = 1000
)

// Shown are the hashtags a dashboard shows on the busy day, most used first: 25 of them (the
// most a history request lists), each in every bucket.
func Shown() []string {
	tags := make([]string, 25)
	for j := range tags {
		tags[j] = fmt.Sprintf("hot%02d", j)
	}
	return tags
}

// BusyDay returns the 25,000 posts of a 24h window as a busy board has it at now: every post
// carries a long-tail hashtag of its own (25,000 in the window) and most carry one of Shown,
// whose counts per bucket differ (40, 38, ... down to 1), so the top 10 has no tie. Ids start
// at firstID. Record them in batches of store.MaxBatch.
func BusyDay(now time.Time, firstID int) []store.Post {
	shown := Shown()
	edge := now.Truncate(time.Hour)
	posts := make([]store.Post, 0, DayBuckets*PostsPerBucket)
	for k := range DayBuckets { // bucket k hours back; 0 is the one in progress
		for i := range PostsPerBucket {
			at := edge.Add(-time.Duration(k) * time.Hour).Add(time.Duration(i) * time.Second)
			if at.After(now) {
				at = now
			}
			p := store.Post{ID: strconv.Itoa(firstID + k*PostsPerBucket + i), CreatedAt: at, Hashtags: []string{fmt.Sprintf("b%dt%d", k, i)}}
			if j := i % len(shown); (i/len(shown))%len(shown) >= j {
				p.Hashtags = append(p.Hashtags, shown[j])
			}
			posts = append(posts, p)
		}
	}
	return posts
}
