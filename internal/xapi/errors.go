package xapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	twitter "github.com/g8rswimmer/go-twitter/v2"
)

// Error kinds. Every error returned by FetchPage is an *Error whose Kind is
// one of these, so callers can use errors.Is(err, xapi.ErrRateLimited)
// and errors.As(err, &xerr) for details.
var (
	// ErrRateLimited: HTTP 429 (rate limit window exhausted or usage cap
	// reached). Never retried inside FetchPage; Error.ResetAt carries the
	// x-rate-limit-reset time when X sent one.
	ErrRateLimited = errors.New("rate limited by X API")
	// ErrUnauthorized: HTTP 401 or 403 (bad/expired bearer token, app not
	// attached to a project, endpoint not in the access level). Not retried.
	ErrUnauthorized = errors.New("credentials rejected by X API")
	// ErrInvalidRequest: HTTP 400 (and other non-retryable 4xx), or a
	// PageRequest rejected locally before any call. Error.Messages holds the
	// API's explanation. Not retried.
	ErrInvalidRequest = errors.New("request rejected by X API")
	// ErrOutsideSearchWindow additionally marks an ErrInvalidRequest where X
	// rejected since_id, until_id or start_time as older than the 7-day
	// recent-search window ("'since_id' must be a tweet id created after
	// ..."). The caller should drop that cursor and restart from a recent
	// start_time.
	ErrOutsideSearchWindow = errors.New("cursor outside the recent-search window")
	// ErrTransient: 5xx, 408, network errors and timeouts. Retried inside
	// FetchPage with bounded exponential backoff; returned after the last
	// attempt or when the context deadline leaves no room for another one.
	ErrTransient = errors.New("transient X API failure")
	// ErrMalformedResponse: a 200 whose body is not a recent-search page
	// (invalid or truncated JSON, no meta object, inconsistent data). Retried
	// like ErrTransient; no partial page is ever returned.
	ErrMalformedResponse = errors.New("malformed X API response")
)

