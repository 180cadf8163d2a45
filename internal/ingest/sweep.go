package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// record counts a fetched page on board r and moves its checkpoint; a failure ends r.
func (h *Handler) record(ctx context.Context, r *boardRun, page xapi.Page) {
	log := r.log
	r.res.Pages++
	r.res.PostsFetched += len(page.Posts) + len(page.Skipped)
	kept, skipped, bounds := screen(page, h.cfg.Now())
	r.res.PostsSkipped += len(skipped)
	logSkipped(ctx, log, r.res.Pages, skipped)
	if !h.recordKept(ctx, r, kept) {
		return
	}
	h.advanceSweep(ctx, r, bounds, page.NextToken)
}

// recordPosts counts a page of a sampled piece on board r (the checkpoint moves after it, see
// samplePiece); false when r failed.
func (h *Handler) recordPosts(ctx context.Context, r *boardRun, page xapi.Page) bool {
	r.res.Pages++
	r.res.PostsFetched += len(page.Posts) + len(page.Skipped)
	kept, skipped, _ := screen(page, h.cfg.Now())
	r.res.PostsSkipped += len(skipped)
	logSkipped(ctx, r.log, r.res.Pages, skipped)
	return h.recordKept(ctx, r, kept)
}

// recordKept records the screened posts of a page on board r; false when r failed.
func (h *Handler) recordKept(ctx context.Context, r *boardRun, kept []xapi.Post) bool {
	log := r.log
	// A page is one atomic batch (X sends at most 100 posts); a larger one is recorded in
	// store-sized batches, each atomic and idempotent, before the checkpoint moves.
	posts, noAuthor := h.toPosts(kept, r.excluded)
	r.res.PostsWithoutAuthor += noAuthor
	if noAuthor > 0 {
		log.WarnContext(ctx, "posts without an author id: counted, and as one author toward trending",
			"page", r.res.Pages, "posts_without_author", noAuthor)
	}
	for len(posts) > 0 {
		n := min(len(posts), store.MaxBatch)
		rec, err := r.Board.Record(ctx, posts[:n])
		if err != nil {
			r.fail(fmt.Errorf("page %d: %w", r.res.Pages, err))
			return false
		}
		r.res.PostsNew += rec.New
		r.res.HashtagsCounted += rec.HashtagsCounted
		logRecorded(ctx, log, r.res.Pages, n, rec)
		posts = posts[n:]
	}
	return true
}

// advanceSweep moves r's checkpoint after a recorded page of its sweep (next: the page's
// next_token).
func (h *Handler) advanceSweep(ctx context.Context, r *boardRun, bounds pageBounds, next string) {
	log := r.log
	cp, err := advance(r.cp, bounds)
	if err != nil {
		r.fail(fmt.Errorf("page %d: checkpoint: %w", r.res.Pages, err))
		return
	}
	if r.cp, err = r.Board.SaveCheckpoint(ctx, r.cp, cp); err != nil {
		if errors.Is(err, store.ErrCheckpointConflict) {
			log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it", "pages", r.res.Pages)
			r.done = true
			return
		}
		r.fail(fmt.Errorf("page %d: %w", r.res.Pages, err))
		return
	}
	if next != "" {
		r.req.NextToken = next
		return
	}
	r.sweeping = false
	if r.req.UntilID == "" {
		r.res.Complete = true // a sweep from the newest post down to since_id is done
		r.done = true
	}
	// Else a gap was filled; the board's next turn goes on with the posts newer than the sweep
	// that left it.
}

// startSweep returns the cursors of the next sweep. done is true when the checkpoint's gap
// has left the search window: it is closed (saved) and no request is needed for it.
func (h *Handler) startSweep(ctx context.Context, board Board, cp store.Checkpoint) (req xapi.PageRequest, _ store.Checkpoint, done bool, err error) {
	edge := h.cfg.Now().Add(-searchWindow)
	req = xapi.PageRequest{SinceID: cp.SinceID, UntilID: cp.UntilID}
	if req.UntilID != "" && olderThan(req.UntilID, edge) {
		since, err := postid.Max(cp.SinceID, cp.NewestID)
		if err != nil {
			return req, cp, false, fmt.Errorf("close a gap older than the search window: checkpoint: %w", err)
		}
		cp, err = board.SaveCheckpoint(ctx, cp, store.Checkpoint{SinceID: since})
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
func (h *Handler) repair(ctx context.Context, log *slog.Logger, board Board, cp store.Checkpoint) (store.Checkpoint, error) {
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
	cp, err := board.SaveCheckpoint(ctx, cp, fixed)
	if err != nil {
		return cp, fmt.Errorf("repair the checkpoint: %w", err)
	}
	return cp, nil
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
