package leaderboard

import (
	"context"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// Estimator is a Board that also answers with estimates and the window's coverage (package
// store, TopEstimates): *store.Store implements it. The handler reads a Board that does not
// (a test's stand-in) as one where everything was read: every estimate its count, margin 0,
// coverage 1 with no posts counted.
type Estimator interface {
	TopEstimates(ctx context.Context, w store.Window, n int) (store.Ranked, error)
	TrendingWithCoverage(ctx context.Context, w store.Window, n int) ([]store.TrendRow, store.Coverage, error)
	HistoryWithCoverage(ctx context.Context, w store.Window, tags []string) ([]store.Series, store.Coverage, error)
}

// topOf reads the top n of window w of b with estimates.
func topOf(ctx context.Context, b Board, w store.Window, n int) (store.Ranked, error) {
	if e, ok := b.(Estimator); ok {
		return e.TopEstimates(ctx, w, n)
	}
	entries, err := b.Top(ctx, w, n)
	if err != nil {
		return store.Ranked{}, err
	}
	rows := make([]store.Row, len(entries))
	for i, e := range entries {
		rows[i] = store.Row{Hashtag: e.Hashtag, Spelling: e.Spelling, Count: e.Count, Estimate: e.Count}
	}
	return store.Ranked{Rows: rows}, nil
}

// trendingOf reads the n best of the trending view of window w of b with estimates.
func trendingOf(ctx context.Context, b Board, w store.Window, n int) ([]store.TrendRow, store.Coverage, error) {
	if e, ok := b.(Estimator); ok {
		return e.TrendingWithCoverage(ctx, w, n)
	}
	trends, err := b.Trending(ctx, w, n)
	if err != nil {
		return nil, store.Coverage{}, err
	}
	rows := make([]store.TrendRow, len(trends))
	for i, t := range trends {
		rows[i] = store.TrendRow{Trend: t, Estimate: t.Count}
	}
	return rows, store.Coverage{}, nil
}

// historyOf reads the history of tags in window w of b with estimates.
func historyOf(ctx context.Context, b Board, w store.Window, tags []string) ([]store.Series, store.Coverage, error) {
	if e, ok := b.(Estimator); ok {
		return e.HistoryWithCoverage(ctx, w, tags)
	}
	series, err := b.History(ctx, w, tags)
	for _, s := range series {
		for j := range s.Points {
			s.Points[j].Estimate = s.Points[j].Count
		}
	}
	return series, store.Coverage{}, err
}
