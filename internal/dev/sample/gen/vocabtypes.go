package main

import "time"

// The types of the vocabulary (vocab.go holds the data) and the time units of its trends.

// topic is what a language's posts talk about: its share of them (weight), its sentences and
// its hashtags, most popular first.
type topic struct {
	name      string
	weight    int
	sentences []string
	tags      [][]string
}

// language is a language of the posts (weight: its share of them) and its vocabulary.
type language struct {
	code      string // X's lang code
	weight    int
	spaced    bool     // words are separated by spaces (hashtags may go mid-sentence)
	mentions  []string // usernames to mention and reply to
	quiet     []string // sentences of posts without hashtags
	topics    []topic
	longTails []string // extra sentences that make a long post (note_tweet)
}

// trend boosts one hashtag of one language and topic between from and to (relative to the
// sample's anchor): a post of that language created then joins the topic and carries the tag
// with probability p.
type trend struct {
	lang, topic string
	tag         []string
	from, to    time.Duration
	p           float64
}

const (
	hour = time.Hour
	day  = 24 * time.Hour
)
