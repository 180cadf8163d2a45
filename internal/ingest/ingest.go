// Package ingest owns one ingest run: it serves every board of the deployment in turn, paging
// through X recent search with the board's query from the board's saved checkpoint, records
// each page's hashtags through the board's store as one atomic batch, and moves the checkpoint
// forward, so that across runs no post inside the search window is missed or counted twice;
// and it keeps the X API reads within the deployment's daily budget and X's rate limit.
//
// # Boards
//
// One run serves every board within the shared page cap (MAX_PAGES) and time budget, one page
// per board per round, starting at the board after the last one the previous run served (kept
// in the quota: store.QuotaState.NextBoard). So with a cap of at least the number of boards,
// every board with new posts gets a page in every run, and with a smaller cap the boards take
// turns across runs: none starves. A board that caught up, lost its checkpoint to another run
// or failed leaves the rotation for the rest of the run; a board's failure fails the run (its
// error names the board) after the other boards had their pages. Each board keeps its own
// checkpoint and exactly-once record, and the hashtags its own query names are not counted on
// it.
//
// # Resume state
//
// A run sweeps a board from the newest post down to the checkpoint's since_id. After each page
// it saves {since_id, newest_id, until_id}: the newest id of the sweep and the oldest id
// recorded so far. A run that stops early (page cap, time budget, read budget, rate limit, 429,
// crash, a lost compare-and-set) leaves the gap (since_id, until_id) to the next run, which
// fetches it with until_id and then sets since_id to newest_id and starts a new sweep for newer
// posts. Recording is idempotent, so a page fetched twice (crash after recording, a replayed
// event, two overlapping runs) counts once; the checkpoint is saved with compare-and-set, so it
// never moves backwards, and a run that loses the race leaves that board to the other run.
//
// A since_id older than X's 7-day search window can no longer be sent; it is dropped (the
// posts it guarded are out of reach anyway), and a gap whose until_id is older than the window
// is closed.
//
// # Posts that are not recorded
//
// An entry of X's answer that is malformed (xapi's Page.Skipped), or whose id X could not have
// sent by the handler's clock (postid.CheckPlausible: a snowflake of the future, or below 2^22),
// is skipped: counted in posts_skipped, logged with its reason, never recorded. No implausible id
// gets into a board's checkpoint (it takes the page's newest and oldest plausible ids), and a
// run that finds one stored there (from before this rule) clears that field first, so one bogus
// id cannot hide every later post. A post counts at most MaxHashtagsPerPost hashtags.
//
// # What X allows
//
// X bills every post it returns. The budget accrues over the UTC day (see pace.go: Accrued).
// Before each request the run reserves, in the deployment-wide quota (store.Quota), the board's
// fair share of what has accrued and is not spent (10-100 posts) and asks X for that many
// (max_results); after the answer it gives back what the page did not use. When fewer than 10
// (X's smallest page) are open, no request is sent and the run stops: budget_exhausted. A board
// whose unread span holds more posts than its share is sampled, with X's counts of the span
// (see sample.go).
// When an answer says x-rate-limit-remaining: 0, or X answers 429, its reset time (at most
// xapi.RateWindow ahead, a whole window for a 429 without one) is saved in the quota and no run
// sends a request before it: rate_limited, with rate_limit_reset in the summary. Either way the run
// ends successfully and the checkpoints keep the progress, so the sweeps resume when the budget
// (the next UTC day) or the rate limit allows.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
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
	// as one author of each of their hashtags, so they cannot make a hashtag trend (unless
	// TRENDING_MIN_AUTHORS is 1) and add at most one author to a real rise. The store would
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

// Config tunes a Handler.
type Config struct {
	MaxPages      int      // pages per run, all boards together (MAX_PAGES), default config.DefaultMaxPages
	SkipSensitive bool     // do not count hashtags of possibly_sensitive posts (SKIP_SENSITIVE)
	Exclude       []string // EXCLUDE_HASHTAGS: more hashtags not to count, on every board
	// DailyPostBudget is X_DAILY_POST_BUDGET: the posts X may return per UTC day, all boards
	// and runs together; 0 is no limit. A budget needs the Quota that counts it.
	DailyPostBudget int
	// Interval is the time between runs (SCHEDULE_EXPRESSION; default config.DefaultInterval):
	// the budget accrues over the UTC day, and a run may spend an interval's share ahead
	// (Accrued). 24 hours or more opens the whole day's budget at once.
	Interval     time.Duration
	PricePerPost float64          // X_PRICE_PER_POST, USD: for the spend estimate in the log
	Now          func() time.Time // the application clock (default time.Now): UTC days, X's search window
	Logger       *slog.Logger     // default slog.Default()

	// safetyMargin is safetyMargin unless a test sets it (export_test.go).
	safetyMargin time.Duration
}

