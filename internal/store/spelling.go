package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

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

// SpellingRefresh is how long Top and Trending answer the spellings they read for a window and
// n without reading them again (WithSpellingRefresh): a read of a top whose hashtags it knows
// then sends no HMGET at all. A hashtag's shown spelling changes rarely, and a change shows
// within this time (plus the leaderboard's cache period).
const SpellingRefresh = 30 * time.Second

// WithSpellingRefresh sets how long Top and Trending answer the spellings they read without
// reading them again (default SpellingRefresh; 0: every read reads them).
func WithSpellingRefresh(d time.Duration) Option { return func(s *Store) { s.spellRefresh = d } }

// spellMemo is what a read (memo key: the top n of a window, or its trending view) remembers of
// its last answer: its hashtags, their spellings and when they were read.
type spellMemo struct {
	tags      []string
	spellings []string // of tags, in order
	spelling  map[string]string
	at        time.Time
}

// spellingsToRead returns, for the read memo, the hashtags whose spellings its pipeline is to
// read again (those of its last answer, once SpellingRefresh passed) or, while they are fresh,
// the spellings it knows (nil before the first read).
func (s *Store) spellingsToRead(memo topKey) (prev []string, known *spellMemo) {
	v, ok := s.spelled.Load(memo)
	if !ok {
		return nil, nil
	}
	m := v.(*spellMemo)
	if s.now().Sub(m.at) < s.spellRefresh {
		return nil, m
	}
	return m.tags, nil
}

// spell returns the spelling of each of tags, the hashtags of an answer of the read memo (the
// top n of a window, or its trending view). The read's own pipeline read the spellings of the
// hashtags its previous answer held (prev, read by cmd), or it knows them (known, read within
// SpellingRefresh): on a board whose top changes slowly those are all it needs; the spellings
// of the others are one more HMGET. It remembers tags for the next read.
func (s *Store) spell(ctx context.Context, memo topKey, tags, prev []string, cmd *redis.SliceCmd,
	known *spellMemo) ([]string, error) {
	sp, err := s.startSpell(memo, tags, prev, cmd, known)
	if err != nil {
		return nil, err
	}
	if err := sp.readMissing(ctx); err != nil {
		return nil, err
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
	at      time.Time // when the spellings in got were read (the oldest of them)
	missing []string
	more    *redis.SliceCmd
	same    []string // the spellings known, when tags are the known answer's hashtags in order
	isSame  bool
}

func (s *Store) startSpell(memo topKey, tags, prev []string, cmd *redis.SliceCmd, known *spellMemo) (*spelling, error) {
	sp := &spelling{s: s, memo: memo, tags: tags, at: s.now()}
	if known != nil && slices.Equal(tags, known.tags) {
		sp.same, sp.isSame = known.spellings, true // the common case: nothing to read, copy or remember
		return sp, nil
	}
	if known != nil {
		sp.got, sp.at = maps.Clone(known.spelling), known.at
	} else {
		read, err := s.spellingsFrom(cmd, prev)
		if err != nil {
			return nil, err
		}
		sp.got = make(map[string]string, len(tags))
		for i, t := range prev {
			sp.got[t] = read[i]
		}
	}
	for _, t := range tags {
		if _, ok := sp.got[t]; !ok {
			sp.missing = append(sp.missing, t)
		}
	}
	return sp, nil
}

// readMissing reads, in a round trip of its own, the spellings queue would have sent in a
// caller's pipeline; none when the previous answer held every hashtag.
func (sp *spelling) readMissing(ctx context.Context) error {
	if len(sp.missing) == 0 {
		return nil
	}
	pipe := sp.s.rdb.Pipeline()
	sp.queue(ctx, pipe)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("spellings of %d hashtags in %s: %w", len(sp.missing), sp.s.name, err)
	}
	return nil
}

func (sp *spelling) queue(ctx context.Context, pipe redis.Pipeliner) {
	sp.more = sp.s.queueSpellings(ctx, pipe, sp.missing)
}

func (sp *spelling) result() ([]string, error) {
	if sp.isSame {
		return sp.same, nil // read only: the callers copy each spelling into their rows
	}
	more, err := sp.s.spellingsFrom(sp.more, sp.missing)
	if err != nil {
		return nil, err
	}
	for i, t := range sp.missing {
		sp.got[t] = more[i]
	}
	out := make([]string, len(sp.tags))
	kept := make(map[string]string, len(sp.tags))
	for i, t := range sp.tags {
		out[i] = sp.got[t]
		kept[t] = out[i]
	}
	sp.s.spelled.Store(sp.memo, &spellMemo{tags: slices.Clone(sp.tags), spellings: out, spelling: kept, at: sp.at})
	return out, nil
}
