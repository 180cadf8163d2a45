package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// The upkeep-only event: the schedule that invokes the function at every bucket boundary
// (store.UpkeepSchedule, nested/ingest.yaml) sends it as its input, so that every window's
// upkeep follows the clock and no read has to sum the window (see store.Store.Top).
const (
	UpkeepDetailType = "Window Upkeep"
	UpkeepSource     = "hashtag-leaderboard.upkeep"
)

// IsUpkeep reports whether ev is the upkeep-only event.
func IsUpkeep(ev events.EventBridgeEvent) bool {
	return ev.DetailType == UpkeepDetailType && ev.Source == UpkeepSource
}

// upkeep advances every board's rolling windows and trending views (store.Store.Upkeep) and
// does nothing else: no X API request, no quota, no checkpoint. A board whose upkeep fails does
// not stop the others; the error names every board that failed.
func (h *Handler) upkeep(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	log := h.log.With("event_id", ev.ID)
	begin := time.Now()
	res := Result{Boards: make(map[string]Totals, len(h.boards))}
	var errs []error
	for _, b := range h.boards {
		res.Boards[b.Name] = Totals{}
		if err := b.Board.Upkeep(ctx); err != nil {
			errs = append(errs, fmt.Errorf("board %s: window upkeep: %w", b.Name, err))
		}
	}
	err := errors.Join(errs...)
	attrs := []any{"boards", len(h.boards), "duration_ms", time.Since(begin).Milliseconds()}
	if err != nil {
		log.ErrorContext(ctx, "window upkeep failed", append(attrs, "error", err.Error())...)
		return res, fmt.Errorf("ingest: %w", err)
	}
	log.InfoContext(ctx, "window upkeep done", attrs...)
	return res, nil
}
