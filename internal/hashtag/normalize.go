package hashtag

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// MaxLen is the maximum length of a canonical hashtag, in runes.
const MaxLen = 140

// Reasons a tag is rejected. Errors returned by Normalize wrap exactly one of
// them; test with errors.Is.
var (
	ErrEmpty       = errors.New("empty")
	ErrTooLong     = fmt.Errorf("longer than %d characters", MaxLen)
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrWhitespace  = errors.New("contains whitespace")
	ErrControl     = errors.New("contains a control character")
	ErrBidi        = errors.New("contains a bidirectional control character")
	ErrFormat      = errors.New("contains an invisible format character")
	ErrInvalidChar = errors.New("contains a character not allowed in hashtags")
	ErrNoLetter    = errors.New("contains no letter")
	// ErrTooManyMarks: more than 30 combining marks in a row, where NFC (Unicode's
	// stream-safe format) would insert a combining grapheme joiner.
	ErrTooManyMarks = errors.New("has more than 30 combining marks in a row")
)

// casers holds *cases.Caser values: a Caser keeps state between calls and
// must not be shared between goroutines.
var casers = sync.Pool{New: func() any {
	c := cases.Lower(language.Und)
	return &c
}}

// Normalize returns the canonical form of tag, which may start with one '#'
// or '＃': without the hash sign and invisible characters, NFC-normalised and
// lower-cased (see the package documentation). The error says why a tag is
// not a hashtag and wraps one of the Err* reasons.
func Normalize(tag string) (string, error) {
	s, prefix := tag, 0
	switch {
	case strings.HasPrefix(s, "#"):
		prefix = 1
	case strings.HasPrefix(s, fullwidthHashStr):
		prefix = len(fullwidthHashStr)
	}
	s = s[prefix:]
	if s == "" {
		return "", rejectf(tag, ErrEmpty, "")
	}

	// ASCII fast path: no allocation unless there is an upper-case letter.
	letter, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return normalizeUnicode(tag, s, prefix)
		case 'a' <= c && c <= 'z':
			letter = true
		case 'A' <= c && c <= 'Z':
			letter, upper = true, true
		case '0' <= c && c <= '9', c == '_':
		default:
			return "", charError(tag, rune(c), prefix+i)
		}
	}
	if !letter {
		return "", rejectf(tag, ErrNoLetter, "")
	}
	if len(s) > MaxLen {
		return "", rejectf(tag, ErrTooLong, fmt.Sprintf(" (%d)", len(s)))
	}
	if !upper {
		return s, nil
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b), nil
}

// normalizeUnicode is Normalize for a tag s (hash sign removed) that is not
// all ASCII; prefix is the length of the removed hash sign.
func normalizeUnicode(tag, s string, prefix int) (string, error) {
	strip := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return "", rejectf(tag, ErrInvalidUTF8, fmt.Sprintf(" at byte %d", prefix+i))
			}
		}
		if !isTagChar(r) {
			return "", charError(tag, r, prefix+i)
		}
		if isIgnorable(r) {
			strip = true
		}
	}
	if strip {
		s = strings.Map(func(r rune) rune {
			if isIgnorable(r) {
				return -1
			}
			return r
		}, s)
	}
	s = norm.NFC.String(s)
	if needsLower(s) {
		c := casers.Get().(*cases.Caser)
		s = c.String(s)
		casers.Put(c)
		s = norm.NFC.String(s)
	}
	if strings.Contains(s, "i\u0307") {
		s = norm.NFC.String(foldDottedI(s))
	}

	n, letter := 0, false
	for _, r := range s {
		n++
		// The input's joiners were stripped above, so a U+034F here is NFC's:
		// it caps runs of combining marks at 30 by inserting one.
		if r == '\u034f' {
			return "", rejectf(tag, ErrTooManyMarks, "")
		}
		// Unreachable with Unicode 15 tables (FuzzNormalize checks it), but
		// NFC or lower-casing must never smuggle in a character Extract
		// would not accept.
		if !isTagChar(r) || isIgnorable(r) {
			return "", rejectf(tag, ErrInvalidChar, fmt.Sprintf(": %U after normalisation", r))
		}
		if !letter && isTagLetter(r) {
			letter = true
		}
	}
	switch {
	case n == 0:
		return "", rejectf(tag, ErrEmpty, " (only invisible characters)")
	case !letter:
		return "", rejectf(tag, ErrNoLetter, "")
	case n > MaxLen:
		return "", rejectf(tag, ErrTooLong, fmt.Sprintf(" (%d)", n))
	}
	return s, nil
}

// foldDottedI removes the combining dot above (U+0307) right after an "i": what lower-casing
// "İ" (U+0130) leaves, so "#İstanbul" and "#istanbul" are one hashtag. In NFC no other
// character composes with "i" + U+0307, so only a literal "i" can carry it.
func foldDottedI(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	afterI := false
	for _, r := range s {
		if r == '\u0307' && afterI {
			continue // and the next U+0307 goes too: "i" + two dots is still "i"
		}
		afterI = r == 'i'
		b.WriteRune(r)
	}
	return b.String()
}

// needsLower reports whether lower-casing could change s: whether a rune has
// a lower-case mapping. cases.Lower(language.Und) changes nothing else
// (final sigma only applies to capital sigma).
func needsLower(s string) bool {
	for _, r := range s {
		if unicode.ToLower(r) != r {
			return true
		}
	}
	return false
}

// charError explains why rune r at byte offset off of tag is not allowed.
func charError(tag string, r rune, off int) error {
	var reason error
	switch {
	case unicode.IsSpace(r):
		reason = ErrWhitespace
	case unicode.IsControl(r):
		reason = ErrControl
	case isBidiControl(r):
		reason = ErrBidi
	case unicode.Is(unicode.Cf, r):
		reason = ErrFormat
	default:
		reason = ErrInvalidChar
	}
	return rejectf(tag, reason, fmt.Sprintf(": %U at byte %d", r, off))
}

// rejectf builds the error for a rejected tag; the tag is quoted (escaping
// invisible characters) and shortened in the message.
func rejectf(tag string, reason error, detail string) error {
	const maxShown = 64
	shown := tag
	if len(shown) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(shown[cut]) {
			cut--
		}
		shown = shown[:cut] + "…"
	}
	return fmt.Errorf("hashtag %q: %w%s", shown, reason, detail)
}

// Rejected is a tag that Canonical dropped, with the reason.
type Rejected struct {
	Tag string // as given
	Err error  // from Normalize
}

// Canonical normalises tags and returns the distinct valid ones in byte
// order, so a post counts at most once per hashtag however often it repeats
// it or however it spells it. Invalid tags are returned in rejected, in input
// order, one entry per occurrence. kept is nil when no tag is valid.
func Canonical(tags []string) (kept []string, rejected []Rejected) {
	spelled, rejected := CanonicalSpelled(tags)
	for _, t := range spelled {
		kept = append(kept, t.Tag)
	}
	return kept, rejected
}
