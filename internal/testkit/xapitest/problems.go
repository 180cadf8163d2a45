package xapitest

import (
	"encoding/json"
	"net/http"
)

// paramError is one entry of X's 400 "errors" array.
type paramError struct {
	Parameters map[string][]string `json:"parameters"`
	Message    string              `json:"message"`
}

// invalidRequest is X's 400 body: every parameter error of the request.
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

// writeInvalidRequest answers 400 with X's body listing every parameter error of the request.
func writeInvalidRequest(w http.ResponseWriter, errs []paramError) int {
	writeJSON(w, http.StatusBadRequest, invalidRequest{
		Errors: errs,
		Title:  "Invalid Request",
		Detail: "One or more parameters to your request was invalid.",
		Type:   "https://api.twitter.com/2/problems/invalid-request",
	})
	return http.StatusBadRequest
}

// faultBody is the body X sends with status: its recorded fixture when there is one, else
// the problem for the status.
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

// handleNotFound answers a path the stand-in does not serve with X's 404 problem.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	writeJSON(w, http.StatusNotFound, problemFor(http.StatusNotFound))
	s.record(r, http.StatusNotFound, false, now, 0)
}
