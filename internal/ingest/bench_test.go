package ingest_test

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// BenchmarkBoards compares one ingest run over 5 boards with 5 runs of one board each, on the
// same posts (5 queries of 300 posts, 3 pages each), against the standalone redis-server and
// the X API stand-in. Every iteration ingests both ways onto fresh boards, alternating which
// goes first, and measures the Redis time of each: the time the runs spent waiting for Redis
// (a client hook around every command and pipeline) and the CPU time of Redis's main thread
// meanwhile (INFO cpu: serving their commands, scripts and connections). It reports the
// medians: boards-redis-µs and singles-redis-µs, boards-server-µs and singles-server-µs, and
// the ratios x-singles (the target is at most 1.2) and server-x-singles. An iteration takes a
// few hundred milliseconds, so it runs at least minRounds of them whatever b.N is: the medians
// need them on a machine whose load drifts.
func BenchmarkBoards(b *testing.B) {
	const boards, perBoard = 5, 350 // 300 served: a seventh are retweets
	const minRounds = 16
	srv := env.Standalone
	d := newBenchDeployment(b, srv)
	var topics []string
	for i := range boards {
		topics = append(topics, fmt.Sprintf("topic%d", i))
		d.add(b, topics[i], "", perBoard)
	}
	timer := &redisTimer{}
	rdb := timedWriter(b, srv, timer)
	quota := store.NewQuota(rdb, nil)
	ctx := context.Background()

	// fresh returns new boards for the topics, on the one timed client.
	seq := 0
	fresh := func() []ingest.Feed {
		feeds := make([]ingest.Feed, len(topics))
		for i, topic := range topics {
			seq++
			s, err := store.New(rdb, fmt.Sprintf("bench%d", seq))
			if err != nil {
				b.Fatal(err)
			}
			query := "#" + topic + " -is:retweet"
			src, err := xapi.New(xapi.Config{BaseURL: d.x.URL(), BearerToken: token, Query: query, Retry: fastRetries, Logger: quiet, Now: d.clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			feeds[i] = ingest.Feed{Name: fmt.Sprintf("bench%d", seq), Query: query, Source: src, Board: s}
		}
		return feeds
	}
	// measure runs each handler once and returns the Redis time they took, seen from the
	// client and inside the server, and the posts they recorded.
	measure := func(hs []*ingest.Handler) (client, server time.Duration, posts int) {
		cpu0 := serverCPU(b, srv.Client())
		timer.reset()
		for _, h := range hs {
			res, err := h.Handle(ctx, scheduled)
			if err != nil || !res.Complete {
				b.Fatalf("run: %+v, %v", res, err)
			}
			posts += res.PostsNew
		}
		return timer.total(), serverCPU(b, srv.Client()) - cpu0, posts
	}
	newHandler := func(feeds []ingest.Feed) *ingest.Handler {
		h, err := ingest.New(feeds, quota, ingest.Config{MaxPages: 4 * boards, SkipSensitive: true, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return h
	}

	var boardsClient, singlesClient, boardsServer, singlesServer []time.Duration
	for i := range max(b.N, minRounds) {
		together := []*ingest.Handler{newHandler(fresh())}
		var apart []*ingest.Handler
		for _, f := range fresh() {
			apart = append(apart, newHandler([]ingest.Feed{f}))
		}
		var c1, s1, c5, s5 time.Duration
		var p1, p5 int
		if i%2 == 0 {
			c1, s1, p1 = measure(together)
			c5, s5, p5 = measure(apart)
		} else {
			c5, s5, p5 = measure(apart)
			c1, s1, p1 = measure(together)
		}
		if p1 != p5 || p1 != boards*300 {
			b.Fatalf("recorded %d posts in one run and %d in five, want %d each", p1, p5, boards*300)
		}
		boardsClient, singlesClient = append(boardsClient, c1), append(singlesClient, c5)
		boardsServer, singlesServer = append(boardsServer, s1), append(singlesServer, s5)
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	bc, sc, bs, ss := medianOf(boardsClient), medianOf(singlesClient), medianOf(boardsServer), medianOf(singlesServer)
	b.ReportMetric(us(bc), "boards-redis-µs")
	b.ReportMetric(us(sc), "singles-redis-µs")
	b.ReportMetric(float64(bc)/float64(sc), "x-singles")
	b.ReportMetric(us(bs), "boards-server-µs")
	b.ReportMetric(us(ss), "singles-server-µs")
	b.ReportMetric(float64(bs)/float64(ss), "server-x-singles")
}

// newBenchDeployment is newDeployment for a benchmark: the stand-in on the wall clock, with no
// rate limit to speak of.
func newBenchDeployment(b *testing.B, srv redistest.Server) *deployment {
	b.Helper()
	clock := xapitest.NewClock(time.Now())
	x, err := xapitest.New(nil, xapitest.Options{BearerToken: token, Now: clock.Now, RateLimit: math.MaxInt32})
	if err != nil {
		b.Fatal(err)
	}
	x.Start()
	b.Cleanup(x.Close)
	return &deployment{srv: srv, x: x, clock: clock}
}

// timedWriter is a client connected as a writer of every board ("*") that adds the time of
// each command and pipeline to timer.
func timedWriter(b *testing.B, srv redistest.Server, timer *redisTimer) redis.UniversalClient {
	b.Helper()
	rdb := userClient(b, srv, redistest.User{Name: "bench-writer", Password: "bench-writer-0123456789", Access: store.WriterAccess("*")})
	rdb.AddHook(timer)
	return rdb
}

// redisTimer is a go-redis hook that sums the time spent in commands and pipelines.
type redisTimer struct {
	mu  sync.Mutex
	sum time.Duration
}

func (r *redisTimer) add(d time.Duration) {
	r.mu.Lock()
	r.sum += d
	r.mu.Unlock()
}

func (r *redisTimer) reset() { r.mu.Lock(); r.sum = 0; r.mu.Unlock() }

func (r *redisTimer) total() time.Duration { r.mu.Lock(); defer r.mu.Unlock(); return r.sum }

func (r *redisTimer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *redisTimer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		r.add(time.Since(start))
		return err
	}
}

func (r *redisTimer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		r.add(time.Since(start))
		return err
	}
}

var cpuRE = regexp.MustCompile(`(?m)^used_cpu_(?:sys|user)_main_thread:([0-9.]+)`)

// serverCPU is the CPU time Redis's main thread has used so far (INFO cpu).
func serverCPU(b *testing.B, admin *redis.Client) time.Duration {
	b.Helper()
	info, err := admin.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var sum time.Duration
	ms := cpuRE.FindAllStringSubmatch(info, -1)
	if len(ms) != 2 {
		b.Fatalf("INFO cpu has no main-thread times:\n%s", info)
	}
	for _, m := range ms {
		secs, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			b.Fatal(err)
		}
		sum += time.Duration(secs * float64(time.Second))
	}
	return sum
}

func medianOf(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