// Error is the error type returned by FetchPage and BearerFromKeySecret.
// It never contains the bearer token, API key or API secret.
type Error struct {
	// Kind is one of the Err* sentinels above.
	Kind error
	// Op names the operation ("recent search", "oauth2 token").
	Op string
	// StatusCode is the HTTP status, 0 when no response was received.
	StatusCode int
	// Title, Detail and Type are the problem fields of X's error body.
	Title, Detail, Type string
	// Messages are errors[].message (or errors[].detail) from the body.
	Messages []string
	// Parameters are the request parameter names X blamed (errors[].parameters keys).
	Parameters []string
	// RateLimit holds the x-rate-limit-* headers when all three were sent.
	RateLimit *RateLimit
	// ResetAt is the x-rate-limit-reset time, when that header was sent
	// (nil otherwise). Set for every status, most useful with ErrRateLimited.
	ResetAt *time.Time
	// Attempts is how many HTTP attempts FetchPage made.
	Attempts int
	// Err is the underlying error (go-twitter, net/http or context error).
	Err error

	outsideWindow bool
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("xapi: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("error")
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	var parts []string
	if e.Title != "" {
		parts = append(parts, e.Title)
	}
	if e.Detail != "" && e.Detail != e.Title {
		parts = append(parts, e.Detail)
	}
	parts = append(parts, e.Messages...)
	if len(parts) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(parts, "; "))
	}
	if e.ResetAt != nil {
		fmt.Fprintf(&b, " (rate limit resets at %s)", e.ResetAt.UTC().Format(time.RFC3339))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Err != nil && (e.StatusCode == 0 || errors.Is(e.Kind, ErrMalformedResponse)) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the kind sentinel(s) and the underlying error to errors.Is/As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 3)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.outsideWindow {
		errs = append(errs, ErrOutsideSearchWindow)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Retryable reports whether err is a kind FetchPage retries (transient or
// malformed response). A caller may try again on a later run.
func Retryable(err error) bool {
	return errors.Is(err, ErrTransient) || errors.Is(err, ErrMalformedResponse)
}

// RateLimitReset returns the x-rate-limit-reset time carried by err, if any.
func RateLimitReset(err error) (time.Time, bool) {
	var xe *Error
	if errors.As(err, &xe) && xe.ResetAt != nil {
		return *xe.ResetAt, true
	}
	return time.Time{}, false
}

// RateLimit is the x-rate-limit-* header triple of a response.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

// rateLimitFromHeader parses all three x-rate-limit-* headers (nil unless
// all three are integers) and, separately, the reset header alone.
func rateLimitFromHeader(h http.Header) (*RateLimit, *time.Time) {
	if h == nil {
		return nil, nil
	}
	var reset *time.Time
	if r, err := strconv.ParseInt(strings.TrimSpace(h.Get("x-rate-limit-reset")), 10, 64); err == nil && r > 0 {
		t := time.Unix(r, 0).UTC()
		reset = &t
	}
	limit, err1 := strconv.Atoi(strings.TrimSpace(h.Get("x-rate-limit-limit")))
	remaining, err2 := strconv.Atoi(strings.TrimSpace(h.Get("x-rate-limit-remaining")))
	if err1 != nil || err2 != nil || reset == nil {
		return nil, reset
	}
	return &RateLimit{Limit: limit, Remaining: remaining, Reset: *reset}, reset
}

// kindForStatus maps an HTTP status to an error kind.
func kindForStatus(code int) error {
	switch {
	case code == http.StatusTooManyRequests:
		return ErrRateLimited
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return ErrUnauthorized
	case code == http.StatusRequestTimeout || code >= 500:
		return ErrTransient
	case code >= 400:
		return ErrInvalidRequest
	default: // 1xx, 2xx other than 200, 3xx left unfollowed
		return ErrMalformedResponse
	}
}

// classify turns an error from go-twitter's TweetRecentSearch into an *Error.
// ctx is the caller's context (to tell a cancelled caller from a timeout of
// the HTTP client itself); c is what the capturing transport saw.
func classify(ctx context.Context, err error, c *capture) *Error {
	xe := &Error{Op: "recent search", Err: err}
	if c != nil && c.header != nil {
		xe.RateLimit, xe.ResetAt = rateLimitFromHeader(c.header)
	}
	var (
		er *twitter.ErrorResponse
		he *twitter.HTTPError
		de *twitter.ResponseDecodeError
	)
	switch {
	case errors.As(err, &er):
		xe.StatusCode = er.StatusCode
		xe.Title, xe.Detail, xe.Type = er.Title, er.Detail, er.Type
		for _, item := range er.Errors {
			if item.Message != "" {
				xe.Messages = append(xe.Messages, item.Message)
			}
			xe.Parameters = append(xe.Parameters, parameterNames(item.Parameters)...)
		}
		xe.Kind = kindForStatus(er.StatusCode)
	case errors.As(err, &he):
		xe.StatusCode = he.StatusCode
		xe.Kind = kindForStatus(he.StatusCode)
	case errors.As(err, &de):
		xe.StatusCode = http.StatusOK
		xe.Kind = ErrMalformedResponse
	case errors.Is(err, errBodyTooLarge):
		xe.Kind = ErrMalformedResponse
	case errors.Is(err, twitter.ErrParameter):
		xe.Kind = ErrInvalidRequest
	default:
		// Transport-level failure: DNS, connection reset, TLS, client
		// timeout, body read error, or the caller's context ending.
		xe.Kind = ErrTransient
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			xe.Err = errors.Join(err, ctx.Err())
		}
	}
	if c != nil && c.status != 0 && xe.StatusCode == 0 {
		xe.StatusCode = c.status
	}
	if errors.Is(xe.Kind, ErrInvalidRequest) {
		xe.outsideWindow = outsideWindow(xe)
	}
	return xe
}

// outsideWindow recognises X's 400 for cursors older than the recent-search
// window. Messages seen from X (2021-2026):
//
//	'since_id' must be a tweet id created after 2026-06-22T16:35Z. Please use a 'since_id'
//	  that is larger than 2069097036665323520
//	Invalid 'start_time':'2025-01-01T00:00Z'. 'start_time' must be on or after 2025-01-17T09:13Z
func outsideWindow(xe *Error) bool {
	for _, m := range xe.Messages {
		if strings.Contains(m, "must be a tweet id created after") || strings.Contains(m, "must be on or after") {
			return true
		}
	}
	return false
}

func parameterNames(p any) []string {
	m, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names) // deterministic order for messages and tests
	return names
}

// truncateForError keeps error messages short and printable when they echo
// untrusted input.
func truncateForError(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
