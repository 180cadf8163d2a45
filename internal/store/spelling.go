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
	sp, err := s.startSpell(memo, tags, prev, cmd)
	if err != nil {
		return nil, err
	}
	if len(sp.missing) > 0 {
		pipe := s.rdb.Pipeline()
		sp.queue(ctx, pipe)
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("spellings of %d hashtags in %s: %w", len(sp.missing), s.name, err)
		}
	}
	return sp.result()
}

// spelling is spell in steps, for a caller with a pipeline of its own to send: startSpell,
// queue on that pipeline (the HMGET of the hashtags the previous answer did not hold), result
// once it ran.
type spelling struct {
	s       *Store
	memo    topKey
	tags    []string
	got     map[string]string
	missing []string
	more    *redis.SliceCmd
}

func (s *Store) startSpell(memo topKey, tags, prev []string, cmd *redis.SliceCmd) (*spelling, error) {
	known, err := s.spellingsFrom(cmd, prev)
	if err != nil {
		return nil, err
	}
	sp := &spelling{s: s, memo: memo, tags: tags, got: make(map[string]string, len(prev))}
	for i, t := range prev {
		sp.got[t] = known[i]
	}
	for _, t := range tags {
		if _, ok := sp.got[t]; !ok {
			sp.missing = append(sp.missing, t)
		}
	}
	return sp, nil
}

func (sp *spelling) queue(ctx context.Context, pipe redis.Pipeliner) {
	sp.more = sp.s.queueSpellings(ctx, pipe, sp.missing)
}

func (sp *spelling) result() ([]string, error) {
	more, err := sp.s.spellingsFrom(sp.more, sp.missing)
	if err != nil {
		return nil, err
	}
	for i, t := range sp.missing {
		sp.got[t] = more[i]
	}
	out := make([]string, len(sp.tags))
	for i, t := range sp.tags {
		out[i] = sp.got[t]
	}
	sp.s.spelled.Store(sp.memo, slices.Clone(sp.tags))
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
