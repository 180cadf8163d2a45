package xapi

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// FuzzDecodePage: any body -> an error or a page; never a panic; every
// string in the page valid UTF-8; ids valid and NewestID/OldestID bounding
// the posts; every data entry accounted for as a Post or a SkippedPost.
func FuzzDecodePage(f *testing.F) {
	for _, name := range []string{
		"search_page.json", "search_empty.json", "search_note_tweet.json", "search_note_post.json", "search_possibly_sensitive.json",
		"search_partial_errors.json", "search_errors_no_data.json", "search_defective_posts.json", "error_429.json",
	} {
		f.Add(xapitest.MustFixture(name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := decodePage(body)
		if err != nil {
			if page.Posts != nil || page.Skipped != nil || page.NewestID != "" {
				t.Fatalf("error %v with a partial page", err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error message not UTF-8: %q", err.Error())
			}
			return
		}
		checkUTF8 := func(what, s string) {
			if !utf8.ValidString(s) {
				t.Fatalf("%s not valid UTF-8: %q", what, s)
			}
		}
		var frame struct{ Data []json.RawMessage }
		if err := json.Unmarshal(body, &frame); err == nil && len(page.Posts)+len(page.Skipped) != len(frame.Data) {
			t.Fatalf("%d posts and %d skipped for %d data entries", len(page.Posts), len(page.Skipped), len(frame.Data))
		}
		checkUTF8("NextToken", page.NextToken)
		checkUTF8("NewestID", page.NewestID)
		checkUTF8("OldestID", page.OldestID)
		if len(page.Posts) > 0 && (!postid.Valid(page.NewestID) || !postid.Valid(page.OldestID)) {
			t.Fatalf("newest/oldest %q/%q invalid with posts", page.NewestID, page.OldestID)
		}
		for _, p := range page.Posts {
			if !postid.Valid(p.ID) {
				t.Fatalf("post id %q invalid", p.ID)
			}
			if compareIDs(t, p.ID, page.NewestID) > 0 || compareIDs(t, p.ID, page.OldestID) < 0 {
				t.Fatalf("post %s outside [%s, %s]", p.ID, page.OldestID, page.NewestID)
			}
			if p.CreatedAt.IsZero() {
				t.Fatalf("post %s has no created time", p.ID)
			}
			checkUTF8("Text", p.Text)
			if !p.HasEntities && len(p.Hashtags) > 0 {
				t.Fatalf("hashtags without entities: %v", p.Hashtags)
			}
			for _, h := range p.Hashtags {
				if h == "" {
					t.Fatal("empty hashtag")
				}
				checkUTF8("Hashtag", h)
			}
		}
		for _, s := range page.Skipped {
			checkUTF8("Skipped.ID", s.ID)
			checkUTF8("Skipped.Reason", s.Reason)
			if s.Reason == "" {
				t.Fatalf("skipped entry %d without a reason", s.Index)
			}
			// The page's ids bound a skipped entry's id too, so a checkpoint moves past it.
			if postid.Valid(s.ID) && (compareIDs(t, s.ID, page.NewestID) > 0 || compareIDs(t, s.ID, page.OldestID) < 0) {
				t.Fatalf("skipped %s outside [%s, %s]", s.ID, page.OldestID, page.NewestID)
			}
		}
		for _, e := range page.PartialErrors {
			for _, s := range []string{e.Title, e.Detail, e.Type, e.ResourceType, e.Parameter, e.Value} {
				checkUTF8("PartialError", s)
			}
		}
	})
}
