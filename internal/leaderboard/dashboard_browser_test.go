package leaderboard_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// sampleQuery is the board's query as the page shows it under the title.
const sampleQuery = "sample -is:retweet"

// The rows' hashtags at 320 px: each on one line (cut with an ellipsis, never broken inside a
// word), and a cut one has its full name as a title and a place in the tab order.
const readTags = `[...document.querySelectorAll('#bars > li .tag')].map(t => {
	const cs = getComputedStyle(t);
	return {hashtag: t.closest('li').dataset.hashtag, shown: t.textContent, whiteSpace: cs.whiteSpace,
		lines: t.getBoundingClientRect().height / parseFloat(cs.lineHeight),
		cut: t.scrollWidth > t.clientWidth + 1, title: t.title, tab: t.tabIndex};
})`

type tagLayout struct {
	Hashtag, Shown, WhiteSpace, Title string // Hashtag: the row's key; Shown: its spelling shown
	Lines                             float64
	Cut                               bool
	Tab                               int
}

// TestDashboardOnTheSampleInChromium drives the dashboard on the bundled sample (issue 23):
// a sparkline for every row of Top 100 (the history asked in chunks of the API's limit), no
// hashtag broken inside a word at 320 px in the top and trending views, the wall layout's Top
// 25 without scrolling at 1920x1080, one row for #İstanbul and #istanbul, the board's query
// under the title, and an unknown board shown as the default one with a notice. With
// UPDATE_SCREENSHOT=1 it writes docs/dashboard-wall.png and docs/dashboard-trending.png.
func TestDashboardOnTheSampleInChromium(t *testing.T) {
	requireServers(t)
	exe := chromiumPath(t)
	srv := env.Standalone
	seedSample(t, srv)

	st, err := store.New(readerClient(t, srv), boardName)
	if err != nil {
		t.Fatal(err)
	}
	h, err := leaderboard.New([]leaderboard.Named{{Name: boardName, Query: sampleQuery, Board: st}},
		leaderboard.Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	reqs := &requestLog{}
	web := httptest.NewServer(reqs.wrap(funcurl.Handler(h.Handle, slog.New(slog.NewJSONHandler(io.Discard, nil)))))
	t.Cleanup(web.Close)
	b := startChromium(t, exe)
	artifacts := artifactDir(t)

	checkTop100Sparks(t, b, web.URL, reqs)

	// 2. #İstanbul and #istanbul are one row, in the spelling's canonical form.
	raw := string(sample.Raw())
	if !strings.Contains(raw, "#İstanbul") || !strings.Contains(raw, "#istanbul") {
		t.Fatal("the sample lacks #İstanbul or #istanbul: the check below would prove nothing")
	}
	var istanbul []string
	b.eval("istanbul rows", `[...document.querySelectorAll('#bars > li')].map(li => li.dataset.hashtag).filter(h => h.normalize('NFD').replace(/\u0307/g, '') === 'istanbul')`, &istanbul)
	if len(istanbul) != 1 || istanbul[0] != "istanbul" {
		t.Errorf("rows for #İstanbul/#istanbul: %q, want one, \"istanbul\"", istanbul)
	}
	// Each row shows its hashtag as most of the sample's posts write it (keyed by the canonical
	// form, which the history requests ask for).
	for tag, want := range mostUsedSpellings(t, "istanbul", "reinvent") {
		var got struct{ Text, Title string }
		b.eval(tag+" row", `(() => { const t = document.querySelector('#bars > li[data-hashtag="`+tag+`"] .tag');
			return t ? {text: t.textContent, title: t.title} : {}; })()`, &got)
		if got.Text != want || got.Title != "#"+want {
			t.Errorf("the row of %s shows %+v, want %q (the spelling most posts use) and the title #%s", tag, got, want, want)
		}
	}

	// 3. The board's query under the title.
	var q struct {
		Text   string
		Hidden bool
	}
	b.eval("query", `({text: document.getElementById('query').textContent, hidden: document.getElementById('query').parentElement.hidden})`, &q)
	if q.Text != sampleQuery || q.Hidden {
		t.Errorf("the board's query: %+v, want %q shown", q, sampleQuery)
	}

	// 4. 320 and 360 px: no hashtag broken inside a word, in the top and the trending view.
	for _, width := range []int64{320, 360} {
		for _, view := range []string{"top", "trending"} {
			checkNarrow(t, b, web.URL, view, width)
		}
	}
	b.run("desktop trending", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(web.URL+"/?window=24h&limit=25&view=trending&format=html"))
	b.waitFor("trending rows with sparklines", `document.querySelectorAll('#bars > li[data-authors]').length > 5 && document.querySelectorAll('#bars > li .spark .col').length > 0`)
	shot(t, b.ctx, artifacts, "dashboard-trending.png", updateScreenshot)

	// 5. The wall: at 1920x1080, automatic and with ?kiosk=1, Top 25 in several columns of large
	// type without scrolling.
	for _, addr := range []string{"/?window=24h&limit=25&format=html", "/?window=24h&kiosk=1&view=trending&format=html", "/?window=24h&kiosk=1&format=html"} {
		checkWall(t, b, web.URL+addr, strings.Contains(addr, "kiosk=1"))
	}
	shot(t, b.ctx, artifacts, "dashboard-wall.png", updateScreenshot)

	// 6. An unknown board: the page, saying so, on the default board.
	b.run("unknown board", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(web.URL+"/?board=nope&window=24h&format=html"))
	b.waitFor("the default board's rows", `document.querySelectorAll('#bars > li').length > 0`)
	var unknown struct {
		Notice, Board, Search string
		Hidden                bool
	}
	b.eval("notice", `({notice: document.getElementById('board-notice').textContent, hidden: document.getElementById('board-notice').hidden,
		board: document.getElementById('board-name').textContent, search: location.search})`, &unknown)
	if unknown.Hidden || !strings.Contains(unknown.Notice, "nope") || !strings.Contains(unknown.Notice, boardName) ||
		unknown.Board != boardName || strings.Contains(unknown.Search, "nope") {
		t.Errorf("unknown board: %+v, want a notice naming it and the default board, and the address without it", unknown)
	}
}

// checkTop100Sparks opens the all-time Top 100 of the sample and checks that every row has a
// sparkline with posts in it (every post of the sample is within the 7 days that all-time rows
// show), from one history request per 25 rows.
func checkTop100Sparks(t *testing.T, b *chromium, base string, reqs *requestLog) {
	t.Helper()
	var top apiBody
	getAPI(t, base, "window=all&limit=100", &top)
	if len(top.Hashtags) != 100 {
		t.Fatalf("the sample's all-time top has %d rows, want 100", len(top.Hashtags))
	}
	_, start := reqs.since(0)
	b.run("open Top 100", chromedp.Navigate(base+"/?window=all&limit=100&format=html"))
	b.waitFor("a sparkline in each of 100 rows", `document.querySelectorAll('#bars > li').length === 100 &&
		[...document.querySelectorAll('#bars > li')].every(li => [...li.querySelectorAll('.spark .col')].some(c => Number(c.dataset.count) > 0))`)
	var rows []struct {
		Hashtag string
		Cols    int
	}
	b.eval("rows", `[...document.querySelectorAll('#bars > li')].map(li => ({hashtag: li.dataset.hashtag, cols: li.querySelectorAll('.spark .col').length}))`, &rows)
	for i, r := range rows {
		if r.Hashtag != top.Hashtags[i].Hashtag || r.Cols != rows[0].Cols || r.Cols < 28 {
			t.Errorf("row %d: %q with %d columns, want %q with as many as row 1 (%d), 7 days of 6 hours", i+1, r.Hashtag, r.Cols, top.Hashtags[i].Hashtag, rows[0].Cols)
		}
	}
	list, _ := reqs.since(start)
	histories := 0
	for _, r := range list[:min(len(list), 7)] { // the boards, the top, its history: the first refresh
		if isHistory(r.query) {
			histories++
			if r.status != http.StatusOK {
				t.Errorf("history request %s answered %d", r.query, r.status)
			}
		}
	}
	if histories != 4 {
		t.Errorf("the first refresh of Top 100 sent %d history requests, want 4 of 25 hashtags: %+v", histories, list)
	}
}

// checkNarrow opens a view of the 24h window at a phone's width: every hashtag on one line
// (cut with an ellipsis where it does not fit, its full name as a title and in the tab order),
// nothing wider than the screen, and the trending view's legend for its bars.
func checkNarrow(t *testing.T, b *chromium, base, view string, width int64) {
	t.Helper()
	at := fmt.Sprintf("%s at %d px", view, width)
	b.run(at, chromedp.EmulateViewport(width, 720, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/?window=24h&limit=25&view="+view+"&format=html"))
	b.waitFor(at+" rows", fmt.Sprintf(`document.querySelectorAll('#bars > li').length > 5 && (new URLSearchParams(location.search).get('view') || 'top') === %q && ('authors' in document.querySelector('#bars > li').dataset) === %v`,
		view, view == "trending"))
	var tags []tagLayout
	b.eval("tags", readTags, &tags)
	for _, tg := range tags {
		if tg.WhiteSpace != "nowrap" || tg.Lines > 1.3 {
			t.Errorf("%s: #%s takes %.1f lines (white-space %s): broken inside a word", at, tg.Hashtag, tg.Lines, tg.WhiteSpace)
		}
		if tg.Cut && (tg.Title != "#"+tg.Shown || tg.Tab != 0) {
			t.Errorf("%s: #%s is cut but has title %q and tabIndex %d", at, tg.Hashtag, tg.Title, tg.Tab)
		}
	}
	var page struct{ Scroll, Client int }
	b.eval("width", `({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})`, &page)
	if page.Scroll > page.Client {
		t.Errorf("%s: the page is %d px wide", at, page.Scroll)
	}
	if view == "trending" {
		var legend string
		b.eval("bar legend", `document.getElementById('bar-legend').hidden ? '' : document.getElementById('bar-legend').textContent`, &legend)
		if !strings.HasPrefix(legend, "Bars: ") {
			t.Errorf("%s: bar legend %q", at, legend)
		}
	}
}

// checkWall opens addr at 1920x1080: the wall layout, Top 25 in three columns or more of text
// of 24 px or more, without scrolling; the controls hidden in kiosk mode only.
func checkWall(t *testing.T, b *chromium, addr string, kiosk bool) {
	t.Helper()
	b.run("wall "+addr, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(addr))
	b.waitFor("25 rows with sparklines", `document.querySelectorAll('#bars > li').length === 25 && document.querySelectorAll('#bars > li .spark .col').length > 0`)
	var wall struct {
		Wall, Kiosk       bool
		ScrollH, ClientH  int
		Bottom, FontPX    float64
		Columns, Controls int
	}
	b.eval("wall layout", `(() => { const lis = [...document.querySelectorAll('#bars > li')]; return {
		wall: document.documentElement.classList.contains('wall'), kiosk: document.documentElement.classList.contains('kiosk'),
		scrollH: document.documentElement.scrollHeight, clientH: document.documentElement.clientHeight,
		bottom: Math.max(...lis.map(li => li.getBoundingClientRect().bottom)),
		fontPX: parseFloat(getComputedStyle(document.querySelector('.tag')).fontSize),
		columns: new Set(lis.map(li => Math.round(li.getBoundingClientRect().left))).size,
		controls: document.getElementById('controls').getClientRects().length}; })()`, &wall)
	if !wall.Wall || wall.Kiosk != kiosk || wall.ScrollH > wall.ClientH || wall.Bottom > 1080 || wall.FontPX < 24 || wall.Columns < 3 ||
		(wall.Controls == 0) != kiosk {
		t.Errorf("wall %s: %+v: want the wall layout, Top 25 within 1080 px, text of 24 px or more, 3 columns or more, controls only without kiosk", addr, wall)
	}
}
