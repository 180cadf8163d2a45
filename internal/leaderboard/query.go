package leaderboard

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// MaxQueryBytes is the longest query string accepted; longer ones get 400. It leaves room for
// a history request of 25 hashtags in non-Latin scripts, percent-encoded (the dashboard asks
// for fewer when they would not fit).
const MaxQueryBytes = 4096

const (
	formatJSON = "json"
	formatHTML = "html"
)

// The views: the ranked top (the default), the trending hashtags, and the history of given
// hashtags (history.go).
const (
	viewTop      = "top"
	viewTrending = "trending"
	viewHistory  = "history"
)

// query is a validated query string.
type query struct {
	board    string // "": the default board
	window   store.Window
	limit    int
	format   string   // "", formatJSON or formatHTML
	view     string   // viewTop, viewTrending or viewHistory
	hashtags []string // view=history: the hashtags asked for, normalised, distinct, in order
	embed    bool     // embed=1: the dashboard as a compact widget for a frame
	kiosk    bool     // kiosk=1: the dashboard's wall layout (the page reads it; the API ignores it)
}

const (
	allowedParams         = "allowed are limit, window, format, board, view, hashtags, embed, kiosk"
	allowedLimit          = "want an integer from 1 to 100 (no sign, no leading zeros)"
	allowedWindow         = "want one of all, 1h, 24h, 7d"
	allowedTrendingWindow = "want 1h or 24h with view=trending"
	allowedFormat         = "want json or html"
	allowedBoard          = "want a board's name (GET /boards lists them)"
	allowedView           = "want top, trending or history"
	allowedEmbed          = "want 1"
	allowedKiosk          = "want 1"
	maxQuotedBytes        = 60
	maxNamedParams        = 3
)

// parseQuery validates a raw query string (as sent, percent-encoded). Parameters are
// separated by "&"; empty segments ("a=1&&b=2", a trailing "&") are ignored; "+" is a space.
func parseQuery(raw string) (query, error) {
	q := query{window: store.All, limit: DefaultLimit, view: viewTop}
	if len(raw) > MaxQueryBytes {
		return q, errors.New("query string too long: at most " + strconv.Itoa(MaxQueryBytes) + " bytes")
	}
	// The known parameters, in this order; seen says which were given.
	names := [...]string{"limit", "window", "format", "board", "view", "hashtags", "embed", "kiosk"}
	var values [len(names)]string
	var seen [len(names)]bool
	var unknown, repeated []string
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return q, errors.New("query parameter name " + quote(rawName) + " has a bad percent-encoding")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return q, errors.New("query parameter " + quote(name) + " has a bad percent-encoding: " + quote(rawValue))
		}
		i := slices.Index(names[:], name)
		switch {
		case i < 0:
			if !slices.Contains(unknown, name) {
				unknown = append(unknown, name)
			}
		case seen[i]:
			if !slices.Contains(repeated, name) {
				repeated = append(repeated, name)
			}
		default:
			values[i], seen[i] = value, true
		}
	}
	if len(unknown) > 0 {
		noun := "parameter "
		if len(unknown) > 1 {
			noun = "parameters "
		}
		return q, errors.New("unknown query " + noun + quoteList(unknown) + ": " + allowedParams)
	}
	if len(repeated) > 0 {
		return q, errors.New("query parameter " + quoteList(repeated) + " given more than once")
	}

	if v := values[0]; seen[0] {
		n, ok := parseLimit(v)
		if !ok {
			return q, invalid("limit", v, allowedLimit)
		}
		q.limit = n
	}
	// The view first: it decides the window's default and allowed values.
	if v := values[4]; seen[4] {
		if v != viewTop && v != viewTrending && v != viewHistory {
			return q, invalid("view", v, allowedView)
		}
		q.view = v
	}
	if q.view == viewTrending {
		q.window = store.Hour
	}
	if v := values[1]; seen[1] {
		w, err := store.ParseWindow(v)
		if err != nil {
			return q, invalid("window", v, allowedWindow)
		}
		if q.view == viewTrending && !slices.Contains(store.TrendingWindows, w) {
			return q, invalid("window", v, allowedTrendingWindow)
		}
		q.window = w
	}
	if v := values[2]; seen[2] {
		if v != formatJSON && v != formatHTML {
			return q, invalid("format", v, allowedFormat)
		}
		q.format = v
	}
	if v := values[3]; seen[3] {
		if v == "" {
			return q, invalid("board", v, allowedBoard)
		}
		q.board = v
	}
	if v := values[6]; seen[6] {
		if v != "1" {
			return q, invalid("embed", v, allowedEmbed)
		}
		q.embed = true
	}
	if v := values[7]; seen[7] {
		if v != "1" {
			return q, invalid("kiosk", v, allowedKiosk)
		}
		q.kiosk = true
	}
	if q.view == viewHistory {
		return historyQuery(q, values[5], seen[5], seen[0], seen[1])
	}
	if seen[5] {
		return q, errors.New(`query parameter "hashtags" applies only to view=history`)
	}
	return q, nil
}

// parseLimit accepts 1-100 written in plain decimal: no sign, no leading zero, no spaces.
func parseLimit(v string) (int, bool) {
	if v == "" || len(v) > 3 || v[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= MaxLimit
}

func invalid(name, value, allowed string) error {
	if value == "" {
		return errors.New("query parameter " + quote(name) + " is empty: " + allowed)
	}
	return errors.New("query parameter " + quote(name) + " is " + quote(value) + ": " + allowed)
}

// quote returns s for an error message: invalid UTF-8 replaced by U+FFFD, Go-quoted so
// control and invisible characters are escaped, and cut after maxQuotedBytes bytes of quoted
// text (marked with "..."), so a message never carries more than a short, printable excerpt.
func quote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		esc := strconv.QuoteRune(r) // 'x', with the escapes strconv.Quote would use
		esc = esc[1 : len(esc)-1]
		if r == '\'' {
			esc = "'"
		} else if r == '"' {
			esc = `\"`
		}
		if b.Len()-1+len(esc) > maxQuotedBytes {
			b.WriteString(`"...`)
			return b.String()
		}
		b.WriteString(esc)
	}
	b.WriteByte('"')
	return b.String()
}

// quoteList quotes the first maxNamedParams names, and says how many more there are.
func quoteList(names []string) string {
	shown := names[:min(len(names), maxNamedParams)]
	parts := make([]string, len(shown))
	for i, n := range shown {
		parts[i] = quote(n)
	}
	out := strings.Join(parts, ", ")
	if rest := len(names) - len(shown); rest > 0 {
		out += " and " + strconv.Itoa(rest) + " more"
	}
	return out
}

// truncate cuts s to at most n bytes of valid UTF-8, for log fields.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
