// Command leaderboard is the Lambda function behind the Function URL: it wires configuration,
// the reader's secret and the Redis client at cold start and answers each Function URL request
// with a board's top hashtags as JSON, the list of boards, or the live dashboard page.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
)

func main() {
	env := coldstart.New(os.Getenv)
	cfg, err := config.LoadLeaderboard(os.Getenv)
	if err != nil {
		env.Fatal("configuration", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), coldstart.Timeout)
	stores, err := env.Boards(ctx, cfg.Redis, config.Names(cfg.Boards))
	if err != nil {
		env.Fatal("memorydb", err)
	}
	boards := make([]leaderboard.Named, len(cfg.Boards))
	for i, b := range cfg.Boards {
		boards[i] = leaderboard.Named{Name: b.Name, Query: b.Query, Board: stores[i]}
	}
	h, err := leaderboard.New(boards, leaderboard.Config{CacheTTL: cfg.CacheTTL, EmbedOrigins: cfg.EmbedOrigins, Logger: env.Log})
	if err != nil {
		env.Fatal("configuration", err)
	}
	cancel() // the cold start is over
	lambda.Start(h.Handle)
}
