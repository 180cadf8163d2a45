package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// percentile returns the p-th percentile (0-100) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// TestLeaderboardLoad runs 200 concurrent HTTP clients for LOAD_DURATION (default 5s) against
// the leaderboard handler behind the Function URL adapter, reading one redis-server: once
// with the default 5 s cache and once with the cache off (every request that is not joined to
// one already in flight reads Redis). Every answer must be a 200 with the leaderboard's JSON.
func TestLeaderboardLoad(t *testing.T) {
	const clients = 200
	duration := envDuration(t, "LOAD_DURATION", 5*time.Second)
	name := uniqueName("lbload")
	w, r := boardUsers(name)
	srv := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{w, r}})

	// 20,000 posts over the last day, two hashtags each out of 5,000 with a Zipf distribution.
	writer := openStore(t, srv, w, name)
	rng := rand.New(rand.NewPCG(7, 11))
	zipf := rand.NewZipf(rng, 1.2, 1, 4999)
	now := time.Now()
	for b := range 200 {
		posts := make([]store.Post, 100)
		for i := range posts {
			n := b*100 + i
			posts[i] = store.Post{ID: strconv.Itoa(1_000_000 + n), CreatedAt: now.Add(-time.Duration(n) * 4 * time.Second),
				Hashtags: []string{fmt.Sprintf("tag%d", zipf.Uint64()), fmt.Sprintf("tag%d", zipf.Uint64())}}
		}
		if _, err := writer.Record(context.Background(), posts); err != nil {
			t.Fatal(err)
		}
	}

	var queries []string
	for _, win := range store.Windows {
		for _, limit := range []int{10, 25, 100} {
			queries = append(queries, fmt.Sprintf("/?window=%s&limit=%d", win, limit))
		}
	}
	prefix := []byte(`{"leaderboard":"` + name + `","view":"top","window":"`)

	for _, phase := range []struct {
		name string
		ttl  time.Duration
	}{{"cache", config.DefaultCacheTTL}, {"nocache", 0}} {
		t.Run(phase.name, func(t *testing.T) {
			h := newLeaderboard(t, openStore(t, srv, r, name), name, phase.ttl)
			ts := httptest.NewServer(funcurl.Handler(h.Handle, quiet))
			defer ts.Close()
			tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: time.Minute}
			admin := srv.Client()
			before, err := redisInfo(context.Background(), admin, "stats")
			if err != nil {
				t.Fatal(err)
			}

			var (
				failures atomic.Int64
				firstErr atomic.Value
				wg       sync.WaitGroup
			)
			lat := make([][]time.Duration, clients)
			fail := func(err error) {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			start := time.Now()
			stop := start.Add(duration)
			for c := range clients {
				wg.Go(func() {
					buf := make([]byte, 0, 16<<10)
					for n := c; time.Now().Before(stop); n++ {
						q := queries[n%len(queries)]
						t0 := time.Now()
						resp, err := client.Get(ts.URL + q)
						if err != nil {
							fail(err)
							continue
						}
						b := bytes.NewBuffer(buf[:0])
						_, err = io.Copy(b, resp.Body)
						resp.Body.Close()
						d := time.Since(t0)
						switch {
						case err != nil:
							fail(fmt.Errorf("%s: read body: %w", q, err))
						case resp.StatusCode != 200:
							fail(fmt.Errorf("%s: status %d: %s", q, resp.StatusCode, b.Bytes()))
						case !bytes.HasPrefix(b.Bytes(), prefix) || !bytes.HasSuffix(b.Bytes(), []byte("]}\n")):
							fail(fmt.Errorf("%s: unexpected body %q", q, b.Bytes()))
						default:
							lat[c] = append(lat[c], d)
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			after, err := redisInfo(context.Background(), admin, "stats")
			if err != nil {
				t.Fatal(err)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			cmds := atoi(after["total_commands_processed"]) - atoi(before["total_commands_processed"])
			report(t, map[string]any{
				"clients": clients, "duration_s": elapsed.Seconds(), "cache_ttl_s": phase.ttl.Seconds(),
				"requests": len(all), "errors": failures.Load(), "requests_per_s": float64(len(all)) / elapsed.Seconds(),
				"p50_ms": ms(percentile(all, 50)), "p99_ms": ms(percentile(all, 99)), "max_ms": ms(percentile(all, 100)),
				"redis_commands": cmds, "redis_commands_per_request": float64(cmds) / float64(max(len(all), 1)),
			})
			if n := failures.Load(); n > 0 {
				t.Errorf("%d failed requests; first: %v", n, firstErr.Load())
			}
			if len(all) == 0 {
				t.Error("no request succeeded")
			}
		})
	}
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// TestIngestLoad records INGEST_POSTS (default 100,000) synthetic posts through store.Record
// in batches of 100, as ingest does page by page, with two hashtags each (Zipf over 500)
// spread over the last 7 days, on its own redis-server. The counts of every window must match
// the ones computed here from the documented bucket sizes.
func TestIngestLoad(t *testing.T) {
	total := envInt(t, "INGEST_POSTS", 100_000)
	const batch = 100
	name := uniqueName("ingestload")
	w, _ := boardUsers(name)
	srv := redistest.MustStandalone(t, redistest.StandaloneOptions{Users: []redistest.User{w}})
	now := time.Now().Truncate(time.Second)
	s := openStore(t, srv, w, name, store.WithClock(func() time.Time { return now }))
	ctx := context.Background()

	// Window membership, from the package comment of store: a post created at c is in a
	// rolling window when its bucket floor(c/bucket) is at least floor((now-length)/bucket).
	windows := []struct {
		w              store.Window
		length, bucket int64
	}{{store.Hour, 3600, 300}, {store.Day, 86400, 3600}, {store.Week, 7 * 86400, 6 * 3600}}
	want := map[store.Window]tally{store.All: {}}
	for _, win := range windows {
		want[win.w] = tally{}
	}
	span := int64(7*86400 - 60)
	rng := rand.New(rand.NewPCG(3, 5))
	zipf := rand.NewZipf(rng, 1.1, 1, 499)
	postAt := func(i int) store.Post {
		c := now.Unix() - span + int64(i)*span/int64(total)
		a, b := fmt.Sprintf("tag%d", zipf.Uint64()), fmt.Sprintf("Tag%d", zipf.Uint64())
		return store.Post{ID: strconv.Itoa(10_000_000_000 + i), CreatedAt: time.Unix(c, 0), Hashtags: []string{a, b}}
	}

	admin := srv.Client()
	zBefore, err := cmdCalls(ctx, admin, "zincrby")
	if err != nil {
		t.Fatal(err)
	}
	peak := startHeapPeak()
	var recordTime time.Duration
	var first []store.Post
	for from := 0; from < total; from += batch {
		posts := make([]store.Post, 0, batch)
		for i := from; i < min(from+batch, total); i++ {
			p := postAt(i)
			posts = append(posts, p)
			tags := []string{p.Hashtags[0], "tag" + p.Hashtags[1][3:]} // canonical: lower case
			want[store.All].post(tags...)
			c := p.CreatedAt.Unix()
			for _, win := range windows {
				if c/win.bucket >= (now.Unix()-win.length)/win.bucket {
					want[win.w].post(tags...)
				}
			}
		}
		if first == nil {
			first = posts
		}
		t0 := time.Now()
		res, err := s.Record(ctx, posts)
		recordTime += time.Since(t0)
		if err != nil {
			t.Fatalf("batch at %d: %v", from, err)
		}
		if res.New != len(posts) || res.Skipped != 0 {
			t.Fatalf("batch at %d: %+v", from, res)
		}
	}
	heapBase, heapTop := peak.Stop()
	zAfter, err := cmdCalls(ctx, admin, "zincrby")
	if err != nil {
		t.Fatal(err)
	}
	// Replaying a batch changes nothing.
	if res, err := s.Record(ctx, first); err != nil || res.New != 0 || res.Duplicates != len(first) {
		t.Errorf("replayed first batch: %+v, %v; want all duplicates", res, err)
	}

	for win, wt := range want {
		if got := counts(t, s, win); !maps.Equal(got, wt) {
			t.Errorf("window %s: %d hashtags counted, want %d; first differences: %s", win, len(got), len(wt), diff(got, wt))
		}
	}
	mem, err := redisInfo(ctx, admin, "memory")
	if err != nil {
		t.Fatal(err)
	}
	seen, err := admin.ZCard(ctx, store.KeyPrefix(name)+"seen").Result()
	if err != nil {
		t.Fatal(err)
	}
	seenBytes, err := admin.MemoryUsage(ctx, store.KeyPrefix(name)+"seen", 0).Result()
	if err != nil {
		t.Fatal(err)
	}
	report(t, map[string]any{
		"posts": total, "batch": batch, "record_s": recordTime.Seconds(),
		"posts_per_s": float64(total) / recordTime.Seconds(), "batches_per_s": float64(total) / batch / recordTime.Seconds(),
		"zincrby_in_scripts": zAfter - zBefore, "zincrby_per_s": float64(zAfter-zBefore) / recordTime.Seconds(),
		"go_heap_before_mib": mib(heapBase), "go_heap_peak_mib": mib(heapTop),
		"redis_used_memory_mib": mib(uint64(atoi(mem["used_memory"]))), "redis_used_memory_peak_mib": mib(uint64(atoi(mem["used_memory_peak"]))),
		"redis_seen_ids": seen, "redis_seen_bytes_per_id": float64(seenBytes) / float64(max(seen, 1)), "hashtags_all": len(want[store.All]),
		"counts_week": len(want[store.Week]), "counts_day": len(want[store.Day]), "counts_hour": len(want[store.Hour]),
	})
}

// diff describes up to 5 differences between two tallies.
func diff(got, want tally) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			out = append(out, fmt.Sprintf("%s: got %d want %d", k, got[k], want[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: got %d want none", k, got[k]))
		}
	}
	return fmt.Sprint(out[:min(len(out), 5)])
}
