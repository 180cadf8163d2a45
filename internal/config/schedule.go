package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultInterval is the ingest interval when SCHEDULE_EXPRESSION is not set: that of the
// template's default schedule, rate(15 minutes).
const DefaultInterval = 15 * time.Minute

// MaxInterval is the longest interval the pacing counts: a schedule that fires less often than
// daily may spend what a whole day accrues.
const MaxInterval = 24 * time.Hour

var rateRE = regexp.MustCompile(`^rate\(\s*([0-9]+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)

// ParseSchedule returns the interval between the runs of an EventBridge schedule expression:
// rate(N minute(s)|hour(s)|day(s)), or cron(minutes hours day-of-month month day-of-week year),
// whose interval is the longest gap between two runs of a day (24 h when the day fields pick
// days). Intervals over MaxInterval are MaxInterval.
func ParseSchedule(expr string) (time.Duration, error) {
	expr = strings.TrimSpace(expr)
	if m := rateRE.FindStringSubmatch(expr); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 {
			return 0, fmt.Errorf("schedule %q: want a rate of at least 1", expr)
		}
		unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
		if (n == 1) != !strings.HasSuffix(m[2], "s") {
			return 0, fmt.Errorf("schedule %q: EventBridge wants rate(1 %s) or rate(N %ss)", expr, strings.TrimSuffix(m[2], "s"), strings.TrimSuffix(m[2], "s"))
		}
		return min(time.Duration(n)*unit, MaxInterval), nil
	}
	inner, ok := strings.CutPrefix(expr, "cron(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return 0, fmt.Errorf("schedule %q: want rate(...) or cron(...)", expr)
	}
	f := strings.Fields(strings.TrimSuffix(inner, ")"))
	if len(f) != 6 {
		return 0, fmt.Errorf("schedule %q: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not %d", expr, len(f))
	}
	minutes, err := cronField(f[0], 0, 59)
	if err != nil {
		return 0, fmt.Errorf("schedule %q: minutes: %w", expr, err)
	}
	hours, err := cronField(f[1], 0, 23)
	if err != nil {
		return 0, fmt.Errorf("schedule %q: hours: %w", expr, err)
	}
	var fires []int // minutes of the day
	for _, h := range hours {
		for _, m := range minutes {
			fires = append(fires, h*60+m)
		}
	}
	slices.Sort(fires)
	gap := fires[0] + 24*60 - fires[len(fires)-1] // from the day's last run to the next day's first
	for i := 1; i < len(fires); i++ {
		gap = max(gap, fires[i]-fires[i-1])
	}
	if everyDay := (f[2] == "*" || f[2] == "?") && f[3] == "*" && (f[4] == "*" || f[4] == "?"); !everyDay {
		return MaxInterval, nil
	}
	return min(time.Duration(gap)*time.Minute, MaxInterval), nil
}

// cronField lists the values of one cron field between lo and hi: *, a value, a range a-b,
// a step x/n or a-b/n (x may be *), or a comma-separated list of these.
func cronField(s string, lo, hi int) ([]int, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		body, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%q: bad step", part)
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case body == "*":
		case strings.Contains(body, "-"):
			x, y, _ := strings.Cut(body, "-")
			var err1, err2 error
			a, err1 = strconv.Atoi(x)
			b, err2 = strconv.Atoi(y)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%q: bad range", part)
			}
		default:
			n, err := strconv.Atoi(body)
			if err != nil {
				return nil, fmt.Errorf("%q: want *, a number, a range or a step", part)
			}
			a = n
			if !hasStep {
				b = n
			}
		}
		if a < lo || b > hi || a > b {
			return nil, fmt.Errorf("%q: out of %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	return out, nil
}
