// Package ingest owns one ingest run: it pages through X recent search from the saved
// checkpoint, records each page's hashtags through the store as one atomic batch, and moves
// the checkpoint forward, so that across runs no post inside the search window is missed or
// counted twice.
//
// # Resume state
//
// A run sweeps from the newest post down to the checkpoint's since_id. After each page it
// saves {since_id, newest_id, until_id}: the newest id of the sweep and the oldest id
// recorded so far. A run that stops early (page cap, time budget, 429, crash, a lost
// compare-and-set) leaves the gap (since_id, until_id) to the next run, which fetches it with
// until_id and then sets since_id to newest_id and starts a new sweep for newer posts.
// Recording is idempotent, so a page fetched twice (crash after recording, a replayed event,
// two overlapping runs) counts once; the checkpoint is saved with compare-and-set, so it never
// moves backwards, and a run that loses the race stops.
//
// A since_id older than X's 7-day search window can no longer be sent; it is dropped (the
// posts it guarded are out of reach anyway), and a gap whose until_id is older than the window
// is closed.
//
// # Posts that are not recorded
//
// An entry of X's answer that is malformed (xapi's Page.Skipped), or whose id X could not have
// sent by the handler's clock (postid.CheckPlausible: a snowflake of the future, or below 2^22),
// is skipped: counted in posts_skipped, logged with its reason, never recorded. No implausible id
// gets into the checkpoint (it takes the page's newest and oldest plausible ids), and a run
// that finds one stored there (from before this rule) clears that field first, so one bogus id
// cannot hide every later post. A post counts at most MaxHashtagsPerPost hashtags.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

const (
	// searchWindow is how far back X recent search reaches, less a little clock slack.
	searchWindow = 7*24*time.Hour - 5*time.Minute
	// safetyMargin is how long before the invocation's deadline a run stops.
	safetyMargin = 5 * time.Second
	// noDeadlineBudget is a run's time when its context has no deadline (Lambda's always has).
	noDeadlineBudget = 50 * time.Second
	// MaxHashtagsPerPost bounds the hashtags one post counts: the first ones (distinct, not
	// excluded) in the post's order. X allows a long post of 25,000 characters, which can carry
	// thousands of hashtags, each a permanent member of the all-time set.
	MaxHashtagsPerPost = 50
	// maxSkippedLogged bounds the skipped entries one page's warning lists.
	maxSkippedLogged = 10
)

// Source fetches one page of recent search (xapi.Source).
type Source interface {
	FetchPage(ctx context.Context, req xapi.PageRequest) (xapi.Page, error)
}

// Board records posts, keeps the rolling windows current and keeps the checkpoint (store.Store).
type Board interface {
	Upkeep(ctx context.Context) error
	Record(ctx context.Context, posts []store.Post) (store.RecordResult, error)
	Checkpoint(ctx context.Context) (store.Checkpoint, error)
	SaveCheckpoint(ctx context.Context, prev, next store.Checkpoint) (store.Checkpoint, error)
}

// Config tunes a Handler.
type Config struct {
	MaxPages      int              // pages per run (MAX_PAGES), default config.DefaultMaxPages
	SkipSensitive bool             // do not count hashtags of possibly_sensitive posts (SKIP_SENSITIVE)
	Query         string           // SEARCH_QUERY: the hashtags it names are not counted
	Exclude       []string         // EXCLUDE_HASHTAGS: more hashtags not to count
	Now           func() time.Time // the clock (default time.Now); the local runner sets its own
	Logger        *slog.Logger     // default slog.Default()

	// safetyMargin is safetyMargin unless a test sets it (export_test.go).
	safetyMargin time.Duration
}

// Result is what one run did; the handler returns it (the invocation's JSON summary) and logs
// it with the same keys.
type Result struct {
	Pages           int  `json:"pages"`
	PostsFetched    int  `json:"posts_fetched"` // entries X returned, skipped ones included
	PostsNew        int  `json:"posts_new"`
	PostsSkipped    int  `json:"posts_skipped"` // malformed, or an id X could not have sent
	HashtagsCounted int  `json:"hashtags_counted"`
	Complete        bool `json:"complete"`     // caught up with the newest post
	RateLimited     bool `json:"rate_limited"` // stopped by a 429
}

