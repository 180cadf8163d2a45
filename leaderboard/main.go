// Command leaderboard is the Lambda function behind the Function URL: it wires configuration,
// the reader's secret and the Redis client at cold start and answers each Function URL request
// with the top hashtags as JSON or the live dashboard page.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
)

// coldStartTimeout bounds the Secrets Manager read, inside Lambda's 10 s init phase, so a slow
// dependency fails with its own error.
const coldStartTimeout = 8 * time.Second

func main() {
	env := coldstart.New(os.Getenv)
	cfg, err := config.LoadLeaderboard(os.Getenv)
	if err != nil {
		env.Fatal("configuration", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), coldStartTimeout)
	board, _, err := env.Board(ctx, cfg.Redis)
	cancel()
	if err != nil {
		env.Fatal("memorydb", err)
	}
	h, err := leaderboard.New(board, cfg.Leaderboard, leaderboard.WithCacheTTL(cfg.CacheTTL), leaderboard.WithLogger(env.Log))
	if err != nil {
		env.Fatal("configuration", err)
	}
	lambda.Start(h.Handle)
}
