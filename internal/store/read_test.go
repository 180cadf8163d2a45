package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// tripCounter is a go-redis hook that counts round trips (a command or a pipeline) and
// records the names of the commands sent.
type tripCounter struct {
	mu    sync.Mutex
	trips int
	names []string
}

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); n != "hello" && n != "auth" { // a new connection's handshake
			c.add(cmd)
		}
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds...)
		return next(ctx, cmds)
	}
}

func (c *tripCounter) add(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips++
	for _, cmd := range cmds {
		c.names = append(c.names, cmd.Name())
	}
}

// take returns the round trips and command names since the last take.
func (c *tripCounter) take() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	trips, names := c.trips, c.names
	c.trips, c.names = 0, nil
	return trips, names
}

// counted adds a tripCounter to rdb.
func counted(t *testing.T, rdb redis.UniversalClient) (redis.UniversalClient, *tripCounter) {
	t.Helper()
	c := &tripCounter{}
	rdb.AddHook(c)
	return rdb, c
}

// model is the top n of counts by (count desc, hashtag asc).
func model(counts map[string]int64, n int) []store.Entry {
	var out []store.Entry
	for tag, c := range counts {
		if c > 0 {
			out = append(out, store.Entry{Hashtag: tag, Count: c})
		}
	}
	slices.SortFunc(out, func(a, b store.Entry) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Hashtag, b.Hashtag)
	})
	return out[:min(n, len(out))]
}

// TestTopTiesInOneRoundTrip reads a board whose places n and n+1 tie, as a long tail of
// hashtags counted once makes every busy board do: after the first read, the next reads of
// the same (window, n) resolve the tie in the same round trip as the top; when the tied count
// moves, the answer is still exact.
func TestTopTiesInOneRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rdb, trips := counted(t, rdb)
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		counts := map[string]int64{}
		id := 0
		add := func(tag string, k int) {
			var posts []store.Post
			for range k {
				id++
				posts = append(posts, post(strconv.Itoa(id), t0.Add(-time.Minute), tag))
			}
			record(t, s, posts...)
			counts[tag] += int64(k)
		}
		for i := range 30 {
			add(fmt.Sprintf("pop%02d", i), 40-i)
		}
		for i := range 200 {
			add(fmt.Sprintf("z%03d", 199-i), 1) // the tail, recorded in reverse byte order
		}
		const n = 100
		for _, w := range store.Windows {
			for read := range 3 {
				if read == 2 {
					// The tail grows to count 2 past place n: the tie is now at another count.
					for i := range 80 {
						add(fmt.Sprintf("y%03d", i), 2)
					}
				}
				trips.take()
				got, err := s.Top(context.Background(), w, n)
				if err != nil {
					t.Fatal(err)
				}
				if want := model(counts, n); !slices.Equal(got, want) {
					t.Fatalf("%s read %d:\n got %v\nwant %v", w, read, got, want)
				}
				rt, names := trips.take()
				if read == 1 && rt != 1 {
					t.Errorf("%s second read: %d round trips (%v), want 1", w, rt, names)
				}
			}
		}
	})
}

