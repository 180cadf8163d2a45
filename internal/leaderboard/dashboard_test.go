package leaderboard

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// The widget (?embed=1) may be framed by Config.EmbedOrigins only; the full page never; without
// origins nobody may frame either.
func TestEmbedFrameAncestors(t *testing.T) {
	b := newFakeBoard(sampleData())
	origins := []string{"https://example.com", "http://127.0.0.1:8080", "https://*.blog.example.org"}
	withOrigins, _, _ := newTestHandler(t, b, func(c *Config) { c.EmbedOrigins = origins })
	none, _, _ := newTestHandler(t, b)
	tests := []struct {
		name      string
		h         *Handler
		query     string
		ancestors string
		xfo       string
		embed     bool
	}{
		{"page, no origins", none, "format=html", "frame-ancestors 'none'", "DENY", false},
		{"widget, no origins", none, "format=html&embed=1", "frame-ancestors 'none'", "DENY", true},
		{"page, origins", withOrigins, "format=html&window=24h", "frame-ancestors 'none'", "DENY", false},
		{"widget, origins", withOrigins, "embed=1&format=html&window=24h", "frame-ancestors https://example.com http://127.0.0.1:8080 https://*.blog.example.org", "", true},
		{"JSON, origins", withOrigins, "embed=1", "frame-ancestors 'none'", "", false},
	}
	etags := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := handle(t, tc.h, event("GET", tc.query, nil))
			csp := resp.Headers["Content-Security-Policy"]
			if resp.StatusCode != 200 || !strings.Contains(csp, "; "+tc.ancestors+";") {
				t.Fatalf("status %d CSP %q, want %q", resp.StatusCode, csp, tc.ancestors)
			}
			if strings.HasPrefix(resp.Headers["Content-Type"], "text/html") && resp.Headers["X-Frame-Options"] != tc.xfo {
				t.Errorf("X-Frame-Options %q, want %q", resp.Headers["X-Frame-Options"], tc.xfo)
			}
			if got := strings.Contains(resp.Body, `<html lang="en" class="embed">`); got != tc.embed {
				t.Errorf("embed class in the page: %v, want %v", got, tc.embed)
			}
			if tc.embed || strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
				etags[tc.name] = resp.Headers["ETag"]
				// The same script and style are allowed by the same hashes as in the full page.
				if !strings.Contains(csp, sourceHash(dashboardSource.js)) || !strings.Contains(csp, sourceHash(dashboardSource.css)) {
					t.Errorf("CSP %q lacks the page's hashes", csp)
				}
			}
			if resp := handle(t, tc.h, event("GET", tc.query, map[string]string{"if-none-match": resp.Headers["ETag"]})); resp.StatusCode != 304 {
				t.Errorf("revalidation: %d, want 304", resp.StatusCode)
			}
		})
	}
	if etags["page, origins"] != etags["page, no origins"] || etags["widget, origins"] == etags["widget, no origins"] || etags["widget, origins"] == etags["page, origins"] {
		t.Errorf("page ETags %v: each variant (page, widget per origins) wants its own", etags)
	}
}

func TestEmbedOriginsAreChecked(t *testing.T) {
	for _, bad := range [][]string{{"https://example.com; script-src *"}, {"*"}, {"'self'"}, {"https://example.com/path"}, {""}} {
		if _, err := New([]Named{{Name: "x", Board: newFakeBoard(nil)}}, Config{EmbedOrigins: bad}); err == nil || !strings.Contains(err.Error(), "Config.EmbedOrigins") {
			t.Errorf("EmbedOrigins %q: %v, want an error naming Config.EmbedOrigins", bad, err)
		}
	}
}

// maxPageBytes is issue 16's bound on the dashboard's transfer size: one self-contained
// response, uncompressed (make bench reports it too).
const maxPageBytes = 40_000

func TestDashboardPageSize(t *testing.T) {
	for name, html := range map[string]string{"page": dashboard.html, "widget": dashboardSource.embedHTML} {
		if len(html) > maxPageBytes {
			t.Errorf("the %s is %d bytes, want at most %d", name, len(html), maxPageBytes)
		}
	}
}

// The page asks for what the API accepts: its copies of the API's limits are the API's.
func TestDashboardKnowsTheAPILimits(t *testing.T) {
	for name, want := range map[string]int{"MAX_HISTORY": MaxHistoryHashtags, "MAX_QUERY_BYTES": MaxQueryBytes} {
		re := regexp.MustCompile(`const ` + name + ` = (\d+);`)
		m := re.FindStringSubmatch(dashboardSource.js)
		if m == nil || m[1] != strconv.Itoa(want) {
			t.Errorf("dashboard.js: %s = %v, want %d", name, m, want)
		}
	}
	for _, w := range store.Windows {
		if !strings.Contains(dashboardSource.js, `"`+string(w)+`": { window: "`) {
			t.Errorf("dashboard.js: no sparkline window for %s", w)
		}
	}
}

// A browser asking for an unknown board gets the page (which says so and shows the default
// board); the JSON API keeps its 404.
func TestDashboardUnknownBoard(t *testing.T) {
	h, _, _, _, _ := twoBoards(t)
	tests := []struct {
		name, query string
		headers     map[string]string
		status      int
		html        bool
	}{
		{"browser", "board=nope", map[string]string{"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, 200, true},
		{"format=html", "board=nope&format=html", nil, 200, true},
		{"widget", "board=nope&embed=1&format=html", nil, 200, true},
		{"JSON", "board=nope", map[string]string{"accept": "application/json"}, 404, false},
		{"no Accept", "board=nope", nil, 404, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := handle(t, h, event("GET", tc.query, tc.headers))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.status, resp.Body)
			}
			isHTML := strings.HasPrefix(resp.Headers["Content-Type"], "text/html") && strings.Contains(resp.Body, "<title>Hashtag leaderboard</title>")
			if isHTML != tc.html {
				t.Errorf("page served: %v, want %v (%s)", isHTML, tc.html, resp.Headers["Content-Type"])
			}
			if !tc.html && !strings.Contains(resp.Body, `unknown board \"nope\"`) {
				t.Errorf("JSON error %s does not name the board", resp.Body)
			}
		})
	}
}
