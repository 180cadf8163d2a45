package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestSetup: while connect says the X API credentials are not set, a run succeeds with
// NotConfigured, sends nothing to X, marks the board and warns; connect is asked again every
// run, and the first run it succeeds clears the mark and ingests. Other connect errors fail the
// run, and are asked again too.
func TestSetup(t *testing.T) {
	for _, srv := range env.Servers() {
		t.Run(srv.Name(), func(t *testing.T) {
			f := newFixture(t, srv, corpus(150, cycleTags))
			ctx := context.Background()
			var connects int
			var answer error = fmt.Errorf("secret x: %w", ingest.ErrNotConfigured)
			connect := func(context.Context) (*ingest.Handler, error) {
				connects++
				if answer != nil {
					return nil, answer
				}
				return f.handler(t, nil), nil
			}
			var logs bytes.Buffer
			at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			s := ingest.NewSetup([]ingest.SetupBoard{{Name: f.name, Marker: f.board}}, connect, func() time.Time { return at },
				slog.New(slog.NewJSONHandler(&logs, nil)))

			for i := range 2 {
				res, err := s.Handle(ctx, scheduled)
				if err != nil || !res.NotConfigured || res.Pages != 0 || len(res.Boards) != 1 {
					t.Fatalf("run %d without credentials: %+v, %v; want not configured", i, res, err)
				}
			}
			if n := len(f.x.SearchRequests()); n != 0 || connects != 2 {
				t.Errorf("%d requests to X, %d connects; want 0 and 2", n, connects)
			}
			if unset, since, err := f.board.NotConfigured(ctx); err != nil || !unset || !since.Equal(at) {
				t.Errorf("mark %v %v %v, want set at %v", unset, since, err, at)
			}
			if !strings.Contains(logs.String(), `"level":"WARN"`) || !strings.Contains(logs.String(), ingest.SetupHint) {
				t.Errorf("no warning with the hint:\n%s", logs.String())
			}

			answer = errors.New("exchange the X API key and secret: 403")
			if _, err := s.Handle(ctx, scheduled); err == nil || !strings.Contains(err.Error(), "403") {
				t.Errorf("a run whose connect fails otherwise: %v, want that error", err)
			}

			answer = nil
			res, err := s.Handle(ctx, scheduled)
			if err != nil || res.NotConfigured || res.PostsNew != 150 {
				t.Fatalf("the run with credentials: %+v, %v; want 150 new posts", res, err)
			}
			if unset, _, err := f.board.NotConfigured(ctx); err != nil || unset {
				t.Errorf("mark %v %v after a run with credentials, want it gone", unset, err)
			}
			res, err = s.Handle(ctx, scheduled)
			if err != nil || res.NotConfigured || connects != 4 {
				t.Errorf("the next run: %+v, %v, %d connects; want the same handler (4 connects)", res, err, connects)
			}
		})
	}
}

// TestSetupMarkFails: a board whose mark cannot be written (Redis refuses) fails the run.
func TestSetupMarkFails(t *testing.T) {
	env.Need(t)
	srv := env.Servers()[0]
	f := newFixture(t, srv, nil)
	other := writerClient(t, srv, f.name+"x") // a user of another board
	b, err := store.New(other, f.name)
	if err != nil {
		t.Fatal(err)
	}
	s := ingest.NewSetup([]ingest.SetupBoard{{Name: f.name, Marker: b}},
		func(context.Context) (*ingest.Handler, error) { return nil, ingest.ErrNotConfigured }, nil, quiet)
	if _, err := s.Handle(context.Background(), scheduled); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Errorf("error %v, want NOPERM", err)
	}
}
