package localapp

import (
	"strings"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// functionEnv is getenv with what a local run sets for the functions: the default boards, no
// read budget on the free sample, and the Redis endpoint.
func (a *App) functionEnv(getenv func(string) string, useX bool, rcfg store.Config) func(string) string {
	getenv = defaultBoards(getenv, useX)
	// The bundled sample is free: without X_DAILY_POST_BUDGET it is read without a budget (the
	// default budget would stop the sample after two runs); the budget line still says what
	// the reads would cost on X.
	a.sampleIsFree = !useX && strings.TrimSpace(getenv("X_DAILY_POST_BUDGET")) == ""
	if a.sampleIsFree {
		getenv = overlay(getenv, map[string]string{"X_DAILY_POST_BUDGET": "0"})
	}
	// The functions' settings, read and checked by the functions' own code. The Redis part is
	// already decided by REDIS_URL: the endpoint given here only satisfies the check.
	return overlay(getenv, map[string]string{"MEMORYDB_ENDPOINT": rcfg.Addr})
}

// defaultBoards is getenv with the default boards when neither BOARDS nor SEARCH_QUERY is set:
// DefaultQuery on the real X API; on the sample SampleBoards, or one board of every post when
// LEADERBOARD alone is set.
func defaultBoards(getenv func(string) string, useX bool) func(string) string {
	if strings.TrimSpace(getenv("BOARDS")) != "" || strings.TrimSpace(getenv("SEARCH_QUERY")) != "" {
		return getenv
	}
	switch {
	case useX:
		return overlay(getenv, map[string]string{"SEARCH_QUERY": DefaultQuery})
	case strings.TrimSpace(getenv("LEADERBOARD")) == "":
		return overlay(getenv, map[string]string{"BOARDS": config.BoardsJSON(SampleBoards)})
	default: // LEADERBOARD alone: one board of every post
		return overlay(getenv, map[string]string{"SEARCH_QUERY": SampleQuery})
	}
}

// loadSettings reads and checks the functions' settings with the functions' own code.
// EMBED_ORIGINS is read as the function reads it, except that origins on this machine may
// frame the widget too (http://localhost:8080): a page under development.
func loadSettings(getenv func(string) string) (config.Ingest, config.Leaderboard, error) {
	icfg, err := config.LoadIngest(getenv)
	if err != nil {
		return icfg, config.Leaderboard{}, err
	}
	lcfg, err := config.LoadLeaderboard(overlay(getenv, map[string]string{"EMBED_ORIGINS": ""}))
	if err != nil {
		return icfg, lcfg, err
	}
	if lcfg.EmbedOrigins, err = config.ParseLocalEmbedOrigins(getenv("EMBED_ORIGINS")); err != nil {
		return icfg, lcfg, err
	}
	return icfg, lcfg, nil
}

// overlay returns getenv with the given variables replaced.
func overlay(getenv func(string) string, vars map[string]string) func(string) string {
	return func(name string) string {
		if v, ok := vars[name]; ok {
			return v
		}
		return getenv(name)
	}
}
