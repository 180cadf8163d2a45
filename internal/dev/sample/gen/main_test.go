package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
)

// TestCommittedFileIsGenerated proves the sample is reproducible: the generator writes exactly
// the committed file, and agrees with package sample on the anchor.
func TestCommittedFileIsGenerated(t *testing.T) {
	if !anchor.Equal(sample.Anchor) {
		t.Fatalf("generator anchor %s, package sample's %s", anchor, sample.Anchor)
	}
	got, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../posts.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("internal/dev/sample/posts.json (%d bytes) differs from the generator's output (%d bytes): run `go run ./internal/dev/sample/gen`",
			len(want), len(got))
	}
	if !bytes.Equal(sample.Raw(), want) {
		t.Error("the embedded sample differs from internal/dev/sample/posts.json")
	}
}

func TestCheckRejectsBadSamples(t *testing.T) {
	post := func(id, at, text string) string {
		return `{"id":"` + id + `","created_at":"` + at + `","text":` + strconv.Quote(text) + `,"author_id":"1","lang":"en"}`
	}
	// 1863000000000000000 is 2024-11-30T23:19:47.523Z.
	const id, at = "1863000000000000000", "2024-11-30T23:19:47.000Z"
	tests := []struct {
		name, data string
		n          int
		want       string
	}{
		{"good", "[" + post(id, at, "x #Café #cafe\u0301 @a https://example.com/x") + "]", 1, ""},
		{"not json", "[{", 1, "parse corpus"},
		{"count", "[" + post(id, at, "x") + "]", 2, "read back 1 posts, want 2"},
		{"duplicate id", "[" + post(id, at, "x") + "," + post(id, at, "y") + "]", 2, "duplicate id"},
		{"id outside created_at's second", "[" + post(id, "2024-11-30T23:19:46.000Z", "x") + "]", 1, "not within the second"},
		{"entities and Extract disagree", "[" + post(id, at, "see example.com/#anchor") + "]", 1, "entities say"},
		{"invalid hashtag", "[" + post(id, at, "#"+strings.Repeat("a", 141)) + "]", 1, "invalid hashtag"},
		{"format character", "[" + post(id, at, "a\u200bb #x") + "]", 1, "format character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := check([]byte(tc.data), tc.n)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("check: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("check: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