// Totals is what a run did, on one board or on all of them.
type Totals struct {
	Pages           int  `json:"pages"`
	PostsFetched    int  `json:"posts_fetched"` // entries X returned, skipped ones included
	PostsNew        int  `json:"posts_new"`
	PostsSkipped    int  `json:"posts_skipped"` // malformed, or an id X could not have sent
	HashtagsCounted int  `json:"hashtags_counted"`
	Complete        bool `json:"complete"`     // caught up with the newest post (every board, for the totals)
	RateLimited     bool `json:"rate_limited"` // stopped by X's rate limit (a 429, or a response at remaining 0)
	// PostsHad is what X had in the spans read: X's counts for the spans sampled, the posts
	// fetched for those read whole; Coverage is PostsFetched ÷ PostsHad (4 decimals, 1 when
	// everything was read).
	PostsHad int     `json:"posts_had"`
	Coverage float64 `json:"coverage"`

	// PostsWithoutAuthor are the posts passed to the store whose author_id was missing or not
	// an X id: they count in the top counts and, all together, as one author (NoAuthor) in the
	// trending views (a page fetched again counts them again).
	PostsWithoutAuthor int `json:"posts_without_author"`
}

// MarshalJSON writes the totals with, after their own keys, the deprecated tweets_fetched and
// tweets_new (the names before "posts"), equal to posts_fetched and posts_new, so readers of
// the old keys keep working.
func (t Totals) MarshalJSON() ([]byte, error) {
	type keys Totals // the fields, without this method
	return json.Marshal(struct {
		keys
		TweetsFetched int `json:"tweets_fetched"` // Deprecated: posts_fetched
		TweetsNew     int `json:"tweets_new"`     // Deprecated: posts_new
	}{keys(t), t.PostsFetched, t.PostsNew})
}

// Result is what one run did; the handler returns it (the invocation's JSON summary) and logs
// it with the same keys.
type Result struct {
	Totals                            // of every board
	BudgetExhausted bool              `json:"budget_exhausted"` // stopped: the day's read budget is spent
	PostsRead       int               `json:"posts_read"`       // posts X returned in this run (what X bills)
	PostsReadToday  int64             `json:"posts_read_today"` // posts X returned today (UTC), every run and board
	Boards          map[string]Totals `json:"boards"`           // per board, by name
	// RateLimitReset is, when RateLimited, the time before which X allows no request (RFC 3339
	// in the summary): the reset X sent (capped by xapi at xapi.RateWindow ahead), or
	// xapi.RateWindow after a 429 that sent none.
	RateLimitReset time.Time `json:"rate_limit_reset,omitzero"`
	// NotConfigured says the run found no X API credentials and sent nothing to X (Setup);
	// in the summary only when true.
	NotConfigured bool `json:"not_configured,omitempty"`
	// CountsRequests is the counts requests of this run (each one unit of the budget).
	CountsRequests int `json:"counts_requests"`

	// readKnown says PostsReadToday came from the quota (not so without one, or when Redis
	// could not be asked): the budget left is written only then.
	readKnown bool
}

// MarshalJSON writes the totals' keys (see Totals.MarshalJSON), then the run's own.
func (r Result) MarshalJSON() ([]byte, error) {
	totals, err := json.Marshal(r.Totals)
	if err != nil {
		return nil, err
	}
	// The fields after Totals (whose MarshalJSON an embedding struct would take over).
	rest, err := json.Marshal(struct {
		BudgetExhausted bool              `json:"budget_exhausted"`
		PostsRead       int               `json:"posts_read"`
		PostsReadToday  int64             `json:"posts_read_today"`
		Boards          map[string]Totals `json:"boards"`
		RateLimitReset  string            `json:"rate_limit_reset,omitempty"`
		NotConfigured   bool              `json:"not_configured,omitempty"`
		CountsRequests  int               `json:"counts_requests"`
	}{r.BudgetExhausted, r.PostsRead, r.PostsReadToday, r.Boards, r.resetText(), r.NotConfigured, r.CountsRequests})
	if err != nil {
		return nil, err
	}
	return append(append(totals[:len(totals)-1:len(totals)-1], ','), rest[1:]...), nil
}

// resetText is RateLimitReset in RFC 3339 ("" when not RateLimited).
func (r Result) resetText() string {
	if !r.RateLimited || r.RateLimitReset.IsZero() {
		return ""
	}
	return r.RateLimitReset.UTC().Format(time.RFC3339)
}

