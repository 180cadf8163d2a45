// Command ingest is the scheduled Lambda function that counts the hashtags of recent posts:
// it wires configuration, secrets and clients at cold start and hands each EventBridge
// scheduled event to the ingest handler.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
)

// coldStartTimeout bounds the Secrets Manager reads and the OAuth 2.0 token exchange, inside
// Lambda's 10 s init phase, so a slow dependency fails with its own error.
const coldStartTimeout = 8 * time.Second

func main() {
	env := coldstart.New(os.Getenv)
	ctx, cancel := context.WithTimeout(context.Background(), coldStartTimeout)
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
	cancel()
	lambda.Start(h.Handle)
}
