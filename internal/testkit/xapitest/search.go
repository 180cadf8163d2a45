package xapitest

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// tweetFields are the tweet.fields X accepts (from X's OpenAPI spec, with
// the v2.167 names note_post and edit_history_post_ids beside the older
// ones); the stand-in renders author_id, conversation_id, created_at,
// entities, lang, the note, possibly_sensitive and referenced_tweets, always
// sends id, text and the edit history, and accepts but omits the rest.
var tweetFields = []string{
	"article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
	"conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_post_ids",
	"edit_history_tweet_ids", "entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata",
	"non_public_metrics", "note_post", "note_tweet", "organic_metrics", "possibly_sensitive",
	"promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes", "source",
	"suggested_source_links", "suggested_source_links_with_counts", "text", "withheld",
}

// fieldSynonyms maps X's v2.167 field names to the older ones the stand-in keys on.
var fieldSynonyms = map[string]string{"note_post": "note_tweet", "edit_history_post_ids": "edit_history_tweet_ids"}

// fieldsParams are the names of the post fields parameter: go-twitter's (and X's documented)
// tweet.fields, and post.fields of X's OpenAPI description v2.167.
var fieldsParams = []string{"tweet.fields", "post.fields"}

var searchParams = []string{
	"query", "start_time", "end_time", "since_id", "until_id", "max_results", "next_token",
	"pagination_token", "sort_order", "tweet.fields", "post.fields", "expansions", "media.fields",
	"poll.fields", "user.fields", "place.fields",
}

// sortOrders are the sort_order values X accepts; the stand-in serves recency only.
var sortOrders = []string{"recency", "relevancy"}

// paramError is one entry of X's 400 "errors" array.
type paramError struct {
	Parameters map[string][]string `json:"parameters"`
	Message    string              `json:"message"`
}

type invalidRequest struct {
	Errors []paramError `json:"errors"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Type   string       `json:"type"`
}

// problem is X's RFC 7807-style body for 401/429/5xx.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

func problemFor(status int) problem {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	return problem{Title: text, Detail: text, Type: "about:blank", Status: status}
}

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

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	writeJSON(w, http.StatusNotFound, problemFor(http.StatusNotFound))
	s.record(r, http.StatusNotFound, false, now, 0)
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	s.mu.Lock()
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.mu.Unlock()

	// The request is recorded when its status is written, before the client
	// can read the answer, so a test that looks right after a response sees
	// it; deferred for a request that never writes one (CutConnection panics
	// with http.ErrAbortHandler).
	sw := &statusWriter{ResponseWriter: w}
	sw.onStatus = func(status int) { s.record(r, status, fault != nil, now, sw.posts) }
	defer func() {
		if sw.status == 0 {
			s.record(r, 499, fault != nil, now, sw.posts)
		}
	}()
	s.serveSearch(sw, r, now, fault)
}

// statusWriter remembers the status written (499: nothing written, the
// client went away first) and the posts of a page served.
type statusWriter struct {
	http.ResponseWriter
	status   int
	posts    int
	onStatus func(status int) // called once, when the status is first written
}

func (w *statusWriter) WriteHeader(code int) {
	w.setStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) setStatus(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.onStatus != nil {
		w.onStatus(code)
	}
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// serveSearch answers one search request and returns the status sent.
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request, now time.Time, fault *Fault) int {
	if fault != nil && fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return 499 // client went away; nothing is written
		}
	}
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, problemFor(http.StatusMethodNotAllowed))
		return http.StatusMethodNotAllowed
	}
	if fault != nil && (fault.Status != 0 && fault.Status != http.StatusOK || fault.Body != nil) {
		st := fault.Status
		if st == 0 {
			st = http.StatusOK
		}
		body := fault.Body
		if body == nil {
			body = faultBody(st)
		}
		if !fault.NoRateLimitHeaders {
			s.rateHeaders(w, &s.searchRL, s.opts.RateLimit, now, fault, st == http.StatusTooManyRequests)
		}
		return writeBody(w, st, body, fault)
	}

	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, problemFor(http.StatusUnauthorized))
		return http.StatusUnauthorized
	}

	// Rate limit: one unit per authenticated request.
	limited := s.take(&s.searchRL, s.opts.RateLimit, now)
	if fault == nil || !fault.NoRateLimitHeaders {
		s.rateHeaders(w, &s.searchRL, s.opts.RateLimit, now, fault, false)
	}
	if limited {
		writeJSON(w, http.StatusTooManyRequests, problemFor(http.StatusTooManyRequests))
		return http.StatusTooManyRequests
	}

	sp, perrs := s.parseSearch(r, now)
	if len(perrs) > 0 {
		writeJSON(w, http.StatusBadRequest, invalidRequest{
			Errors: perrs,
			Title:  "Invalid Request",
			Detail: "One or more parameters to your request was invalid.",
			Type:   "https://api.twitter.com/2/problems/invalid-request",
		})
		return http.StatusBadRequest
	}

	pageSize := sp.maxResults
	if fault != nil && fault.PageSize > 0 {
		pageSize = fault.PageSize
	}
	s.mu.Lock()
	var hits []*post
	more := false
	for _, p := range s.posts { // id descending
		if !s.visible(p, now, sp) {
			continue
		}
		if len(hits) == pageSize {
			more = true
			break
		}
		hits = append(hits, p)
	}
	s.mu.Unlock()

	resp := searchResponse{Meta: searchMeta{ResultCount: len(hits)}}
	for _, p := range hits {
		entry, err := p.render(sp.fields, s.opts.Names)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, problemFor(http.StatusInternalServerError))
			return http.StatusInternalServerError
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

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.BearerToken)) == 1
}

func faultBody(status int) []byte {
	var name string
	switch status {
	case http.StatusUnauthorized:
		name = "error_401.json"
	case http.StatusForbidden:
		name = "error_403.json"
	case http.StatusTooManyRequests:
		name = "error_429.json"
	case http.StatusServiceUnavailable:
		name = "error_503.json"
	}
	if name != "" {
		if b, err := Fixture(name); err == nil {
			return b
		}
	}
	b, _ := json.Marshal(problemFor(status))
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"title":"Internal Server Error","detail":"Internal Server Error","type":"about:blank","status":500}`)
	}
	writeBody(w, status, b, nil)
}

