package localapp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
)

// describeBoards names the boards and their queries for the start-up lines.
func describeBoards(boards []config.Board) string {
	parts := make([]string, len(boards))
	for i, b := range boards {
		q := strconv.Quote(b.Query)
		if b.Query == SampleQuery {
			q = "every post"
		}
		parts[i] = fmt.Sprintf("%q (%s)", b.Name, q)
	}
	return strings.Join(parts, ", ")
}

// Progress is the line printed for ingest run n that ended at wall time at.
func Progress(at time.Time, n int, res ingest.Result, err error) string {
	head := fmt.Sprintf("%s ingest #%d: %s, %s, %d new, %s counted", at.Format("15:04:05"), n,
		plural(res.Pages, "page"), plural(res.PostsFetched, "post"), res.PostsNew, plural(res.HashtagsCounted, "hashtag"))
	if res.PostsHad > res.PostsFetched {
		head += fmt.Sprintf(" (a sample: %.1f%% of the %d posts X had there)", 100*res.Coverage, res.PostsHad)
	}
	switch {
	case err != nil:
		return head + "; failed: " + err.Error()
	case res.RateLimited:
		return head + "; rate limited by the X API, resuming after its reset"
	case res.BudgetExhausted:
		return head + "; the X API read budget accrued so far is spent, more accrues through the UTC day"
	case res.Complete:
		return head + "; caught up"
	default:
		return head + "; more to fetch next run"
	}
}

// Budget is the line printed after a run's progress line: the posts X returned today and what
// they cost at price (USD a post) against budget (0: none); free says the posts are the bundled
// sample's, which cost nothing.
func Budget(res ingest.Result, budget int, price float64, free bool) string {
	line := fmt.Sprintf("         x api: %s read today", plural(int(res.PostsReadToday), "post"))
	if budget > 0 {
		line += fmt.Sprintf(" of a daily budget of %d", budget)
	}
	cost := fmt.Sprintf("$%.2f at $%g a post", float64(res.PostsReadToday)*price, price)
	if free {
		return line + "; the bundled sample is free (on X: " + cost + ")"
	}
	return line + ", about " + cost
}

// shortDuration formats d without trailing zero units: 10s, 15m, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
