// Command ingest is the scheduled Lambda function that counts the hashtags of recent posts:
// it wires configuration, secrets and clients at cold start and hands each EventBridge
// scheduled event to the ingest handler, which serves every board.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

func main() {
	env := coldstart.New(os.Getenv)
	cfg, err := config.LoadIngest(os.Getenv)
	if err != nil {
		env.Fatal("configuration", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), coldstart.Timeout)
	stores, err := env.Boards(ctx, cfg.Redis, config.Names(cfg.Boards), store.WithTrendingMinAuthors(cfg.TrendingMinAuthors))
	if err != nil {
		env.Fatal("memorydb", err)
	}
	sources, err := env.Sources(ctx, cfg)
	if err != nil {
		env.Fatal("x api", err)
	}
	feeds, err := ingest.Feeds(cfg.Boards, sources, stores)
	if err != nil {
		env.Fatal("configuration", err)
	}
	h, err := ingest.New(feeds, stores[0].Quota(), ingest.Config{
		MaxPages: cfg.MaxPages, SkipSensitive: cfg.SkipSensitive, Exclude: cfg.Exclude,
		DailyPostBudget: cfg.DailyPostBudget, PricePerPost: cfg.PricePerPost, Interval: cfg.Interval, Logger: env.Log,
	})
	if err != nil {
		env.Fatal("configuration", err)
	}
	cancel() // the cold start is over
	lambda.Start(h.Handle)
}
