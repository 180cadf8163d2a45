package hashtag

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		tag     string
		want    string
		wantErr error
	}{
		// Case and hash sign.
		{"lower ascii unchanged", "aws", "aws", nil},
		{"upper ascii", "AWS", "aws", nil},
		{"mixed ascii", "Aws", "aws", nil},
		{"leading hash sign", "#AWS", "aws", nil},
		{"leading fullwidth hash sign", "＃AWS", "aws", nil},
		{"digits and underscore kept", "Go_1st", "go_1st", nil},
		{"digit first", "1st", "1st", nil},
		{"cyrillic upper", "#РУССКИЙ", "русский", nil},
		{"greek final sigma", "ΟΔΟΣ", "οδος", nil},
		{"greek sigma inside word", "ΣΟΦΙΑ", "σοφια", nil},
		{"japanese unchanged", "日本語", "日本語", nil},
		{"fullwidth latin lowered, not folded", "ＡＷＳ", "ａｗｓ", nil},
		{"titlecase digraph", "ǅemal", "ǆemal", nil},

		// Composition.
		{"composed e acute", "caf\u00e9", "caf\u00e9", nil},
		{"decomposed e acute", "cafe\u0301", "caf\u00e9", nil},
		{"decomposed upper", "CAFE\u0301", "caf\u00e9", nil},
		{"hangul jamo compose", "\u1100\u1161", "\uac00", nil},
		{"devanagari marks", "हिन्दी", "हिन्दी", nil},
		{"thai marks", "ผู้เริ่ม", "ผู้เริ่ม", nil},
		{"mark after digit counts as letter", "1\u0301", "1\u0301", nil},
		{"angstrom sign singleton", "\u212bngstrom", "\u00e5ngstrom", nil},

		// Documented casing choices.
		{"turkish dotted capital I folds to i", "İstanbul", "istanbul", nil},
		{"dotted capital I upper case", "İSTANBUL", "istanbul", nil},
		{"i with combining dot above", "i\u0307stanbul", "istanbul", nil},
		{"capital I with combining dot above", "I\u0307stanbul", "istanbul", nil},
		{"i with two dots above", "i\u0307\u0307stanbul", "istanbul", nil},
		{"dotted I then acute composes", "\u0130\u0301", "\u00ed", nil},
		{"dot above kept after other letters", "a\u0307b", "\u0227b", nil},
		{"dot above kept after dotless i", "\u0131\u0307", "\u0131\u0307", nil},
		{"dot above after i-acute kept", "\u00ed\u0307", "\u00ed\u0307", nil},
		{"turkish dotless i kept", "ısparta", "ısparta", nil},
		{"german sharp s kept", "Straße", "straße", nil},
		{"german capital sharp s", "STRAẞE", "straße", nil},

		// Invisible characters removed.
		{"zwnj removed", "می\u200cخواهم", "میخواهم", nil},
		{"zwj removed", "ශ්\u200dරී", "ශ්රී", nil},
		{"variation selector removed", "go\ufe0f", "go", nil},
		{"ideographic variation selector removed", "葛\U000E0100", "葛", nil},
		{"combining grapheme joiner removed", "a\u034fb", "ab", nil},
		{"only invisible characters", "\u200d\u200c", "", ErrEmpty},
		{"only hangul filler", "\u3164", "", ErrEmpty},
		{"hangul filler and digits", "\u31641", "", ErrNoLetter},

		// Special characters.
		{"middle dot", "il·lusió", "il·lusió", nil},
		{"fullwidth tilde", "メ～テレ", "メ～テレ", nil},
		{"hebrew geresh", "וכו׳", "וכו׳", nil},
		{"tibetan tsheg", "བོད་", "བོད་", nil},

		// Rejections.
		{"empty", "", "", ErrEmpty},
		{"only hash sign", "#", "", ErrEmpty},
		{"only fullwidth hash sign", "＃", "", ErrEmpty},
		{"two hash signs", "##go", "", ErrInvalidChar},
		{"hash sign inside", "go#lang", "", ErrInvalidChar},
		{"all digits", "123", "", ErrNoLetter},
		{"all devanagari digits", "१२३", "", ErrNoLetter},
		{"underscore only", "_", "", ErrNoLetter},
		{"digits and underscore", "1_2", "", ErrNoLetter},
		{"ditto mark only", "\u3003", "", ErrNoLetter},
		{"space inside", "go lang", "", ErrWhitespace},
		{"leading space", " go", "", ErrWhitespace},
		{"trailing newline", "go\n", "", ErrWhitespace},
		{"ideographic space", "東京\u3000", "", ErrWhitespace},
		{"no-break space", "go\u00a0", "", ErrWhitespace},
		{"nul", "go\x00", "", ErrControl},
		{"delete", "go\x7f", "", ErrControl},
		{"c1 control", "go\u0080", "", ErrControl},
		{"right-to-left override", "go\u202egol", "", ErrBidi},
		{"left-to-right mark", "\u200ego", "", ErrBidi},
		{"first strong isolate", "go\u2068", "", ErrBidi},
		{"arabic letter mark", "مرحبا\u061c", "", ErrBidi},
		{"zero width space", "go\u200bgo", "", ErrFormat},
		{"soft hyphen", "go\u00adgo", "", ErrFormat},
		{"word joiner", "go\u2060", "", ErrFormat},
		{"tag character", "go\U000E0067", "", ErrFormat},
		{"invalid utf-8", "go\xff", "", ErrInvalidUTF8},
		{"truncated utf-8", "caf\xc3", "", ErrInvalidUTF8},
		{"hyphen", "state-of-the-art", "", ErrInvalidChar},
		{"dot", "example.com", "", ErrInvalidChar},
		{"emoji", "go\U0001F680", "", ErrInvalidChar},
		{"keycap", "\ufe0f\u20e3", "", ErrInvalidChar},
		{"digit keycap", "1\ufe0f\u20e3", "", ErrInvalidChar},
		{"enclosing circle", "a\u20dd", "", ErrInvalidChar},
		{"only a combining mark", "\u0301", "\u0301", nil},
		{"private use", "go\uf870", "", ErrInvalidChar},
		{"replacement character", "go\ufffd", "", ErrInvalidChar},
		{"roman numeral", "ⅻ", "", ErrInvalidChar},
		{"greek question mark", "go\u037e", "", ErrInvalidChar},

		// Length, counted in runes of the canonical form.
		{"ascii at limit", strings.Repeat("a", MaxLen), strings.Repeat("a", MaxLen), nil},
		{"ascii at limit with hash sign", "#" + strings.Repeat("A", MaxLen), strings.Repeat("a", MaxLen), nil},
		{"ascii over limit", strings.Repeat("a", MaxLen+1), "", ErrTooLong},
		{"30 combining marks", "a" + strings.Repeat("\u0301", 30), "\u00e1" + strings.Repeat("\u0301", 29), nil},
		{"31 combining marks", "a" + strings.Repeat("\u0301", 31), "", ErrTooManyMarks},
		{"japanese at limit", strings.Repeat("語", MaxLen), strings.Repeat("語", MaxLen), nil},
		{"japanese over limit", strings.Repeat("語", MaxLen+1), "", ErrTooLong},
		{"decomposed composes under limit", strings.Repeat("e\u0301", MaxLen), strings.Repeat("\u00e9", MaxLen), nil},
		{"invisible not counted", strings.Repeat("a\u200d", MaxLen), strings.Repeat("a", MaxLen), nil},
		{"dotted I folds at limit", strings.Repeat("İ", MaxLen), strings.Repeat("i", MaxLen), nil},
		{"dotted I over limit", strings.Repeat("İ", MaxLen+1), "", ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.tag)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Normalize(%q) = %q, %v; want error %v", tt.tag, got, err, tt.wantErr)
				}
				if got != "" {
					t.Errorf("Normalize(%q) returned %q with its error, want \"\"", tt.tag, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.tag, got, err, tt.want)
			}
			again, err := Normalize(got)
			if err != nil || again != got {
				t.Errorf("Normalize(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestNormalizeErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		tag  string
		want []string // substrings of the message
	}{
		{"names the tag and reason", "go lang", []string{`hashtag "go lang"`, "whitespace", "U+0020 at byte 2"}},
		{"offset counts the hash sign", "#go lang", []string{"U+0020 at byte 3"}},
		{"invisible characters escaped", "go\u202e", []string{`"go\u202e"`, "bidirectional", "U+202E"}},
		{"invalid utf-8 escaped", "go\xff", []string{`"go\xff"`, "invalid UTF-8 at byte 2"}},
		{"long tag shortened", strings.Repeat("a", 200), []string{"longer than 140 characters (200)", "…"}},
		{"too long counts runes", strings.Repeat("語", 150), []string{"(150)"}},
		{"empty", "#", []string{`hashtag "#": empty`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Normalize(tt.tag)
			if err == nil {
				t.Fatalf("Normalize(%q) succeeded, want an error", tt.tag)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Normalize(%q) error %q does not contain %q", tt.tag, err, w)
				}
			}
			if len(err.Error()) > 200 {
				t.Errorf("Normalize error is %d bytes long, want it shortened: %q", len(err.Error()), err)
			}
		})
	}
}

