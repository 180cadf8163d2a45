package ingest

import (
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

func TestAccrued(t *testing.T) {
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		budget   int
		interval time.Duration
		at       time.Duration // into the UTC day
		want     int
	}{
		{0, 15 * time.Minute, 12 * time.Hour, 0},                      // no budget: no limit
		{2000, 15 * time.Minute, 0, 20},                               // midnight: one interval's share
		{2000, 15 * time.Minute, 6 * time.Hour, 520},                  // a quarter, plus the share
		{4000, 5 * time.Minute, 18 * time.Hour, 3013},                 // issue 20's ~3,000
		{2000, 15 * time.Minute, 23*time.Hour + 50*time.Minute, 2000}, // never more than the budget
		{2000, 24 * time.Hour, time.Minute, 2000},                     // a daily schedule opens it all
		{10, 5 * time.Minute, time.Minute, 1},                         // at least 1
	}
	for _, tc := range tests {
		if got := Accrued(tc.budget, tc.interval, day.Add(tc.at)); got != tc.want {
			t.Errorf("Accrued(%d, %s, +%s) = %d, want %d", tc.budget, tc.interval, tc.at, got, tc.want)
		}
	}
	// Across a day the accrual never falls and ends at the budget.
	prev := 0
	for m := 0; m < 24*60; m += 7 {
		got := Accrued(2000, 15*time.Minute, day.Add(time.Duration(m)*time.Minute))
		if got < prev {
			t.Fatalf("accrual fell at minute %d: %d < %d", m, got, prev)
		}
		prev = got
	}
}

func TestHourPieces(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	hour := func(h int, n int) xapi.CountBucket {
		return xapi.CountBucket{Start: t0.Add(time.Duration(h) * time.Hour), End: t0.Add(time.Duration(h+1) * time.Hour), Posts: n}
	}
	buckets := []xapi.CountBucket{hour(0, 100), hour(1, 0), hour(2, 300), hour(3, 600)}
	from, to := t0.Add(30*time.Minute), t0.Add(4*time.Hour)
	tests := []struct {
		n     int
		hours map[int]int // pieces per hour
	}{
		{3, map[int]int{0: 1, 2: 1, 3: 1}}, // every hour with posts gets one; the empty one none
		{8, map[int]int{0: 1, 2: 3, 3: 4}}, // the other 5 by 50, 300, 600 posts: 1.58 and 3.16, largest remainder
		{2, map[int]int{2: 1, 3: 1}},       // fewer than such hours: equal pieces of the span
	}
	for _, tc := range tests {
		pieces := hourPieces(buckets, from, to, tc.n)
		got := map[int]int{}
		var prev time.Time
		var sum float64
		for i, p := range pieces {
			if !p.start.Before(p.end) || p.start.Before(from) || p.end.After(to) || i > 0 && !p.start.Equal(prev) && p.start.Before(prev) {
				t.Errorf("n=%d: piece %d [%s, %s) out of order or of the span", tc.n, i, p.start, p.end)
			}
			prev = p.end
			sum += p.posts
			got[int(p.start.Sub(t0)/time.Hour)]++
		}
		if len(pieces) > tc.n || len(got) != len(tc.hours) {
			t.Errorf("n=%d: %d pieces in hours %v, want %v", tc.n, len(pieces), got, tc.hours)
		}
		if tc.n >= 3 {
			for h, k := range tc.hours {
				if got[h] != k {
					t.Errorf("n=%d: hour %d has %d pieces, want %d (%v)", tc.n, h, got[h], k, got)
				}
			}
		}
		if sum < 949 || sum > 951 {
			t.Errorf("n=%d: pieces hold %.1f posts, want the span's 950", tc.n, sum)
		}
	}
	if p := hourPieces([]xapi.CountBucket{hour(0, 0)}, t0, t0.Add(time.Hour), 5); len(p) != 0 {
		t.Errorf("no posts: %d pieces", len(p))
	}
}

func TestPlanSize(t *testing.T) {
	p := &samplePlan{pieces: []piece{{posts: 100}, {posts: 300}}}
	if got := p.size(200); got != 50 {
		t.Errorf("size = %d, want 50 (a quarter of the share)", got)
	}
	if got := p.size(20); got != xapi.MinPageSize {
		t.Errorf("size = %d, want X's smallest page", got)
	}
	if got := p.size(10_000); got != xapi.MaxPageSize {
		t.Errorf("size = %d, want X's largest page", got)
	}
}

// TestReadEnd: a piece larger than its page ends the page at a point between a page's worth of
// posts after its start and its end, the same for the same board and piece, spread evenly over
// pieces; a piece no larger than its page is read to its end.
func TestReadEnd(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	small := piece{start: t0, end: t0.Add(time.Hour), posts: 50}
	if got := small.readEnd("b", 50); !got.Equal(small.end) {
		t.Errorf("a piece of one page ends at %s, want its end", got)
	}
	var sum float64
	const n = 400
	for i := range n {
		p := piece{start: t0.Add(time.Duration(i) * time.Hour), end: t0.Add(time.Duration(i)*time.Hour + time.Hour), posts: 400}
		e := p.readEnd("b", 100) // a page of a quarter of the piece: it ends in the last 45 minutes
		if e.Before(p.start.Add(15*time.Minute)) || e.After(p.end) || !e.Equal(p.readEnd("b", 100)) {
			t.Fatalf("piece %d: end %s, want in [%s, %s] and the same every time", i, e, p.start.Add(15*time.Minute), p.end)
		}
		sum += float64(e.Sub(p.start.Add(15*time.Minute))) / float64(45*time.Minute)
	}
	if mean := sum / n; mean < 0.45 || mean > 0.55 {
		t.Errorf("the ends' mean position is %.3f of their range, want about 0.5 (evenly drawn)", mean)
	}
}
