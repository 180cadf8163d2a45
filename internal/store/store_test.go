package store_test

import (
	"context"
	"errors"
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

// t0 is a fixed clock aligned to a 6-hour boundary, so bucket edges are easy to reason about.
var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var boardSeq struct {
	sync.Mutex
	n int
}

// newBoard returns a store on a fresh leaderboard name (so tests on one server don't meet).
func newBoard(t *testing.T, rdb redis.UniversalClient, c *clock) *store.Store {
	t.Helper()
	s, _ := newNamedBoard(t, rdb, c)
	return s
}

// newNamedBoard is newBoard that also returns the board's key prefix.
func newNamedBoard(t *testing.T, rdb redis.UniversalClient, c *clock) (*store.Store, string) {
	t.Helper()
	boardSeq.Lock()
	boardSeq.n++
	name := fmt.Sprintf("t%d-%s", boardSeq.n, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()))
	boardSeq.Unlock()
	if len(name) > 64 {
		name = name[:64]
	}
	s, err := store.New(rdb, name, store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	return s, store.KeyPrefix(name)
}

func post(id string, at time.Time, tags ...string) store.Post {
	return store.Post{ID: id, CreatedAt: at, Hashtags: tags}
}

func top(t *testing.T, s *store.Store, w store.Window, n int) map[string]int64 {
	t.Helper()
	entries, err := s.Top(context.Background(), w, n)
	if err != nil {
		t.Fatalf("Top(%s, %d): %v", w, n, err)
	}
	m := make(map[string]int64, len(entries))
	for _, e := range entries {
		m[e.Hashtag] = e.Count
	}
	return m
}

func record(t *testing.T, s *store.Store, posts ...store.Post) store.RecordResult {
	t.Helper()
	res, err := s.Record(context.Background(), posts)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return res
}

func assertCounts(t *testing.T, s *store.Store, w store.Window, want map[string]int64) {
	t.Helper()
	got := top(t, s, w, store.MaxTop)
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s counts:\n got %v\nwant %v", w, got, want)
	}
}

func TestRecordCountsOncePerPostAndHashtag(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		at := t0.Add(-10 * time.Minute)
		res := record(t, s,
			post("1", at, "AWS", "aws", "#Aws", "go"),
			post("2", at, "caf\u00e9"),
			post("3", at, "cafe\u0301", "Go"),
			post("4", at), // no hashtags: still a new post
		)
		want := store.RecordResult{New: 4, HashtagsCounted: 5}
		if res != want {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		counts := map[string]int64{"aws": 1, "go": 2, "caf\u00e9": 2}
		for _, w := range store.Windows {
			assertCounts(t, s, w, counts)
		}
	})
}

func TestRecordIsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		at := t0.Add(-time.Minute)
		batch1 := []store.Post{post("10", at, "a"), post("11", at, "a", "b"), post("10", at, "a")}
		batch2 := []store.Post{post("11", at, "a", "b"), post("12", at, "b")} // overlaps batch1

		res := record(t, s, batch1...)
		if res.New != 2 || res.Duplicates != 1 {
			t.Errorf("first batch: %+v, want 2 new, 1 duplicate (same id twice in a batch)", res)
		}
		res = record(t, s, batch1...)
		if res.New != 0 || res.Duplicates != 3 || res.HashtagsCounted != 0 {
			t.Errorf("replayed batch: %+v, want nothing new", res)
		}
		res = record(t, s, batch2...)
		if res.New != 1 || res.Duplicates != 1 || res.HashtagsCounted != 1 {
			t.Errorf("overlapping batch: %+v, want 1 new post with 1 hashtag", res)
		}
		for _, w := range store.Windows {
			assertCounts(t, s, w, map[string]int64{"a": 2, "b": 2})
		}
	})
}

func TestRecordConcurrentReplaysCountOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		var batch []store.Post
		for i := range 100 {
			batch = append(batch, post(strconv.Itoa(1000+i), t0.Add(-time.Duration(i)*time.Minute), "x", fmt.Sprintf("t%d", i%7)))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				if _, err := s.Record(context.Background(), batch); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got := top(t, s, store.All, 100)
		if got["x"] != 100 || got["t0"] != 15 || got["t6"] != 14 {
			t.Errorf("counts after 8 concurrent replays: %v", got)
		}
	})
}

func TestRecordBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		long := strings.Repeat("x", 141)
		res := record(t, s,
			post("", t0, "emptyid"),                          // skipped: empty id
			post(strings.Repeat("9", 65), t0, "longid"),      // skipped: id too long
			post("019", t0, "zeroid"),                        // skipped: not a post id (a second spelling of 19)
			post("19a", t0, "letterid"),                      // skipped: not a post id
			post("20", time.Time{}, "zerotime"),              // skipped: no created_at
			post("21", t0.Add(-8*24*time.Hour), "tooold"),    // skipped: older than retention
			post("22", t0.Add(48*time.Hour), "future"),       // clamped to now
			post("23", t0, long, "ok", "bad\u0007tag", "ok"), // bad tags dropped, rest counted
		)
		want := store.RecordResult{New: 2, Skipped: 6, HashtagsCounted: 2, RejectedHashtags: 2}
		if res != want {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		// The clamped post is in the newest bucket, so it is in every window now...
		for _, w := range store.Windows {
			assertCounts(t, s, w, map[string]int64{"future": 1, "ok": 1})
		}
		// ...and leaves the 1h window an hour (plus at most a bucket) later.
		c.Advance(time.Hour + 5*time.Minute)
		assertCounts(t, s, store.Hour, nil)
	})
}

func TestTopOrderAndTies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		var posts []store.Post
		id := 100
		add := func(tag string, n int) {
			for range n {
				id++
				posts = append(posts, post(strconv.Itoa(id), t0.Add(-time.Minute), tag))
			}
		}
		add("top", 5)
		add("zeta", 3)
		add("alpha", 3)
		for _, tag := range []string{"q", "p", "o", "n", "m", "l", "k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"} {
			add(tag, 1)
		}
		add("\u00e9t\u00e9", 1) // multi-byte: sorts after ASCII in byte order
		record(t, s, posts...)
		for _, w := range store.Windows {
			entries, err := s.Top(context.Background(), w, 6)
			if err != nil {
				t.Fatal(err)
			}
			want := []store.Entry{{Hashtag: "top", Count: 5}, {Hashtag: "alpha", Count: 3}, {Hashtag: "zeta", Count: 3}, {Hashtag: "a", Count: 1}, {Hashtag: "b", Count: 1}, {Hashtag: "c", Count: 1}}
			if !slices.Equal(entries, want) {
				t.Errorf("%s top 6 = %v, want %v", w, entries, want)
			}
			entries, _ = s.Top(context.Background(), w, 100)
			if len(entries) != 21 || entries[20].Hashtag != "\u00e9t\u00e9" {
				t.Errorf("%s top 100 = %v, want all 21 with the multi-byte tag last", w, entries)
			}
		}
		if _, err := s.Top(context.Background(), store.All, 0); err == nil {
			t.Error("Top(all, 0) succeeded, want an error")
		}
		if _, err := s.Top(context.Background(), store.Window("2h"), 5); err == nil {
			t.Error("Top(2h) succeeded, want an error")
		}
	})
}