func TestNormalizeNoAllocation(t *testing.T) {
	tests := []struct {
		name string
		tag  string
	}{
		{"ascii lower", "golang"},
		{"ascii lower with hash sign", "#golang"},
		{"japanese", "日本語"},
		{"nfc lower", "café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				if _, err := Normalize(tt.tag); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Normalize(%q) allocates %v times, want 0", tt.tag, allocs)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name         string
		tags         []string
		want         []string
		wantRejected []string
		wantReasons  []error
	}{
		{"nil", nil, nil, nil, nil},
		{"single", []string{"Go"}, []string{"go"}, nil, nil},
		{"case variants count once", []string{"AWS", "aws", "Aws", "#aWs"}, []string{"aws"}, nil, nil},
		{"composition variants count once", []string{"caf\u00e9", "cafe\u0301", "CAFÉ"}, []string{"caf\u00e9"}, nil, nil},
		{"invisible variants count once", []string{"می\u200cخواهم", "میخواهم"}, []string{"میخواهم"}, nil, nil},
		{"sorted by bytes", []string{"zeta", "Alpha", "日本", "beta", "Émile"}, []string{"alpha", "beta", "zeta", "émile", "日本"}, nil, nil},
		{"all rejected", []string{"123", ""}, nil, []string{"123", ""}, []error{ErrNoLetter, ErrEmpty}},
		{
			"mixed valid and invalid",
			[]string{"go", "go lang", "Go", "1984", "rust\u202e", "Rust"},
			[]string{"go", "rust"},
			[]string{"go lang", "1984", "rust\u202e"},
			[]error{ErrWhitespace, ErrNoLetter, ErrBidi},
		},
		{"repeated invalid reported each time", []string{"1", "1"}, nil, []string{"1", "1"}, []error{ErrNoLetter, ErrNoLetter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.tags)
			kept, rejected := Canonical(tt.tags)
			if !slices.Equal(kept, tt.want) {
				t.Errorf("Canonical(%q) kept %q, want %q", tt.tags, kept, tt.want)
			}
			if tt.want == nil && kept != nil {
				t.Errorf("Canonical(%q) kept = %#v, want nil", tt.tags, kept)
			}
			if len(rejected) != len(tt.wantRejected) {
				t.Fatalf("Canonical(%q) rejected %v, want tags %q", tt.tags, rejected, tt.wantRejected)
			}
			for i, r := range rejected {
				if r.Tag != tt.wantRejected[i] || !errors.Is(r.Err, tt.wantReasons[i]) {
					t.Errorf("rejected[%d] = {%q, %v}, want {%q, %v}", i, r.Tag, r.Err, tt.wantRejected[i], tt.wantReasons[i])
				}
			}
			if !slices.Equal(in, tt.tags) {
				t.Errorf("Canonical modified its input: %q, was %q", tt.tags, in)
			}
		})
	}
}

