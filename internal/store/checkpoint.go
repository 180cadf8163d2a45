package store

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// ErrCheckpointConflict means another run saved the checkpoint since it was read: the caller
// stops and leaves the rest to that run (whatever it recorded is safe: recording is idempotent).
var ErrCheckpointConflict = errors.New("checkpoint changed since it was read")

// Checkpoint is the ingest side's resume state. Every post with an id up to SinceID has been
// recorded. A sweep in progress has recorded every post with an id in [UntilID, NewestID]; the
// gap (SinceID, UntilID) is still to fetch, after which SinceID becomes NewestID. Version
// counts saves and is what SaveCheckpoint compares.
type Checkpoint struct {
	SinceID  string
	NewestID string
	UntilID  string
	Version  int64
}

var (
	//go:embed lua/checkpoint.lua
	saveCheckpointSrc string
	// saveCheckpointScript saves the checkpoint when the stored version is still the caller's
	// (see the script's header).
	saveCheckpointScript = redis.NewScript(saveCheckpointSrc)
)

// Checkpoint reads the ingest checkpoint; a leaderboard never ingested has the zero value. A
// stored field that is not a post id is an error naming it.
func (s *Store) Checkpoint(ctx context.Context) (Checkpoint, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("ckpt")).Result()
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint of %s: %w", s.name, err)
	}
	c := Checkpoint{SinceID: m["since_id"], NewestID: m["newest_id"], UntilID: m["until_id"]}
	if v := m["version"]; v != "" {
		if c.Version, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Checkpoint{}, fmt.Errorf("read checkpoint of %s: version %q: %w", s.name, v, err)
		}
	}
	if err := c.check(); err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint of %s (key %s): %w", s.name, s.key("ckpt"), err)
	}
	return c, nil
}

// SaveCheckpoint replaces prev by next if the stored checkpoint is still prev (same Version),
// and returns next with its new Version. It refuses ids that are not post ids (package postid)
// or lie in the future of the store's clock (postid.ErrFuture: X could not have sent them, and
// as since_id one would hide every post until then), and a next whose SinceID is below prev's
// or the stored one (checked in the same atomic step as the version), so the checkpoint never
// moves backwards, except away from a since_id in the future: a checkpoint saved before this
// rule can be repaired.
func (s *Store) SaveCheckpoint(ctx context.Context, prev, next Checkpoint) (Checkpoint, error) {
	if err := next.check(); err != nil {
		return prev, fmt.Errorf("save checkpoint: %w", err)
	}
	now := s.now()
	for _, f := range []struct{ name, id string }{
		{"since_id", next.SinceID}, {"newest_id", next.NewestID}, {"until_id", next.UntilID},
	} {
		if err := postid.CheckPlausible(f.id, now); f.id != "" && errors.Is(err, postid.ErrFuture) {
			return prev, fmt.Errorf("save checkpoint: %s: %w", f.name, err)
		}
	}
	repair := prev.SinceID != "" && errors.Is(postid.CheckPlausible(prev.SinceID, now), postid.ErrFuture)
	if prev.SinceID != "" && !repair {
		if c, err := postid.Compare(next.SinceID, prev.SinceID); err != nil || c < 0 {
			return prev, fmt.Errorf("save checkpoint: since_id %q is below the saved %s", next.SinceID, prev.SinceID)
		}
	}
	leave := "" // the stored since_id that next may go below: prev's, only when in the future
	if repair {
		leave = prev.SinceID
	}
	v, err := saveCheckpointScript.Run(ctx, s.rdb, []string{s.key("ckpt")},
		strconv.FormatInt(prev.Version, 10), next.SinceID, next.NewestID, next.UntilID, leave).Int64()
	if err != nil {
		return prev, fmt.Errorf("save checkpoint of %s: %w", s.name, err)
	}
	switch v {
	case -1:
		return prev, ErrCheckpointConflict
	case -2:
		return prev, fmt.Errorf("save checkpoint: since_id %s is below the stored one", next.SinceID)
	}
	next.Version = v
	return next, nil
}

// check reports the first field that is neither empty nor a post id.
func (c Checkpoint) check() error {
	for _, f := range []struct{ name, id string }{
		{"since_id", c.SinceID}, {"newest_id", c.NewestID}, {"until_id", c.UntilID},
	} {
		if _, err := postid.Parse(f.id); f.id != "" && err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}