// TestTopStaleWindowTies reads a window whose upkeep is behind the clock (no record since its
// oldest bucket left it), so Top sums the live buckets in a script, with many hashtags tied at
// the n-th place: the answer is the first of them in byte order, also past the stale bucket.
func TestTopStaleWindowTies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		posts := []store.Post{
			post("1", t0.Add(-59*time.Minute), "gone", "gone2"), // leaves the 1h window below
			post("2", t0.Add(-time.Minute), "big"),
			post("3", t0.Add(-time.Minute), "big"),
		}
		for i := range 300 {
			posts = append(posts, post(strconv.Itoa(1000+i), t0.Add(-time.Minute), fmt.Sprintf("t%03d", 299-i)))
		}
		record(t, s, posts...)
		c.Advance(10 * time.Minute) // two 5-minute buckets later, with no record since
		for _, tc := range []struct {
			n    int
			want []store.Entry
		}{
			{1, []store.Entry{{Hashtag: "big", Count: 2}}},
			{2, []store.Entry{{Hashtag: "big", Count: 2}, {Hashtag: "t000", Count: 1}}},
			{4, []store.Entry{{Hashtag: "big", Count: 2}, {Hashtag: "t000", Count: 1}, {Hashtag: "t001", Count: 1}, {Hashtag: "t002", Count: 1}}},
		} {
			got, err := s.Top(context.Background(), store.Hour, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("stale 1h top %d = %v, want %v", tc.n, got, tc.want)
			}
		}
		if got := top(t, s, store.Hour, store.MaxTop); len(got) != 301 || got["gone"] != 0 {
			t.Errorf("stale 1h top %d: %d hashtags (gone: %d), want 301 without the post that left", store.MaxTop, len(got), got["gone"])
		}
	})
}

func TestWindowsSlideAndExpire(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		record(t, s,
			post("1", t0.Add(-30*time.Minute), "recent"),
			post("2", t0.Add(-2*time.Hour), "hours"),
			post("3", t0.Add(-3*24*time.Hour), "days"),
			post("4", t0.Add(-7*24*time.Hour+30*time.Minute), "week"), // in the oldest 7d bucket
		)
		assertCounts(t, s, store.Hour, map[string]int64{"recent": 1})
		assertCounts(t, s, store.Day, map[string]int64{"recent": 1, "hours": 1})
		assertCounts(t, s, store.Week, map[string]int64{"recent": 1, "hours": 1, "days": 1, "week": 1})
		assertCounts(t, s, store.All, map[string]int64{"recent": 1, "hours": 1, "days": 1, "week": 1})

		// An hour later, with upkeep by a new record: "recent" has left the 1h window.
		c.Advance(time.Hour)
		record(t, s, post("5", c.Now(), "new"))
		assertCounts(t, s, store.Hour, map[string]int64{"new": 1})
		assertCounts(t, s, store.Day, map[string]int64{"recent": 1, "hours": 1, "new": 1})
		// "week" is now 7d30m old but its 6h bucket is still the oldest live one.
		assertCounts(t, s, store.Week, map[string]int64{"recent": 1, "hours": 1, "days": 1, "week": 1, "new": 1})

		// Ingest stops. Reads stay within the window plus one bucket although nobody upkeeps.
		c.Advance(23 * time.Hour)
		assertCounts(t, s, store.Hour, nil)
		assertCounts(t, s, store.Day, map[string]int64{"new": 1})
		c.Advance(2 * time.Hour)
		assertCounts(t, s, store.Day, nil)
		assertCounts(t, s, store.Week, map[string]int64{"recent": 1, "hours": 1, "days": 1, "new": 1})

		// Ingest resumes after more than the grace day: windows are rebuilt from buckets.
		c.Advance(3 * 24 * time.Hour)
		record(t, s, post("6", c.Now(), "back"))
		assertCounts(t, s, store.Hour, map[string]int64{"back": 1})
		assertCounts(t, s, store.Day, map[string]int64{"back": 1})
		// now is 14:00, so the 7d window starts in the 12:00 bucket of "days" (70h + 2h ago).
		assertCounts(t, s, store.Week, map[string]int64{"recent": 1, "hours": 1, "days": 1, "new": 1, "back": 1})
		c.Advance(4 * time.Hour) // 18:00: that bucket has left
		record(t, s, post("7", c.Now(), "later"))
		assertCounts(t, s, store.Week, map[string]int64{"recent": 1, "hours": 1, "new": 1, "back": 1, "later": 1})
		assertCounts(t, s, store.All, map[string]int64{"recent": 1, "hours": 1, "days": 1, "week": 1, "new": 1, "back": 1, "later": 1})
	})
}

