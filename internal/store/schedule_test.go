package store_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// The windows' lengths and buckets, as the package comment gives them.
var windowShape = map[store.Window]struct{ length, bucket time.Duration }{
	store.Hour: {time.Hour, 5 * time.Minute},
	store.Day:  {24 * time.Hour, time.Hour},
	store.Week: {7 * 24 * time.Hour, 6 * time.Hour},
}

func TestUpkeepScheduleFollowsEveryBucket(t *testing.T) {
	if store.UpkeepInterval != 5*time.Minute {
		t.Errorf("UpkeepInterval = %s, want the smallest bucket, 5m", store.UpkeepInterval)
	}
	m := regexp.MustCompile(`^cron\(0/(\d+) \* \* \* \? \*\)$`).FindStringSubmatch(store.UpkeepSchedule)
	if m == nil {
		t.Fatalf("UpkeepSchedule %q: want cron(0/N * * * ? *)", store.UpkeepSchedule)
	}
	step, _ := strconv.Atoi(m[1])
	if time.Duration(step)*time.Minute != store.UpkeepInterval {
		t.Errorf("UpkeepSchedule every %d minutes, want every %s", step, store.UpkeepInterval)
	}
	for w, sh := range windowShape {
		if sh.bucket%store.UpkeepInterval != 0 || time.Hour%store.UpkeepInterval != 0 {
			t.Errorf("%s: bucket %s boundaries are not all on the schedule", w, sh.bucket)
		}
	}
}

// schedule drives a board through the minutes from start: the upkeep-only invocation at every
// multiple of store.UpkeepInterval (when upkeepSchedule is set), an ingest run (upkeep, a batch
// of posts, upkeep) every 15 minutes from start, and at each minute (30 s in) read, handing the
// clock's time to read.
func schedule(t *testing.T, s *store.Store, c *clock, start time.Time, minutes int, upkeepSchedule bool,
	ingest func(now time.Time), read func(now time.Time)) {
	t.Helper()
	ctx := context.Background()
	for m := range minutes {
		at := start.Add(time.Duration(m) * time.Minute)
		c.Set(at)
		if upkeepSchedule && at.Truncate(store.UpkeepInterval).Equal(at) {
			if err := s.Upkeep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if m%15 == 0 {
			if err := s.Upkeep(ctx); err != nil {
				t.Fatal(err)
			}
			ingest(at)
			if err := s.Upkeep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		c.Set(at.Add(30 * time.Second))
		read(at.Add(30 * time.Second))
	}
}

// TestScheduledUpkeepKeepsReadsCurrent is the guard of the hot path: with the upkeep-only
// invocation at every bucket boundary, a read of any window at any minute of the schedule
// (across a 5-minute, an hourly and a 6-hour boundary) finds the window current and sends no
// ZUNION or ZUNIONSTORE, only the single-set reads; and it counts exactly the posts of the
// window. Without that invocation (ingest runs only, every 15 minutes) the same reads fall
// back to the ZUNION, which shows the guard can fail.
func TestScheduledUpkeepKeepsReadsCurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		for _, scheduled := range []bool{true, false} {
			t.Run(fmt.Sprintf("upkeep-schedule=%v", scheduled), func(t *testing.T) {
				rdb, trips := counted(t, rdb)
				c := &clock{t: t0}
				s := newBoard(t, rdb, c)
				type rec struct {
					at  time.Time
					tag string
				}
				var recs []rec
				id := 0
				ingest := func(now time.Time) {
					var posts []store.Post
					for i := range 40 { // posts of the last 7 hours, so every bucket of 1h and 24h holds some
						id++
						p := post(strconv.Itoa(id), now.Add(-time.Duration(i)*11*time.Minute), "t"+strconv.Itoa(i%13))
						posts = append(posts, p)
						recs = append(recs, rec{p.CreatedAt, p.Hashtags[0]})
					}
					record(t, s, posts...)
				}
				zunions := 0
				read := func(now time.Time) {
					for _, w := range store.Windows[1:] {
						trips.take()
						got, err := s.Top(context.Background(), w, 10)
						if err != nil {
							t.Fatal(err)
						}
						_, names := trips.take()
						if slices.Contains(names, "zunion") || slices.Contains(names, "zunionstore") {
							zunions++
							if scheduled {
								t.Errorf("%s at %s: the read sent %v: a sum on the hot path", w, now.Format("15:04:05"), names)
							}
						}
						sh := windowShape[w]
						lo := now.Add(-sh.length).Truncate(sh.bucket) // oldest live bucket's start
						counts := map[string]int64{}
						for _, r := range recs {
							if !r.at.Before(lo) && !r.at.After(now) {
								counts[r.tag]++
							}
						}
						if want := model(counts, 10); !slices.Equal(got, want) {
							t.Errorf("%s at %s: %v, want %v", w, now.Format("15:04:05"), got, want)
						}
					}
				}
				// 11:50 to 12:09: bucket boundaries of 1h every 5 minutes, of 24h at 12:00, of 7d
				// at 12:00 (t0 is on a 6-hour boundary).
				schedule(t, s, c, t0.Add(-10*time.Minute), 20, scheduled, ingest, read)
				if !scheduled && zunions == 0 {
					t.Errorf("without the upkeep schedule no read fell back to the ZUNION: the guard cannot fail")
				}
				t.Logf("reads that summed inside Redis: %d of %d", zunions, 20*3)
			})
		}
	})
}
