// Package funcurl owns the translation between net/http and the Lambda Function URL event
// types (payload format 2.0, events.LambdaFunctionURLRequest/Response): it serves a Lambda
// handler over plain HTTP exactly as a Function URL would invoke it (for the local runner and
// the browser test), and runs a net/http handler as a Function URL Lambda handler.
//
// Requests are built the way the service builds them: version "2.0"; rawPath and
// rawQueryString as sent; header names in lower case with repeated headers joined by ",";
// the Cookie header moved to cookies (one element per cookie); queryStringParameters decoded,
// repeated parameters joined by ","; requestContext.http with method, path, protocol, sourceIp
// and userAgent; a body that is not text (by Content-Type) or not valid UTF-8 is base64 encoded
// with isBase64Encoded set. Responses are written the way the service writes them: a missing
// status code means 200, a missing Content-Type means application/json, a base64 body is
// decoded, each element of cookies becomes one Set-Cookie header, and a handler error becomes
// 502 "Internal Server Error".
package funcurl

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBodyBytes is the largest request body a Function URL accepts (the 6 MB synchronous
// invocation payload limit); Handler answers 413 to larger ones.
const MaxBodyBytes = 6 << 20

// HandlerFunc is the shape of a Lambda handler behind a Function URL.
type HandlerFunc func(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error)

// ErrBodyTooLarge is returned by NewRequest when the body exceeds MaxBodyBytes.
var ErrBodyTooLarge = errors.New("request body larger than 6 MB")

// NewRequest builds the event a Function URL would send for r. It reads and closes r.Body.
func NewRequest(r *http.Request) (events.LambdaFunctionURLRequest, error) {
	now := time.Now().UTC()
	rawPath, rawQuery := splitRequestURI(r)

	req := events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        rawPath,
		RawQueryString: rawQuery,
		Headers:        map[string]string{},
	}

	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		values := r.Header[name]
		if lower == "cookie" {
			req.Cookies = append(req.Cookies, splitCookies(values)...)
			continue
		}
		if prev, ok := req.Headers[lower]; ok {
			values = append([]string{prev}, values...)
		}
		req.Headers[lower] = strings.Join(values, ",")
	}
	if r.Host != "" {
		req.Headers["host"] = r.Host
	}
	sourceIP := remoteIP(r.RemoteAddr)
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil && p != "" {
		port = p
	}
	req.Headers["x-forwarded-for"] = sourceIP
	req.Headers["x-forwarded-proto"] = proto
	req.Headers["x-forwarded-port"] = port
	req.Headers["x-amzn-trace-id"] = traceID(now)

	req.QueryStringParameters = queryParameters(rawQuery)

	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	req.RequestContext = events.LambdaFunctionURLRequestContext{
		AccountID:    "anonymous",
		RequestID:    newID(),
		APIID:        prefix,
		DomainName:   host,
		DomainPrefix: prefix,
		Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
		TimeEpoch:    now.UnixMilli(),
		HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
			Method:    r.Method,
			Path:      rawPath,
			Protocol:  r.Proto,
			SourceIP:  sourceIP,
			UserAgent: r.UserAgent(),
		},
	}

	if r.Body != nil {
		defer func() { _ = r.Body.Close() }()
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			return events.LambdaFunctionURLRequest{}, fmt.Errorf("read request body: %w", err)
		}
		if len(body) > MaxBodyBytes {
			return events.LambdaFunctionURLRequest{}, ErrBodyTooLarge
		}
		req.Body, req.IsBase64Encoded = encodeBody(body, r.Header.Get("Content-Type"))
	}
	return req, nil
}

// WriteResponse writes resp to w as a Function URL would send it to the client. It checks resp
// before writing anything, so on a non-nil error from that check w is untouched.
func WriteResponse(w http.ResponseWriter, resp events.LambdaFunctionURLResponse) error {
	status, body, err := decodeResponse(resp)
	if err != nil {
		return err
	}
	h := w.Header()
	for name, value := range resp.Headers {
		switch strings.ToLower(name) {
		case "content-length", "transfer-encoding", "connection":
			continue // the server frames the body itself
		}
		h.Set(name, value)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil && !errors.Is(err, http.ErrBodyNotAllowed) {
		return fmt.Errorf("write response body: %w", err)
	}
	return nil
}

// decodeResponse validates resp and returns its status code and body bytes.
func decodeResponse(resp events.LambdaFunctionURLResponse) (int, []byte, error) {
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return 0, nil, fmt.Errorf("response statusCode %d out of range 100-999", resp.StatusCode)
	}
	if !resp.IsBase64Encoded {
		return status, []byte(resp.Body), nil
	}
	body, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("decode response body: isBase64Encoded is true but body is not base64: %w", err)
	}
	return status, body, nil
}

