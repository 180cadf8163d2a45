package funcurl

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
