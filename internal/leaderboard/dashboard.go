package leaderboard

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
)

//go:embed dashboard/dashboard.html dashboard/dashboard.css dashboard/dashboard.js
var dashboardFiles embed.FS

// page is the dashboard as served: the HTML with its CSS and JavaScript inlined, the
// Content-Security-Policy allowing exactly those two inline blocks and saying who may frame
// the page, and the page's ETag.
type page struct {
	html      string
	csp       string
	etag      string
	frameable bool // some origins may frame it: no X-Frame-Options DENY
}

// The markers in dashboard.html that the CSS and the JavaScript replace, and the root element
// that the widget (?embed=1) marks with class "embed" (compact, transparent: dashboard.css).
const (
	cssMarker = "<!--dashboard.css-->"
	jsMarker  = "<!--dashboard.js-->"
	rootTag   = `<html lang="en">`
	embedRoot = `<html lang="en" class="embed">`
)

// source is the dashboard assembled from its files: the full page's HTML, the widget's, and
// the inline script and style the CSP allows by hash.
type source struct {
	html, embedHTML string
	js, css         string
}

var (
	dashboardSource = mustAssemble()
	dashboard       = dashboardSource.page(dashboardSource.html, nil)
)

func mustAssemble() source {
	s, err := assemble()
	if err != nil {
		panic(err) // the files are embedded at build time; TestDashboardPage covers this
	}
	return s
}

func assemble() (source, error) {
	read := func(name string) (string, error) {
		b, err := dashboardFiles.ReadFile("dashboard/" + name)
		if err != nil {
			return "", fmt.Errorf("dashboard: %w", err)
		}
		return string(b), nil
	}
	html, err := read("dashboard.html")
	if err != nil {
		return source{}, err
	}
	css, err := read("dashboard.css")
	if err != nil {
		return source{}, err
	}
	js, err := read("dashboard.js")
	if err != nil {
		return source{}, err
	}
	for _, m := range []string{cssMarker, jsMarker, rootTag} {
		if n := strings.Count(html, m); n != 1 {
			return source{}, fmt.Errorf("dashboard.html: %s appears %d times, want once", m, n)
		}
	}
	for name, src := range map[string]string{"dashboard.css": css, "dashboard.js": js} {
		lower := strings.ToLower(src)
		for _, bad := range []string{"</style", "</script", "<!--"} {
			if strings.Contains(lower, bad) {
				return source{}, fmt.Errorf("%s: contains %q, which would end its inline block", name, bad)
			}
		}
	}
	html = strings.Replace(html, cssMarker, "<style>"+css+"</style>", 1)
	html = strings.Replace(html, jsMarker, "<script>"+js+"</script>", 1)
	return source{html: html, embedHTML: strings.Replace(html, rootTag, embedRoot, 1), js: js, css: css}, nil
}

// buildPage is the full dashboard page: nobody may frame it.
func buildPage() (page, error) {
	s, err := assemble()
	if err != nil {
		return page{}, err
	}
	return s.page(s.html, nil), nil
}

// embedPage is the widget page that origins (Config.EmbedOrigins) may frame; with none, nobody
// may. Each origin is checked again, as the local app reads them (config.CheckLocalEmbedOrigin:
// the function's rules, or an origin on this machine, which the function's config refuses), so
// that no source can end the CSP directive whoever built the Config.
func embedPage(origins []string) (page, error) {
	for _, o := range origins {
		if err := config.CheckLocalEmbedOrigin(o); err != nil {
			return page{}, fmt.Errorf("leaderboard: Config.EmbedOrigins: %w", err)
		}
	}
	return dashboardSource.page(dashboardSource.embedHTML, origins), nil
}

// page is html served with a CSP that allows the inline script and style by hash, fetches to
// the same origin only, and frames by the origins given (none: frame-ancestors 'none').
func (s source) page(html string, frameAncestors []string) page {
	ancestors := "'none'"
	if len(frameAncestors) > 0 {
		ancestors = strings.Join(frameAncestors, " ")
	}
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src " + sourceHash(s.js),
		"style-src " + sourceHash(s.css),
		"connect-src 'self'",
		"img-src data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors " + ancestors,
		"require-trusted-types-for 'script'",
		"trusted-types 'none'",
	}, "; ")
	sum := sha256.Sum256([]byte(html + "\x00" + csp))
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	return page{html: html, csp: csp, etag: etag, frameable: len(frameAncestors) > 0}
}

// sourceHash is the CSP source expression allowing an inline block whose text is src.
func sourceHash(src string) string {
	sum := sha256.Sum256([]byte(src))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// response answers a request for the page. It is static, so it carries a strong ETag and must
// be revalidated (no-cache) so a new deployment shows at once.
func (p *page) response(ifNoneMatch string) events.LambdaFunctionURLResponse {
	headers := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-cache",
		"ETag":                    p.etag,
		"Vary":                    "Accept",
		"Content-Security-Policy": p.csp,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	}
	if !p.frameable {
		headers["X-Frame-Options"] = "DENY"
	}
	if etagMatches(ifNoneMatch, p.etag) {
		delete(headers, "Content-Type")
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusNotModified, Headers: headers}
	}
	return events.LambdaFunctionURLResponse{StatusCode: http.StatusOK, Headers: headers, Body: p.html}
}
