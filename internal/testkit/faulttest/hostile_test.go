package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/funcurl"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// entityPost is a post whose hashtag entities carry the given strings verbatim: X parses
// entities itself, so a client must treat their text as untrusted.
func entityPost(at time.Time, text string, tags ...string) xapitest.Tweet {
	ents := &xapitest.Entities{}
	for i, tag := range tags {
		ents.Hashtags = append(ents.Hashtags, xapitest.Tag{Start: i, End: i + 1, Tag: tag})
	}
	return xapitest.Tweet{CreatedAt: at, Text: text, Entities: ents}
}

// servedBoard serves the leaderboard handler over HTTP exactly as the Function URL does and
// returns the base URL.
func servedBoard(t *testing.T, s *store.Store, name string) string {
	t.Helper()
	h := newLeaderboard(t, s, name, config.DefaultCacheTTL)
	srv := httptest.NewServer(funcurl.Handler(h.Handle, quiet))
	t.Cleanup(srv.Close)
	return srv.URL
}

// checkInertJSON checks a leaderboard answer: 200, JSON content type with nosniff and a CSP
// that allows nothing, a body of valid UTF-8 and valid JSON in which no character can start
// markup or reorder the text around it, and returns it decoded.
func checkInertJSON(t *testing.T, url string) boardJSON {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q, want default-src 'none'", csp)
	}
	if !utf8.Valid(body) {
		t.Fatalf("body is not valid UTF-8: %q", body)
	}
	if !json.Valid(body) {
		t.Fatalf("body is not JSON: %s", body)
	}
	for i, r := range string(body) {
		if strings.ContainsRune("<>&'`", r) || r == '\u2028' || r == '\u2029' || isBidiControl(r) ||
			(unicode.IsControl(r) && r != '\n') {
			t.Fatalf("body has %U at byte %d, raw: %q", r, i, body)
		}
	}
	var b boardJSON
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func isBidiControl(r rune) bool {
	return r == '\u061c' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

func TestHostileHashtags(t *testing.T) {
	type tagCase struct {
		tag    string
		stored string // canonical form, "" when the hashtag rules reject it
		reason error  // why it is rejected; with stored "" too: whatever the rules decide
	}
	cases := []tagCase{
		{`<img src=x onerror=alert(1)>`, "", hashtag.ErrInvalidChar},
		{`<script>alert(1)</script>`, "", hashtag.ErrInvalidChar},
		{`"><svg/onload=alert(1)>`, "", hashtag.ErrInvalidChar},
		{`javascript:alert(document.cookie)`, "", hashtag.ErrInvalidChar},
		{`'+alert(1)+'`, "", hashtag.ErrInvalidChar},
		{`{{constructor.constructor('alert(1)')()}}`, "", hashtag.ErrInvalidChar},
		{`${jndi:ldap://x/a}`, "", hashtag.ErrInvalidChar},
		{"&lt;b&gt;", "", hashtag.ErrInvalidChar},
		{"{hostile}:all", "", hashtag.ErrInvalidChar}, // a key of another leaderboard
		{"redis.call('FLUSHALL')", "", hashtag.ErrInvalidChar},
		{"\u202egnp.exe", "", hashtag.ErrBidi},
		{"admin\u202ecod", "", hashtag.ErrBidi},
		{"a\u2066b\u2069", "", hashtag.ErrBidi},
		{"rtl\u200fmark", "", hashtag.ErrBidi},
		{"\u061carabic", "", hashtag.ErrBidi},
		{"zero\u200bwidth", "", hashtag.ErrFormat},
		{"line\u2028sep", "", hashtag.ErrWhitespace},
		{"nul\x00byte", "", hashtag.ErrControl},
		{"esc\x1b[31mred", "", hashtag.ErrControl},
		{"bad\xffutf8", "", hashtag.ErrInvalidChar}, // the API's JSON turns it into U+FFFD
		{strings.Repeat("a", 1<<20), "", hashtag.ErrTooLong},
		// Valid hashtags that look odd: stored and shown as text.
		{"ＳＣＲＩＰＴ", "ｓｃｒｉｐｔ", nil},
		{"Z" + strings.Repeat("\u0336", 20), "z" + strings.Repeat("\u0336", 20), nil}, // zalgo
		// More than 30 marks in a row: NFC inserts U+034F (stream-safe format); the rules
		// decide (today: rejected).
		{"Z" + strings.Repeat("\u0336", 40), "", nil},
		{"שלום", "שלום", nil},
		{"مرحبا", "مرحبا", nil},
		{"SCRIPT_alert_1", "script_alert_1", nil},
	}
	name := uniqueName("hostile")
	w, r := boardUsers(name)
	addUsers(t, env.Standalone, w, r)
	now := time.Now().Add(-time.Minute)
	want := tally{}
	var tweets []xapitest.Tweet
	for i, tc := range cases {
		// Each hostile tag in its own post, next to an ordinary one. The expected counts
		// follow the hashtag rules (the API's JSON turns invalid UTF-8 into U+FFFD); the
		// rules' verdicts are checked below.
		tweets = append(tweets, entityPost(now.Add(time.Duration(i)*time.Millisecond), "hostile", tc.tag, "ok"))
		if n, err := hashtag.Normalize(strings.ToValidUTF8(tc.tag, "\uFFFD")); err == nil {
			want.post("ok", n)
		} else {
			want.post("ok")
		}
	}
	// And markup in the text of a post without entities: only what the extraction rules see
	// as hashtags counts.
	tweets = append(tweets, xapitest.Tweet{CreatedAt: now.Add(time.Second), OmitEntities: true,
		Text: `<script>#alert(1)</script> <img src=x onerror=#xss> #ok&#39; <a href="#frag">#link</a>`})
	want.post("alert", "xss", "ok", "frag", "link")
	x := newXAPI(t, tweets)
	writer := openStore(t, env.Standalone, w, name)
	catchUp(t, newIngest(t, newSource(t, x), writer, nil), 1)

	for _, tc := range cases {
		got, err := hashtag.Normalize(strings.ToValidUTF8(tc.tag, "\uFFFD"))
		short := tc.tag
		if rs := []rune(short); len(rs) > 40 {
			short = string(rs[:40]) + "..."
		}
		switch {
		case tc.stored != "" && (err != nil || got != tc.stored):
			t.Errorf("rules: %q -> %q, %v; want it stored as %q", short, got, err, tc.stored)
		case tc.stored == "" && tc.reason == nil:
			t.Logf("rules: %q -> %q, %v", short, got, err)
		case tc.stored == "" && !errors.Is(err, tc.reason):
			t.Errorf("rules: %q -> %q, %v; want it rejected: %v", short, got, err, tc.reason)
		}
	}
	assertCounts(t, writer, want)

	// Every stored member is valid UTF-8 without markup, control or bidi characters.
	members, err := env.Standalone.Client().ZRange(context.Background(), store.KeyPrefix(name)+"all", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if !utf8.ValidString(m) || strings.ContainsAny(m, "<>&\"'`{}:/\\") || strings.ContainsFunc(m, func(r rune) bool {
			return unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r) || unicode.Is(unicode.Cf, r)
		}) {
			t.Errorf("stored hashtag %q", m)
		}
	}

	base := servedBoard(t, openStore(t, env.Standalone, r, name), name)
	for _, win := range store.Windows {
		b := checkInertJSON(t, fmt.Sprintf("%s/?limit=100&window=%s", base, win))
		if got := b.tally(); !maps.Equal(got, want) {
			t.Errorf("leaderboard %s: %v, want %v", win, got, want)
		}
	}
}

