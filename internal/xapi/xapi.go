// Package xapi owns talking to X API v2 recent search
// (GET /2/tweets/search/recent) through github.com/g8rswimmer/go-twitter/v2:
// fetching one page of recent posts at a time, turning them into Posts with
// their raw hashtags (from note_tweet, or note_post as X's current OpenAPI
// description names it, for long posts), classifying failures into typed
// errors, retrying transient ones within the caller's deadline, and the
// app-only OAuth 2.0 token exchange. It does not paginate across pages or
// keep checkpoints: the ingest handler drives FetchPage.
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
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
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

// tweetFields are the tweet.fields FetchPage requests: those a Post is made
// of. note_tweet is not in go-twitter's TweetField constants; X accepts it
// and returns the full text and entities of long posts in it (X's OpenAPI
// description v2.167 calls the parameter post.fields and the object
// note_post; X's documentation still shows tweet.fields, which go-twitter
// sends, and the decoder reads either object name).
var tweetFields = []string{"author_id", "created_at", "entities", "note_tweet", "possibly_sensitive"}

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
	// Query is the recent-search query (configured as SEARCH_QUERY).
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
		return nil, errors.New("xapi: SEARCH_QUERY (Config.Query) is empty")
	}
	if len(q) > MaxQueryLength {
		return nil, fmt.Errorf("xapi: SEARCH_QUERY (Config.Query) is %d bytes, over X's limit of %d", len(q), MaxQueryLength)
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

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PageRequest selects one recent-search page. X rejects since_id/until_id
// combined with start_time, so FetchPage does too (ErrInvalidRequest).
type PageRequest struct {
	// SinceID: only posts with a larger id (exclusive).
	SinceID string
	// UntilID: only posts with a smaller id (exclusive).
	UntilID string
	// StartTime: only posts created at or after it (second granularity, UTC).
	StartTime time.Time
	// EndTime: only posts created before it (second granularity, UTC; X wants it at least 10
	// seconds before the request). Zero: up to now.
	EndTime time.Time
	// NextToken continues a result set; send the same SinceID/UntilID/
	// StartTime as for the first page.
	NextToken string
	// MaxResults is max_results, MinPageSize-MaxPageSize; 0 asks for the Source's page size
	// (MaxPageSize). X bills every post it returns: the caller asks for what its budget allows.
	MaxResults int
}

// Post is one search result.
type Post struct {
	// ID is the post id (always postid.Valid).
	ID string
	// CreatedAt is created_at in UTC; when X sent none or an unparsable
	// one, it is the time in the snowflake id (postid.Time).
	CreatedAt time.Time
	// AuthorID is author_id, the id of the post's author ("" when X sent
	// none).
	AuthorID string
	// Text is the long post's note text (note_post.text or note_tweet.text)
	// for long posts, else text.
	Text string
	// Hashtags are the raw tags (without '#', not normalised) from the
	// entities object describing Text: entities.hashtags[].tag, or for long
	// posts the note's entities.hashtags[].tag (the top-level entities of a
	// long post describe the truncated text, whose last tag may be cut).
	// Exact duplicates removed, first-appearance order. Empty when
	// HasEntities is false.
	Hashtags []string
	// HasEntities is false when X sent no entities object covering Text
	// (X omits entities for posts without any hashtag, mention, url or
	// cashtag, and for long posts the object that counts is the note's).
	// The caller then extracts hashtags from Text.
	HasEntities       bool
	PossiblySensitive bool
}

// SkippedPost is a data[] entry FetchPage could not turn into a Post.
type SkippedPost struct {
	Index int // position in data[]
	// ID is the entry's id field as sent when it is a string (may be empty
	// or not a post id: untrusted, cut it short before logging it).
	ID string
	// Reason says what is wrong with the entry: it names the field and the
	// JSON type found, never the entry's content.
	Reason string
}

// Problem is one entry of a 200 response's "errors" array (X's partial errors).
type Problem struct {
	Title, Detail, Type     string
	ResourceType, Parameter string
	Value                   string
}

// Page is one recent-search response.
type Page struct {
	// Posts in the order X sent them (newest first, normally).
	Posts []Post
	// Skipped lists data[] entries that were dropped: null entries, entries
	// that are not objects or have a field the app reads (id, text,
	// created_at, author_id, possibly_sensitive, entities.hashtags, the
	// note's text and entities) of the wrong JSON type, and entries whose id
	// is missing or not a post id (package postid). Posts with a bad
	// created_at string are kept (see Post.CreatedAt).
	// len(Posts) + len(Skipped) == len(data).
	Skipped []SkippedPost
	// NextToken is meta.next_token ("" on the last page).
	NextToken string
	// NewestID/OldestID are meta.newest_id/oldest_id, widened to cover every
	// post id in data[] (of Posts and of Skipped entries), so a checkpoint
	// taken from them moves past a skipped entry ("" when the page is empty).
	NewestID, OldestID string
	// PartialErrors are the "errors" X sent alongside a 200 (documented as
	// partial errors: the rest of the response is valid).
	PartialErrors []Problem
	// RateLimit holds the response's x-rate-limit-* headers (nil when X sent
	// not all three); see RateLimit.Exhausted.
	RateLimit *RateLimit
}

// FetchPage performs one recent search (GET /2/tweets/search/recent with
// max_results, sort_order=recency, tweet.fields=tweetFields and the
// request's cursors).
// Transient failures (5xx, 408, network errors, client timeouts, malformed
// bodies) are retried with exponential backoff and jitter, never sleeping
// past ctx's deadline. An answer over MaxResponseBytes is asked for again at
// once with max_results=10, the smallest page, so a run of very large posts
// (long posts packed with entities) costs more requests, not the page.
// Errors are *Error; see the Err* kinds. An x-rate-limit-reset further ahead than
// RateWindow (by Config.Now) is capped at RateWindow from now, with a warning, in the page's
// and the error's rate limit alike.
func (s *Source) FetchPage(ctx context.Context, req PageRequest) (Page, error) {
	if err := s.validate(req); err != nil {
		return Page{}, err
	}
	maxResults := s.maxResultsFor(req)
	var page Page
	err := s.retrying(ctx, "x recent search", func() *Error {
		var xe *Error
		page, xe = s.fetchOnce(ctx, req, maxResults)
		s.boundResets(ctx, page.RateLimit, xe)
		return xe
	}, func() bool {
		if maxResults <= smallPage {
			return false
		}
		s.log.WarnContext(ctx, "x recent search: answer over the size limit; asking for a smaller page",
			"max_results", smallPage, "limit_bytes", MaxResponseBytes)
		maxResults = smallPage
		return true
	})
	if err != nil {
		return Page{}, err
	}
	if len(page.PartialErrors) > 0 {
		s.log.WarnContext(ctx, "x recent search returned partial errors",
			"count", len(page.PartialErrors), "first_title", page.PartialErrors[0].Title, "first_detail", page.PartialErrors[0].Detail)
	}
	// The ingest handler logs one warning per page with the count and the first
	// reason; the details are for debugging, the id (untrusted) cut short.
	for _, sk := range page.Skipped {
		s.log.DebugContext(ctx, "x recent search: post skipped", "index", sk.Index, "id", truncateForError(sk.ID), "reason", sk.Reason)
	}
	return page, nil
}

// retrying makes the attempts of one request: once sends it and returns its failure (nil:
// success). A 401 calls Reauthorize once; transient failures are retried with backoff within
// ctx's deadline; an answer over the size limit calls smaller, which returns whether a smaller
// request is worth making at once. op names the request in the logs.
func (s *Source) retrying(ctx context.Context, op string, once func() *Error, smaller func() bool) error {
	reauthorized := false
	for attempt := 1; ; attempt++ {
		xe := once()
		if xe == nil {
			return nil
		}
		xe.Attempts = attempt
		if xe.StatusCode == http.StatusUnauthorized && s.reauth != nil && !reauthorized && ctx.Err() == nil {
			reauthorized = true
			if s.reauthorize(ctx) {
				continue
			}
		}
		if !Retryable(xe) || ctx.Err() != nil || attempt >= s.retry.MaxAttempts || xe.RateLimit.Exhausted() {
			return xe
		}
		if errors.Is(xe, errBodyTooLarge) && smaller != nil && smaller() {
			continue
		}
		wait := s.backoff(attempt)
		if deadline, ok := ctx.Deadline(); ok && s.now().Add(wait+s.retry.MinAttemptTime).After(deadline) {
			s.log.WarnContext(ctx, op+": no time left for a retry", "attempt", attempt, "error", xe.Error())
			return xe
		}
		s.log.WarnContext(ctx, op+" failed, retrying", "attempt", attempt, "backoff", wait.String(), "error", xe.Error())
		if err := s.sleep(ctx, wait); err != nil {
			return xe
		}
	}
}

// reauthorize asks Reauthorize for new credentials after a 401 and reports whether the
// request should be sent again with them.
func (s *Source) reauthorize(ctx context.Context) bool {
	token, err := s.reauth(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "x api refused the credentials and re-reading them failed", "error", err.Error())
		return false
	}
	if token == "" {
		s.log.ErrorContext(ctx, "x api refused the credentials and re-reading them gave an empty token")
		return false
	}
	s.auth.set(token)
	s.log.WarnContext(ctx, "x api refused the credentials; re-read them and retrying once")
	return true
}

