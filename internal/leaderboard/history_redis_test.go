package leaderboard_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// historyBody is a history answer, parsed.
type historyBody = leaderboard.HistoryBody

func parseHistory(t testing.TB, body string) historyBody {
	t.Helper()
	var b historyBody
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("history body %q: %v", body, err)
	}
	return b
}

// TestHistoryOnRedis asks the handler, on the real store as the read-only user, for the
// history of every hashtag of each rolling window (and one never used): one point per bucket,
// oldest first, whose counts add up to the hashtag's count in the window as the top shows it;
// a first miss is four round trips (the top read, its spellings, the pipeline of ZMSCORE of the
// window's top, the ZMSCORE of the window set for "never"), a hit none.
func TestHistoryOnRedis(t *testing.T) {
	requireServers(t)
	buckets := map[store.Window]struct {
		n    int
		size time.Duration
	}{store.Hour: {13, 5 * time.Minute}, store.Day: {25, time.Hour}, store.Week: {29, 6 * time.Hour}}
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			want := seedPosts(t, srv)
			rdb, st, counter := countedStore(t, srv)
			// A fixed clock: the repeats below fall in the same cache period whatever the time
			// (a shared read also ends at its window's next bucket).
			fixed := time.Now()
			h := newHandler(t, st, nil, leaderboard.Config{CacheTTL: time.Hour}.WithClock(func() time.Time { return fixed }))
			if err := rdb.Ping(testCtx(t)).Err(); err != nil { // connect before counting
				t.Fatal(err)
			}
			for w, spec := range buckets {
				tags := []string{"never"}
				counts := map[string]int64{}
				for _, e := range want[w] {
					tags = append(tags, strings.ToUpper(e.Hashtag)) // normalised like everywhere
					counts[e.Hashtag] = e.Count
				}
				q := "view=history&window=" + string(w) + "&hashtags=" + strings.Join(tags, ",")
				n0, trips0 := counter.n.Load(), counter.trips.Load()
				resp := call(t, h, get("GET", q, nil))
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", w, resp.StatusCode, resp.Body)
				}
				// The top's first read of the window learns its hashtags' spellings with one more
				// HMGET (later reads have it in their pipeline).
				if n, trips := counter.n.Load()-n0, counter.trips.Load()-trips0; n != int64(spec.n)+7 || trips != 4 {
					t.Errorf("%s: %d commands in %d round trips, want %d (the top's HGET, ZREVRANGE and coverage HMGET, "+
						"its spellings' HMGET, %d ZMSCORE, the coverage's and the spellings' HMGET, one ZMSCORE) in 4",
						w, n, trips, spec.n+7, spec.n)
				}
				b := parseHistory(t, resp.Body)
				if b.Leaderboard != boardName || b.View != "history" || b.Window != string(w) || len(b.Series) != len(tags) {
					t.Fatalf("%s: %+v", w, b)
				}
				for i, s := range b.Series {
					if s.Hashtag != strings.ToLower(tags[i]) || len(s.Points) != spec.n {
						t.Fatalf("%s series %d: %q with %d points, want %q with %d", w, i, s.Hashtag, len(s.Points), strings.ToLower(tags[i]), spec.n)
					}
					var sum int64
					var prev time.Time
					for j, p := range s.Points {
						start, err := time.Parse(time.RFC3339, p.Start)
						if err != nil || !strings.HasSuffix(p.Start, "Z") || (j > 0 && start.Sub(prev) != spec.size) || start.Truncate(spec.size) != start {
							t.Errorf("%s %s point %d starts %q after %v", w, s.Hashtag, j, p.Start, prev)
						}
						prev = start
						sum += p.Count
					}
					if last := prev; time.Since(last) < 0 || time.Since(last) >= spec.size {
						t.Errorf("%s: the last point starts %v, want the bucket in progress", w, last)
					}
					if sum != counts[s.Hashtag] {
						t.Errorf("%s %s: points sum to %d, the window counts %d", w, s.Hashtag, sum, counts[s.Hashtag])
					}
				}
				// The same request again, spelled otherwise: from the cache, no Redis call.
				n0 = counter.n.Load()
				again := call(t, h, get("GET", strings.ToLower(q), map[string]string{"if-none-match": resp.Headers["ETag"]}))
				if again.StatusCode != 304 || counter.n.Load() != n0 {
					t.Errorf("%s: repeat gave %d after %d commands, want 304 after none", w, again.StatusCode, counter.n.Load()-n0)
				}
			}
		})
	}
}