func TestCanonicalOfExtract(t *testing.T) {
	text := "Learning #Go and #golang, #GO again! #日本語 #cafe\u0301 #Café #123 example.com/#anchor"
	kept, rejected := Canonical(Extract(text))
	want := []string{"café", "go", "golang", "日本語"}
	if !slices.Equal(kept, want) || rejected != nil {
		t.Errorf("Canonical(Extract(%q)) = %q, %v; want %q, none rejected", text, kept, rejected, want)
	}
}

func TestNormalizeConcurrent(t *testing.T) {
	// The pooled cases.Caser must not be shared: run under -race.
	tags := []string{"ÉCOLE", "İstanbul", "ΟΔΟΣ", "Straße", "ПРИВЕТ"}
	want := []string{"école", "istanbul", "οδος", "straße", "привет"}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 200 {
				k := (g + i) % len(tags)
				got, err := Normalize(tags[k])
				if err != nil || got != want[k] {
					done <- errors.New("Normalize(" + tags[k] + ") = " + got + ", want " + want[k])
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

var benchSink []string

func BenchmarkCanonical(b *testing.B) {
	posts := []struct {
		name string
		tags []string
	}{
		{"ascii lower", []string{"golang", "aws", "serverless"}},
		{"ascii mixed case", []string{"GoLang", "AWS", "Serverless"}},
		{"ascii duplicates", []string{"go", "Go", "aws"}},
		{"unicode", []string{"日本語", "café", "Überall"}},
	}
	for _, p := range posts {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchSink, _ = Canonical(p.tags)
			}
		})
	}
}

func BenchmarkExtract(b *testing.B) {
	text := "Deploying the #hashtag leaderboard on #AWS Lambda with #Go 🚀 https://example.com/blog#intro #serverless"
	b.ReportAllocs()
	for b.Loop() {
		benchSink = Extract(text)
	}
}
