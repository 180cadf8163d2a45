package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// #İstanbul, #istanbul and #ISTANBUL are one row, shown as most posts write it; a post that
// writes it twice counts once, in its first spelling; X's entities and the text fallback
// give the spelling as written.
func TestSpellingOfCountedHashtags(t *testing.T) {
	now := time.Now()
	at := func(i int) time.Time { return now.Add(-time.Duration(20-i) * time.Minute) }
	posts := []xapitest.Tweet{
		{CreatedAt: at(0), Text: "#İstanbul today"},
		{CreatedAt: at(1), Text: "#İstanbul again #reInvent", OmitEntities: true},
		{CreatedAt: at(2), Text: "#istanbul #reinvent"},
		{CreatedAt: at(3), Text: "#ISTANBUL and #İstanbul and #istanbul #reInvent"},
	}
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		f := newFixture(t, srv, posts)
		mustRun(t, f.handler(t, nil))
		want := map[string]struct {
			count int64
			shown string
		}{"istanbul": {4, "İstanbul"}, "reinvent": {3, "reInvent"}}
		for _, w := range store.Windows {
			entries, err := f.board.Top(context.Background(), w, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(want) {
				t.Fatalf("%s: %+v, want one row each of %v", w, entries, want)
			}
			for _, e := range entries {
				if x := want[e.Hashtag]; e.Count != x.count || e.Shown() != x.shown {
					t.Errorf("%s: %s counted %d shown as %q, want %d shown as %q", w, e.Hashtag, e.Count, e.Shown(), x.count, x.shown)
				}
			}
		}
	})
}