// rateLimited marks r stopped by X's rate limit until reset (the latest one it was told).
func (r *Result) rateLimited(reset time.Time) {
	r.RateLimited = true
	if reset.After(r.RateLimitReset) {
		r.RateLimitReset = reset.UTC()
	}
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
		return nil, fmt.Errorf("MAX_PAGES is %d, want 1-%d", cfg.MaxPages, config.MaxMaxPages)
	}
	if cfg.DailyPostBudget < 0 || cfg.DailyPostBudget > config.MaxDailyPostBudget {
		return nil, fmt.Errorf("X_DAILY_POST_BUDGET is %d, want 0 (no limit) to %d", cfg.DailyPostBudget, config.MaxDailyPostBudget)
	}
	if cfg.DailyPostBudget > 0 && quota == nil {
		return nil, errors.New("X_DAILY_POST_BUDGET is set but nothing counts the posts read: a budget needs the quota")
	}
	if !(cfg.PricePerPost >= 0 && cfg.PricePerPost <= config.MaxPricePerPost) {
		return nil, fmt.Errorf("X_PRICE_PER_POST is %g, want 0-%g", cfg.PricePerPost, config.MaxPricePerPost)
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
		return nil, fmt.Errorf("ingest interval (SCHEDULE_EXPRESSION) is %s, want more than 0", cfg.Interval)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(boards) == 0 {
		return nil, errors.New("no board to serve (BOARDS, or LEADERBOARD and SEARCH_QUERY)")
	}
	exclude, err := normalized("EXCLUDE_HASHTAGS", cfg.Exclude, nil)
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
		excluded, err := normalized(fmt.Sprintf("the query of board %q (BOARDS or SEARCH_QUERY)", b.Name), hashtag.Extract(b.Query), exclude)
		if err != nil {
			return nil, err
		}
		h.boards = append(h.boards, feed{Feed: b, excluded: excluded})
	}
	return h, nil
}

// normalized returns base (not modified) with the normalised hashtags of tags; an invalid one
// is an error naming where it came from.
func normalized(from string, tags []string, base map[string]bool) (map[string]bool, error) {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]bool{}
	}
	for _, raw := range tags {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		tag, err := hashtag.Normalize(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", from, raw, err)
		}
		out[tag] = true
	}
	return out, nil
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

// logSpend logs the posts read today and what they cost at the configured price.
func (h *Handler) logSpend(ctx context.Context, log *slog.Logger, res Result) {
	attrs := []any{"posts_read", res.PostsRead, "posts_read_today", res.PostsReadToday,
		"daily_post_budget", h.cfg.DailyPostBudget, "price_per_post_usd", h.cfg.PricePerPost,
		"estimated_spend_today_usd", spend(res.PostsReadToday, h.cfg.PricePerPost)}
	if h.cfg.DailyPostBudget > 0 && res.readKnown {
		attrs = append(attrs, "budget_remaining", budgetRemaining(h.cfg.DailyPostBudget, res.PostsReadToday))
	}
	log.InfoContext(ctx, "x api reads", attrs...)
}

// spend is n posts at price, in USD rounded to a hundredth of a cent.
func spend(n int64, price float64) float64 { return math.Round(float64(n)*price*1e4) / 1e4 }

func budgetRemaining(budget int, read int64) int64 { return max(int64(budget)-read, 0) }

// boardRun is one board's state in a run.
type boardRun struct {
	feed
	log      *slog.Logger
	res      Totals
	cp       store.Checkpoint
	loaded   bool             // cp was read
	req      xapi.PageRequest // the current sweep's cursors; NextToken continues it
	sweeping bool             // req is a sweep in progress
	retried  bool             // the since_id outside the search window was dropped once
	done     bool             // no more pages this run: caught up, lost the checkpoint, or failed
	err      error            // why it failed

	decided     bool        // the sweep's first page was read and sampling decided on (decide)
	plan        *samplePlan // the pieces of the unread span to sample; nil: reading whole
	sampledHad  int64       // what X had in the spans sampled in this run (its counts)
	sampledRead int         // posts fetched in those spans
	// The run at this board's turn: the boards still active and the pages left.
	active, pagesLeft int
}

func (r *boardRun) fail(err error) {
	r.done = true
	r.err = fmt.Errorf("board %s: %w", r.Name, err)
}

// turn is what one board's turn ended with.
type turn int

const (
	noPage  turn = iota // the board had no page: it is done (caught up, conflict, failure)
	gotPage             // the board got a page
	stopRun             // no more requests in this run (time, budget, rate limit, credentials)
)

