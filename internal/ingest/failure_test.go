package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// brokenBoard is a memBoard whose Record fails.
type brokenBoard struct{ memBoard }

func (b *brokenBoard) Record(context.Context, []store.Post) (store.RecordResult, error) {
	return store.RecordResult{}, errors.New("shard down")
}

// TestOneBoardsFailureLeavesTheOthers: a board whose store fails, or whose query X refuses,
// fails the run with an error naming it, after the other boards had their pages; refused
// credentials stop every board at once.
func TestOneBoardsFailureLeavesTheOthers(t *testing.T) {
	page := func(context.Context, int) (xapi.Page, error) { return onePostPage(""), nil }
	refused := func(kind error, status int) func(context.Context, int) (xapi.Page, error) {
		return func(context.Context, int) (xapi.Page, error) {
			return xapi.Page{}, &xapi.Error{Op: "recent search", Kind: kind, StatusCode: status}
		}
	}
	for _, tc := range []struct {
		name      string
		board     ingest.Board                                  // of the first board
		fetch     func(context.Context, int) (xapi.Page, error) // of the first board
		wantErr   error
		othersRun bool
	}{
		{"store fails", &brokenBoard{}, page, nil, true},
		{"query refused", &memBoard{}, refused(xapi.ErrInvalidRequest, http.StatusBadRequest), xapi.ErrInvalidRequest, true},
		{"credentials refused", &memBoard{}, refused(xapi.ErrUnauthorized, http.StatusUnauthorized), xapi.ErrUnauthorized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			others := []*memBoard{{}, {}}
			feeds := []ingest.Feed{{Name: "first", Source: &funcSource{fetch: tc.fetch}, Board: tc.board}}
			for i, b := range others {
				feeds = append(feeds, ingest.Feed{Name: []string{"second", "third"}[i], Source: &funcSource{fetch: page}, Board: b})
			}
			h, err := ingest.New(feeds, nil, ingest.Config{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			res, err := run(t, h)
			if err == nil || !strings.Contains(err.Error(), "board first") || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want one naming board first (%v)", err, tc.wantErr)
			}
			for i, b := range others {
				if got := b.recorded; (got == 1) != tc.othersRun {
					t.Errorf("board %d recorded %d posts; others run: %v", i+2, got, tc.othersRun)
				}
			}
			if tc.othersRun && (!res.Boards["second"].Complete || !res.Boards["third"].Complete || res.Complete) {
				t.Errorf("summary %+v: want the other boards complete, the run not", res)
			}
		})
	}
}

// TestPostsRead: what a request is counted for against the budget: the page's entries; none
// when X answered with an error status or nothing was sent; the whole reservation when an
// answer may have held posts that did not arrive.
func TestPostsRead(t *testing.T) {
	page := xapi.Page{Posts: make([]xapi.Post, 37), Skipped: make([]xapi.SkippedPost, 3)}
	xerr := func(kind error, status int, cause error) error {
		return &xapi.Error{Op: "recent search", Kind: kind, StatusCode: status, Err: cause}
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"page", nil, 40},
		{"429", xerr(xapi.ErrRateLimited, 429, nil), 0},
		{"503 after the retries", xerr(xapi.ErrTransient, 503, nil), 0},
		{"400", xerr(xapi.ErrInvalidRequest, 400, nil), 0},
		{"refused before sending", xerr(xapi.ErrInvalidRequest, 0, nil), 0},
		{"connection refused", xerr(xapi.ErrTransient, 0, &net.OpError{Op: "dial", Err: errors.New("connection refused")}), 0},
		{"no such host", xerr(xapi.ErrTransient, 0, &net.DNSError{Err: "no such host", Name: "api.x.com"}), 0},
		{"malformed 200", xerr(xapi.ErrMalformedResponse, 200, errors.New("unexpected end of JSON input")), 100},
		{"cut on the way", xerr(xapi.ErrTransient, 0, &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), 100},
		{"timeout", xerr(xapi.ErrTransient, 0, context.DeadlineExceeded), 100},
	} {
		p := page
		if tc.err != nil {
			p = xapi.Page{}
		}
		if got := ingest.PostsRead(p, tc.err, 100); got != tc.want {
			t.Errorf("%s: counted %d, want %d", tc.name, got, tc.want)
		}
	}
}

// downQuota is a quota whose Redis does not answer.
type downQuota struct{}

var errQuotaDown = errors.New("quota: connection refused")

func (downQuota) State(context.Context) (store.QuotaState, error) {
	return store.QuotaState{}, errQuotaDown
}
func (downQuota) Reserve(context.Context, int, int, int) (store.Grant, error) {
	return store.Grant{}, errQuotaDown
}
func (downQuota) Settle(context.Context, store.Grant, int, time.Time) (int64, error) {
	return 0, errQuotaDown
}
func (downQuota) SetNextBoard(context.Context, string) error { return errQuotaDown }

// TestQuotaDown: without the quota no request is sent (the budget could not be kept), the run
// fails naming it, and its metrics leave BudgetRemaining out rather than report a full budget.
func TestQuotaDown(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	src := &funcSource{fetch: func(context.Context, int) (xapi.Page, error) { return onePostPage(""), nil }}
	h, err := ingest.New([]ingest.Feed{{Name: "unit", Source: src, Board: &memBoard{}}}, downQuota{},
		ingest.Config{DailyPostBudget: 2000, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, h); !errors.Is(err, errQuotaDown) {
		t.Fatalf("error %v, want the quota's", err)
	}
	if src.calls != 0 {
		t.Errorf("%d requests sent without the quota", src.calls)
	}
	if out := buf.String(); !strings.Contains(out, `"PostsRead":0`) || strings.Contains(out, "BudgetRemaining") || strings.Contains(out, "budget_remaining") {
		t.Errorf("log without the quota:\n%s", out)
	}
}
