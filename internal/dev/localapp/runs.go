package localapp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
)

// Ingest runs the ingest handler once, as the schedule would, and returns its result.
func (a *App) Ingest(ctx context.Context) (ingest.Result, error) {
	_, res, err := a.ingestRun(ctx)
	return res, err
}

// ingestRun is Ingest that also returns the run's number (1 for the first).
func (a *App) ingestRun(ctx context.Context) (int, ingest.Result, error) {
	a.mu.Lock()
	a.runs++
	n := a.runs
	a.mu.Unlock()
	runCtx, cancel := context.WithTimeout(ctx, RunTimeout)
	defer cancel()
	res, err := a.ingest.Handle(runCtx, ScheduledEvent(a.now()))
	return n, res, err
}

// Loop runs Ingest now and then every cfg.Interval (skipping ticks while a run is still
// going) and prints one line per run, until ctx ends (nil) or a server fails (its error).
func (a *App) Loop(ctx context.Context) error {
	tick := time.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	for {
		n, res, err := a.ingestRun(ctx)
		if ctx.Err() != nil {
			return nil // interrupted: the run's outcome says nothing
		}
		fmt.Fprintln(a.out(), Progress(time.Now(), n, res, err))
		fmt.Fprintln(a.out(), Budget(res, a.budget, a.price, a.sampleIsFree))
		select {
		case <-ctx.Done():
			return nil
		case err := <-a.serveErr:
			return err
		case <-tick.C:
		}
	}
}

// ScheduledEvent is the EventBridge scheduled event of a run at now, shaped like the events a
// schedule rule delivers (events/schedule.json), in a made-up local account and Region.
func ScheduledEvent(now time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{
		Version:    "0",
		ID:         newUUID(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  "000000000000",
		Time:       now.UTC().Truncate(time.Second),
		Region:     "local",
		Resources:  []string{"arn:aws:events:local:000000000000:rule/local-ingest-schedule"},
		Detail:     json.RawMessage("{}"),
	}
}
