package xapitest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

// Tweet is a post in the stand-in's corpus. Only CreatedAt or ID is
// required; the JSON tags let a corpus be loaded from a file (ParseCorpus).
type Tweet struct {
	// ID is the decimal snowflake id. When empty, AddPosts assigns one
	// from CreatedAt (postid.Make with a per-server sequence).
	ID string `json:"id,omitempty"`
	// CreatedAt decides visibility (searchable when now-7d < CreatedAt <=
	// now) and is sent as created_at. When zero it is derived from ID.
	CreatedAt time.Time `json:"created_at"`
	// Text is the post text. For a long post give NoteText; when Text is
	// then empty it becomes the first 275 runes of NoteText plus "…".
	Text string `json:"text"`
	// NoteText makes this a long post: sent as note_tweet.text, or
	// note_post.text under Options.Names PostNames (when the fields asked
	// for the note), with entities parsed from it.
	NoteText string `json:"note_text,omitempty"`
	AuthorID string `json:"author_id,omitempty"` // default "2244994945"
	Lang     string `json:"lang,omitempty"`      // default "en"

	PossiblySensitive bool              `json:"possibly_sensitive,omitempty"`
	ReferencedTweets  []ReferencedTweet `json:"referenced_tweets,omitempty"`

	// Entities and NoteEntities override the entities parsed from Text and
	// NoteText (sent verbatim; an empty non-nil value sends no object).
	Entities     *Entities `json:"entities,omitempty"`
	NoteEntities *Entities `json:"note_entities,omitempty"`
	// OmitEntities never sends entities (nor note_tweet.entities), as if X
	// had not parsed any; search operators still see the parsed ones.
	OmitEntities bool `json:"omit_entities,omitempty"`
	// RawCreatedAt, when set, is sent verbatim as created_at (to test
	// unparsable values); "-" omits created_at from the object.
	RawCreatedAt string `json:"raw_created_at,omitempty"`
	// Override makes a malformed entry: each value is sent verbatim as that
	// field of the object, in place of the rendered one or added (e.g.
	// "possibly_sensitive": `"yes"`); a nil value removes the field. Search
	// operators still see the post as parsed.
	Override map[string]json.RawMessage `json:"override,omitempty"`
	// Raw, when set, is sent verbatim as the whole data[] entry (null, a
	// number, an object without id, ...), placed by ID and CreatedAt.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// ReferencedTweet is an entry of referenced_tweets (type "retweeted",
// "quoted" or "replied_to").
type ReferencedTweet struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Entities is X's v2 entities object. Indices are Unicode code points,
// end exclusive, the start including the '#', '@' or '$'.
type Entities struct {
	Hashtags []Tag     `json:"hashtags,omitempty"`
	Cashtags []Tag     `json:"cashtags,omitempty"`
	Mentions []Mention `json:"mentions,omitempty"`
	URLs     []URL     `json:"urls,omitempty"`
}

func (e *Entities) empty() bool {
	return e == nil || len(e.Hashtags)+len(e.Cashtags)+len(e.Mentions)+len(e.URLs) == 0
}

// Tag is a hashtag or cashtag entity.
type Tag struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Tag   string `json:"tag"`
}

// Mention is a user mention entity.
type Mention struct {
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Username string `json:"username"`
}

// URL is a url entity. The stand-in does not shorten links: url,
// expanded_url and display_url derive from the text.
type URL struct {
	Start       int    `json:"start"`
	End         int    `json:"end"`
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
	DisplayURL  string `json:"display_url"`
}

// ParseCorpus reads a JSON array of Tweet (the file format of a local
// corpus).
func ParseCorpus(data []byte) ([]Tweet, error) {
	var ts []Tweet
	if err := json.Unmarshal(data, &ts); err != nil {
		return nil, fmt.Errorf("parse corpus: %w", err)
	}
	return ts, nil
}

