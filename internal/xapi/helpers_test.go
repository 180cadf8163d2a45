package xapi

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

const testToken = "test-bearer-token-5f0c1d"

// t0 is the stand-in's clock origin in tests.
var t0 = time.Date(2026, 11, 24, 18, 30, 0, 0, time.UTC)

// compareIDs is postid.Compare for ids a test expects to be valid.
func compareIDs(t testing.TB, a, b string) int {
	t.Helper()
	c, err := postid.Compare(a, b)
	if err != nil {
		t.Fatalf("compare ids %q and %q: %v", a, b, err)
	}
	return c
}

// fakeTime is an injected clock whose Sleep advances Now and records waits.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeTime) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// standIn starts an xapitest server at clock t0 over tweets.
func standIn(t *testing.T, tweets []xapitest.Tweet, mod func(*xapitest.Options)) (*xapitest.Server, *xapitest.Clock) {
	t.Helper()
	clock := xapitest.NewClock(t0)
	opts := xapitest.Options{BearerToken: testToken, Now: clock.Now, APIKey: "key", APISecret: "secret"}
	if mod != nil {
		mod(&opts)
	}
	srv, err := xapitest.New(tweets, opts)
	if err != nil {
		t.Fatalf("xapitest.New: %v", err)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, clock
}

// newSource builds a Source against srv with a fake clock (no real sleeps).
func newSource(t *testing.T, srv *xapitest.Server, mod func(*Config)) (*Source, *fakeTime) {
	t.Helper()
	ft := &fakeTime{now: time.Now()}
	cfg := Config{
		BaseURL:     srv.URL(),
		BearerToken: testToken,
		HTTPClient:  srv.Client(),
		Query:       "#golang",
		now:         ft.Now,
		sleep:       ft.Sleep,
		Logger:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, ft
}

// golangPosts returns n posts tagged #golang, one a minute back from t0.
func golangPosts(n int) []xapitest.Tweet {
	out := make([]xapitest.Tweet, n)
	for i := range out {
		out[i] = xapitest.Tweet{
			CreatedAt: t0.Add(-time.Duration(i+1) * time.Minute),
			Text:      "post about #golang and #aws number " + strconv.Itoa(i),
		}
	}
	return out
}
