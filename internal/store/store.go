package store

import (
	"context"
	"embed"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"sync"
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
	// DefaultTrendingMinAuthors is the fewest distinct authors a hashtag needs in a window to
	// be listed as trending (WithTrendingMinAuthors).
	DefaultTrendingMinAuthors = 5
	// TrendingSize is how many hashtags the trending view of a window keeps: the most
	// Trending answers.
	TrendingSize = 100
	// baselineHours is the length of a trending baseline: the 7 days before the window.
	baselineHours = 7 * 24
)

var (
	//go:embed lua/record.lua lua/record_*.lua
	recordFS embed.FS

	recordScript = redis.NewScript(checkSrc + settleSrc + joinParts(recordFS, recordParts)) // check, settle: coverage.go

	nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Post is one post to count: its id, creation time, author and hashtags as the source gave
// them, as written (each counts under its canonical form, and its spelling is counted for
// display: see Spellings in the package comment). A post whose AuthorID is empty or not an X
// id (decimal, as a post id) counts as an author of its own in the trending view.
type Post struct {
	ID        string
	CreatedAt time.Time
	AuthorID  string
	Hashtags  []string
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
	rdb          redis.UniversalClient
	name         string
	prefix       string
	now          func() time.Time
	minAuthors   int
	noTrending   bool          // tests: record without author tracking (export_test.go)
	noCoverage   bool          // tests: record without counting the posts read (export_test.go)
	shapes       sync.Map      // topKey -> topShape: what the last read of the top n looked like
	spelled      sync.Map      // topKey -> *spellMemo: the last answer's hashtags and spellings
	spellRefresh time.Duration // how long spellings read are answered without reading them again
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that decides "now" for windows and retention (tests, replays).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithTrendingMinAuthors sets the fewest distinct authors a hashtag needs in a window to be
// listed as trending (default DefaultTrendingMinAuthors). Only the writer uses it: the view is
// made as posts are recorded.
func WithTrendingMinAuthors(n int) Option { return func(s *Store) { s.minAuthors = n } }

// New returns the Store of the leaderboard called name, which must be 1-64 characters of
// letters, digits, '_', '.' or '-'.
func New(rdb redis.UniversalClient, name string, opts ...Option) (*Store, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	s := &Store{rdb: rdb, name: name, prefix: KeyPrefix(name), now: time.Now, minAuthors: DefaultTrendingMinAuthors,
		spellRefresh: SpellingRefresh}
	for _, o := range opts {
		o(s)
	}
	if s.minAuthors < 1 {
		return nil, fmt.Errorf("trending min authors of %s is %d, want at least 1", name, s.minAuthors)
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

// bucketKey is the key of bucket idx of rolling window w, as the record script names it.
func (s *Store) bucketKey(w Window, idx int64) string {
	return s.prefix + "b:" + string(w) + ":" + strconv.FormatInt(idx, 10)
}

// Record counts the hashtags of the posts not recorded before, and their authors for the
// trending views, in one atomic script call. Calling it again with the same or overlapping
// posts changes no count and no trending figure. The counts are read as Record leaves them;
// the trending views are settled by the next Upkeep (see the package comment).
func (s *Store) Record(ctx context.Context, posts []Post) (RecordResult, error) {
	var res RecordResult
	if len(posts) > MaxBatch {
		return res, fmt.Errorf("record batch: %d posts, at most %d per batch", len(posts), MaxBatch)
	}
	now := s.now().Unix()
	oldest := now - int64(SeenRetention/time.Second)

	args := s.scriptArgs(now, 6*len(posts))
	countAt := len(args)
	args = append(args, 0)
	kept := 0
	for _, p := range posts {
		id, err := postid.Parse(p.ID)
		if err != nil || p.CreatedAt.IsZero() {
			res.Skipped++
			continue
		}
		created := min(p.CreatedAt.Unix(), now)
		if created < oldest {
			res.Skipped++
			continue
		}
		tags, rejected := hashtag.CanonicalSpelled(p.Hashtags)
		res.RejectedHashtags += len(rejected)
		args = append(args, p.ID, created, trendingAuthor(p.AuthorID, id, len(tags)), len(tags))
		spelledAt := len(args)
		args = append(args, 0)
		for _, t := range tags {
			args = append(args, t.Tag)
		}
		// The spellings other than the tag itself (most are the tag): place and spelling.
		spelled := 0
		for i, t := range tags {
			if t.Spelling != t.Tag {
				args = append(args, i+1, t.Spelling)
				spelled++
			}
		}
		args[spelledAt] = spelled
		kept++
	}
	args[countAt] = kept
	if kept == 0 {
		return res, nil
	}
	vals, err := recordScript.Run(ctx, s.rdb, s.scriptKeys(), args...).Int64Slice()
	if err != nil {
		return res, fmt.Errorf("record batch of %d posts in %s: %w", kept, s.name, err)
	}
	if len(vals) != 3 {
		return res, fmt.Errorf("record batch in %s: script returned %d values, want 3", s.name, len(vals))
	}
	res.New, res.Duplicates, res.HashtagsCounted = int(vals[0]), int(vals[1]), int(vals[2])
	return res, nil
}

// Upkeep advances the rolling windows and the trending data to now without recording
// anything: the buckets that left a window are subtracted from it and deleted, authors that
// left a window and hours that left a baseline are subtracted, as at the start of every Record
// call; then it settles the trending views with what was recorded since the last Upkeep. The
// writer runs it at the start of every ingest run, whether or not the run then finds posts, so
// reads find their window current (see Top) and the summing path stays for when ingest stops,
// and at the end of every run, so the trending views hold the run's posts.
func (s *Store) Upkeep(ctx context.Context) error {
	args := append(s.scriptArgs(s.now().Unix(), 0), 0)
	if err := recordScript.Run(ctx, s.rdb, s.scriptKeys(), args...).Err(); err != nil {
		return fmt.Errorf("window upkeep of %s: %w", s.name, err)
	}
	return nil
}

// scriptKeys are the keys the record script declares.
func (s *Store) scriptKeys() []string {
	return []string{s.key("all"), s.key("seen"), s.key("meta")}
}

// scriptArgs are the record script's arguments up to the post count, with room for more.
func (s *Store) scriptArgs(now int64, more int) []any {
	args := make([]any, 0, 10+4*len(rolling)+more)
	args = append(args, s.prefix, now, int64(SeenRetention/time.Second), int64(upkeepGrace/time.Second), len(rolling))
	for _, w := range rolling {
		trending := 0
		if w.trending && !s.noTrending {
			trending = 1
		}
		args = append(args, string(w.window), int64(w.length/time.Second), int64(w.bucket/time.Second), trending)
	}
	return append(args, s.minAuthors, baselineHours, TrendingSize, coverageFlag(s.noCoverage))
}

// authorKey is the 8 bytes that stand for a post's author in the trending pairs: the author
// id, big-endian, or when the post has none (or one that is not an X id), its own post id with
// the top bit set, so the post counts as an author of its own. X ids are below 2^63, so the
// two kinds never meet.
func authorKey(author string, post uint64) string {
	v, err := postid.Parse(author)
	if err != nil {
		v = post | 1<<63
	}
	return string(binary.BigEndian.AppendUint64(make([]byte, 0, 8), v))
}
