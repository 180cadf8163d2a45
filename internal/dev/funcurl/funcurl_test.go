package funcurl

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// capture serves a handler that records the event it was given and answers with resp.
type capture struct {
	mu   sync.Mutex
	got  []events.LambdaFunctionURLRequest
	resp events.LambdaFunctionURLResponse
	err  error
}

func (c *capture) handle(_ context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, req)
	return c.resp, c.err
}

func (c *capture) last(t *testing.T) events.LambdaFunctionURLRequest {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) == 0 {
		t.Fatal("handler was not called")
	}
	return c.got[len(c.got)-1]
}

func serve(t *testing.T, fn HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler(fn, nil))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

var volatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"requestId": "[0-9a-f-]{36}"`), `"requestId": "<request-id>"`},
	{regexp.MustCompile(`"time": "[^"]+"`), `"time": "<time>"`},
	{regexp.MustCompile(`"timeEpoch": [0-9]+`), `"timeEpoch": 0`},
	{regexp.MustCompile(`"x-amzn-trace-id": "Root=1-[0-9a-f]{8}-[0-9a-f]{24}"`), `"x-amzn-trace-id": "<trace-id>"`},
	{regexp.MustCompile(`127\.0\.0\.1:[0-9]+`), `127.0.0.1:<port>`},
	{regexp.MustCompile(`"x-forwarded-port": "[0-9]+"`), `"x-forwarded-port": "<port>"`},
}

