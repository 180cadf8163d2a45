package perf

import (
	"context"
	"fmt"
	"io"
)

// The benchmarks run again on Redis OSS 7.0 for the comparison lines: those behind a figure
// with a target (the headline figures), per package.
const (
	storeHeadlines       = `^(BenchmarkRecord|BenchmarkTop|BenchmarkTrending|BenchmarkHistory|BenchmarkWindowSchedule)$`
	ingestHeadlines      = `^BenchmarkBoards$`
	leaderboardHeadlines = `.`
)

// RedisComparison runs the headline benchmarks of pkg ("./internal/store/", "./internal/ingest/"
// or "./internal/leaderboard/") on Redis OSS 7.0 and returns their figures, one line per
// headline figure, named as measured on Redis. onValkey is the package's full results, for
// the figures' other inputs (none of the headline figures uses them).
func RedisComparison(ctx context.Context, moduleRoot, pkg string, onValkey []Bench, progress io.Writer) ([]Figure, error) {
	var bench string
	var figures func([]Bench) ([]Figure, error)
	var commands []string
	switch pkg {
	case "./internal/store/":
		bench, figures = storeHeadlines, StoreFigures
		commands = []string{cmdRecord, cmdTop, cmdTrending, cmdHistory, cmdSchedule}
	case "./internal/ingest/":
		bench, figures, commands = ingestHeadlines, IngestFigures, []string{cmdBoards}
	case "./internal/leaderboard/":
		bench, figures = leaderboardHeadlines, LeaderboardFigures
		commands = []string{cmdLeaderboard, cmdHistoryAPI, cmdMissOverBare}
	default:
		return nil, fmt.Errorf("redis comparison: no headline benchmarks for %s", pkg)
	}
	res, err := RunGoBenchOn(ctx, moduleRoot, pkg, EngineRedis, bench, progress)
	if err != nil {
		return nil, fmt.Errorf("redis comparison: %w", err)
	}
	figs, err := figures(Merge(onValkey, res))
	if err != nil {
		return nil, fmt.Errorf("redis comparison: %w", err)
	}
	return Comparison(figs, "Redis OSS "+ServerVersion(ctx, "redis-server"), commands...), nil
}
