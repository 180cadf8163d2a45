package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// BenchmarkRecord records batches of 100 new posts with about 2 hashtags each (drawn from a
// long-tailed pool of 10,000) on the standalone redis-server, and reports posts/s, the Redis
// commands/s that means (from INFO commandstats, commands run inside the script included), and
// the ZINCRBY ceiling that redis-benchmark -P 100 measures on the same server in the same run.
func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	srv := env.Standalone
	rdb := benchClient(b, srv)
	s, err := store.New(rdb, "bench-record")
	if err != nil {
		b.Fatal(err)
	}
	const batch = 100
	now := time.Now()
	batches := make([][]store.Post, 64)
	id := 0
	for i := range batches {
		for j := range batch {
			id++
			tags := []string{fmt.Sprintf("tag%d", (id*7919)%10000/(1+j%7)), fmt.Sprintf("t%d", id%97)}
			if j%5 == 0 {
				tags = tags[:1]
			}
			batches[i] = append(batches[i], store.Post{CreatedAt: now.Add(-time.Duration(id) * time.Second), Hashtags: tags})
		}
	}
	before := commandCalls(b, srv.Client())
	b.ResetTimer()
	for i := range b.N {
		posts := batches[i%len(batches)]
		for j := range posts {
			posts[j].ID = strconv.Itoa(1_000_000 + i*batch + j) // always new
		}
		if _, err := s.Record(ctx, posts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	cmds := commandCalls(b, srv.Client()) - before
	postsPerSec := float64(b.N*batch) / secs
	b.ReportMetric(postsPerSec, "posts/s")
	b.ReportMetric(float64(cmds)/secs, "redis-cmds/s")
	ceiling := zincrbyCeiling(b)
	b.ReportMetric(ceiling, "zincrby-ceiling/s")
	b.ReportMetric(float64(cmds)/secs/ceiling, "cmds/ceiling")
}

// BenchmarkTop reads the top 10 of each window with 100,000 distinct hashtags in every set.
// Machine load drifts during a run, so each rolling-window sub-benchmark interleaves its read
// with an all-time read in every iteration and reports the medians of both (win-µs, all-µs)
// and their ratio (x-all): the target is at most 1.5.
func BenchmarkTop(b *testing.B) {
	ctx := context.Background()
	rdb := benchClient(b, env.Standalone)
	s, err := store.New(rdb, "bench-top")
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := rdb.ZCard(ctx, store.KeyPrefix("bench-top")+"all").Result(); n < 100_000 {
		now := time.Now()
		var posts []store.Post
		for i := range 50_000 {
			posts = append(posts, store.Post{
				ID:        strconv.Itoa(i + 1),
				CreatedAt: now.Add(-time.Duration(i%3000) * time.Second),
				Hashtags:  []string{fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)},
			})
			if len(posts) == store.MaxBatch {
				if _, err := s.Record(ctx, posts); err != nil {
					b.Fatal(err)
				}
				posts = posts[:0]
			}
		}
	}
	read := func(w store.Window) time.Duration {
		start := time.Now()
		if _, err := s.Top(ctx, w, 10); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	b.Run("all", func(b *testing.B) {
		for range b.N {
			read(store.All)
		}
	})
	for _, w := range store.Windows[1:] {
		b.Run(string(w), func(b *testing.B) {
			win := make([]time.Duration, 0, b.N)
			all := make([]time.Duration, 0, b.N)
			for range b.N {
				win = append(win, read(w))
				all = append(all, read(store.All))
			}
			mw, ma := median(win), median(all)
			b.ReportMetric(float64(mw.Nanoseconds())/1e3, "win-µs")
			b.ReportMetric(float64(ma.Nanoseconds())/1e3, "all-µs")
			b.ReportMetric(float64(mw)/float64(ma), "x-all")
		})
	}
}

// BenchmarkTopBehind measures the read of a 7d window whose upkeep is behind the clock (the
// ZUNION path, see store.Top): the window holds 58,000 hashtags spread over its 29 buckets
// (2,000 per bucket, like a week of a busy query), read as the leaderboard reads it (top 100).
// "1-bucket" is the window set minus the bucket that left it since the last upkeep (ingest
// runs, but a bucket edge passed since the last run); "stopped" is the sum of the 29 live
// buckets (ingest stopped for a week). Each iteration interleaves the read with the all-time
// top-100 read of the same board (58,000 hashtags) and reports the medians and their ratio.
// The leaderboard bounds how often this runs: once per window, cache period and instance.
func BenchmarkTopBehind(b *testing.B) {
	ctx := context.Background()
	rdb := benchClient(b, env.Standalone)
	const name, perBucket = "bench-behind", 2000
	s, err := store.New(rdb, name)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	const bucket = 6 * time.Hour
	if n, _ := rdb.ZCard(ctx, store.KeyPrefix(name)+"all").Result(); n < 29*perBucket {
		// Posts from the newest bucket back to the oldest one still in the window.
		edge := now.Truncate(bucket)
		var posts []store.Post
		for i := range 29 * perBucket / 2 {
			k := i / (perBucket / 2) // bucket: 0 is the newest
			at := edge.Add(-time.Duration(k) * bucket).Add(time.Duration(i%(perBucket/2)) * time.Second)
			if at.After(now) {
				at = now
			}
			posts = append(posts, store.Post{
				ID: strconv.Itoa(i + 1), CreatedAt: at,
				Hashtags: []string{fmt.Sprintf("b%dt%d", k, 2*i), fmt.Sprintf("b%dt%d", k, 2*i+1)},
			})
			if len(posts) == store.MaxBatch {
				if _, err := s.Record(ctx, posts); err != nil {
					b.Fatal(err)
				}
				posts = posts[:0]
			}
		}
		if len(posts) > 0 {
			if _, err := s.Record(ctx, posts); err != nil {
				b.Fatal(err)
			}
		}
	}
	lo := (now.Unix() - int64(7*24*time.Hour/time.Second)) / int64(bucket/time.Second)
	for _, tc := range []struct {
		name string
		kept int64 // the oldest bucket of the last upkeep, as Top would have read it
	}{{"1-bucket", lo - 1}, {"stopped", lo - 29}} {
		b.Run(tc.name, func(b *testing.B) {
			behind := make([]time.Duration, 0, b.N)
			all := make([]time.Duration, 0, b.N)
			calls0, usec0 := commandStat(b, env.Standalone.Client(), "zunion")
			for range b.N {
				start := time.Now()
				got, err := s.TopBehind(ctx, store.Week, tc.kept, 100)
				if err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				if _, err := s.Top(ctx, store.All, 100); err != nil {
					b.Fatal(err)
				}
				behind, all = append(behind, mid.Sub(start)), append(all, time.Since(mid))
				if len(got) != 100 {
					b.Fatalf("%d hashtags, want 100", len(got))
				}
			}
			calls, usec := commandStat(b, env.Standalone.Client(), "zunion")
			mb, ma := median(behind), median(all)
			b.ReportMetric(float64(mb.Nanoseconds())/1e3, "behind-µs")
			b.ReportMetric(float64(ma.Nanoseconds())/1e3, "all-µs")
			b.ReportMetric(float64(mb)/float64(ma), "x-all")
			// The part of it that blocks the shard: ZUNION's own time inside Redis.
			b.ReportMetric(float64(usec-usec0)/float64(calls-calls0), "redis-µs")
		})
	}
}

// commandStat is the calls and total microseconds of one command in INFO commandstats.
func commandStat(b *testing.B, rdb *redis.Client, cmd string) (calls, usec int64) {
	b.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^cmdstat_` + cmd + `:calls=(\d+),usec=(\d+),`).FindStringSubmatch(info)
	if m == nil {
		return 0, 0
	}
	calls, _ = strconv.ParseInt(m[1], 10, 64)
	usec, _ = strconv.ParseInt(m[2], 10, 64)
	return calls, usec
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func benchClient(b *testing.B, srv redistest.Server) redis.UniversalClient {
	b.Helper()
	u, _ := env.User("writer")
	c := srv.Config(u.Name, u.Password)
	rdb, err := store.NewClient(c.Store())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rdb.Close() })
	return rdb
}

// commandCalls is the total of calls in INFO commandstats, less the script calls themselves.
func commandCalls(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	re := regexp.MustCompile(`^cmdstat_([a-z_|]+):calls=(\d+)`)
	var total int64
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil || strings.HasPrefix(m[1], "eval") || m[1] == "info" {
			continue
		}
		n, _ := strconv.ParseInt(m[2], 10, 64)
		total += n
	}
	return total
}

var ceilingOnce struct {
	sync.Once
	v   float64
	err error
}

// zincrbyCeiling runs redis-benchmark -P 100 with ZINCRBY against the standalone server.
func zincrbyCeiling(b *testing.B) float64 {
	ceilingOnce.Do(func() {
		srv := env.Standalone
		host, port, _ := strings.Cut(srv.Addr, ":")
		out, err := exec.Command("redis-benchmark", "-h", host, "-p", port, "--user", srv.AdminUser, "-a", srv.AdminPassword,
			"-P", "100", "-n", "1000000", "-r", "10000", "-q", "ZINCRBY", "bench-ceiling", "1", "__rand_int__").CombinedOutput()
		if err != nil {
			ceilingOnce.err = fmt.Errorf("redis-benchmark: %v: %s", err, out)
			return
		}
		m := regexp.MustCompile(`([0-9.]+) requests per second`).FindAllSubmatch(out, -1)
		if m == nil {
			ceilingOnce.err = fmt.Errorf("redis-benchmark printed no rate: %s", out)
			return
		}
		ceilingOnce.v, ceilingOnce.err = strconv.ParseFloat(string(m[len(m)-1][1]), 64)
	})
	if ceilingOnce.err != nil {
		b.Fatal(ceilingOnce.err)
	}
	return ceilingOnce.v
}
