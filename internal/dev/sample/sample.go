// Package sample owns the bundled sample of posts that the local runner (cmd/local) serves
// through the X API stand-in when no X API credentials are set: the embedded file posts.json
// and the rule that moves it to the present.
//
// # The file
//
// posts.json is a JSON array of X API v2 post objects in the corpus format of
// xapitest.ParseCorpus (id, created_at, text, note_text for long posts, author_id, lang,
// possibly_sensitive, referenced_tweets). It is written by a deterministic generator,
// `go run ./internal/dev/sample/gen` (see there for what the sample holds); a test checks that the
// committed file is exactly what the generator writes. Entities are not in the file: the
// stand-in parses them from the text, as X does.
//
// # Time
//
// created_at times in the file lie around Anchor: 80% in the seven days before it, 20% in the
// day after it. Shift moves every post by start - Anchor (whole seconds, start truncated to
// the second), so at start the older posts spread over the last seven days and the others
// arrive over the next day, each when the clock passes its created_at. Ids are snowflakes, so
// they move with their times: the time part of every id (the post's own and the ids it
// references) is moved by the same amount and the low 22 bits are kept, so ids stay unique,
// ordered like created_at and consistent with it, and since_id / until_id cursors keep their
// meaning.
package sample

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

//go:generate go run ./gen -o posts.json

// Anchor is the instant the file's created_at times are relative to.
var Anchor = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

//go:embed posts.json
var raw []byte

// Raw returns the embedded file (a copy).
func Raw() []byte { return append([]byte(nil), raw...) }

// Posts parses the embedded file; the times are those of the file (around Anchor).
func Posts() ([]xapitest.Tweet, error) {
	ts, err := xapitest.ParseCorpus(raw)
	if err != nil {
		return nil, fmt.Errorf("bundled sample: %w", err)
	}
	return ts, nil
}

// Offset is how far Shift moves the posts for a run starting at start: start, truncated to
// the second, minus Anchor.
func Offset(start time.Time) time.Duration {
	return start.UTC().Truncate(time.Second).Sub(Anchor)
}

// Shift returns copies of posts moved by Offset(start): created_at and the time part of each
// id and referenced id (postid.Shift). It fails on an id that is not a post id or would move
// before the snowflake epoch.
func Shift(posts []xapitest.Tweet, start time.Time) ([]xapitest.Tweet, error) {
	d := Offset(start)
	out := make([]xapitest.Tweet, len(posts))
	for i, p := range posts {
		var err error
		if p.ID, err = postid.Shift(p.ID, d); err != nil {
			return nil, fmt.Errorf("shift post %d: %w", i, err)
		}
		p.CreatedAt = p.CreatedAt.Add(d)
		if len(p.ReferencedTweets) > 0 {
			refs := make([]xapitest.ReferencedTweet, len(p.ReferencedTweets))
			for j, r := range p.ReferencedTweets {
				if r.ID, err = postid.Shift(r.ID, d); err != nil {
					return nil, fmt.Errorf("shift post %d (%s): referenced tweet: %w", i, p.ID, err)
				}
				refs[j] = r
			}
			p.ReferencedTweets = refs
		}
		out[i] = p
	}
	return out, nil
}