// swappableAuth is the Authorizer of a Source: the current credentials, replaced by
// reauthorize while other requests may be using them.
type swappableAuth struct {
	mu  sync.Mutex
	cur twitter.Authorizer
}

func (a *swappableAuth) Add(req *http.Request) {
	a.mu.Lock()
	cur := a.cur
	a.mu.Unlock()
	cur.Add(req)
}

func (a *swappableAuth) set(token BearerToken) {
	a.mu.Lock()
	a.cur = token
	a.mu.Unlock()
}

// backoff returns the sleep before attempt+1: uniform in [b/2, b] with
// b = min(MaxBackoff, BaseBackoff * 2^(attempt-1)).
func (s *Source) backoff(attempt int) time.Duration {
	b := s.retry.BaseBackoff
	for i := 1; i < attempt && b < s.retry.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, s.retry.MaxBackoff)
	half := b / 2
	return half + time.Duration(rand.Int64N(int64(b-half)+1))
}

func (s *Source) validate(req PageRequest) error {
	bad := func(msg string) error {
		return &Error{Op: "recent search", Kind: ErrInvalidRequest, Messages: []string{msg}}
	}
	for _, f := range []struct{ name, id string }{{"SinceID", req.SinceID}, {"UntilID", req.UntilID}} {
		if _, err := postid.Parse(f.id); f.id != "" && err != nil {
			return bad(fmt.Sprintf("PageRequest.%s: %v", f.name, err))
		}
	}
	if req.SinceID != "" && req.UntilID != "" {
		if c, _ := postid.Compare(req.SinceID, req.UntilID); c >= 0 { // both are valid ids here
			return bad(fmt.Sprintf("PageRequest.SinceID %s is not below PageRequest.UntilID %s", req.SinceID, req.UntilID))
		}
	}
	if err := checkMaxResults(req); err != nil {
		return bad(err.Error())
	}
	if !req.StartTime.IsZero() && !req.EndTime.IsZero() && !req.StartTime.Truncate(time.Second).Before(req.EndTime.Truncate(time.Second)) {
		return bad(fmt.Sprintf("PageRequest.StartTime %s is not before PageRequest.EndTime %s",
			req.StartTime.UTC().Format(time.RFC3339), req.EndTime.UTC().Format(time.RFC3339)))
	}
	if (req.SinceID != "" || req.UntilID != "") && (!req.StartTime.IsZero() || !req.EndTime.IsZero()) {
		return bad("PageRequest.StartTime/EndTime cannot be combined with SinceID/UntilID (X: Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time')")
	}
	return nil
}

