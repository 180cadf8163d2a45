package funcurl

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// NewRequest builds the event a Function URL would send for r. It reads and closes r.Body.
func NewRequest(r *http.Request) (events.LambdaFunctionURLRequest, error) {
	now := time.Now().UTC()
	rawPath, rawQuery := splitRequestURI(r)
	sourceIP := remoteIP(r.RemoteAddr)

	req := events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        rawPath,
		RawQueryString: rawQuery,
	}
	req.Headers, req.Cookies = eventHeaders(r)
	addForwardedHeaders(req.Headers, r, sourceIP, now)
	req.QueryStringParameters = queryParameters(rawQuery)
	req.RequestContext = requestContext(r, rawPath, sourceIP, now)

	if r.Body != nil {
		defer func() { _ = r.Body.Close() }()
		body, err := readBody(r.Body)
		if err != nil {
			return events.LambdaFunctionURLRequest{}, err
		}
		req.Body, req.IsBase64Encoded = encodeBody(body, r.Header.Get("Content-Type"))
	}
	return req, nil
}

// eventHeaders returns r's headers as the service puts them in the event: names in lower case,
// repeated headers joined by ",", host from r.Host; and the cookies of the Cookie header, one
// element per cookie (nil when there is none).
func eventHeaders(r *http.Request) (headers map[string]string, cookies []string) {
	headers = map[string]string{}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		values := r.Header[name]
		if lower == "cookie" {
			cookies = append(cookies, splitCookies(values)...)
			continue
		}
		if prev, ok := headers[lower]; ok {
			values = append([]string{prev}, values...)
		}
		headers[lower] = strings.Join(values, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	return headers, cookies
}

// addForwardedHeaders adds the headers the service adds in front of the function:
// x-forwarded-for (the client's address), x-forwarded-proto and x-forwarded-port (from the
// connection and the Host header), and an X-Ray x-amzn-trace-id.
func addForwardedHeaders(headers map[string]string, r *http.Request, sourceIP string, now time.Time) {
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil && p != "" {
		port = p
	}
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = proto
	headers["x-forwarded-port"] = port
	headers["x-amzn-trace-id"] = traceID(now)
}

// requestContext is the event's requestContext for r: the URL's domain (whose first label is
// the API id and domain prefix), a new request id, the time, and the http description.
func requestContext(r *http.Request, rawPath, sourceIP string, now time.Time) events.LambdaFunctionURLRequestContext {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return events.LambdaFunctionURLRequestContext{
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
}

// readBody reads a request body of at most MaxBodyBytes (ErrBodyTooLarge beyond).
func readBody(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(b) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	return b, nil
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
