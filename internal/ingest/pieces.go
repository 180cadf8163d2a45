package ingest

// The pieces a sampled span is read in (see sample.go): along the hours, by X's counts.

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// piece is one time slice of a sampled span: posts created in [start, end), of which X's counts
// say there are about posts.
type piece struct {
	start, end time.Time
	posts      float64
}

// readEnd is the end_time of the request that samples p with a page of n posts. X answers newest
// first, so a page ending at p.end would read only the newest part of the piece, and a hashtag
// that starts or stops inside the hour would be read out of proportion to its posts there. The
// page ends instead at a point drawn evenly from where a page of n can end inside the piece
// (from the start plus n posts' worth of time to p.end), so every post of the piece has about
// the same chance to be read. The draw is a hash of the board and the piece: the same piece is
// sampled the same way when read again (a retried run), and no clock decides it.
func (p piece) readEnd(board string, n int) time.Time {
	if p.posts <= float64(n) || n <= 0 {
		return p.end
	}
	span := p.end.Sub(p.start)
	lo := p.start.Add(time.Duration(float64(span) * float64(n) / p.posts))
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s|%d|%d", board, p.start.Unix(), p.end.Unix())
	u := float64(h.Sum64()>>11) / float64(uint64(1)<<53)
	end := lo.Add(time.Duration(u * float64(p.end.Sub(lo)))).Truncate(time.Second)
	if !end.After(p.start) {
		return p.end
	}
	return end
}

// samplePlan is a board's sampling of its unread span, piece by piece.
type samplePlan struct {
	pieces []piece // left to read, oldest first
}

// size is max_results for the plan's next piece: its part of the board's share, in proportion to
// the posts of the pieces left, within X's page bounds.
func (p *samplePlan) size(share int64) int {
	var left float64
	for _, pc := range p.pieces {
		left += pc.posts
	}
	n := int64(xapi.MaxPageSize)
	if share >= 0 && left > 0 {
		n = int64(float64(share) * p.pieces[0].posts / left)
	}
	return int(min(max(n, xapi.MinPageSize), xapi.MaxPageSize))
}

// hourPieces cuts [from, to) into at most n pieces along the UTC hours (the buckets of the 24h
// view), so that every hour holding posts by the buckets' counts has one when n allows, and the
// pieces left go to the hours in proportion to their posts (largest remainders first); an
// hour's pieces hold equal numbers of posts. With fewer pieces than such hours, the whole span
// is cut into equal pieces (equalPieces).
func hourPieces(buckets []xapi.CountBucket, from, to time.Time, n int) []piece {
	type hour struct {
		lo, hi time.Time
		posts  float64
		k      int
		rem    float64
	}
	var hours []*hour
	var total float64
	for h := from.Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		lo, hi := maxTime(h, from), minTime(h.Add(time.Hour), to)
		if p := withinF(buckets, lo, hi); p >= 0.5 {
			hours = append(hours, &hour{lo: lo, hi: hi, posts: p})
			total += p
		}
	}
	if n < len(hours) || len(hours) == 0 {
		return equalPieces(buckets, from, to, n)
	}
	left := n
	for _, h := range hours {
		f := float64(n-len(hours)) * h.posts / total
		h.k = 1 + int(f)
		h.rem = f - float64(int(f))
		left -= h.k
	}
	byRem := slices.Clone(hours)
	slices.SortStableFunc(byRem, func(a, b *hour) int { return cmp.Compare(b.rem, a.rem) })
	for i := 0; i < left && i < len(byRem); i++ {
		byRem[i].k++
	}
	var out []piece
	for _, h := range hours {
		out = append(out, equalPieces(buckets, h.lo, h.hi, h.k)...)
	}
	return out
}

// equalPieces cuts [from, to) into at most n pieces holding equal numbers of posts by the
// buckets' counts (posts spread evenly inside a bucket), at whole seconds; none when the
// buckets hold no post there.
func equalPieces(buckets []xapi.CountBucket, from, to time.Time, n int) []piece {
	type seg struct {
		lo, hi time.Time
		posts  float64
	}
	var segs []seg
	var total float64
	for _, b := range buckets {
		lo, hi := maxTime(b.Start, from), minTime(b.End, to)
		if !hi.After(lo) || b.Posts == 0 {
			continue
		}
		p := float64(b.Posts) * float64(hi.Sub(lo)) / float64(b.End.Sub(b.Start))
		segs = append(segs, seg{lo, hi, p})
		total += p
	}
	if n < 1 || total < 1 {
		return nil
	}
	n = max(min(n, int(total)), 1)
	var out []piece
	start := segs[0].lo.Truncate(time.Second)
	acc, k := 0.0, 1
	for _, s := range segs {
		for k < n && acc+s.posts >= total*float64(k)/float64(n) {
			f := (total*float64(k)/float64(n) - acc) / s.posts
			cut := s.lo.Add(time.Duration(f * float64(s.hi.Sub(s.lo)))).Truncate(time.Second)
			if cut.After(start) {
				out = append(out, piece{start, cut, withinF(buckets, start, cut)})
				start = cut
			}
			k++
		}
		acc += s.posts
	}
	end := segs[len(segs)-1].hi
	if end.After(start) {
		out = append(out, piece{start, end, withinF(buckets, start, end)})
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
