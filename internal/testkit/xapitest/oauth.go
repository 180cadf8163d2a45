package xapitest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// v1Error is the error shape /oauth2/token uses (v1.1 style).
type v1Error struct {
	Code    int    `json:"code"`
	Label   string `json:"label,omitempty"`
	Message string `json:"message"`
}

// handleToken implements POST /oauth2/token (client-credentials grant):
// HTTP Basic auth of url-encoded key:secret, a form body with
// grant_type=client_credentials; answers {"token_type":"bearer",
// "access_token":Options.BearerToken}.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	status := s.serveToken(w, r)
	s.record(r, status, false, now, 0)
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) int {
	fail := func(status int, e v1Error) int {
		writeJSON(w, status, map[string][]v1Error{"errors": {e}})
		return status
	}
	if r.Method != http.MethodPost {
		return fail(http.StatusForbidden, v1Error{Code: 220, Message: "Your credentials do not allow access to this resource."})
	}
	user, pass, ok := basicAuth(r)
	if !ok || s.opts.APIKey == "" ||
		subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.APIKey)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.APISecret)) != 1 {
		return fail(http.StatusForbidden, v1Error{Code: 99, Label: "authenticity_token_error", Message: "Unable to verify your credentials"})
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return fail(http.StatusForbidden, v1Error{Code: 170, Label: "forbidden_missing_parameter", Message: "Missing required parameter: grant_type"})
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		return fail(http.StatusForbidden, v1Error{Code: 170, Label: "forbidden_missing_parameter", Message: "Missing required parameter: grant_type"})
	}
	body, _ := json.Marshal(map[string]string{"token_type": "bearer", "access_token": s.opts.BearerToken})
	return writeBody(w, http.StatusOK, body, nil)
}

// basicAuth decodes "Basic base64(urlencode(key):urlencode(secret))".
func basicAuth(r *http.Request) (string, string, bool) {
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return "", "", false
	}
	k, sec, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	k, err1 := url.QueryUnescape(k)
	sec, err2 := url.QueryUnescape(sec)
	if err1 != nil || err2 != nil {
		return "", "", false
	}
	return k, sec, true
}

// authorized reports whether r carries the app-only bearer token the token endpoint issues
// (Options.BearerToken), as search and counts require.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.BearerToken)) == 1
}
