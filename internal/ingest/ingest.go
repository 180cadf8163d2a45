// Package ingest owns one ingest run: it serves every board of the deployment in turn, paging
// through X recent search with the board's query from the board's saved checkpoint, records
// each page's hashtags through the board's store as one atomic batch, and moves the checkpoint
// forward, so that across runs no post inside the search window is missed or counted twice;
// and it keeps the X API reads within the deployment's daily budget and X's rate limit.
//
// Handler.Handle is a plain function of the schedule's event; its Result is the run's JSON
// summary. The files hold one part each: the rotation of boards in rounds within the shared
// page cap and time budget (rounds.go), one board's sweep and its checkpoint arithmetic
// (sweep.go), which entries of X's answer are recorded (screen.go), the budget's pacing over
// the UTC day (pace.go, quota.go) and the sampling of a span the budget cannot read whole
// (sample.go, pieces.go). A run that stops early (page cap, budget, rate limit, a crash, a lost
// compare-and-set) leaves its progress in the checkpoints and ends successfully where it can;
// a board's failure fails the run, with an error naming the board, after the other boards had
// their pages. docs/DESIGN.md ("Data model": checkpoint, boards in one run, X API reads) and
// docs/SAMPLING.md say why each rule is as it is.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

const (
	// searchWindow is how far back X recent search reaches, less a little clock slack.
	searchWindow = 7*24*time.Hour - 5*time.Minute
	// safetyMargin is how long before the invocation's deadline a run stops.
	safetyMargin = 5 * time.Second
	// noDeadlineBudget is a run's time when its context has no deadline (Lambda's always has).
	noDeadlineBudget = 50 * time.Second
	// MaxHashtagsPerPost bounds the hashtags one post counts: the first ones (distinct, not
	// excluded) in the post's order. X allows a long post of 25,000 characters, which can carry
	// thousands of hashtags, each a permanent member of the all-time set.
	MaxHashtagsPerPost = 50
	// maxSkippedLogged bounds the skipped entries one page's warning lists.
	maxSkippedLogged = 10
	// NoAuthor is the author the store is given for every post whose author_id is missing or not
	// an X id: 2^63-1, an id X will not give an account for decades. Together such posts count
	// as one author of each of their hashtags, so they cannot make a hashtag trend (unless the
	// store's trending minimum is 1) and add at most one author to a real rise. The store would
	// count each as an author of its own: if X stopped sending author_id, trending would
	// become post counting, and one account posting 5 times could trend.
	NoAuthor = "9223372036854775807"
)

// Source fetches one page of recent search (xapi.Source).
type Source interface {
	FetchPage(ctx context.Context, req xapi.PageRequest) (xapi.Page, error)
}

// Board records posts, keeps the rolling windows current and keeps the checkpoint (store.Store).
type Board interface {
	Upkeep(ctx context.Context) error
	Record(ctx context.Context, posts []store.Post) (store.RecordResult, error)
	Checkpoint(ctx context.Context) (store.Checkpoint, error)
	SaveCheckpoint(ctx context.Context, prev, next store.Checkpoint) (store.Checkpoint, error)
}

// Quota is the deployment's X API quota, shared by every board and run (store.Quota): the posts
// read per UTC day, the rate-limit reset and the board the next run serves first.
type Quota interface {
	State(ctx context.Context) (store.QuotaState, error)
	Reserve(ctx context.Context, budget, want, least int) (store.Grant, error)
	Settle(ctx context.Context, g store.Grant, read int, blockUntil time.Time) (int64, error)
	SetNextBoard(ctx context.Context, name string) error
}

// Feed is one board a run serves: its store and the source of its query's posts.
type Feed struct {
	Name   string // the board's name: its key in Result.Boards
	Query  string // the board's search query (Source's): the hashtags it names are not counted
	Source Source
	Board  Board
}

// Feeds pairs the configured boards with their sources and stores, given in the same order.
func Feeds[S Source, B Board](boards []config.Board, sources []S, stores []B) ([]Feed, error) {
	if len(sources) != len(boards) || len(stores) != len(boards) {
		return nil, fmt.Errorf("%d boards, %d sources, %d stores: want one of each per board", len(boards), len(sources), len(stores))
	}
	feeds := make([]Feed, len(boards))
	for i, b := range boards {
		feeds[i] = Feed{Name: b.Name, Query: b.Query, Source: sources[i], Board: stores[i]}
	}
	return feeds, nil
}

// Config tunes a Handler. The functions fill it from package config (config.Ingest), which owns
// the limits and defaults New checks against; its fields' documentation says which is which.
type Config struct {
	// MaxPages is the most pages a run reads, all boards together: 1 to config.MaxMaxPages;
	// 0 is config.DefaultMaxPages.
	MaxPages      int
	SkipSensitive bool     // do not count hashtags of possibly_sensitive posts
	Exclude       []string // more hashtags not to count, on every board
	// DailyPostBudget is the posts X may return per UTC day, all boards and runs together,
	// 0 to config.MaxDailyPostBudget; 0 is no limit. A budget needs the Quota that counts it.
	DailyPostBudget int
	// Interval is the time between runs (0: config.DefaultInterval): the budget accrues over
	// the UTC day, and a run may spend an interval's share ahead (Accrued). 24 hours or more
	// opens the whole day's budget at once.
	Interval time.Duration
	// PricePerPost is X's price of a post read in USD, 0 to config.MaxPricePerPost: for the
	// spend estimate in the log.
	PricePerPost float64
	Now          func() time.Time // the application clock (default time.Now): UTC days, X's search window
	Logger       *slog.Logger     // default slog.Default()

	// safetyMargin is safetyMargin unless a test sets it (export_test.go).
	safetyMargin time.Duration
}