// TestWindowsMatchModel records random posts while the clock moves in random steps and checks
// every window against counts computed here from the posts and the documented bucket rule.
func TestWindowsMatchModel(t *testing.T) {
	if testing.Short() {
		t.Skip("a long model run: skipped under -short")
	}
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rng := rand.New(rand.NewPCG(1, 2))
		c := &clock{t: t0}
		s := newBoard(t, rdb, c)
		var recs []modelPost
		var tags []string
		for i := range 15 {
			tags = append(tags, fmt.Sprintf("tag%02d", i))
		}
		id := 0
		for step := range 60 {
			batch, kept := randomPosts(rng, c.Now(), &id, 20, tags, 3, 2*time.Hour)
			recs = append(recs, kept...)
			record(t, s, batch...)
			now := c.Now().Unix()
			for w, lb := range windowSpec {
				lo := (now - lb[0]) / lb[1] * lb[1] // start of the oldest live bucket
				want := map[string]int64{}
				for _, r := range recs {
					if r.at >= lo {
						want[r.tag]++
					}
				}
				got := top(t, s, w, 100)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("step %d, %s:\n got %v\nwant %v", step, w, got, want)
				}
			}
			c.Advance(time.Duration(rng.Int64N(int64(3 * time.Hour))))
		}
	})
}

func TestExpiredDataIsDeleted(t *testing.T) {
	forEachBackendAdmin(t, func(t *testing.T, rdb, admin redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: t0}
		s, prefix := newNamedBoard(t, rdb, c)
		record(t, s, post("1", t0.Add(-time.Minute), "A"))
		c.Advance(8 * 24 * time.Hour)
		record(t, s, post("2", c.Now(), "b"))
		// The first post left every window and the seen set; its buckets are gone.
		if n, err := rdb.ZCard(ctx, prefix+"seen").Result(); err != nil || n != 1 {
			t.Errorf("seen set holds %d ids (err %v), want 1", n, err)
		}
		keys := scanKeys(t, admin, prefix+"*")
		for _, k := range keys {
			ttl, err := rdb.TTL(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			// The spellings are kept as long as the all-time counts.
			persistent := k == prefix+"all" || k == prefix+"meta" || k == prefix+"sp:c" || k == prefix+"sp:b"
			if persistent != (ttl < 0) {
				t.Errorf("key %s has TTL %v", k, ttl)
			}
			if strings.Contains(k, ":b:") {
				idx, _ := strconv.ParseInt(k[strings.LastIndex(k, ":")+1:], 10, 64)
				if idx*300 < t0.Unix() && strings.Contains(k, ":b:1h:") {
					t.Errorf("bucket %s of the first post still exists", k)
				}
			}
		}
	})
}

