package main

import (
	"fmt"
	"slices"
	"time"
	"unicode"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// check reads the written file back the way the local runner does and verifies what the
// sample promises: unique ids consistent with created_at, and hashtags on which X's entity
// parser (the stand-in's) and this project's extractor agree, all valid.
func check(data []byte, n int) error {
	tweets, err := xapitest.ParseCorpus(data)
	if err != nil {
		return err
	}
	if len(tweets) != n {
		return fmt.Errorf("read back %d posts, want %d", len(tweets), n)
	}
	seen := map[string]bool{}
	for _, t := range tweets {
		if seen[t.ID] {
			return fmt.Errorf("duplicate id %s", t.ID)
		}
		seen[t.ID] = true
		idAt, err := postid.Time(t.ID)
		if err != nil {
			return err
		}
		if d := idAt.Sub(t.CreatedAt); d < 0 || d >= time.Second {
			return fmt.Errorf("post %s: id time %s is not within the second of created_at %s", t.ID, idAt, t.CreatedAt)
		}
		full := t.Text
		if t.NoteText != "" {
			full = t.NoteText
		}
		var fromEntities []string
		for _, h := range xapitest.ParseEntities(full).Hashtags {
			fromEntities = append(fromEntities, h.Tag)
		}
		a, rejected := hashtag.Canonical(fromEntities)
		if len(rejected) > 0 {
			return fmt.Errorf("post %s: invalid hashtag %q: %v", t.ID, rejected[0].Tag, rejected[0].Err)
		}
		b, _ := hashtag.Canonical(hashtag.Extract(full))
		if !slices.Equal(a, b) {
			return fmt.Errorf("post %s: entities say %q, Extract says %q in %q", t.ID, a, b, full)
		}
		for _, r := range full {
			if unicode.Is(unicode.Cf, r) && r != 0x200c && r != 0x200d {
				return fmt.Errorf("post %s: format character %U in %q", t.ID, r, full)
			}
		}
	}
	return nil
}
