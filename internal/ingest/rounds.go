package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// boardRun is one board's state in a run.
type boardRun struct {
	feed
	log      *slog.Logger
	res      Totals
	cp       store.Checkpoint
	loaded   bool             // cp was read
	req      xapi.PageRequest // the current sweep's cursors; NextToken continues it
	sweeping bool             // req is a sweep in progress
	retried  bool             // the since_id outside the search window was dropped once
	done     bool             // no more pages this run: caught up, lost the checkpoint, or failed
	err      error            // why it failed

	decided     bool        // the sweep's first page was read and sampling decided on (decide)
	plan        *samplePlan // the pieces of the unread span to sample; nil: reading whole
	sampledHad  int64       // what X had in the spans sampled in this run (its counts)
	sampledRead int         // posts fetched in those spans
	// The run at this board's turn: the boards still active and the pages left.
	active, pagesLeft int
}

func (r *boardRun) fail(err error) {
	r.done = true
	r.err = fmt.Errorf("board %s: %w", r.Name, err)
}

// turn is what one board's turn ended with.
type turn int

const (
	noPage  turn = iota // the board had no page: it is done (caught up, conflict, failure)
	gotPage             // the board got a page
	stopRun             // no more requests in this run (time, budget, rate limit, credentials)
)

// run gives the boards their turns, one page at a time in rotation, within the page cap, the
// time budget, the read budget and the rate limit, and sums up what they read.
func (h *Handler) run(ctx context.Context, log *slog.Logger, stopAt time.Time) (Result, error) {
	res := Result{Boards: make(map[string]Totals, len(h.boards))}
	runs := make([]*boardRun, len(h.boards))
	for i, b := range h.boards {
		runs[i] = &boardRun{feed: b, log: log.With("board", b.Name)}
	}
	upkeepFirst(ctx, runs)
	st, err := h.quotaState(ctx)
	if err != nil {
		return h.summarize(res, runs, fmt.Errorf("ingest: %w", err))
	}
	res.PostsReadToday, res.readKnown = st.ReadToday, h.quota != nil
	if h.noRequestYet(ctx, log, st, &res) {
		return h.summarize(res, runs, nil)
	}
	order := rotate(runs, st.NextBoard)
	served, fatal := h.rounds(ctx, log, order, stopAt, &res)
	settleTrending(ctx, runs)
	h.saveNextBoard(ctx, log, order, served)
	return h.summarize(res, runs, fatal)
}

// upkeepFirst: every run advances every board's rolling windows first, whatever the X API then
// answers, so reads find them current even when no post is recorded (see store.Store.Upkeep).
func upkeepFirst(ctx context.Context, runs []*boardRun) {
	for _, r := range runs {
		if err := r.Board.Upkeep(ctx); err != nil {
			r.fail(fmt.Errorf("ingest: %w", err))
		}
	}
}

// quotaState is the stored read quota (the zero state without a quota store).
func (h *Handler) quotaState(ctx context.Context) (store.QuotaState, error) {
	if h.quota == nil {
		return store.QuotaState{}, nil
	}
	return h.quota.State(ctx)
}

// noRequestYet reports whether the quota st allows no request in this run (the rate limit's
// block, the read budget accrued so far spent), and notes it in res.
func (h *Handler) noRequestYet(ctx context.Context, log *slog.Logger, st store.QuotaState, res *Result) bool {
	switch {
	case !st.Blocked.IsZero():
		res.rateLimited(st.Blocked)
		log.WarnContext(ctx, "the X API rate limit allows no request yet; stopping until the next run",
			"rate_limit_reset", st.Blocked.Format(time.RFC3339))
		return true
	case h.cfg.DailyPostBudget > 0 && budgetRemaining(h.limit(), st.ReadToday) < xapi.MinPageSize:
		res.BudgetExhausted = true
		log.InfoContext(ctx, "the X API read budget accrued so far is spent; no request until more accrues",
			"posts_read_today", st.ReadToday, "daily_post_budget", h.cfg.DailyPostBudget, "accrued", h.limit())
		return true
	}
	return false
}