// MarshalJSON writes the summary with, after its own keys, the deprecated tweets_fetched and
// tweets_new (the names before "posts"), equal to posts_fetched and posts_new, so readers of
// the old keys keep working.
func (r Result) MarshalJSON() ([]byte, error) {
	type keys Result // the fields, without this method
	return json.Marshal(struct {
		keys
		TweetsFetched int `json:"tweets_fetched"` // Deprecated: posts_fetched
		TweetsNew     int `json:"tweets_new"`     // Deprecated: posts_new
	}{keys(r), r.PostsFetched, r.PostsNew})
}

// Handler runs ingest invocations. It is safe for concurrent use.
type Handler struct {
	src      Source
	board    Board
	cfg      Config
	excluded map[string]bool
	log      *slog.Logger
}

// New returns a Handler reading from src and recording to board.
func New(src Source, board Board, cfg Config) (*Handler, error) {
	if cfg.MaxPages == 0 {
		cfg.MaxPages = config.DefaultMaxPages
	}
	if cfg.MaxPages < 1 || cfg.MaxPages > config.MaxMaxPages {
		return nil, fmt.Errorf("MAX_PAGES is %d, want 1-%d", cfg.MaxPages, config.MaxMaxPages)
	}
	if cfg.safetyMargin == 0 {
		cfg.safetyMargin = safetyMargin
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	excluded := map[string]bool{}
	for _, from := range []struct {
		name string
		tags []string
	}{{"SEARCH_QUERY", hashtag.Extract(cfg.Query)}, {"EXCLUDE_HASHTAGS", cfg.Exclude}} {
		for _, raw := range from.tags {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			tag, err := hashtag.Normalize(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", from.name, raw, err)
			}
			excluded[tag] = true
		}
	}
	return &Handler{src: src, board: board, cfg: cfg, excluded: excluded, log: cfg.Logger}, nil
}

// Handle runs one ingest for a scheduled event. It ends successfully when it caught up, hit
// the page cap or the time budget, was rate limited, or lost the checkpoint to another run; it
// fails on bad credentials, a malformed response, or X API or Redis errors that outlasted
// their retries, keeping the progress saved so far.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	var res Result
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = h.cfg.Now().Add(noDeadlineBudget)
	}
	stopAt := deadline.Add(-h.cfg.safetyMargin)
	log := h.log.With("event_id", ev.ID)

	res, err := h.run(ctx, log, stopAt)
	attrs := []any{"pages", res.Pages, "posts_fetched", res.PostsFetched, "posts_new", res.PostsNew,
		"posts_skipped", res.PostsSkipped, "hashtags_counted", res.HashtagsCounted, "complete", res.Complete,
		"rate_limited", res.RateLimited}
	if err != nil {
		log.ErrorContext(ctx, "ingest failed", append(attrs, "error", err.Error())...)
	} else {
		log.InfoContext(ctx, "ingest done", attrs...)
	}
	emitMetrics(ctx, log, res)
	return res, err
}

