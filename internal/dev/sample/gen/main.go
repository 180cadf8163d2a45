// Command gen writes the bundled sample of posts, internal/dev/sample/posts.json: a few thousand
// posts in the X API v2 post object format that xapitest.ParseCorpus reads, drawn from a seeded
// random source so that every run writes the same bytes. Run it from the module root:
//
//	go run ./internal/dev/sample/gen
//
// The posts' created_at times lie around the sample's anchor (sample.Anchor): 80% in the seven
// days before it, the rest in the day after it (see package sample for how the local runner
// moves them to the present). Hashtags follow a long tail (Zipf's law over each topic's
// hashtags, most popular first), in nine languages and scripts, with case and Unicode
// composition variants of the same hashtags; some posts have none, some are replies or
// quotes, a few are long posts (note_tweet) or possibly_sensitive, and a few trends make the
// 1h, 24h and 7d leaderboards differ.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// The sample's shape.
const (
	total      = 4000
	backShare  = 0.8          // share of posts created before the anchor
	oldest     = 7*day - hour // the oldest post's age at the anchor
	arriving   = day          // posts after the anchor arrive over this long
	firstHour  = 0.45         // share of the arriving posts in their first hour
	seed1      = 20261125     // PCG seeds
	seed2      = 0x5a3b1e
	noteRunes  = 275   // X's text of a long post: its first 275 runes and "…"
	maxRunes   = 280   // the limit of an ordinary post
	sensitiveP = 0.012 // possibly_sensitive share
	replyP     = 0.15  // replies
	quoteP     = 0.06  // quotes
	longP      = 0.02  // long posts (note_tweet)
	hashOnlyP  = 0.02  // posts that are nothing but hashtags (lang "qht")
	zipfS      = 1.05  // Zipf exponent over a topic's hashtags
	globalP    = 0.18  // a hashtag slot borrows a global tech hashtag
	variantP   = 0.3   // a hashtag is written in one of its variant spellings
	repeatP    = 0.03  // a post repeats one of its hashtags in another spelling
	urlP       = 0.15  // a post carries a link
	mentionP   = 0.1   // a post (not a reply) mentions someone
	authors    = 900   // distinct authors
	xFormat    = "2006-01-02T15:04:05.000Z"
)

// anchor is sample.Anchor (a test checks they agree; the generator does not import package
// sample, which embeds the file it writes).
var anchor = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// tagCounts is the distribution of the number of hashtag slots of a post.
var tagCounts = []int{14, 34, 28, 15, 6, 3} // weights of 0..5

func main() {
	out := flag.String("o", "internal/dev/sample/posts.json", "file to write")
	flag.Parse()
	data, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d posts, %d bytes\n", *out, total, len(data))
}

// filePost is one post as written to the file: the fields of xapitest.Tweet in X's order,
// created_at in X's format (millisecond precision, "Z").
type filePost struct {
	ID                string                     `json:"id"`
	CreatedAt         string                     `json:"created_at"`
	Text              string                     `json:"text"`
	NoteText          string                     `json:"note_text,omitempty"`
	AuthorID          string                     `json:"author_id"`
	Lang              string                     `json:"lang"`
	PossiblySensitive bool                       `json:"possibly_sensitive,omitempty"`
	ReferencedTweets  []xapitest.ReferencedTweet `json:"referenced_tweets,omitempty"`

	at time.Time // created_at
}

type generator struct {
	rng     *rand.Rand
	authors []string
	ids     map[string]bool
}

func generate() ([]byte, error) {
	g := &generator{rng: rand.New(rand.NewPCG(seed1, seed2)), ids: map[string]bool{}}
	for range authors {
		g.authors = append(g.authors, g.authorID())
	}
	times := g.times()
	posts := make([]filePost, 0, total)
	for _, at := range times {
		p, err := g.post(at, posts)
		if err != nil {
			return nil, err
		}
		posts = append(posts, p)
	}
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, p := range posts {
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			return nil, fmt.Errorf("encode post %s: %w", p.ID, err)
		}
		buf.Write(bytes.TrimRight(line.Bytes(), "\n"))
		if i < len(posts)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	if err := check(buf.Bytes(), total); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
