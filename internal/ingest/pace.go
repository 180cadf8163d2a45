package ingest

import (
	"math"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// Pacing: the daily budget accrues evenly over the UTC day. At any moment the posts X returned
// today plus the counts requests sent today stay within
//
//	budget × (elapsed fraction of the UTC day) + budget × (interval ÷ 24 h), at most budget,
//
// the run's limit (Accrued), which each reservation is checked against in the shared quota, so
// runs in parallel cannot pass it together. A run spends what has accrued and not been spent:
// a deployment that starts mid-day reads (samples) the hours already gone at once, and a board
// never goes dark for the rest of the day. The interval's share lets the run at the start of a
// day read, and a run that comes late (a cron gap) spend what the gap accrued.

// Accrued is the part of a daily budget open at now for a schedule of interval: the formula
// above, in whole posts, at least 1 (budget 0: 0, no limit).
func Accrued(budget int, interval time.Duration, now time.Time) int {
	if budget <= 0 {
		return 0
	}
	now = now.UTC()
	day := now.Truncate(24 * time.Hour)
	frac := float64(now.Sub(day)) / float64(24*time.Hour)
	extra := float64(min(max(interval, 0), 24*time.Hour)) / float64(24*time.Hour)
	n := int(math.Floor(float64(budget) * (frac + extra)))
	return min(max(n, 1), budget)
}

// limit is the run's cap on the posts read today at this moment (0: no limit).
func (h *Handler) limit() int {
	return Accrued(h.cfg.DailyPostBudget, h.cfg.Interval, h.cfg.Now())
}

// open is what the limit leaves at this moment given the posts read today (-1: no limit).
func (h *Handler) open(res *Result) int64 {
	l := h.limit()
	if l == 0 {
		return -1
	}
	return max(int64(l)-res.PostsReadToday, 0)
}

// fairShare is the posts one board may ask for in one request: what remains open divided among
// the boards still active in the run, within X's page bounds. A board that caught up leaves the
// run, so its share goes to the others on their next turn; one busy board cannot take the
// others' shares, since each takes a page per round.
func (h *Handler) fairShare(res *Result, active int) int {
	open := h.open(res)
	if open < 0 {
		return xapi.MaxPageSize
	}
	share := open / int64(max(active, 1))
	return int(min(max(share, xapi.MinPageSize), xapi.MaxPageSize))
}

// boardShare is what a board may spend on the rest of its unread span in this run: an equal part
// of what remains open among the boards still active (-1: no limit).
func (h *Handler) boardShare(res *Result, active int) int64 {
	open := h.open(res)
	if open < 0 {
		return -1
	}
	return open / int64(max(active, 1))
}
