package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// Sampling: when a board's unread span holds more posts than the board can afford in this run,
// the run reads a sample spread over the whole span instead of its newest end.
//
// A sweep (or a gap) starts as always: its first page is the newest posts of the unread span.
// When that page leaves more (a next_token) and the page's rate of posts, over the rest of the
// span, comes to more than the board's share of what the budget has open, the run asks X how
// many posts the span holds (GET /2/tweets/counts/recent: one unit of the budget; minute
// buckets for a span of a day or less, else hours). When even X's count is more than the share,
// it hands X's buckets to the store (SetHad) and cuts the rest of the span into pieces along the
// hours (pieces.go), as many as its pages and posts allow (each at least X's smallest page). It
// reads one page of each piece (start_time/end_time, ending at a drawn point: piece.readEnd),
// oldest piece first, moving the checkpoint's since_id past each piece as it is done; after the
// last the span is closed (since_id = the sweep's newest). Otherwise the span is read whole and
// the store is not told what X had (what was read is what X had).
// A run that stops half-way leaves the rest as the gap it was, for the next run to decide on.
// Every post is still recorded at most once (recording is idempotent). Without a budget, or
// when the share covers the span, the span is read whole, as before, and no counts are asked.

// counter is a Source that can count the query's posts (xapi.Source).
type counter interface {
	Counts(ctx context.Context, req xapi.CountsRequest) (xapi.Counts, error)
}

// hadSetter is a Board that keeps what X had for its query (store.Store).
type hadSetter interface {
	SetHad(ctx context.Context, had []store.Had) error
}

const (
	// countsLag is how long before now a counts request ends: X wants end_time at least 10
	// seconds before the request.
	countsLag = 15 * time.Second
	// minuteCountsSpan is the longest span counted in minute buckets (1,440 of them); longer
	// spans are counted in hours.
	minuteCountsSpan = 24 * time.Hour
	// hadSlot is the store's coverage slot: counts start on one of its boundaries, so they set
	// whole slots (store.SetHad).
	hadSlot = 5 * time.Minute
)

// firstPage is the posts to ask for in r's next sweep page given its share: the share, except
// for the first page of a sweep over a span longer than the interval, which gets the part of
// the share that the span's newest interval would have if posts came evenly (at least X's
// smallest page): when the span needs sampling, its newest end is not read more densely than the
// rest. Without a budget or sampling the share is returned.
func (h *Handler) firstPage(r *boardRun, share int) int {
	if r.decided || r.req.NextToken != "" || h.cfg.DailyPostBudget == 0 {
		return share
	}
	if _, ok := r.Source.(counter); !ok {
		return share
	}
	now := h.cfg.Now()
	from := now.Add(-searchWindow)
	if t, err := postid.Time(r.req.SinceID); r.req.SinceID != "" && err == nil && t.After(from) {
		from = t
	}
	to := now
	if t, err := postid.Time(r.req.UntilID); r.req.UntilID != "" && err == nil {
		to = t
	}
	span := to.Sub(from)
	if span <= h.cfg.Interval {
		return share
	}
	return max(int(float64(share)*float64(h.cfg.Interval)/float64(span)), xapi.MinPageSize)
}

// within is the posts of buckets in [from, to), a bucket partly inside counted in proportion.
func within(buckets []xapi.CountBucket, from, to time.Time) int64 {
	return int64(withinF(buckets, from, to) + 0.5)
}

func withinF(buckets []xapi.CountBucket, from, to time.Time) float64 {
	var sum float64
	for _, b := range buckets {
		lo, hi := maxTime(b.Start, from), minTime(b.End, to)
		if hi.After(lo) {
			sum += float64(b.Posts) * float64(hi.Sub(lo)) / float64(b.End.Sub(b.Start))
		}
	}
	return sum
}

// span is a board's unread span after the first page of a sweep: from the checkpoint's since_id
// (or the search window's edge) to the oldest post read.
func (h *Handler) span(r *boardRun) (from, to time.Time, ok bool) {
	now := h.cfg.Now()
	from = now.Add(-searchWindow).Truncate(time.Second).Add(time.Second)
	if t, err := postid.Time(r.cp.SinceID); r.cp.SinceID != "" && err == nil && t.After(from) {
		from = t
	}
	to, err := postid.Time(r.cp.UntilID)
	if err != nil {
		return from, to, false
	}
	to = to.Truncate(time.Second)
	return from, to, to.Sub(from) > time.Second
}

