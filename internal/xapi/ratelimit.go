package xapi

import (
	"context"
	"fmt"
	"time"
)

// RateWindow is the length of X's rate-limit windows: 15 minutes for every v2 endpoint, so
// no honest x-rate-limit-reset is further ahead than that. A reset further ahead (a header in
// milliseconds, a broken proxy) is capped at RateWindow from now: believed, it would stop
// ingest for as long as it says, 57,000 years for a reset in milliseconds.
const RateWindow = 15 * time.Minute

// X's bounds of max_results for recent search: PageRequest.MaxResults is one of them or
// between them.
const (
	MinPageSize = smallPage
	MaxPageSize = pageSize
)

// Exhausted reports whether the response that carried rl allows no further request before
// rl.Reset: x-rate-limit-remaining is 0. X answers 429 to a request made then, so the caller
// waits for the reset instead of asking; FetchPage does not retry a failed request whose
// answer said so.
func (rl *RateLimit) Exhausted() bool { return rl != nil && rl.Remaining <= 0 }

// maxResults is max_results for req: req.MaxResults, or the Source's page size when it is 0.
func (s *Source) maxResultsFor(req PageRequest) int {
	if req.MaxResults != 0 {
		return req.MaxResults
	}
	return s.maxResults
}

// checkMaxResults is the part of validate that concerns req.MaxResults.
func checkMaxResults(req PageRequest) error {
	if req.MaxResults != 0 && (req.MaxResults < MinPageSize || req.MaxResults > MaxPageSize) {
		return fmt.Errorf("PageRequest.MaxResults is %d, want 0 (the Source's page size) or %d-%d", req.MaxResults, MinPageSize, MaxPageSize)
	}
	return nil
}

// boundResets caps the reset times of one answer (its rate limit rl, or the error's) at
// RateWindow from the application clock, and warns once when it did.
func (s *Source) boundResets(ctx context.Context, rl *RateLimit, xe *Error) {
	limit := s.appNow().Add(RateWindow).Truncate(time.Second)
	var sent int64 // the header's value, in Unix seconds as X sends it
	capAt := func(t *time.Time) {
		if t != nil && t.After(limit) {
			sent = t.Unix()
			*t = limit
		}
	}
	if rl != nil {
		capAt(&rl.Reset)
	}
	if xe != nil {
		capAt(xe.ResetAt)
		if xe.RateLimit != nil {
			capAt(&xe.RateLimit.Reset)
		}
	}
	if sent != 0 {
		s.log.WarnContext(ctx, "x-rate-limit-reset is further ahead than X's 15-minute window; capped to the window",
			"x_rate_limit_reset", sent, "rate_limit_reset", limit.UTC().Format(time.RFC3339))
	}
}