// Handler serves fn over net/http: each request is turned into the event a Function URL would
// send, and fn's response is written back. Errors are logged with logger (nil: slog.Default).
func Handler(fn HandlerFunc, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := NewRequest(r)
		if errors.Is(err, ErrBodyTooLarge) {
			http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			logger.ErrorContext(r.Context(), "funcurl: build event", slog.String("error", err.Error()))
			http.Error(w, "Bad Request", http.StatusBadRequest)
			return
		}
		resp, err := fn(r.Context(), req)
		if err != nil {
			logger.ErrorContext(r.Context(), "funcurl: handler error", slog.String("error", err.Error()))
			http.Error(w, "Internal Server Error", http.StatusBadGateway)
			return
		}
		if _, _, err := decodeResponse(resp); err != nil {
			logger.ErrorContext(r.Context(), "funcurl: invalid response", slog.String("error", err.Error()))
			http.Error(w, "Internal Server Error", http.StatusBadGateway)
			return
		}
		if err := WriteResponse(w, resp); err != nil {
			logger.ErrorContext(r.Context(), "funcurl: write response", slog.String("error", err.Error()))
		}
	})
}

// Lambda runs the net/http handler h as a Function URL handler: the event becomes an
// *http.Request, and the recorded response becomes the Function URL response, with repeated
// headers joined by ",", Set-Cookie headers moved to Cookies and a body that is not text (by
// Content-Type) or not valid UTF-8 base64 encoded.
func Lambda(h http.Handler) HandlerFunc {
	return func(ctx context.Context, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		r, err := ToHTTPRequest(ctx, ev)
		if err != nil {
			return events.LambdaFunctionURLResponse{}, err
		}
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		return rec.response(), nil
	}
}

// ToHTTPRequest turns a Function URL event back into an *http.Request (the inverse of
// NewRequest, up to header case and the generated request context).
func ToHTTPRequest(ctx context.Context, ev events.LambdaFunctionURLRequest) (*http.Request, error) {
	var body []byte
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("decode event body: isBase64Encoded is true but body is not base64: %w", err)
		}
		body = b
	} else {
		body = []byte(ev.Body)
	}
	target := ev.RawPath
	if target == "" {
		target = "/"
	}
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("event rawPath/rawQueryString %q: %w", truncate(target, 200), err)
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("event requestContext.http.method %q: %w", truncate(method, 50), err)
	}
	r.URL = u
	r.RequestURI = target
	for name, value := range ev.Headers {
		r.Header.Set(name, value)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.Host = ev.Headers["host"]
	if r.Host == "" {
		r.Host = ev.RequestContext.DomainName
	}
	if p := ev.RequestContext.HTTP.Protocol; p != "" {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = p, major, minor
		}
	}
	if ip := ev.RequestContext.HTTP.SourceIP; ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	r.ContentLength = int64(len(body))
	return r, nil
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.body.Write(p)
}

func (rec *recorder) response() events.LambdaFunctionURLResponse {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := events.LambdaFunctionURLResponse{StatusCode: status, Headers: map[string]string{}}
	for name, values := range rec.header {
		if http.CanonicalHeaderKey(name) == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, values...)
			continue
		}
		resp.Headers[name] = strings.Join(values, ",")
	}
	body := rec.body.Bytes()
	ct := rec.header.Get("Content-Type")
	if ct == "" && len(body) > 0 {
		ct = http.DetectContentType(body)
		resp.Headers["Content-Type"] = ct
	}
	resp.Body, resp.IsBase64Encoded = encodeBody(body, ct)
	return resp
}

// encodeBody returns body as the event's body string, base64 encoded unless it is text.
func encodeBody(body []byte, contentType string) (string, bool) {
	if len(body) == 0 {
		return "", false
	}
	if isText(contentType) && utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

// isText reports whether a body of this media type travels as text in the event.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml",
		"application/x-www-form-urlencoded", "application/graphql":
		return true
	}
	return strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// splitRequestURI returns the path and query exactly as the client sent them.
func splitRequestURI(r *http.Request) (string, string) {
	uri := r.RequestURI
	if uri == "" || uri == "*" || !strings.HasPrefix(uri, "/") {
		// client-side request or absolute-form target: fall back to the parsed URL.
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	path, query, _ := strings.Cut(uri, "?")
	return path, query
}

// queryParameters decodes rawQuery like the service: keys and values unescaped ("+" is a
// space), repeated keys joined by ",", nil when there is no parameter. A part that does not
// unescape is kept as sent.
func queryParameters(rawQuery string) map[string]string {
	if rawQuery == "" {
		return nil
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescape(k), unescape(v)
		if prev, ok := params[k]; ok {
			v = prev + "," + v
		}
		params[k] = v
	}
	if len(params) == 0 {
		return nil
	}
	return params
}

func unescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// splitCookies returns the individual "name=value" pairs of Cookie header values.
func splitCookies(values []string) []string {
	var out []string
	for _, v := range values {
		for c := range strings.SplitSeq(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// traceID returns an X-Ray trace header value like the one the service adds.
func traceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + hex.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