func (h *Handler) run(ctx context.Context, log *slog.Logger, stopAt time.Time) (Result, error) {
	res := Result{Boards: make(map[string]Totals, len(h.boards))}
	runs := make([]*boardRun, len(h.boards))
	for i, b := range h.boards {
		runs[i] = &boardRun{feed: b, log: log.With("board", b.Name)}
	}
	var fatal error
	// Every run advances every board's rolling windows first, whatever the X API then answers,
	// so reads find them current even when no post is recorded (see store.Store.Upkeep).
	for _, r := range runs {
		if err := r.Board.Upkeep(ctx); err != nil {
			r.fail(fmt.Errorf("ingest: %w", err))
		}
	}
	var st store.QuotaState
	if h.quota != nil {
		var err error
		if st, err = h.quota.State(ctx); err != nil {
			return h.summarize(res, runs, fmt.Errorf("ingest: %w", err))
		}
	}
	res.PostsReadToday, res.readKnown = st.ReadToday, h.quota != nil
	switch {
	case !st.Blocked.IsZero():
		res.rateLimited(st.Blocked)
		log.WarnContext(ctx, "the X API rate limit allows no request yet; stopping until the next run",
			"rate_limit_reset", st.Blocked.Format(time.RFC3339))
		return h.summarize(res, runs, nil)
	case h.cfg.DailyPostBudget > 0 && budgetRemaining(h.limit(), st.ReadToday) < xapi.MinPageSize:
		res.BudgetExhausted = true
		log.InfoContext(ctx, "the X API read budget accrued so far is spent; no request until more accrues",
			"posts_read_today", st.ReadToday, "daily_post_budget", h.cfg.DailyPostBudget, "accrued", h.limit())
		return h.summarize(res, runs, nil)
	}

	order := rotate(runs, st.NextBoard)
	pages, served := 0, -1 // served: the place in order of the last board that got a page
rounds:
	for {
		active := false
		for i, r := range order {
			if r.done {
				continue
			}
			active = true
			r.active, r.pagesLeft = activeBoards(order), h.cfg.MaxPages-pages
			if pages >= h.cfg.MaxPages {
				log.InfoContext(ctx, "stopping at the page cap", "max_pages", h.cfg.MaxPages)
				break rounds
			}
			if !time.Now().Before(stopAt) {
				log.InfoContext(ctx, "stopping at the time budget", "pages", pages)
				break rounds
			}
			var t turn
			t, fatal = h.turn(ctx, r, stopAt, &res)
			if t == gotPage {
				pages++
				served = i
			}
			if t == stopRun || ctx.Err() != nil {
				break rounds
			}
		}
		if !active {
			break
		}
	}
	// A board that recorded posts settles its trending views at the end of the run, so they hold
	// the run's posts (see store.Store.Upkeep); when that fails, the next run's first upkeep
	// settles them, and the board's error says so.
	for _, r := range runs {
		if r.res.PostsNew == 0 {
			continue
		}
		if err := r.Board.Upkeep(ctx); err != nil {
			prev := r.err
			r.fail(fmt.Errorf("ingest: settle the trending views after recording %d posts (the next run settles them): %w", r.res.PostsNew, err))
			r.err = errors.Join(prev, r.err)
		}
	}
	if h.quota != nil && served >= 0 {
		next := order[(served+1)%len(order)].Name
		if err := h.quota.SetNextBoard(ctx, next); err != nil {
			log.WarnContext(ctx, "could not save the board the next run starts with", "next_board", next, "error", err.Error())
		}
	}
	return h.summarize(res, runs, fatal)
}

// activeBoards is how many boards are not done.
func activeBoards(runs []*boardRun) int {
	n := 0
	for _, r := range runs {
		if !r.done {
			n++
		}
	}
	return n
}

// rotate returns runs starting at the board called first (as they are when there is none).
func rotate(runs []*boardRun, first string) []*boardRun {
	for i, r := range runs {
		if r.Name == first {
			return append(slices.Clone(runs[i:]), runs[:i]...)
		}
	}
	return runs
}

