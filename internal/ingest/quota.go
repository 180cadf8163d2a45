package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// logSpend logs the posts read today and what they cost at the configured price.
func (h *Handler) logSpend(ctx context.Context, log *slog.Logger, res Result) {
	attrs := []any{"posts_read", res.PostsRead, "posts_read_today", res.PostsReadToday,
		"daily_post_budget", h.cfg.DailyPostBudget, "price_per_post_usd", h.cfg.PricePerPost,
		"estimated_spend_today_usd", spend(res.PostsReadToday, h.cfg.PricePerPost)}
	if h.cfg.DailyPostBudget > 0 && res.readKnown {
		attrs = append(attrs, "budget_remaining", budgetRemaining(h.cfg.DailyPostBudget, res.PostsReadToday))
	}
	log.InfoContext(ctx, "x api reads", attrs...)
}

// spend is n posts at price, in USD rounded to a hundredth of a cent.
func spend(n int64, price float64) float64 { return math.Round(float64(n)*price*1e4) / 1e4 }

func budgetRemaining(budget int, read int64) int64 { return max(int64(budget)-read, 0) }

// reserve grants the posts of the next request, want at most: stopRun when the rate limit or
// the read budget allows none (or the quota cannot be read: with an error). Without a quota it
// grants a full page.
func (h *Handler) reserve(ctx context.Context, log *slog.Logger, res *Result, want int) (store.Grant, turn, error) {
	if h.quota == nil {
		return store.Grant{Posts: xapi.MaxPageSize}, gotPage, nil
	}
	g, err := h.quota.Reserve(ctx, h.limit(), max(want, xapi.MinPageSize), xapi.MinPageSize)
	if err != nil {
		return g, stopRun, fmt.Errorf("ingest: %w", err)
	}
	res.PostsReadToday = g.ReadToday
	switch {
	case !g.Blocked.IsZero():
		res.rateLimited(g.Blocked)
		log.WarnContext(ctx, "the X API rate limit allows no request yet; stopping until the next run",
			"rate_limit_reset", g.Blocked.Format(time.RFC3339))
		return g, stopRun, nil
	case g.Posts == 0:
		res.BudgetExhausted = true
		log.InfoContext(ctx, "the X API read budget accrued so far is spent; no request until more accrues",
			"posts_read_today", g.ReadToday, "daily_post_budget", h.cfg.DailyPostBudget, "accrued", h.limit())
		return g, stopRun, nil
	}
	return g, gotPage, nil
}

// settle counts read posts for the request of grant g and saves blockUntil (when set): from
// then on no run sends a request before it. A failure is logged: the reservation then stays
// counted in full, which errs on the side of the budget.
func (h *Handler) settle(ctx context.Context, log *slog.Logger, g store.Grant, read int, blockUntil time.Time, res *Result) {
	res.PostsRead += read
	if h.quota == nil {
		return
	}
	today, err := h.quota.Settle(ctx, g, read, blockUntil)
	if err != nil {
		log.ErrorContext(ctx, "could not settle the X API reads; the reservation stays counted", "error", err.Error())
		return
	}
	res.PostsReadToday = today
}

// postsRead is how many posts a request that reserved n is counted for: those of the page, none
// when X answered with an error status or the request was refused or not sent, and n when an
// answer may have held posts that did not arrive (a 200 that could not be decoded, a connection
// cut on the way), since X bills what it sent.
func postsRead(page xapi.Page, err error, n int) int {
	if err == nil {
		return len(page.Posts) + len(page.Skipped)
	}
	var xe *xapi.Error
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &xe) && xe.StatusCode >= 400:
		return 0
	case errors.As(err, &xe) && xe.StatusCode == 0 && errors.Is(err, xapi.ErrInvalidRequest):
		return 0 // refused before it was sent
	case errors.As(err, &op) && op.Op == "dial", errors.As(err, &dns):
		return 0
	}
	return n
}

// blockUntil is the time before which X allows no further request after this answer: its
// x-rate-limit-reset when x-rate-limit-remaining was 0, or a 429's reset (xapi caps both at
// xapi.RateWindow ahead), or for a 429 without one a whole window from now; zero when none.
func blockUntil(page xapi.Page, err error, now time.Time) time.Time {
	if err == nil {
		if page.RateLimit.Exhausted() {
			return page.RateLimit.Reset
		}
		return time.Time{}
	}
	var xe *xapi.Error
	if errors.As(err, &xe) {
		if xe.RateLimit.Exhausted() {
			return xe.RateLimit.Reset
		}
		if reset, ok := xapi.RateLimitReset(err); ok && errors.Is(err, xapi.ErrRateLimited) {
			return reset
		}
	}
	if errors.Is(err, xapi.ErrRateLimited) {
		return now.Add(xapi.RateWindow).Truncate(time.Second)
	}
	return time.Time{}
}
