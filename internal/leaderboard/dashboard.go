package leaderboard

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

//go:embed dashboard/dashboard.html dashboard/dashboard.css dashboard/dashboard.js
var dashboardFiles embed.FS

// page is the dashboard as served: the HTML with its CSS and JavaScript inlined, the
// Content-Security-Policy allowing exactly those two inline blocks, and the page's ETag.
type page struct {
	html string
	csp  string
	etag string
}

// The markers in dashboard.html that the CSS and the JavaScript replace.
const (
	cssMarker = "<!--dashboard.css-->"
	jsMarker  = "<!--dashboard.js-->"
)

var dashboard = mustBuildPage()

func mustBuildPage() page {
	p, err := buildPage()
	if err != nil {
		panic(err) // the files are embedded at build time; TestDashboardPage covers this
	}
	return p
}

func buildPage() (page, error) {
	read := func(name string) (string, error) {
		b, err := dashboardFiles.ReadFile("dashboard/" + name)
		if err != nil {
			return "", fmt.Errorf("dashboard: %w", err)
		}
		return string(b), nil
	}
	html, err := read("dashboard.html")
	if err != nil {
		return page{}, err
	}
	css, err := read("dashboard.css")
	if err != nil {
		return page{}, err
	}
	js, err := read("dashboard.js")
	if err != nil {
		return page{}, err
	}
	for _, m := range []string{cssMarker, jsMarker} {
		if n := strings.Count(html, m); n != 1 {
			return page{}, fmt.Errorf("dashboard.html: marker %s appears %d times, want once", m, n)
		}
	}
	for name, src := range map[string]string{"dashboard.css": css, "dashboard.js": js} {
		lower := strings.ToLower(src)
		for _, bad := range []string{"</style", "</script", "<!--"} {
			if strings.Contains(lower, bad) {
				return page{}, fmt.Errorf("%s: contains %q, which would end its inline block", name, bad)
			}
		}
	}
	html = strings.Replace(html, cssMarker, "<style>"+css+"</style>", 1)
	html = strings.Replace(html, jsMarker, "<script>"+js+"</script>", 1)

	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src " + sourceHash(js),
		"style-src " + sourceHash(css),
		"connect-src 'self'",
		"img-src data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
		"require-trusted-types-for 'script'",
		"trusted-types 'none'",
	}, "; ")
	sum := sha256.Sum256([]byte(html))
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	return page{html: html, csp: csp, etag: etag}, nil
}

// sourceHash is the CSP source expression allowing an inline block whose text is src.
func sourceHash(src string) string {
	sum := sha256.Sum256([]byte(src))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// dashboardResponse answers a request for the page. It is static, so it carries a strong ETag
// and must be revalidated (no-cache) so a new deployment shows at once.
func dashboardResponse(ifNoneMatch string) events.LambdaFunctionURLResponse {
	headers := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-cache",
		"ETag":                    dashboard.etag,
		"Vary":                    "Accept",
		"Content-Security-Policy": dashboard.csp,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
	if etagMatches(ifNoneMatch, dashboard.etag) {
		delete(headers, "Content-Type")
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusNotModified, Headers: headers}
	}
	return events.LambdaFunctionURLResponse{StatusCode: http.StatusOK, Headers: headers, Body: dashboard.html}
}