func (h *Handler) run(ctx context.Context, log *slog.Logger, stopAt time.Time) (Result, error) {
	var res Result
	// Every run advances the rolling windows first, whatever the X API then answers, so reads
	// find them current even when no post is recorded (see store.Store.Upkeep).
	if err := h.board.Upkeep(ctx); err != nil {
		return res, fmt.Errorf("ingest: %w", err)
	}
	cp, err := h.board.Checkpoint(ctx)
	if err != nil {
		return res, fmt.Errorf("ingest: %w", err)
	}
	if cp, err = h.repair(ctx, log, cp); err != nil {
		if errors.Is(err, store.ErrCheckpointConflict) {
			log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
			return res, nil
		}
		return res, err
	}
	var req xapi.PageRequest // the current sweep's cursors; NextToken continues it
	sweeping := false
	retriedWindow := false
	for res.Pages < h.cfg.MaxPages {
		if !h.cfg.Now().Before(stopAt) {
			log.InfoContext(ctx, "stopping at the time budget", "pages", res.Pages)
			return res, nil
		}
		if !sweeping {
			var done bool
			if req, cp, done, err = h.startSweep(ctx, cp); err != nil {
				if errors.Is(err, store.ErrCheckpointConflict) {
					log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
					return res, nil
				}
				return res, err
			}
			if done {
				continue // a gap out of reach was closed: start over from the new since_id
			}
			sweeping = true
		}
		fetchCtx, cancel := context.WithDeadline(ctx, stopAt)
		page, err := h.src.FetchPage(fetchCtx, req)
		budgetHit := fetchCtx.Err() != nil && ctx.Err() == nil // the fetch deadline, not the caller, ended it
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, xapi.ErrRateLimited):
			res.RateLimited = true
			attrs := []any{"pages", res.Pages}
			if reset, ok := xapi.RateLimitReset(err); ok {
				attrs = append(attrs, "rate_limit_reset", reset.UTC().Format(time.RFC3339))
			}
			log.WarnContext(ctx, "rate limited by the X API; stopping until the next run", attrs...)
			return res, nil
		case errors.Is(err, xapi.ErrOutsideSearchWindow) && !retriedWindow:
			// Our clock and X's disagree about the window's edge: drop the old cursor once.
			log.WarnContext(ctx, "cursor outside the search window; dropping since_id", "since_id", req.SinceID)
			retriedWindow = true
			req.SinceID, req.NextToken = "", ""
			continue
		case budgetHit && cutByDeadline(err):
			log.InfoContext(ctx, "stopping at the time budget", "pages", res.Pages, "error", err.Error())
			return res, nil
		default:
			return res, fmt.Errorf("fetch page %d: %w", res.Pages+1, err)
		}
		res.Pages++
		res.PostsFetched += len(page.Posts) + len(page.Skipped)
		kept, skipped, bounds := screen(page, h.cfg.Now())
		res.PostsSkipped += len(skipped)
		logSkipped(ctx, log, res.Pages, skipped)
		// A page is one atomic batch (X sends at most 100 posts); a larger one is recorded in
		// store-sized batches, each atomic and idempotent, before the checkpoint moves.
		posts := h.toPosts(kept)
		for len(posts) > 0 {
			n := min(len(posts), store.MaxBatch)
			rec, err := h.board.Record(ctx, posts[:n])
			if err != nil {
				return res, fmt.Errorf("page %d: %w", res.Pages, err)
			}
			res.PostsNew += rec.New
			res.HashtagsCounted += rec.HashtagsCounted
			logRecorded(ctx, log, res.Pages, n, rec)
			posts = posts[n:]
		}

		next, err := advance(cp, bounds)
		if err != nil {
			return res, fmt.Errorf("page %d: checkpoint: %w", res.Pages, err)
		}
		if cp, err = h.board.SaveCheckpoint(ctx, cp, next); err != nil {
			if errors.Is(err, store.ErrCheckpointConflict) {
				log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it", "pages", res.Pages)
				return res, nil
			}
			return res, fmt.Errorf("page %d: %w", res.Pages, err)
		}
		if page.NextToken != "" {
			req.NextToken = page.NextToken
			continue
		}
		sweeping = false
		if req.UntilID == "" {
			res.Complete = true // a sweep from the newest post down to since_id is done
			return res, nil
		}
		// A gap was filled; go on with the posts newer than the sweep that left it.
	}
	log.InfoContext(ctx, "stopping at the page cap", "max_pages", h.cfg.MaxPages)
	return res, nil
}

