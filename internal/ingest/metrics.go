package ingest

import (
	"context"
	"log/slog"
	"time"
)

// emitMetrics writes the run's figures as one CloudWatch Embedded Metric Format record: a
// JSON log line that CloudWatch turns into metrics in the HashtagLeaderboard namespace.
//
// The record must be written whatever LOG_LEVEL is, so it is logged at metricsLevel: Info,
// or the lowest level above it that the logger lets through. A separate handler at Info would
// not do: Lambda's own log-level filter (LoggingConfig.ApplicationLogLevel, set from the same
// LogLevel parameter) drops JSON lines whose "level" is below it, EMF lines included.
func emitMetrics(ctx context.Context, log *slog.Logger, r Result) {
	rateLimited := 0
	if r.RateLimited {
		rateLimited = 1
	}
	metric := func(name string) map[string]string { return map[string]string{"Name": name, "Unit": "Count"} }
	log.Log(ctx, metricsLevel(ctx, log), "ingest metrics",
		slog.Any("_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "HashtagLeaderboard",
				"Dimensions": [][]string{{"Function"}},
				"Metrics": []any{metric("PostsFetched"), metric("PostsNew"), metric("PostsSkipped"),
					metric("HashtagsCounted"), metric("RateLimited"), metric("Pages")},
			}},
		}),
		slog.String("Function", "ingest"),
		slog.Int("PostsFetched", r.PostsFetched),
		slog.Int("PostsNew", r.PostsNew),
		slog.Int("PostsSkipped", r.PostsSkipped),
		slog.Int("HashtagsCounted", r.HashtagsCounted),
		slog.Int("RateLimited", rateLimited),
		slog.Int("Pages", r.Pages),
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
