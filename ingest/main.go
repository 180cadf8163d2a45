// Command ingest is the scheduled Lambda function that counts the hashtags of recent posts:
// it wires configuration, secrets and clients at cold start and hands each EventBridge
// scheduled event to the ingest handler, which serves every board.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

func main() {
	env := coldstart.New(os.Getenv)
	cfg, err := config.LoadIngest(os.Getenv)
	if err != nil {
		env.Fatal("configuration", err)
	}
	cfg.Warn(context.Background(), env.Log) // deprecated variable names, once per cold start
	ctx, cancel := context.WithTimeout(context.Background(), coldstart.Timeout)
	stores, err := env.Boards(ctx, cfg.Redis, config.Names(cfg.Boards), store.WithTrendingMinAuthors(cfg.TrendingMinAuthors))
	if err != nil {
		env.Fatal("memorydb", err)
	}
	boards := make([]ingest.SetupBoard, len(stores))
	for i, st := range stores {
		boards[i] = ingest.SetupBoard{Name: cfg.Boards[i].Name, Marker: st}
	}
	// The X secret may still be the stack's empty one: then each run reads it again until it is
	// filled (ingest.Setup), and the runs end as "not configured" instead of failing.
	again := false
	connect := func(ctx context.Context) (*ingest.Handler, error) {
		if again {
			if _, err := secrets.RefreshX(ctx, cfg.X, env.Secrets); err != nil && !errors.Is(err, secrets.ErrXNotConfigured) {
				return nil, fmt.Errorf("x api: %w", err)
			}
		}
		again = true
		sources, err := env.Sources(ctx, cfg)
		if errors.Is(err, secrets.ErrXNotConfigured) {
			return nil, fmt.Errorf("%w: %w", ingest.ErrNotConfigured, err)
		} else if err != nil {
			return nil, fmt.Errorf("x api: %w", err)
		}
		feeds, err := ingest.Feeds(cfg.Boards, sources, stores)
		if err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
		return ingest.New(feeds, stores[0].Quota(), ingest.Config{
			MaxPages: cfg.MaxPages, SkipSensitive: cfg.SkipSensitive, Exclude: cfg.Exclude,
			DailyPostBudget: cfg.DailyPostBudget, PricePerPost: cfg.PricePerPost, Interval: cfg.Interval,
			Logger: env.Log,
		})
	}
	setup := ingest.NewSetup(boards, connect, nil, env.Log)
	// Connect at cold start as before, so bad configuration or credentials fail the init with
	// their own error; only missing credentials wait for the runs.
	if _, err := setup.Connect(ctx); err != nil && !errors.Is(err, ingest.ErrNotConfigured) {
		env.Fatal("x api", err)
	}
	cancel() // the cold start is over
	lambda.Start(setup.Handle)
}
