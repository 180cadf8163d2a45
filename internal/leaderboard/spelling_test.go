package leaderboard

import (
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// Each row's "spelling" is the board's recorded spelling, or the hashtag itself where none is
// recorded; "hashtag" stays the canonical key. The ETag covers the spelling.
func TestJSONSpelling(t *testing.T) {
	data := map[store.Window][]store.Entry{
		store.All: {{Hashtag: "istanbul", Count: 4, Spelling: "İstanbul"}, {Hashtag: "aws", Count: 2}},
	}
	b := newFakeBoard(data)
	b.setTrends(store.Hour, []store.Trend{{Hashtag: "reinvent", Spelling: "reInvent", Count: 31, Authors: 30, Score: 900}})
	h, _, _ := newTestHandler(t, b)
	for _, tc := range []struct{ query, want string }{
		{"", `"hashtags":[{"rank":1,"hashtag":"istanbul","spelling":"İstanbul","count":4,"estimate":4,"margin":0},` +
			`{"rank":2,"hashtag":"aws","spelling":"aws","count":2,"estimate":2,"margin":0}]}`},
		{"view=trending", `"hashtags":[{"rank":1,"hashtag":"reinvent","spelling":"reInvent","count":31,"estimate":31,"margin":0,` +
			`"authors":30,"baseline":0,"score":900}]}`},
	} {
		resp := handle(t, h, event("GET", tc.query, nil))
		if resp.StatusCode != 200 || !strings.HasSuffix(resp.Body, tc.want+"\n") {
			t.Errorf("GET ?%s: %d %s, want it to end with %s", tc.query, resp.StatusCode, resp.Body, tc.want)
		}
	}
	first := handle(t, h, event("GET", "", nil)).Headers["ETag"]
	data[store.All] = []store.Entry{{Hashtag: "istanbul", Count: 4, Spelling: "ISTANBUL"}, {Hashtag: "aws", Count: 2}}
	other, _, _ := newTestHandler(t, newFakeBoard(data))
	if second := handle(t, other, event("GET", "", nil)).Headers["ETag"]; first == "" || second == first {
		t.Errorf("ETag %q with another spelling, %q before: want them to differ", second, first)
	}
}
