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
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/hashtag"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
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

// times draws the creation times, oldest first, whole seconds. Before the anchor the week is
// nearly steady (2% of those posts in the last hour, 16% in the 23 hours before, 82% in the
// rest of the week, with a day/night rhythm), so the 24h window holds about a sixth of a
// steady hashtag's week and the trending view lists the hashtags that rose (the trends), not
// the biggest; after it, firstHour of the arriving posts come in the first hour and the rest
// over the following 23 hours.
func (g *generator) times() []time.Time {
	back := int(math.Round(total * backShare))
	var ages []time.Duration // before the anchor, positive
	span := func(n int, lo, hi time.Duration, diurnal bool) {
		for len(ages) < cap(ages) && n > 0 {
			d := lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
			if diurnal {
				h := float64(anchor.Add(-d).Hour())
				if g.rng.Float64() > 0.55+0.45*math.Sin((h-9)/24*2*math.Pi) {
					continue // fewer posts at night (UTC)
				}
			}
			ages = append(ages, d.Truncate(time.Second))
			n--
		}
	}
	ages = make([]time.Duration, 0, back)
	lastHour, lastDay := back*2/100, back*16/100
	span(lastHour, time.Second, hour, false)
	span(lastDay, hour, day, true)
	span(back-lastHour-lastDay, day, oldest, true)

	var out []time.Time
	for _, a := range ages {
		out = append(out, anchor.Add(-a))
	}
	later := total - back
	soon := int(math.Round(float64(later) * firstHour))
	for i := range later {
		lo, hi := time.Second, hour
		if i >= soon {
			lo, hi = hour, arriving
		}
		d := lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
		out = append(out, anchor.Add(d.Truncate(time.Second)))
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func (g *generator) post(at time.Time, earlier []filePost) (filePost, error) {
	p := filePost{at: at, CreatedAt: at.Format(xFormat), AuthorID: g.authors[g.zipf(len(g.authors), 0.8)]}
	p.ID = g.id(at)
	lang := g.language()
	p.Lang = lang.code
	top, trendTag := g.topic(lang, at)

	var tags []string
	for range g.weighted(tagCounts) {
		var t []string
		if g.rng.Float64() < globalP {
			t = globalTech[g.zipf(len(globalTech), zipfS)]
		} else {
			t = top.tags[g.zipf(len(top.tags), zipfS)]
		}
		tags = append(tags, g.spell(t))
	}
	if trendTag != nil {
		if len(tags) == 0 {
			tags = append(tags, "")
		}
		tags[0] = g.spell(trendTag) // a trend always carries its hashtag
	}
	tags = dedupeSpellings(tags)
	if len(tags) > 1 && g.rng.Float64() < repeatP {
		tags = append(tags, strings.ToLower(tags[0])) // the same hashtag again, spelled otherwise
	}
	for i, t := range tags {
		tags[i] = "#" + t
	}

	var body string
	switch {
	case len(tags) == 0:
		body = pick(g, lang.quiet)
	default:
		body = pick(g, top.sentences)
	}
	if g.rng.Float64() < urlP {
		body += " https://example.com/" + strings.ToLower(top.name) + "/" + strconv.Itoa(g.rng.IntN(90000)+10000)
	}

	r := g.rng.Float64()
	replyTo := "" // a reply starts with the @username of the post replied to
	switch {
	case r < replyP && len(earlier) > 0:
		parent := g.parent(at, earlier)
		p.ReferencedTweets = []xapitest.ReferencedTweet{{Type: "replied_to", ID: parent}}
		replyTo = "@" + pick(g, lang.mentions) + " "
	case r < replyP+quoteP && len(earlier) > 0:
		p.ReferencedTweets = []xapitest.ReferencedTweet{{Type: "quoted", ID: g.parent(at, earlier)}}
	case g.rng.Float64() < mentionP:
		body += " cc @" + pick(g, lang.mentions)
	}

	switch {
	case len(tags) > 0 && len(lang.longTails) > 0 && g.rng.Float64() < longP:
		note := body
		for _, s := range g.rng.Perm(len(lang.longTails)) {
			note += sep(lang) + lang.longTails[s]
		}
		for utf8.RuneCountInString(note) <= maxRunes+20 {
			note += sep(lang) + pick(g, lang.longTails)
		}
		p.NoteText = note + "\n\n" + strings.Join(tags, " ")
		rs := []rune(p.NoteText)
		p.Text = string(rs[:noteRunes]) + "…"
	case len(tags) > 0 && g.rng.Float64() < hashOnlyP:
		p.Lang = "qht" // X's code for a post of hashtags only
		p.Text = strings.Join(tags, " ")
	default:
		p.Text = place(g, lang, body, tags)
	}
	if replyTo != "" {
		p.Text = replyTo + p.Text
		if p.NoteText != "" {
			p.NoteText = replyTo + p.NoteText
			p.Text = string([]rune(p.NoteText)[:noteRunes]) + "…"
		}
	}
	if utf8.RuneCountInString(p.Text) > maxRunes+1 {
		return p, fmt.Errorf("post %s: text of %d runes: %q", p.ID, utf8.RuneCountInString(p.Text), p.Text)
	}
	p.PossiblySensitive = g.rng.Float64() < sensitiveP
	return p, nil
}

// place puts the hashtags at the end of the body, at its start, or (in scripts with spaces)
// the first one mid-sentence, always with a space on both sides.
func place(g *generator, lang language, body string, tags []string) string {
	if len(tags) == 0 {
		return body
	}
	all := strings.Join(tags, " ")
	r := g.rng.Float64()
	switch {
	case r < 0.2:
		return all + " " + body
	case r < 0.4 && lang.spaced:
		words := strings.Fields(body)
		if len(words) < 3 {
			break
		}
		i := 1 + g.rng.IntN(len(words)-1)
		mid := slices.Concat(words[:i], []string{tags[0]}, words[i:])
		s := strings.Join(mid, " ")
		if len(tags) > 1 {
			s += " " + strings.Join(tags[1:], " ")
		}
		return s
	}
	if g.rng.IntN(4) == 0 {
		return body + "\n\n" + all
	}
	return body + " " + all
}

func sep(lang language) string {
	if lang.spaced {
		return " "
	}
	return ""
}

// topic picks the post's topic; during a trend of its language it may be the trend's topic
// and then carries the trend's hashtag.
func (g *generator) topic(lang language, at time.Time) (topic, []string) {
	off := at.Sub(anchor)
	for _, tr := range trends {
		if tr.lang != lang.code || off < tr.from || off >= tr.to || g.rng.Float64() >= tr.p {
			continue
		}
		for _, t := range lang.topics {
			if t.name == tr.topic {
				return t, tr.tag
			}
		}
	}
	w := make([]int, len(lang.topics))
	for i, t := range lang.topics {
		w[i] = t.weight
	}
	return lang.topics[g.weighted(w)], nil
}

func (g *generator) language() language {
	w := make([]int, len(languages))
	for i, l := range languages {
		w[i] = l.weight
	}
	return languages[g.weighted(w)]
}

// spell returns the usual spelling of a hashtag, or with probability variantP one of its
// variants.
func (g *generator) spell(forms []string) string {
	if len(forms) > 1 && g.rng.Float64() < variantP {
		return forms[1+g.rng.IntN(len(forms)-1)]
	}
	return forms[0]
}

// dedupeSpellings drops exact repeats (a post names a hashtag once in a given spelling).
func dedupeSpellings(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// parent returns the id of the post replied to or quoted: an earlier post of the sample, or
// one outside it (created up to two days before).
func (g *generator) parent(at time.Time, earlier []filePost) string {
	if g.rng.IntN(2) == 0 {
		return earlier[len(earlier)-1-g.rng.IntN(min(len(earlier), 200))].ID
	}
	back := time.Minute + time.Duration(g.rng.Int64N(int64(2*day)))
	return postid.Make(at.Add(-back), g.rng.IntN(1<<22))
}

// id returns a fresh snowflake id for a post created at at (whole second): its time part
// lies within that second, as on X.
func (g *generator) id(at time.Time) string {
	for {
		id := postid.Make(at.Add(time.Duration(g.rng.IntN(1000))*time.Millisecond), g.rng.IntN(1<<22))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

func (g *generator) authorID() string {
	if g.rng.IntN(3) == 0 {
		return strconv.FormatInt(10_000_000+g.rng.Int64N(3_000_000_000), 10) // an older account
	}
	return postid.Make(time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.rng.Int64N(int64(13*365*day)))), g.rng.IntN(1<<22))
}

// zipf returns an index in [0, n) with probability proportional to 1/(i+1)^s.
func (g *generator) zipf(n int, s float64) int {
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), s)
		sum += w[i]
	}
	r := g.rng.Float64() * sum
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return n - 1
}

// weighted returns an index with probability proportional to its weight.
func (g *generator) weighted(w []int) int {
	sum := 0
	for _, x := range w {
		sum += x
	}
	r := g.rng.IntN(sum)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

func pick(g *generator, xs []string) string { return xs[g.rng.IntN(len(xs))] }

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
