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
	p, err := readParams(raw)
	if err != nil {
		return q, err
	}
	if p.limit.ok {
		n, ok := parseLimit(p.limit.value)
		if !ok {
			return q, invalid("limit", p.limit.value, allowedLimit)
		}
		q.limit = n
	}
	// The view first: it decides the window's default and allowed values.
	if v := p.view.value; p.view.ok {
		if v != viewTop && v != viewTrending && v != viewHistory {
			return q, invalid("view", v, allowedView)
		}
		q.view = v
	}
	if q.view == viewTrending {
		q.window = store.Hour
	}
	if v := p.window.value; p.window.ok {
		w, err := store.ParseWindow(v)
		if err != nil {
			return q, invalid("window", v, allowedWindow)
		}
		if q.view == viewTrending && !slices.Contains(store.TrendingWindows, w) {
			return q, invalid("window", v, allowedTrendingWindow)
		}
		q.window = w
	}
	if v := p.format.value; p.format.ok {
		if v != formatJSON && v != formatHTML {
			return q, invalid("format", v, allowedFormat)
		}
		q.format = v
	}
	if v := p.board.value; p.board.ok {
		if v == "" {
			return q, invalid("board", v, allowedBoard)
		}
		q.board = v
	}
	if q.embed, err = flag(p.embed, "embed", allowedEmbed); err != nil {
		return q, err
	}
	if q.kiosk, err = flag(p.kiosk, "kiosk", allowedKiosk); err != nil {
		return q, err
	}
	if q.view == viewHistory {
		return historyQuery(q, p.hashtags.value, p.hashtags.ok, p.limit.ok, p.window.ok)
	}
	if p.hashtags.ok {
		return q, errors.New(`query parameter "hashtags" applies only to view=history`)
	}
	return q, nil
}

// param is one query parameter as given: its value (percent-decoded) and whether it was.
type param struct {
	value string
	ok    bool
}

// params holds the known query parameters as given.
type params struct {
	limit, window, format, board, view, hashtags, embed, kiosk param
}

// field returns the place of the known parameter name in p, or nil for an unknown name.
func (p *params) field(name string) *param {
	switch name {
	case "limit":
		return &p.limit
	case "window":
		return &p.window
	case "format":
		return &p.format
	case "board":
		return &p.board
	case "view":
		return &p.view
	case "hashtags":
		return &p.hashtags
	case "embed":
		return &p.embed
	case "kiosk":
		return &p.kiosk
	}
	return nil
}

// readParams splits the raw query string into its known parameters; an unknown or repeated
// parameter, a bad percent-encoding or a query over MaxQueryBytes is an error naming it.
func readParams(raw string) (params, error) {
	var p params
	if len(raw) > MaxQueryBytes {
		return p, errors.New("query string too long: at most " + strconv.Itoa(MaxQueryBytes) + " bytes")
	}
	var unknown, repeated []string
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return p, errors.New("query parameter name " + quote(rawName) + " has a bad percent-encoding")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return p, errors.New("query parameter " + quote(name) + " has a bad percent-encoding: " + quote(rawValue))
		}
		switch f := p.field(name); {
		case f == nil:
			if !slices.Contains(unknown, name) {
				unknown = append(unknown, name)
			}
		case f.ok:
			if !slices.Contains(repeated, name) {
				repeated = append(repeated, name)
			}
		default:
			*f = param{value: value, ok: true}
		}
	}
	if len(unknown) > 0 {
		noun := "parameter "
		if len(unknown) > 1 {
			noun = "parameters "
		}
		return p, errors.New("unknown query " + noun + quoteList(unknown) + ": " + allowedParams)
	}
	if len(repeated) > 0 {
		return p, errors.New("query parameter " + quoteList(repeated) + " given more than once")
	}
	return p, nil
}

// flag reads a parameter that may only be "1" (name and allowed for its error).
func flag(p param, name, allowed string) (bool, error) {
	if !p.ok {
		return false, nil
	}
	if p.value != "1" {
		return false, invalid(name, p.value, allowed)
	}
	return true, nil
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
