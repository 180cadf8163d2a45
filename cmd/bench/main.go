// Command bench measures the performance figures in one run (`make bench`, through
// scripts/bench.sh) and prints them as one markdown table; a full run also writes the table,
// with the size breakdown of each bootstrap, to docs/PERFORMANCE.md. Package perf does the
// work; run it with -h for the flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/perf"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

// groups are the figure groups, in the order they are measured and shown.
var groups = []string{"store", "ingest", "leaderboard", "lambda", "size", "load"}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and output: it returns the exit code (0, 1 when a
// group fails, 2 for a usage error).
func run(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
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

	b := &bench{ctx: ctx, opts: o, root: root, work: work, stderr: stderr,
		report: perf.Report{When: time.Now(), Machine: perf.Machine(ctx)}}
	for _, g := range groups {
		if !o.want[g] {
			continue
		}
		if err := b.measure(g); err != nil {
			return b.fail(g, err)
		}
	}
	printReport(stdout, b.report)
	if o.all || o.outGiven {
		if err := b.write(); err != nil {
			return b.fail("write", err)
		}
	}
	return 0
}

// bench is one run of the command: what it measures with and the report it fills.
type bench struct {
	ctx    context.Context
	opts   options
	root   string // the module root
	work   string // a temporary directory for builds
	stderr io.Writer
	report perf.Report
}

// fail reports that group failed with err and returns the exit code 1.
func (b *bench) fail(group string, err error) int {
	fmt.Fprintf(b.stderr, "bench: %s: %v\n", group, err)
	return 1
}

// progress prints a progress line to stderr.
func (b *bench) progress(format string, a ...any) { fmt.Fprintf(b.stderr, "bench: "+format+"\n", a...) }

// measure measures one of groups and adds its figures to the report.
func (b *bench) measure(group string) error {
	switch group {
	case "store":
		return b.goBench("store", "./internal/store/", perf.StoreFigures, perf.EstimateFigures)
	case "ingest":
		return b.goBench("ingest", "./internal/ingest/", perf.IngestFigures)
	case "leaderboard":
		return b.goBench("leaderboard", "./internal/leaderboard/", perf.LeaderboardFigures)
	case "lambda":
		return b.lambda()
	case "size":
		return b.size()
	case "load":
		return b.load()
	}
	return fmt.Errorf("unknown group %q", group)
}

// goBench runs the Go benchmarks of pkg, reads their figures with each of figures and, with
// -compare, measures the headline ones again on Redis OSS 7.0.
func (b *bench) goBench(group, pkg string, figures ...func([]perf.Bench) ([]perf.Figure, error)) error {
	b.progress("%s benchmarks (go test -bench %s)", group, pkg)
	res, err := perf.RunGoBench(b.ctx, b.root, pkg, b.stderr)
	if err != nil {
		return err
	}
	for _, read := range figures {
		figs, err := read(res)
		if err != nil {
			return err
		}
		b.report.Figures = append(b.report.Figures, figs...)
	}
	if b.opts.compare {
		b.progress("%s: the headline benchmarks again on Redis OSS 7.0", group)
		cmp, err := perf.RedisComparison(b.ctx, b.root, pkg, res, b.stderr)
		if err != nil {
			return err
		}
		b.report.Figures = append(b.report.Figures, cmp...)
	}
	return nil
}

// lambda measures the cold starts and peak RSS of both bootstraps under the emulator.
func (b *bench) lambda() error {
	rieBin := b.opts.rie
	if rieBin == "" {
		var err error
		if rieBin, err = rie.FindRIE(b.root, os.Getenv); err != nil {
			return err
		}
	}
	b.progress("cold starts and peak RSS under %s, %d runs per function", rieBin, b.opts.runs)
	var log io.Writer
	if b.opts.verbose {
		log = b.stderr
	}
	ing, lb, err := perf.MeasureLambda(b.ctx, perf.LambdaConfig{ModuleRoot: b.root, RIE: rieBin, WorkDir: b.work, Runs: b.opts.runs, Log: log})
	if err != nil {
		return err
	}
	b.report.Figures = append(b.report.Figures, perf.LambdaFigures(ing, lb)...)
	b.report.Notes = append(b.report.Notes, perf.RunsNote(ing, lb), lambdaNote)
	return nil
}

// size measures the linux/arm64 bootstraps' sizes and what each dependency adds.
func (b *bench) size() error {
	b.progress("linux/arm64 bootstrap sizes")
	for _, f := range rie.Functions {
		s, err := perf.MeasureSize(b.ctx, b.root, f, filepath.Join(b.work, "size"))
		if err != nil {
			return err
		}
		b.report.Sizes = append(b.report.Sizes, s)
	}
	b.report.Figures = append(b.report.Figures, perf.SizeFigures(b.report.Sizes)...)
	return nil
}

// load runs the load tests at full size.
func (b *bench) load() error {
	b.progress("load tests: 200 clients for %s per phase, %d posts", b.opts.loadDuration, b.opts.ingestPosts)
	figs, err := perf.RunLoad(b.ctx, perf.LoadConfig{ModuleRoot: b.root, WorkDir: filepath.Join(b.work, "load"),
		Duration: b.opts.loadDuration, Posts: b.opts.ingestPosts, Progress: b.stderr})
	if err != nil {
		return err
	}
	b.report.Figures = append(b.report.Figures, figs...)
	return nil
}

// printReport prints the table, the notes under it and the size sections.
func printReport(stdout io.Writer, report perf.Report) {
	fmt.Fprintf(stdout, "Measured on %s.\n\n%s", report.Machine, perf.Table(report.Figures))
	for _, n := range report.Notes {
		fmt.Fprintf(stdout, "\n%s\n", n)
	}
	for _, s := range report.Sizes {
		fmt.Fprint(stdout, perf.SizeSection(s))
	}
}

// write writes the report as markdown to -out (relative to the module root).
func (b *bench) write() error {
	path := b.opts.out
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.root, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(perf.Markdown(b.report)), 0o644); err != nil {
		return err
	}
	b.progress("wrote %s", path)
	return nil
}

const lambdaNote = `Cold start is the emulator's INIT REPORT: from starting the bootstrap to its first request for
an invoke, which is what Lambda reports as Init Duration. It includes reading the Redis user's
secret (and, for ingest, the X API secret) from Secrets Manager, here moto_server on loopback; the
Redis client does not dial until the first command. The REPORT line's own "Init Duration" only
times handing the init to the runtime core and is not used. Peak RSS is VmHWM of the bootstrap
process after the invokes; Lambda's "Max Memory Used" is measured for the whole execution
environment (extensions included), so leave headroom when choosing MemorySize.`
