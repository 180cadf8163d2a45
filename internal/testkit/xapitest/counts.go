package xapitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// countsParams are the parameters X's GET /2/tweets/counts/recent accepts.
var countsParams = []string{"query", "start_time", "end_time", "since_id", "until_id", "granularity", "search_count.fields"}

// granularities are X's bucket sizes for recent counts.
var granularities = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// countsDefaultEnd is how long before the request X's counts end when end_time is not sent.
const countsDefaultEnd = 30 * time.Second

// DefaultCountsRateLimit is X's app-only limit of recent-counts requests per 15 minutes.
const DefaultCountsRateLimit = 300

// countsBucket is one entry of data[] under the server's Names.
type countsBucket struct {
	End   string `json:"end"`
	Start string `json:"start"`
	Tweet *int   `json:"tweet_count,omitempty"`
	Post  *int   `json:"post_count,omitempty"`
}

type countsMeta struct {
	TotalTweet *int `json:"total_tweet_count,omitempty"`
	TotalPost  *int `json:"total_post_count,omitempty"`
}

type countsResponse struct {
	Data []countsBucket `json:"data"`
	Meta countsMeta     `json:"meta"`
}

// InjectCountsFaults queues faults for the next recent-counts requests, in order (Status,
// Body, NoRateLimitHeaders, ResetAt, Truncate, CutConnection and Delay apply).
func (s *Server) InjectCountsFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.countsFaults = append(s.countsFaults, faults...)
}

// CountsRequests returns the recorded GET /2/tweets/counts/recent requests.
func (s *Server) CountsRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == "/2/tweets/counts/recent" {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) handleCounts(w http.ResponseWriter, r *http.Request) {
	s.serveRecorded(w, r, &s.countsFaults, func(w *statusWriter, now time.Time, fault *Fault) {
		s.serveCounts(w, r, now, fault)
	})
}

// serveCounts answers one recent-counts request as X does: authentication, the endpoint's own
// rate limit, X's parameter checks with X's 400 body, then the buckets of the span (the first
// starting at start_time, the last ending at end_time, the others aligned to the granularity)
// with the posts matching the query in each.
func (s *Server) serveCounts(w http.ResponseWriter, r *http.Request, now time.Time, fault *Fault) {
	if _, answered := s.admit(w, r, now, fault, &s.countsRL, s.opts.CountsRateLimit); answered {
		return
	}
	sp, step, perrs := s.parseCounts(r, now)
	if len(perrs) > 0 {
		writeJSON(w, http.StatusBadRequest, invalidRequest{
			Errors: perrs, Title: "Invalid Request",
			Detail: "One or more parameters to your request was invalid.",
			Type:   "https://api.twitter.com/2/problems/invalid-request",
		})
		return
	}
	body, err := json.Marshal(s.countBuckets(sp, step, now))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, problemFor(http.StatusInternalServerError))
		return
	}
	writeBody(w, http.StatusOK, body, fault)
}

// parseCounts validates a recent-counts request like X does and collects every error; the
// span's defaults are X's (end 30 seconds before the request, start 7 days before it).
func (s *Server) parseCounts(r *http.Request, now time.Time) (searchParamsParsed, time.Duration, []paramError) {
	q := r.URL.Query()
	var errs []paramError
	add := func(param, value, msg string) {
		errs = append(errs, paramError{Parameters: map[string][]string{param: {value}}, Message: msg})
	}
	var sp searchParamsParsed
	sp.query, sp.matcher = s.checkQuery(q, countsParams, &errs)
	step := time.Hour
	if v := q.Get("granularity"); v != "" {
		d, ok := granularities[v]
		if !ok {
			add("granularity", v, fmt.Sprintf("The `granularity` query parameter value [%s] is not one of [day,hour,minute]", v))
		}
		step = max(d, time.Minute)
	}
	for _, name := range []string{"since_id", "until_id"} {
		if v := q.Get(name); v != "" {
			add(name, v, fmt.Sprintf("xapitest: the `%s` parameter of recent counts is not implemented by the X API stand-in", name))
		}
	}
	if v := q.Get("search_count.fields"); v != "" {
		add("search_count.fields", v, "xapitest: the `search_count.fields` parameter is not implemented by the X API stand-in")
	}
	sp.start, sp.end = parseTimes(q, now, add)
	if sp.end.IsZero() && q.Get("end_time") == "" {
		sp.end = now.Add(-countsDefaultEnd).Truncate(time.Second)
	}
	if sp.start.IsZero() && q.Get("start_time") == "" {
		sp.start = now.Add(-Window).Truncate(time.Second)
		if !sp.start.Before(sp.end) && len(errs) == 0 {
			add("end_time", q.Get("end_time"), "Invalid 'end_time': it must be after the start of the 7-day window")
		}
	}
	return sp, step, errs
}

// countBuckets counts the posts of the span sp in buckets of step.
func (s *Server) countBuckets(sp searchParamsParsed, step time.Duration, now time.Time) countsResponse {
	var bounds []time.Time
	for t := sp.start; t.Before(sp.end); {
		next := t.Truncate(step).Add(step)
		if step == 24*time.Hour {
			next = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		}
		bounds = append(bounds, t)
		t = next
	}
	bounds = append(bounds, sp.end)
	counts := make([]int, len(bounds)-1)
	s.mu.Lock()
	for _, p := range s.posts {
		if !s.visible(p, now, sp) {
			continue
		}
		i, found := slices.BinarySearchFunc(bounds, p.CreatedAt, func(b, t time.Time) int { return b.Compare(t) })
		if !found {
			i--
		}
		if i >= 0 && i < len(counts) {
			counts[i]++
		}
	}
	s.mu.Unlock()
	resp := countsResponse{Data: make([]countsBucket, len(counts))}
	total := 0
	for i, n := range counts {
		b := countsBucket{Start: bounds[i].UTC().Format(xTime), End: bounds[i+1].UTC().Format(xTime)}
		b.Tweet, b.Post = s.countField(n)
		resp.Data[i] = b
		total += n
	}
	resp.Meta.TotalTweet, resp.Meta.TotalPost = s.countField(total)
	return resp
}

// xTime is X's time format in counts buckets.
const xTime = "2006-01-02T15:04:05.000Z"

// countField is n under the server's generation of names: tweet_count or post_count.
func (s *Server) countField(n int) (tweet, post *int) {
	if s.opts.Names == PostNames {
		return nil, &n
	}
	return &n, nil
}
