package leaderboard_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/leaderboard"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// chromiumPath is the browser the test drives (CHROMIUM overrides the Debian path). Without
// it the test fails in CI (CI=true) and is skipped on a developer machine.
func chromiumPath(t *testing.T) string {
	t.Helper()
	tier.Skip(t, "Chromium")
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p
	}
	msg := fmt.Sprintf("headless Chromium not found at %s: install the Debian packages chromium and chromium-driver (or set CHROMIUM to its path)", p)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipped because CI is not set")
	return ""
}

// artifactDir is where screenshots go: $ARTIFACTS_DIR, else the test's temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("ARTIFACTS_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

var updateScreenshot = os.Getenv("UPDATE_SCREENSHOT") == "1"

// The hostile hashtag: it must be shown as text and never run.
const xssTag = `<img src=x onerror=alert(1)>`

// A long hashtag that must wrap at phone width instead of widening the page.
const longTag = "thisisaverylonghashtagthatkeepsgoingandgoingwithoutanyspaces"

// seedDashboard records a realistic board with nothing in the last hour: 24h and 7d differ,
// 1h is empty.
func seedDashboard(t *testing.T, srv redistest.Server) {
	t.Helper()
	now := time.Now()
	var posts []store.Post
	add := func(age time.Duration, counts map[string]int) {
		for tag, n := range counts {
			for range n {
				posts = append(posts, store.Post{ID: strconv.Itoa(2000 + len(posts)), CreatedAt: now.Add(-age), Hashtags: []string{tag}})
			}
		}
	}
	add(3*time.Hour, map[string]int{"aws": 30, "serverless": 24, "golang": 20, "redis": 15, "lambda": 9, "memorydb": 6})
	add(72*time.Hour, map[string]int{"aws": 12, "serverless": 11, "golang": 8, "redis": 6, "lambda": 8, "memorydb": 6,
		"devops": 9, "cloud": 7, "opensource": 4, "xray": 2})
	seedAsWriter(t, srv, posts)
}

// plantHostileTags writes hashtags the store's rules would reject straight into the all-time
// set as the admin, as a buggy or older writer could have: the page must still be safe.
func plantHostileTags(t *testing.T, srv redistest.Server) {
	t.Helper()
	ctx := testCtx(t)
	key := store.KeyPrefix(boardName) + "all"
	for tag, score := range map[string]float64{xssTag: 100, longTag: 99} {
		if err := srv.Admin().ZIncrBy(ctx, key, score, tag).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// bar is one bar of the chart as the page shows it.
type bar struct {
	Hashtag   string `json:"hashtag"`   // text of the name element
	Count     int64  `json:"count"`     // data-count
	CountText string `json:"countText"` // the number as displayed
	Width     string `json:"width"`     // width of the filled part
}

const readBars = `[...document.querySelectorAll('#bars > li')].map(li => ({
	hashtag: li.querySelector('.tag').textContent,
	count: Number(li.dataset.count),
	countText: li.querySelector('.count').firstChild.textContent,
	width: li.querySelector('.fill').style.width,
}))`

// pageWatch records what the page must never do: open a dialog, throw, or hit the CSP.
type pageWatch struct {
	mu       sync.Mutex
	dialogs  []string
	problems []string
	framing  []string // frame-ancestors refusals: a test that expects one takes it
}

func (w *pageWatch) add(list *[]string, s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*list = append(*list, s)
}

func (w *pageWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.dialogs) > 0 {
		t.Errorf("the page opened JavaScript dialogs (script injection ran): %q", w.dialogs)
	}
	if len(w.problems) > 0 {
		t.Errorf("the page reported problems: %q", w.problems)
	}
	if len(w.framing) > 0 {
		t.Errorf("a frame was refused that no test expected: %q", w.framing)
	}
}

// takeFraming returns the frame-ancestors refusals seen so far and forgets them.
func (w *pageWatch) takeFraming() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := w.framing
	w.framing = nil
	return f
}

// chromium is one headless Chromium tab, watched for dialogs, exceptions, console errors and
// CSP reports (pageWatch), with helpers that fail the test on error.
type chromium struct {
	t     *testing.T
	ctx   context.Context
	watch *pageWatch
}

