package store

import (
	"fmt"
	"time"
)

// Window names a leaderboard: all-time or a rolling window by the post's created_at.
type Window string

// The leaderboards every store maintains.
const (
	All  Window = "all"
	Hour Window = "1h"
	Day  Window = "24h"
	Week Window = "7d"
)

// Windows lists every leaderboard, all-time first.
var Windows = []Window{All, Hour, Day, Week}

// ParseWindow returns the Window named s, or an error that lists the allowed names.
func ParseWindow(s string) (Window, error) {
	for _, w := range Windows {
		if string(w) == s {
			return w, nil
		}
	}
	return "", fmt.Errorf("unknown window %q: allowed are all, 1h, 24h, 7d", s)
}

// span describes a rolling window: its length, the size of its buckets, and whether it has a
// trending view (its bucket then divides an hour).
type span struct {
	window   Window
	length   time.Duration
	bucket   time.Duration
	trending bool
}

// rolling lists the rolling windows with their bucket sizes (see the package comment).
var rolling = []span{
	{Hour, time.Hour, 5 * time.Minute, true},
	{Day, 24 * time.Hour, time.Hour, true},
	{Week, 7 * 24 * time.Hour, 6 * time.Hour, false},
}

// spanOf returns the rolling-window description of w; ok is false for All.
func spanOf(w Window) (span, bool) {
	for _, s := range rolling {
		if s.window == w {
			return s, true
		}
	}
	return span{}, false
}

// oldestBucket is the index of the oldest bucket still inside the window at now (unix seconds).
func (s span) oldestBucket(now int64) int64 {
	length, bucket := int64(s.length/time.Second), int64(s.bucket/time.Second)
	return floorDiv(now-length, bucket)
}

// floorDiv is a/b rounded down, as Lua's math.floor(a / b) in the scripts.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// liveBuckets is the index of the oldest and the newest bucket of the window at now (unix
// seconds): the buckets Top sums and History reads.
func (s span) liveBuckets(now int64) (lo, hi int64) {
	return s.oldestBucket(now), floorDiv(now, int64(s.bucket/time.Second))
}