// writeBody sends body with X's content type, applying Truncate and
// CutConnection from the fault.
func writeBody(w http.ResponseWriter, status int, body []byte, fault *Fault) int {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if fault != nil && fault.Truncate > 0 && fault.Truncate < len(body) {
		if fault.CutConnection {
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			_, _ = w.Write(body[:fault.Truncate])
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			panic(http.ErrAbortHandler) // net/http closes the connection without logging
		}
		body = body[:fault.Truncate]
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// parseSearch validates the request like X does and collects every error.
func (s *Server) parseSearch(r *http.Request, now time.Time) (searchParamsParsed, []paramError) {
	q := r.URL.Query()
	var errs []paramError
	add := func(param, value, msg string) {
		errs = append(errs, paramError{Parameters: map[string][]string{param: {value}}, Message: msg})
	}
	sp := searchParamsParsed{maxResults: 10, fields: map[string]bool{}}
	sp.query, sp.matcher = s.checkQuery(q, searchParams, &errs)

	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 100 {
			add("max_results", v, fmt.Sprintf("The `max_results` query parameter value [%s] is not between 10 and 100", v))
		} else {
			sp.maxResults = n
		}
	}
	for _, param := range fieldsParams {
		v := q.Get(param)
		if v == "" {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if !slices.Contains(tweetFields, f) {
				add(param, v, fmt.Sprintf("The `%s` query parameter value [%s] is not one of [%s]", param, f, strings.Join(tweetFields, ",")))
				continue
			}
			if old, ok := fieldSynonyms[f]; ok {
				f = old
			}
			sp.fields[f] = true
		}
	}
	for _, name := range []string{"expansions", "media.fields", "poll.fields", "user.fields", "place.fields"} {
		if v := q.Get(name); v != "" {
			add(name, v, fmt.Sprintf("xapitest: the `%s` parameter is not implemented by the X API stand-in", name))
		}
	}
	switch v := q.Get("sort_order"); v {
	case "", "recency": // results are always newest first
	case "relevancy":
		add("sort_order", v, "xapitest: sort_order [relevancy] is not implemented by the X API stand-in (only recency)")
	default:
		add("sort_order", v, fmt.Sprintf("The `sort_order` query parameter value [%s] is not one of [%s]", v, strings.Join(sortOrders, ",")))
	}

	cutoff := now.Add(-Window)
	minID := postid.Make(cutoff, 0)
	minIDv, _ := postid.Parse(minID)
	for _, name := range []string{"since_id", "until_id"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		id, err := postid.Parse(v)
		if err != nil {
			add(name, v, fmt.Sprintf("The `%s` query parameter value [%s] does not match ^[0-9]{1,19}$", name, v))
			continue
		}
		if id <= minIDv {
			add(name, v, fmt.Sprintf("'%s' must be a tweet id created after %s. Please use a '%s' that is larger than %s",
				name, cutoff.UTC().Format("2006-01-02T15:04Z"), name, minID))
			continue
		}
		if name == "since_id" {
			sp.since = id
		} else {
			sp.until = id
		}
	}
	sp.start, sp.end = parseTimes(q, now, add)
	if (q.Get("since_id") != "" || q.Get("until_id") != "") && (q.Get("start_time") != "" || q.Get("end_time") != "") {
		errs = append(errs, paramError{Parameters: map[string][]string{}, Message: "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'."})
	}

	sp.fingerprint = fingerprint(sp.query, q.Get("since_id"), q.Get("until_id"), q.Get("start_time"), q.Get("end_time"))
	tokName, tok := "next_token", q.Get("next_token")
	if tok == "" {
		tokName, tok = "pagination_token", q.Get("pagination_token")
	}
	if tok != "" {
		after, ok := decodeToken(tok, sp.fingerprint)
		if !ok {
			add(tokName, tok, fmt.Sprintf("The `%s` query parameter value [%s] is not valid", tokName, tok))
		}
		sp.after = after
	}
	return sp, errs
}

// Pagination tokens are opaque to clients: base64url("xapitest1|<last id
// sent>|<fingerprint>"). The fingerprint binds a token to the query and
// cursors of the first page, so a client that drops since_id (or changes the
// query) while paginating gets a 400, as a reminder that X requires the same
// parameters on every page.
func encodeToken(last uint64, fp string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("xapitest1|" + strconv.FormatUint(last, 10) + "|" + fp))
}

