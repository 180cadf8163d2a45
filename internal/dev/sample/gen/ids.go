package main

import (
	"strconv"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

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

// authorID returns an author's user id: a third of the authors have old numeric ids, the rest
// snowflake ids of accounts made since 2012.
func (g *generator) authorID() string {
	if g.rng.IntN(3) == 0 {
		return strconv.FormatInt(10_000_000+g.rng.Int64N(3_000_000_000), 10) // an older account
	}
	return postid.Make(time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.rng.Int64N(int64(13*365*day)))), g.rng.IntN(1<<22))
}