// startChromium starts exe headless with a fresh profile; it is closed, and the watch
// checked, when the test ends.
func startChromium(t *testing.T, exe string) *chromium {
	t.Helper()
	userData := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userData),
		chromedp.WindowSize(1100, 900),
	)...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)

	watch := &pageWatch{}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			watch.add(&watch.dialogs, e.Message)
			// Close it from another goroutine (Listen must not run commands), so the page
			// does not hang and the test reports the dialog.
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventExceptionThrown:
			watch.add(&watch.problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			switch {
			case strings.Contains(e.Entry.Text, "frame-ancestors"):
				watch.add(&watch.framing, e.Entry.Text)
			case strings.Contains(e.Entry.Text, "Content Security Policy") || strings.Contains(e.Entry.Text, "TrustedHTML"):
				watch.add(&watch.problems, "log: "+e.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				watch.add(&watch.problems, "console.error")
			}
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { watch.check(t) })
	return &chromium{t: t, ctx: ctx, watch: watch}
}

func (c *chromium) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	sctx, cancel := context.WithTimeout(c.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

func (c *chromium) eval(what, expr string, out any) {
	c.t.Helper()
	sctx, cancel := context.WithTimeout(c.ctx, 45*time.Second)
	defer cancel()
	raw, err := chromedp.Run(sctx, chromedp.Evaluate[json.RawMessage](expr))
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		c.t.Fatalf("%s: decode %s: %v", what, raw, err)
	}
}

func (c *chromium) waitFor(what, predicate string) {
	c.t.Helper()
	c.run("wait for "+what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(40*time.Second))(ctx, tg)
		return err
	}))
}

