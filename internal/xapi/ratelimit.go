package xapi

import "fmt"

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