// TestNewRequestGolden sends a real HTTP request with repeated headers, cookies, a repeated
// and an escaped query parameter and a JSON body, and compares the event with a golden file
// shaped like the event in the Lambda documentation.
func TestNewRequestGolden(t *testing.T) {
	c := &capture{resp: events.LambdaFunctionURLResponse{StatusCode: 204}}
	srv := serve(t, c.handle)

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/my/path%2Fx?parameter1=value1&parameter1=value2&parameter2=a+b%26c&flag", strings.NewReader(`{"hello":"world"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agent")
	req.Header.Add("X-Multi", "value1")
	req.Header.Add("X-Multi", "value2")
	req.Header.Add("Cookie", "cookie1=a; cookie2=b")
	req.Header.Add("Cookie", "cookie3=c")
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, want 204", resp.StatusCode)
	}

	got, err := json.MarshalIndent(c.last(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range volatile {
		got = v.re.ReplaceAll(got, []byte(v.repl))
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "request.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestNewRequestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("event differs from %s:\n got: %s\nwant: %s", golden, got, want)
	}
}

func TestNewRequestFields(t *testing.T) {
	binary := []byte{0x89, 'P', 'N', 'G', 0xff, 0x00}
	tests := []struct {
		name       string
		method     string
		target     string
		body       []byte
		header     map[string]string
		wantPath   string
		wantRawQ   string
		wantParams map[string]string
		wantBody   string
		wantB64    bool
	}{
		{name: "root no query", method: "GET", target: "/", wantPath: "/", wantRawQ: ""},
		{name: "head", method: "HEAD", target: "/?limit=5", wantPath: "/", wantRawQ: "limit=5", wantParams: map[string]string{"limit": "5"}},
		{name: "raw query kept as sent", method: "GET", target: "/?window=%32%34h&x=%ZZ&&", wantPath: "/", wantRawQ: "window=%32%34h&x=%ZZ&&",
			wantParams: map[string]string{"window": "24h", "x": "%ZZ"}},
		{name: "escaped path kept", method: "GET", target: "/a%20b/c", wantPath: "/a%20b/c"},
		{name: "text body", method: "POST", target: "/", body: []byte("hi ü"), header: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			wantPath: "/", wantBody: "hi ü"},
		{name: "binary body", method: "POST", target: "/", body: binary, header: map[string]string{"Content-Type": "image/png"},
			wantPath: "/", wantBody: base64.StdEncoding.EncodeToString(binary), wantB64: true},
		{name: "invalid utf-8 under a text type", method: "PUT", target: "/", body: []byte{'a', 0xff}, header: map[string]string{"Content-Type": "text/plain"},
			wantPath: "/", wantBody: base64.StdEncoding.EncodeToString([]byte{'a', 0xff}), wantB64: true},
		{name: "no content type", method: "POST", target: "/", body: []byte("plain"),
			wantPath: "/", wantBody: base64.StdEncoding.EncodeToString([]byte("plain")), wantB64: true},
		{name: "vendor json", method: "PATCH", target: "/", body: []byte(`{}`), header: map[string]string{"Content-Type": "application/merge-patch+json"},
			wantPath: "/", wantBody: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{resp: events.LambdaFunctionURLResponse{StatusCode: 200, Body: "ok"}}
			srv := serve(t, c.handle)
			req, err := http.NewRequest(tt.method, srv.URL+tt.target, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			do(t, req)
			ev := c.last(t)
			if ev.Version != "2.0" {
				t.Errorf("version %q", ev.Version)
			}
			if ev.RawPath != tt.wantPath || ev.RequestContext.HTTP.Path != tt.wantPath {
				t.Errorf("rawPath %q, http.path %q, want %q", ev.RawPath, ev.RequestContext.HTTP.Path, tt.wantPath)
			}
			if ev.RawQueryString != tt.wantRawQ {
				t.Errorf("rawQueryString %q, want %q", ev.RawQueryString, tt.wantRawQ)
			}
			if !equalMaps(ev.QueryStringParameters, tt.wantParams) {
				t.Errorf("queryStringParameters %v, want %v", ev.QueryStringParameters, tt.wantParams)
			}
			if tt.wantParams == nil && ev.QueryStringParameters != nil {
				t.Errorf("queryStringParameters %v, want nil (omitted)", ev.QueryStringParameters)
			}
			if ev.Body != tt.wantBody || ev.IsBase64Encoded != tt.wantB64 {
				t.Errorf("body %q base64 %v, want %q base64 %v", ev.Body, ev.IsBase64Encoded, tt.wantBody, tt.wantB64)
			}
			if ev.RequestContext.HTTP.Method != tt.method {
				t.Errorf("method %q, want %q", ev.RequestContext.HTTP.Method, tt.method)
			}
			if ev.RequestContext.HTTP.SourceIP != "127.0.0.1" || ev.RequestContext.HTTP.Protocol != "HTTP/1.1" {
				t.Errorf("sourceIp %q protocol %q", ev.RequestContext.HTTP.SourceIP, ev.RequestContext.HTTP.Protocol)
			}
			for name := range ev.Headers {
				if name != strings.ToLower(name) {
					t.Errorf("header name %q is not lower case", name)
				}
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestHandlerWritesResponse(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00}
	tests := []struct {
		name       string
		method     string
		resp       events.LambdaFunctionURLResponse
		err        error
		wantStatus int
		wantBody   []byte
		wantHeader map[string]string
		wantCookie []string
	}{
		{name: "defaults", method: "GET", resp: events.LambdaFunctionURLResponse{Body: `{"a":1}`},
			wantStatus: 200, wantBody: []byte(`{"a":1}`), wantHeader: map[string]string{"Content-Type": "application/json"}},
		{name: "base64 body", method: "GET", resp: events.LambdaFunctionURLResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true,
			Headers: map[string]string{"content-type": "image/png"}},
			wantStatus: 200, wantBody: png, wantHeader: map[string]string{"Content-Type": "image/png"}},
		{name: "multi-value header and cookies", method: "GET", resp: events.LambdaFunctionURLResponse{StatusCode: 201, Body: "x",
			Headers: map[string]string{"Content-Type": "text/plain", "Vary": "Accept,Accept-Encoding"},
			Cookies: []string{"a=1; Path=/", "b=2; HttpOnly"}},
			wantStatus: 201, wantBody: []byte("x"), wantHeader: map[string]string{"Vary": "Accept,Accept-Encoding"}, wantCookie: []string{"a=1; Path=/", "b=2; HttpOnly"}},
		{name: "head has no body", method: "HEAD", resp: events.LambdaFunctionURLResponse{StatusCode: 200, Body: "",
			Headers: map[string]string{"Content-Type": "text/plain", "ETag": `"x"`}},
			wantStatus: 200, wantBody: nil, wantHeader: map[string]string{"ETag": `"x"`}},
		{name: "304", method: "GET", resp: events.LambdaFunctionURLResponse{StatusCode: 304, Headers: map[string]string{"ETag": `"x"`}},
			wantStatus: 304, wantBody: nil, wantHeader: map[string]string{"ETag": `"x"`}},
		{name: "handler error is 502", method: "GET", err: errors.New("boom"),
			wantStatus: 502, wantBody: []byte("Internal Server Error\n")},
		{name: "bad base64 is 502", method: "GET", resp: events.LambdaFunctionURLResponse{Body: "!!", IsBase64Encoded: true},
			wantStatus: 502, wantBody: []byte("Internal Server Error\n")},
		{name: "bad status is 502", method: "GET", resp: events.LambdaFunctionURLResponse{StatusCode: 42},
			wantStatus: 502, wantBody: []byte("Internal Server Error\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{resp: tt.resp, err: tt.err}
			srv := serve(t, c.handle)
			req, err := http.NewRequest(tt.method, srv.URL+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if !bytes.Equal(body, tt.wantBody) {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("header %s = %q, want exactly [%q]", k, got, v)
				}
			}
			if got := resp.Header.Values("Set-Cookie"); !equalSlices(got, tt.wantCookie) {
				t.Errorf("Set-Cookie %q, want %q", got, tt.wantCookie)
			}
		})
	}
}

func equalSlices(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBodyTooLarge(t *testing.T) {
	c := &capture{}
	srv := serve(t, c.handle)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(make([]byte, MaxBodyBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	if len(c.got) != 0 {
		t.Error("handler called for an oversized body")
	}
}

// TestLambdaRoundTrip runs a net/http handler as a Function URL handler and serves that over
// HTTP again: what the client sees must be what the handler wrote.
func TestLambdaRoundTrip(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0xff}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /img", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusAccepted)
		c, _ := r.Cookie("in")
		_, _ = w.Write([]byte(r.URL.Query().Get("q") + "|" + c.Value + "|" + r.Header.Get("X-In") + "|"))
		_, _ = w.Write(b)
	})
	srv := serve(t, Lambda(mux))

	resp, body := do(t, mustRequest(t, "GET", srv.URL+"/img", nil))
	if resp.StatusCode != 200 || !bytes.Equal(body, png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("GET /img: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	req := mustRequest(t, "POST", srv.URL+"/echo?q=a%26b", []byte{0xff, 0x01})
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Cookie", "in=yes")
	req.Header.Set("X-In", "hdr")
	resp, body = do(t, req)
	want := append([]byte("a&b|yes|hdr|"), 0xff, 0x01)
	if resp.StatusCode != 202 || !bytes.Equal(body, want) {
		t.Errorf("POST /echo: %d %q, want 202 %q", resp.StatusCode, body, want)
	}
	if got := resp.Header.Get("X-Multi"); got != "one,two" {
		t.Errorf("X-Multi %q, want one,two (joined like a Function URL)", got)
	}
	if got := resp.Header.Values("Set-Cookie"); !equalSlices(got, []string{"a=1", "b=2"}) {
		t.Errorf("Set-Cookie %q", got)
	}

	resp, _ = do(t, mustRequest(t, "GET", srv.URL+"/nope", nil))
	if resp.StatusCode != 404 {
		t.Errorf("GET /nope: %d", resp.StatusCode)
	}
}

func mustRequest(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}