func decodeToken(tok, fp string) (uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	parts := bytes.Split(raw, []byte("|"))
	if len(parts) != 3 || string(parts[0]) != "xapitest1" || string(parts[2]) != fp {
		return 0, false
	}
	last, err := postid.Parse(string(parts[1]))
	if err != nil {
		return 0, false
	}
	return last, true
}

func fingerprint(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// parseTimes checks start_time and end_time as X does (RFC 3339; start_time within the 7-day
// window; end_time at least 10 seconds before the request; start_time before end_time),
// reporting each failure to add with X's message, and returns the valid ones (zero: absent or
// invalid).
func parseTimes(q url.Values, now time.Time, add func(param, value, msg string)) (start, end time.Time) {
	cutoff := now.Add(-Window)
	for _, name := range []string{"start_time", "end_time"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			add(name, v, fmt.Sprintf("Invalid '%s':'%s'. '%s' must be a valid RFC 3339 date-time (YYYY-MM-DDTHH:mm:ssZ)", name, v, name))
			continue
		}
		short := t.UTC().Format("2006-01-02T15:04Z")
		switch {
		case name == "start_time" && t.Before(cutoff):
			add(name, v, fmt.Sprintf("Invalid 'start_time':'%s'. 'start_time' must be on or after %s", short, cutoff.UTC().Format("2006-01-02T15:04Z")))
		case name == "end_time" && t.After(now.Add(-10*time.Second)):
			add(name, v, fmt.Sprintf("Invalid 'end_time':'%s'. 'end_time' must be a minimum of 10 seconds prior to the request time.", short))
		case name == "start_time":
			start = t
		default:
			end = t
		}
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		add("start_time", q.Get("start_time"), fmt.Sprintf("Invalid 'start_time':'%s'. 'start_time' must be before 'end_time':'%s'",
			start.UTC().Format("2006-01-02T15:04Z"), end.UTC().Format("2006-01-02T15:04Z")))
	}
	return start, end
}
