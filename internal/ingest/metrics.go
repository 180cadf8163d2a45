package ingest

import (
	"context"
	"log/slog"
	"time"
)

// emitMetrics writes the run's figures as one CloudWatch Embedded Metric Format record: a
// JSON log line that CloudWatch turns into metrics in the HashtagLeaderboard namespace.
// PostsWithoutAuthor counts the posts whose author_id was missing (see NoAuthor); PostsRead
// is what X bills for this run; BudgetRemaining, the posts left of the day's read
// budget after it, is written only when there is a budget (the budget alarm watches it).
//
// The record must be written whatever the log level is, so it is logged at metricsLevel: Info,
// or the lowest level above it that the logger lets through. A separate handler at Info would
// not do: Lambda's own log-level filter (LoggingConfig.ApplicationLogLevel, set from the same
// LogLevel parameter) drops JSON lines whose "level" is below it, EMF lines included.
func emitMetrics(ctx context.Context, log *slog.Logger, r Result, budget int) {
	rateLimited := 0
	if r.RateLimited {
		rateLimited = 1
	}
	metric := func(name string) map[string]string { return map[string]string{"Name": name, "Unit": "Count"} }
	metrics := []any{metric("PostsFetched"), metric("PostsNew"), metric("PostsSkipped"),
		metric("PostsWithoutAuthor"), metric("HashtagsCounted"), metric("RateLimited"), metric("Pages"), metric("PostsRead")}
	values := []any{
		slog.String("Function", "ingest"),
		slog.Int("PostsFetched", r.PostsFetched),
		slog.Int("PostsNew", r.PostsNew),
		slog.Int("PostsSkipped", r.PostsSkipped),
		slog.Int("PostsWithoutAuthor", r.PostsWithoutAuthor),
		slog.Int("HashtagsCounted", r.HashtagsCounted),
		slog.Int("RateLimited", rateLimited),
		slog.Int("Pages", r.Pages),
		slog.Int("PostsRead", r.PostsRead),
	}
	if budget > 0 {
		metrics = append(metrics, metric("BudgetRemaining"))
		values = append(values, slog.Int64("BudgetRemaining", budgetRemaining(budget, r.PostsReadToday)))
	}
	log.Log(ctx, metricsLevel(ctx, log), "ingest metrics", append([]any{
		slog.Any("_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "HashtagLeaderboard",
				"Dimensions": [][]string{{"Function"}},
				"Metrics":    metrics,
			}},
		})}, values...)...,
	)
}

// metricsLevel is the lowest of Info, Warn and Error that log is enabled for (Error when none
// is).
func metricsLevel(ctx context.Context, log *slog.Logger) slog.Level {
	level := slog.LevelInfo
	for level < slog.LevelError && !log.Enabled(ctx, level) {
		level += slog.LevelWarn - slog.LevelInfo
	}
	return level
}

// emitCoverage writes each board's Coverage (posts fetched ÷ posts X had in the spans the run
// read; 1 when everything was read) as an EMF record with the dimensions Function and Board.
func emitCoverage(ctx context.Context, log *slog.Logger, r Result) {
	for name, t := range r.Boards {
		log.Log(ctx, metricsLevel(ctx, log), "ingest coverage",
			slog.Any("_aws", map[string]any{
				"Timestamp": time.Now().UnixMilli(),
				"CloudWatchMetrics": []any{map[string]any{
					"Namespace":  "HashtagLeaderboard",
					"Dimensions": [][]string{{"Function", "Board"}},
					"Metrics":    []any{map[string]string{"Name": "Coverage", "Unit": "None"}},
				}},
			}),
			slog.String("Function", "ingest"), slog.String("Board", name), slog.Float64("Coverage", t.Coverage),
			slog.Int("PostsHad", t.PostsHad))
	}
}
