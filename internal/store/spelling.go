package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// spellingsKey is the hash of each hashtag's shown spelling where it is not the hashtag
// itself (see Spellings in the package comment).
func (s *Store) spellingsKey() string { return s.key("sp:b") }

// queueSpellings queues on pipe the read of the shown spellings of tags (nil when tags is
// empty): one HMGET, a read command.
func (s *Store) queueSpellings(ctx context.Context, pipe redis.Pipeliner, tags []string) *redis.SliceCmd {
	if len(tags) == 0 {
		return nil
	}
	return pipe.HMGet(ctx, s.spellingsKey(), tags...)
}

// spellingsFrom returns the spelling of each of tags from cmd, the queued read of them: empty
// where it is the hashtag itself, or none is recorded (a hashtag only ever written in its
// canonical form, or counted before spellings were).
func (s *Store) spellingsFrom(cmd *redis.SliceCmd, tags []string) ([]string, error) {
	out := make([]string, len(tags))
	if cmd == nil {
		return out, nil
	}
	vals, err := cmd.Result()
	if err != nil {
		return nil, fmt.Errorf("spellings of %d hashtags in %s: %w", len(tags), s.name, err)
	}
	if len(vals) != len(tags) {
		return nil, fmt.Errorf("spellings in %s: %d values for %d hashtags", s.name, len(vals), len(tags))
	}
	for i, v := range vals {
		if sp, ok := v.(string); ok && sp != tags[i] {
			out[i] = sp
		}
	}
	return out, nil
}

// Spellings returns the spelling of each of tags (canonical hashtags), in order: how most of
// the posts recorded with the hashtag wrote it, or "" where that is the hashtag itself or none
// is recorded. One HMGET, a read command.
func (s *Store) Spellings(ctx context.Context, tags []string) ([]string, error) {
	pipe := s.rdb.Pipeline()
	cmd := s.queueSpellings(ctx, pipe, tags)
	if cmd == nil {
		return []string{}, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("spellings of %d hashtags in %s: %w", len(tags), s.name, err)
	}
	return s.spellingsFrom(cmd, tags)
}

// spell returns the spelling of each of tags, the hashtags of an answer of the read memo (the
// top n of a window, or its trending view). The read's own pipeline read the spellings of the
// hashtags its previous answer held (prev, read by cmd): on a board whose top changes slowly
// those are all it needs; the spellings of the others are one more HMGET. It remembers tags
// for the next read.
func (s *Store) spell(ctx context.Context, memo topKey, tags, prev []string, cmd *redis.SliceCmd) ([]string, error) {
	known, err := s.spellingsFrom(cmd, prev)
	if err != nil {
		return nil, err
	}
	got := make(map[string]string, len(prev))
	for i, t := range prev {
		got[t] = known[i]
	}
	var missing []string
	for _, t := range tags {
		if _, ok := got[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		more, err := s.Spellings(ctx, missing)
		if err != nil {
			return nil, err
		}
		for i, t := range missing {
			got[t] = more[i]
		}
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = got[t]
	}
	s.spelled.Store(memo, slices.Clone(tags))
	return out, nil
}

// lastTags returns the hashtags of the last answer of the read memo (nil before the first).
func (s *Store) lastTags(memo topKey) []string {
	v, ok := s.spelled.Load(memo)
	if !ok {
		return nil
	}
	return v.([]string)
}
