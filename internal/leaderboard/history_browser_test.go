package leaderboard_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// seedSample records the bundled sample (package sample) as make run serves it: moved so that
// its older posts spread over the last seven days, those created by now, possibly-sensitive
// posts skipped, each post's hashtags as X's rules find them in its text.
func seedSample(t *testing.T, srv redistest.Server) {
	t.Helper()
	ctx := testCtx(t)
	if err := srv.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	posts := samplePosts(t, now)
	w := writerStore(t, srv)
	var batch []store.Post
	flush := func() {
		if _, err := w.Record(ctx, batch); err != nil {
			t.Fatalf("seed the sample: %v", err)
		}
		batch = batch[:0]
	}
	for _, p := range posts {
		if p.CreatedAt.After(now) || p.PossiblySensitive {
			continue
		}
		text := p.Text
		if p.NoteText != "" {
			text = p.NoteText
		}
		batch = append(batch, store.Post{ID: p.ID, CreatedAt: p.CreatedAt, Hashtags: hashtag.Extract(text)})
		if len(batch) == store.MaxBatch {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	if err := w.Upkeep(ctx); err != nil {
		t.Fatalf("seed the sample: upkeep: %v", err)
	}
}

// mostUsedSpellings returns, for each of tags, the spelling most of the posts seedSample
// records write it in; it fails the test where that is the tag itself (the dashboard's
// spelling would then prove nothing).
func mostUsedSpellings(t *testing.T, tags ...string) map[string]string {
	t.Helper()
	now := time.Now()
	posts := samplePosts(t, now)
	n := map[string]map[string]int{}
	for _, tag := range tags {
		n[tag] = map[string]int{}
	}
	for _, p := range posts {
		if p.CreatedAt.After(now) || p.PossiblySensitive {
			continue
		}
		text := cmp.Or(p.NoteText, p.Text)
		kept, _ := hashtag.CanonicalSpelled(hashtag.Extract(text))
		for _, k := range kept {
			if n[k.Tag] != nil {
				n[k.Tag][k.Spelling]++
			}
		}
	}
	out := map[string]string{}
	for tag, by := range n {
		best := ""
		for sp, c := range by {
			if best == "" || c > by[best] {
				best = sp
			}
		}
		if best == "" || best == tag {
			t.Fatalf("the sample writes %s mostly as %q (%v): the spelling check would prove nothing", tag, best, by)
		}
		out[tag] = best
	}
	return out
}

// requestLog records the requests a test server answered: query and status.
type requestLog struct {
	mu   sync.Mutex
	list []loggedRequest
}

type loggedRequest struct {
	query       string
	status      int
	conditional bool // sent with If-None-Match
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.list = append(l.list, loggedRequest{query: r.URL.RawQuery, status: sw.status, conditional: r.Header.Get("If-None-Match") != ""})
	})
}

// since returns the requests after the first n, and how many there are in all.
func (l *requestLog) since(n int) ([]loggedRequest, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list[min(n, len(l.list)):]), len(l.list)
}

func isHistory(q string) bool { v, _ := url.ParseQuery(q); return v.Get("view") == "history" }

// sparkRow is one row of the page with its sparkline's columns.
type sparkRow struct {
	Hashtag string  `json:"hashtag"`
	Move    string  `json:"move"`
	MoveSR  string  `json:"moveSR"` // the marker's text: arrow and places, then what a screen reader hears
	Height  float64 `json:"height"`
	Cols    []struct {
		Count  int64   `json:"count"`
		Height string  `json:"height"`
		PX     float64 `json:"px"`
	} `json:"cols"`
}

const readSparks = `[...document.querySelectorAll('#bars > li')].map(li => ({
	hashtag: li.dataset.hashtag,
	move: li.dataset.move || '',
	moveSR: (li.querySelector('.move') || {textContent: ''}).textContent,
	height: li.querySelector('.spark').clientHeight,
	cols: [...li.querySelectorAll('.spark .col')].map(c => ({count: Number(c.dataset.count), height: c.style.height, px: c.getBoundingClientRect().height})),
}))`

