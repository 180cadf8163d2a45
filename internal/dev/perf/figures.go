package perf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Targets of issues 2 and 7.
const (
	ColdStartTarget = 150 * time.Millisecond
	SizeTargetMiB   = 24
	RSSTargetMiB    = 64
	MissVsBareMax   = 1.5
	// RecordTarget is issue 2's recording target, in posts/s.
	RecordTarget = 20_000
)

// The commands that reproduce each group of figures.
const (
	cmdRecord      = `go test -run '^$' -bench BenchmarkRecord ./internal/store/`
	cmdTop         = `go test -run '^$' -bench 'BenchmarkTop$' ./internal/store/`
	cmdTopBehind   = `go test -run '^$' -bench BenchmarkTopBehind ./internal/store/`
	cmdLeaderboard = `go test -run '^$' -bench . -benchmem ./internal/leaderboard/`
	cmdLambda      = `go run ./cmd/bench -only lambda`
	cmdSize        = `go run ./cmd/bench -only size`
)

// StoreFigures reads the figures of BenchmarkRecord and BenchmarkTop.
func StoreFigures(results []Bench) ([]Figure, error) {
	rec, err := Find(results, "BenchmarkRecord")
	if err != nil {
		return nil, err
	}
	posts, err := need(rec, "posts/s")
	if err != nil {
		return nil, err
	}
	cmds, err := need(rec, "redis-cmds/s")
	if err != nil {
		return nil, err
	}
	ceiling, err := need(rec, "zincrby-ceiling/s")
	if err != nil {
		return nil, err
	}
	figs := []Figure{
		{Name: "ingest recording: posts/s (batches of 100, ~2 hashtags each, one Lua call per batch)", Value: posts, Unit: "posts/s",
			Reference: "issue 2 target", RefValue: RecordTarget, MinRatio: 1, Command: cmdRecord},
		{Name: "ingest recording: Redis commands/s (inside the script)", Value: cmds, Unit: "cmds/s",
			Reference: "ZINCRBY ceiling (`redis-benchmark -P 100`)", RefValue: ceiling, Command: cmdRecord},
	}
	for _, w := range []string{"1h", "24h", "7d"} {
		b, err := Find(results, "BenchmarkTop/"+w)
		if err != nil {
			return nil, err
		}
		win, err := need(b, "win-µs")
		if err != nil {
			return nil, err
		}
		all, err := need(b, "all-µs")
		if err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Name: "store.Top " + w + ", top 10 of 100,000 hashtags, interleaved with the all-time read (medians)",
			Value: win, Unit: "µs", Reference: "store.Top all-time", RefValue: all, MaxRatio: 1.5, Command: cmdTop})
	}
	// The bounded exception: a window whose upkeep is behind the clock is read with one ZUNION
	// of the whole window. No target: the leaderboard runs it at most once per window, cache
	// period and instance; the figure says what that once costs.
	for _, c := range []struct{ bench, what string }{
		{"1-bucket", "one bucket behind (the window minus the bucket that left)"},
		{"stopped", "ingest stopped (the sum of the 29 live buckets)"},
	} {
		b, err := Find(results, "BenchmarkTopBehind/"+c.bench)
		if err != nil {
			return nil, err
		}
		behind, err1 := need(b, "behind-µs")
		all, err2 := need(b, "all-µs")
		inRedis, err3 := need(b, "redis-µs")
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, err
		}
		figs = append(figs,
			Figure{Name: "store.Top 7d of 58,000 hashtags, upkeep " + c.what + ", top 100, interleaved (medians)",
				Value: behind, Unit: "µs", Reference: "store.Top all-time, top 100", RefValue: all, Command: cmdTopBehind},
			Figure{Name: "the same: ZUNION's own time inside Redis (what blocks the shard)",
				Value: inRedis, Unit: "µs", Reference: "the whole read", RefValue: behind, Command: cmdTopBehind})
	}
	return figs, nil
}

