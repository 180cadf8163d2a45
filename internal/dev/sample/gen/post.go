package main

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// post draws the post created at at; earlier are the posts drawn before it, which replies and
// quotes may refer to. Its steps draw from g.rng in a fixed order: every run writes the same
// sample.
func (g *generator) post(at time.Time, earlier []filePost) (filePost, error) {
	p := filePost{at: at, CreatedAt: at.Format(xFormat), AuthorID: g.authors[g.zipf(len(g.authors), 0.8)]}
	p.ID = g.id(at)
	lang := g.language()
	p.Lang = lang.code
	top, trendTag := g.topic(lang, at)
	tags := g.hashtags(top, trendTag)
	body := g.body(lang, top, tags)
	replyTo, cc := g.refer(&p, lang, at, earlier)
	g.text(&p, lang, body+cc, tags)
	p.prefixReply(replyTo)
	if utf8.RuneCountInString(p.Text) > maxRunes+1 {
		return p, fmt.Errorf("post %s: text of %d runes: %q", p.ID, utf8.RuneCountInString(p.Text), p.Text)
	}
	p.PossiblySensitive = g.rng.Float64() < sensitiveP
	return p, nil
}

// refer makes p a reply (replyTo: the "@username " its text starts with) or a quote of an
// earlier post, or has it mention someone (cc: what its body ends with), or none of these.
func (g *generator) refer(p *filePost, lang language, at time.Time, earlier []filePost) (replyTo, cc string) {
	r := g.rng.Float64()
	switch {
	case r < replyP && len(earlier) > 0:
		parent := g.parent(at, earlier)
		p.ReferencedTweets = []xapitest.ReferencedTweet{{Type: "replied_to", ID: parent}}
		replyTo = "@" + pick(g, lang.mentions) + " "
	case r < replyP+quoteP && len(earlier) > 0:
		p.ReferencedTweets = []xapitest.ReferencedTweet{{Type: "quoted", ID: g.parent(at, earlier)}}
	case g.rng.Float64() < mentionP:
		cc = " cc @" + pick(g, lang.mentions)
	}
	return replyTo, cc
}

// prefixReply starts a reply's text with replyTo, the @username of the post replied to (a long
// post's text is then cut again from its note).
func (p *filePost) prefixReply(replyTo string) {
	if replyTo != "" {
		p.Text = replyTo + p.Text
		if p.NoteText != "" {
			p.NoteText = replyTo + p.NoteText
			p.Text = string([]rune(p.NoteText)[:noteRunes]) + "…"
		}
	}
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

// language draws the post's language by the languages' weights.
func (g *generator) language() language {
	w := make([]int, len(languages))
	for i, l := range languages {
		w[i] = l.weight
	}
	return languages[g.weighted(w)]
}