// TestHistoryCostOnRedis is issue 21's "Must hold" on the real servers, as the read-only
// user, within one cache period (a fixed clock): 60 distinct lists of up to 25 hashtags drawn
// from the 7d window's top 100, in shuffled orders, cost at most 60 Redis commands in all (the
// top read and one pipeline of 29 ZMSCORE); 60 lists of hashtags absent from the window at
// most 200 (one ZMSCORE each). Before, each list cost 29 ZMSCORE with all its hashtags: 1,740
// commands for either. Every answer is checked against the counts seeded.
func TestHistoryCostOnRedis(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			// 120 hashtags in the 7d window: tag k has 121-k posts (k = 1..120), 3 days old.
			var posts []store.Post
			for k := 1; k <= 120; k++ {
				for range 121 - k {
					posts = append(posts, store.Post{ID: strconv.Itoa(len(posts) + 1), CreatedAt: time.Now().Add(-72 * time.Hour), Hashtags: []string{fmt.Sprintf("tag%03d", k)}})
				}
			}
			seedAsWriter(t, srv, posts[:store.MaxBatch]) // empties the server first
			w := writerStore(t, srv)
			for posts = posts[store.MaxBatch:]; len(posts) > 0; {
				n := min(len(posts), store.MaxBatch)
				if res, err := w.Record(testCtx(t), posts[:n]); err != nil || res.New != n {
					t.Fatalf("seed: %+v, %v", res, err)
				}
				posts = posts[n:]
			}
			rdb, st, counter := countedStore(t, srv)
			fixed := time.Now()
			h := newHandler(t, st, nil, leaderboard.Config{CacheTTL: 5 * time.Second}.WithClock(func() time.Time { return fixed }))
			if err := rdb.Ping(testCtx(t)).Err(); err != nil { // connect before counting
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(21, 1))
			ask := func(tags []string, want func(tag string) int64) {
				t.Helper()
				resp := call(t, h, get("GET", "view=history&window=7d&hashtags="+strings.Join(tags, ","), nil))
				if resp.StatusCode != 200 {
					t.Fatalf("%v: %d %s", tags, resp.StatusCode, resp.Body)
				}
				b := parseHistory(t, resp.Body)
				for i, s := range b.Series {
					var sum int64
					for _, p := range s.Points {
						sum += p.Count
					}
					if s.Hashtag != tags[i] || len(s.Points) != 29 || sum != want(tags[i]) {
						t.Fatalf("%v: series %d is %s, %d points summing to %d; want %s, 29 points, %d", tags, i, s.Hashtag, len(s.Points), sum, tags[i], want(tags[i]))
					}
				}
			}
			n0 := counter.n.Load()
			seen := map[string]bool{}
			for len(seen) < 60 {
				tags := make([]string, 1+rng.IntN(leaderboard.MaxHistoryHashtags))
				for i, k := range rng.Perm(100)[:len(tags)] {
					tags[i] = fmt.Sprintf("tag%03d", k+1)
				}
				if seen[strings.Join(tags, ",")] {
					continue
				}
				seen[strings.Join(tags, ",")] = true
				ask(tags, func(tag string) int64 { k, _ := strconv.Atoi(tag[3:]); return int64(121 - k) })
			}
			top := counter.n.Load() - n0
			if top > 60 {
				t.Errorf("60 distinct lists of top hashtags cost %d Redis commands, want at most 60", top)
			}
			n0 = counter.n.Load()
			for i := range 60 {
				tags := make([]string, leaderboard.MaxHistoryHashtags)
				for j := range tags {
					tags[j] = fmt.Sprintf("unknown%d_%d", i, j)
				}
				ask(tags, func(string) int64 { return 0 })
			}
			unknown := counter.n.Load() - n0
			if unknown > 200 {
				t.Errorf("60 lists of unknown hashtags cost %d Redis commands, want at most 200", unknown)
			}
			t.Logf("Redis commands: 60 lists of top hashtags %d, 60 lists of unknown hashtags %d", top, unknown)
		})
	}
}
