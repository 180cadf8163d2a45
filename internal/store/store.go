package store

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

const (
	// MaxBatch is the most posts one Record call takes: a batch runs as one Lua script, and a
	// script blocks its shard while it runs.
	MaxBatch = 1000
	// MaxTop is the largest n Top answers.
	MaxTop = 1000
	// SeenRetention is how long a recorded post id is remembered: the 7 days X recent search
	// reaches back, plus an hour of clock slack.
	SeenRetention = 7*24*time.Hour + time.Hour
	// upkeepGrace is how long buckets outlive their window, and how long upkeep may pause
	// before the next record rebuilds the windows from their buckets.
	upkeepGrace = 24 * time.Hour
)

var (
	//go:embed lua/record.lua
	recordSrc string
	//go:embed lua/top.lua
	topSrc string

	recordScript = redis.NewScript(recordSrc)
	topScript    = redis.NewScript(topSrc)

	nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Post is one post to count: its id, creation time and hashtags as the source gave them.
type Post struct {
	ID        string
	CreatedAt time.Time
	Hashtags  []string
}

// Entry is one row of a leaderboard.
type Entry struct {
	Hashtag string
	Count   int64
}

// RecordResult says what one Record call did.
type RecordResult struct {
	New              int // posts recorded for the first time
	Duplicates       int // posts already recorded earlier (or twice in the batch)
	Skipped          int // posts not recorded: bad id or created_at (see the package comment)
	HashtagsCounted  int // hashtag increments made (one per new post and distinct hashtag)
	RejectedHashtags int // hashtags dropped as invalid
}

// Store reads and writes one leaderboard.
type Store struct {
	rdb    redis.UniversalClient
	name   string
	prefix string
	now    func() time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that decides "now" for windows and retention (tests, replays).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns the Store of the leaderboard called name, which must be 1-64 characters of
// letters, digits, '_', '.' or '-'.
func New(rdb redis.UniversalClient, name string, opts ...Option) (*Store, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	s := &Store{rdb: rdb, name: name, prefix: KeyPrefix(name), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// CheckName says whether name can name a leaderboard: 1-64 of A-Z a-z 0-9 _ . - (it becomes
// the cluster hash tag of the board's keys and part of the Redis users' key patterns).
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("leaderboard name %q: want 1-64 of A-Z a-z 0-9 _ . -", truncateName(name))
	}
	return nil
}

// truncateName keeps an error short when it echoes a bad name.
func truncateName(s string) string {
	if len(s) <= 70 {
		return s
	}
	return s[:70] + "..."
}

// KeyPrefix is the prefix of every key of the leaderboard called name: its cluster hash tag.
func KeyPrefix(name string) string { return "{" + name + "}:" }

func (s *Store) key(suffix string) string { return s.prefix + suffix }

// Record counts the hashtags of the posts not recorded before, in one atomic script call.
// Calling it again with the same or overlapping posts changes no count.
func (s *Store) Record(ctx context.Context, posts []Post) (RecordResult, error) {
	var res RecordResult
	if len(posts) > MaxBatch {
		return res, fmt.Errorf("record batch: %d posts, at most %d per batch", len(posts), MaxBatch)
	}
	now := s.now().Unix()
	oldest := now - int64(SeenRetention/time.Second)

	args := make([]any, 0, 8+3*len(rolling)+4*len(posts))
	args = append(args, s.prefix, now, int64(SeenRetention/time.Second), int64(upkeepGrace/time.Second), len(rolling))
	for _, w := range rolling {
		args = append(args, string(w.window), int64(w.length/time.Second), int64(w.bucket/time.Second))
	}
	countAt := len(args)
	args = append(args, 0)
	kept := 0
	for _, p := range posts {
		if !postid.Valid(p.ID) || p.CreatedAt.IsZero() {
			res.Skipped++
			continue
		}
		created := min(p.CreatedAt.Unix(), now)
		if created < oldest {
			res.Skipped++
			continue
		}
		tags, rejected := hashtag.Canonical(p.Hashtags)
		res.RejectedHashtags += len(rejected)
		args = append(args, p.ID, created, len(tags))
		for _, t := range tags {
			args = append(args, t)
		}
		kept++
	}
	args[countAt] = kept
	if kept == 0 {
		return res, nil
	}
	keys := []string{s.key("all"), s.key("seen"), s.key("meta")}
	vals, err := recordScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return res, fmt.Errorf("record batch of %d posts in %s: %w", kept, s.name, err)
	}
	if len(vals) != 3 {
		return res, fmt.Errorf("record batch in %s: script returned %d values, want 3", s.name, len(vals))
	}
	res.New, res.Duplicates, res.HashtagsCounted = int(vals[0]), int(vals[1]), int(vals[2])
	return res, nil
}

// Top returns the n most used hashtags of window w, by count descending, then hashtag
// ascending in byte order. Normally it costs one round trip: ZREVRANGE of n+1 members of the
// precomputed set (for a rolling window pipelined with the HGET that tells whether the
// window's upkeep is current). A tie between places n and n+1 costs one more command, which
// fetches the first members with that count in byte order; a window whose upkeep is behind
// the clock (ingest stopped) is summed from its live buckets by a read-only script.
func (s *Store) Top(ctx context.Context, w Window, n int) ([]Entry, error) {
	if n < 1 || n > MaxTop {
		return nil, fmt.Errorf("top %s: n = %d, want 1-%d", w, n, MaxTop)
	}
	key := s.key("all")
	var top *redis.ZSliceCmd
	if w == All {
		top = s.rdb.ZRevRangeWithScores(ctx, key, 0, int64(n))
	} else {
		sp, ok := spanOf(w)
		if !ok {
			return nil, fmt.Errorf("top: unknown window %q: allowed are all, 1h, 24h, 7d", w)
		}
		key = s.key("w:" + string(w))
		now := s.now().Unix()
		pipe := s.rdb.Pipeline()
		kept := pipe.HGet(ctx, s.key("meta"), "lo:"+string(w))
		top = pipe.ZRevRangeWithScores(ctx, key, 0, int64(n))
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
		}
		lo, err := kept.Int64()
		if err != nil || lo < sp.oldestBucket(now) {
			return s.topFromBuckets(ctx, w, sp, now, n)
		}
	}
	zs, err := top.Result()
	if err != nil {
		return nil, fmt.Errorf("top %d of %s/%s: %w", n, s.name, w, err)
	}
	entries := make([]Entry, 0, len(zs)+n)
	for _, z := range zs {
		entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
	}
	if len(zs) == n+1 && zs[n-1].Score == zs[n].Score {
		score := strconv.FormatFloat(zs[n].Score, 'f', -1, 64)
		ties, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
			Key: key, ByScore: true, Start: score, Stop: score, Count: int64(n),
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("top %d of %s/%s: ties at %s: %w", n, s.name, w, score, err)
		}
		for _, z := range ties {
			entries = append(entries, Entry{Hashtag: z.Member.(string), Count: int64(z.Score)})
		}
	}
	return rank(entries, n), nil
}

