package leaderboard_test

import (
	"encoding/json"
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
// a miss is one round trip of ZMSCORE commands, a hit none.
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
			h := newHandler(t, st, nil, leaderboard.Config{CacheTTL: time.Hour})
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
				if n, trips := counter.n.Load()-n0, counter.trips.Load()-trips0; n != int64(spec.n)+1 || trips != 1 {
					t.Errorf("%s: %d commands in %d round trips, want %d ZMSCORE and the coverage's HMGET in one", w, n, trips, spec.n)
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