// summarize fills res with every board's totals and their sum, and returns it with the boards'
// errors and fatal joined.
func (h *Handler) summarize(res Result, runs []*boardRun, fatal error) (Result, error) {
	errs := make([]error, 0, len(runs)+1)
	res.Complete = true
	for _, r := range runs {
		t := r.res
		t.RateLimited = res.RateLimited && !t.Complete
		t.PostsHad = int(r.sampledHad) + max(t.PostsFetched-r.sampledRead, 0)
		t.Coverage = coverage(t.PostsFetched, t.PostsHad)
		res.PostsHad += t.PostsHad
		res.Boards[r.Name] = t
		res.Pages += t.Pages
		res.PostsFetched += t.PostsFetched
		res.PostsNew += t.PostsNew
		res.PostsSkipped += t.PostsSkipped
		res.PostsWithoutAuthor += t.PostsWithoutAuthor
		res.HashtagsCounted += t.HashtagsCounted
		res.Complete = res.Complete && t.Complete
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	if fatal != nil {
		errs = append(errs, fatal)
	}
	res.Coverage = coverage(res.PostsFetched, res.PostsHad)
	return res, errors.Join(errs...)
}

// turn fetches and records one page of board r. It returns gotPage when r got one, stopRun when
// the run must send no more requests (the time budget, the read budget, the rate limit), with
// an error when that is a failure of every board (the credentials, the quota); a failure of r
// alone ends r (r.err) and returns noPage.
func (h *Handler) turn(ctx context.Context, r *boardRun, stopAt time.Time, res *Result) (turn, error) {
	log := r.log
	if !r.loaded {
		cp, err := r.Board.Checkpoint(ctx)
		if err != nil {
			r.fail(fmt.Errorf("ingest: %w", err))
			return noPage, nil
		}
		if cp, err = h.repair(ctx, log, r.Board, cp); err != nil {
			if errors.Is(err, store.ErrCheckpointConflict) {
				log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
				r.done = true
				return noPage, nil
			}
			r.fail(err)
			return noPage, nil
		}
		r.cp, r.loaded = cp, true
	}
	if r.plan != nil {
		return h.samplePiece(ctx, r, stopAt, res)
	}
	for {
		if !r.sweeping {
			req, cp, done, err := h.startSweep(ctx, r.Board, r.cp)
			r.cp = cp
			switch {
			case errors.Is(err, store.ErrCheckpointConflict):
				log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it")
				r.done = true
				return noPage, nil
			case err != nil:
				r.fail(err)
				return noPage, nil
			case done:
				continue // a gap out of reach was closed: start over from the new since_id
			}
			r.req, r.sweeping, r.decided = req, true, false
		}
		g, t, err := h.reserve(ctx, log, res, h.firstPage(r, h.fairShare(res, r.active)))
		if t == stopRun {
			return t, err
		}
		r.req.MaxResults = g.Posts
		fetchCtx, cancel := context.WithDeadline(ctx, stopAt)
		page, err := r.Source.FetchPage(fetchCtx, r.req)
		budgetHit := fetchCtx.Err() != nil && ctx.Err() == nil // the fetch deadline, not the caller, ended it
		cancel()
		block := blockUntil(page, err, h.cfg.Now())
		h.settle(ctx, log, g, postsRead(page, err, g.Posts), block, res)
		if errors.Is(err, xapi.ErrOutsideSearchWindow) && !r.retried && !errors.Is(err, xapi.ErrRateLimited) {
			// Our clock and X's disagree about the window's edge: drop the old cursor once.
			log.WarnContext(ctx, "cursor outside the search window; dropping since_id", "since_id", r.req.SinceID)
			r.retried = true
			r.req.SinceID, r.req.NextToken = "", ""
			continue
		}
		if t, done := h.fetchFailed(ctx, r, res, err, budgetHit, block); done {
			return t, h.fatal(r, err, t)
		}
		h.record(ctx, r, page)
		if r.sweeping && !r.decided && !r.done {
			r.decided = true
			if err := h.decide(ctx, r, res, page, r.active, r.pagesLeft); err != nil {
				return stopRun, err
			}
		}
		if page.RateLimit.Exhausted() {
			res.rateLimited(page.RateLimit.Reset)
			log.WarnContext(ctx, "the X API rate limit is used up; no request before its reset",
				"rate_limit_reset", page.RateLimit.Reset.UTC().Format(time.RFC3339))
			return stopRun, nil
		}
		return gotPage, nil
	}
}

// fetchFailed handles a failed fetch of board r (err nil: none): done is true when the turn ends
// with t (the rate limit, the time budget, the credentials: stopRun; else r failed: noPage).
// block is blockUntil of the answer.
func (h *Handler) fetchFailed(ctx context.Context, r *boardRun, res *Result, err error, budgetHit bool,
	block time.Time) (t turn, done bool) {
	log := r.log
	switch {
	case err == nil:
		return gotPage, false
	case errors.Is(err, xapi.ErrRateLimited):
		res.rateLimited(block)
		_, sent := xapi.RateLimitReset(err)
		log.WarnContext(ctx, "rate limited by the X API; stopping until the next run", "pages", r.res.Pages,
			"rate_limit_reset", block.UTC().Format(time.RFC3339), "reset_sent", sent)
		return stopRun, true
	case budgetHit && cutByDeadline(err):
		log.InfoContext(ctx, "stopping at the time budget", "pages", r.res.Pages, "error", err.Error())
		return stopRun, true
	case errors.Is(err, xapi.ErrUnauthorized):
		return stopRun, true // fatal: see Handler.fatal
	default:
		r.fail(fmt.Errorf("fetch page %d: %w", r.res.Pages+1, err))
		return noPage, true
	}
}

// fatal is the run's error after a fetch of board r that ended the run with t: the
// credentials are every board's, so their refusal fails the run (the other boards would be
// refused too).
func (h *Handler) fatal(r *boardRun, err error, t turn) error {
	if t == stopRun && errors.Is(err, xapi.ErrUnauthorized) {
		return fmt.Errorf("board %s: fetch page %d: %w", r.Name, r.res.Pages+1, err)
	}
	return nil
}

// reserve grants the posts of the next request, want at most: stopRun when the rate limit or
// the read budget allows none (or the quota cannot be read: with an error). Without a quota it
// grants a full page.
func (h *Handler) reserve(ctx context.Context, log *slog.Logger, res *Result, want int) (store.Grant, turn, error) {
	if h.quota == nil {
		return store.Grant{Posts: xapi.MaxPageSize}, gotPage, nil
	}
	g, err := h.quota.Reserve(ctx, h.limit(), max(want, xapi.MinPageSize), xapi.MinPageSize)
	if err != nil {
		return g, stopRun, fmt.Errorf("ingest: %w", err)
	}
	res.PostsReadToday = g.ReadToday
	switch {
	case !g.Blocked.IsZero():
		res.rateLimited(g.Blocked)
		log.WarnContext(ctx, "the X API rate limit allows no request yet; stopping until the next run",
			"rate_limit_reset", g.Blocked.Format(time.RFC3339))
		return g, stopRun, nil
	case g.Posts == 0:
		res.BudgetExhausted = true
		log.InfoContext(ctx, "the X API read budget accrued so far is spent; no request until more accrues",
			"posts_read_today", g.ReadToday, "daily_post_budget", h.cfg.DailyPostBudget, "accrued", h.limit())
		return g, stopRun, nil
	}
	return g, gotPage, nil
}

// settle counts read posts for the request of grant g and saves blockUntil (when set): from
// then on no run sends a request before it. A failure is logged: the reservation then stays
// counted in full, which errs on the side of the budget.
func (h *Handler) settle(ctx context.Context, log *slog.Logger, g store.Grant, read int, blockUntil time.Time, res *Result) {
	res.PostsRead += read
	if h.quota == nil {
		return
	}
	today, err := h.quota.Settle(ctx, g, read, blockUntil)
	if err != nil {
		log.ErrorContext(ctx, "could not settle the X API reads; the reservation stays counted", "error", err.Error())
		return
	}
	res.PostsReadToday = today
}

// postsRead is how many posts a request that reserved n is counted for: those of the page, none
// when X answered with an error status or the request was refused or not sent, and n when an
// answer may have held posts that did not arrive (a 200 that could not be decoded, a connection
// cut on the way), since X bills what it sent.
func postsRead(page xapi.Page, err error, n int) int {
	if err == nil {
		return len(page.Posts) + len(page.Skipped)
	}
	var xe *xapi.Error
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &xe) && xe.StatusCode >= 400:
		return 0
	case errors.As(err, &xe) && xe.StatusCode == 0 && errors.Is(err, xapi.ErrInvalidRequest):
		return 0 // refused before it was sent
	case errors.As(err, &op) && op.Op == "dial", errors.As(err, &dns):
		return 0
	}
	return n
}