func TestTenThousandTagsInOnePage(t *testing.T) {
	const posts, perPost = 100, 100
	name := uniqueName("tenk")
	w, r := boardUsers(name)
	addUsers(t, env.Standalone, w, r)
	now := time.Now().Add(-time.Minute)
	tweets := make([]xapitest.Tweet, posts)
	for i := range tweets {
		tags := make([]string, perPost)
		for j := range tags {
			// Distinct across the page, long-ish and mixed case, so normalisation works.
			tags[j] = fmt.Sprintf("Tag_%03d_%03d_%s", i, j, strings.Repeat("x", 40))
		}
		tweets[i] = entityPost(now.Add(time.Duration(i)*time.Millisecond), "many tags", tags...)
	}
	x := newXAPI(t, tweets)
	writer := openStore(t, env.Standalone, w, name)
	h := newIngest(t, newSource(t, x), writer, nil)

	peak := startHeapPeak()
	res, err := runIngest(h)
	base, top := peak.Stop()
	if err != nil {
		t.Fatal(err)
	}
	// Each post counts its first ingest.MaxHashtagsPerPost hashtags.
	const counted = posts * ingest.MaxHashtagsPerPost
	if res.Pages != 1 || res.PostsNew != posts || res.HashtagsCounted != counted {
		t.Errorf("run %+v, want one page of %d posts and %d hashtags counted", res, posts, counted)
	}
	growth := top - base
	report(t, map[string]any{"tags": posts * perPost, "heap_before_mib": mib(base), "heap_peak_mib": mib(top), "heap_growth_mib": mib(growth)})
	if growth > 256<<20 {
		t.Errorf("heap grew by %.1f MiB processing the page, want under 256 MiB", mib(growth))
	}

	admin := env.Standalone.Client()
	for _, win := range store.Windows {
		key := store.KeyPrefix(name) + "all"
		if win != store.All {
			key = store.KeyPrefix(name) + "w:" + string(win)
		}
		n, err := admin.ZCard(context.Background(), key).Result()
		if err != nil || n != counted {
			t.Errorf("%s holds %d hashtags (%v), want %d", key, n, err, counted)
		}
	}
	entries, err := writer.Top(context.Background(), store.All, store.MaxTop)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		if wantTag := fmt.Sprintf("tag_%03d_%03d_%s", i/ingest.MaxHashtagsPerPost, i%ingest.MaxHashtagsPerPost, strings.Repeat("x", 40)); e.Count != 1 || e.Hashtag != wantTag {
			t.Fatalf("top entry %d: %+v, want %s once (ties in byte order)", i, e, wantTag)
		}
	}
	b := checkInertJSON(t, servedBoard(t, openStore(t, env.Standalone, r, name), name)+"/?limit=100")
	if len(b.Hashtags) != 100 || b.Hashtags[99].Hashtag != entries[99].Hashtag {
		t.Errorf("leaderboard: %d hashtags, want the first 100 of the 5,000 counted", len(b.Hashtags))
	}
}
