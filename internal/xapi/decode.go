package xapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// wirePost is what the app reads of one data[] entry; nothing else in the entry is decoded, so
// a malformed field the app does not use (lang, public_metrics, entities.urls, the edit
// history under either name, ...) cannot cost a post. A long post's full text and entities
// come as note_tweet, or under X's current name note_post: both decode the same way.
type wirePost struct {
	ID                string        `json:"id"`
	Text              string        `json:"text"`
	CreatedAt         string        `json:"created_at"`
	AuthorID          string        `json:"author_id"`
	PossiblySensitive bool          `json:"possibly_sensitive"`
	Entities          *wireEntities `json:"entities"`
	NoteTweet         *wireNote     `json:"note_tweet"`
	NotePost          *wireNote     `json:"note_post"`
}

// wireEntities is the part of X's entities object the app reads: the hashtags' tags.
type wireEntities struct {
	Hashtags []struct {
		Tag string `json:"tag"`
	} `json:"hashtags"`
}

// wireNote is X's note_tweet (note_post) object: the full text of a long post and the entities
// parsed from it (same shape as the top-level entities).
type wireNote struct {
	Text     string        `json:"text"`
	Entities *wireEntities `json:"entities"`
}

// wirePage is a recent-search 200 body: data and errors are decoded entry by entry, meta with
// go-twitter's type; includes (never requested) is not decoded.
type wirePage struct {
	Data   json.RawMessage                `json:"data"` // an array or null, checked by decodePage
	Errors []json.RawMessage              `json:"errors"`
	Meta   *twitter.TweetRecentSearchMeta `json:"meta"`
}

// decodePage turns the body of a 200 recent-search response into a Page. The page's frame
// must be sound: JSON, a data and an errors array if present, a meta object with valid ids;
// otherwise it is an error and no partial page is returned. Each data[] entry is decoded on
// its own: one that is not an object, lacks a post id or has a field of the wrong type is
// listed in Page.Skipped with the reason, and the rest of the page counts. Every string in the
// result is valid UTF-8 (encoding/json replaces invalid bytes).
func decodePage(body []byte) (Page, error) {
	var wp wirePage
	if err := json.Unmarshal(body, &wp); err != nil {
		return Page{}, fmt.Errorf("decode recent search page: %w", err)
	}
	if wp.Meta == nil {
		if len(wp.Errors) > 0 {
			return Page{}, fmt.Errorf("response has errors but no meta object: %s", problemText(decodeProblem(wp.Errors[0])))
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
	if err := decodeData(wp.Data, &page); err != nil {
		return Page{}, err
	}
	for _, raw := range wp.Errors {
		if p := decodeProblem(raw); p != nil {
			page.PartialErrors = append(page.PartialErrors, *p)
		}
	}
	return page, nil
}

// decodeData decodes the data array (raw, valid JSON) entry by entry into page. One decoder
// walks the array, so an entry costs its Post and no decoder state of its own.
func decodeData(raw json.RawMessage, page *Page) error {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '[' {
		return fmt.Errorf("decode recent search page: data is not an array")
	}
	n, err := countEntries(raw)
	if err != nil {
		return err
	}
	// Sized once: growing the slice as entries come would leave garbage of several times its
	// final size when an answer carries many small entries.
	page.Posts = make([]Post, 0, n)
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '['
		return fmt.Errorf("decode recent search page: data: %w", err)
	}
	holder := new(wirePost) // reused: decoding null into wp sets wp to nil, anything else fills *holder
	for i := 0; dec.More(); i++ {
		*holder = wirePost{}
		wp := holder
		err := dec.Decode(&wp)
		var te *json.UnmarshalTypeError
		if err != nil && !errors.As(err, &te) {
			return fmt.Errorf("decode recent search page: data[%d]: %w", i, err)
		}
		post, reason := toPost(wp, err)
		id := post.ID
		if reason != "" {
			page.Skipped = append(page.Skipped, SkippedPost{Index: i, ID: id, Reason: reason})
		} else {
			page.Posts = append(page.Posts, post)
		}
		// The ids bound every entry with a post id, skipped ones too, so the checkpoint moves
		// past a malformed entry (meta's were checked by the caller).
		if postid.Valid(id) {
			page.NewestID, _ = postid.Max(page.NewestID, id)
			if c, _ := postid.Compare(id, page.OldestID); page.OldestID == "" || c < 0 {
				page.OldestID = id
			}
		}
	}
	return nil
}

// countEntries returns the number of entries of the JSON array raw. One buffer is reused for
// every entry, so it allocates next to nothing.
func countEntries(raw json.RawMessage) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '['
		return 0, fmt.Errorf("decode recent search page: data: %w", err)
	}
	var entry json.RawMessage
	n := 0
	for ; dec.More(); n++ {
		if err := dec.Decode(&entry); err != nil {
			return 0, fmt.Errorf("decode recent search page: data[%d]: %w", n, err)
		}
	}
	return n, nil
}