// startSweep returns the cursors of the next sweep. done is true when the checkpoint's gap
// has left the search window: it is closed (saved) and no request is needed for it.
func (h *Handler) startSweep(ctx context.Context, cp store.Checkpoint) (req xapi.PageRequest, _ store.Checkpoint, done bool, err error) {
	edge := h.cfg.Now().Add(-searchWindow)
	req = xapi.PageRequest{SinceID: cp.SinceID, UntilID: cp.UntilID}
	if req.UntilID != "" && olderThan(req.UntilID, edge) {
		since, err := postid.Max(cp.SinceID, cp.NewestID)
		if err != nil {
			return req, cp, false, fmt.Errorf("close a gap older than the search window: checkpoint: %w", err)
		}
		cp, err = h.board.SaveCheckpoint(ctx, cp, store.Checkpoint{SinceID: since})
		if err != nil {
			return req, cp, false, fmt.Errorf("close a gap older than the search window: %w", err)
		}
		return req, cp, true, nil
	}
	if req.SinceID != "" && olderThan(req.SinceID, edge) {
		req.SinceID = "" // X would refuse it; everything older is out of reach anyway
	}
	return req, cp, false, nil
}

// repair clears the checkpoint's ids that X could not have sent by now (saved before ingest
// screened ids, or by hand): a since_id in the future would hide every post until then. The
// sweep then starts over from what is left; recording is idempotent, so posts fetched again
// count once.
func (h *Handler) repair(ctx context.Context, log *slog.Logger, cp store.Checkpoint) (store.Checkpoint, error) {
	now := h.cfg.Now()
	fixed := cp
	fixed.Version = 0
	var cleared []any
	for _, f := range []struct {
		name string
		id   *string
	}{{"since_id", &fixed.SinceID}, {"newest_id", &fixed.NewestID}, {"until_id", &fixed.UntilID}} {
		if err := postid.CheckPlausible(*f.id, now); *f.id != "" && err != nil {
			cleared = append(cleared, f.name, err.Error())
			*f.id = ""
		}
	}
	if cleared == nil {
		return cp, nil
	}
	log.WarnContext(ctx, "checkpoint holds ids X could not have sent; clearing them", cleared...)
	cp, err := h.board.SaveCheckpoint(ctx, cp, fixed)
	if err != nil {
		return cp, fmt.Errorf("repair the checkpoint: %w", err)
	}
	return cp, nil
}

// pageBounds are the newest and oldest ids of a page the checkpoint may take ("" when none).
type pageBounds struct {
	newest, oldest string
	next           string // the page's next_token
}

// skippedPost is an entry of X's answer that is not recorded, and why.
type skippedPost struct{ id, reason string }

// screen returns the posts of page to record (those whose id X could have sent by now:
// postid.CheckPlausible), the entries it does not record (xapi's skipped ones and the
// implausible ones), and the page's bounds for the checkpoint: the newest and oldest of its
// plausible ids (xapi's bounds, which cover skipped entries too, when plausible).
func screen(page xapi.Page, now time.Time) ([]xapi.Post, []skippedPost, pageBounds) {
	var skipped []skippedPost
	for _, sk := range page.Skipped {
		skipped = append(skipped, skippedPost{sk.ID, sk.Reason})
	}
	kept := make([]xapi.Post, 0, len(page.Posts))
	for _, p := range page.Posts {
		if err := postid.CheckPlausible(p.ID, now); err != nil {
			skipped = append(skipped, skippedPost{p.ID, "implausible id: " + err.Error()})
			continue
		}
		kept = append(kept, p)
	}
	b := pageBounds{next: page.NextToken}
	ids := []string{page.NewestID, page.OldestID}
	for _, sk := range page.Skipped {
		ids = append(ids, sk.ID)
	}
	for _, p := range kept {
		ids = append(ids, p.ID)
	}
	for _, id := range ids {
		if postid.CheckPlausible(id, now) != nil {
			continue
		}
		b.newest, _ = postid.Max(b.newest, id)
		if c, _ := postid.Compare(id, b.oldest); b.oldest == "" || c < 0 {
			b.oldest = id
		}
	}
	return kept, skipped, b
}

// logSkipped warns about the entries of page number n that are not recorded, each with its
// reason (at most maxSkippedLogged of them; ids are cut short: they are untrusted).
func logSkipped(ctx context.Context, log *slog.Logger, n int, skipped []skippedPost) {
	if len(skipped) == 0 {
		return
	}
	list := make([]map[string]string, 0, min(len(skipped), maxSkippedLogged))
	for _, sk := range skipped[:min(len(skipped), maxSkippedLogged)] {
		id := sk.id
		if len(id) > 24 {
			id = strings.ToValidUTF8(id[:24], "") + "..."
		}
		list = append(list, map[string]string{"id": id, "reason": sk.reason})
	}
	log.WarnContext(ctx, "posts skipped", "page", n, "posts_skipped", len(skipped), "skipped", list)
}

