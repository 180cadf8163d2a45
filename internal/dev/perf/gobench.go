package perf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Bench is one result line of `go test -bench`.
type Bench struct {
	// Name is the benchmark's name without the -GOMAXPROCS suffix, e.g. "BenchmarkTop/1h".
	Name string
	// Iterations is b.N of the reported run.
	Iterations int64
	// Metrics maps each unit to its value: "ns/op", "B/op", "allocs/op" and the
	// b.ReportMetric units ("posts/s", "x-all", ...).
	Metrics map[string]float64
}

// Metric returns the value of unit, and whether the line had it.
func (b Bench) Metric(unit string) (float64, bool) {
	v, ok := b.Metrics[unit]
	return v, ok
}

var benchLineRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

// ParseBenchOutput reads `go test -bench` output and returns its result lines in order; other
// lines (goos:, PASS, logs) are skipped. A malformed result line is an error.
func ParseBenchOutput(r io.Reader) ([]Bench, error) {
	var out []Bench
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		m := benchLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("benchmark line %q: iterations: %w", line, err)
		}
		f := strings.Fields(m[3])
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("benchmark line %q: want value-unit pairs after the iterations", line)
		}
		b := Bench{Name: m[1], Iterations: n, Metrics: map[string]float64{}}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark line %q: value %q: %w", line, f[i], err)
			}
			b.Metrics[f[i+1]] = v
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return out, nil
}

// Engines of the benchmarks: every figure is measured on Valkey (MemoryDB's default engine),
// and the headline figures again on Redis OSS 7.0 (Engine=redis) for comparison.
const (
	EngineValkey = "valkey"
	EngineRedis  = "redis"
)

// RunGoBench runs `go test -run '^$' -bench . -benchmem pkg` in moduleRoot on Valkey, copies its
// output to progress (if not nil) and returns the parsed results.
func RunGoBench(ctx context.Context, moduleRoot, pkg string, progress io.Writer) ([]Bench, error) {
	return RunGoBenchOn(ctx, moduleRoot, pkg, EngineValkey, ".", progress)
}

// RunGoBenchOn runs the benchmarks of pkg matching bench with the test servers on engine
// (redistest's REDISTEST_ENGINES: "valkey" or "redis").
func RunGoBenchOn(ctx context.Context, moduleRoot, pkg, engine, bench string, progress io.Writer) ([]Bench, error) {
	args := []string{"test", "-run", "^$", "-bench", bench, "-benchmem", "-count", "1", pkg}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "REDISTEST_ENGINES="+engine)
	var out bytes.Buffer
	if progress != nil {
		cmd.Stdout = io.MultiWriter(&out, progress)
		cmd.Stderr = progress
	} else {
		cmd.Stdout = &out
		cmd.Stderr = &out
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("REDISTEST_ENGINES=%s go %s: %w\n%s", engine, strings.Join(args, " "), err, tail(out.String(), 30))
	}
	res, err := ParseBenchOutput(&out)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("REDISTEST_ENGINES=%s go %s: no benchmark results in its output", engine, strings.Join(args, " "))
	}
	return res, nil
}

// Merge returns base with every result of over in place of base's result of the same name.
func Merge(base, over []Bench) []Bench {
	out := make([]Bench, 0, len(base))
	for _, b := range base {
		if o, err := Find(over, b.Name); err == nil {
			b = o
		}
		out = append(out, b)
	}
	return out
}

// Comparison returns the figures with a target whose command is one of commands, each named
// as measured on engine (e.g. "Redis OSS 7.0.15"): the comparison lines of the report.
func Comparison(figs []Figure, engine string, commands ...string) []Figure {
	var out []Figure
	for _, f := range figs {
		if _, hasTarget := f.Met(); !hasTarget || !slices.Contains(commands, f.Command) {
			continue
		}
		f.Name = "on " + engine + ": " + f.Name
		f.Command = "REDISTEST_ENGINES=redis " + f.Command
		out = append(out, f)
	}
	return out
}

// Find returns the result called name.
func Find(results []Bench, name string) (Bench, error) {
	for _, b := range results {
		if b.Name == name {
			return b, nil
		}
	}
	var names []string
	for _, b := range results {
		names = append(names, b.Name)
	}
	return Bench{}, fmt.Errorf("no result for %s (have %s)", name, strings.Join(names, ", "))
}

// need returns the value of unit in b or an error naming both.
func need(b Bench, unit string) (float64, error) {
	v, ok := b.Metric(unit)
	if !ok {
		return 0, fmt.Errorf("%s reports no %q", b.Name, unit)
	}
	return v, nil
}

// metrics returns the values of units in the result of benchmark name, in that order, or an
// error naming what is missing.
func metrics(results []Bench, name string, units ...string) ([]float64, error) {
	b, err := Find(results, name)
	if err != nil {
		return nil, err
	}
	vals := make([]float64, len(units))
	var errs []error
	for i, u := range units {
		v, err := need(b, u)
		vals[i] = v
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return vals, nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
