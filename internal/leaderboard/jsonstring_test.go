package leaderboard

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

var jsonStringCases = []string{
	"", "aws", "ÄÖü", "日本語", "emoji 😀", "<img src=x onerror=alert(1)>", `a"b\c`, "a&b",
	"\x00\x01\x1f\x7f", "tab\there\nnew\rline", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80",
	"\u202e rtl", "\ufffd", "\xf4\x90\x80\x80",
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonStringCases {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	}
}

// FuzzAppendJSONString checks the hand-written escaper against encoding/json on any input.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got := appendJSONString(nil, s)
		if string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
		if !utf8.Valid(got) {
			t.Fatalf("not valid UTF-8: %q", got)
		}
	})
}
