// Command leaderboard is the Lambda function behind the Function URL: it wires configuration,
// the reader's secret and the Redis client at cold start and answers each Function URL request
// with the top hashtags as JSON or the live dashboard page.
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
	board, err := env.Board(ctx, cfg.Redis)
	if err != nil {
		env.Fatal("memorydb", err)
	}
	h, err := leaderboard.New(board, leaderboard.Config{
		Name: cfg.Leaderboard, CacheTTL: cfg.CacheTTL, EmbedOrigins: cfg.EmbedOrigins, Logger: env.Log,
	})
	if err != nil {
		env.Fatal("configuration", err)
	}
	cancel() // the cold start is over
	lambda.Start(h.Handle)
}