func TestDashboardInChromium(t *testing.T) {
	requireServers(t)
	exe := chromiumPath(t)
	srv := env.Standalone
	seedDashboard(t, srv)

	// The real handler on the real store as the read-only user, served over HTTP the way a
	// Function URL invokes it. No cache, so a failure shows on the next poll.
	rdb := readerClient(t, srv)
	st, err := store.New(rdb, boardName)
	if err != nil {
		t.Fatal(err)
	}
	board := &failingBoard{next: st}
	h := newHandler(t, board, nil, leaderboard.Config{})
	web := httptest.NewServer(funcurl.Handler(h.Handle, slog.New(slog.NewJSONHandler(io.Discard, nil))))
	t.Cleanup(web.Close)

	b := startChromium(t, exe)
	ctx, watch, run, eval, waitFor := b.ctx, b.watch, b.run, b.eval, b.waitFor
	artifacts := artifactDir(t)
	// apiBars is what the JSON API says for a query, in the page's terms.
	apiBars := func(query string) apiBody {
		t.Helper()
		var b apiBody
		getAPI(t, web.URL, query, &b)
		return b
	}
	// checkBars compares the chart with the API's answer for the same window and limit.
	checkBars := func(window string) []bar {
		t.Helper()
		want := apiBars("window=" + window + "&limit=10")
		waitFor(window+" bars", fmt.Sprintf(`new URLSearchParams(location.search).get('window') === %q && document.querySelectorAll('#bars > li').length === %d && document.querySelector('#bars > li .tag').textContent === %q && !('authors' in document.querySelector('#bars > li').dataset)`,
			window, len(want.Hashtags), first(want)))
		var got []bar
		eval("read bars", readBars, &got)
		if len(got) != len(want.Hashtags) {
			t.Fatalf("%s: %d bars, API has %d", window, len(got), len(want.Hashtags))
		}
		for i, w := range want.Hashtags {
			g := got[i]
			if g.Hashtag != w.Hashtag || g.Count != w.Count || strings.ReplaceAll(g.CountText, ",", "") != strconv.FormatInt(w.Count, 10) {
				t.Errorf("%s bar %d: %+v, API has %s=%d", window, i+1, g, w.Hashtag, w.Count)
			}
		}
		// Bar lengths are proportional to the counts, the longest full width.
		for i, g := range got {
			width, err := strconv.ParseFloat(strings.TrimSuffix(g.Width, "%"), 64)
			want := float64(g.Count) / float64(got[0].Count) * 100
			if err != nil || math.Abs(width-want) > 0.01 {
				t.Errorf("%s bar %d: width %q, want %.2f%%", window, i+1, g.Width, want)
			}
		}
		return got
	}

	// 1. A browser asking for "/" gets the dashboard (its Accept header prefers HTML).
	run("open dashboard", chromedp.Navigate(web.URL+"/"))

	// The dialog watch works: a probe alert from DevTools (outside the page's CSP) is seen.
	run("probe dialog", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void](`alert('probe')`)(ctx, tg)
		return err
	}))
	watch.mu.Lock()
	probed := len(watch.dialogs) == 1 && watch.dialogs[0] == "probe"
	watch.dialogs = nil
	watch.mu.Unlock()
	if !probed {
		t.Fatal("the dialog listener did not see the probe alert: it could not detect injected script")
	}

	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Hashtag leaderboard" {
		t.Fatalf("title %q, %v", title, err)
	}
	bars := checkBars("all")
	if len(bars) != 10 || bars[0].Hashtag != "aws" || bars[0].Count != 42 {
		t.Errorf("all-time bars %+v", bars)
	}
	var state struct {
		Updated, Search, Board, Window string
		Empty                          bool
	}
	eval("page state", `({updated: document.getElementById('updated').textContent, search: location.search,
		board: document.getElementById('board-name').textContent, window: document.getElementById('window').value,
		empty: !document.getElementById('empty').hidden})`, &state)
	if state.Updated == "never" || state.Updated == "" || state.Board != boardName || state.Window != "all" || state.Empty {
		t.Errorf("page state %+v", state)
	}
	if state.Search != "?window=all&limit=10&format=html" {
		t.Errorf("address %q does not remember the selection", state.Search)
	}
	var selectorHidden bool
	eval("board selector", `document.getElementById('board-choice').hidden`, &selectorHidden)
	if !selectorHidden {
		t.Error("the board selector is shown for a deployment of one board")
	}
	shot(t, ctx, artifacts, "dashboard-seeded.png", false) // docs/ gets the sample's (TestDashboardHistoryInChromium)

	// 2. Switch the window: the page shows the other data and remembers it in the address.
	selectWindow := func(w string) {
		run("select "+w, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.getElementById('window'); s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, w))(ctx, tg)
			return err
		}))
	}
	selectWindow("24h")
	day := checkBars("24h")
	if len(day) != 6 || day[0].Hashtag != "aws" || day[0].Count != 30 {
		t.Errorf("24h bars %+v", day)
	}

	// 3. A reload keeps the window.
	run("reload", chromedp.Reload())
	checkBars("24h")
	var selected string
	eval("selected window", `document.getElementById('window').value`, &selected)
	if selected != "24h" {
		t.Errorf("after reload the window is %q, want 24h", selected)
	}

	// 4. Empty state: nothing in the last hour.
	selectWindow("1h")
	waitFor("empty state", `!document.getElementById('empty').hidden && new URLSearchParams(location.search).get('window') === '1h'`)
	var empty struct {
		Text string
		Bars int
	}
	eval("empty state", `({text: document.getElementById('empty').textContent, bars: document.querySelectorAll('#bars > li').length})`, &empty)
	if empty.Text != "No hashtags yet in this window." || empty.Bars != 0 {
		t.Errorf("empty state %+v", empty)
	}

	// 5. Error state: Redis fails; the page keeps the last data and says it is retrying, then
	// recovers by itself.
	selectWindow("24h")
	checkBars("24h")
	board.broken.Store(true)
	waitFor("error state", `!document.getElementById('error').hidden`)
	var failed struct {
		Text string
		Bars int
	}
	eval("error state", `({text: document.getElementById('error').textContent, bars: document.querySelectorAll('#bars > li').length})`, &failed)
	if !strings.HasPrefix(failed.Text, "Update failed, retrying") || failed.Bars != len(day) {
		t.Errorf("error state %+v, want the message and the %d last bars", failed, len(day))
	}
	shot(t, ctx, artifacts, "dashboard-error.png", false)
	board.broken.Store(false)
	waitFor("recovery", `document.getElementById('error').hidden`)
	checkBars("24h")

	// 6. The Trending view: kept in the address, only 1h and 24h offered, each row saying "N
	// authors, usually M" in the API's order. (The seed's posts have no author: each counts as
	// an author of its own, so the 24h view lists the tags of 3 hours ago above their baseline
	// from 3 days ago.)
	selectView := func(v string) {
		run("view "+v, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.getElementById('view'); s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, v))(ctx, tg)
			return err
		}))
	}
	checkTrending := func(window string) {
		t.Helper()
		want := apiBars("view=trending&window=" + window + "&limit=10")
		if len(want.Hashtags) == 0 {
			t.Fatalf("the %s trending view is empty: the test would prove nothing", window)
		}
		waitFor("trending "+window, fmt.Sprintf(`new URLSearchParams(location.search).get('view') === 'trending' && new URLSearchParams(location.search).get('window') === %q && document.querySelectorAll('#bars > li').length === %d && document.querySelector('#bars > li .tag').textContent === %q && 'authors' in document.querySelector('#bars > li').dataset`,
			window, len(want.Hashtags), first(want)))
		var got []struct{ Hashtag, Text string }
		eval("read trending rows", `[...document.querySelectorAll('#bars > li')].map(li => ({hashtag: li.querySelector('.tag').textContent, text: li.querySelector('.count').firstChild.textContent}))`, &got)
		for i, w := range want.trends(t) {
			text := fmt.Sprintf("%d authors, usually %s", w.Authors, strconv.FormatFloat(math.Round(w.Baseline*10)/10, 'f', -1, 64))
			if got[i].Hashtag != w.Hashtag || got[i].Text != text {
				t.Errorf("trending %s row %d: %+v, want %s with %q", window, i+1, got[i], w.Hashtag, text)
			}
		}
	}
	selectView("trending")
	checkTrending("24h")
	var view struct {
		Disabled []string
		Heading  string
	}
	eval("trending controls", `({disabled: [...document.getElementById('window').options].filter(o => o.disabled).map(o => o.value), heading: document.getElementById('heading').textContent})`, &view)
	if strings.Join(view.Disabled, ",") != "7d,all" || view.Heading != "Trending hashtags" {
		t.Errorf("trending controls %+v, want 7d and all disabled and the heading Trending hashtags", view)
	}
	shot(t, ctx, artifacts, "dashboard-trending.png", false)
	run("reload trending", chromedp.Reload())
	checkTrending("24h")
	selectWindow("1h")
	waitFor("nothing trending", `!document.getElementById('empty').hidden && new URLSearchParams(location.search).get('window') === '1h'`)
	eval("trending empty state", `document.getElementById('empty').textContent`, &empty.Text)
	if empty.Text != "Nothing is trending in this window." {
		t.Errorf("trending empty state %q", empty.Text)
	}
	// Switching to Trending from a window it has not (7d) moves to 1h.
	selectView("top")
	selectWindow("7d")
	checkBars("7d")
	selectView("trending")
	waitFor("trending 1h instead of 7d", `new URLSearchParams(location.search).get('view') === 'trending' && new URLSearchParams(location.search).get('window') === '1h' && document.getElementById('window').value === '1h'`)
	selectView("top")
	selectWindow("24h")
	checkBars("24h")

	// 7. Hostile hashtags: shown as text, no element created from them, no script run.
	plantHostileTags(t, srv)
	run("open all-time", chromedp.Navigate(web.URL+"/?window=all&format=html"))
	bars = checkBars("all")
	if bars[0].Hashtag != xssTag || bars[1].Hashtag != longTag {
		t.Errorf("hostile tags not shown as text first: %+v", bars[:2])
	}
	var imgs int
	eval("count img elements", `document.querySelectorAll('img').length`, &imgs)
	if imgs != 0 {
		t.Errorf("%d <img> elements on the page: a hashtag was parsed as HTML", imgs)
	}

	// 8. Phone width: no horizontal overflow, even with the long hashtag.
	run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload())
	checkBars("all")
	var layout struct{ ScrollWidth, ClientWidth int }
	eval("layout", `({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth})`, &layout)
	if layout.ClientWidth != 390 || layout.ScrollWidth > layout.ClientWidth {
		t.Errorf("at phone width the page is %dpx wide in a %dpx viewport", layout.ScrollWidth, layout.ClientWidth)
	}
	shot(t, ctx, artifacts, "dashboard-phone.png", false)

	// 8. Several boards: the selector lists them, switching shows the other board's counts and
	// sparklines (its history) and is kept in the address, and a reload, a shared address or
	// the widget opens the same board.
	writer := srv.Connect(writerUser, writerPass)
	t.Cleanup(func() { _ = writer.Close() })
	seedBoard(t, writer, otherBoard, 4)
	multi := httptest.NewServer(funcurl.Handler(boardsHandler(t, rdb, boardName, otherBoard).Handle, slog.New(slog.NewJSONHandler(io.Discard, nil))))
	t.Cleanup(multi.Close)
	run("desktop viewport", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(multi.URL+"/"))
	waitFor("board selector", `!document.getElementById('board-choice').hidden && document.querySelectorAll('#bars > li').length > 0`)
	var boards struct {
		Options []string
		Value   string
		Search  string
		Board   string
	}
	readBoards := `({options: [...document.querySelectorAll('#board option')].map(o => o.value), value: document.getElementById('board').value,
		search: location.search, board: document.getElementById('board-name').textContent})`
	eval("boards", readBoards, &boards)
	if strings.Join(boards.Options, ",") != boardName+","+otherBoard || boards.Value != boardName || boards.Board != boardName ||
		boards.Search != "?board="+boardName+"&window=all&limit=10&format=html" {
		t.Errorf("with two boards: %+v", boards)
	}
	selectBoard := fmt.Sprintf(`(() => { const s = document.getElementById('board'); s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, otherBoard)
	run("select "+otherBoard, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](selectBoard)(ctx, tg)
		return err
	}))
	onOther := fmt.Sprintf(`new URLSearchParams(location.search).get('board') === %q && document.getElementById('board-name').textContent === %q && document.querySelector('#bars > li .tag').textContent === 'golang_all'`, otherBoard, otherBoard)
	waitFor(otherBoard+" bars", onOther)
	var got []bar
	eval("read bars", readBars, &got)
	if len(got) != 2 || got[0].Hashtag != "golang_all" || got[0].Count != 4 || got[1].Hashtag != "golang_even" || got[1].Count != 2 {
		t.Errorf("%s bars %+v, want golang_all 4 and golang_even 2", otherBoard, got)
	}
	// The sparklines are the board's history: its hashtags are on no other board, and every
	// post of the seed is within the last 7 days (what all-time rows show).
	sparksOf := `[...document.querySelectorAll('#bars > li')].map(li => [...li.querySelectorAll('.spark .col')].reduce((n, c) => n + Number(c.dataset.count), 0)).join(',')`
	waitFor(otherBoard+" sparklines", sparksOf+` === '4,2'`)
	run("reload", chromedp.Reload())
	waitFor(otherBoard+" after the reload", onOther+` && document.getElementById('board').value === `+strconv.Quote(otherBoard))
	run("open a shared address", chromedp.Navigate(multi.URL+"/?board="+otherBoard+"&window=24h&format=html"))
	waitFor("the shared address's board and window", onOther+` && document.getElementById('window').value === '24h'`)
	shot(t, ctx, artifacts, "dashboard-boards.png", false)
	run("open the board's widget", chromedp.Navigate(multi.URL+"/?board="+otherBoard+"&window=24h&embed=1&format=html"))
	waitFor("the widget's board", onOther+` && document.getElementById('board-choice').hidden && `+sparksOf+` === '4,2'`)
}

// getAPI asks the JSON API at base for query and decodes its 200 answer into out.
func getAPI(t *testing.T, base, query string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("API %s: %d %v", query, resp.StatusCode, err)
	}
}

func first(b apiBody) string {
	if len(b.Hashtags) == 0 {
		return ""
	}
	return cmp.Or(b.Hashtags[0].Spelling, b.Hashtags[0].Hashtag) // as the page shows it
}

// shot saves a PNG screenshot of the page as a test artifact, and as docs/<name> too when
// toDocs is set (UPDATE_SCREENSHOT=1).
func shot(t *testing.T, ctx context.Context, dir, name string, toDocs bool) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if toDocs {
		docs := filepath.Join("..", "..", "docs")
		if err := os.MkdirAll(docs, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(docs, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", filepath.Join(docs, name))
	}
}
