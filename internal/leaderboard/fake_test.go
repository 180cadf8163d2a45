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
	err     error
	block   chan struct{} // when non-nil, Top waits for it to close (or for ctx)
	entered chan struct{} // when non-nil, Top sends on it when it starts
	asked   func(n int)   // when non-nil, called with every n asked for
	calls   atomic.Int64
}

func newFakeBoard(data map[store.Window][]store.Entry) *fakeBoard {
	return &fakeBoard{data: data}
}

func (b *fakeBoard) Top(ctx context.Context, w store.Window, n int) ([]store.Entry, error) {
	b.calls.Add(1)
	if b.asked != nil {
		b.asked(n)
	}
	b.mu.Lock()
	block, entered, err := b.block, b.entered, b.err
	entries := append([]store.Entry(nil), b.data[w]...)
	b.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	if len(entries) > n {
		entries = entries[:n]
	}
	return entries, nil
}

func (b *fakeBoard) set(w store.Window, entries []store.Entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data[w] = entries
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
