package xapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// MaxResponseBytes bounds the recent-search body the capturing transport
// buffers; a longer one is a malformed response, and FetchPage asks for the
// smallest page instead. A page of 100 ordinary posts is well under 1 MB; 100
// long posts of 25,000 ASCII characters take about 3 MB (more in other
// scripts); 10 long posts each packed with the most hashtag entities one can
// hold take about 3.5 MB. Decoding an answer at the limit grows the heap by
// about 31 MiB when it holds 100,000 tiny entries (8 bytes per byte of body,
// the worst shape) and about 20 MiB for long posts packed with entities
// (faulttest's TestResponseLimitFitsTheFunction), which a 128 MB function holds
// beside the 23 MiB it needs at rest.
const MaxResponseBytes = 4 << 20

// emptyPage is the body go-twitter decodes for a 200: see captureTransport.
var emptyPage = []byte(`{"meta":{"result_count":0}}`)

// capture is what captureTransport records for one round trip: the status,
// headers and complete body of the response. go-twitter's errors drop the
// headers and FetchPage decodes a 200 itself, so both are read from here.
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
// the response body (bounded by MaxResponseBytes) and records it. go-twitter
// gets an identical in-memory body for an error status, which it decodes into
// its error types, and emptyPage for a 200: its own decoding of a page is all
// or nothing (one entry with a field of the wrong type fails the page), it
// lacks the long posts' note objects, and FetchPage never reads its result,
// so the page is decoded once, by decodePage, entry by entry. Other requests
// pass through.
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
	if resp.ContentLength > int64(t.limit) {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d, Content-Length %d over %d bytes: %w", resp.StatusCode, resp.ContentLength, t.limit, errBodyTooLarge)
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead) // ReadFrom wants MinRead free before each read
	}
	_, readErr := buf.ReadFrom(io.LimitReader(resp.Body, int64(t.limit)+1))
	closeErr := resp.Body.Close()
	if readErr != nil {
		return nil, fmt.Errorf("read response body (HTTP %d): %w", resp.StatusCode, readErr)
	}
	if buf.Len() > t.limit {
		return nil, fmt.Errorf("HTTP %d, over %d bytes: %w", resp.StatusCode, t.limit, errBodyTooLarge)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("close response body (HTTP %d): %w", resp.StatusCode, closeErr)
	}
	c.status = resp.StatusCode
	c.header = resp.Header.Clone()
	c.body = buf.Bytes()
	handed := c.body
	if resp.StatusCode == http.StatusOK {
		handed = emptyPage
	}
	resp.Body = io.NopCloser(bytes.NewReader(handed))
	resp.ContentLength = int64(len(handed))
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
