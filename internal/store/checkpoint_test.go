package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestCheckpointInTheFuture: no id in the future of the store's clock gets into the checkpoint,
// and a since_id in the future (saved before that rule) can be left for a lower one, once,
// only by a caller that read it: otherwise the checkpoint still never moves backwards.
func TestCheckpointInTheFuture(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: t0}
		s, prefix := newNamedBoard(t, rdb, c)
		past := postid.Make(t0.Add(-time.Hour), 0)
		soon := postid.Make(t0.Add(postid.MaxSkew), 0) // clock skew: still accepted
		future := postid.Make(t0.Add(time.Hour), 0)
		for _, bad := range []store.Checkpoint{
			{SinceID: future},
			{SinceID: "9223372036854775807"}, // a snowflake of 2080
			{SinceID: past, NewestID: future, UntilID: past},
			{SinceID: past, NewestID: past, UntilID: future},
		} {
			if _, err := s.SaveCheckpoint(ctx, store.Checkpoint{}, bad); !errors.Is(err, postid.ErrFuture) {
				t.Errorf("save %+v: %v, want postid.ErrFuture", bad, err)
			}
		}
		ok, err := s.SaveCheckpoint(ctx, store.Checkpoint{}, store.Checkpoint{SinceID: soon})
		if err != nil {
			t.Fatalf("save an id within MaxSkew: %v", err)
		}

		// A since_id in the future, as an older version of the app saved it.
		if err := rdb.HSet(ctx, prefix+"ckpt", "since_id", "9223372036854775807").Err(); err != nil {
			t.Fatal(err)
		}
		stored, err := s.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A caller that did not read it (its prev holds another since_id in the future) cannot go
		// below it...
		lying := store.Checkpoint{SinceID: future, Version: stored.Version}
		if _, err := s.SaveCheckpoint(ctx, lying, store.Checkpoint{SinceID: past}); err == nil || errors.Is(err, store.ErrCheckpointConflict) {
			t.Errorf("a caller whose prev is not the stored checkpoint: %v, want a since_id error", err)
		}
		// ...a caller that read it can, once.
		fixed, err := s.SaveCheckpoint(ctx, stored, store.Checkpoint{SinceID: past})
		if err != nil || fixed.Version != stored.Version+1 {
			t.Fatalf("repair: %+v, %v", fixed, err)
		}
		if got, err := s.Checkpoint(ctx); err != nil || got != fixed {
			t.Errorf("checkpoint after the repair = %+v, %v; want %+v", got, err, fixed)
		}
		// From there on since_id moves forward only, as before.
		if _, err := s.SaveCheckpoint(ctx, fixed, store.Checkpoint{SinceID: postid.Make(t0.Add(-2*time.Hour), 0)}); err == nil {
			t.Error("since_id moved backwards after the repair")
		}
		if _, err := s.SaveCheckpoint(ctx, ok, store.Checkpoint{SinceID: soon}); !errors.Is(err, store.ErrCheckpointConflict) {
			t.Errorf("a stale save: %v, want ErrCheckpointConflict", err)
		}
	})
}
