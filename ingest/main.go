// Command ingest is the scheduled Lambda function that counts the hashtags of recent posts:
// it wires configuration, secrets and clients at cold start and hands each EventBridge
// scheduled event to the ingest handler.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/app"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
)

func main() {
	env := app.New(os.Getenv)
	ctx := context.Background()
	cfg, err := config.LoadIngest(os.Getenv)
	if err != nil {
		env.Fatal("configuration", err)
	}
	board, _, err := env.Board(ctx, cfg.Redis)
	if err != nil {
		env.Fatal("memorydb", err)
	}
	src, err := env.Source(ctx, cfg)
	if err != nil {
		env.Fatal("x api", err)
	}
	h, err := ingest.New(src, board, ingest.Config{
		MaxPages: cfg.MaxPages, SkipSensitive: cfg.SkipSensitive, Query: cfg.Query, Exclude: cfg.Exclude, Logger: env.Log,
	})
	if err != nil {
		env.Fatal("configuration", err)
	}
	lambda.Start(h.Handle)
}
