package leaderboard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// fakeBoard is an in-memory Board for the pure HTTP tests: it counts calls, can fail, and can
// block until released or until the call's context ends.
type fakeBoard struct {
	mu      sync.Mutex
	data    map[store.Window][]store.Entry
	trends  map[store.Window][]store.Trend
	err     error
	block   chan struct{} // when non-nil, Top waits for it to close (or for ctx)
	entered chan struct{} // when non-nil, Top sends on it when it starts
	asked   func(n int)   // when non-nil, called with every n asked for
	calls   atomic.Int64

	hist       map[store.Window]map[string][]int64 // History's counts per bucket; absent: zeros
	histCalls  atomic.Int64
	countCalls atomic.Int64
}

func newFakeBoard(data map[store.Window][]store.Entry) *fakeBoard {
	return &fakeBoard{data: data, trends: map[store.Window][]store.Trend{}}
}

func (b *fakeBoard) Top(ctx context.Context, w store.Window, n int) ([]store.Entry, error) {
	return fakeRead(ctx, b, n, func() []store.Entry { return b.data[w] })
}

func (b *fakeBoard) Trending(ctx context.Context, w store.Window, n int) ([]store.Trend, error) {
	return fakeRead(ctx, b, n, func() []store.Trend { return b.trends[w] })
}

// fakeRead is one call to b: counted, reported, blocked and failed as b says, answering the
// first n of rows().
func fakeRead[T any](ctx context.Context, b *fakeBoard, n int, rows func() []T) ([]T, error) {
	b.calls.Add(1)
	if b.asked != nil {
		b.asked(n)
	}
	b.mu.Lock()
	out := append([]T(nil), rows()...)
	b.mu.Unlock()
	if err := b.enter(ctx); err != nil {
		return nil, err
	}
	return out[:min(n, len(out))], nil
}

// enter is how a call starts: it says so on entered, waits for block (or for ctx), and
// returns the error the board was told to fail with.
func (b *fakeBoard) enter(ctx context.Context) error {
	b.mu.Lock()
	block, entered, err := b.block, b.entered, b.err
	b.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// fakeBuckets is the number and size of a rolling window's buckets (store's package comment).
var fakeBuckets = map[store.Window]struct {
	n    int
	size time.Duration
}{store.Hour: {13, 5 * time.Minute}, store.Day: {25, time.Hour}, store.Week: {29, 6 * time.Hour}}

// History answers like store.History for the counts in b.hist, the newest bucket the one of
// t0; it blocks and fails like Top.
func (b *fakeBoard) History(ctx context.Context, w store.Window, tags []string) ([]store.Series, error) {
	b.histCalls.Add(1)
	b.mu.Lock()
	counts := b.hist[w]
	b.mu.Unlock()
	if err := b.enter(ctx); err != nil {
		return nil, err
	}
	spec, ok := fakeBuckets[w]
	if !ok {
		return nil, errors.New("fake history: not a rolling window: " + string(w))
	}
	newest := t0.Truncate(spec.size)
	out := make([]store.Series, len(tags))
	for i, tag := range tags {
		out[i] = store.Series{Hashtag: tag, Points: make([]store.Point, spec.n)}
		for j := range spec.n {
			out[i].Points[j].Start = newest.Add(-time.Duration(spec.n-1-j) * spec.size)
			if c := counts[tag]; j < len(c) {
				out[i].Points[j].Count = c[j]
			}
		}
	}
	return out, nil
}

// Counts answers like store.Counts for the counts in b.hist (their sum; 0 for a tag without
// any); it blocks and fails like Top.
func (b *fakeBoard) Counts(ctx context.Context, w store.Window, tags []string) ([]int64, error) {
	b.countCalls.Add(1)
	b.mu.Lock()
	counts := b.hist[w]
	b.mu.Unlock()
	if err := b.enter(ctx); err != nil {
		return nil, err
	}
	out := make([]int64, len(tags))
	for i, tag := range tags {
		for _, c := range counts[tag] {
			out[i] += c
		}
	}
	return out, nil
}

func (b *fakeBoard) setHistory(w store.Window, tag string, counts []int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hist == nil {
		b.hist = map[store.Window]map[string][]int64{}
	}
	if b.hist[w] == nil {
		b.hist[w] = map[string][]int64{}
	}
	b.hist[w][tag] = counts
}

func (b *fakeBoard) set(w store.Window, entries []store.Entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data[w] = entries
}

func (b *fakeBoard) setTrends(w store.Window, trends []store.Trend) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trends[w] = trends
}

func (b *fakeBoard) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// event builds a request the way a Function URL sends it.
func event(method, rawQuery string, headers map[string]string) events.LambdaFunctionURLRequest {
	h := map[string]string{"host": "abc.lambda-url.eu-west-1.on.aws"}
	for k, v := range headers {
		h[k] = v
	}
	return events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        "/",
		RawQueryString: rawQuery,
		Headers:        h,
		RequestContext: events.LambdaFunctionURLRequestContext{
			RequestID: "req-1",
			HTTP:      events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: "/", Protocol: "HTTP/1.1"},
		},
	}
}

var errBoom = errors.New("dial tcp 10.0.0.7:6379: connect: connection refused (internal detail)")
