package hashtag

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSpelling(t *testing.T) {
	tests := []struct {
		name, tag, want string
	}{
		{"lower case kept", "aws", "aws"},
		{"upper case kept", "AWS", "AWS"},
		{"camel case kept", "#reInvent", "reInvent"},
		{"fullwidth hash sign removed", "＃Aws", "Aws"},
		{"dotted capital I kept", "#İstanbul", "İstanbul"},
		{"I with combining dot composes", "I\u0307stanbul", "İstanbul"},
		{"decomposed accent composes", "Cafe\u0301", "Caf\u00e9"},
		{"zwnj kept", "می\u200cخواهم", "می\u200cخواهم"},
		{"zwj kept", "ශ්\u200dරී", "ශ්\u200dරී"},
		{"variation selector removed", "Go\ufe0f", "Go"},
		{"hangul filler removed", "AWS\u3164", "AWS"},
		{"combining grapheme joiner removed", "A\u034fb", "Ab"},
		{"sharp s kept", "STRAßE", "STRAßE"},
		{"capital sharp s kept", "STRAẞE", "STRAẞE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canonical, err := Normalize(tt.tag)
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tt.tag, err)
			}
			if got := Spelling(tt.tag, canonical); got != tt.want {
				t.Errorf("Spelling(%q, %q) = %q, want %q", tt.tag, canonical, got, tt.want)
			}
		})
	}
}

func TestSpellingNeverNamesAnotherHashtag(t *testing.T) {
	for _, tt := range []struct{ tag, canonical string }{
		{"AWS", "gcp"},      // a caller's mistake: the tag does not fold to canonical
		{"İstanbul", "isx"}, // the same, off the ASCII path
		{"Awss", "aws"},     // same letters but one more
		{strings.Repeat("\u00e9\u200d", MaxLen), strings.Repeat("\u00e9", MaxLen)}, // too long with its joiners
	} {
		if got := Spelling(tt.tag, tt.canonical); got != tt.canonical {
			t.Errorf("Spelling(%q, %q) = %q, want the canonical form", tt.tag, tt.canonical, got)
		}
	}
}

func TestCanonicalSpelled(t *testing.T) {
	kept, rejected := CanonicalSpelled([]string{"Zeta", "İstanbul", "istanbul", "123", "ISTANBUL", "aws"})
	want := []Spelled{{"aws", "aws"}, {"istanbul", "İstanbul"}, {"zeta", "Zeta"}}
	if len(kept) != len(want) || len(rejected) != 1 {
		t.Fatalf("CanonicalSpelled = %q, %v; want %q and one rejected", kept, rejected, want)
	}
	for i := range want {
		if kept[i] != want[i] {
			t.Errorf("kept[%d] = %q, want %q (the first occurrence's spelling)", i, kept[i], want[i])
		}
	}
	if kept, _ := CanonicalSpelled([]string{"1"}); kept != nil {
		t.Errorf("CanonicalSpelled of no valid tag = %#v, want nil", kept)
	}
}

func FuzzSpelling(f *testing.F) {
	for _, s := range []string{"AWS", "#İstanbul", "I\u0307stanbul", "می\u200cخواهم", "Go\ufe0f", "ΟΔΟΣ", "ǅemal"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		canonical, err := Normalize(tag)
		if err != nil {
			return
		}
		s := Spelling(tag, canonical)
		if n, err := Normalize(s); err != nil || n != canonical {
			t.Fatalf("Spelling(%q) = %q normalises to %q, %v; want %q", tag, s, n, err, canonical)
		}
		if utf8.RuneCountInString(s) > MaxLen {
			t.Fatalf("Spelling(%q) = %q is longer than %d runes", tag, s, MaxLen)
		}
		checkClean(t, "spelling", s, true)
	})
}
