package main

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// body draws the sentence of a post on topic top (a quiet one when it has no hashtags), now
// and then with a link.
func (g *generator) body(lang language, top topic, tags []string) string {
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
	return body
}

// text writes p's text from body and its hashtags: now and then a long post (note_tweet), or
// a post of hashtags only; else the hashtags placed around the body.
func (g *generator) text(p *filePost, lang language, body string, tags []string) {
	switch {
	case len(tags) > 0 && len(lang.longTails) > 0 && g.rng.Float64() < longP:
		p.NoteText = g.longNote(lang, body) + "\n\n" + strings.Join(tags, " ")
		rs := []rune(p.NoteText)
		p.Text = string(rs[:noteRunes]) + "…"
	case len(tags) > 0 && g.rng.Float64() < hashOnlyP:
		p.Lang = "qht" // X's code for a post of hashtags only
		p.Text = strings.Join(tags, " ")
	default:
		p.Text = place(g, lang, body, tags)
	}
}

// longNote is the text of a long post, without its hashtags: body, every long tail of lang in
// a random order, then more of them until it is well over maxRunes.
func (g *generator) longNote(lang language, body string) string {
	note := body
	for _, s := range g.rng.Perm(len(lang.longTails)) {
		note += sep(lang) + lang.longTails[s]
	}
	for utf8.RuneCountInString(note) <= maxRunes+20 {
		note += sep(lang) + pick(g, lang.longTails)
	}
	return note
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

// sep is what separates two sentences in lang: a space, or nothing in scripts without spaces.
func sep(lang language) string {
	if lang.spaced {
		return " "
	}
	return ""
}