// ParseEntities parses hashtags, cashtags, mentions and urls from text the
// way X's twitter-text does for the common cases: a '#'/'＃' not preceded by
// a letter, digit, '_' or '&', followed by letters, marks, digits or '_'
// (not all digits); '$' + 1-6 ASCII letters; '@'/'＠' + 1-15 [A-Za-z0-9_];
// http(s):// up to whitespace. Indices are code points.
func ParseEntities(text string) *Entities {
	rs := []rune(text)
	e := &Entities{}
	isWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == 0x200c || r == 0x200d
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		prevWord := i > 0 && (isWord(rs[i-1]) || rs[i-1] == '&')
		switch {
		case (r == '#' || r == '＃') && !prevWord:
			j := i + 1
			for j < len(rs) && isWord(rs[j]) {
				j++
			}
			tag := string(rs[i+1 : j])
			if tag != "" && strings.TrimFunc(tag, unicode.IsDigit) != "" {
				e.Hashtags = append(e.Hashtags, Tag{Start: i, End: j, Tag: tag})
				i = j - 1
			}
		case r == '$' && !prevWord:
			j := i + 1
			for j < len(rs) && j-i <= 6 && (rs[j] >= 'A' && rs[j] <= 'Z' || rs[j] >= 'a' && rs[j] <= 'z') {
				j++
			}
			if j > i+1 && (j == len(rs) || !isWord(rs[j])) {
				e.Cashtags = append(e.Cashtags, Tag{Start: i, End: j, Tag: string(rs[i+1 : j])})
				i = j - 1
			}
		case (r == '@' || r == '＠') && !prevWord:
			j := i + 1
			for j < len(rs) && j-i <= 15 && isASCIIWord(rs[j]) {
				j++
			}
			if j > i+1 && (j == len(rs) || !isASCIIWord(rs[j])) {
				e.Mentions = append(e.Mentions, Mention{Start: i, End: j, Username: string(rs[i+1 : j])})
				i = j - 1
			}
		case r == 'h' && !prevWord && (hasPrefixRunes(rs[i:], "http://") || hasPrefixRunes(rs[i:], "https://")):
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) {
				j++
			}
			u := string(rs[i:j])
			display := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
			e.URLs = append(e.URLs, URL{Start: i, End: j, URL: u, ExpandedURL: u, DisplayURL: display})
			i = j - 1
		}
	}
	return e
}

func isASCIIWord(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
}

func hasPrefixRunes(rs []rune, p string) bool {
	return strings.HasPrefix(string(rs[:min(len(rs), len(p))]), p)
}

// post is a corpus entry with everything the handler needs precomputed.
type post struct {
	Tweet
	id       uint64
	entities *Entities // sent as entities (nil: none)
	noteEnts *Entities // sent as note_tweet.entities (nil: none)
	tags     []string  // hashtags the search index sees (lower-cased)
	mentions []string  // mentioned usernames (lower-cased)
	hasLinks bool
	words    []string // lower-cased tokens of the searchable text
}

// prepare fills defaults and derived fields; seq numbers generated ids.
func prepare(t Tweet, seq int) (*post, error) {
	if t.ID == "" {
		if t.CreatedAt.IsZero() {
			return nil, fmt.Errorf("tweet has neither ID nor CreatedAt")
		}
		t.ID = postid.Make(t.CreatedAt, seq)
	}
	v, err := postid.Parse(t.ID)
	if err != nil {
		return nil, fmt.Errorf("tweet ID: %w", err)
	}
	if t.CreatedAt.IsZero() {
		if t.CreatedAt, err = postid.Time(t.ID); err != nil {
			return nil, fmt.Errorf("tweet ID: no CreatedAt and %w", err)
		}
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if t.NoteText != "" && t.Text == "" {
		rs := []rune(t.NoteText)
		if len(rs) > 275 {
			t.Text = string(rs[:275]) + "…"
		} else {
			t.Text = t.NoteText
		}
	}
	if t.AuthorID == "" {
		t.AuthorID = "2244994945"
	}
	if t.Lang == "" {
		t.Lang = "en"
	}
	p := &post{Tweet: t, id: v}
	p.entities = t.Entities
	if p.entities == nil {
		p.entities = ParseEntities(t.Text)
	}
	full := t.Text
	searchEnts := p.entities
	if t.NoteText != "" {
		full = t.NoteText
		p.noteEnts = t.NoteEntities
		if p.noteEnts == nil {
			p.noteEnts = ParseEntities(t.NoteText)
		}
		searchEnts = p.noteEnts
	}
	for _, h := range searchEnts.Hashtags {
		p.tags = append(p.tags, strings.ToLower(h.Tag))
	}
	for _, m := range searchEnts.Mentions {
		p.mentions = append(p.mentions, strings.ToLower(m.Username))
	}
	p.hasLinks = len(searchEnts.URLs) > 0
	p.words = tokenize(full)
	if p.entities.empty() || t.OmitEntities {
		p.entities = nil
	}
	if p.noteEnts.empty() || t.OmitEntities {
		p.noteEnts = nil
	}
	return p, nil
}

// tokenize lower-cases text and splits it into words: runs of letters,
// marks, digits and '_'. '#', '@' and punctuation separate words.
func tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_')
	})
}

