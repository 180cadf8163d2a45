package hashtag

import (
	"unicode"
	"unicode/utf8"
)

const (
	zwnj = '\u200c' // ZERO WIDTH NON-JOINER
	zwj  = '\u200d' // ZERO WIDTH JOINER

	fullwidthHash    = '\uff03' // FULLWIDTH NUMBER SIGN
	fullwidthHashStr = "\uff03"
)

// isSpecial reports whether r is one of twitter-text's HASHTAG_SPECIAL_CHARS.
func isSpecial(r rune) bool {
	switch r {
	case '_',
		zwnj,
		zwj,
		'\ua67e', // CYRILLIC KAVYKA
		'\u05be', // HEBREW PUNCTUATION MAQAF
		'\u05f3', // HEBREW PUNCTUATION GERESH
		'\u05f4', // HEBREW PUNCTUATION GERSHAYIM
		'\uff5e', // FULLWIDTH TILDE
		'\u301c', // WAVE DASH
		'\u309b', // KATAKANA-HIRAGANA VOICED SOUND MARK
		'\u309c', // KATAKANA-HIRAGANA SEMI-VOICED SOUND MARK
		'\u30a0', // KATAKANA-HIRAGANA DOUBLE HYPHEN
		'\u30fb', // KATAKANA MIDDLE DOT
		'\u3003', // DITTO MARK
		'\u0f0b', // TIBETAN MARK INTERSYLLABIC TSHEG
		'\u0f0c', // TIBETAN MARK DELIMITER TSHEG BSTAR
		'\u00b7': // MIDDLE DOT
		return true
	}
	return false
}

// isASCIITagChar reports whether the ASCII byte c may appear in a hashtag.
func isASCIITagChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// isTagChar reports whether r may appear in a hashtag: a letter, a mark
// other than an enclosing mark, a decimal digit or a special character.
func isTagChar(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIITagChar(byte(r))
	}
	return unicode.IsLetter(r) || isTagMark(r) || unicode.IsDigit(r) || isSpecial(r)
}

// isTagMark reports whether r is a combining mark allowed in hashtags: a
// non-spacing or spacing mark. Enclosing marks (\p{Me}: the keycap U+20E3,
// the enclosing circle U+20DD, ...) turn the preceding character into a
// symbol, so they are not allowed; twitter-text allows them, which makes
// "#1️⃣" a hashtag there.
func isTagMark(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Mc)
}

// isIgnorable reports whether the hashtag character r is invisible
// (Default_Ignorable_Code_Point): ZWNJ, ZWJ, variation selectors, and the
// letters and marks of Other_Default_Ignorable_Code_Point (combining
// grapheme joiner, Hangul fillers, Khmer inherent vowels). The list is
// spelled out because it runs per rune on the ingest path;
// TestIgnorableMatchesUnicode checks it against the unicode tables. Callers
// check isTagChar first; for other runes the answer is meaningless.
func isIgnorable(r rune) bool {
	switch {
	case r < '\u034f':
		return false
	case r == '\u034f', // COMBINING GRAPHEME JOINER
		r == '\u115f', r == '\u1160', // HANGUL CHOSEONG/JUNGSEONG FILLER
		r == '\u17b4', r == '\u17b5', // KHMER VOWEL INHERENT AQ/AA
		'\u180b' <= r && r <= '\u180f', // MONGOLIAN FREE VARIATION SELECTORS (U+180E is no hashtag character)
		r == zwnj, r == zwj,
		r == '\u3164',                          // HANGUL FILLER
		'\ufe00' <= r && r <= '\ufe0f',         // VARIATION SELECTOR-1..16
		r == '\uffa0',                          // HALFWIDTH HANGUL FILLER
		'\U000e0100' <= r && r <= '\U000e01ef': // VARIATION SELECTOR-17..256
		return true
	}
	return false
}

// isTagLetter reports whether r counts as the letter every hashtag needs: a
// visible letter or mark.
func isTagLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return (unicode.IsLetter(r) || isTagMark(r)) && !isIgnorable(r)
}

// isBidiControl reports whether r is a bidirectional formatting character.
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case '\u202a' <= r && r <= '\u202e', '\u2066' <= r && r <= '\u2069':
		return true
	}
	return false
}
