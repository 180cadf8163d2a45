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
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/boarddata"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// BenchmarkRecord records batches of 100 new posts with about 2 hashtags each (drawn from a
// long-tailed pool of 10,000), on the standalone redis-server, on four boards in every
// iteration, so their ratios are measured under the same load: with author tracking (the
// trending views), by authors drawn from 50,000 (the same 64 batches go round, so an author
// has mostly used the hashtag in that hour before); with author tracking, every post by a new
// author (every author-hashtag pair is new: the costliest case); without author tracking
// (WithoutTrending); and as the first without counting the posts read for the estimates
// (WithoutCoverage). Every 10 batches are one ingest run: an upkeep before them and one after
// them, which settles the trending views, as ingest does.
//
// It reports the posts/s of each (posts/s, new-authors-posts/s, plain-posts/s, nocov-posts/s)
// from the median run's time (its upkeeps included), the ratio of the first to the third
// (x-plain), what recording with estimates costs against recording without them (x-nocov: the
// first's time over the fourth's), the Redis
// commands/s of the whole loop (from INFO commandstats, commands run inside the script
// included), and the ZINCRBY ceiling that redis-benchmark -P 100 measures on the same server in
// the same run.
func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	srv := env.Standalone
	rdb := benchClient(b, srv)
	var boards [4]*store.Store // tracked, every author new, plain, tracked without coverage
	for i, name := range []string{"bench-record", "bench-record-new", "bench-record-plain", "bench-record-nocov"} {
		var opts []store.Option
		if i == 2 {
			opts = append(opts, store.WithoutTrending())
		}
		if i == 3 {
			opts = append(opts, store.WithoutCoverage())
		}
		s, err := store.New(rdb, name, opts...)
		if err != nil {
			b.Fatal(err)
		}
		boards[i] = s
	}
	const batch, run = 100, 10
	now := time.Now()
	batches := make([][]store.Post, recordBatches)
	for i := range batches {
		for j := range batch {
			batches[i] = append(batches[i], recordBenchPost(i*batch+j+1, now))
		}
	}
	fresh := make([]store.Post, batch)
	var posts []store.Post
	next := 0
	recordOn := func(s *store.Store, posts func() []store.Post) func() {
		return func() {
			if next%run == 0 {
				if err := s.Upkeep(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if res, err := s.Record(ctx, posts()); err != nil || res.New != batch {
				b.Fatalf("record: %+v, %v; want %d new posts", res, err, batch)
			}
			if next%run == run-1 {
				if err := s.Upkeep(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	tracked := recordOn(boards[0], func() []store.Post {
		posts = batches[next%len(batches)]
		for j := range posts {
			// Always new, also in the benchmark's later runs on the same boards.
			posts[j].ID = strconv.FormatInt(recordIDs.Add(1), 10)
		}
		return posts
	})
	newAuthors := recordOn(boards[1], func() []store.Post {
		for j, p := range posts {
			p.ID = strconv.FormatInt(recordIDs.Add(1), 10)
			p.AuthorID = p.ID // a valid X id no post used before
			fresh[j] = p
		}
		return fresh
	})
	plain := recordOn(boards[2], func() []store.Post { return posts })
	uncounted := make([]store.Post, batch)
	noCoverage := recordOn(boards[3], func() []store.Post {
		for j, p := range posts {
			p.ID = strconv.FormatInt(recordIDs.Add(1), 10)
			uncounted[j] = p
		}
		return uncounted
	})
	before := commandCalls(b, srv.Client())
	b.ResetTimer()
	times := make([][]time.Duration, 4)
	for range b.N {
		for i, f := range []func(){tracked, newAuthors, plain, noCoverage} {
			start := time.Now()
			f()
			times[i] = append(times[i], time.Since(start))
		}
		next++
	}
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	cmds := commandCalls(b, srv.Client()) - before
	rate := make([]float64, 4)
	for i, t := range times {
		rate[i] = batch / medianRun(t, run).Seconds()
	}
	b.ReportMetric(rate[0], "posts/s")
	b.ReportMetric(rate[1], "new-authors-posts/s")
	b.ReportMetric(rate[2], "plain-posts/s")
	b.ReportMetric(rate[2]/rate[0], "x-plain")
	b.ReportMetric(rate[3], "nocov-posts/s")
	b.ReportMetric(rate[3]/rate[0], "x-nocov")
	b.ReportMetric(float64(cmds)/secs, "redis-cmds/s")
	ceiling := zincrbyCeiling(b)
	b.ReportMetric(ceiling, "zincrby-ceiling/s")
	b.ReportMetric(float64(cmds)/secs/ceiling, "cmds/ceiling")
}

// medianRun is the median time of one batch over the whole runs of n batches in t (a run's
// time over n, so its upkeeps are shared by its batches), or the median batch when t is
// shorter than a run.
func medianRun(t []time.Duration, n int) time.Duration {
	var runs []time.Duration
	for i := 0; i+n <= len(t); i += n {
		var sum time.Duration
		for _, d := range t[i : i+n] {
			sum += d
		}
		runs = append(runs, sum/time.Duration(n))
	}
	if len(runs) == 0 {
		return median(slices.Clone(t))
	}
	return median(runs)
}

// recordBatches is how many different batches of 100 BenchmarkRecord records in turn.
const recordBatches = 64

// recordBenchPost is the post in place slot (1 to recordBatches*100) of BenchmarkRecord's
// batches, without an id: one or two hashtags (the first from a long-tailed pool of 10,000,
// the second from 97), an author from 50,000, created slot seconds before now.
func recordBenchPost(slot int, now time.Time) store.Post {
	j := (slot - 1) % 100 // its place in its batch
	tags := []string{fmt.Sprintf("tag%d", (slot*7919)%10000/(1+j%7)), fmt.Sprintf("t%d", slot%97)}
	if j%5 == 0 {
		tags = tags[:1]
	}
	return store.Post{CreatedAt: now.Add(-time.Duration(slot) * time.Second), AuthorID: strconv.Itoa(1 + (slot*40503)%50000), Hashtags: tags}
}

// recordIDs numbers BenchmarkRecord's posts.
var recordIDs atomic.Int64

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
		}
		recordInBatches(b, ctx, s, posts)
	}
	read := func(w store.Window) func() {
		return func() {
			if _, err := s.Top(ctx, w, 10); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("all", func(b *testing.B) {
		for range b.N {
			read(store.All)()
		}
	})
	for _, w := range store.Windows[1:] {
		b.Run(string(w), func(b *testing.B) {
			mw, ma := interleaved(b, read(w), read(store.All))
			reportAgainstAll(b, mw, ma, "win-µs")
		})
	}
}

// interleaved runs first, then second, in each of b.N iterations and returns the median time
// of each: both run under the same machine load, so their ratio holds while the load drifts.
func interleaved(b *testing.B, first, second func()) (time.Duration, time.Duration) {
	t1 := make([]time.Duration, 0, b.N)
	t2 := make([]time.Duration, 0, b.N)
	for range b.N {
		start := time.Now()
		first()
		mid := time.Now()
		second()
		t1, t2 = append(t1, mid.Sub(start)), append(t2, time.Since(mid))
	}
	return median(t1), median(t2)
}

// reportAgainstAll reports the median m in µs as unit, the all-time read's median all in µs,
// and their ratio (x-all).
func reportAgainstAll(b *testing.B, m, all time.Duration, unit string) {
	b.ReportMetric(float64(m.Nanoseconds())/1e3, unit)
	b.ReportMetric(float64(all.Nanoseconds())/1e3, "all-µs")
	b.ReportMetric(float64(m)/float64(all), "x-all")
}

// BenchmarkTrending reads the trending view (the best 100, as the leaderboard reads it) of a
// board with 100,000 hashtags in every window, 100,000 of them used in the last hour by one
// author each and 150 by 5 to 24 authors, interleaved in every iteration with the all-time
// top-100 read of the same board, and reports the medians of both (trend-µs, all-µs) and
// their ratio (x-all): the target is at most 1.5.
func BenchmarkTrending(b *testing.B) {
	ctx := context.Background()
	rdb := benchClient(b, env.Standalone)
	const name = "bench-trending"
	s, err := store.New(rdb, name)
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := rdb.ZCard(ctx, store.KeyPrefix(name)+"all").Result(); n < 100_000 {
		now := time.Now()
		var posts []store.Post
		flush := func() {
			if _, err := s.Record(ctx, posts); err != nil {
				b.Fatal(err)
			}
			posts = posts[:0]
		}
		id := 0
		add := func(p store.Post) {
			id++
			p.ID = strconv.Itoa(id)
			posts = append(posts, p)
			if len(posts) == store.MaxBatch {
				flush()
			}
		}
		for i := range 50_000 {
			add(store.Post{CreatedAt: now.Add(-time.Duration(i%3000) * time.Second), AuthorID: strconv.Itoa(i + 1),
				Hashtags: []string{fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)}})
		}
		for k := range 150 {
			for a := range 5 + k%20 {
				add(store.Post{CreatedAt: now.Add(-time.Duration(a) * time.Minute), AuthorID: strconv.Itoa(100_000 + a), Hashtags: []string{fmt.Sprintf("rising%d", k)}})
			}
		}
		if len(posts) > 0 {
			flush()
		}
	}
	if err := s.Upkeep(ctx); err != nil { // as ingest ends a run: it settles the views
		b.Fatal(err)
	}
	for _, w := range store.TrendingWindows {
		b.Run(string(w), func(b *testing.B) {
			mt, ma := interleaved(b, func() {
				got, err := s.Trending(ctx, w, store.TrendingSize)
				if err != nil || len(got) != store.TrendingSize {
					b.Fatalf("trending %s: %d hashtags, %v; want %d", w, len(got), err, store.TrendingSize)
				}
			}, func() {
				if _, err := s.Top(ctx, store.All, store.TrendingSize); err != nil {
					b.Fatal(err)
				}
			})
			reportAgainstAll(b, mt, ma, "trend-µs")
		})
	}
}

// BenchmarkTrendingMemory records an hour of a busy board (20,000 posts with about 2 hashtags
// each from a long-tailed pool of 10,000, by 8,000 authors, so authors repeat) and reports,
// from MEMORY USAGE, what author tracking keeps per post: in the hour's pair set (kept while a
// post of the hour can still be recorded: 7 days and an hour), and in the pairs of the 1h and
// 24h windows (kept while the post is in the window); and, for comparison, the seen-id record
// per post (kept 7 days and an hour). One run records once: b.N does not change the figures.
func BenchmarkTrendingMemory(b *testing.B) {
	ctx := context.Background()
	rdb := benchClient(b, env.Standalone)
	admin := env.Standalone.Client()
	for i := range b.N {
		name := fmt.Sprintf("bench-memory-%d-%d", i, time.Now().UnixNano())
		s, err := store.New(rdb, name)
		if err != nil {
			b.Fatal(err)
		}
		const posts = 20_000
		hour := time.Now().Truncate(time.Hour)
		if time.Since(hour) < 10*time.Minute {
			hour = hour.Add(-time.Hour) // a whole hour, inside both windows
		}
		var batch []store.Post
		for k := range posts {
			tags := []string{fmt.Sprintf("tag%d", (k*7919)%10000/(1+k%7)), fmt.Sprintf("t%d", k%97)}
			if k%5 == 0 {
				tags = tags[:1]
			}
			batch = append(batch, store.Post{ID: strconv.Itoa(1_000_000_000 + k), CreatedAt: hour.Add(time.Duration(k) * time.Hour / posts),
				AuthorID: strconv.Itoa(1 + (k*40503)%8000), Hashtags: tags})
			if len(batch) == store.MaxBatch {
				if _, err := s.Record(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		prefix := store.KeyPrefix(name)
		usage := func(key string) float64 {
			n, err := admin.MemoryUsage(ctx, prefix+key, 0).Result()
			if err != nil {
				b.Fatalf("MEMORY USAGE %s: %v", key, err)
			}
			return float64(n) / posts
		}
		b.ReportMetric(usage(fmt.Sprintf("t:p:%d", hour.Unix()/3600)), "pairset-B/post")
		b.ReportMetric(usage("t:w:1h"), "pairs1h-B/post")
		b.ReportMetric(usage("t:w:24h"), "pairs24h-B/post")
		b.ReportMetric(usage("seen"), "seen-B/post")
		if err := admin.Del(ctx, prefix+"seen").Err(); err != nil { // the rest expires
			b.Fatal(err)
		}
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
		}
		recordInBatches(b, ctx, s, posts)
	}
	lo := (now.Unix() - int64(7*24*time.Hour/time.Second)) / int64(bucket/time.Second)
	for _, tc := range []struct {
		name string
		kept int64 // the oldest bucket of the last upkeep, as Top would have read it
	}{{"1-bucket", lo - 1}, {"stopped", lo - 29}} {
		b.Run(tc.name, func(b *testing.B) {
			calls0, usec0 := commandStat(b, env.Standalone.Client(), "zunion")
			mb, ma := interleaved(b, func() {
				got, err := s.TopBehind(ctx, store.Week, tc.kept, 100)
				if err != nil || len(got) != 100 {
					b.Fatalf("%d hashtags, %v; want 100", len(got), err)
				}
			}, func() {
				if _, err := s.Top(ctx, store.All, 100); err != nil {
					b.Fatal(err)
				}
			})
			calls, usec := commandStat(b, env.Standalone.Client(), "zunion")
			reportAgainstAll(b, mb, ma, "behind-µs")
			// The part of it that blocks the shard: ZUNION's own time inside Redis.
			b.ReportMetric(float64(usec-usec0)/float64(calls-calls0), "redis-µs")
		})
	}
}

// BenchmarkHistory reads the 24h history of 25 hashtags (25 hourly buckets each, as the
// dashboard asks for the rows it shows) from a busy day (boarddata.BusyDay: 25,000 hashtags
// spread over the window's 25 buckets, the 25 shown ones in every bucket), interleaved in every
// iteration with the top-10 read of the same window, and reports the medians (hist-µs,
// top-µs), their ratio (x-top: the target is at most 3) and the time Redis itself spends on
// one history read (redis-µs: its ZMSCORE commands, from INFO commandstats).
func BenchmarkHistory(b *testing.B) {
	ctx := context.Background()
	rdb := benchClient(b, env.Standalone)
	const name, buckets = "bench-history", boarddata.DayBuckets
	s, err := store.New(rdb, name)
	if err != nil {
		b.Fatal(err)
	}
	tags := boarddata.Shown()
	if n, _ := rdb.ZCard(ctx, store.KeyPrefix(name)+"w:24h").Result(); n < buckets*boarddata.PostsPerBucket {
		posts := boarddata.BusyDay(time.Now(), 1)
		for len(posts) > 0 {
			n := min(len(posts), store.MaxBatch)
			if _, err := s.Record(ctx, posts[:n]); err != nil {
				b.Fatal(err)
			}
			posts = posts[n:]
		}
	}
	if top, err := s.Top(ctx, store.Day, 10); err != nil || len(top) != 10 || top[0].Hashtag != tags[0] {
		b.Fatalf("top 10 of 24h: %v, %v; want %s first", top, err, tags[0])
	}
	hist := make([]time.Duration, 0, b.N)
	top := make([]time.Duration, 0, b.N)
	calls0, usec0 := commandStat(b, env.Standalone.Client(), "zmscore")
	for b.Loop() {
		start := time.Now()
		series, err := s.History(ctx, store.Day, tags)
		if err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := s.Top(ctx, store.Day, 10); err != nil {
			b.Fatal(err)
		}
		hist, top = append(hist, mid.Sub(start)), append(top, time.Since(mid))
		if len(series) != len(tags) || len(series[0].Points) != buckets {
			b.Fatalf("%d series of %d points, want %d of %d", len(series), len(series[0].Points), len(tags), buckets)
		}
	}
	calls, usec := commandStat(b, env.Standalone.Client(), "zmscore")
	mh, mt := median(hist), median(top)
	// The time Redis itself spends on one history read: its ZMSCORE commands.
	b.ReportMetric(float64(usec-usec0)/float64(calls-calls0)*buckets, "redis-µs")
	b.ReportMetric(float64(mh.Nanoseconds())/1e3, "hist-µs")
	b.ReportMetric(float64(mt.Nanoseconds())/1e3, "top-µs")
	b.ReportMetric(float64(mh)/float64(mt), "x-top")
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

// recordInBatches records posts in batches of store.MaxBatch, as ingest sends them.
func recordInBatches(b *testing.B, ctx context.Context, s *store.Store, posts []store.Post) {
	b.Helper()
	for len(posts) > 0 {
		n := min(len(posts), store.MaxBatch)
		if _, err := s.Record(ctx, posts[:n]); err != nil {
			b.Fatal(err)
		}
		posts = posts[n:]
	}
}
