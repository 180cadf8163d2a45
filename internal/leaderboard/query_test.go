package leaderboard

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw     string
		want    query
		wantErr string // substring; empty means valid
	}{
		{raw: "", want: query{window: store.All, limit: 10}},
		{raw: "limit=1", want: query{window: store.All, limit: 1}},
		{raw: "limit=100", want: query{window: store.All, limit: 100}},
		{raw: "window=1h", want: query{window: store.Hour, limit: 10}},
		{raw: "window=24h&limit=25", want: query{window: store.Day, limit: 25}},
		{raw: "limit=5&window=7d&format=html", want: query{window: store.Week, limit: 5, format: "html"}},
		{raw: "format=json", want: query{window: store.All, limit: 10, format: "json"}},
		{raw: "window=%32%34h", want: query{window: store.Day, limit: 10}}, // percent-encoded "24h"
		{raw: "%6Cimit=7", want: query{window: store.All, limit: 7}},       // percent-encoded name
		{raw: "&limit=7&&", want: query{window: store.All, limit: 7}},      // empty segments ignored
		{raw: "limit=7&", want: query{window: store.All, limit: 7}},        // trailing &
		{raw: "board=golang", want: query{board: "golang", window: store.All, limit: 10}},
		{raw: "window=1h&board=a.b-c_1&limit=3", want: query{board: "a.b-c_1", window: store.Hour, limit: 3}},
		{raw: "board=%7Bx%7D", want: query{board: "{x}", window: store.All, limit: 10}}, // any name: unknown ones get 404
		{raw: "board=", wantErr: `query parameter "board" is empty: want a board's name (GET /boards lists them)`},
		{raw: "board=a&board=b", wantErr: `query parameter "board" given more than once`},
		{raw: "limit", wantErr: `query parameter "limit" is empty: want an integer from 1 to 100`},
		{raw: "limit=", wantErr: `query parameter "limit" is empty`},
		{raw: "limit=0", wantErr: `query parameter "limit" is "0": want an integer from 1 to 100 (no sign, no leading zeros)`},
		{raw: "limit=101", wantErr: `"101"`},
		{raw: "limit=1000", wantErr: `"1000"`},
		{raw: "limit=010", wantErr: `"010"`},
		{raw: "limit=+5", wantErr: `" 5"`},   // "+" is a space after unescaping: " 5"
		{raw: "limit=%2B5", wantErr: `"+5"`}, // a real plus sign
		{raw: "limit=-5", wantErr: `"-5"`},
		{raw: "limit=5.0", wantErr: `"5.0"`},
		{raw: "limit=1e1", wantErr: `"1e1"`},
		{raw: "limit=%205", wantErr: `" 5"`},
		{raw: "limit=%EF%BC%95", wantErr: `"５"`}, // fullwidth digit five
		{raw: "limit=99999999999999999999999", wantErr: `"99999999999999999999999"`},
		{raw: "window=", wantErr: `query parameter "window" is empty: want one of all, 1h, 24h, 7d`},
		{raw: "window=2h", wantErr: `query parameter "window" is "2h": want one of all, 1h, 24h, 7d`},
		{raw: "window=ALL", wantErr: `"ALL"`},
		{raw: "window=1H", wantErr: `"1H"`},
		{raw: "window=all%00", wantErr: `"all\x00"`},
		{raw: "format=xml", wantErr: `query parameter "format" is "xml": want json or html`},
		{raw: "format=HTML", wantErr: `"HTML"`},
		{raw: "limit=5&limit=5", wantErr: `query parameter "limit" given more than once`},
		{raw: "window=1h&window=24h", wantErr: `"window" given more than once`},
		{raw: "windw=1h", wantErr: `unknown query parameter "windw": allowed are limit, window, format, board, view, hashtags, embed, kiosk`},
		{raw: "Limit=5", wantErr: `unknown query parameter "Limit"`},
		{raw: "a=1&b=2&a=3", wantErr: `unknown query parameters "a", "b": allowed are`},
		{raw: "a&b&c&d&e", wantErr: `unknown query parameters "a", "b", "c" and 2 more`},
		{raw: "=5", wantErr: `unknown query parameter ""`},
		{raw: "limit=5;window=1h", wantErr: `"5;window=1h"`},
		{raw: "limit=%zz", wantErr: `query parameter "limit" has a bad percent-encoding: "%zz"`},
		{raw: "%zz=1", wantErr: `query parameter name "%zz" has a bad percent-encoding`},
		{raw: "limit=%", wantErr: `bad percent-encoding`},
		{raw: "x=" + strings.Repeat("a", 5000), wantErr: "query string too long: at most 4096 bytes"},
		{raw: "view=top&limit=3", want: query{window: store.All, limit: 3}},
		{raw: "embed=1&format=html", want: query{window: store.All, limit: 10, format: "html", embed: true}},
		{raw: "view=Top", wantErr: `query parameter "view" is "Top": want top, trending or history`},
		{raw: "embed=true", wantErr: `query parameter "embed" is "true": want 1`},
		{raw: "kiosk=1&window=24h", want: query{window: store.Day, limit: 10, kiosk: true}},
		{raw: "kiosk=yes", wantErr: `query parameter "kiosk" is "yes": want 1`},
		{raw: "embed=", wantErr: `query parameter "embed" is empty: want 1`},
		{raw: "hashtags=aws", wantErr: `query parameter "hashtags" applies only to view=history`},
		// board, view, hashtags and embed together, in any order.
		{raw: "board=golang&view=history&hashtags=%23Go,aws&window=1h&embed=1&format=json",
			want: query{board: "golang", window: store.Hour, format: "json", view: viewHistory, hashtags: []string{"go", "aws"}, embed: true}},
		{raw: "embed=1&hashtags=aws&view=history&board=golang",
			want: query{board: "golang", window: store.Day, view: viewHistory, hashtags: []string{"aws"}, embed: true}},
		{raw: "board=golang&embed=1&format=html&window=24h&limit=25",
			want: query{board: "golang", window: store.Day, limit: 25, format: "html", embed: true}},
		{raw: "board=&view=history&hashtags=aws", wantErr: `query parameter "board" is empty`},
		{raw: "board=golang&view=history", wantErr: `query parameter "hashtags" is required with view=history`},
		{raw: "board=golang&view=history&hashtags=aws&limit=5", wantErr: `query parameter "limit" does not apply to view=history`},
		{raw: "board=golang&hashtags=aws", wantErr: `query parameter "hashtags" applies only to view=history`},
		{raw: "board=golang&view=history&hashtags=aws&embed=yes", wantErr: `query parameter "embed" is "yes": want 1`},
		{raw: "view=top", want: query{window: store.All, limit: 10}},
		{raw: "view=top&window=7d", want: query{window: store.Week, limit: 10}},
		{raw: "view=trending", want: query{view: viewTrending, window: store.Hour, limit: 10}},
		{raw: "window=24h&view=trending&limit=3", want: query{view: viewTrending, window: store.Day, limit: 3}},
		{raw: "view=trending&window=1h&format=html", want: query{view: viewTrending, window: store.Hour, limit: 10, format: "html"}},
		{raw: "view=trending&window=all", wantErr: `query parameter "window" is "all": want 1h or 24h with view=trending`},
		{raw: "window=7d&view=trending", wantErr: `query parameter "window" is "7d": want 1h or 24h with view=trending`},
		{raw: "view=trending&window=2h", wantErr: `query parameter "window" is "2h": want one of all, 1h, 24h, 7d`},
		{raw: "view=rising", wantErr: `query parameter "view" is "rising": want top, trending or history`},
		{raw: "view=Trending", wantErr: `"Trending"`},
		{raw: "view=", wantErr: `query parameter "view" is empty: want top, trending or history`},
		{raw: "view=top&view=top", wantErr: `query parameter "view" given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.raw[:min(len(tt.raw), 40)], func(t *testing.T) {
			got, err := parseQuery(tt.raw)
			if tt.want.view == "" {
				tt.want.view = viewTop
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if tt.want.view == "" {
					tt.want.view = viewTop
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, got %+v", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestErrorMessagesAreSafe feeds hostile values: the error must be valid UTF-8, short, and
// must not carry raw control characters, HTML or the unbounded input.
func TestErrorMessagesAreSafe(t *testing.T) {
	long := strings.Repeat("%F0%9F%98%80", 80) // 80 emoji, 960 bytes encoded
	tests := []string{
		"window=%FF%FE",
		"window=%C3",
		"limit=" + long,
		"window=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"window=%0D%0AX-Injected:%201",
		"window=%E2%80%AE", // right-to-left override
		strings.Repeat("%FF", 300) + "=1",
		"limit=" + strings.Repeat("9", 1000),
	}
	h := mustHandler(t)
	for _, raw := range tests {
		resp := handle(t, h, event("GET", raw, nil))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%.30s: status %d, want 400", raw, resp.StatusCode)
			continue
		}
		if !utf8.ValidString(resp.Body) || !json.Valid([]byte(resp.Body)) {
			t.Errorf("%.30s: body %q is not valid UTF-8 JSON", raw, resp.Body)
		}
		var e errorBody
		if err := json.Unmarshal([]byte(resp.Body), &e); err != nil {
			t.Fatal(err)
		}
		if len(e.Error) > 400 {
			t.Errorf("%.30s: message is %d bytes: %q", raw, len(e.Error), e.Error)
		}
		for _, c := range e.Error {
			if !strconv.IsPrint(c) {
				t.Errorf("%.30s: message has unprintable character %U: %q", raw, c, e.Error)
			}
		}
		if !utf8.ValidString(e.Error) {
			t.Errorf("%.30s: message is not valid UTF-8", raw)
		}
	}
}

func TestPrefersHTML(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"text/html", true},
		{"text/*", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},                                                                         // Firefox
		{"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7", true}, // Chrome
		{"application/json, text/html", false},                                 // tie: JSON
		{"application/json;q=0.9, text/html", true},                            // html higher
		{"text/html;q=0.5, application/json", false},                           // json higher
		{"text/html;q=0, */*", false},                                          // html refused
		{"text/html;q=0.5, */*;q=0.1", true},                                   // json only via */*
		{"TEXT/HTML", true},                                                    // case-insensitive
		{"text/html; Q=0.2, application/json;q=0.1", true},                     // Q in capitals
		{"text/html;q=abc, application/json;q=0.5", false},                     // malformed q ignored: html unmatched
		{"text/html;q=2", false},                                               // q out of range ignored
		{"text/html;level=1;q=0.7, application/json;q=0.6", true},              // other params ignored
		{"garbage, ,;,/", false},                                               // junk
		{"*/html", false},                                                      // invalid range ignored
		{"image/png", false},                                                   // neither: JSON
		{"text/plain", false},                                                  // text/plain is not html
		{"application/*;q=0.2, text/html;q=0.3", true},                         // type wildcard
		{"application/json;q=0.3, application/*;q=0.9, text/html;q=0.5", true}, // exact beats wildcard: json is 0.3
	}
	for _, tt := range tests {
		if got := prefersHTML(tt.accept); got != tt.want {
			t.Errorf("prefersHTML(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", `"abc"`},
		{"a\"b", `"a\"b"`},
		{"\xff", `"` + "\uFFFD" + `"`},
		{"a\nb", `"a\nb"`},
		{"it's", `"it's"`},
		{strings.Repeat("é", 50), `"` + strings.Repeat("é", 30) + `"...`},
		{strings.Repeat("\x01", 50), `"` + strings.Repeat(`\x01`, 15) + `"...`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Below the cut, quote is strconv.Quote of the valid-UTF-8 text.
	for _, s := range []string{"", "a\"b'c\\", "\u202e\u200b\t", "日本", "\xff\xfe", "\U0004cc35", "<img>"} {
		if got, want := quote(s), strconv.Quote(strings.ToValidUTF8(s, "\uFFFD")); got != want {
			t.Errorf("quote(%q) = %s, strconv.Quote gives %s", s, got, want)
		}
	}
	// Above it, the quoted text is at most maxQuotedBytes plus the quotes and "...".
	for _, s := range []string{strings.Repeat("\U0004cc35", 100), strings.Repeat("\xff", 100), strings.Repeat("a", 1000)} {
		if got := quote(s); len(got) > maxQuotedBytes+5 || !utf8.ValidString(got) {
			t.Errorf("quote of %d bytes gave %d bytes: %q", len(s), len(got), got)
		}
	}
}
