package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestRecordWrongTypeWritesNothing puts a key of the wrong type where the record script will
// touch it (each kind of key in turn): the call fails with an error naming the key and
// changes nothing, neither the seen set nor any count nor the upkeep state; once the key is
// removed, the same batch records the post as new, once, in every window.
func TestRecordWrongTypeWritesNothing(t *testing.T) {
	bucket := func(w string, size time.Duration, at time.Time) string {
		return fmt.Sprintf("b:%s:%d", w, at.Unix()/int64(size/time.Second))
	}
	first := t0.Add(-time.Minute)
	tests := []struct {
		name  string
		later time.Duration // clock moves on after the first record
		key   func(now time.Time) string
	}{
		{"all-time set", 0, func(time.Time) string { return "all" }},
		{"seen set", 0, func(time.Time) string { return "seen" }},
		{"meta hash", 0, func(time.Time) string { return "meta" }},
		{"window set", 0, func(time.Time) string { return "w:24h" }},
		{"bucket of the new post", 0, func(now time.Time) string { return bucket("7d", 6*time.Hour, now) }},
		// An hour and two minutes later, upkeep subtracts the first post's 1h bucket.
		{"bucket that left the window", 62 * time.Minute, func(time.Time) string { return bucket("1h", 5*time.Minute, first) }},
		{"trending pairs of a window", 0, func(time.Time) string { return "t:w:1h" }},
		{"trending authors of a window", 0, func(time.Time) string { return "t:a:24h" }},
		{"trending baseline", 0, func(time.Time) string { return "t:b:1h" }},
		{"trending view", 0, func(time.Time) string { return "t:v:24h" }},
		{"trending view figures", 0, func(time.Time) string { return "t:f:1h" }},
		{"pair set of the new post hour", 0, func(now time.Time) string { return hourKey("p", now) }},
		{"authors of the new post hour", 0, func(now time.Time) string { return hourKey("h", now) }},
		// Two hours later, the first post's hour enters the 1h baseline: its authors are made.
		{"authors of an hour entering the baseline", 2 * time.Hour, func(time.Time) string { return hourKey("h", first) }},
		{"pair set of an hour entering the baseline", 2 * time.Hour, func(time.Time) string { return hourKey("p", first) }},
		{"spelling counts", 0, func(time.Time) string { return "sp:c" }},
		{"shown spellings", 0, func(time.Time) string { return "sp:b" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
				ctx := context.Background()
				c := &clock{t: t0}
				s, prefix := newNamedBoard(t, rdb, c)
				record(t, s, store.Post{ID: "1", CreatedAt: first, AuthorID: "42", Hashtags: []string{"A", "b"}})
				c.Advance(tc.later)
				now := c.Now()
				bad := prefix + tc.key(now)
				if err := rdb.Del(ctx, bad).Err(); err != nil {
					t.Fatal(err)
				}
				if err := rdb.Set(ctx, bad, "not a set", 0).Err(); err != nil {
					t.Fatal(err)
				}
				keys := []string{prefix + "all", prefix + "seen", prefix + "meta", prefix + "sp:c", prefix + "sp:b",
					prefix + hourKey("p", first), prefix + hourKey("h", first), prefix + hourKey("p", now), prefix + hourKey("h", now)}
				for _, k := range []string{"w", "a", "b", "v", "f"} {
					keys = append(keys, prefix+"t:"+k+":1h", prefix+"t:"+k+":24h")
				}
				for _, w := range []struct {
					name string
					size time.Duration
				}{{"1h", 5 * time.Minute}, {"24h", time.Hour}, {"7d", 6 * time.Hour}} {
					keys = append(keys, prefix+"w:"+w.name, prefix+bucket(w.name, w.size, first), prefix+bucket(w.name, w.size, now))
				}
				before := dumpKeys(t, rdb, keys)

				batch := []store.Post{post("2", now, "b", "c")}
				_, err := s.Record(ctx, batch)
				if err == nil || !strings.Contains(err.Error(), "WRONGTYPE") || !strings.Contains(err.Error(), bad) {
					t.Fatalf("Record with %s of the wrong type: %v, want a WRONGTYPE error naming it", bad, err)
				}
				if after := dumpKeys(t, rdb, keys); after != before {
					t.Fatalf("the failed call changed the data:\nbefore %s\nafter  %s", before, after)
				}

				if err := rdb.Del(ctx, bad).Err(); err != nil {
					t.Fatal(err)
				}
				res := record(t, s, batch...)
				if res.New != 1 || res.HashtagsCounted != 2 {
					t.Errorf("the batch again after the fix: %+v, want the post new with 2 hashtags", res)
				}
				for _, w := range store.Windows {
					if got := top(t, s, w, 10); got["c"] != 1 {
						t.Errorf("%s after the retry: %v, want c counted once", w, got)
					}
				}
			})
		})
	}
}

// hourKey is the name (after the prefix) of the trending key of kind ("p": pair set, "h":
// authors per tag) of the hour of at.
func hourKey(kind string, at time.Time) string {
	return fmt.Sprintf("t:%s:%d", kind, at.Unix()/3600)
}

// dumpKeys renders the type and content of keys, for comparing the data before and after.
func dumpKeys(t *testing.T, rdb redis.UniversalClient, keys []string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, k := range keys {
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		switch typ {
		case "zset":
			v, err = rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "hash":
			v, err = rdb.HGetAll(ctx, k).Result()
		case "set":
			var m []string
			m, err = rdb.SMembers(ctx, k).Result()
			slices.Sort(m)
			v = m
		case "string":
			v, err = rdb.Get(ctx, k).Result()
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%s:%v ", k, typ, v)
	}
	return b.String()
}

// TestUpkeepFarBehindIsBounded: the upkeep state says a window's oldest bucket is far behind
// (bucket 0) although the last upkeep is recent. The record script rebuilds that window from
// its live buckets instead of walking every bucket since, so the call ends at once (a walk of
// millions of buckets would block the shard past the client's timeout) with exact counts.
func TestUpkeepFarBehindIsBounded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: t0}
		s, prefix := newNamedBoard(t, rdb, c)
		record(t, s, post("1", t0.Add(-time.Minute), "a"), post("2", t0.Add(-3*24*time.Hour), "old"))
		if err := rdb.HSet(ctx, prefix+"meta", "lo:1h", 0, "lo:7d", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := s.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		assertCounts(t, s, store.Hour, map[string]int64{"a": 1})
		assertCounts(t, s, store.Week, map[string]int64{"a": 1, "old": 1})
	})
}