// rounds gives the boards in order a turn each, round after round, until every board is done
// or the run stops (the page cap, the time budget, a turn's stopRun, ctx). served is the place
// in order of the last board that got a page (-1: none); fatal is the last turn's error.
func (h *Handler) rounds(ctx context.Context, log *slog.Logger, order []*boardRun, stopAt time.Time,
	res *Result) (served int, fatal error) {
	pages := 0
	served = -1
	for {
		active := false
		for i, r := range order {
			if r.done {
				continue
			}
			active = true
			r.active, r.pagesLeft = activeBoards(order), h.cfg.MaxPages-pages
			if pages >= h.cfg.MaxPages {
				log.InfoContext(ctx, "stopping at the page cap", "max_pages", h.cfg.MaxPages)
				return served, fatal
			}
			if !time.Now().Before(stopAt) {
				log.InfoContext(ctx, "stopping at the time budget", "pages", pages)
				return served, fatal
			}
			var t turn
			t, fatal = h.turn(ctx, r, stopAt, res)
			if t == gotPage {
				pages++
				served = i
			}
			if t == stopRun || ctx.Err() != nil {
				return served, fatal
			}
		}
		if !active {
			return served, fatal
		}
	}
}

// settleTrending: a board that recorded posts settles its trending views at the end of the run,
// so they hold the run's posts (see store.Store.Upkeep); when that fails, the next run's first
// upkeep settles them, and the board's error says so.
func settleTrending(ctx context.Context, runs []*boardRun) {
	for _, r := range runs {
		if r.res.PostsNew == 0 {
			continue
		}
		if err := r.Board.Upkeep(ctx); err != nil {
			prev := r.err
			r.fail(fmt.Errorf("ingest: settle the trending views after recording %d posts (the next run settles them): %w", r.res.PostsNew, err))
			r.err = errors.Join(prev, r.err)
		}
	}
}

// saveNextBoard stores the board after the last one served (the place served in order) as the
// one the next run starts with, so every board gets its share of the pages over the runs.
func (h *Handler) saveNextBoard(ctx context.Context, log *slog.Logger, order []*boardRun, served int) {
	if h.quota != nil && served >= 0 {
		next := order[(served+1)%len(order)].Name
		if err := h.quota.SetNextBoard(ctx, next); err != nil {
			log.WarnContext(ctx, "could not save the board the next run starts with", "next_board", next, "error", err.Error())
		}
	}
}

// activeBoards is how many boards are not done.
func activeBoards(runs []*boardRun) int {
	n := 0
	for _, r := range runs {
		if !r.done {
			n++
		}
	}
	return n
}

// rotate returns runs starting at the board called first (as they are when there is none).
func rotate(runs []*boardRun, first string) []*boardRun {
	for i, r := range runs {
		if r.Name == first {
			return append(slices.Clone(runs[i:]), runs[:i]...)
		}
	}
	return runs
}

