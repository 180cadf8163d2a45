package xapitest

import (
	"net/http"
	"strconv"
	"time"
)

// rateLimit is one endpoint's rate limit as X keeps it: a window of Options.RateWindow from the
// first request after the last window ended, and the requests counted in it.
type rateLimit struct {
	start time.Time
	used  int
}

// take counts one request at now against r (limit a window) and says whether it is over the
// limit, and so not counted.
func (s *Server) take(r *rateLimit, limit int, now time.Time) (limited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.start.IsZero() || !now.Before(r.start.Add(s.opts.RateWindow)) {
		r.start, r.used = now, 0
	}
	if r.used >= limit {
		return true
	}
	r.used++
	return false
}

// rateHeaders writes x-rate-limit-{limit,remaining,reset} of r (limit a window); exhausted
// says 0 remain whatever r counted, and a fault's ResetAt replaces the reset.
func (s *Server) rateHeaders(w http.ResponseWriter, r *rateLimit, limit int, now time.Time, fault *Fault, exhausted bool) {
	s.mu.Lock()
	start := r.start
	if start.IsZero() {
		start = now
	}
	remaining := max(limit-r.used, 0)
	s.mu.Unlock()
	if exhausted {
		remaining = 0
	}
	reset := start.Add(s.opts.RateWindow)
	if fault != nil && !fault.ResetAt.IsZero() {
		reset = fault.ResetAt
	}
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(limit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(remaining))
	h.Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
}
