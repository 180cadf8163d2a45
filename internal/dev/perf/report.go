// Package perf owns the project's published performance figures (`make bench`, written to
// docs/PERFORMANCE.md): it runs the Go benchmarks of the store and the leaderboard and reads
// their figures, measures the Lambda figures (init duration and peak memory of the real
// bootstraps under the Runtime Interface Emulator, artifact size of the linux/arm64
// bootstraps with what each dependency adds), and renders them as one table in which each
// figure stands next to its reference, the ratio between them and the command that
// reproduces it.
package perf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Figure is one row of the table.
type Figure struct {
	Name  string
	Value float64
	Unit  string
	// Reference is what Value is compared with (RefValue in the same Unit); empty for a
	// figure without one.
	Reference string
	RefValue  float64
	// MaxRatio, when set, is the target: Value / RefValue at most MaxRatio.
	MaxRatio float64
	// MinRatio, when set, is the target: Value / RefValue at least MinRatio.
	MinRatio float64
	Command  string
}

// Ratio is Value / RefValue, or NaN without a reference.
func (f Figure) Ratio() float64 {
	if f.RefValue == 0 {
		return math.NaN()
	}
	return f.Value / f.RefValue
}

// Met reports whether the figure has a target and meets it.
func (f Figure) Met() (met, hasTarget bool) {
	switch {
	case f.RefValue == 0:
		return false, false
	case f.MaxRatio != 0:
		return f.Ratio() <= f.MaxRatio, true
	case f.MinRatio != 0:
		return f.Ratio() >= f.MinRatio, true
	}
	return false, false
}

// Report is the figures of one run and the context they were measured in.
type Report struct {
	When    time.Time
	Machine string // e.g. "linux/amd64, 2 CPUs (model), go1.26.8, redis-server 7.0.15"
	Figures []Figure
	Notes   []string // markdown paragraphs after the table
	Sizes   []Size
}

// Table renders the figures as a markdown table.
func Table(figs []Figure) string {
	var b strings.Builder
	b.WriteString("| Figure | Value | Reference | Ratio | Target | Reproduce |\n")
	b.WriteString("| --- | ---: | --- | ---: | --- | --- |\n")
	for _, f := range figs {
		ref, ratio, target := "—", "—", "—"
		if f.Reference != "" {
			ref = f.Reference
			if f.RefValue != 0 {
				ref += " = " + FormatValue(f.RefValue, f.Unit)
				ratio = FormatRatio(f.Ratio())
			}
		}
		if met, ok := f.Met(); ok {
			switch {
			case f.MaxRatio == 1:
				target = "≤ " + FormatValue(f.RefValue, f.Unit)
			case f.MaxRatio != 0:
				target = "≤ " + FormatRatio(f.MaxRatio) + " the reference"
			case f.MinRatio == 1:
				target = "≥ " + FormatValue(f.RefValue, f.Unit)
			default:
				target = "≥ " + FormatRatio(f.MinRatio) + " the reference"
			}
			if met {
				target += ": met"
			} else {
				target += ": not met"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | `%s` |\n", f.Name, FormatValue(f.Value, f.Unit), ref, ratio, target, f.Command)
	}
	return b.String()
}

// FormatValue prints v with a precision that suits its size, and its unit.
func FormatValue(v float64, unit string) string {
	var s string
	switch a := math.Abs(v); {
	case a >= 10_000:
		s = groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// FormatRatio prints a ratio as "1.23×".
func FormatRatio(r float64) string {
	if math.IsNaN(r) {
		return "—"
	}
	switch {
	case r >= 100:
		return strconv.FormatFloat(r, 'f', 0, 64) + "×"
	case r >= 0.01:
		return strconv.FormatFloat(r, 'f', 2, 64) + "×"
	default:
		return strconv.FormatFloat(r, 'g', 2, 64) + "×"
	}
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// MiB is 2^20 bytes, the unit of the size and memory figures.
const MiB = 1 << 20

// Markdown renders the whole of docs/PERFORMANCE.md.
func Markdown(r Report) string {
	var b strings.Builder
	b.WriteString("# Performance\n\n")
	b.WriteString("Written by `make bench` (`scripts/bench.sh`): every figure below comes from one run on one machine,\n")
	b.WriteString("next to its reference measured in the same run, with the command that reproduces it.\n")
	b.WriteString("Do not edit by hand; run `make bench` again.\n\n")
	fmt.Fprintf(&b, "Measured %s on %s.\n\n", r.When.UTC().Format("2006-01-02 15:04 MST"), r.Machine)
	b.WriteString(Table(r.Figures))
	for _, n := range r.Notes {
		b.WriteString("\n" + n + "\n")
	}
	for _, s := range r.Sizes {
		b.WriteString(SizeSection(s))
	}
	return b.String()
}

// SizeSection renders the size breakdown of one bootstrap.
func SizeSection(s Size) string {
	var b strings.Builder
	mib := func(n int64) string { return FormatValue(float64(n)/MiB, "MiB") }
	fmt.Fprintf(&b, "\n## What each dependency adds to %s/bootstrap\n\n", s.Function)
	fmt.Fprintf(&b, "The linux/arm64 bootstrap as `sam build` and `make build` build it is %s (%s bytes). Built the same way\n",
		mib(s.Stripped), groupThousands(strconv.FormatInt(s.Stripped, 10)))
	fmt.Fprintf(&b, "with internal/tracing replaced by a stub without the X-Ray SDK (`go build -overlay`) it is %s:\n", mib(s.WithoutTracing))
	fmt.Fprintf(&b, "the SDK adds %s, measured.\n\n", mib(s.Stripped-s.WithoutTracing))
	b.WriteString("By module, estimated from the symbols of the same builds without `-s -w`: each package's code and\n")
	fmt.Fprintf(&b, "data, plus its share, in proportion to its code, of what no symbol names (%s here: function tables,\n", mib(s.Unattributed))
	b.WriteString("type data, strings). These are sizes in this binary, not what removing a module saves. The linker\n")
	b.WriteString("drops unused methods only while no reachable code looks methods up by a name it cannot see\n")
	b.WriteString("(reflect's Method/MethodByName; text/template does, reached through grpc's golang.org/x/net/trace);\n")
	b.WriteString("once something does, it keeps every exported method of every type in an interface. The X-Ray SDK's\n")
	b.WriteString("dependencies (grpc, protobuf) bring that about, which is why modules with large method sets, above\n")
	b.WriteString("all go-redis with one method per Redis command, are much larger with the SDK than without it.\n\n")
	b.WriteString("| Module | Version | Packages | In this bootstrap (estimate) | Without the X-Ray SDK (estimate) |\n| --- | --- | ---: | ---: | ---: |\n")
	for _, m := range s.Modules {
		v := m.Version
		if v == "" {
			v = "—"
		}
		without := "not linked"
		if m.WithoutTracing > 0 {
			without = mib(m.WithoutTracing)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", m.Module, v, m.Packages, mib(m.Estimated), without)
	}
	b.WriteString("\nDropping a direct dependency takes out every package reachable from the main package only through\n")
	b.WriteString("it (standard library included); their size here is roughly the least it would save (the X-Ray SDK's\n")
	b.WriteString("packages: see the measured figure above).\n\n")
	b.WriteString("| Direct dependency | Its packages' size here (estimate) | Packages | Modules that would go |\n| --- | ---: | ---: | --- |\n")
	for _, d := range s.Drops {
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", d.Module, mib(d.Estimated), d.Packages, strings.Join(d.Modules, ", "))
	}
	return b.String()
}
