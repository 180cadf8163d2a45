package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// ErrNotConfigured is wrapped by a Setup's connect error when the X API credentials are not set
// yet (the stack's empty secret, {"bearer_token":""}).
var ErrNotConfigured = errors.New("the X API credentials are not set")

// SetupHint is what the warning and the dashboard tell the operator to do.
const SetupHint = "put the X API bearer token into the stack's X API secret (its XApiSecretArn output): make x-secret"

// Marker keeps a board's mark that its ingest found no X API credentials (store.Store).
type Marker interface {
	MarkNotConfigured(ctx context.Context, now time.Time) error
	ClearNotConfigured(ctx context.Context) error
}

// SetupBoard is one board a Setup marks while the credentials are not set.
type SetupBoard struct {
	Name   string
	Marker Marker
}

// Setup is the ingest function from its cold start on, before and after its X API credentials
// are set. Each run first makes sure it has a Handler, calling connect (which reads the X
// secret and builds the boards' sources; after the first call it reads the secret anew). While
// connect fails with ErrNotConfigured, a run sends nothing to X, marks every board as not
// configured (the leaderboard says so), logs a warning with SetupHint and ends successfully
// with Result.NotConfigured: an empty secret is a deployment not finished yet, not a failure
// for the dead-letter queue and the alarms. The first run with credentials clears the marks and
// runs the Handler, as every later run does. It is safe for concurrent use.
type Setup struct {
	connect func(ctx context.Context) (*Handler, error)
	boards  []SetupBoard
	now     func() time.Time
	log     *slog.Logger

	mu      sync.Mutex
	h       *Handler
	cleared bool // the marks were cleared once the credentials were there
}

// NewSetup returns a Setup for boards (every board of the deployment), building its Handler
// with connect. now is the clock of the marks (nil: time.Now), log the logger (nil: slog's).
func NewSetup(boards []SetupBoard, connect func(ctx context.Context) (*Handler, error), now func() time.Time, log *slog.Logger) *Setup {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Setup{connect: connect, boards: boards, now: now, log: log}
}

// Handle runs one ingest for a scheduled event (see Setup).
func (s *Setup) Handle(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	h, err := s.handler(ctx)
	switch {
	case errors.Is(err, ErrNotConfigured):
		return s.notConfigured(ctx, ev, err)
	case err != nil:
		return Result{}, err
	}
	if err := s.clear(ctx); err != nil {
		return Result{}, err
	}
	return h.Handle(ctx, ev)
}

// Connect builds the Handler unless it has one, and says why it could not: a main calls it at
// cold start, so that every error but ErrNotConfigured fails the init as before.
func (s *Setup) Connect(ctx context.Context) (*Handler, error) { return s.handler(ctx) }

// handler returns the Handler, connecting when there is none yet.
func (s *Setup) handler(ctx context.Context) (*Handler, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h != nil {
		return s.h, nil
	}
	h, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	s.h = h
	return h, nil
}

// clear deletes every board's mark, once per process: a Setup that starts with credentials
// also clears the mark an earlier execution environment left.
func (s *Setup) clear(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cleared {
		return nil
	}
	for _, b := range s.boards {
		if err := b.Marker.ClearNotConfigured(ctx); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	s.cleared = true
	return nil
}

// notConfigured is a run without credentials: it marks every board and warns.
func (s *Setup) notConfigured(ctx context.Context, ev events.EventBridgeEvent, cause error) (Result, error) {
	res := Result{Boards: make(map[string]Totals, len(s.boards)), NotConfigured: true}
	now := s.now()
	for _, b := range s.boards {
		res.Boards[b.Name] = Totals{}
		if err := b.Marker.MarkNotConfigured(ctx, now); err != nil {
			return res, fmt.Errorf("ingest: %w", err)
		}
	}
	s.log.WarnContext(ctx, "x api credentials are not set: nothing was read", "event_id", ev.ID,
		"not_configured", true, "reason", cause.Error(), "hint", SetupHint)
	return res, nil
}