// summarize fills res with every board's totals and their sum, and returns it with the boards'
// errors and fatal joined.
func (h *Handler) summarize(res Result, runs []*boardRun, fatal error) (Result, error) {
	errs := make([]error, 0, len(runs)+1)
	res.Complete = true
	for _, r := range runs {
		t := r.res
		t.RateLimited = res.RateLimited && !t.Complete
		t.PostsHad = int(r.sampledHad) + max(t.PostsFetched-r.sampledRead, 0)
		t.Coverage = coverage(t.PostsFetched, t.PostsHad)
		res.PostsHad += t.PostsHad
		res.Boards[r.Name] = t
		res.Pages += t.Pages
		res.PostsFetched += t.PostsFetched
		res.PostsNew += t.PostsNew
		res.PostsSkipped += t.PostsSkipped
		res.PostsWithoutAuthor += t.PostsWithoutAuthor
		res.HashtagsCounted += t.HashtagsCounted
		res.Complete = res.Complete && t.Complete
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	if fatal != nil {
		errs = append(errs, fatal)
	}
	res.Coverage = coverage(res.PostsFetched, res.PostsHad)
	return res, errors.Join(errs...)
}

// turn fetches and records one page of board r. It returns gotPage when r got one, stopRun when
// the run must send no more requests (the time budget, the read budget, the rate limit), with
// an error when that is a failure of every board (the credentials, the quota); a failure of r
// alone ends r (r.err) and returns noPage.
func (h *Handler) turn(ctx context.Context, r *boardRun, stopAt time.Time, res *Result) (turn, error) {
	log := r.log
	if !r.loaded {
		cp, err := r.Board.Checkpoint(ctx)
		if err != nil {
			r.fail(fmt.Errorf("ingest: %w", err))
			return noPage, nil
		}
		if cp, err = h.repair(ctx, log, r.Board, cp); err != nil {
			if errors.Is(err, store.ErrCheckpointConflict) {
				log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
				r.done = true
				return noPage, nil
			}
			r.fail(err)
			return noPage, nil
		}
		r.cp, r.loaded = cp, true
	}
	if r.plan != nil {
		return h.samplePiece(ctx, r, stopAt, res)
	}
	for {
		if !r.sweeping {
			req, cp, done, err := h.startSweep(ctx, r.Board, r.cp)
			r.cp = cp
			switch {
			case errors.Is(err, store.ErrCheckpointConflict):
				log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
				r.done = true
				return noPage, nil
			case err != nil:
				r.fail(err)
				return noPage, nil
			case done:
				continue // a gap out of reach was closed: start over from the new since_id
			}
			r.req, r.sweeping, r.decided = req, true, false
		}
		g, t, err := h.reserve(ctx, log, res, h.firstPage(r, h.fairShare(res, r.active)))
		if t == stopRun {
			return t, err
		}
		r.req.MaxResults = g.Posts
		fetchCtx, cancel := context.WithDeadline(ctx, stopAt)
		page, err := r.Source.FetchPage(fetchCtx, r.req)
		budgetHit := fetchCtx.Err() != nil && ctx.Err() == nil // the fetch deadline, not the caller, ended it
		cancel()
		block := blockUntil(page, err, h.cfg.Now())
		h.settle(ctx, log, g, postsRead(page, err, g.Posts), block, res)
		if errors.Is(err, xapi.ErrOutsideSearchWindow) && !r.retried && !errors.Is(err, xapi.ErrRateLimited) {
			// Our clock and X's disagree about the window's edge: drop the old cursor once.
			log.WarnContext(ctx, "cursor outside the search window; dropping since_id", "since_id", r.req.SinceID)
			r.retried = true
			r.req.SinceID, r.req.NextToken = "", ""
			continue
		}
		if t, done := h.fetchFailed(ctx, r, res, err, budgetHit, block); done {
			return t, h.fatal(r, err, t)
		}
		h.record(ctx, r, page)
		if r.sweeping && !r.decided && !r.done {
			r.decided = true
			if err := h.decide(ctx, r, res, page, r.active, r.pagesLeft); err != nil {
				return stopRun, err
			}
		}
		if page.RateLimit.Exhausted() {
			res.rateLimited(page.RateLimit.Reset)
			log.WarnContext(ctx, "the X API rate limit is used up; no request before its reset",
				"rate_limit_reset", page.RateLimit.Reset.UTC().Format(time.RFC3339))
			return stopRun, nil
		}
		return gotPage, nil
	}
}

// fetchFailed handles a failed fetch of board r (err nil: none): done is true when the turn ends
// with t (the rate limit, the time budget, the credentials: stopRun; else r failed: noPage).
// block is blockUntil of the answer.
func (h *Handler) fetchFailed(ctx context.Context, r *boardRun, res *Result, err error, budgetHit bool,
	block time.Time) (t turn, done bool) {
	log := r.log
	switch {
	case err == nil:
		return gotPage, false
	case errors.Is(err, xapi.ErrRateLimited):
		res.rateLimited(block)
		_, sent := xapi.RateLimitReset(err)
		log.WarnContext(ctx, "rate limited by the X API; stopping until the next run", "pages", r.res.Pages,
			"rate_limit_reset", block.UTC().Format(time.RFC3339), "reset_sent", sent)
		return stopRun, true
	case budgetHit && cutByDeadline(err):
		log.InfoContext(ctx, "stopping at the time budget", "pages", r.res.Pages, "error", err.Error())
		return stopRun, true
	case errors.Is(err, xapi.ErrUnauthorized):
		return stopRun, true // fatal: see Handler.fatal
	default:
		r.fail(fmt.Errorf("fetch page %d: %w", r.res.Pages+1, err))
		return noPage, true
	}
}

// fatal is the run's error after a fetch of board r that ended the run with t: the
// credentials are every board's, so their refusal fails the run (the other boards would be
// refused too).
func (h *Handler) fatal(r *boardRun, err error, t turn) error {
	if t == stopRun && errors.Is(err, xapi.ErrUnauthorized) {
		return fmt.Errorf("board %s: fetch page %d: %w", r.Name, r.res.Pages+1, err)
	}
	return nil
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
