package main

import (
	"slices"
	"strings"
)

// hashtags draws the hashtags of a post on topic top, each with its "#": a few slots (some
// borrowing a global tech hashtag), the trend's hashtag first when the post joins a trend,
// each spelling once, and now and then one of them again in another spelling.
func (g *generator) hashtags(top topic, trendTag []string) []string {
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
	return tags
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