// logRecorded logs what the store did with a batch of n posts: a warning when it did not record
// some of them (a bad id or created_at: see store.Record), else at debug level.
func logRecorded(ctx context.Context, log *slog.Logger, page, n int, rec store.RecordResult) {
	level, msg := slog.LevelDebug, "posts recorded"
	if rec.Skipped > 0 {
		level, msg = slog.LevelWarn, "posts the store did not record"
	}
	log.Log(ctx, level, msg, "page", page, "posts", n, "posts_new", rec.New, "posts_duplicate", rec.Duplicates,
		"posts_skipped", rec.Skipped, "hashtags_counted", rec.HashtagsCounted, "hashtags_rejected", rec.RejectedHashtags)
}

// cutByDeadline reports whether a fetch error is the request being cut off by its context:
// xapi wraps the context's error (context.DeadlineExceeded, which net/http's client
// timeout errors also match) or a network timeout. An answer that did arrive (401/403, a
// malformed body, a 400) is not, however late it came.
func cutByDeadline(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ne) && ne.Timeout()
}

func olderThan(id string, edge time.Time) bool {
	t, err := postid.Time(id)
	return err == nil && t.Before(edge)
}

// advance is the checkpoint after a recorded page of the current sweep. Its ids come from the
// store and from screen, which both check them, so an error here means a broken invariant.
func advance(cp store.Checkpoint, page pageBounds) (store.Checkpoint, error) {
	next := cp
	next.Version = 0
	var err error
	if next.NewestID, err = postid.Max(next.NewestID, page.newest); err != nil {
		return cp, fmt.Errorf("newest id: %w", err)
	}
	if page.oldest != "" {
		if next.UntilID == "" {
			next.UntilID = page.oldest
		} else if c, err := postid.Compare(page.oldest, next.UntilID); err != nil {
			return cp, fmt.Errorf("oldest id: %w", err)
		} else if c < 0 {
			next.UntilID = page.oldest
		}
	}
	if page.next == "" { // the sweep reached since_id: everything up to newest_id is in
		since, err := postid.Max(cp.SinceID, next.NewestID)
		if err != nil {
			return cp, fmt.Errorf("since id: %w", err)
		}
		next = store.Checkpoint{SinceID: since}
	}
	return next, nil
}

// toPosts turns a page into store posts: hashtags from entities, or extracted from the text
// when the API sent no entities; none for possibly-sensitive posts (when configured), none of
// the excluded ones, at most MaxHashtagsPerPost. Every post is passed on, so it is marked seen
// exactly once.
func (h *Handler) toPosts(in []xapi.Post) []store.Post {
	out := make([]store.Post, 0, len(in))
	for _, p := range in {
		tags := p.Hashtags
		if !p.HasEntities {
			tags = hashtag.Extract(p.Text)
		}
		if p.PossiblySensitive && h.cfg.SkipSensitive {
			tags = nil
		}
		if len(tags) > 0 {
			tags = h.countable(tags)
		}
		out = append(out, store.Post{ID: p.ID, CreatedAt: p.CreatedAt, Hashtags: tags})
	}
	return out
}

// countable returns the hashtags of a post that count: the first MaxHashtagsPerPost distinct
// ones (by their normalised form) that are not excluded. Tags the hashtag rules reject are
// passed on for the store to reject and count, and take a place too.
func (h *Handler) countable(tags []string) []string {
	kept := make([]string, 0, min(len(tags), MaxHashtagsPerPost))
	seen := make(map[string]bool, cap(kept))
	for _, t := range tags {
		if len(kept) == MaxHashtagsPerPost {
			break
		}
		n, err := hashtag.Normalize(t)
		switch {
		case err != nil:
			kept = append(kept, t)
		case !h.excluded[n] && !seen[n]:
			seen[n] = true
			kept = append(kept, t)
		}
	}
	return kept
}
