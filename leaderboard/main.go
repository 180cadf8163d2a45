// Command leaderboard is the Lambda function behind the Function URL: it wires configuration,
// the reader's secret and the Redis client at cold start and answers each Function URL request
// with the top hashtags as JSON or the live dashboard page.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/app"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
)

func main() {
	env := app.New(os.Getenv)
	cfg, err := config.LoadLeaderboard(os.Getenv)
	if err != nil {
		env.Fatal("configuration", err)
	}
	board, _, err := env.Board(context.Background(), cfg.Redis)
	if err != nil {
		env.Fatal("memorydb", err)
	}
	h, err := leaderboard.New(board, cfg.Leaderboard, leaderboard.WithCacheTTL(cfg.CacheTTL), leaderboard.WithLogger(env.Log))
	if err != nil {
		env.Fatal("configuration", err)
	}
	lambda.Start(h.Handle)
}