// TestUpkeepKeepsReadsCurrent: with no posts to record, Upkeep alone advances every window,
// so a read right after it sums nothing, and is one round trip when its hashtags are those of
// the read before (a hashtag new to the answer costs the HMGET of its spelling); a read whose
// window has moved on since (no upkeep) is still exact.
func TestUpkeepKeepsReadsCurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rdb, trips := counted(t, rdb)
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		record(t, s,
			post("1", t0.Add(-50*time.Minute), "early"),
			post("2", t0.Add(-20*time.Minute), "mid"),
			post("3", t0.Add(-time.Minute), "late"),
		)
		for _, step := range []struct {
			advance time.Duration
			upkeep  bool
			hour    map[string]int64
		}{
			{15 * time.Minute, true, map[string]int64{"mid": 1, "late": 1}},
			{5 * time.Minute, false, map[string]int64{"mid": 1, "late": 1}},
			{25 * time.Minute, false, map[string]int64{"late": 1}},
			{0, true, map[string]int64{"late": 1}},
			{2 * time.Hour, true, nil},
		} {
			c.Advance(step.advance)
			if step.upkeep {
				if err := s.Upkeep(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			trips.take()
			got := top(t, s, store.Hour, 10)
			if fmt.Sprint(got) != fmt.Sprint(step.hour) && !(len(got) == 0 && len(step.hour) == 0) {
				t.Errorf("at %s: 1h %v, want %v", c.Now().Sub(t0), got, step.hour)
			}
			rt, names := trips.take()
			if step.upkeep && slices.Contains(names, "zunion") {
				t.Errorf("at %s, right after upkeep: %d round trips %v, want no zunion", c.Now().Sub(t0), rt, names)
			}
			if step.upkeep { // again: the spellings of the hashtags the read before found come in its pipeline
				top(t, s, store.Hour, 10)
				if rt, names := trips.take(); rt != 1 || slices.Contains(names, "zunion") {
					t.Errorf("at %s, right after upkeep: %d round trips %v, want 1 without zunion", c.Now().Sub(t0), rt, names)
				}
			}
			if !step.upkeep && step.advance > 0 && !slices.Contains(names, "zunion") {
				t.Errorf("at %s, window behind: commands %v, want the zunion of its buckets", c.Now().Sub(t0), names)
			}
		}
		assertCounts(t, s, store.All, map[string]int64{"early": 1, "mid": 1, "late": 1})
	})
}

// TestTopBehindAfterConcurrentUpkeep: Top read the upkeep state, then an upkeep moved the
// window on (subtracting and deleting the buckets that left) before Top's union ran. The
// union of the window minus the buckets Top thought had left is still the exact window.
func TestTopBehindAfterConcurrentUpkeep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		var posts []store.Post
		counts := map[string]int64{}
		for i := range 60 {
			at := t0.Add(-time.Duration(i) * time.Minute)
			tag := fmt.Sprintf("t%d", i%9)
			posts = append(posts, post(strconv.Itoa(i+1), at, tag, "all"))
			if at.Unix()/300 >= (t0.Add(20*time.Minute).Unix()-3600)/300 {
				counts[tag]++
				counts["all"]++
			}
		}
		record(t, s, posts...)
		kept := (t0.Unix() - 3600) / 300 // what the record's upkeep kept: Top reads this...
		c.Advance(20 * time.Minute)
		if err := s.Upkeep(context.Background()); err != nil { // ...then upkeep moves on
			t.Fatal(err)
		}
		got, err := s.TopBehind(context.Background(), store.Hour, kept, 100)
		if err != nil {
			t.Fatal(err)
		}
		if want := model(counts, 100); !slices.Equal(got, want) {
			t.Errorf("1h after the concurrent upkeep:\n got %v\nwant %v", got, want)
		}
	})
}

// TestTopMatchesModelAcrossReads records random posts over a small pool of hashtags (so ties
// are everywhere, and the counts at place n move between reads) and after every batch checks
// Top for several n, every window, against a model: the shape Top remembers from one read
// never makes a later read wrong, whether it still fits or not.
func TestTopMatchesModelAcrossReads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rng := rand.New(rand.NewPCG(3, 4))
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		counts := map[string]int64{}
		id := 0
		for step := range 40 {
			var batch []store.Post
			for range 1 + rng.IntN(6) {
				id++
				tags := []string{fmt.Sprintf("t%02d", rng.IntN(30))}
				if rng.IntN(2) == 0 {
					tags = append(tags, fmt.Sprintf("t%02d", rng.IntN(30)))
				}
				batch = append(batch, post(strconv.Itoa(id), t0.Add(-time.Minute), tags...))
				for _, tag := range slices.Compact(slices.Sorted(slices.Values(tags))) {
					counts[tag]++
				}
			}
			record(t, s, batch...)
			for _, w := range store.Windows {
				for _, n := range []int{1, 2, 5, 10, 25} {
					got, err := s.Top(context.Background(), w, n)
					if err != nil {
						t.Fatal(err)
					}
					if want := model(counts, n); !slices.Equal(got, want) {
						t.Fatalf("step %d, %s top %d:\n got %v\nwant %v", step, w, n, got, want)
					}
				}
			}
		}
	})
}
