// Package leaderboard owns the HTTP API and the live dashboard page served by the leaderboard
// Lambda through its Function URL: routing, query validation, content negotiation, the short
// in-memory cache in front of Redis, ETag revalidation, error mapping and the security headers.
// docs/API.md is the API's reference (paths, parameters, JSON bodies, status codes, caching).
//
// Handler.Handle is a plain function of the Function URL event. It validates the query by one
// table of parameters (query.go), so a typo gets 400 naming the parameter; it answers JSON or
// the dashboard page by format= and the Accept header; and it reads each view of each window of
// a board from Redis at most once per cache period and instance (Config.CacheTTL), whatever
// limits callers ask for, with concurrent misses sharing one read and failures never cached.
// The history view's cost is bounded by a per-instance budget (history_cost.go).
//
// A dashboard request touches no Redis: the page polls "/" for JSON. When Redis fails or does
// not answer within the per-call timeout (2 s, or half of the remaining Lambda time if less),
// the answer is 503 with Retry-After and the cause is logged, never returned.
package leaderboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// Defaults and limits.
const (
	DefaultLimit = 10
	MaxLimit     = 100
	// defaultTimeout bounds one Redis call; a Lambda deadline closer than twice this shortens it.
	defaultTimeout = 2 * time.Second
	// RetryAfter is the Retry-After of a 503, in seconds.
	RetryAfter = 5
)

// Board is what the handler needs from the store: the top n hashtags of a window, count
// descending then hashtag ascending (an Estimator adds estimates: estimates.go), the n best of
// a window's trending view, score descending then hashtag ascending, the per-bucket history of
// a few hashtags in a rolling window, and their counts in the window (0 for one not in it: its
// history is all zeros). *store.Store implements it.
type Board interface {
	Top(ctx context.Context, w store.Window, n int) ([]store.Entry, error)
	Trending(ctx context.Context, w store.Window, n int) ([]store.Trend, error)
	History(ctx context.Context, w store.Window, tags []string) ([]store.Series, error)
	Counts(ctx context.Context, w store.Window, tags []string) ([]int64, error)
}

// Config tunes a Handler.
type Config struct {
	CacheTTL time.Duration // how long a read is served from memory, 0 to config.MaxCacheTTL; 0: no cache
	Logger   *slog.Logger  // default slog.Default()
	// EmbedOrigins (checked by config.ParseEmbedOrigins) may show the widget
	// (?embed=1) in a frame; none by default: frame-ancestors 'none' everywhere.
	EmbedOrigins []string

	// The tests' hooks (export_test.go): the longest a Redis call may take before the request
	// gets 503 (default defaultTimeout), and the clock of generated_at and cache expiry.
	timeout time.Duration
	now     func() time.Time
}

// Handler answers Function URL requests for the boards of a deployment. It is safe for
// concurrent use.
type Handler struct {
	boards  map[string]*Named // by name
	order   []string          // the names, in the configured order
	def     *Named            // the default (first) board
	list    boardList         // the GET /boards answer
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu      sync.Mutex
	reads   map[cacheKey]*read
	flights map[cacheKey]*flight

	hist  historyCache // the history view's reads and budget (history_cost.go)
	embed page         // the widget page, framable by Config.EmbedOrigins

	// joined, when set (tests), is called when a request joins a fetch already in flight.
	joined func()
}

