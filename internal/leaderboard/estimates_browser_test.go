package leaderboard_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
)

// estimatesStub answers the page's JSON requests the way issue 20's API does (CONTRACT-20):
// rows with count, estimate and margin, and the answer's coverage, posts_read and posts_had;
// sampled says whether the posts were sampled (coverage 0.08) or all read (coverage 1).
func estimatesStub(t *testing.T, sampled, unset *atomic.Bool) http.Handler {
	page := newHandler(t, &failingBoard{}, nil, leaderboard.Config{}) // serves the page only
	pageHTTP := funcurl.Handler(page.Handle, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("format") == "html" {
			pageHTTP.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		now := time.Now().UTC().Truncate(time.Hour)
		var body any
		switch {
		case r.URL.Path == "/boards":
			body = map[string]any{"boards": []map[string]string{{"name": boardName, "query": "#conf -is:retweet"}}}
		case q.Get("view") == "history":
			var series []map[string]any
			for i, tag := range strings.Split(q.Get("hashtags"), ",") {
				var points []map[string]any
				for h := range 24 {
					c := int64(h%4 + i)
					points = append(points, map[string]any{"start": now.Add(time.Duration(h-23) * time.Hour).Format(time.RFC3339),
						"count": c, "estimate": c * 12})
				}
				series = append(series, map[string]any{"hashtag": tag, "points": points})
			}
			body = map[string]any{"leaderboard": boardName, "view": "history", "window": "24h", "series": series}
		default:
			a := map[string]any{"leaderboard": boardName, "view": "top", "window": "24h", "generated_at": now.Format(time.RFC3339),
				"coverage": 1, "posts_read": 2000, "posts_had": 2000,
				"hashtags": []map[string]any{
					{"rank": 1, "hashtag": "aws", "count": 992, "estimate": 992, "margin": 0},
					{"rank": 2, "hashtag": "golang", "count": 510, "estimate": 510, "margin": 0},
					{"rank": 3, "hashtag": "serverless", "count": 500, "estimate": 500, "margin": 0}}}
			if unset.Load() { // issue 23: an ingest without X API credentials yet
				a["hashtags"], a["not_configured"], a["coverage"], a["posts_read"], a["posts_had"] = []any{}, true, 1, 0, 0
			} else if sampled.Load() {
				a["coverage"], a["posts_read"], a["posts_had"] = 0.08, 4184, 52300
				a["hashtags"] = []map[string]any{
					{"rank": 1, "hashtag": "aws", "count": 992, "estimate": 12400, "margin": 310},
					{"rank": 2, "hashtag": "serverless", "count": 500, "estimate": 6200, "margin": 420},
					{"rank": 3, "hashtag": "golang", "count": 510, "estimate": 3100, "margin": 200}}
			}
			body = a
		}
		if err := json.NewEncoder(w).Encode(body); err != nil {
			t.Error(err)
		}
	})
}

// TestDashboardEstimatesInChromium shows a sampled answer (issue 20) as estimates: "≈ 12,400"
// with its ± margin per row, bars by estimate, sparklines by the points' estimates, and the
// line "Sampled 8% of 52,300 posts in the last 24 hours"; a whole answer (coverage 1) as
// exact counts, as before. The API's answers are stubbed in CONTRACT-20's shape.
func TestDashboardEstimatesInChromium(t *testing.T) {
	exe := chromiumPath(t)
	var sampled, unset atomic.Bool
	sampled.Store(true)
	web := httptest.NewServer(estimatesStub(t, &sampled, &unset))
	t.Cleanup(web.Close)
	b := startChromium(t, exe)

	type shownRow struct {
		Hashtag, Text, Margin string
		Width                 float64 // percent of the track
		Spark                 int64
	}
	read := func() (rows []shownRow, line string) {
		b.eval("rows", `[...document.querySelectorAll('#bars > li')].map(li => ({hashtag: li.dataset.hashtag,
			text: li.querySelector('.count').firstChild.textContent, margin: (li.querySelector('.margin') || {textContent: ''}).textContent,
			width: Math.round(parseFloat(li.querySelector('.fill').style.width) * 100) / 100,
			spark: [...li.querySelectorAll('.spark .col')].reduce((n, c) => n + Number(c.dataset.count), 0)}))`, &rows)
		b.eval("sampled line", `document.getElementById('sampled').hidden ? '' : document.getElementById('sampled').textContent`, &line)
		return rows, line
	}
	b.run("open", chromedp.Navigate(web.URL+"/?window=24h&format=html"))
	b.waitFor("estimated rows", `document.querySelectorAll('#bars > li').length === 3 && document.querySelectorAll('#bars > li .spark .col').length === 72`)
	rows, line := read()
	want := []shownRow{
		{"aws", "≈\u202f12,400", "±310", 100, 0},
		{"serverless", "≈\u202f6,200", "±420", 50, 0},
		{"golang", "≈\u202f3,100", "±200", 25, 0},
	}
	for i, w := range want {
		// The stub's points: hour h of row i has count h%4+i, estimate 12 times that.
		w.Spark = 12 * int64(36+24*i)
		if i >= len(rows) || rows[i] != w {
			t.Errorf("sampled row %d: %+v, want %+v", i+1, rows[min(i, len(rows)-1)], w)
		}
	}
	if !strings.HasPrefix(line, "Sampled 8% of 52,300 posts in the last 24 hours") {
		t.Errorf("sampled line %q", line)
	}

	sampled.Store(false)
	b.waitFor("exact rows", `document.querySelector('#bars > li:nth-child(2)').dataset.hashtag === 'golang'`)
	rows, line = read()
	for i, w := range []struct {
		tag   string
		count int
	}{{"aws", 992}, {"golang", 510}, {"serverless", 500}} {
		width := math.Round(float64(w.count)/992*100*100) / 100
		if rows[i].Hashtag != w.tag || rows[i].Text != strconv.Itoa(w.count) || rows[i].Margin != "" || rows[i].Width != width {
			t.Errorf("whole row %d: %+v, want %s %d, no margin, width %.2f%%", i+1, rows[i], w.tag, w.count, width)
		}
	}
	if line != "" {
		t.Errorf("coverage 1 shows %q, want no sampled line", line)
	}

	// An ingest without X API credentials (not_configured, issue 23): the page says how to set
	// them instead of "No hashtags yet", and stops saying so once the board has data.
	notice := `(() => { const n = document.getElementById('not-configured'); return n.hidden ? '' : n.textContent; })()`
	unset.Store(true)
	b.waitFor("the credentials notice", `!document.getElementById('not-configured').hidden && document.querySelectorAll('#bars > li').length === 0`)
	var text string
	var emptyShown bool
	b.eval("notice", notice, &text)
	b.eval("empty state", `!document.getElementById('empty').hidden`, &emptyShown)
	if !strings.Contains(text, "credentials are not set yet") || !strings.Contains(text, "make x-secret") || emptyShown {
		t.Errorf("not configured: notice %q, empty state shown %v", text, emptyShown)
	}
	unset.Store(false)
	b.waitFor("rows again", `document.querySelectorAll('#bars > li').length === 3 && document.getElementById('not-configured').hidden`)
}