// topFromBuckets reads a window whose upkeep is behind the clock from its live buckets.
func (s *Store) topFromBuckets(ctx context.Context, w Window, sp span, now int64, n int) ([]Entry, error) {
	keys := []string{s.key("w:" + string(w)), s.key("meta")}
	raw, err := topScript.RunRO(ctx, s.rdb, keys, n, s.prefix, string(w), now,
		int64(sp.length/time.Second), int64(sp.bucket/time.Second)).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("top %d of %s/%s from buckets: %w", n, s.name, w, err)
	}
	if len(raw)%2 != 0 {
		return nil, errors.New("top: odd-length reply")
	}
	entries := make([]Entry, 0, len(raw)/2)
	for i := 0; i < len(raw); i += 2 {
		f, err := strconv.ParseFloat(raw[i+1], 64)
		if err != nil {
			return nil, fmt.Errorf("top: score of %q: %w", raw[i], err)
		}
		entries = append(entries, Entry{Hashtag: raw[i], Count: int64(f)})
	}
	return rank(entries, n), nil
}

// rank orders entries by count descending, then hashtag ascending, keeps each hashtag once
// (its first place: two reads of a set that changed in between may both hold it, with different
// counts) and returns the first n.
func rank(entries []Entry, n int) []Entry {
	slices.SortFunc(entries, func(a, b Entry) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Hashtag, b.Hashtag)
	})
	seen := make(map[string]bool, len(entries))
	out := entries[:0]
	for _, e := range entries {
		if !seen[e.Hashtag] {
			seen[e.Hashtag] = true
			out = append(out, e)
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}