// blockUntil is the time before which X allows no further request after this answer: its
// x-rate-limit-reset when x-rate-limit-remaining was 0, or a 429's reset (xapi caps both at
// xapi.RateWindow ahead), or for a 429 without one a whole window from now; zero when none.
func blockUntil(page xapi.Page, err error, now time.Time) time.Time {
	if err == nil {
		if page.RateLimit.Exhausted() {
			return page.RateLimit.Reset
		}
		return time.Time{}
	}
	var xe *xapi.Error
	if errors.As(err, &xe) {
		if xe.RateLimit.Exhausted() {
			return xe.RateLimit.Reset
		}
		if reset, ok := xapi.RateLimitReset(err); ok && errors.Is(err, xapi.ErrRateLimited) {
			return reset
		}
	}
	if errors.Is(err, xapi.ErrRateLimited) {
		return now.Add(xapi.RateWindow).Truncate(time.Second)
	}
	return time.Time{}
}

// record counts a fetched page on board r and moves its checkpoint; a failure ends r.
func (h *Handler) record(ctx context.Context, r *boardRun, page xapi.Page) {
	log := r.log
	r.res.Pages++
	r.res.PostsFetched += len(page.Posts) + len(page.Skipped)
	kept, skipped, bounds := screen(page, h.cfg.Now())
	r.res.PostsSkipped += len(skipped)
	logSkipped(ctx, log, r.res.Pages, skipped)
	if !h.recordKept(ctx, r, kept) {
		return
	}
	h.advanceSweep(ctx, r, bounds, page.NextToken)
}

// recordPosts counts a page of a sampled piece on board r (the checkpoint moves after it, see
// samplePiece); false when r failed.
func (h *Handler) recordPosts(ctx context.Context, r *boardRun, page xapi.Page) bool {
	r.res.Pages++
	r.res.PostsFetched += len(page.Posts) + len(page.Skipped)
	kept, skipped, _ := screen(page, h.cfg.Now())
	r.res.PostsSkipped += len(skipped)
	logSkipped(ctx, r.log, r.res.Pages, skipped)
	return h.recordKept(ctx, r, kept)
}

// recordKept records the screened posts of a page on board r; false when r failed.
func (h *Handler) recordKept(ctx context.Context, r *boardRun, kept []xapi.Post) bool {
	log := r.log
	// A page is one atomic batch (X sends at most 100 posts); a larger one is recorded in
	// store-sized batches, each atomic and idempotent, before the checkpoint moves.
	posts, noAuthor := h.toPosts(kept, r.excluded)
	r.res.PostsWithoutAuthor += noAuthor
	if noAuthor > 0 {
		log.WarnContext(ctx, "posts without an author id: counted, and as one author toward trending",
			"page", r.res.Pages, "posts_without_author", noAuthor)
	}
	for len(posts) > 0 {
		n := min(len(posts), store.MaxBatch)
		rec, err := r.Board.Record(ctx, posts[:n])
		if err != nil {
			r.fail(fmt.Errorf("page %d: %w", r.res.Pages, err))
			return false
		}
		r.res.PostsNew += rec.New
		r.res.HashtagsCounted += rec.HashtagsCounted
		logRecorded(ctx, log, r.res.Pages, n, rec)
		posts = posts[n:]
	}
	return true
}