// toPost turns one decoded data[] entry (nil for null; err its type error) into a Post, or
// returns why it is skipped. The Post's ID is set whenever the entry's id field is a string,
// also for a skipped entry.
func toPost(wp *wirePost, err error) (Post, string) {
	if wp == nil && err == nil {
		return Post{}, "data entry is null"
	}
	if wp == nil {
		return Post{}, entryError(err)
	}
	p := Post{ID: wp.ID}
	if err != nil {
		return p, entryError(err)
	}
	if wp.ID == "" {
		return p, "missing id"
	}
	if !postid.Valid(wp.ID) {
		return p, "id is not a post id"
	}
	p.Text, p.AuthorID, p.PossiblySensitive = wp.Text, wp.AuthorID, wp.PossiblySensitive
	if t, err := time.Parse(time.RFC3339Nano, wp.CreatedAt); wp.CreatedAt != "" && err == nil {
		p.CreatedAt = t.UTC()
	} else {
		t, err := postid.Time(wp.ID)
		if err != nil {
			return p, "created_at missing or unparsable and id is not a snowflake"
		}
		p.CreatedAt = t
	}
	entities := wp.Entities
	note := wp.NotePost
	if note == nil || note.Text == "" {
		note = wp.NoteTweet
	}
	if note != nil && note.Text != "" {
		// For a long post only the note's entities count: the top-level entities describe
		// the truncated text, whose last hashtag may be cut off mid-word.
		p.Text = note.Text
		entities = note.Entities
	}
	if entities != nil {
		p.HasEntities = true
		seen := make(map[string]bool)
		for _, h := range entities.Hashtags {
			if h.Tag != "" && !seen[h.Tag] {
				seen[h.Tag] = true
				p.Hashtags = append(p.Hashtags, h.Tag)
			}
		}
	}
	return p, ""
}

// entryError is the reason a data[] entry failed to decode. It names the field and the JSON
// type found, never the entry's content (which is untrusted).
func entryError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "undecodable: " + truncateForError(err.Error())
	}
	if te.Field == "" {
		return fmt.Sprintf("data entry is a JSON %s, not an object", te.Value)
	}
	return fmt.Sprintf("%s is a JSON %s, not %s", te.Field, te.Value, jsonKind(te.Type))
}

// jsonKind names the JSON a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "the expected type"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	default:
		return "a number"
	}
}

// decodeProblem decodes one entry of a 200's "errors" array; nil for a null entry. An entry
// that does not decode is kept as a Problem saying so.
func decodeProblem(raw json.RawMessage) *Problem {
	var e *twitter.ErrorObj
	if err := json.Unmarshal(raw, &e); err != nil {
		return &Problem{Title: "undecodable partial error", Detail: entryError(err)}
	}
	if e == nil {
		return nil
	}
	return &Problem{Title: e.Title, Detail: e.Detail, Type: e.Type,
		ResourceType: e.ResourceType, Parameter: e.Parameter, Value: valueText(e.Value)}
}

func problemText(p *Problem) string {
	if p == nil {
		return "null"
	}
	s := p.Title
	if p.Detail != "" {
		s += ": " + p.Detail
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
