// Command bench measures the performance figures in one run (`make bench`, through
// scripts/bench.sh) and prints them as one markdown table; a full run also writes the table,
// with the size breakdown of each bootstrap, to docs/PERFORMANCE.md. Package perf does the
// work; run it with -h for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/perf"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

// groups are the figure groups, in the order they are measured and shown.
var groups = []string{"store", "ingest", "leaderboard", "lambda", "size", "load"}

const usage = `Usage: go run ./cmd/bench [flags]      (or: make bench)

Measures, in one run on this machine:
  store        go test -bench ./internal/store/: ingest recording vs the ZINCRBY ceiling, Top per window,
               History of 25 hashtags vs the top-10 read
  ingest       go test -bench ./internal/ingest/: one run over 5 boards vs 5 runs of one board, Redis time
  leaderboard  go test -bench ./internal/leaderboard/: handler cache miss and hit vs a bare ZREVRANGE,
               a history request vs a top-10 request, the dashboard page's size
  lambda       cold start (init duration) and peak RSS of both bootstraps under aws-lambda-rie,
               with moto-held secrets and a local redis-server
  size         linux/arm64 bootstrap sizes as sam build and make build build them, and what each dependency adds
  load         internal/testkit/faulttest load tests at full size: 200 clients on the leaderboard for
               -load-duration per phase (p50, p99, req/s) and -ingest-posts posts through the store
and prints one table. A run of every group writes docs/PERFORMANCE.md.

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	only := fs.String("only", "", "comma-separated groups to measure: "+strings.Join(groups, ","))
	out := fs.String("out", "docs/PERFORMANCE.md", "file the report is written to (a run of every group only, unless given)")
	runs := fs.Int("runs", 7, "cold starts per function")
	rieBin := fs.String("rie", "", "path of aws-lambda-rie (default: $RIE, .bin/aws-lambda-rie, PATH)")
	verbose := fs.Bool("v", false, "show the emulators' and the functions' logs")
	loadDuration := fs.Duration("load-duration", 30*time.Second, "leaderboard load per phase")
	ingestPosts := fs.Int("ingest-posts", 1_000_000, "posts recorded by the ingest load")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	want := map[string]bool{}
	for _, g := range strings.Split(*only, ",") {
		if g = strings.TrimSpace(g); g == "" {
			continue
		}
		if !slices.Contains(groups, g) {
			fmt.Fprintf(stderr, "bench: -only %q: want some of %s\n", g, strings.Join(groups, ","))
			return 2
		}
		want[g] = true
	}
	all := len(want) == 0
	if all {
		for _, g := range groups {
			want[g] = true
		}
	}
	outGiven := false
	fs.Visit(func(f *flag.Flag) { outGiven = outGiven || f.Name == "out" })
	if *runs < 1 {
		fmt.Fprintln(stderr, "bench: -runs must be at least 1")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	root, err := rie.ModuleRoot(wd)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	work, err := os.MkdirTemp("", "bench-")
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(work)

	report := perf.Report{When: time.Now(), Machine: perf.Machine(ctx)}
	fail := func(group string, err error) int {
		fmt.Fprintf(stderr, "bench: %s: %v\n", group, err)
		return 1
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	if want["store"] {
		progress("store benchmarks (go test -bench ./internal/store/)")
		res, err := perf.RunGoBench(ctx, root, "./internal/store/", stderr)
		if err != nil {
			return fail("store", err)
		}
		figs, err := perf.StoreFigures(res)
		if err != nil {
			return fail("store", err)
		}
		report.Figures = append(report.Figures, figs...)
		if figs, err = perf.EstimateFigures(res); err != nil {
			return fail("store", err)
		}
		report.Figures = append(report.Figures, figs...)
	}
	if want["ingest"] {
		progress("ingest benchmarks (go test -bench ./internal/ingest/)")
		res, err := perf.RunGoBench(ctx, root, "./internal/ingest/", stderr)
		if err != nil {
			return fail("ingest", err)
		}
		figs, err := perf.IngestFigures(res)
		if err != nil {
			return fail("ingest", err)
		}
		report.Figures = append(report.Figures, figs...)
	}
	if want["leaderboard"] {
		progress("leaderboard benchmarks (go test -bench ./internal/leaderboard/)")
		res, err := perf.RunGoBench(ctx, root, "./internal/leaderboard/", stderr)
		if err != nil {
			return fail("leaderboard", err)
		}
		figs, err := perf.LeaderboardFigures(res)
		if err != nil {
			return fail("leaderboard", err)
		}
		report.Figures = append(report.Figures, figs...)
	}
	if want["lambda"] {
		if *rieBin == "" {
			if *rieBin, err = rie.FindRIE(root, os.Getenv); err != nil {
				return fail("lambda", err)
			}
		}
		progress("cold starts and peak RSS under %s, %d runs per function", *rieBin, *runs)
		var log io.Writer
		if *verbose {
			log = stderr
		}
		ing, lb, err := perf.MeasureLambda(ctx, perf.LambdaConfig{ModuleRoot: root, RIE: *rieBin, WorkDir: work, Runs: *runs, Log: log})
		if err != nil {
			return fail("lambda", err)
		}
		report.Figures = append(report.Figures, perf.LambdaFigures(ing, lb)...)
		report.Notes = append(report.Notes, perf.RunsNote(ing, lb), lambdaNote)
	}
	if want["size"] {
		progress("linux/arm64 bootstrap sizes")
		for _, f := range rie.Functions {
			s, err := perf.MeasureSize(ctx, root, f, filepath.Join(work, "size"))
			if err != nil {
				return fail("size", err)
			}
			report.Sizes = append(report.Sizes, s)
		}
		report.Figures = append(report.Figures, perf.SizeFigures(report.Sizes)...)
	}

	if want["load"] {
		progress("load tests: 200 clients for %s per phase, %d posts", *loadDuration, *ingestPosts)
		figs, err := perf.RunLoad(ctx, perf.LoadConfig{ModuleRoot: root, WorkDir: filepath.Join(work, "load"),
			Duration: *loadDuration, Posts: *ingestPosts, Progress: stderr})
		if err != nil {
			return fail("load", err)
		}
		report.Figures = append(report.Figures, figs...)
	}

	fmt.Fprintf(stdout, "Measured on %s.\n\n%s", report.Machine, perf.Table(report.Figures))
	for _, n := range report.Notes {
		fmt.Fprintf(stdout, "\n%s\n", n)
	}
	for _, s := range report.Sizes {
		fmt.Fprint(stdout, perf.SizeSection(s))
	}
	if all || outGiven {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fail("write", err)
		}
		if err := os.WriteFile(path, []byte(perf.Markdown(report)), 0o644); err != nil {
			return fail("write", err)
		}
		progress("wrote %s", path)
	}
	return 0
}

const lambdaNote = `Cold start is the emulator's INIT REPORT: from starting the bootstrap to its first request for
an invoke, which is what Lambda reports as Init Duration. It includes reading the Redis user's
secret (and, for ingest, the X API secret) from Secrets Manager, here moto_server on loopback; the
Redis client does not dial until the first command. The REPORT line's own "Init Duration" only
times handing the init to the runtime core and is not used. Peak RSS is VmHWM of the bootstrap
process after the invokes; Lambda's "Max Memory Used" is measured for the whole execution
environment (extensions included), so leave headroom when choosing MemorySize.`
