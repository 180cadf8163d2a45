package xapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

func TestBearerFromKeySecret(t *testing.T) {
	const key, secret = "k3y+with/odd:chars ~", "s3cr3t-VALUE=&%"
	srv, _ := standIn(t, nil, func(o *xapitest.Options) { o.APIKey, o.APISecret = key, secret })
	tests := []struct {
		name       string
		key, sec   string
		wantErr    error
		wantSubstr string
	}{
		{"ok", key, secret, nil, ""},
		{"wrong secret", key, "not-the-secret", ErrUnauthorized, "Unable to verify your credentials"},
		{"wrong key", "nope", secret, ErrUnauthorized, "Unable to verify your credentials"},
		{"empty key", "", secret, ErrInvalidRequest, "apiKey"},
		{"empty secret", key, "", ErrInvalidRequest, "apiSecret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := BearerFromKeySecret(context.Background(), srv.Client(), srv.URL(), tc.key, tc.sec)
			if tc.wantErr == nil {
				if err != nil || tok != testToken {
					t.Fatalf("token = %q, err = %v", tok, err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantSubstr) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.wantErr, tc.wantSubstr)
			}
			for _, s := range []string{tc.sec, secret} {
				if s != "" && (strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s)) {
					t.Errorf("error shows the secret: %v", err)
				}
			}
		})
	}
	var tokenReqs int
	for _, r := range srv.Requests() {
		if r.Path == "/oauth2/token" {
			tokenReqs++
			if r.Method != http.MethodPost {
				t.Errorf("token request method %s", r.Method)
			}
		}
	}
	if tokenReqs != 3 {
		t.Errorf("token requests = %d, want 3 (empty credentials are rejected locally)", tokenReqs)
	}
}

func TestBearerFromKeySecretBadResponses(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
	}{
		{"wrong token type", 200, `{"token_type":"mac","access_token":"x"}`, ErrMalformedResponse},
		{"empty token", 200, `{"token_type":"bearer","access_token":""}`, ErrMalformedResponse},
		{"not json", 200, `<html>`, ErrMalformedResponse},
		{"server error", 503, `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`, ErrTransient},
		{"echoing secret", 403, `{"errors":[{"code":99,"message":"bad secret the-secret-value"}]}`, ErrUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			_, err := BearerFromKeySecret(context.Background(), ts.Client(), ts.URL, "the-key", "the-secret-value")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "the-secret-value") {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

// TestSourceWithExchangedToken is the app-only flow end to end: key and
// secret -> bearer token -> search.
func TestSourceWithExchangedToken(t *testing.T) {
	srv, _ := standIn(t, golangPosts(3), nil)
	tok, err := BearerFromKeySecret(context.Background(), srv.Client(), srv.URL(), "key", "secret")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newSource(t, srv, func(c *Config) { c.BearerToken = BearerToken(tok) })
	p, err := s.FetchPage(context.Background(), PageRequest{})
	if err != nil || len(p.Posts) != 3 {
		t.Fatalf("posts=%d err=%v", len(p.Posts), err)
	}
}
