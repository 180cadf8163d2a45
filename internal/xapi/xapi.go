// Package xapi owns talking to X API v2: recent search (GET /2/tweets/search/recent, through
// github.com/g8rswimmer/go-twitter/v2) and recent counts (GET /2/tweets/counts/recent). It
// fetches one page of recent posts at a time and turns them into Posts with their raw hashtags
// (from note_tweet, or note_post as X's current OpenAPI description names it, for long posts);
// it reads X's counts of a span (Counts); it classifies failures into typed errors, retries
// transient ones within the caller's deadline, caps rate-limit resets at X's 15-minute window,
// and makes the app-only OAuth 2.0 token exchange. It does not paginate across pages or keep
// checkpoints: the ingest handler drives FetchPage and Counts.
//
// A page is decoded entry by entry: one malformed data[] entry is skipped with
// its reason (Page.Skipped) and the rest of the page counts. A response body
// is read up to MaxResponseBytes.
package xapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"
)

// Defaults used by New for zero Config fields.
const (
	// DefaultHTTPTimeout bounds one HTTP call (Config.HTTPClient's default).
	DefaultHTTPTimeout = 10 * time.Second
	// pageSize is max_results: X's largest page.
	pageSize = 100
	// smallPage is X's smallest max_results, asked for when an answer is over
	// MaxResponseBytes.
	smallPage = 10
	// MaxQueryLength is the recent-search query limit go-twitter enforces
	// (512 bytes, X's limit for the self-serve access levels).
	MaxQueryLength = 512
)

// RetryPolicy bounds the retries of transient failures inside FetchPage.
type RetryPolicy struct {
	// MaxAttempts is the total number of HTTP attempts (default 3, minimum 1).
	MaxAttempts int
	// BaseBackoff is the backoff before the 2nd attempt (default 500ms);
	// it doubles for each further attempt, capped at MaxBackoff (default 8s).
	// The actual sleep is drawn uniformly from [backoff/2, backoff].
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MinAttemptTime is how much time must remain before the context
	// deadline after a backoff for another attempt to be worth making
	// (default 1s). FetchPage never sleeps past the deadline.
	MinAttemptTime time.Duration
}

// Config configures a Source. BaseURL, BearerToken and Query are required.
type Config struct {
	// BaseURL is the API host (go-twitter's Client.Host), required:
	// config.DefaultAPIURL for X, an xapitest server in tests.
	BaseURL string
	// BearerToken is the app-only bearer token (required).
	BearerToken BearerToken
	// Reauthorize, when set, is called when X answers 401 (the credentials were rotated or
	// revoked since they were read): it returns the bearer token to use from then on, and the
	// request is sent once more with it. At most one call per FetchPage; a token that is still
	// refused fails the page with ErrUnauthorized. 403 (the app lacks access) never calls it.
	Reauthorize func(ctx context.Context) (BearerToken, error)
	// HTTPClient makes the calls; pass one wrapped for X-Ray. New copies it
	// and wraps its transport; the original is not modified. Default: a
	// client with DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Query is the recent-search query (a board's), at most MaxQueryLength bytes.
	Query string
	// Retry is the transient-failure retry policy (zero fields: the
	// defaults; the tests of other packages shorten the backoffs).
	Retry RetryPolicy
	// Logger receives retry and partial-error warnings (default slog.Default()).
	Logger *slog.Logger
	// Now is the application clock an x-rate-limit-reset is judged by (default time.Now):
	// a reset further ahead of it than RateWindow is capped (see FetchPage).
	Now func() time.Time

	// The tests' hooks: max_results (10..100, default pageSize), and the
	// clock and sleep (sleep must return early with ctx.Err() when ctx
	// ends; defaults time.Now and a timer).
	maxResults int
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
}

// Source fetches recent-search pages. It is safe for concurrent use.
type Source struct {
	client     *twitter.Client
	auth       *swappableAuth
	reauth     func(context.Context) (BearerToken, error)
	query      string
	maxResults int
	fields     []twitter.TweetField
	retry      RetryPolicy
	now        func() time.Time // the wall clock, for the retries' deadline
	appNow     func() time.Time // Config.Now, for the rate-limit reset
	sleep      func(context.Context, time.Duration) error
	log        *slog.Logger
}

// New validates cfg and builds a Source.
func New(cfg Config) (*Source, error) {
	q := strings.TrimSpace(cfg.Query)
	if q == "" {
		return nil, errors.New("xapi: Config.Query is empty")
	}
	if len(q) > MaxQueryLength {
		return nil, fmt.Errorf("xapi: Config.Query is %d bytes, over X's limit of %d", len(q), MaxQueryLength)
	}
	base, err := normalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("xapi: Config.BaseURL: %w", err)
	}
	if cfg.BearerToken == "" {
		return nil, errors.New("xapi: Config.BearerToken is required")
	}
	mr := cfg.maxResults
	if mr == 0 {
		mr = pageSize
	}
	if mr < smallPage || mr > pageSize {
		return nil, fmt.Errorf("xapi: max_results is %d, must be 10..100", mr)
	}
	rp := cfg.Retry
	if rp.MaxAttempts == 0 {
		rp.MaxAttempts = 3
	}
	if rp.MaxAttempts < 1 {
		return nil, fmt.Errorf("xapi: Config.Retry.MaxAttempts is %d, must be >= 1", rp.MaxAttempts)
	}
	if rp.BaseBackoff == 0 {
		rp.BaseBackoff = 500 * time.Millisecond
	}
	if rp.MaxBackoff == 0 {
		rp.MaxBackoff = 8 * time.Second
	}
	if rp.MinAttemptTime == 0 {
		rp.MinAttemptTime = time.Second
	}
	if rp.BaseBackoff < 0 || rp.MaxBackoff < rp.BaseBackoff || rp.MinAttemptTime < 0 {
		return nil, fmt.Errorf("xapi: Config.Retry: need 0 < BaseBackoff <= MaxBackoff and MinAttemptTime >= 0, got %v, %v, %v",
			rp.BaseBackoff, rp.MaxBackoff, rp.MinAttemptTime)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	fields := make([]twitter.TweetField, len(tweetFields))
	for i, f := range tweetFields {
		fields[i] = twitter.TweetField(f)
	}
	sw := &swappableAuth{cur: cfg.BearerToken}
	s := &Source{
		client:     &twitter.Client{Authorizer: sw, Client: wrapClient(hc), Host: base},
		auth:       sw,
		reauth:     cfg.Reauthorize,
		query:      q,
		maxResults: mr,
		fields:     fields,
		retry:      rp,
		now:        cfg.now,
		appNow:     cfg.Now,
		sleep:      cfg.sleep,
		log:        cfg.Logger,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.appNow == nil {
		s.appNow = time.Now
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

func normalizeBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("is empty: want an http(s) base URL like https://api.x.com")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an http(s) base URL like https://api.x.com", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}
