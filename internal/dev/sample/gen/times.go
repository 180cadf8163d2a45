package main

import (
	"math"
	"slices"
	"time"
)

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