// TestDashboardHistoryInChromium drives the dashboard on the bundled sample, through the real
// handler on the real store as the read-only user: the sparklines are the history API's
// points; a refresh is at most two requests, revalidated to 304 while nothing changes; new
// and moving hashtags are marked; dark mode, 320 px and the widget work, and the widget is
// framed by a listed origin only; hostile hashtags stay text everywhere. It writes the README
// screenshots (light, dark, phone, embed) with UPDATE_SCREENSHOT=1.
func TestDashboardHistoryInChromium(t *testing.T) {
	requireServers(t)
	exe := chromiumPath(t)
	srv := env.Standalone
	seedSample(t, srv)

	// Two pages that frame the widget: one on a listed origin, one on another.
	var widgetURL string
	hostPage := func(title string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s</title><style>
body{margin:0;padding:16px;font-family:Georgia,serif;background:linear-gradient(135deg,#fdebd0,#d6eaf8);color:#2c3e50}
h2{margin:0 0 8px}iframe{border:0;width:400px;height:640px}</style></head><body><h2>%s</h2><p>What our community posts about, live:</p>
<iframe src="%s" title="Top hashtags"></iframe></body></html>`, title, title, widgetURL)
		})
	}
	listed := httptest.NewServer(hostPage("A blog that may embed the widget"))
	t.Cleanup(listed.Close)
	other := httptest.NewServer(hostPage("A page that may not"))
	t.Cleanup(other.Close)

	rdb := readerClient(t, srv)
	st, err := store.New(rdb, boardName)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, st, nil, leaderboard.Config{EmbedOrigins: []string{listed.URL}})
	reqs := &requestLog{}
	web := httptest.NewServer(reqs.wrap(funcurl.Handler(h.Handle, slog.New(slog.NewJSONHandler(io.Discard, nil)))))
	t.Cleanup(web.Close)
	widgetURL = web.URL + "/?window=24h&embed=1&format=html"

	b := startChromium(t, exe)
	artifacts := artifactDir(t)
	apiGet := func(query string, out any) {
		t.Helper()
		getAPI(t, web.URL, query, out)
	}
	// lastHistory is the last history request the page sent after request from, and its
	// answer asked again ("" when there is none yet).
	lastHistory := func(from int) askedHistory {
		t.Helper()
		list, _ := reqs.since(from)
		for i := len(list) - 1; i >= 0; i-- {
			if isHistory(list[i].query) {
				a := askedHistory{query: list[i].query}
				apiGet(list[i].query, &a.answer)
				return a
			}
		}
		return askedHistory{}
	}
	// checkSparks compares every row's sparkline with the history API's points for the
	// hashtags the page last asked for (after request from), once the page shows them, and
	// returns the rows.
	checkSparks := func(from int, window string, limit int) []sparkRow {
		t.Helper()
		var top apiBody
		apiGet("window="+window+"&limit="+strconv.Itoa(limit), &top)
		b.waitFor("rows with sparklines", fmt.Sprintf(`document.querySelectorAll('#bars > li').length === %d && document.querySelector('#bars > li .tag').textContent === %q && document.querySelectorAll('#bars > li .spark .col').length > 0`,
			len(top.Hashtags), first(top)))
		deadline := time.Now().Add(20 * time.Second)
		for {
			rows, probs := compareSparks(t, b, top, lastHistory(from))
			if len(probs) == 0 {
				return rows
			}
			if time.Now().After(deadline) {
				for _, p := range probs[:min(len(probs), 8)] {
					t.Error(p)
				}
				if len(probs) > 8 {
					t.Errorf("and %d more differences", len(probs)-8)
				}
				return rows
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	// 1. Light, desktop: the 24h top with a sparkline per row, the history API's points.
	b.run("open the 24h dashboard", chromedp.Navigate(web.URL+"/?window=24h&format=html"))
	checkSparks(0, "24h", 10)
	var legend string
	b.eval("legend", `document.getElementById('legend').textContent`, &legend)
	if legend != "Columns: posts per hour, last 24 hours" {
		t.Errorf("legend %q", legend)
	}

	// The controls: each labelled and reachable with Tab; the keyboard changes the window, the
	// address keeps it and the sparklines follow it.
	var controls []struct {
		ID, Label string
		Tab       int
	}
	b.eval("controls", `[...document.querySelectorAll('#controls select, #controls input, #controls button')].map(c => ({
		id: c.id, label: c.labels && c.labels.length ? c.labels[0].textContent.trim() : (c.getAttribute('aria-label') || ''), tab: c.tabIndex}))`, &controls)
	if len(controls) < 2 {
		t.Errorf("controls %+v, want the window and limit selectors at least", controls)
	}
	for _, c := range controls {
		if c.Label == "" || c.Tab < 0 {
			t.Errorf("control %q: label %q, tabIndex %d: want a label and a place in the tab order", c.ID, c.Label, c.Tab)
		}
	}
	_, start := reqs.since(0)
	// (one board: no board selector; the view selector comes first, then the window)
	b.run("tab past the view to the window and pick the next one", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown))
	b.waitFor("7d by keyboard", `document.activeElement.id === 'window' && new URLSearchParams(location.search).get('window') === '7d' && document.getElementById('legend').textContent === 'Columns: posts per 6 hours, last 7 days'`)
	checkSparks(start, "7d", 10)
	b.run("and back", chromedp.KeyEvent(kb.ArrowUp))
	b.waitFor("24h by keyboard", `new URLSearchParams(location.search).get('window') === '24h'`)
	checkSparks(start, "24h", 10)

	// 2. Refreshes: at most two requests each (the top, then one history request), and while
	// nothing changes both are revalidated to 304.
	_, start = reqs.since(0)
	time.Sleep(11 * time.Second) // two refreshes (every 5 s)
	list, _ := reqs.since(start)
	var tops, histories, notModified int
	for i, r := range list {
		if isHistory(r.query) {
			histories++
			if i == 0 || isHistory(list[i-1].query) {
				t.Errorf("request %d (%s) is a second history request in one refresh", i, r.query)
			}
		} else {
			tops++
		}
		if !r.conditional {
			t.Errorf("request %s was not revalidated (no If-None-Match)", r.query)
		}
		if r.status == http.StatusNotModified {
			notModified++
		}
	}
	if tops < 2 || histories != tops || notModified < len(list)-1 {
		t.Errorf("in 11 s: %d top and %d history requests, %d of them 304: want 2 or more refreshes of both, 304 while nothing changed (%+v)", tops, histories, notModified, list)
	}

	// 3. The data moves: a new hashtag enters at the top and one climbs. Their rows say so,
	// and so do the rows they pushed down, until the data changes again.
	var before apiBody
	apiGet("window=24h&limit=10", &before)
	climber := before.Hashtags[7]
	var posts []store.Post
	for i := range int(before.Hashtags[0].Count) + 5 {
		posts = append(posts, store.Post{ID: strconv.Itoa(9_000_000 + i), CreatedAt: time.Now().Add(-time.Minute), Hashtags: []string{"brandnew"}})
	}
	for i := range int(before.Hashtags[2].Count-climber.Count) + 1 {
		posts = append(posts, store.Post{ID: strconv.Itoa(9_100_000 + i), CreatedAt: time.Now().Add(-time.Minute), Hashtags: []string{climber.Hashtag}})
	}
	w := writerStore(t, srv)
	if _, err := w.Record(testCtx(t), posts); err != nil {
		t.Fatal(err)
	}
	if err := w.Upkeep(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	_, start = reqs.since(0)
	b.waitFor("the new hashtag", `document.querySelector('#bars > li[data-hashtag="brandnew"][data-move="new"]') !== null`)
	var after apiBody
	apiGet("window=24h&limit=10", &after)
	rows := checkSparks(start, "24h", 10)
	rank := map[string]int{}
	for _, e := range before.Hashtags {
		rank[e.Hashtag] = e.Rank
	}
	moves := map[string]int{}
	for i, r := range rows {
		want, sr := "", ""
		switch old, ok := rank[r.Hashtag]; {
		case !ok:
			want, sr = "new", "new"
		case old > i+1:
			want, sr = "up", fmt.Sprintf("▲%d up %d place", old-i-1, old-i-1)
		case old < i+1:
			want, sr = "down", fmt.Sprintf("▼%d down %d place", i+1-old, i+1-old)
		}
		if r.Move != want || !strings.HasPrefix(r.MoveSR, sr) {
			t.Errorf("row %d %q: marker %q %q, want %q %q", i+1, r.Hashtag, r.Move, r.MoveSR, want, sr)
		}
		moves[r.Move]++
	}
	if moves["new"] != 1 || moves["up"] == 0 || moves["down"] == 0 {
		t.Errorf("markers %v, want one new, some up and some down", moves)
	}
	shot(t, b.ctx, artifacts, "dashboard.png", updateScreenshot)

	// 4. Dark mode, as the reader's system asks: dark background, light text, same data.
	b.run("prefer dark", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
		return err
	}))
	var colors struct{ Bg, Fg string }
	b.eval("colors", `({bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color})`, &colors)
	if luminance(t, colors.Bg) > 0.1 || luminance(t, colors.Fg) < 0.7 {
		t.Errorf("dark mode: background %s, text %s", colors.Bg, colors.Fg)
	}
	shot(t, b.ctx, artifacts, "dashboard-dark.png", updateScreenshot)
	b.run("prefer light", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}})
		return err
	}))
	b.eval("colors", `({bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color})`, &colors)
	if luminance(t, colors.Bg) < 0.8 || luminance(t, colors.Fg) > 0.1 {
		t.Errorf("light mode: background %s, text %s", colors.Bg, colors.Fg)
	}

	// 5. 320 px wide: nothing wider than the screen, text at a readable size, a sparkline in
	// every row.
	b.run("320 px", chromedp.EmulateViewport(320, 720, chromedp.EmulateMobile))
	checkPhone := func(what string) {
		t.Helper()
		var layout struct {
			ScrollWidth, ClientWidth int
			TagPX, CountPX           float64
			SparkWidths              []float64
		}
		b.eval("layout", `({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
			tagPX: parseFloat(getComputedStyle(document.querySelector('.tag')).fontSize),
			countPX: parseFloat(getComputedStyle(document.querySelector('.count')).fontSize),
			sparkWidths: [...document.querySelectorAll('.spark')].map(s => s.getBoundingClientRect().width)})`, &layout)
		if layout.ClientWidth != 320 || layout.ScrollWidth > layout.ClientWidth || layout.TagPX < 14 || layout.CountPX < 14 {
			t.Errorf("%s at 320 px: %+v", what, layout)
		}
		for i, w := range layout.SparkWidths {
			if w < 60 {
				t.Errorf("%s at 320 px: row %d's sparkline is %.0f px wide", what, i+1, w)
			}
		}
	}
	checkPhone("the dashboard")
	shot(t, b.ctx, artifacts, "dashboard-phone.png", updateScreenshot)
	b.run("desktop", chromedp.EmulateViewport(1100, 900))

	// 6. The widget, opened on its own: no header or controls, transparent, the same rows
	// and sparklines; at 320 px too.
	_, start = reqs.since(0)
	b.run("open the widget", chromedp.Navigate(widgetURL))
	checkSparks(start, "24h", 10)
	var widget struct {
		HTMLBg, BodyBg, Header, Controls string
	}
	b.eval("widget", `({htmlBg: getComputedStyle(document.documentElement).backgroundColor, bodyBg: getComputedStyle(document.body).backgroundColor,
		header: getComputedStyle(document.querySelector('header')).display, controls: getComputedStyle(document.getElementById('controls')).display})`, &widget)
	if widget.HTMLBg != "rgba(0, 0, 0, 0)" || widget.BodyBg != "rgba(0, 0, 0, 0)" || widget.Header != "none" || widget.Controls != "none" {
		t.Errorf("widget %+v: want transparent, without header and controls", widget)
	}
	b.run("320 px", chromedp.EmulateViewport(320, 720, chromedp.EmulateMobile))
	checkPhone("the widget")
	b.run("desktop", chromedp.EmulateViewport(1100, 900))

	// 7. Framed by the listed origin, the widget runs (it polls the API); framed by another
	// origin, the browser refuses it (frame-ancestors) and it never runs.
	_, start = reqs.since(0)
	b.run("open the listed host page", chromedp.EmulateViewport(432, 780), chromedp.Navigate(listed.URL))
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, _ := reqs.since(start)
		if slices.ContainsFunc(list, func(r loggedRequest) bool { return isHistory(r.query) }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the framed widget sent no history request: %+v", list)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // let the sparklines draw
	shot(t, b.ctx, artifacts, "dashboard-embed.png", updateScreenshot)
	if f := b.watch.takeFraming(); len(f) != 0 {
		t.Errorf("the listed origin was refused: %q", f)
	}
	_, start = reqs.since(0)
	b.run("open the other host page", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(other.URL))
	deadline = time.Now().Add(30 * time.Second)
	var refused []string
	for len(refused) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		refused = b.watch.takeFraming()
	}
	if len(refused) != 1 || !strings.Contains(refused[0], "frame-ancestors "+listed.URL) || !strings.Contains(refused[0], web.URL) {
		t.Errorf("framed by %s: refusals %q, want one naming the listed origin", other.URL, refused)
	}
	time.Sleep(6 * time.Second) // a refresh would have come by now
	if list, _ := reqs.since(start); len(list) != 1 || !strings.Contains(list[0].query, "embed=1") {
		t.Errorf("framed by an unlisted origin, the server saw %+v: want only the widget's page, refused by the browser", list)
	}

	// 8. Hostile hashtags that a faulty writer planted (the store's rules reject them) stay
	// inert text in every view; the history request skips them and still succeeds.
	const bidiTag = "\u202egnp.exe"
	longHostile := strings.Repeat("verylong", 30) // 240 characters: no hashtag
	for _, key := range []string{"all", "w:24h"} {
		for tag, score := range map[string]float64{xssTag: 3e6, bidiTag: 2.9e6, longHostile: 2.8e6, "bigcount": 1234567} {
			if err := srv.Admin().ZIncrBy(testCtx(t), store.KeyPrefix(boardName)+key, score, tag).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.run("German locale", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "de_DE"})
		return err
	}))
	for _, view := range []struct{ name, url string }{
		{"24h", web.URL + "/?window=24h&format=html"},
		{"all time", web.URL + "/?window=all&limit=25&format=html"},
		{"widget", widgetURL},
	} {
		_, start = reqs.since(0)
		b.run("open "+view.name, chromedp.Navigate(view.url))
		b.waitFor(view.name+" hostile rows", `document.querySelectorAll('#bars > li').length > 4 && document.querySelectorAll('#bars > li .spark .col').length > 0`)
		var got struct {
			Tags    []string
			Imgs    int
			Bidi    string
			BigText string
		}
		b.eval("hostile rows", `({tags: [...document.querySelectorAll('#bars > li .tag')].map(e => e.textContent), imgs: document.querySelectorAll('img').length,
			bidi: getComputedStyle(document.querySelector('#bars > li:nth-child(2) .tag')).unicodeBidi,
			bigText: document.querySelector('#bars > li[data-hashtag="bigcount"] .count').firstChild.textContent})`, &got)
		if len(got.Tags) < 4 || got.Tags[0] != xssTag || got.Tags[1] != bidiTag || got.Tags[2] != longHostile || got.Tags[3] != "bigcount" {
			t.Errorf("%s: rows %q, want the planted hashtags first, as text", view.name, got.Tags[:min(4, len(got.Tags))])
		}
		if got.Imgs != 0 || got.Bidi != "isolate" {
			t.Errorf("%s: %d <img> elements, bidi %q: want none, isolated", view.name, got.Imgs, got.Bidi)
		}
		if got.BigText != "1.234.567" {
			t.Errorf("%s: 1234567 in German reads %q, want 1.234.567", view.name, got.BigText)
		}
		list, _ := reqs.since(start)
		for _, r := range list {
			if r.status >= 400 {
				t.Errorf("%s: %s answered %d", view.name, r.query, r.status)
			}
			if isHistory(r.query) && (strings.Contains(r.query, "img") || strings.Contains(r.query, "verylong") || strings.Contains(r.query, "%E2%80%AE")) {
				t.Errorf("%s: the page asked the history of a hostile hashtag: %s", view.name, r.query)
			}
		}
	}
	b.run("320 px", chromedp.EmulateViewport(320, 720, chromedp.EmulateMobile))
	checkPhone("hostile hashtags")
}

// askedHistory is a history request the page sent, and the API's answer to it.
type askedHistory struct {
	query  string
	answer historyBody
}

// compareSparks reads the page's rows and compares them with top and with the history the
// page asked for: the rows are top's; the page asked the history of the rows shown, up to 25,
// in order; each asked row's columns are the points' counts, as heights against the row's
// busiest bucket; the other rows (not in the store's canonical form: planted) have none.
func compareSparks(t *testing.T, b *chromium, top apiBody, asked askedHistory) ([]sparkRow, []string) {
	t.Helper()
	if asked.query == "" {
		return nil, []string{"the page sent no history request"}
	}
	var rows []sparkRow
	b.eval("read sparklines", readSparks, &rows)
	var probs []string
	series := map[string]int{}
	for i, s := range asked.answer.Series {
		series[s.Hashtag] = i
	}
	var shown []string
	for i, r := range rows {
		if i >= len(top.Hashtags) || r.Hashtag != top.Hashtags[i].Hashtag {
			return rows, []string{fmt.Sprintf("row %d is %q, not the API's", i+1, r.Hashtag)}
		}
		if n, err := hashtag.Normalize(r.Hashtag); err == nil && n == r.Hashtag {
			shown = append(shown, r.Hashtag) // a hashtag as the store keeps it: the page asks for it
		}
		si, ok := series[r.Hashtag]
		if !ok {
			if len(r.Cols) != 0 {
				probs = append(probs, fmt.Sprintf("row %q has a sparkline but was not asked for", r.Hashtag))
			}
			continue
		}
		points := asked.answer.Series[si].Points
		if len(r.Cols) != len(points) {
			probs = append(probs, fmt.Sprintf("row %q: %d columns, the API has %d points", r.Hashtag, len(r.Cols), len(points)))
			continue
		}
		var busiest int64
		for _, p := range points {
			busiest = max(busiest, p.Count)
		}
		for j, c := range r.Cols {
			want := 0.0
			if busiest > 0 {
				want = float64(points[j].Count) / float64(busiest) * 100
			}
			height, err := strconv.ParseFloat(strings.TrimSuffix(c.Height, "%"), 64)
			if c.Count != points[j].Count || err != nil || math.Abs(height-want) > 0.01 || math.Abs(c.PX-want/100*r.Height) > 1 {
				probs = append(probs, fmt.Sprintf("row %q column %d: count %d height %s (%.1fpx of %.0f), the API has %d: want %.2f%%",
					r.Hashtag, j, c.Count, c.Height, c.PX, r.Height, points[j].Count, want))
			}
		}
	}
	v, _ := url.ParseQuery(asked.query)
	if want := strings.Join(shown[:min(len(shown), leaderboard.MaxHistoryHashtags)], ","); v.Get("hashtags") != want {
		probs = append(probs, fmt.Sprintf("the page asked the history of %q, want the rows shown %q", v.Get("hashtags"), want))
	}
	return rows, probs
}

// luminance is the relative luminance (0 black - 1 white) of a CSS rgb() color.
func luminance(t *testing.T, css string) float64 {
	t.Helper()
	var r, g, bl float64
	if _, err := fmt.Sscanf(css, "rgb(%f, %f, %f)", &r, &g, &bl); err != nil {
		t.Fatalf("color %q: %v", css, err)
	}
	lin := func(c float64) float64 {
		c /= 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(bl)
}

// samplePosts is the bundled sample moved to now, as make run serves it.
func samplePosts(t *testing.T, now time.Time) []xapitest.Tweet {
	t.Helper()
	raw, err := sample.Posts()
	if err != nil {
		t.Fatal(err)
	}
	posts, err := sample.Shift(raw, now)
	if err != nil {
		t.Fatal(err)
	}
	return posts
}