// decide is called after the first page of a sweep that left more to read: it keeps reading the
// sweep whole when the board's share covers it, else plans a sample (see above).
func (h *Handler) decide(ctx context.Context, r *boardRun, res *Result, page xapi.Page, active, pagesLeft int) error {
	ctr, ok1 := r.Source.(counter)
	hs, ok2 := r.Board.(hadSetter)
	from, to, ok := h.span(r)
	if !ok1 || !ok2 || !ok || h.cfg.DailyPostBudget == 0 || h.quota == nil {
		return nil
	}
	share := h.boardShare(res, active)
	now := h.cfg.Now()
	n := int64(len(page.Posts) + len(page.Skipped))
	// The page holds the posts from its oldest (to) up to the sweep's top: now, or the gap's
	// until_id.
	top := now
	if t, err := postid.Time(r.req.UntilID); r.req.UntilID != "" && err == nil && t.Before(now) {
		top = t
	}
	est := n * int64(to.Sub(from)/time.Second) / max(int64(top.Sub(to)/time.Second), 1)
	if est <= share {
		return nil
	}
	counts, err := h.count(ctx, r, ctr, res, from, now)
	if err != nil || counts == nil {
		return err
	}
	unread := within(counts.Buckets, from, to)
	share = h.boardShare(res, active)
	if unread <= share {
		return nil // read whole after all: what was read is what X had, the store needs no counts
	}
	had := make([]store.Had, len(counts.Buckets))
	for i, b := range counts.Buckets {
		had[i] = store.Had{Start: b.Start, End: b.End, Posts: int64(b.Posts)}
	}
	if err := hs.SetHad(ctx, had); err != nil {
		r.log.WarnContext(ctx, "could not keep what X had; reading the span as before", "error", err.Error())
		return nil
	}
	r.sampledHad += within(counts.Buckets, from, now)
	r.sampledRead += int(n)
	// The plan may use the pages the other boards leave (each takes one a round anyway); what it
	// does not read in this run stays the gap it was.
	pages := max(pagesLeft-(active-1), 1)
	count := min(int64(pages), share/xapi.MinPageSize)
	plan := &samplePlan{pieces: hourPieces(counts.Buckets, from, to, int(count))}
	r.plan = plan
	r.log.InfoContext(ctx, "sampling the unread span", "from", from.Format(time.RFC3339), "to", to.Format(time.RFC3339),
		"posts_had", unread, "share", share, "pieces", len(plan.pieces))
	if len(plan.pieces) == 0 {
		return h.closeSample(ctx, r)
	}
	return nil
}

// count asks X for the counts of [from rounded down to a slot, now - countsLag), as one unit of
// the budget. It returns nil counts (and no error) when the budget or X did not allow it.
func (h *Handler) count(ctx context.Context, r *boardRun, ctr counter, res *Result, from, now time.Time) (*xapi.Counts, error) {
	g, err := h.quota.Reserve(ctx, h.limit(), 1, 1)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	res.PostsReadToday = g.ReadToday
	if g.Posts == 0 {
		return nil, nil
	}
	req := xapi.CountsRequest{Start: from.Truncate(hadSlot), End: now.Add(-countsLag).Truncate(time.Second), Granularity: xapi.GranularityMinute}
	if req.End.Sub(req.Start) > minuteCountsSpan {
		req.Granularity = xapi.GranularityHour
	}
	counts, err := ctr.Counts(ctx, req)
	used := 1
	var xe *xapi.Error
	if err != nil && errors.As(err, &xe) && (xe.StatusCode >= 400 || xe.StatusCode == 0 && errors.Is(err, xapi.ErrInvalidRequest)) {
		used = 0 // refused: X bills nothing
	}
	block := blockUntil(xapi.Page{RateLimit: counts.RateLimit}, err, h.cfg.Now())
	if today, serr := h.quota.Settle(ctx, g, used, block); serr == nil {
		res.PostsReadToday = today
	}
	res.CountsRequests += used
	if err != nil {
		r.log.WarnContext(ctx, "could not count the unread span; reading it as before", "error", err.Error())
		return nil, nil
	}
	return &counts, nil
}

