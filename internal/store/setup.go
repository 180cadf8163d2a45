package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// setupKey is the board's key that says its ingest found no X API credentials: a STRING of the
// Unix second of the last such run. Ingest writes it (MarkNotConfigured) while the X secret is
// empty and deletes it (ClearNotConfigured) once it has credentials; the leaderboard reads it
// (NotConfigured) to say so instead of showing an empty board. It lives under the board's
// prefix, so both users reach it with their key pattern.
const setupKey = "x:unset"

// NotConfiguredTTL is how long the mark outlives the last run that found no credentials: a
// deployment whose ingest stops (schedule disabled, stack half deleted) stops saying so a day
// later, and a run with credentials deletes it at once.
const NotConfiguredTTL = 24 * time.Hour

// MarkNotConfigured records that an ingest run at now found no X API credentials for the board.
func (s *Store) MarkNotConfigured(ctx context.Context, now time.Time) error {
	if err := s.rdb.Set(ctx, s.key(setupKey), now.Unix(), NotConfiguredTTL).Err(); err != nil {
		return fmt.Errorf("board %s: mark the X API credentials as not set: %w", s.name, err)
	}
	return nil
}

// ClearNotConfigured deletes the mark of MarkNotConfigured (nothing happens without one).
func (s *Store) ClearNotConfigured(ctx context.Context) error {
	if err := s.rdb.Del(ctx, s.key(setupKey)).Err(); err != nil {
		return fmt.Errorf("board %s: clear the X API credentials mark: %w", s.name, err)
	}
	return nil
}

// NotConfigured says whether the board's last ingest run (within NotConfiguredTTL) found no X
// API credentials, and when: one GET, which the reader user may run.
func (s *Store) NotConfigured(ctx context.Context) (bool, time.Time, error) {
	v, err := s.rdb.Get(ctx, s.key(setupKey)).Result()
	if errors.Is(err, redis.Nil) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("board %s: read the X API credentials mark: %w", s.name, err)
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("board %s: key %s holds %q, want a Unix second", s.name, s.key(setupKey), truncateName(v))
	}
	return true, time.Unix(sec, 0).UTC(), nil
}
