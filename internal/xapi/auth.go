package xapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// BearerToken is an X API app-only bearer token. It implements go-twitter's
// Authorizer. Its String and GoString methods redact the value so a Config
// printed with %v or %#v never shows it.
type BearerToken string

// Add sets the Authorization header (go-twitter's Authorizer interface).
func (b BearerToken) Add(req *http.Request) {
	req.Header.Set("Authorization", "Bearer "+string(b))
}

// String redacts the token.
func (b BearerToken) String() string {
	if b == "" {
		return "BearerToken(empty)"
	}
	return "BearerToken(redacted)"
}

// GoString redacts the token.
func (b BearerToken) GoString() string { return b.String() }

// tokenResponse is the body of POST /oauth2/token.
type tokenResponse struct {
	TokenType   string `json:"token_type"`
	AccessToken string `json:"access_token"`
}

// v1Errors is X's v1.1-style error body used by /oauth2/token, e.g.
// {"errors":[{"code":99,"label":"authenticity_token_error","message":"Unable to verify your credentials"}]}.
type v1Errors struct {
	Errors []struct {
		Code    int    `json:"code"`
		Label   string `json:"label"`
		Message string `json:"message"`
	} `json:"errors"`
}

// BearerFromKeySecret obtains an app-only bearer token with the OAuth 2.0
// client-credentials grant (X docs, "OAuth 2.0 Bearer Token"): POST
// {baseURL}/oauth2/token with body grant_type=client_credentials and HTTP
// Basic auth of url-encoded apiKey:apiSecret. The answer must be
// {"token_type":"bearer","access_token":"..."}. baseURL is required (see
// Config.BaseURL); httpClient defaults to a client with DefaultHTTPTimeout. Errors
// are *Error (401/403 -> ErrUnauthorized) and never contain the key, the
// secret or a token.
func BearerFromKeySecret(ctx context.Context, httpClient *http.Client, baseURL, apiKey, apiSecret string) (string, error) {
	op := "oauth2 token"
	if apiKey == "" {
		return "", &Error{Op: op, Kind: ErrInvalidRequest, Messages: []string{"apiKey is empty"}}
	}
	if apiSecret == "" {
		return "", &Error{Op: op, Kind: ErrInvalidRequest, Messages: []string{"apiSecret is empty"}}
	}
	base, err := normalizeBaseURL(baseURL)
	if err != nil {
		return "", &Error{Op: op, Kind: ErrInvalidRequest, Messages: []string{err.Error()}}
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", &Error{Op: op, Kind: ErrInvalidRequest, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	cred := rfc3986Escape(apiKey) + ":" + rfc3986Escape(apiSecret)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))

	redact := func(s string) string {
		for _, secret := range []string{apiSecret, apiKey, rfc3986Escape(apiSecret), rfc3986Escape(apiKey)} {
			if secret != "" {
				s = strings.ReplaceAll(s, secret, "[redacted]")
			}
		}
		return s
	}

	resp, err := httpClient.Do(req)
	if err != nil {
		return "", &Error{Op: op, Kind: ErrTransient, Err: errors.New(redact(err.Error()))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", &Error{Op: op, Kind: ErrTransient, StatusCode: resp.StatusCode, Err: fmt.Errorf("read body: %s", redact(err.Error()))}
	}
	rl, reset := rateLimitFromHeader(resp.Header)
	if resp.StatusCode != http.StatusOK {
		xe := &Error{Op: op, Kind: kindForStatus(resp.StatusCode), StatusCode: resp.StatusCode, RateLimit: rl, ResetAt: reset}
		var v1 v1Errors
		if json.Unmarshal(body, &v1) == nil {
			for _, e := range v1.Errors {
				if e.Message != "" {
					xe.Messages = append(xe.Messages, redact(e.Message))
				}
			}
		}
		if len(xe.Messages) == 0 {
			var p struct{ Title, Detail, Type string }
			if json.Unmarshal(body, &p) == nil {
				xe.Title, xe.Detail, xe.Type = redact(p.Title), redact(p.Detail), p.Type
			}
		}
		return "", xe
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", &Error{Op: op, Kind: ErrMalformedResponse, StatusCode: resp.StatusCode, Err: fmt.Errorf("decode token response: %w", err)}
	}
	if !strings.EqualFold(tr.TokenType, "bearer") {
		return "", &Error{Op: op, Kind: ErrMalformedResponse, StatusCode: resp.StatusCode,
			Err: fmt.Errorf("token_type is %q, want \"bearer\"", truncateForError(redact(tr.TokenType)))}
	}
	if tr.AccessToken == "" {
		return "", &Error{Op: op, Kind: ErrMalformedResponse, StatusCode: resp.StatusCode, Err: errors.New("access_token is empty")}
	}
	return tr.AccessToken, nil
}

// rfc3986Escape percent-encodes everything but RFC 3986 unreserved
// characters, as X asks for the consumer key and secret before Basic auth.
func rfc3986Escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
