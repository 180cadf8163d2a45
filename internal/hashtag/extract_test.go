package hashtag

import (
	"slices"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		// Basics.
		{"empty text", "", nil},
		{"no hash sign", "just words", nil},
		{"single", "a #hashtag here", []string{"hashtag"}},
		{"at start", "#go rocks", []string{"go"}},
		{"at end", "I like #go", []string{"go"}},
		{"multiple in order", "One #two three #four", []string{"two", "four"}},
		{"repeats kept", "#go #Go #go", []string{"go", "Go", "go"}},
		{"case preserved", "#AWS and #Aws", []string{"AWS", "Aws"}},
		{"fullwidth hash sign", "全角 ＃ハッシュタグ", []string{"ハッシュタグ"}},
		{"fullwidth letters", "＃ｈａｓｈｔａｇ１２３", []string{"ｈａｓｈｔａｇ１２３"}},
		{"newlines", "#a1\ntext\n#b2\n", []string{"a1", "b2"}},
		{"tab before", "x\t#go", []string{"go"}},
		{"lone hash sign", "# go", nil},
		{"hash sign at end", "go #", nil},

		// Digits and letters.
		{"all digits", "On the #16 bus", nil},
		{"single digit", "#0", nil},
		{"digit then letters", "#1st place", []string{"1st"}},
		{"letters then digits", "#web3", []string{"web3"}},
		{"underscore only", "#_", nil},
		{"digits and underscore", "#1_2", nil},
		{"ditto mark only", "#\u3003", nil},
		{"underscore inside", "#snake_case", []string{"snake_case"}},
		{"devanagari digits only", "#१२३४", nil},
		{"devanagari digits with letters", "#महात्मा_१२३४", []string{"महात्मा_१२३४"}},
		{"arabic-indic digits with letters", "#۳۴۵هشتگ", []string{"۳۴۵هشتگ"}},

		// Preceding character.
		{"preceded by letter", "a#b", nil},
		{"preceded by digit", "1#go", nil},
		{"preceded by underscore", "_#go", nil},
		{"html entity", "it&#39;s", nil},
		{"html hex entity", "it&#x27;s", nil},
		{"preceded by ampersand", "&#go", nil},
		{"after open paren", "(#go)", []string{"go"}},
		{"brackets and quotes", "(#a1 )#a2 [#a3 ]#a4 \u2019#a5\u2019#a6", []string{"a1", "a2", "a3", "a4", "a5", "a6"}},
		{"after punctuation", ":#a ;#b ,#c .#d !#e ?#f", []string{"a", "b", "c", "d", "e", "f"}},
		{"after mention", "@user #go", []string{"go"}},
		{"mention glued", "@user#go", nil},
		{"after at sign", "@#go", []string{"go"}},
		{"after japanese letter", "日本語#日本語", nil},
		{"after japanese full stop", "テスト。#日本語", []string{"日本語"}},
		{"after fullwidth exclamation", "できた！＃日本語。", []string{"日本語"}},
		{"double hash sign", "##go", []string{"go"}},
		{"after emoji", "\U0001F680#go", []string{"go"}},
		{"after emoji with variation selector", "\u2764\ufe0f#love", []string{"love"}},
		{"after text variation selector", "a\ufe0e#go", []string{"go"}},
		{"after invalid utf-8", "\xff#go", []string{"go"}},

		// What follows the hashtag.
		{"comma", "#go, #rust", []string{"go", "rust"}},
		{"full stop", "#go.", []string{"go"}},
		{"exclamation", "#go!", []string{"go"}},
		{"question", "#go?", []string{"go"}},
		{"colon and semicolon", "#a: #b;", []string{"a", "b"}},
		{"closing paren", "(#go)", []string{"go"}},
		{"hyphen ends", "#state-of-the-art", []string{"state"}},
		{"apostrophe ends", "#go's", []string{"go"}},
		{"followed by hash", "#tag#tag2", nil},
		{"followed by fullwidth hash", "#tag＃tag2", nil},
		{"chain of three", "#a#b#c", nil},
		{"followed by scheme", "#http://twitter.com #https://x.com", nil},
		{"followed by emoji", "#go\U0001F680", []string{"go"}},
		{"emoji between tags", "#go\U0001F680#rust", []string{"go", "rust"}},
		{"invalid utf-8 ends", "#go\xffmore", []string{"go"}},
		{"japanese comma ends", "#日本語、すごい", []string{"日本語"}},
		{"japanese full stop ends", "#日本語ハッシュタグ。", []string{"日本語ハッシュタグ"}},
		{"arabic comma ends", "#مرحبا، عالم", []string{"مرحبا"}},
		{"ideographic space ends", "#東京\u3000大阪", []string{"東京"}},
		{"no-break space ends", "#go\u00a0now", []string{"go"}},

		// Scripts.
		{"japanese", "#日本語 です", []string{"日本語"}},
		{"katakana with long vowel", "#サッカー", []string{"サッカー"}},
		{"halfwidth katakana with voiced mark", "#ﾊｯｼｭﾀｸﾞ", []string{"ﾊｯｼｭﾀｸﾞ"}},
		{"iteration marks", "#云々 #いすゞ #各〃", []string{"云々", "いすゞ", "各〃"}},
		{"fullwidth tilde and wave dash", "#メ～テレ #メ〜テレ", []string{"メ～テレ", "メ〜テレ"}},
		{"katakana middle dot", "#ポケモン・ゴー", []string{"ポケモン・ゴー"}},
		{"korean", "What is #트위터 anyway?", []string{"트위터"}},
		{"arabic", "#مرحبا بكم", []string{"مرحبا"}},
		{"arabic with underscore", "#رئيس_الوزراء,", []string{"رئيس_الوزراء"}},
		{"arabic tatweel", "#ســـلام", []string{"ســـلام"}},
		{"hindi vowel signs", "#हिन्दी भाषा", []string{"हिन्दी"}},
		{"thai", "#ภาษาไทย #ผู้เริ่ม", []string{"ภาษาไทย", "ผู้เริ่ม"}},
		{"hebrew with maqaf and geresh", "#עַל־יְדֵי #וכו׳ #מ״כ", []string{"עַל־יְדֵי", "וכו׳", "מ״כ"}},
		{"tibetan tsheg", "#བོད་སྐད་", []string{"བོད་སྐད་"}},
		{"cyrillic", "#русский!", []string{"русский"}},
		{"greek", "#Μαχάτμα_Γκάντι ήταν", []string{"Μαχάτμα_Γκάντι"}},
		{"catalan middle dot", "#il·lusió", []string{"il·lusió"}},
		{"persian with zwnj", "#می\u200cخواهم", []string{"می\u200cخواهم"}},
		{"sinhala with zwj", "#ශ්\u200dරී", []string{"ශ්\u200dරී"}},
		{"decomposed accent", "#cafe\u0301!", []string{"cafe\u0301"}},
		{"composed accent", "#caf\u00e9!", []string{"caf\u00e9"}},
		{"astral letter", "#\U00020021", []string{"\U00020021"}},
		{"latin extended", "#Azərbaycanca #Čeština", []string{"Azərbaycanca", "Čeština"}},
		{"turkish dotted capital", "#İstanbul", []string{"İstanbul"}},

		// Emoji and invisible characters.
		{"keycap with variation selector", "#\ufe0f\u20e3", nil},
		{"keycap without variation selector", "#\u20e3", nil},
		{"digit keycap", "#1\ufe0f\u20e3 #2\u20e3", nil},
		{"keycap ends tag", "#a\u20e3b", []string{"a"}},
		{"enclosing circle ends tag", "#a\u20ddb", []string{"a"}},
		{"variation selector after hash", "#\ufe0fgo", nil},
		{"only a hangul filler", "#\u3164", nil},
		{"only zwj", "#\u200d", nil},
		{"emoji only", "#\U0001F680", nil},
		{"bidi control ends", "#go\u202eog", []string{"go"}},
		{"zero width space ends", "#go\u200bgo", []string{"go"}},

		// URLs.
		{"url fragment after slash", "http://twitter.com/#hashtag twitter.com/#hashtag", nil},
		{"bare domain fragment", "see example.com/#anchor", nil},
		{"path then fragment", "https://example.com/page-#section", nil},
		{"query then fragment", "http://foo.com?#foo text", nil},
		{"query value", "https://x.com/search?q=#golang", nil},
		{"www with query", "www.example.com?#x", nil},
		{"domain with port", "example.com:8080/a-#b", nil},
		{"relative path", "/docs/#install", nil},
		{"url then tag", "https://x.com/a #go", []string{"go"}},
		{"url without path then comma", "http://example.com,#go", []string{"go"}},
		{"url then cjk punctuation", "https://x.com/a\u3001#go", []string{"go"}},
		{"host after slash without scheme", "and/or.this?#go", []string{"go"}},
		{"number before slash", "1.5/?#go", []string{"go"}},
		{"abbreviation", "e.g./?#go", []string{"go"}},
		{"tag then url", "#go https://go.dev/#x", []string{"go"}},
		{"hashtag with dot after", "#test.com", []string{"test"}},
		{"hashtag with domain and path", "#t.co/abcde", []string{"t"}},
		{"domain after hyphen is no host", "foo-.bar.com/?#go", []string{"go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Extract(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestExtractLongText(t *testing.T) {
	// A long run of URL path characters with many hash signs must still be
	// handled, and tags after it extracted.
	text := strings.Repeat("-#a", 10000) + " #last"
	got := Extract(text)
	if len(got) != 10001 || got[0] != "a" || got[10000] != "last" {
		t.Fatalf("Extract(long text) returned %d tags, want 10001 from \"a\" to \"last\"", len(got))
	}
	// However deep into a URL, a hash sign is part of it.
	long := "https://example.com/" + strings.Repeat("a-", 100000) + "#tag #ok"
	if got := Extract(long); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("Extract(very long URL) = %q, want [ok]", got)
	}
	short := "https://example.com/" + strings.Repeat("a-", 100) + "#tag"
	if got := Extract(short); got != nil {
		t.Errorf("Extract(long URL) = %q, want none", got)
	}
}

func TestExtractURLScanAcrossTags(t *testing.T) {
	// The URL state carries across hash signs of one text and resets at a
	// character that cannot be in a URL.
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"tags in one url path", "x.com/a-#b-#c-#d", nil},
		{"url ends at space", "x.com/a-#b c-#d", []string{"d"}},
		{"url ends at cjk punctuation", "x.com/a-#b\u3002-#d", []string{"d"}},
		{"url ends at invalid utf-8", "x.com/a-#b\xff-#d", []string{"d"}},
		{"second url after plain tags", "-#a -#b x.com/?#c -#d", []string{"a", "b", "d"}},
		{"tag before url in same run", "-#a,x.com/?#b", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Extract(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Extract(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
