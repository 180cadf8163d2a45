package hashtag

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Spelling returns how tag, a hashtag as written (with or without its hash sign), is shown:
// without the hash sign and without the invisible characters Normalize removes, except ZWNJ
// and ZWJ (they shape Persian and Indic script), in NFC; case and dots are kept ("İstanbul",
// "reInvent"). canonical is Normalize(tag). When that spelling would not normalise back to
// canonical, or is longer than MaxLen runes, the spelling is canonical itself: a spelling is
// only ever shown for the hashtag it was written for.
func Spelling(tag, canonical string) string {
	s := tag
	switch {
	case strings.HasPrefix(s, "#"):
		s = s[1:]
	case strings.HasPrefix(s, fullwidthHashStr):
		s = s[len(fullwidthHashStr):]
	}
	if isASCII(s) {
		if strings.EqualFold(s, canonical) && len(s) == len(canonical) {
			return s
		}
		return canonical
	}
	s = strings.Map(func(r rune) rune {
		if r != zwnj && r != zwj && isTagChar(r) && isIgnorable(r) {
			return -1
		}
		return r
	}, s)
	s = norm.NFC.String(s)
	if utf8.RuneCountInString(s) > MaxLen {
		return canonical
	}
	if n, err := Normalize(s); err != nil || n != canonical {
		return canonical
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Spelled is a counted hashtag: its canonical form and its spelling as written (Spelling).
type Spelled struct {
	Tag      string
	Spelling string
}

// CanonicalSpelled is Canonical with each kept hashtag's spelling: the spelling of its first
// occurrence in tags (a post counts once per hashtag, so it counts one spelling of it). kept is
// in byte order of Tag and nil when no tag is valid.
func CanonicalSpelled(tags []string) (kept []Spelled, rejected []Rejected) {
	for _, t := range tags {
		n, err := Normalize(t)
		if err != nil {
			rejected = append(rejected, Rejected{Tag: t, Err: err})
			continue
		}
		if kept == nil {
			kept = make([]Spelled, 0, len(tags))
		}
		kept = append(kept, Spelled{Tag: n, Spelling: Spelling(t, n)})
	}
	// A stable sort keeps the first occurrence first among equal tags, and Compact keeps it.
	slices.SortStableFunc(kept, func(a, b Spelled) int { return strings.Compare(a.Tag, b.Tag) })
	return slices.CompactFunc(kept, func(a, b Spelled) bool { return a.Tag == b.Tag }), rejected
}
