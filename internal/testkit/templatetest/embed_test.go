package templatetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
)

// checkEmbedOrigins: the parent's EmbedOrigins parameter (default none) reaches the leaderboard
// function as EMBED_ORIGINS, and both templates check it with internal/config's own pattern
// and length bound, so CloudFormation refuses what the function would refuse at cold start.
func checkEmbedOrigins(a *App) []string {
	var probs []string
	const param = "EmbedOrigins"
	f := functions[1]
	t, p, err := a.function(f)
	if err != nil {
		return []string{err.Error()}
	}
	defs := map[string]map[string]any{"template.yaml": a.Parent.Parameter(param), a.rel(t): t.Parameter(param)}
	for where, def := range defs {
		if def == nil {
			probs = append(probs, where+": no parameter "+param)
			continue
		}
		if def["Type"] != "String" || def["AllowedPattern"] != config.EmbedOriginsPattern {
			probs = append(probs, fmt.Sprintf("%s: %s is %v with AllowedPattern %v, want a String with config.EmbedOriginsPattern", where, param, def["Type"], def["AllowedPattern"]))
		}
		if n, ok := asInt(def["MaxLength"]); !ok || n != config.MaxEmbedOriginsBytes {
			probs = append(probs, fmt.Sprintf("%s: %s MaxLength %v, want config.MaxEmbedOriginsBytes (%d)", where, param, def["MaxLength"], config.MaxEmbedOriginsBytes))
		}
	}
	if d, ok := a.Parent.Parameter(param)["Default"]; a.Parent.Parameter(param) != nil && (!ok || d != "") {
		probs = append(probs, fmt.Sprintf("template.yaml: %s Default %v, want \"\" (no page may frame the widget)", param, d))
	}
	if v, _ := a.passed(f.app, param); canon(v) != canon(map[string]any{"Ref": param}) {
		probs = append(probs, fmt.Sprintf("template.yaml: %s.%s = %s, want !Ref %s", f.app, param, canon(v), param))
	}
	if v := mapAt(p, "Environment", "Variables")["EMBED_ORIGINS"]; canon(v) != canon(map[string]any{"Ref": param}) {
		probs = append(probs, fmt.Sprintf("%s: %s EMBED_ORIGINS = %s, want !Ref %s", a.rel(t), f.id, canon(v), param))
	}
	return probs
}

func TestEmbedOrigins(t *testing.T) {
	a := loadApp(t)
	for _, p := range checkEmbedOrigins(a) {
		t.Error(p)
	}
	// What the parameter accepts is what the function accepts.
	def := a.Parent.Parameter("EmbedOrigins")
	for _, v := range []string{"", "https://example.com", "https://a.com, http://127.0.0.1:8080,https://*.b.org",
		"https://example.com; script-src *", "*", "'self'", "https://example.com/", strings.Repeat("https://abc.example.com,", 43)} {
		_, err := config.ParseEmbedOrigins(v)
		if got, want := checkParameterValue(def, v) == nil, err == nil; got != want {
			t.Errorf("EmbedOrigins %.40q: the template accepts=%v, the function accepts=%v (%v)", v, got, want, err)
		}
	}
}

func TestEmbedOriginsCatchesBrokenTemplates(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(a *App)
		want   string
	}{
		{"no pattern", func(a *App) { delete(a.Parent.Parameter("EmbedOrigins"), "AllowedPattern") }, "want a String with config.EmbedOriginsPattern"},
		{"loose nested pattern", func(a *App) { a.Nested["LeaderboardStack"].Parameter("EmbedOrigins")["AllowedPattern"] = ".*" }, "nested/leaderboard.yaml: EmbedOrigins"},
		{"default allows all", func(a *App) { a.Parent.Parameter("EmbedOrigins")["Default"] = "https://example.com" }, "Default https://example.com"},
		{"not passed", func(a *App) {
			delete(mapAt(a.Parent.Section("Resources")["LeaderboardStack"], "Properties", "Parameters"), "EmbedOrigins")
		}, "LeaderboardStack.EmbedOrigins = null"},
		{"not in the environment", func(a *App) { delete(env(a, "LeaderboardStack", "LeaderboardFunction"), "EMBED_ORIGINS") }, "EMBED_ORIGINS = null"},
		{"no length bound", func(a *App) { delete(a.Parent.Parameter("EmbedOrigins"), "MaxLength") }, "MaxLength <nil>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := loadApp(t)
			tc.break_(a)
			probs := checkEmbedOrigins(a)
			for _, p := range probs {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got %q", tc.want, probs)
		})
	}
}