func scanKeys(t *testing.T, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	var mu sync.Mutex
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *redis.Client:
		err = scan(ctx, c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestCheckpoint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, prefix := newNamedBoard(t, rdb, &clock{t: t0})
		cp, err := s.Checkpoint(ctx)
		if err != nil || cp != (store.Checkpoint{}) {
			t.Fatalf("fresh checkpoint = %+v, %v", cp, err)
		}
		a, err := s.SaveCheckpoint(ctx, cp, store.Checkpoint{SinceID: "", NewestID: "900", UntilID: "500"})
		if err != nil || a.Version != 1 {
			t.Fatalf("first save: %+v, %v", a, err)
		}
		// A second run that read the same old checkpoint loses the race.
		if _, err := s.SaveCheckpoint(ctx, cp, store.Checkpoint{SinceID: "100"}); !errors.Is(err, store.ErrCheckpointConflict) {
			t.Errorf("stale save: %v, want ErrCheckpointConflict", err)
		}
		b, err := s.SaveCheckpoint(ctx, a, store.Checkpoint{SinceID: "900"})
		if err != nil || b.Version != 2 {
			t.Fatalf("second save: %+v, %v", b, err)
		}
		for _, bad := range []store.Checkpoint{
			{SinceID: "899"}, // backwards
			{SinceID: "99"},  // backwards (shorter number)
			{SinceID: "12a"}, // not an id
			{SinceID: "1000", UntilID: "-1"},
			{SinceID: "0950"}, // a second spelling of 950
			{SinceID: "950", NewestID: "x"},
		} {
			if _, err := s.SaveCheckpoint(ctx, b, bad); err == nil {
				t.Errorf("save %+v succeeded, want an error", bad)
			}
		}
		// A caller whose prev does not hold the stored since_id (only the version) still cannot
		// move it backwards: the script compares with what is stored.
		if _, err := s.SaveCheckpoint(ctx, store.Checkpoint{Version: b.Version}, store.Checkpoint{SinceID: "899"}); err == nil ||
			errors.Is(err, store.ErrCheckpointConflict) || !strings.Contains(err.Error(), "below the stored") {
			t.Errorf("save below the stored since_id with only the version: %v, want a since_id error", err)
		}
		got, err := s.Checkpoint(ctx)
		if err != nil || got != b {
			t.Errorf("checkpoint = %+v, %v; want %+v", got, err, b)
		}
		// The same save sent again (go-redis retries a script whose reply timed out) finds its
		// own fields at the next version: that is its success, not a conflict. A different save
		// from the same old version is still a conflict.
		next := store.Checkpoint{SinceID: "950", NewestID: "990", UntilID: "960"}
		c, err := s.SaveCheckpoint(ctx, b, next)
		if err != nil || c.Version != 3 {
			t.Fatalf("third save: %+v, %v", c, err)
		}
		if again, err := s.SaveCheckpoint(ctx, b, next); err != nil || again != c {
			t.Errorf("the third save again = %+v, %v; want %+v", again, err, c)
		}
		if _, err := s.SaveCheckpoint(ctx, b, store.Checkpoint{SinceID: "951"}); !errors.Is(err, store.ErrCheckpointConflict) {
			t.Errorf("another save from version %d: %v, want ErrCheckpointConflict", b.Version, err)
		}
		// A stored field that is not a post id (written by something else) is an error naming
		// the field, not a cursor sent to X.
		key := prefix + "ckpt"
		if err := rdb.HSet(ctx, key, "until_id", "0960").Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Checkpoint(ctx); err == nil || !strings.Contains(err.Error(), "until_id") || !strings.Contains(err.Error(), key) {
			t.Errorf("checkpoint with a bad until_id = %+v, %v; want an error naming the field and key", got, err)
		}
	})
}

func TestNewRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "a{b", "a}b", "a:b", "a b", strings.Repeat("x", 65), "caf\u00e9"} {
		if _, err := store.New(nil, name); err == nil {
			t.Errorf("New(%q) succeeded, want an error", name)
		}
	}
}

func TestRedisErrorsAreWrapped(t *testing.T) {
	if testing.Short() {
		t.Skip("a slow fault run: skipped under -short")
	}
	rdb, err := store.NewClient(store.Config{Addr: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	s, _ := store.New(rdb, "down")
	ctx := context.Background()
	if _, err := s.Record(ctx, []store.Post{post("1", time.Now(), "a")}); err == nil || !strings.Contains(err.Error(), "record batch") {
		t.Errorf("Record on a dead server: %v", err)
	}
	if _, err := s.Top(ctx, store.Day, 3); err == nil || !strings.Contains(err.Error(), "top 3 of down/24h") {
		t.Errorf("Top on a dead server: %v", err)
	}
	if _, err := s.Checkpoint(ctx); err == nil || !strings.Contains(err.Error(), "read checkpoint") {
		t.Errorf("Checkpoint on a dead server: %v", err)
	}
}

func TestNewClientValidates(t *testing.T) {
	for _, cfg := range []store.Config{
		{Addr: "nohost"},
		{Addr: ":6379"},
		{Addr: "127.0.0.1:6379", CAFile: "/dev/null"},
		{Addr: "127.0.0.1:6379", TLS: true, CAFile: "/nonexistent/ca.pem"},
		{Addr: "127.0.0.1:6379", TLS: true, CAFile: "/dev/null"},
	} {
		if _, err := store.NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) succeeded, want an error", cfg)
		}
	}
}