// advanceSweep moves r's checkpoint after a recorded page of its sweep (next: the page's
// next_token).
func (h *Handler) advanceSweep(ctx context.Context, r *boardRun, bounds pageBounds, next string) {
	log := r.log
	cp, err := advance(r.cp, bounds)
	if err != nil {
		r.fail(fmt.Errorf("page %d: checkpoint: %w", r.res.Pages, err))
		return
	}
	if r.cp, err = r.Board.SaveCheckpoint(ctx, r.cp, cp); err != nil {
		if errors.Is(err, store.ErrCheckpointConflict) {
			log.WarnContext(ctx, "another run moved the checkpoint; leaving the rest to it", "pages", r.res.Pages)
			r.done = true
			return
		}
		r.fail(fmt.Errorf("page %d: %w", r.res.Pages, err))
		return
	}
	if next != "" {
		r.req.NextToken = next
		return
	}
	r.sweeping = false
	if r.req.UntilID == "" {
		r.res.Complete = true // a sweep from the newest post down to since_id is done
		r.done = true
	}
	// Else a gap was filled; the board's next turn goes on with the posts newer than the sweep
	// that left it.
}

// startSweep returns the cursors of the next sweep. done is true when the checkpoint's gap
// has left the search window: it is closed (saved) and no request is needed for it.
func (h *Handler) startSweep(ctx context.Context, board Board, cp store.Checkpoint) (req xapi.PageRequest, _ store.Checkpoint, done bool, err error) {
	edge := h.cfg.Now().Add(-searchWindow)
	req = xapi.PageRequest{SinceID: cp.SinceID, UntilID: cp.UntilID}
	if req.UntilID != "" && olderThan(req.UntilID, edge) {
		since, err := postid.Max(cp.SinceID, cp.NewestID)
		if err != nil {
			return req, cp, false, fmt.Errorf("close a gap older than the search window: checkpoint: %w", err)
		}
		cp, err = board.SaveCheckpoint(ctx, cp, store.Checkpoint{SinceID: since})
		if err != nil {
			return req, cp, false, fmt.Errorf("close a gap older than the search window: %w", err)
		}
		return req, cp, true, nil
	}
	if req.SinceID != "" && olderThan(req.SinceID, edge) {
		req.SinceID = "" // X would refuse it; everything older is out of reach anyway
	}
	return req, cp, false, nil
}

// repair clears the checkpoint's ids that X could not have sent by now (saved before ingest
// screened ids, or by hand): a since_id in the future would hide every post until then. The
// sweep then starts over from what is left; recording is idempotent, so posts fetched again
// count once.
func (h *Handler) repair(ctx context.Context, log *slog.Logger, board Board, cp store.Checkpoint) (store.Checkpoint, error) {
	now := h.cfg.Now()
	fixed := cp
	fixed.Version = 0
	var cleared []any
	for _, f := range []struct {
		name string
		id   *string
	}{{"since_id", &fixed.SinceID}, {"newest_id", &fixed.NewestID}, {"until_id", &fixed.UntilID}} {
		if err := postid.CheckPlausible(*f.id, now); *f.id != "" && err != nil {
			cleared = append(cleared, f.name, err.Error())
			*f.id = ""
		}
	}
	if cleared == nil {
		return cp, nil
	}
	log.WarnContext(ctx, "checkpoint holds ids X could not have sent; clearing them", cleared...)
	cp, err := board.SaveCheckpoint(ctx, cp, fixed)
	if err != nil {
		return cp, fmt.Errorf("repair the checkpoint: %w", err)
	}
	return cp, nil
}

// pageBounds are the newest and oldest ids of a page the checkpoint may take ("" when none).
type pageBounds struct {
	newest, oldest string
	next           string // the page's next_token
}

// skippedPost is an entry of X's answer that is not recorded, and why.
type skippedPost struct{ id, reason string }

// screen returns the posts of page to record (those whose id X could have sent by now:
// postid.CheckPlausible), the entries it does not record (xapi's skipped ones and the
// implausible ones), and the page's bounds for the checkpoint: the newest and oldest of its
// plausible ids (xapi's bounds, which cover skipped entries too, when plausible).
func screen(page xapi.Page, now time.Time) ([]xapi.Post, []skippedPost, pageBounds) {
	var skipped []skippedPost
	for _, sk := range page.Skipped {
		skipped = append(skipped, skippedPost{sk.ID, sk.Reason})
	}
	kept := make([]xapi.Post, 0, len(page.Posts))
	for _, p := range page.Posts {
		if err := postid.CheckPlausible(p.ID, now); err != nil {
			skipped = append(skipped, skippedPost{p.ID, "implausible id: " + err.Error()})
			continue
		}
		kept = append(kept, p)
	}
	b := pageBounds{next: page.NextToken}
	ids := []string{page.NewestID, page.OldestID}
	for _, sk := range page.Skipped {
		ids = append(ids, sk.ID)
	}
	for _, p := range kept {
		ids = append(ids, p.ID)
	}
	for _, id := range ids {
		if postid.CheckPlausible(id, now) != nil {
			continue
		}
		b.newest, _ = postid.Max(b.newest, id)
		if c, _ := postid.Compare(id, b.oldest); b.oldest == "" || c < 0 {
			b.oldest = id
		}
	}
	return kept, skipped, b
}

