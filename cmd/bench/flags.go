package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

const usage = `Usage: go run ./cmd/bench [flags]      (or: make bench)

Measures, in one run on this machine, on Valkey (valkey-server; the headline store, ingest and
leaderboard figures again on Redis OSS 7.0 for comparison, unless -compare=false):
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

// options are the command's flags, read.
type options struct {
	want         map[string]bool // the groups to measure
	all          bool            // every group (no -only)
	out          string
	outGiven     bool // -out was given
	runs         int
	rie          string
	verbose      bool
	loadDuration time.Duration
	ingestPosts  int
	compare      bool
}

// parseFlags reads the flags; when ok is false, the command exits with code (a usage error, or
// 0 after -h).
func parseFlags(args []string, stderr io.Writer) (o options, code int, ok bool) {
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
	compare := fs.Bool("compare", true, "measure the headline store, ingest and leaderboard figures again on Redis OSS 7.0")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, 2, false
	}
	o = options{out: *out, runs: *runs, rie: *rieBin, verbose: *verbose, loadDuration: *loadDuration,
		ingestPosts: *ingestPosts, compare: *compare}
	if o.want, ok = groupsWanted(*only, stderr); !ok {
		return o, 2, false
	}
	o.all = len(o.want) == 0
	if o.all {
		for _, g := range groups {
			o.want[g] = true
		}
	}
	fs.Visit(func(f *flag.Flag) { o.outGiven = o.outGiven || f.Name == "out" })
	if o.runs < 1 {
		fmt.Fprintln(stderr, "bench: -runs must be at least 1")
		return o, 2, false
	}
	return o, 0, true
}

// groupsWanted reads -only: the groups named (none: every group is wanted), or ok false after
// reporting a name that is not a group.
func groupsWanted(only string, stderr io.Writer) (want map[string]bool, ok bool) {
	want = map[string]bool{}
	for _, g := range strings.Split(only, ",") {
		if g = strings.TrimSpace(g); g == "" {
			continue
		}
		if !slices.Contains(groups, g) {
			fmt.Fprintf(stderr, "bench: -only %q: want some of %s\n", g, strings.Join(groups, ","))
			return nil, false
		}
		want[g] = true
	}
	return want, true
}
