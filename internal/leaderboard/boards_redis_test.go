package leaderboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// storeOf is the store of board on client rdb.
func storeOf(tb testing.TB, rdb redis.UniversalClient, board string) *store.Store {
	tb.Helper()
	s, err := store.New(rdb, board)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// boardsHandler serves boards from the reader client rdb, the first being the default.
func boardsHandler(t testing.TB, rdb redis.UniversalClient, boards ...string) *leaderboard.Handler {
	t.Helper()
	named := make([]leaderboard.Named, len(boards))
	for i, b := range boards {
		named[i] = leaderboard.Named{Name: b, Query: "#" + b, Board: storeOf(t, rdb, b)}
	}
	h, err := leaderboard.New(named, leaderboard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// seedBoard records posts as the writer client rdb on board: the same post ids on every board
// (exactly-once is per board), with hashtags named after the board.
func seedBoard(t testing.TB, rdb redis.UniversalClient, board string, n int) {
	t.Helper()
	var posts []store.Post
	for i := range n {
		tags := []string{board + "_all"}
		if i%2 == 0 {
			tags = append(tags, board+"_even")
		}
		posts = append(posts, store.Post{ID: fmt.Sprint(5000 + i), CreatedAt: time.Now().Add(-time.Duration(i) * time.Minute), Hashtags: tags})
	}
	s := storeOf(t, rdb, board)
	res, err := s.Record(testCtx(t), posts)
	if err != nil || res.New != n {
		t.Fatalf("seed %s: %+v, %v", board, res, err)
	}
	if err := s.Upkeep(testCtx(t)); err != nil {
		t.Fatalf("seed %s: upkeep: %v", board, err)
	}
}

// flushed empties srv for a test and returns the test's context.
func flushed(t *testing.T, srv redistest.Server) context.Context {
	t.Helper()
	ctx := testCtx(t)
	if err := srv.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// top is the board's answer for window w, as "hashtag=count" pairs.
func top(t testing.TB, h *leaderboard.Handler, board string, w store.Window) string {
	t.Helper()
	b := parse(t, call(t, h, get("GET", "board="+board+"&window="+string(w)+"&limit=100", nil)))
	if b.Leaderboard != board {
		t.Fatalf("board=%s answered for %q", board, b.Leaderboard)
	}
	var pairs []string
	for _, e := range b.Hashtags {
		pairs = append(pairs, fmt.Sprintf("%s=%d", e.Hashtag, e.Count))
	}
	return strings.Join(pairs, " ")
}

// TestBoardsOnRedis serves the deployment's two boards from the real store as the read-only
// user, on the standalone server and on the TLS + ACL cluster: each board's answer holds its
// own counts exactly, and the reader reaches no board outside the configuration.
func TestBoardsOnRedis(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			ctx := flushed(t, srv)
			writer := srv.Connect(writerUser, writerPass)
			t.Cleanup(func() { _ = writer.Close() })
			seedBoard(t, writer, boardName, 5)
			seedBoard(t, writer, otherBoard, 4)
			// A board outside the configuration, written by the harness's admin.
			if err := srv.Admin().ZIncrBy(ctx, store.KeyPrefix("rust")+"all", 7, "rust_all").Err(); err != nil {
				t.Fatal(err)
			}

			rdb := readerClient(t, srv)
			h := boardsHandler(t, rdb, boardName, otherBoard)
			for _, w := range store.Windows {
				if got, want := top(t, h, boardName, w), "hashtags_all=5 hashtags_even=3"; got != want {
					t.Errorf("%s %s: %s, want %s", boardName, w, got, want)
				}
				if got, want := top(t, h, otherBoard, w), "golang_all=4 golang_even=2"; got != want {
					t.Errorf("%s %s: %s, want %s", otherBoard, w, got, want)
				}
			}
			if resp := call(t, h, get("GET", "board=rust", nil)); resp.StatusCode != 404 {
				t.Errorf("board=rust: %d, want 404", resp.StatusCode)
			}
			// Even a handler configured with it cannot read it: the reader's ACL has no such board.
			if resp := call(t, boardsHandler(t, rdb, "rust"), get("GET", "", nil)); resp.StatusCode != 503 {
				t.Errorf("the reader's read of an unconfigured board: %d, want 503", resp.StatusCode)
			}
			for what, err := range map[string]error{
				"ZREVRANGE":                     rdb.ZRevRange(ctx, store.KeyPrefix("rust")+"all", 0, 9).Err(),
				"ZINCRBY":                       rdb.ZIncrBy(ctx, store.KeyPrefix("rust")+"all", 1, "evil").Err(),
				"ZINCRBY on a configured board": rdb.ZIncrBy(ctx, store.KeyPrefix(otherBoard)+"all", 1, "evil").Err(),
			} {
				if err == nil || !strings.Contains(err.Error(), "NOPERM") {
					t.Errorf("reader %s: %v, want NOPERM", what, err)
				}
			}
		})
	}
}

// TestChangingBoardsKeepsCounts changes the boards of a running deployment as a stack update
// does: the users' access strings are replaced in place (MemoryDB UpdateUser) and the
// functions start anew with the new BOARDS. Every key belongs to one board, so the boards that
// stay keep their counts and checkpoints, a new board starts empty, and a removed board's keys
// stay in Redis, out of the users' reach, until it is configured again.
func TestChangingBoardsKeepsCounts(t *testing.T) {
	requireServers(t)
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			ctx := flushed(t, srv)
			// deploy sets the two users' access strings for boards and returns a new writer
			// client and leaderboard handler, as a cold start after the update would.
			deploy := func(boards ...string) (redis.UniversalClient, redis.UniversalClient, *leaderboard.Handler) {
				t.Helper()
				w := redistest.User{Name: "change-writer", Password: "change-writer-pass-0123456789", Access: store.WriterAccess(boards...)}
				r := redistest.User{Name: "change-reader", Password: "change-reader-pass-0123456789", Access: store.ReaderAccess(boards...)}
				for _, u := range []redistest.User{w, r} {
					if err := srv.SetUser(ctx, u); err != nil {
						t.Fatal(err)
					}
				}
				writer, reader := srv.Connect(w.Name, w.Password), srv.Connect(r.Name, r.Password)
				t.Cleanup(func() { _ = writer.Close(); _ = reader.Close() })
				return writer, reader, boardsHandler(t, reader, boards...)
			}

			writer, _, h := deploy("aws", "golang")
			seedBoard(t, writer, "aws", 6)
			seedBoard(t, writer, "golang", 3)
			cp := store.Checkpoint{SinceID: "5002"}
			if _, err := storeOf(t, writer, "golang").SaveCheckpoint(ctx, store.Checkpoint{}, cp); err != nil {
				t.Fatal(err)
			}
			before := map[store.Window]string{}
			for _, w := range store.Windows {
				before[w] = top(t, h, "golang", w)
			}
			awsBefore := top(t, h, "aws", store.All)

			// Boards {aws, golang} -> {golang, rust}: aws removed, rust added.
			writer, reader, h := deploy("golang", "rust")
			for _, w := range store.Windows {
				if got := top(t, h, "golang", w); got != before[w] {
					t.Errorf("golang %s after the change: %s, want %s as before", w, got, before[w])
				}
				if got := top(t, h, "rust", w); got != "" {
					t.Errorf("new board rust %s: %s, want empty", w, got)
				}
			}
			if got, err := storeOf(t, writer, "golang").Checkpoint(ctx); err != nil || got.SinceID != cp.SinceID {
				t.Errorf("golang's checkpoint after the change: %+v, %v; want since_id %s", got, err, cp.SinceID)
			}
			// golang's exactly-once record survived: the same posts again count nothing.
			seedAgain, err := storeOf(t, writer, "golang").Record(ctx, []store.Post{{ID: "5000", CreatedAt: time.Now(), Hashtags: []string{"golang_all"}}})
			if err != nil || seedAgain.New != 0 {
				t.Errorf("a post recorded before the change, again: %+v, %v; want not new", seedAgain, err)
			}
			if resp := call(t, h, get("GET", "board=aws", nil)); resp.StatusCode != 404 {
				t.Errorf("removed board aws: %d, want 404", resp.StatusCode)
			}
			if err := reader.ZRevRange(ctx, store.KeyPrefix("aws")+"all", 0, 9).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
				t.Errorf("the reader reads the removed board: %v, want NOPERM", err)
			}
			if n, err := srv.Admin().ZCard(ctx, store.KeyPrefix("aws")+"all").Result(); err != nil || n != 2 {
				t.Errorf("removed board's all-time set: %d members (%v), want its 2 kept", n, err)
			}

			// Adding aws back brings its counts back.
			_, _, h = deploy("golang", "rust", "aws")
			if got := top(t, h, "aws", store.All); got != awsBefore {
				t.Errorf("aws configured again: %s, want %s", got, awsBefore)
			}
		})
	}
}
