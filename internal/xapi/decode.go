package xapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// wireTweet is go-twitter's TweetObj plus the note_tweet object it lacks.
type wireTweet struct {
	twitter.TweetObj
	NoteTweet *wireNote `json:"note_tweet,omitempty"`
}

// wireNote is X's note_tweet object: the full text of a long post and the
// entities parsed from it (same shape as the top-level entities).
type wireNote struct {
	Text     string               `json:"text"`
	Entities *twitter.EntitiesObj `json:"entities,omitempty"`
}

// wirePage is a recent-search 200 body: data, includes, errors, meta.
type wirePage struct {
	Data     []*wireTweet                   `json:"data"`
	Includes *twitter.TweetRawIncludes      `json:"includes,omitempty"`
	Errors   []*twitter.ErrorObj            `json:"errors,omitempty"`
	Meta     *twitter.TweetRecentSearchMeta `json:"meta"`
}

// decodePage turns the body of a 200 recent-search response into a Page.
// It decodes with go-twitter's own types (TweetObj, ErrorObj,
// TweetRecentSearchMeta) plus note_tweet. It never returns a partial page:
// invalid JSON, a missing meta object or invalid meta ids are errors. Every
// string in the result is valid UTF-8 (encoding/json replaces invalid bytes).
func decodePage(body []byte) (Page, error) {
	var wp wirePage
	if err := json.Unmarshal(body, &wp); err != nil {
		return Page{}, fmt.Errorf("decode recent search page: %w", err)
	}
	if wp.Meta == nil {
		if len(wp.Errors) > 0 {
			return Page{}, fmt.Errorf("response has errors but no meta object: %s", problemText(wp.Errors[0]))
		}
		return Page{}, errors.New("response has no meta object")
	}
	m := wp.Meta
	for _, f := range []struct{ name, id string }{{"newest_id", m.NewestID}, {"oldest_id", m.OldestID}} {
		if _, err := postid.Parse(f.id); f.id != "" && err != nil {
			return Page{}, fmt.Errorf("meta.%s: %w", f.name, err)
		}
	}
	if m.ResultCount < 0 {
		return Page{}, fmt.Errorf("meta.result_count is negative (%d)", m.ResultCount)
	}
	page := Page{NextToken: m.NextToken, NewestID: m.NewestID, OldestID: m.OldestID}
	for i, wt := range wp.Data {
		post, reason := toPost(wt)
		if reason != "" {
			sp := SkippedPost{Index: i, Reason: reason}
			if wt != nil {
				sp.ID = wt.ID
			}
			page.Skipped = append(page.Skipped, sp)
			continue
		}
		page.Posts = append(page.Posts, post)
		// Every id here is valid (meta's were checked above, the post's by toPost).
		page.NewestID, _ = postid.Max(page.NewestID, post.ID)
		if c, _ := postid.Compare(post.ID, page.OldestID); page.OldestID == "" || c < 0 {
			page.OldestID = post.ID
		}
	}
	for _, e := range wp.Errors {
		if e == nil {
			continue
		}
		page.PartialErrors = append(page.PartialErrors, Problem{
			Title: e.Title, Detail: e.Detail, Type: e.Type,
			ResourceType: e.ResourceType, Parameter: e.Parameter, Value: valueText(e.Value),
		})
	}
	return page, nil
}

// toPost converts one data[] entry, or returns why it was skipped.
func toPost(wt *wireTweet) (Post, string) {
	if wt == nil {
		return Post{}, "data entry is null"
	}
	if wt.ID == "" {
		return Post{}, "missing id"
	}
	if !postid.Valid(wt.ID) {
		return Post{}, "id is not a post id"
	}
	p := Post{ID: wt.ID, Text: wt.Text, PossiblySensitive: wt.PossiblySensitive, AuthorID: wt.AuthorID}
	if t, err := time.Parse(time.RFC3339Nano, wt.CreatedAt); err == nil {
		p.CreatedAt = t.UTC()
	} else {
		t, err := postid.Time(wt.ID)
		if err != nil {
			return Post{}, "created_at missing or unparsable and id is not a snowflake"
		}
		p.CreatedAt = t
	}
	entities := wt.Entities
	if wt.NoteTweet != nil && wt.NoteTweet.Text != "" {
		p.Text = wt.NoteTweet.Text
		entities = wt.NoteTweet.Entities
	}
	if entities != nil {
		// For a note tweet only note_tweet.entities counts: the top-level
		// entities describe the truncated text, whose last hashtag may be cut
		// off mid-word.
		p.HasEntities = true
		seen := make(map[string]bool)
		for _, h := range entities.HashTags {
			if h.Tag != "" && !seen[h.Tag] {
				seen[h.Tag] = true
				p.Hashtags = append(p.Hashtags, h.Tag)
			}
		}
	}
	return p, ""
}

func problemText(e *twitter.ErrorObj) string {
	if e == nil {
		return "null"
	}
	s := e.Title
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// valueText renders an ErrorObj value (any JSON) as text.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
