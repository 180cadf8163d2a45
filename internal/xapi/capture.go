package xapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// MaxResponseBytes bounds the recent-search body the capturing transport
// buffers. A full page (100 posts, each possibly a 25,000-character note
// tweet with entities) stays well below it.
const MaxResponseBytes = 32 << 20

// capture is what captureTransport records for one round trip: the status,
// headers and complete body of the response go-twitter is about to decode.
// go-twitter's TweetObj has no note_tweet field and its errors drop the
// headers, so FetchPage reads those from here.
type capture struct {
	status int
	header http.Header
	body   []byte
}

type captureKey struct{}

// errBodyTooLarge is returned (wrapped) for bodies over the size limit.
var errBodyTooLarge = fmt.Errorf("response body over the size limit")

func withCapture(ctx context.Context, c *capture) context.Context {
	return context.WithValue(ctx, captureKey{}, c)
}

// captureTransport wraps the caller's transport (for example the X-Ray
// instrumented one). For requests whose context carries a *capture it buffers
// the response body (bounded by MaxResponseBytes), records it, and hands
// go-twitter an identical in-memory body. Other requests pass through.
type captureTransport struct {
	base  http.RoundTripper
	limit int // body size limit in bytes (MaxResponseBytes)
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	c, ok := req.Context().Value(captureKey{}).(*capture)
	if !ok || c == nil {
		return resp, nil
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, int64(t.limit)+1))
	closeErr := resp.Body.Close()
	if readErr != nil {
		return nil, fmt.Errorf("read response body (HTTP %d): %w", resp.StatusCode, readErr)
	}
	if len(body) > t.limit {
		return nil, fmt.Errorf("HTTP %d, over %d bytes: %w", resp.StatusCode, t.limit, errBodyTooLarge)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("close response body (HTTP %d): %w", resp.StatusCode, closeErr)
	}
	c.status = resp.StatusCode
	c.header = resp.Header.Clone()
	c.body = body
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// wrapClient returns a shallow copy of hc whose transport records responses
// for FetchPage. hc itself is not modified, so a caller's X-Ray wrapped
// client keeps working for other uses; its timeout, redirect policy and jar
// are kept.
func wrapClient(hc *http.Client) *http.Client {
	cp := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = &captureTransport{base: base, limit: MaxResponseBytes}
	return &cp
}
