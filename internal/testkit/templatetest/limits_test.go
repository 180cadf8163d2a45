package templatetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
)

// limit is what a numeric parameter must say, from internal/config's constants: the stack
// refuses what the function refuses at cold start, and its default is the function's.
type limit struct {
	param    string   // in template.yaml and the nested template of app
	app      string   // the nested application whose template declares it too
	def      *float64 // the parent's Default (nil: not checked)
	min, max float64
	atMost   bool // the template may allow less than max (a narrower bound of its own)
}

func f(v float64) *float64 { return &v }

var limits = []limit{
	{param: "MaxPages", app: "IngestStack", def: f(config.DefaultMaxPages), min: 1, max: config.MaxMaxPages},
	{param: "DailyPostBudget", app: "IngestStack", def: f(config.DefaultDailyPostBudget), max: config.MaxDailyPostBudget},
	{param: "XPricePerPost", app: "IngestStack", def: f(config.DefaultPricePerPost), max: config.MaxPricePerPost},
	// The stack keeps a warm answer 5 minutes at most; config lets a local run keep it longer.
	{param: "CacheTtlSeconds", app: "LeaderboardStack", def: f(config.DefaultCacheTTL.Seconds()),
		max: config.MaxCacheTTL.Seconds(), atMost: true},
}

// asFloat reads a template number (an int, a float or a numeric string).
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case string:
		var n float64
		if _, err := fmt.Sscanf(x, "%g", &n); err == nil {
			return n, true
		}
	}
	return 0, false
}

// checkLimits: the templates' numeric parameters bound what internal/config bounds, with its
// defaults; the functions' environments set only variables config reads, no deprecated alias,
// and the X API's URL is config's default.
func checkLimits(a *App) []string {
	var probs []string
	for _, l := range limits {
		defs := map[string]map[string]any{"template.yaml": a.Parent.Parameter(l.param)}
		if n := a.Nested[l.app]; n != nil {
			defs[a.rel(n)] = n.Parameter(l.param)
		}
		for where, p := range defs {
			if p == nil {
				probs = append(probs, fmt.Sprintf("%s: no parameter %s", where, l.param))
				continue
			}
			lo, okLo := asFloat(p["MinValue"])
			hi, okHi := asFloat(p["MaxValue"])
			if !okLo || lo != l.min {
				probs = append(probs, fmt.Sprintf("%s: %s MinValue %v, want %g (internal/config)", where, l.param, p["MinValue"], l.min))
			}
			if !okHi || hi > l.max || (!l.atMost && hi != l.max) {
				probs = append(probs, fmt.Sprintf("%s: %s MaxValue %v, want %g (internal/config)", where, l.param, p["MaxValue"], l.max))
			}
		}
		if p := a.Parent.Parameter(l.param); p != nil && l.def != nil {
			if d, ok := asFloat(p["Default"]); !ok || d != *l.def {
				probs = append(probs, fmt.Sprintf("template.yaml: %s Default %v, want %g (internal/config)", l.param, p["Default"], *l.def))
			}
		}
	}
	deprecated := map[string]string{}
	for _, al := range config.Aliases() {
		deprecated[al.Deprecated] = al.Name
	}
	for _, fn := range functions {
		for name := range env(a, fn.app, fn.id) {
			switch {
			case deprecated[name] != "":
				probs = append(probs, fmt.Sprintf("%s %s sets %s, a deprecated alias: set %s", fn.app, fn.id, name, deprecated[name]))
			case !slices.Contains(config.Variables(), name):
				probs = append(probs, fmt.Sprintf("%s %s sets %s, which internal/config does not read", fn.app, fn.id, name))
			}
		}
	}
	if u := env(a, "IngestStack", "IngestFunction")[config.EnvXAPIURL]; u != config.DefaultAPIURL {
		probs = append(probs, fmt.Sprintf("IngestStack IngestFunction %s = %v, want config.DefaultAPIURL", config.EnvXAPIURL, u))
	}
	return probs
}

func TestLimitsCatchBrokenTemplates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*App)
		want   string
	}{
		{"page cap over config's", func(a *App) { a.Parent.Parameter("MaxPages")["MaxValue"] = 1000 }, "MaxPages MaxValue 1000"},
		{"nested page cap", func(a *App) { a.Nested["IngestStack"].Parameter("MaxPages")["MaxValue"] = 50 }, "MaxPages MaxValue 50"},
		{"page default", func(a *App) { a.Parent.Parameter("MaxPages")["Default"] = 20 }, "MaxPages Default 20"},
		{"no zero budget", func(a *App) { a.Parent.Parameter("DailyPostBudget")["MinValue"] = 1 }, "DailyPostBudget MinValue 1"},
		{"price default", func(a *App) { a.Parent.Parameter("XPricePerPost")["Default"] = 0.01 }, "XPricePerPost Default 0.01"},
		{"cache over config's", func(a *App) { a.Parent.Parameter("CacheTtlSeconds")["MaxValue"] = 7200 }, "CacheTtlSeconds MaxValue 7200"},
		{"deprecated name", func(a *App) {
			e := env(a, "IngestStack", "IngestFunction")
			e["TWITTER_SECRET_ARN"] = e["X_SECRET_ARN"]
			delete(e, "X_SECRET_ARN")
		}, "TWITTER_SECRET_ARN, a deprecated alias: set X_SECRET_ARN"},
		{"unknown variable", func(a *App) { env(a, "LeaderboardStack", "LeaderboardFunction")["CACHE_SECONDS"] = "5" }, "CACHE_SECONDS, which internal/config does not read"},
		{"api url", func(a *App) { env(a, "IngestStack", "IngestFunction")["X_API_URL"] = "https://api.twitter.com" }, "want config.DefaultAPIURL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := loadApp(t)
			tc.mutate(a)
			probs := checkLimits(a)
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("problems %q, want one containing %q", probs, tc.want)
			}
		})
	}
}
