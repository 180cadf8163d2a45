package store

import (
	"context"
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

// saveCheckpointScript saves the checkpoint when the stored version is still ARGV[1], and returns
// the new version; -1 when another save came first, -2 when since_id would move backwards. A
// call whose save already happened (go-redis retries a script whose reply timed out) finds its
// own fields at the next version and returns that version instead of a conflict.
var saveCheckpointScript = redis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'version', 'since_id', 'newest_id', 'until_id')
local v = cur[1] or '0'
if v ~= ARGV[1] then
  if tonumber(v) == tonumber(ARGV[1]) + 1 and cur[2] == ARGV[2] and cur[3] == ARGV[3] and cur[4] == ARGV[4] then
    return tonumber(v)
  end
  return -1
end
local function id(s) s = string.gsub(s or '', '^0+', '') return s end
local old, new = id(cur[2]), id(ARGV[2])
if #new < #old or (#new == #old and new < old) then return -2 end
redis.call('HSET', KEYS[1], 'since_id', ARGV[2], 'newest_id', ARGV[3], 'until_id', ARGV[4])
return redis.call('HINCRBY', KEYS[1], 'version', 1)
`)

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
// and a next whose SinceID is below prev's or the stored one (checked in the same atomic step as
// the version), so the checkpoint never moves backwards.
func (s *Store) SaveCheckpoint(ctx context.Context, prev, next Checkpoint) (Checkpoint, error) {
	if err := next.check(); err != nil {
		return prev, fmt.Errorf("save checkpoint: %w", err)
	}
	if prev.SinceID != "" {
		if c, err := postid.Compare(next.SinceID, prev.SinceID); err != nil || c < 0 {
			return prev, fmt.Errorf("save checkpoint: since_id %q is below the saved %s", next.SinceID, prev.SinceID)
		}
	}
	v, err := saveCheckpointScript.Run(ctx, s.rdb, []string{s.key("ckpt")},
		strconv.FormatInt(prev.Version, 10), next.SinceID, next.NewestID, next.UntilID).Int64()
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
