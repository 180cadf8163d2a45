package xapitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

type searchMeta struct {
	NewestID    string `json:"newest_id,omitempty"`
	OldestID    string `json:"oldest_id,omitempty"`
	ResultCount int    `json:"result_count"`
	NextToken   string `json:"next_token,omitempty"`
}

type searchResponse struct {
	Data    []json.RawMessage `json:"data,omitempty"`
	Meta    searchMeta        `json:"meta"`
	Padding string            `json:"xapitest_padding,omitempty"`
}

// searchParamsParsed is a validated recent-search request.
type searchParamsParsed struct {
	query       string
	matcher     node
	since       uint64
	until       uint64
	start, end  time.Time
	maxResults  int
	after       uint64 // from next_token: only ids below this
	fields      map[string]bool
	fingerprint string
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	s.serveRecorded(w, r, &s.faults, func(w *statusWriter, now time.Time, fault *Fault) {
		s.serveSearch(w, r, now, fault)
	})
}

// serveRecorded serves r with serve, giving it the next fault queued in faults (nil when none),
// and records the request when its status is written, before the client can read the answer,
// so a test that looks right after a response sees it; deferred, as 499, for a request that
// never writes one (CutConnection panics with http.ErrAbortHandler).
func (s *Server) serveRecorded(w http.ResponseWriter, r *http.Request, faults *[]Fault,
	serve func(w *statusWriter, now time.Time, fault *Fault)) {
	now := s.opts.Now()
	s.mu.Lock()
	var fault *Fault
	if len(*faults) > 0 {
		f := (*faults)[0]
		*faults = (*faults)[1:]
		fault = &f
	}
	s.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	sw.onStatus = func(status int) { s.record(r, status, fault != nil, now, sw.posts) }
	defer func() {
		if sw.status == 0 {
			s.record(r, 499, fault != nil, now, sw.posts)
		}
	}()
	serve(sw, now, fault)
}

// serveSearch answers one search request and returns the status sent: what is answered before
// the parameters are read (admit), X's checks of the parameters, then one page of the matching
// posts, newest first.
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request, now time.Time, fault *Fault) int {
	if status, answered := s.admit(w, r, now, fault, &s.searchRL, s.opts.RateLimit); answered {
		return status
	}
	sp, perrs := s.parseSearch(r, now)
	if len(perrs) > 0 {
		return writeInvalidRequest(w, perrs)
	}
	pageSize := sp.maxResults
	if fault != nil && fault.PageSize > 0 {
		pageSize = fault.PageSize
	}
	hits, more := s.matching(now, sp, pageSize)
	resp, err := s.searchPage(hits, more, sp, fault)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, problemFor(http.StatusInternalServerError))
		return http.StatusInternalServerError
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.posts = len(resp.Data)
	}
	body, err := json.Marshal(resp)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, problemFor(http.StatusInternalServerError))
		return http.StatusInternalServerError
	}
	return writeBody(w, http.StatusOK, body, fault)
}

// admit answers what comes before the parameters, in X's order, and says whether it answered
// (and with which status): a fault's delay (499 when the client goes away meanwhile, nothing
// written), a method other than GET (405), a fault's status or body, a missing or wrong bearer
// token (401), then the endpoint's rate limit rl of limit requests per window, which counts
// the request, sets the x-rate-limit headers (unless the fault drops them) and answers 429 when
// the window is used up.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, now time.Time, fault *Fault, rl *rateLimit, limit int) (status int, answered bool) {
	if fault != nil && fault.Delay > 0 && !sleep(r, fault.Delay) {
		return 499, true // client went away; nothing is written
	}
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, problemFor(http.StatusMethodNotAllowed))
		return http.StatusMethodNotAllowed, true
	}
	if fault != nil && (fault.Status != 0 && fault.Status != http.StatusOK || fault.Body != nil) {
		return s.writeFault(w, now, fault, rl, limit), true
	}

	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, problemFor(http.StatusUnauthorized))
		return http.StatusUnauthorized, true
	}

	// Rate limit: one unit per authenticated request.
	limited := s.take(rl, limit, now)
	if fault == nil || !fault.NoRateLimitHeaders {
		s.rateHeaders(w, rl, limit, now, fault, false)
	}
	if limited {
		writeJSON(w, http.StatusTooManyRequests, problemFor(http.StatusTooManyRequests))
		return http.StatusTooManyRequests, true
	}
	return 0, false
}

// sleep waits d, or until the client goes away: it reports whether d passed.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		t.Stop()
		return false
	}
}

// writeFault answers with the fault's status (default 200) and body (default X's body for the
// status), with the rate-limit headers of rl unless the fault drops them (a 429 says none
// remain), and returns the status.
func (s *Server) writeFault(w http.ResponseWriter, now time.Time, fault *Fault, rl *rateLimit, limit int) int {
	st := max(fault.Status, http.StatusOK) // 0 (or an informational status) answers 200
	body := fault.Body
	if body == nil {
		body = faultBody(st)
	}
	if !fault.NoRateLimitHeaders {
		s.rateHeaders(w, rl, limit, now, fault, st == http.StatusTooManyRequests)
	}
	return writeBody(w, st, body, fault)
}

// matching returns up to pageSize posts visible to the search sp at now, newest first, and
// whether more follow.
func (s *Server) matching(now time.Time, sp searchParamsParsed, pageSize int) (hits []*post, more bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts { // id descending
		if !s.visible(p, now, sp) {
			continue
		}
		if len(hits) == pageSize {
			return hits, true
		}
		hits = append(hits, p)
	}
	return hits, false
}

// searchPage renders hits as X's answer: the requested fields of each post, the meta with a
// next_token when more follow, and the fault's changes (a spurious next_token, oldest-first
// order, padding).
func (s *Server) searchPage(hits []*post, more bool, sp searchParamsParsed, fault *Fault) (searchResponse, error) {
	resp := searchResponse{Meta: searchMeta{ResultCount: len(hits)}}
	for _, p := range hits {
		entry, err := p.render(sp.fields, s.opts.Names)
		if err != nil {
			return searchResponse{}, err
		}
		resp.Data = append(resp.Data, entry)
	}
	if len(hits) > 0 {
		resp.Meta.NewestID = hits[0].ID
		resp.Meta.OldestID = hits[len(hits)-1].ID
		if more || (fault != nil && fault.SpuriousNextToken) {
			resp.Meta.NextToken = encodeToken(hits[len(hits)-1].id, sp.fingerprint)
		}
	}
	if fault != nil && fault.Ascending {
		slices.Reverse(resp.Data)
	}
	if fault != nil && fault.PadBytes > 0 {
		resp.Padding = strings.Repeat("x", fault.PadBytes)
	}
	return resp, nil
}

// visible applies the 7-day window, the clock, the cursors and the query.
func (s *Server) visible(p *post, now time.Time, sp searchParamsParsed) bool {
	if p.CreatedAt.After(now) || !p.CreatedAt.After(now.Add(-Window)) {
		return false
	}
	if sp.since != 0 && p.id <= sp.since || sp.until != 0 && p.id >= sp.until || sp.after != 0 && p.id >= sp.after {
		return false
	}
	if !sp.start.IsZero() && p.CreatedAt.Before(sp.start) || !sp.end.IsZero() && !p.CreatedAt.Before(sp.end) {
		return false
	}
	return s.opts.MatchAll || s.opts.MatchAllQuery != "" && sp.query == s.opts.MatchAllQuery || sp.matcher.match(p)
}