func (s *Source) fetchOnce(ctx context.Context, req PageRequest, maxResults int) (Page, *Error) {
	c := &capture{}
	opts := twitter.TweetRecentSearchOpts{
		TweetFields: s.fields,
		SortOrder:   twitter.TweetSearchSortOrderRecency, // newest first, which the sweeps rely on
		MaxResults:  maxResults,
		SinceID:     req.SinceID,
		UntilID:     req.UntilID,
		NextToken:   req.NextToken,
	}
	if !req.StartTime.IsZero() {
		// go-twitter formats with time.RFC3339 in the value's location; X
		// wants UTC "Z" at second granularity.
		opts.StartTime = req.StartTime.UTC().Truncate(time.Second)
	}
	if !req.EndTime.IsZero() {
		opts.EndTime = req.EndTime.UTC().Truncate(time.Second)
	}
	// go-twitter builds and sends the request, checks the status and
	// decodes error bodies; a 200's body is recorded by the transport and
	// decoded here, once, entry by entry (see captureTransport).
	if _, err := s.client.TweetRecentSearch(withCapture(ctx, c), s.query, opts); err != nil {
		return Page{}, classify(ctx, err, c)
	}
	if c.status == 0 {
		return Page{}, &Error{Op: "recent search", Kind: ErrMalformedResponse, Err: errors.New("response was not captured")}
	}
	page, err := decodePage(c.body)
	if err != nil {
		xe := &Error{Op: "recent search", Kind: ErrMalformedResponse, StatusCode: c.status, Err: err}
		xe.RateLimit, xe.ResetAt = rateLimitFromHeader(c.header)
		return Page{}, xe
	}
	page.RateLimit, _ = rateLimitFromHeader(c.header)
	return page, nil
}