// wireTweet is the JSON of one post; fields are filled per tweet.fields, the
// note and the edit history under the names of one generation (Names).
type wireTweet struct {
	AuthorID            string            `json:"author_id,omitempty"`
	ConversationID      string            `json:"conversation_id,omitempty"`
	CreatedAt           string            `json:"created_at,omitempty"`
	EditHistoryTweetIDs []string          `json:"edit_history_tweet_ids,omitempty"`
	EditHistoryPostIDs  []string          `json:"edit_history_post_ids,omitempty"`
	Entities            *Entities         `json:"entities,omitempty"`
	ID                  string            `json:"id"`
	Lang                string            `json:"lang,omitempty"`
	NoteTweet           *wireNote         `json:"note_tweet,omitempty"`
	NotePost            *wireNote         `json:"note_post,omitempty"`
	PossiblySensitive   *bool             `json:"possibly_sensitive,omitempty"`
	ReferencedTweets    []ReferencedTweet `json:"referenced_tweets,omitempty"`
	Text                string            `json:"text"`
}

type wireNote struct {
	Text     string    `json:"text"`
	Entities *Entities `json:"entities,omitempty"`
}

// render builds the data[] entry: the wire object with id, text, the edit
// history (X's defaults) and the requested fields the stand-in models, named
// per names, then Override applied; or Raw.
func (p *post) render(fields map[string]bool, names Names) (json.RawMessage, error) {
	if p.Raw != nil {
		return p.Raw, nil
	}
	w := wireTweet{ID: p.ID, Text: p.Text}
	if names == PostNames {
		w.EditHistoryPostIDs = []string{p.ID}
	} else {
		w.EditHistoryTweetIDs = []string{p.ID}
	}
	if fields["author_id"] {
		w.AuthorID = p.AuthorID
	}
	if fields["conversation_id"] {
		w.ConversationID = p.ID
	}
	if fields["created_at"] {
		switch p.RawCreatedAt {
		case "":
			w.CreatedAt = p.CreatedAt.Format("2006-01-02T15:04:05.000Z")
		case "-":
		default:
			w.CreatedAt = p.RawCreatedAt
		}
	}
	if fields["entities"] {
		w.Entities = p.entities
	}
	if fields["lang"] {
		w.Lang = p.Lang
	}
	if fields["note_tweet"] && p.NoteText != "" {
		note := &wireNote{Text: p.NoteText, Entities: p.noteEnts}
		if names == PostNames {
			w.NotePost = note
		} else {
			w.NoteTweet = note
		}
	}
	if fields["possibly_sensitive"] {
		ps := p.PossiblySensitive
		w.PossiblySensitive = &ps
	}
	if fields["referenced_tweets"] {
		w.ReferencedTweets = p.ReferencedTweets
	}
	b, err := json.Marshal(w)
	if err != nil || len(p.Override) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range p.Override {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return json.Marshal(m)
}
