package hashtag

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// reasons are the errors Normalize may wrap.
var reasons = []error{ErrEmpty, ErrTooLong, ErrInvalidUTF8, ErrWhitespace, ErrControl, ErrBidi, ErrFormat, ErrInvalidChar, ErrNoLetter, ErrTooManyMarks}

// checkClean fails when s contains a character no hashtag may contain.
// invisibleOK allows the invisible hashtag characters Extract keeps and
// Normalize removes.
func checkClean(t *testing.T, what, s string, invisibleOK bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s %q is not valid UTF-8", what, s)
	}
	for i, r := range s {
		switch {
		case r == '#' || r == fullwidthHash:
			t.Fatalf("%s %q contains a hash sign at byte %d", what, s, i)
		case unicode.IsSpace(r), unicode.IsControl(r), isBidiControl(r):
			t.Fatalf("%s %q contains %U at byte %d", what, s, r, i)
		case unicode.Is(unicode.Cf, r) && r != zwnj && r != zwj:
			t.Fatalf("%s %q contains format character %U at byte %d", what, s, r, i)
		case !isTagChar(r):
			t.Fatalf("%s %q contains non-hashtag character %U at byte %d", what, s, r, i)
		case !invisibleOK && isIgnorable(r):
			t.Fatalf("%s %q contains invisible character %U at byte %d", what, s, r, i)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "#", "＃", "go", "#AWS", "＃Aws", "café", "cafe\u0301", "İstanbul", "ΟΔΟΣ", "STRAẞE",
		"日本語", "हिन्दी", "می\u200cخواهم", "go\u202e", "go lang", "123", "1st", "go\xff",
		"\ufe0f\u20e3", "\u3164", strings.Repeat("e\u0301", MaxLen+1), "\u1100\u1161\u11a8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		got, err := Normalize(tag)
		if err != nil {
			if got != "" {
				t.Fatalf("Normalize(%q) = %q with error %v; want \"\"", tag, got, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("Normalize(%q) error message is not valid UTF-8: %q", tag, err)
			}
			for _, r := range reasons {
				if errors.Is(err, r) {
					return
				}
			}
			t.Fatalf("Normalize(%q) error %v wraps none of the Err* reasons", tag, err)
		}
		checkClean(t, "Normalize output", got, false)
		if got == "" {
			t.Fatalf("Normalize(%q) = \"\" without error", tag)
		}
		if n := utf8.RuneCountInString(got); n > MaxLen {
			t.Fatalf("Normalize(%q) = %q, %d runes > MaxLen", tag, got, n)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Normalize(%q) = %q, not NFC", tag, got)
		}
		if !strings.ContainsFunc(got, isTagLetter) {
			t.Fatalf("Normalize(%q) = %q, has no letter", tag, got)
		}
		for _, in := range []string{got, "#" + got, "＃" + got} {
			again, err := Normalize(in)
			if err != nil || again != got {
				t.Fatalf("Normalize(%q) = %q, %v; want %q (Normalize(%q) = %q)", in, again, err, got, tag, got)
			}
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"", "a #hashtag here", "#tag#tag2", "a#b &#39; ##go", "example.com/#anchor https://x.com/a?b=#c",
		"#日本語、#テスト。", "#مرحبا #हिन्दी #ภาษาไทย #트위터", "#go\U0001F680 \U0001F680#go #\ufe0f\u20e3",
		"＃全角 #cafe\u0301 #İstanbul", "#http://x.com", "\u2764\ufe0f#love", "#a\u200d\u3164 #\u3164",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tags := Extract(text)
		if n := strings.Count(text, "#") + strings.Count(text, fullwidthHashStr); len(tags) > n {
			t.Fatalf("Extract(%q) returned %d tags from %d hash signs", text, len(tags), n)
		}
		from := 0
		for _, tag := range tags {
			if tag == "" {
				t.Fatalf("Extract(%q) returned an empty tag", text)
			}
			checkClean(t, "Extract result", tag, true)
			// Each tag follows a hash sign, in order of appearance.
			i := strings.Index(text[from:], tag)
			for i >= 0 && !strings.HasSuffix(text[:from+i], "#") && !strings.HasSuffix(text[:from+i], fullwidthHashStr) {
				from += i + 1
				i = strings.Index(text[from:], tag)
			}
			if i < 0 {
				t.Fatalf("Extract(%q) returned %q, which does not follow a hash sign in order", text, tag)
			}
			from += i + len(tag)

			if _, err := Normalize(tag); err != nil && !errors.Is(err, ErrTooLong) && !errors.Is(err, ErrTooManyMarks) {
				t.Fatalf("Extract(%q) returned %q, which Normalize rejects: %v", text, tag, err)
			}
		}
	})
}

// TestEveryRune checks the fuzz properties for every code point, alone and
// around letters, which random fuzzing rarely reaches: NFC and lower-casing
// must never produce a character the rules reject, and Extract and Normalize
// must agree on every character.
func TestEveryRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r += runeStep() {
		if !unicode.IsGraphic(r) && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) {
			continue // unassigned, private use or surrogate: never a hashtag character
		}
		c := string(r)
		for _, tag := range []string{c, "a" + c, c + "a", "A" + c + "\u0301", "I" + c + "Σ"} {
			got, err := Normalize(tag)
			if err != nil {
				continue
			}
			checkClean(t, "Normalize output", got, false)
			if again, err := Normalize(got); err != nil || again != got {
				t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", tag, got, got, again, err)
			}
		}
		text := "#a" + c + "b #" + c
		for _, tag := range Extract(text) {
			checkClean(t, "Extract result", tag, true)
			if _, err := Normalize(tag); err != nil {
				t.Fatalf("Extract(%q) returned %q, which Normalize rejects: %v", text, tag, err)
			}
		}
	}
}

func TestIgnorableMatchesUnicode(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r += runeStep() {
		if !isTagChar(r) {
			continue
		}
		want := r == zwnj || r == zwj ||
			unicode.Is(unicode.Variation_Selector, r) ||
			unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
		if got := isIgnorable(r); got != want {
			t.Errorf("isIgnorable(%U) = %v, want %v (Default_Ignorable_Code_Point)", r, got, want)
		}
	}
}

// runeStep is 1 (every code point) in a normal test run, and samples every
// 17th code point with -short or -race.
func runeStep() rune {
	if testing.Short() || raceEnabled {
		return 17
	}
	return 1
}
