package ingest

import (
	"context"
	"log/slog"
	"time"
)

// emitMetrics writes the run's figures as one CloudWatch Embedded Metric Format record: a
// JSON log line that CloudWatch turns into metrics in the HashtagLeaderboard namespace.
func emitMetrics(ctx context.Context, log *slog.Logger, r Result) {
	rateLimited := 0
	if r.RateLimited {
		rateLimited = 1
	}
	metric := func(name string) map[string]string { return map[string]string{"Name": name, "Unit": "Count"} }
	log.InfoContext(ctx, "ingest metrics",
		slog.Any("_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "HashtagLeaderboard",
				"Dimensions": [][]string{{"Function"}},
				"Metrics": []any{metric("PostsFetched"), metric("PostsNew"), metric("HashtagsCounted"),
					metric("RateLimited"), metric("Pages")},
			}},
		}),
		slog.String("Function", "ingest"),
		slog.Int("PostsFetched", r.TweetsFetched),
		slog.Int("PostsNew", r.TweetsNew),
		slog.Int("HashtagsCounted", r.HashtagsCounted),
		slog.Int("RateLimited", rateLimited),
		slog.Int("Pages", r.Pages),
	)
}
