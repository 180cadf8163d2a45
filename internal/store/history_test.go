package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// windowSpec is a rolling window's length and bucket in seconds, as the package comment
// documents them.
var windowSpec = map[store.Window][2]int64{store.Hour: {3600, 300}, store.Day: {86400, 3600}, store.Week: {604800, 21600}}

// modelPost is a recorded post as the model tests count it: created at (unix seconds), with
// one hashtag.
type modelPost struct {
	at  int64
	tag string
}

// randomPosts returns n posts with one of tags each, created up to 8 days before now, about
// one in recentOneIn within recentAge of now instead, with ids after *id; kept lists those the
// store keeps (created within SeenRetention).
func randomPosts(rng *rand.Rand, now time.Time, id *int, n int, tags []string, recentOneIn int, recentAge time.Duration) (batch []store.Post, kept []modelPost) {
	for range n {
		*id++
		age := time.Duration(rng.Int64N(int64(8 * 24 * time.Hour)))
		if rng.IntN(recentOneIn) == 0 {
			age = time.Duration(rng.Int64N(int64(recentAge)))
		}
		tag := tags[rng.IntN(len(tags))]
		p := post(strconv.Itoa(*id), now.Add(-age), tag)
		batch = append(batch, p)
		if age <= store.SeenRetention {
			kept = append(kept, modelPost{p.CreatedAt.Unix(), tag})
		}
	}
	return batch, kept
}

// TestHistoryMatchesModel records random posts while the clock moves, sometimes with ingest
// (every Record keeps the windows) and sometimes without (reads find the upkeep behind), and
// checks each point of every hashtag's history against the posts' buckets computed here (and
// its start against BucketStarts; a hashtag that Counts finds at 0 has only zeros), and
// that the points add up to the hashtag's count in the window as Top reads it: at least the
// posts of the window itself, at most those plus one bucket of older ones.
func TestHistoryMatchesModel(t *testing.T) {
	if testing.Short() {
		t.Skip("a long model run: skipped under -short")
	}
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rng := rand.New(rand.NewPCG(3, 4))
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		ctx := context.Background()
		var tags []string
		for i := range 25 { // as many as a history request may list
			tags = append(tags, fmt.Sprintf("tag%02d", i))
		}
		var recs []modelPost
		id := 0
		for step := range 40 {
			if step%4 != 3 { // every fourth step ingest is stopped: no record, no upkeep
				batch, kept := randomPosts(rng, c.Now(), &id, 25, tags, 2, 3*time.Hour)
				recs = append(recs, kept...)
				record(t, s, batch...)
			}
			now := c.Now().Unix()
			for w, spec := range windowSpec {
				length, bucket := spec[0], spec[1]
				lo, hi := floorDiv(now-length, bucket), floorDiv(now, bucket)
				got, err := s.History(ctx, w, tags)
				if err != nil {
					t.Fatalf("step %d, History %s: %v", step, w, err)
				}
				counts := top(t, s, w, store.MaxTop)
				inSet, err := s.Counts(ctx, w, tags)
				if err != nil || len(inSet) != len(tags) {
					t.Fatalf("step %d, Counts %s: %v, %v", step, w, inSet, err)
				}
				starts, err := store.BucketStarts(w, c.Now())
				if err != nil || len(starts) != len(got[0].Points) {
					t.Fatalf("step %d, BucketStarts %s: %v, %v", step, w, starts, err)
				}
				for i, series := range got {
					// Counts of 0 (not in the window set) means a history of zeros.
					if inSet[i] == 0 && sumPoints(series) != 0 {
						t.Errorf("step %d, %s, %s: Counts 0 but the points sum to %d", step, w, tags[i], sumPoints(series))
					}
					for j, p := range series.Points {
						if !p.Start.Equal(starts[j]) {
							t.Fatalf("step %d, %s: point %d starts %v, BucketStarts says %v", step, w, j, p.Start, starts[j])
						}
					}
					tag := tags[i]
					if series.Hashtag != tag || int64(len(series.Points)) != hi-lo+1 {
						t.Fatalf("step %d, %s: series %d is %q with %d points, want %q with %d", step, w, i, series.Hashtag, len(series.Points), tag, hi-lo+1)
					}
					var sum, inWindow, withSlack int64
					for _, r := range recs {
						if r.tag != tag {
							continue
						}
						if r.at >= now-length {
							inWindow++
						}
						if r.at >= lo*bucket {
							withSlack++
						}
					}
					for j, p := range series.Points {
						idx := lo + int64(j)
						var want int64
						for _, r := range recs {
							if r.tag == tag && floorDiv(r.at, bucket) == idx {
								want++
							}
						}
						if p.Start.Unix() != idx*bucket || p.Start.Location() != time.UTC || p.Count != want {
							t.Fatalf("step %d, %s, %s point %d: %v %d, want %v %d", step, w, tag, j, p.Start, p.Count, time.Unix(idx*bucket, 0).UTC(), want)
						}
						sum += p.Count
					}
					if sum != counts[tag] {
						t.Errorf("step %d, %s, %s: points sum to %d, Top counts %d", step, w, tag, sum, counts[tag])
					}
					if sum < inWindow || sum > withSlack {
						t.Errorf("step %d, %s, %s: points sum to %d, want %d posts of the window plus at most one bucket (%d)", step, w, tag, sum, inWindow, withSlack)
					}
				}
			}
			c.Advance(time.Duration(rng.Int64N(int64(4 * time.Hour))))
		}
	})
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// TestHistoryOneRoundTrip: MaxHistory hashtags of the 7d window (29 buckets) are one pipeline
// of ZMSCORE commands and nothing else, on the cluster too (every key is in one slot); Counts
// of as many is one ZMSCORE.
func TestHistoryOneRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		record(t, s, post("1", t0.Add(-time.Hour), "a"), post("2", t0.Add(-3*24*time.Hour), "a", "b"))
		_, trips := counted(t, rdb)
		tags := []string{"a", "b"}
		for i := len(tags); i < store.MaxHistory; i++ {
			tags = append(tags, "none"+strconv.Itoa(i))
		}
		trips.take()
		got, err := s.History(context.Background(), store.Week, tags)
		if err != nil {
			t.Fatal(err)
		}
		n, names := trips.take()
		// The coverage of the buckets (for the estimates) and the spellings come in the same
		// round trip.
		if n != 1 || len(names) != 31 || names[0] != "hmget" || names[1] != "hmget" ||
			slices.IndexFunc(names[2:], func(s string) bool { return s != "zmscore" }) >= 0 {
			t.Errorf("%d round trips of %v, want one of the coverage's HMGET, the spellings' HMGET and 29 ZMSCORE", n, names)
		}
		if len(got) != store.MaxHistory || sumPoints(got[0]) != 2 || sumPoints(got[1]) != 1 || sumPoints(got[2]) != 0 {
			t.Errorf("history %v", got[:3])
		}
		counts, err := s.Counts(context.Background(), store.Week, tags)
		if err != nil {
			t.Fatal(err)
		}
		n, names = trips.take()
		if n != 1 || !slices.Equal(names, []string{"zmscore"}) || len(counts) != len(tags) || counts[0] != 2 || counts[1] != 1 || counts[2] != 0 {
			t.Errorf("Counts: %v in %d round trips of %v, want a 2, b 1, the rest 0 from one ZMSCORE", counts[:3], n, names)
		}
	})
}

