package store_test

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// spelledBatches records batches of posts with one hashtag each, written as given; a batch
// of nil replays the batch before it (the same post ids).
func spelledBatches(t *testing.T, s *store.Store, at time.Time, batches [][]string) {
	t.Helper()
	id := 100
	var last []store.Post
	for _, b := range batches {
		if b == nil {
			record(t, s, last...)
			continue
		}
		last = nil
		for _, tag := range b {
			id++
			last = append(last, store.Post{ID: strconv.Itoa(id), CreatedAt: at, AuthorID: strconv.Itoa(id), Hashtags: []string{tag}})
		}
		record(t, s, last...)
	}
}

func TestSpellingShown(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]string
		want    string            // the shown spelling of the one hashtag
		counts  map[string]string // sp:c: tag NUL spelling -> posts, tag NUL -> their sum
	}{
		{"most used wins", [][]string{{"AWS", "aws", "AWS"}}, "AWS", nil},
		{"lower case is a spelling too", [][]string{{"AWS"}, {"aws", "aws"}}, "aws", nil},
		{"a tie keeps the shown one", [][]string{{"reInvent"}, {"ReInvent"}}, "reInvent", nil},
		{"passing the shown one moves it", [][]string{{"reInvent"}, {"ReInvent"}, {"ReInvent"}}, "ReInvent", nil},
		{"a tie in one batch goes to the first written", [][]string{{"Go", "GO"}}, "Go", nil},
		{"the shown spelling counts its posts of the same batch", [][]string{{"Ab", "Ab"}, {"AB", "AB", "AB", "Ab", "Ab"}}, "Ab", nil},
		{"canonical forms of one hashtag", [][]string{{"İstanbul", "istanbul", "ISTANBUL", "#İstanbul", "I\u0307stanbul"}}, "İstanbul", nil},
		{
			"a replayed batch counts no spelling again",
			[][]string{{"AWS", "AWS"}, nil, nil, {"aws", "aws", "aws"}}, "aws",
			map[string]string{"aws\x00AWS": "2", "aws\x00": "2"}, // AWS, and the spellings other than aws
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
				ctx := context.Background()
				c := &clock{t: t0}
				s, prefix := newNamedBoard(t, rdb, c)
				spelledBatches(t, s, t0.Add(-time.Minute), tc.batches)
				for _, w := range store.Windows {
					entries, err := s.Top(ctx, w, 10)
					if err != nil {
						t.Fatal(err)
					}
					if len(entries) != 1 || entries[0].Shown() != tc.want {
						t.Fatalf("%s: Top = %+v, want one row shown as %q", w, entries, tc.want)
					}
				}
				if tc.counts != nil {
					got, err := rdb.HGetAll(ctx, prefix+"sp:c").Result()
					if err != nil {
						t.Fatal(err)
					}
					if !maps.Equal(got, tc.counts) {
						t.Errorf("spelling counts %q, want %q", got, tc.counts)
					}
				}
			})
		})
	}
}

// TestSpellingOfOldCounts: posts counted before spellings were count as written as the hashtag
// itself, so another spelling is shown once its posts outnumber them.
func TestSpellingOfOldCounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: t0}
		_, prefix := newNamedBoard(t, rdb, c)
		// Every read reads the spellings again (by default a read answers the ones it read
		// within store.SpellingRefresh, and the clock stands still here).
		s, err := store.New(rdb, strings.TrimSuffix(strings.TrimPrefix(prefix, "{"), "}:"), store.WithClock(c.Now),
			store.WithSpellingRefresh(0))
		if err != nil {
			t.Fatal(err)
		}
		if err := rdb.ZIncrBy(ctx, prefix+"all", 2, "go").Err(); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"go", "go", "Go"} { // Go has 1, 2, then 3 posts against 2
			record(t, s, post(strconv.Itoa(i+1), t0.Add(-time.Minute), "Go"))
			if got, err := s.Top(ctx, store.All, 1); err != nil || len(got) != 1 || got[0].Shown() != want {
				t.Fatalf("after %d posts of Go: %+v, %v; want go shown as %q", i+1, got, err, want)
			}
		}
	})
}

// TestSpellingEveryRead: every read answers each row's spelling, a hashtag counted before
// spellings were (no spelling recorded) is shown as itself, and a reader (no script) reads it.
func TestSpellingEveryRead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		c := &clock{t: t0}
		_, prefix := newNamedBoard(t, rdb, c)
		name := strings.TrimSuffix(strings.TrimPrefix(prefix, "{"), "}:")
		s, err := store.New(rdb, name, store.WithClock(c.Now), store.WithTrendingMinAuthors(1))
		if err != nil {
			t.Fatal(err)
		}
		if err := rdb.ZIncrBy(ctx, prefix+"all", 1, "old").Err(); err != nil { // before spellings
			t.Fatal(err)
		}
		spelledBatches(t, s, t0.Add(-time.Minute), [][]string{{"reInvent", "reInvent", "reinvent", "aws"}})
		if err := s.Upkeep(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"reinvent": "reInvent", "aws": "aws", "old": "old"}
		check := func(what string, tag, shown string) {
			t.Helper()
			if w, ok := want[tag]; !ok || shown != w {
				t.Errorf("%s: %q shown as %q, want %q", what, tag, shown, w)
			}
		}
		for i := range 3 { // the first read of each learns its hashtags, the second answers them from memory
			if i == 2 {
				c.Advance(store.SpellingRefresh) // the third reads them again in its pipeline
			}
			for _, w := range store.Windows {
				entries, err := s.Top(ctx, w, 3)
				if err != nil || len(entries) < 2 {
					t.Fatalf("%s: Top = %v, %v", w, entries, err)
				}
				for _, e := range entries {
					check("top "+string(w), e.Hashtag, e.Shown())
				}
				ranked, err := s.TopEstimates(ctx, w, 3)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range ranked.Rows {
					check("estimates "+string(w), r.Hashtag, shownOf(r.Hashtag, r.Spelling))
				}
			}
			for _, w := range store.TrendingWindows {
				trends, err := s.Trending(ctx, w, 10)
				if err != nil || len(trends) != 2 {
					t.Fatalf("%s: Trending = %v, %v; want reinvent and aws", w, trends, err)
				}
				for _, r := range trends {
					check("trending "+string(w), r.Hashtag, shownOf(r.Hashtag, r.Spelling))
				}
			}
			series, err := s.History(ctx, store.Day, []string{"#REINVENT", "aws", "nosuch"})
			if err != nil {
				t.Fatal(err)
			}
			want["nosuch"] = "nosuch"
			for _, se := range series {
				check("history", se.Hashtag, shownOf(se.Hashtag, se.Spelling))
			}
		}
		got, err := s.Spellings(ctx, []string{"reinvent", "aws", "old"})
		if err != nil || strings.Join(got, ",") != "reInvent,," {
			t.Errorf("Spellings = %q, %v; want reInvent and two empty (the hashtag itself)", got, err)
		}
	})
}

func shownOf(tag, spelling string) string {
	if spelling == "" {
		return tag
	}
	return spelling
}
