package xapitest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// checkQuery collects the errors X gives, on search and counts alike, for a parameter that is
// not one of known and for the query parameter (empty, too long, or one the matcher cannot
// parse), and returns the query and its matcher.
func (s *Server) checkQuery(q url.Values, known []string, errs *[]paramError) (string, node) {
	add := func(param, value, msg string) {
		*errs = append(*errs, paramError{Parameters: map[string][]string{param: {value}}, Message: msg})
	}
	for name := range q {
		if !slices.Contains(known, name) {
			add(name, q.Get(name), fmt.Sprintf("The query parameter [%s] is not one of [%s]", name, strings.Join(known, ",")))
		}
	}
	query := q.Get("query")
	switch {
	case strings.TrimSpace(query) == "":
		*errs = append(*errs, paramError{Parameters: map[string][]string{"query": {}}, Message: "The `query` query parameter can not be empty"})
	case len(query) > s.opts.MaxQueryLength:
		add("query", query, fmt.Sprintf("There were errors processing your request: Query length %d exceeds the maximum of %d characters",
			len(query), s.opts.MaxQueryLength))
	default:
		m, err := parseQuery(query)
		if err != nil {
			add("query", query, err.Error())
		}
		return query, m
	}
	return query, nil
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
