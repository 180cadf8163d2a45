package sample_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

func posts(t *testing.T) []xapitest.Tweet {
	t.Helper()
	ps, err := sample.Posts()
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func fullText(p xapitest.Tweet) string {
	if p.NoteText != "" {
		return p.NoteText
	}
	return p.Text
}

// TestSampleHoldsWhatItPromises checks the properties the README and the local runner rely on.
func TestSampleHoldsWhatItPromises(t *testing.T) {
	ps := posts(t)
	if len(ps) < 3000 || len(ps) > 5000 {
		t.Fatalf("%d posts, want 3000-5000", len(ps))
	}
	var before, noTags, replies, quotes, notes, sensitive int
	langs := map[string]int{}
	spellings := map[string]map[string]bool{} // canonical -> raw spellings
	counts := map[string]int{}
	for _, p := range ps {
		age := sample.Anchor.Sub(p.CreatedAt)
		if age > 7*24*time.Hour-time.Hour || age < -24*time.Hour {
			t.Errorf("post %s created %s from the anchor, want within [-7d+1h, +24h]", p.ID, -age)
		}
		if age > 0 {
			before++
		}
		langs[p.Lang]++
		for _, r := range p.ReferencedTweets {
			switch r.Type {
			case "replied_to":
				replies++
			case "quoted":
				quotes++
			default:
				t.Errorf("post %s: referenced tweet type %q", p.ID, r.Type)
			}
		}
		if p.NoteText != "" {
			notes++
			if !strings.HasPrefix(p.NoteText, strings.TrimSuffix(p.Text, "…")) {
				t.Errorf("post %s: text is not the start of note_text", p.ID)
			}
		}
		if p.PossiblySensitive {
			sensitive++
		}
		raw := hashtag.Extract(fullText(p))
		if len(raw) == 0 {
			noTags++
		}
		canon, _ := hashtag.Canonical(raw)
		for _, r := range raw {
			c, _ := hashtag.Normalize(r)
			if spellings[c] == nil {
				spellings[c] = map[string]bool{}
			}
			spellings[c][r] = true
		}
		for _, c := range canon {
			counts[c]++
		}
	}
	if share := float64(before) / float64(len(ps)); share < 0.78 || share > 0.82 {
		t.Errorf("%.2f of the posts are before the anchor, want 0.8", share)
	}
	for _, l := range []string{"en", "es", "fr", "ja", "ar", "hi", "ko", "qht"} {
		if langs[l] < 20 {
			t.Errorf("%d posts in lang %q, want at least 20 (langs: %v)", langs[l], l, langs)
		}
	}
	for what, n := range map[string]int{"without hashtags": noTags, "replies": replies, "quotes": quotes} {
		if n < len(ps)/20 {
			t.Errorf("%d posts %s, want at least 5%%", n, what)
		}
	}
	if notes < 20 || sensitive < 20 {
		t.Errorf("%d long posts and %d possibly sensitive ones, want at least 20 of each", notes, sensitive)
	}
	// Case and composition variants of one hashtag.
	for canon, want := range map[string][]string{
		"aws":     {"AWS", "aws", "Aws"},
		"café":    {"Café", "Cafe\u0301", "café"},
		"fútbol":  {"Fútbol", "Fu\u0301tbol", "FÚTBOL"},
		"코딩":      {"코딩", "\u110f\u1169\u1103\u1175\u11bc"},
		"プログラミング": {"プログラミング", "プロク\u3099ラミンク\u3099"},
		"क्रिकेट": {"क्रिकेट"},
	} {
		for _, w := range want {
			if !spellings[canon][w] {
				t.Errorf("no post spells %q as %q (%+q); spellings: %+q", canon, w, w, keys(spellings[canon]))
			}
		}
	}
	// A long tail: the most used hashtag is far ahead of the tenth, which is far ahead of the
	// hundredth, and most hashtags are rare.
	var freq []int
	for _, n := range counts {
		freq = append(freq, n)
	}
	slices.SortFunc(freq, func(a, b int) int { return b - a })
	if len(freq) < 150 || freq[0] < 3*freq[9] || freq[9] < 3*freq[99] || freq[len(freq)/2] > 20 {
		t.Errorf("hashtag frequencies are not long-tailed: %d hashtags, 1st %d, 10th %d, 100th %d, median %d",
			len(freq), freq[0], freq[9], freq[99], freq[len(freq)/2])
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestShift(t *testing.T) {
	ps := posts(t)
	starts := []time.Time{
		time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 25, 13, 47, 12, 987654321, time.UTC), // truncated to the second
		time.Date(2025, 12, 1, 0, 0, 0, 0, time.FixedZone("UTC+9", 9*3600)),
		sample.Anchor, // no move
	}
	for _, start := range starts {
		t.Run(start.Format(time.RFC3339Nano), func(t *testing.T) {
			moved, err := sample.Shift(ps, start)
			if err != nil {
				t.Fatal(err)
			}
			d := start.Truncate(time.Second).Sub(sample.Anchor)
			if got := sample.Offset(start); got != d {
				t.Errorf("Offset = %s, want %s", got, d)
			}
			ids := map[string]bool{}
			visible := 0
			for i, p := range moved {
				orig := ps[i]
				if !p.CreatedAt.Equal(orig.CreatedAt.Add(d)) {
					t.Fatalf("post %d: created_at %s, want %s", i, p.CreatedAt, orig.CreatedAt.Add(d))
				}
				idAt, err := postid.Time(p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if gap := idAt.Sub(p.CreatedAt); gap < 0 || gap >= time.Second {
					t.Fatalf("post %d: id %s encodes %s, not within the second of created_at %s", i, p.ID, idAt, p.CreatedAt)
				}
				if ids[p.ID] {
					t.Fatalf("duplicate id %s", p.ID)
				}
				ids[p.ID] = true
				for j, r := range p.ReferencedTweets {
					want, _ := postid.Time(orig.ReferencedTweets[j].ID)
					if got, _ := postid.Time(r.ID); !got.Equal(want.Add(d)) {
						t.Fatalf("post %d: referenced id %s encodes %s, want %s", i, r.ID, got, want.Add(d))
					}
				}
				if p.Text != orig.Text || p.NoteText != orig.NoteText || p.Lang != orig.Lang {
					t.Fatalf("post %d: content changed", i)
				}
				if !p.CreatedAt.After(start) {
					visible++
				}
			}
			if visible != 3200 {
				t.Errorf("%d posts created by the start, want 3200 (80%%)", visible)
			}
			// Ids keep the order of created_at, so since_id and until_id keep their meaning.
			byID := slices.Clone(moved)
			slices.SortFunc(byID, func(a, b xapitest.Tweet) int {
				c, err := postid.Compare(a.ID, b.ID)
				if err != nil {
					t.Fatal(err)
				}
				return c
			})
			for i := 1; i < len(byID); i++ {
				if byID[i].CreatedAt.Before(byID[i-1].CreatedAt) {
					t.Fatalf("id order differs from created_at order at %s and %s", byID[i-1].ID, byID[i].ID)
				}
			}
		})
	}
	i := slices.IndexFunc(ps, func(p xapitest.Tweet) bool { return len(p.ReferencedTweets) > 0 })
	before := ps[i].ReferencedTweets[0].ID
	if _, err := sample.Shift(ps[i:i+1], starts[0]); err != nil || ps[i].ReferencedTweets[0].ID != before {
		t.Errorf("Shift changed its input's referenced tweets (%v)", err)
	}
}

func TestShiftBadIDs(t *testing.T) {
	if _, err := sample.Shift([]xapitest.Tweet{{ID: "x"}}, time.Now()); err == nil || !strings.Contains(err.Error(), "shift post 0") {
		t.Errorf("Shift of a bad id: %v", err)
	}
	if _, err := sample.Shift([]xapitest.Tweet{{ID: "1863000000000000000", ReferencedTweets: []xapitest.ReferencedTweet{{Type: "quoted", ID: "q"}}}}, time.Now()); err == nil || !strings.Contains(err.Error(), "referenced tweet") {
		t.Errorf("Shift of a bad referenced id: %v", err)
	}
}
