package hashtag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Extract returns the hashtags in text, without the hash sign, as written
// and in order of appearance (including repeats), following X's
// twitter-text rules (see the package documentation). Use Canonical on the
// result to get what is counted.
func Extract(text string) []string {
	var tags []string
	// lastEnd is where the previous hashtag match ended: twitter-text's
	// regular expression consumes the character before a hash sign, so a
	// hash sign right after a match (even a dropped one) never starts one.
	lastEnd := -1
	var url urlScan
	for i := 0; i < len(text); {
		p, start := nextHashSign(text, i)
		if p < 0 {
			break
		}
		i = start
		if !hashBoundary(text, p, lastEnd) {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(text[start:]); r == '\ufe0f' || r == '\u20e3' {
			continue // keycap sign "#️⃣"
		}
		end, letter := start, false
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if r == utf8.RuneError && size == 1 || !isTagChar(r) {
				break
			}
			if !letter && isTagLetter(r) {
				letter = true
			}
			end += size
		}
		if !letter {
			continue
		}
		lastEnd, i = end, end
		rest := text[end:]
		if strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, fullwidthHashStr) || strings.HasPrefix(rest, "://") {
			continue
		}
		if url.inURL(text, p) {
			continue
		}
		tags = append(tags, text[start:end])
	}
	return tags
}

// nextHashSign returns the byte offset of the first '#' or '＃' in text at or
// after from, and the offset just after it; -1 if there is none.
func nextHashSign(text string, from int) (p, after int) {
	for p = from; p < len(text); p++ {
		switch c := text[p]; {
		case c == '#':
			return p, p + 1
		case c == fullwidthHashStr[0] && strings.HasPrefix(text[p:], fullwidthHashStr):
			return p, p + len(fullwidthHashStr)
		}
	}
	return -1, -1
}

// hashBoundary reports whether the hash sign at byte p of text may start a
// hashtag: it starts the text, or follows a character that is neither a
// hashtag character nor '&' (a variation selector, as after an emoji, is
// fine) and was not consumed by the match ending at lastEnd.
func hashBoundary(text string, p, lastEnd int) bool {
	if p == 0 {
		return true
	}
	if p == lastEnd {
		return false
	}
	r, size := utf8.DecodeLastRuneInString(text[:p])
	switch {
	case r == utf8.RuneError && size == 1:
		return true // an invalid byte is no hashtag character
	case r == '\ufe0e' || r == '\ufe0f':
		return true
	case r == '&':
		return false
	}
	return !isTagChar(r)
}

// urlScan finds the hash signs of one text that are part of a URL. It scans
// the text once, forwards, across calls with increasing offsets, so Extract
// stays linear in the length of the text.
type urlScan struct {
	next     int  // text before this offset has been scanned
	runStart int  // start of the run of URL path characters ending at next
	url      bool // that run contains a host name followed by '/' or '?'
}

// inURL reports whether the hash sign at byte p of text is part of a URL: it
// follows '/', or it lies in the path or query of a URL ("x.com/a?b=#c",
// "https://x.com/a-#b"), i.e. it is preceded by a host name and '/' or '?'
// with only URL path characters in between. Successive calls must pass
// increasing p for the same text.
func (u *urlScan) inURL(text string, p int) bool {
	if p == 0 {
		return false
	}
	if text[p-1] == '/' {
		return true
	}
	if r, size := utf8.DecodeLastRuneInString(text[:p]); !isURLPathRune(r) || r == utf8.RuneError && size == 1 {
		// The common case, a space before the hash sign: no URL, and
		// nothing before p needs scanning.
		u.next, u.runStart, u.url = p, p, false
		return false
	}
	for u.next < p {
		r, size := utf8.DecodeRuneInString(text[u.next:])
		switch {
		case !isURLPathRune(r) || r == utf8.RuneError && size == 1:
			u.runStart, u.url = u.next+size, false
		case !u.url && (r == '/' || r == '?'):
			u.url = hostBefore(text[u.runStart:u.next])
		}
		u.next += size
	}
	return u.url
}

// hostBefore reports whether h ends with a host name, optionally with a
// port: at least two dot-separated labels of letters, digits, '-' and '_',
// the last (top-level domain) made of two or more letters, the others not
// starting or ending with '-' or '_'. Like twitter-text, a host preceded by
// '/' only counts after a scheme ("https://"), so "and/or.this?" is no URL.
func hostBefore(h string) bool {
	// Optional ":port".
	d := len(h)
	for d > 0 && '0' <= h[d-1] && h[d-1] <= '9' {
		d--
	}
	if d < len(h) && d > 0 && h[d-1] == ':' {
		h = h[:d-1]
	}
	// The maximal suffix of host characters.
	end := len(h)
	hs := end
	for hs > 0 {
		r, size := utf8.DecodeLastRuneInString(h[:hs])
		if !(r == '.' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
			break
		}
		hs -= size
	}
	host := h[hs:end]
	if hs > 0 && h[hs-1] == '/' && !strings.HasSuffix(h[:hs], "://") {
		return false
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 {
		return false
	}
	tld := host[dot+1:]
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			return false
		}
	}
	for label := range strings.SplitSeq(host[:dot], ".") {
		if label == "" || strings.ContainsRune("-_", rune(label[0])) || strings.ContainsRune("-_", rune(label[len(label)-1])) {
			return false
		}
	}
	return true
}

// isURLPathRune reports whether r may appear in the path or query of a URL
// as twitter-text recognises it: ASCII letters, digits and the punctuation
// !#$%&'()*+,-./:;=?@[]_|~, and Latin or Cyrillic letters and marks.
func isURLPathRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiURLPath[r]
	}
	return unicode.IsMark(r) || unicode.In(r, unicode.Latin, unicode.Cyrillic) && unicode.IsLetter(r)
}

var asciiURLPath = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.ContainsRune("!#$%&'()*+,-./:;=?@[]_|~", rune(c))
	}
	return t
}()