// Handler runs ingest invocations. It is safe for concurrent use.
type Handler struct {
	boards []feed
	quota  Quota
	cfg    Config
	log    *slog.Logger
}

// feed is a Feed with the hashtags not counted on it.
type feed struct {
	Feed
	excluded map[string]bool
}

// New returns a Handler serving boards (in this order; the first is the default board) and
// keeping the X API quota in quota. quota may be nil only without a DailyPostBudget: nothing
// then counts the posts read, and a rate limit stops the run but is not remembered for the next.
func New(boards []Feed, quota Quota, cfg Config) (*Handler, error) {
	if cfg.MaxPages == 0 {
		cfg.MaxPages = config.DefaultMaxPages
	}
	if cfg.MaxPages < 1 || cfg.MaxPages > config.MaxMaxPages {
		return nil, fmt.Errorf("ingest: Config.MaxPages is %d, want 1-%d", cfg.MaxPages, config.MaxMaxPages)
	}
	if cfg.DailyPostBudget < 0 || cfg.DailyPostBudget > config.MaxDailyPostBudget {
		return nil, fmt.Errorf("ingest: Config.DailyPostBudget is %d, want 0 (no limit) to %d", cfg.DailyPostBudget, config.MaxDailyPostBudget)
	}
	if cfg.DailyPostBudget > 0 && quota == nil {
		return nil, errors.New("ingest: Config.DailyPostBudget is set but nothing counts the posts read: a budget needs the quota")
	}
	if !(cfg.PricePerPost >= 0 && cfg.PricePerPost <= config.MaxPricePerPost) {
		return nil, fmt.Errorf("ingest: Config.PricePerPost is %g, want 0-%g", cfg.PricePerPost, config.MaxPricePerPost)
	}
	if cfg.safetyMargin == 0 {
		cfg.safetyMargin = safetyMargin
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Interval == 0 {
		cfg.Interval = config.DefaultInterval
	}
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("ingest: Config.Interval is %s, want more than 0", cfg.Interval)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(boards) == 0 {
		return nil, errors.New("ingest: no board to serve")
	}
	exclude, err := normalized("ingest: Config.Exclude", cfg.Exclude, nil)
	if err != nil {
		return nil, err
	}
	h := &Handler{quota: quota, cfg: cfg, log: cfg.Logger}
	seen := map[string]bool{}
	for _, b := range boards {
		if err := store.CheckName(b.Name); err != nil {
			return nil, fmt.Errorf("board: %w", err)
		}
		if seen[b.Name] {
			return nil, fmt.Errorf("board %q is listed twice", b.Name)
		}
		seen[b.Name] = true
		if b.Source == nil || b.Board == nil {
			return nil, fmt.Errorf("board %q has no source or no store", b.Name)
		}
		excluded, err := normalized(fmt.Sprintf("ingest: the query of board %q", b.Name), hashtag.Extract(b.Query), exclude)
		if err != nil {
			return nil, err
		}
		h.boards = append(h.boards, feed{Feed: b, excluded: excluded})
	}
	return h, nil
}

// Handle runs one ingest for a scheduled event. It ends successfully when every board caught
// up, or it hit the page cap, the time budget, the read budget or the rate limit, or lost a
// checkpoint to another run; it fails on bad credentials, a malformed response, or X API or
// Redis errors that outlasted their retries, keeping the progress saved so far (the other
// boards still get their pages).
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	if IsUpkeep(ev) { // the schedule at every bucket boundary: the windows only (upkeep.go)
		return h.upkeep(ctx, ev)
	}
	// The deadline is on the wall clock, whatever the application clock (Config.Now) says.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(noDeadlineBudget)
	}
	stopAt := deadline.Add(-h.cfg.safetyMargin)
	log := h.log.With("event_id", ev.ID)

	res, err := h.run(ctx, log, stopAt)
	attrs := []any{"pages", res.Pages, "posts_fetched", res.PostsFetched, "posts_new", res.PostsNew,
		"posts_skipped", res.PostsSkipped, "posts_without_author", res.PostsWithoutAuthor,
		"hashtags_counted", res.HashtagsCounted, "complete", res.Complete,
		"rate_limited", res.RateLimited, "rate_limit_reset", res.resetText(),
		"budget_exhausted", res.BudgetExhausted, "posts_read", res.PostsRead, "posts_read_today", res.PostsReadToday,
		"boards", res.Boards}
	if err != nil {
		log.ErrorContext(ctx, "ingest failed", append(attrs, "error", err.Error())...)
	} else {
		log.InfoContext(ctx, "ingest done", attrs...)
	}
	h.logSpend(ctx, log, res)
	budget := h.cfg.DailyPostBudget
	if !res.readKnown {
		budget = 0 // unknown: no BudgetRemaining
	}
	emitMetrics(ctx, log, res, budget)
	emitCoverage(ctx, log, res)
	return res, err
}