// LeaderboardFigures reads the figures of the leaderboard handler benchmarks.
func LeaderboardFigures(results []Bench) ([]Figure, error) {
	ns := map[string]float64{}
	for _, name := range []string{"BenchmarkBareZRevRange", "BenchmarkHandlerCacheMiss", "BenchmarkHandlerCacheHit"} {
		b, err := Find(results, name)
		if err != nil {
			return nil, err
		}
		if ns[name], err = need(b, "ns/op"); err != nil {
			return nil, err
		}
	}
	bare := ns["BenchmarkBareZRevRange"] / 1e3
	const ref = "bare ZREVRANGE top-100 round trip (what a miss reads)"
	figs := []Figure{
		{Name: "leaderboard handler, cache miss (store.Top of the top 100, JSON of 10, ETag), separate benchmarks", Value: ns["BenchmarkHandlerCacheMiss"] / 1e3, Unit: "µs",
			Reference: ref, RefValue: bare, MaxRatio: MissVsBareMax, Command: cmdLeaderboard},
		{Name: "leaderboard handler, cache hit (no Redis call)", Value: ns["BenchmarkHandlerCacheHit"] / 1e3, Unit: "µs",
			Reference: ref, RefValue: bare, Command: cmdLeaderboard},
	}
	// BenchmarkMissOverBare, when there, interleaves both in every iteration and reports
	// medians: the same ratio, robust to load that changes between separate benchmarks.
	if b, err := Find(results, "BenchmarkMissOverBare"); err == nil {
		miss, err1 := need(b, "miss-µs")
		bareI, err2 := need(b, "bare-µs")
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Name: "leaderboard handler, cache miss, interleaved with the bare round trip (medians)", Value: miss, Unit: "µs",
			Reference: ref, RefValue: bareI, MaxRatio: MissVsBareMax, Command: `go test -run '^$' -bench BenchmarkMissOverBare ./internal/leaderboard/`})
	}
	return figs, nil
}

// LambdaFigures turns the emulator runs into figures.
func LambdaFigures(ing, lb Runs) []Figure {
	var figs []Figure
	for _, r := range []Runs{ing, lb} {
		figs = append(figs, Figure{
			Name:  fmt.Sprintf("cold start: %s init duration under the RIE (median of %d)", r.Function, len(r.Init)),
			Value: float64(r.MedianInit()) / float64(time.Millisecond), Unit: "ms",
			Reference: "issue 7 target", RefValue: float64(ColdStartTarget / time.Millisecond), MaxRatio: 1, Command: cmdLambda,
		})
	}
	figs = append(figs,
		Figure{Name: fmt.Sprintf("peak RSS of the ingest bootstrap, %d pages of %d posts (median of %d)", IngestPages, PageSize, len(ing.PeakRSS)),
			Value: float64(ing.MedianRSS()) / MiB, Unit: "MiB", Reference: "issue 7 target", RefValue: RSSTargetMiB, MaxRatio: 1, Command: cmdLambda},
		Figure{Name: fmt.Sprintf("peak RSS of the leaderboard bootstrap, 3 requests (median of %d)", len(lb.PeakRSS)),
			Value: float64(lb.MedianRSS()) / MiB, Unit: "MiB", Reference: "issue 7 target", RefValue: RSSTargetMiB, MaxRatio: 1, Command: cmdLambda},
	)
	return figs
}

// SizeFigures turns the size analyses into figures.
func SizeFigures(sizes []Size) []Figure {
	var figs []Figure
	for _, s := range sizes {
		figs = append(figs, Figure{
			Name:  fmt.Sprintf("artifact: %s bootstrap, linux/arm64, as `sam build` and `make build`", s.Function),
			Value: float64(s.Stripped) / MiB, Unit: "MiB", Reference: "issue 7 target", RefValue: SizeTargetMiB, MaxRatio: 1, Command: cmdSize,
		})
	}
	for _, s := range sizes {
		figs = append(figs, Figure{
			Name:  fmt.Sprintf("artifact: %s bootstrap without the X-Ray SDK (internal/tracing stubbed with `go build -overlay`)", s.Function),
			Value: float64(s.WithoutTracing) / MiB, Unit: "MiB", Reference: "the same bootstrap with it", RefValue: float64(s.Stripped) / MiB, Command: cmdSize,
		})
	}
	return figs
}

// RunsNote lists every run's figures, for the notes under the table.
func RunsNote(runs ...Runs) string {
	var b strings.Builder
	b.WriteString("Every cold start (init duration, then peak RSS of the bootstrap process):\n")
	for _, r := range runs {
		var inits, rss []string
		for i := range r.Init {
			inits = append(inits, FormatValue(float64(r.Init[i])/float64(time.Millisecond), ""))
			rss = append(rss, FormatValue(float64(r.PeakRSS[i])/MiB, ""))
		}
		fmt.Fprintf(&b, "- %s (%s): init %s ms; peak RSS %s MiB\n", r.Function, r.Invokes, strings.Join(inits, ", "), strings.Join(rss, ", "))
	}
	return b.String()
}

// Machine describes this machine for the report.
func Machine(ctx context.Context) string {
	parts := []string{fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				parts[0] += " (" + strings.TrimSpace(v) + ")"
				break
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		parts = append(parts, strings.TrimSpace(string(out)))
	}
	if out, err := exec.CommandContext(ctx, "redis-server", "--version").Output(); err == nil {
		f := strings.Fields(string(out))
		for _, x := range f {
			if v, ok := strings.CutPrefix(x, "v="); ok {
				parts = append(parts, "redis-server "+v)
			}
		}
	}
	return strings.Join(parts, ", ")
}