// New returns the handler of boards, in the configured order: the first is the default board.
func New(boards []Named, cfg Config) (*Handler, error) {
	boards = slices.Clone(boards)
	byName, err := checkBoards(boards)
	if err != nil {
		return nil, err
	}
	list, err := newBoardList(boards)
	if err != nil {
		return nil, err
	}
	if cfg.CacheTTL < 0 || cfg.CacheTTL > config.MaxCacheTTL {
		return nil, fmt.Errorf("leaderboard handler: Config.CacheTTL is %s, want 0-%s", cfg.CacheTTL, config.MaxCacheTTL)
	}
	if cfg.timeout == 0 {
		cfg.timeout = defaultTimeout
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("leaderboard handler: timeout %s must be positive", cfg.timeout)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	embed, err := embedPage(cfg.EmbedOrigins)
	if err != nil {
		return nil, fmt.Errorf("leaderboard handler: %w", err)
	}
	order := make([]string, len(boards))
	for i, b := range boards {
		order[i] = b.Name
	}
	return &Handler{
		boards:  byName,
		order:   order,
		def:     byName[boards[0].Name],
		list:    list,
		ttl:     cfg.CacheTTL,
		timeout: cfg.timeout,
		now:     cfg.now,
		log:     cfg.Logger,
		reads:   map[cacheKey]*read{},
		flights: map[cacheKey]*flight{},

		hist:  newHistoryCache(),
		embed: embed,
	}, nil
}

// Handle answers one Function URL request. It never returns an error: every failure is an
// HTTP answer (a Function URL would turn an error into a bare 502).
func (h *Handler) Handle(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	start := time.Now()
	resp, info := h.serve(ctx, req)
	if req.RequestContext.HTTP.Method == http.MethodHead {
		resp.Body = "" // every answer to HEAD, errors included, has headers only
	}
	level := slog.LevelDebug
	if resp.StatusCode >= 500 {
		level = slog.LevelWarn
	}
	if !h.log.Enabled(ctx, level) {
		return resp, nil
	}
	h.log.LogAttrs(ctx, level, "request",
		slog.String("request_id", requestID(ctx, req)),
		slog.String("method", truncate(req.RequestContext.HTTP.Method, 16)),
		slog.String("path", truncate(req.RawPath, 64)),
		slog.Int("status", resp.StatusCode),
		slog.String("board", info.board),
		slog.String("view", info.view),
		slog.String("window", string(info.window)),
		slog.Int("limit", info.limit),
		slog.String("cache", info.cache),
		slog.Duration("duration", time.Since(start)),
	)
	return resp, nil
}

// reqInfo is what a request did, for the access log.
type reqInfo struct {
	board  string
	view   string
	window store.Window
	limit  int
	cache  string // "hit", "miss", "shared" or "" (no data read)
}

func (h *Handler) serve(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, reqInfo) {
	var info reqInfo
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	if path != "/" && path != "" && path != "/boards" {
		return errorResponse(http.StatusNotFound, "no resource at "+quote(path)+": the leaderboard is served at /, its boards are listed at /boards"), info
	}
	method := req.RequestContext.HTTP.Method
	if method != http.MethodGet && method != http.MethodHead {
		resp := errorResponse(http.StatusMethodNotAllowed, "method "+quote(method)+" not allowed: use GET or HEAD")
		resp.Headers["Allow"] = "GET, HEAD"
		return resp, info
	}
	if path == "/boards" {
		return h.boardsResponse(req.RawQueryString, header(req, "if-none-match")), info
	}
	q, err := parseQuery(req.RawQueryString)
	if err != nil {
		return errorResponse(http.StatusBadRequest, err.Error()), info
	}
	// A browser gets the page whatever the board: the page itself says when the board is
	// unknown and shows the default one (the JSON API answers 404 below).
	if q.format == formatHTML || (q.format == "" && prefersHTML(header(req, "accept"))) {
		p := &dashboard
		if q.embed {
			p = &h.embed
		}
		return p.response(header(req, "if-none-match")), info
	}
	board, notFound := h.board(q.board)
	if notFound != nil {
		return *notFound, info
	}
	info.board, info.view, info.window, info.limit = board.Name, q.view, q.window, q.limit

	var snap *snapshot
	var how string
	if q.view == viewHistory {
		snap, how, err = h.history(ctx, board, q.window, q.hashtags)
	} else {
		snap, how, err = h.answer(ctx, board, q.view, q.window, q.limit)
	}
	info.cache = how
	if busy := (*busyError)(nil); errors.As(err, &busy) {
		resp := errorResponse(http.StatusTooManyRequests, "too many history requests for hashtags outside the window's top 100: retry later")
		resp.Headers["Retry-After"] = strconv.Itoa(busy.retryAfter())
		return resp, info
	}
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "read leaderboard",
			slog.String("request_id", requestID(ctx, req)),
			slog.String("leaderboard", board.Name),
			slog.String("view", q.view),
			slog.String("window", string(q.window)),
			slog.Int("limit", q.limit),
			slog.String("error", err.Error()),
		)
		resp := errorResponse(http.StatusServiceUnavailable, "leaderboard temporarily unavailable")
		resp.Headers["Retry-After"] = strconv.Itoa(RetryAfter)
		return resp, info
	}

	headers := map[string]string{
		"Content-Type":            "application/json; charset=utf-8",
		"Cache-Control":           h.cacheControl(),
		"ETag":                    snap.etag,
		"Vary":                    "Accept",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": apiCSP,
		"Referrer-Policy":         "no-referrer",
	}
	if etagMatches(header(req, "if-none-match"), snap.etag) {
		delete(headers, "Content-Type")
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusNotModified, Headers: headers}, info
	}
	return events.LambdaFunctionURLResponse{StatusCode: http.StatusOK, Headers: headers, Body: snap.body}, info
}

// apiCSP is the Content-Security-Policy of JSON answers: nothing may load from them.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func (h *Handler) cacheControl() string {
	if h.ttl <= 0 {
		return "public, no-cache"
	}
	secs := int((h.ttl + time.Second - 1) / time.Second)
	return "public, max-age=" + strconv.Itoa(secs)
}

// header returns the value of the request header name (lower case), whatever its case in
// the event: a Function URL sends lower-case names, hand-made events may not.
func header(req events.LambdaFunctionURLRequest, name string) string {
	if v, ok := req.Headers[name]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func requestID(ctx context.Context, req events.LambdaFunctionURLRequest) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return truncate(req.RequestContext.RequestID, 64)
}