func sumPoints(s store.Series) int64 {
	var n int64
	for _, p := range s.Points {
		n += p.Count
	}
	return n
}

// TestHistoryInput: tags are normalised like everywhere; bad input is an error naming it, and
// no tags is no round trip.
func TestHistoryInput(t *testing.T) {
	rdb := connectMiniredis(t)
	c := &clock{t: t0}
	s := newBoard(t, rdb, c)
	record(t, s, post("1", t0.Add(-time.Minute), "AWS"))
	ctx := context.Background()

	got, err := s.History(ctx, store.Hour, []string{"#AWS", "Aws"})
	if err != nil || len(got) != 2 || got[0].Hashtag != "aws" || got[1].Hashtag != "aws" || sumPoints(got[0]) != 1 || len(got[0].Points) != 13 {
		t.Errorf("History(#AWS, Aws) = %v, %v; want aws twice with 1 post in 13 points", got, err)
	}
	// At 12:00 the 1h window's live buckets start at 11:00, ..., 12:00 (the one in progress);
	// the post of 11:59 is in the one of 11:55.
	if p := got[0].Points; p[11].Count != 1 || !p[11].Start.Equal(t0.Add(-5*time.Minute)) || !p[0].Start.Equal(t0.Add(-time.Hour)) || !p[12].Start.Equal(t0) {
		t.Errorf("points %v: want 11:00 to 12:00, the post in 11:55", p)
	}
	_, trips := counted(t, rdb)
	if got, err := s.History(ctx, store.Day, nil); err != nil || len(got) != 0 {
		t.Errorf("History(no tags) = %v, %v", got, err)
	}
	if n, _ := trips.take(); n != 0 {
		t.Errorf("no tags: %d round trips, want 0", n)
	}
	tooMany := make([]string, store.MaxHistory+1)
	for i := range tooMany {
		tooMany[i] = "t" + strconv.Itoa(i)
	}
	for _, tc := range []struct {
		w    store.Window
		tags []string
		want string
	}{
		{store.All, []string{"a"}, `window "all": want one of 1h, 24h, 7d`},
		{"2h", []string{"a"}, `window "2h"`},
		{store.Hour, tooMany, "101 hashtags, at most 100"},
		{store.Hour, []string{"ok", "<img src=x>"}, `hashtag "<img src=x>"`},
		{store.Hour, []string{"\u202eevil"}, "bidirectional"},
		{store.Hour, []string{strings.Repeat("x", 141)}, "longer than 140"},
	} {
		if _, err := s.History(ctx, tc.w, tc.tags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("History(%s, %.40q): %v, want %q", tc.w, tc.tags, err, tc.want)
		}
		if _, err := s.Counts(ctx, tc.w, tc.tags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Counts(%s, %.40q): %v, want %q", tc.w, tc.tags, err, tc.want)
		}
	}
	if n, _ := trips.take(); n != 0 {
		t.Errorf("bad input: %d round trips, want 0", n)
	}
}