// samplePiece reads the next piece of r's plan: one page, the newest posts of the piece.
func (h *Handler) samplePiece(ctx context.Context, r *boardRun, stopAt time.Time, res *Result) (turn, error) {
	log := r.log
	p := r.plan.pieces[0]
	share := h.boardShare(res, r.active)
	g, t, err := h.reserve(ctx, log, res, r.plan.size(share))
	if t == stopRun {
		return t, err
	}
	req := xapi.PageRequest{StartTime: p.start, EndTime: p.readEnd(r.Name, g.Posts), MaxResults: g.Posts}
	fetchCtx, cancel := context.WithDeadline(ctx, stopAt)
	page, err := r.Source.FetchPage(fetchCtx, req)
	budgetHit := fetchCtx.Err() != nil && ctx.Err() == nil
	cancel()
	block := blockUntil(page, err, h.cfg.Now())
	h.settle(ctx, log, g, postsRead(page, err, g.Posts), block, res)
	if t, done := h.fetchFailed(ctx, r, res, err, budgetHit, block); done {
		return t, nil
	}
	r.sampledRead += len(page.Posts) + len(page.Skipped)
	if !h.recordPosts(ctx, r, page) {
		return gotPage, nil
	}
	r.plan.pieces = r.plan.pieces[1:]
	if len(r.plan.pieces) == 0 {
		if err := h.closeSample(ctx, r); err != nil {
			return gotPage, err
		}
	} else if err := h.savePiece(ctx, r, p.end); err != nil {
		return gotPage, err
	}
	if page.RateLimit.Exhausted() {
		res.RateLimited = true
		log.WarnContext(ctx, "the X API rate limit is used up; no request before its reset",
			"rate_limit_reset", page.RateLimit.Reset.UTC().Format(time.RFC3339))
		return stopRun, nil
	}
	return gotPage, nil
}

// savePiece moves the checkpoint's since_id to just below the first id of instant end: every
// post of the span older than end has had its chance.
func (h *Handler) savePiece(ctx context.Context, r *boardRun, end time.Time) error {
	v, err := postid.Parse(postid.Make(end, 0))
	if err != nil {
		return nil
	}
	next := r.cp
	next.Version = 0
	since := strconv.FormatUint(v-1, 10)
	if c, err := postid.Compare(since, r.cp.SinceID); r.cp.SinceID != "" && (err != nil || c <= 0) {
		return nil
	}
	next.SinceID = since
	return h.saveSample(ctx, r, next)
}

// closeSample ends r's plan: the span is done, the checkpoint's since_id is the sweep's newest.
func (h *Handler) closeSample(ctx context.Context, r *boardRun) error {
	since, err := postid.Max(r.cp.SinceID, r.cp.NewestID)
	if err != nil {
		r.fail(fmt.Errorf("close the sampled span: checkpoint: %w", err))
		return nil
	}
	r.plan, r.sweeping = nil, false
	if err := h.saveSample(ctx, r, store.Checkpoint{SinceID: since}); err != nil || r.done {
		return err
	}
	if r.req.UntilID == "" {
		r.res.Complete = true // sampled down from the newest post: caught up
		r.done = true
	}
	return nil
}

func (h *Handler) saveSample(ctx context.Context, r *boardRun, next store.Checkpoint) error {
	cp, err := r.Board.SaveCheckpoint(ctx, r.cp, next)
	switch {
	case errors.Is(err, store.ErrCheckpointConflict):
		r.log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
		r.done = true
	case err != nil:
		r.fail(fmt.Errorf("sampled span: %w", err))
	default:
		r.cp = cp
	}
	return nil
}

// coverage is posts read ÷ posts had, 4 decimals, 1 when nothing was had.
func coverage(read, had int) float64 {
	if had <= 0 || read >= had {
		return 1
	}
	return float64(int(float64(read)/float64(had)*1e4+0.5)) / 1e4
}