// logSkipped warns about the entries of page number n that are not recorded, each with its
// reason (at most maxSkippedLogged of them; ids are cut short: they are untrusted).
func logSkipped(ctx context.Context, log *slog.Logger, n int, skipped []skippedPost) {
	if len(skipped) == 0 {
		return
	}
	list := make([]map[string]string, 0, min(len(skipped), maxSkippedLogged))
	for _, sk := range skipped[:min(len(skipped), maxSkippedLogged)] {
		id := sk.id
		if len(id) > 24 {
			id = strings.ToValidUTF8(id[:24], "") + "..."
		}
		list = append(list, map[string]string{"id": id, "reason": sk.reason})
	}
	log.WarnContext(ctx, "posts skipped", "page", n, "posts_skipped", len(skipped), "skipped", list)
}

// logRecorded logs what the store did with a batch of n posts: a warning when it did not record
// some of them (a bad id or created_at: see store.Record), else at debug level.
func logRecorded(ctx context.Context, log *slog.Logger, page, n int, rec store.RecordResult) {
	level, msg := slog.LevelDebug, "posts recorded"
	if rec.Skipped > 0 {
		level, msg = slog.LevelWarn, "posts the store did not record"
	}
	log.Log(ctx, level, msg, "page", page, "posts", n, "posts_new", rec.New, "posts_duplicate", rec.Duplicates,
		"posts_skipped", rec.Skipped, "hashtags_counted", rec.HashtagsCounted, "hashtags_rejected", rec.RejectedHashtags)
}

// cutByDeadline reports whether a fetch error is the request being cut off by its context:
// xapi wraps the context's error (context.DeadlineExceeded, which net/http's client
// timeout errors also match) or a network timeout. An answer that did arrive (401/403, a
// malformed body, a 400) is not, however late it came.
func cutByDeadline(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ne) && ne.Timeout()
}

func olderThan(id string, edge time.Time) bool {
	t, err := postid.Time(id)
	return err == nil && t.Before(edge)
}

// advance is the checkpoint after a recorded page of the current sweep. Its ids come from the
// store and from screen, which both check them, so an error here means a broken invariant.
func advance(cp store.Checkpoint, page pageBounds) (store.Checkpoint, error) {
	next := cp
	next.Version = 0
	var err error
	if next.NewestID, err = postid.Max(next.NewestID, page.newest); err != nil {
		return cp, fmt.Errorf("newest id: %w", err)
	}
	if page.oldest != "" {
		if next.UntilID == "" {
			next.UntilID = page.oldest
		} else if c, err := postid.Compare(page.oldest, next.UntilID); err != nil {
			return cp, fmt.Errorf("oldest id: %w", err)
		} else if c < 0 {
			next.UntilID = page.oldest
		}
	}
	if page.next == "" { // the sweep reached since_id: everything up to newest_id is in
		since, err := postid.Max(cp.SinceID, next.NewestID)
		if err != nil {
			return cp, fmt.Errorf("since id: %w", err)
		}
		next = store.Checkpoint{SinceID: since}
	}
	return next, nil
}

// toPosts turns a page into store posts: hashtags from entities, or extracted from the text
// when the API sent no entities; none for possibly-sensitive posts (when configured), none of
// the excluded ones, at most MaxHashtagsPerPost; NoAuthor for an author_id that is missing or
// not an X id (noAuthor counts them). Every post is passed on, so it is marked seen exactly once.
func (h *Handler) toPosts(in []xapi.Post, excluded map[string]bool) (_ []store.Post, noAuthor int) {
	out := make([]store.Post, 0, len(in))
	for _, p := range in {
		author := p.AuthorID
		if !postid.Valid(author) {
			author = NoAuthor
			noAuthor++
		}
		tags := p.Hashtags
		if !p.HasEntities {
			tags = hashtag.Extract(p.Text)
		}
		if p.PossiblySensitive && h.cfg.SkipSensitive {
			tags = nil
		}
		if len(tags) > 0 {
			tags = countable(tags, excluded)
		}
		out = append(out, store.Post{ID: p.ID, CreatedAt: p.CreatedAt, AuthorID: author, Hashtags: tags})
	}
	return out, noAuthor
}

// countable returns the hashtags of a post that count: the first MaxHashtagsPerPost distinct
// ones (by their normalised form) that are not excluded. Tags the hashtag rules reject are
// passed on for the store to reject and count, and take a place too.
func countable(tags []string, excluded map[string]bool) []string {
	kept := make([]string, 0, min(len(tags), MaxHashtagsPerPost))
	seen := make(map[string]bool, cap(kept))
	for _, t := range tags {
		if len(kept) == MaxHashtagsPerPost {
			break
		}
		n, err := hashtag.Normalize(t)
		switch {
		case err != nil:
			kept = append(kept, t)
		case !excluded[n] && !seen[n]:
			seen[n] = true
			kept = append(kept, t)
		}
	}
	return kept
}
