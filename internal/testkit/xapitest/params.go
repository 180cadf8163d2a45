package xapitest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
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
