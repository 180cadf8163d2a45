package perf

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseFixture(t *testing.T, name string) []Bench {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseBenchOutput(f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseBenchOutput(t *testing.T) {
	res := parseFixture(t, "bench_store.txt")
	var names []string
	for _, b := range res {
		names = append(names, b.Name)
	}
	if want := []string{"BenchmarkRecord", "BenchmarkRecordInstructions", "BenchmarkTop/all", "BenchmarkTop/1h", "BenchmarkTop/24h", "BenchmarkTop/7d",
		"BenchmarkTrending/1h", "BenchmarkTrending/24h", "BenchmarkTrendingMemory",
		"BenchmarkTopBehind/1-bucket", "BenchmarkTopBehind/stopped", "BenchmarkHistory", "BenchmarkWindowSchedule"}; !slices.Equal(names, want) {
		t.Fatalf("names %q, want %q", names, want)
	}
	rec := res[0]
	for unit, want := range map[string]float64{"ns/op": 9159618, "cmds/ceiling": 0.4295, "posts/s": 20996, "plain-posts/s": 27201,
		"redis-cmds/s": 287119, "x-plain": 1.295, "zincrby-ceiling/s": 668449, "B/op": 88887, "allocs/op": 1521} {
		if got, ok := rec.Metric(unit); !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", unit, got, ok, want)
		}
	}
	if rec.Iterations != 142 {
		t.Errorf("iterations %d, want 142", rec.Iterations)
	}

	tests := []struct {
		name, in string
		want     int
		wantErr  string
	}{
		{"no suffix (GOMAXPROCS=1)", "BenchmarkX \t 10\t 5 ns/op\n", 1, ""},
		{"logs and PASS skipped", "goos: linux\nsome log line\nBenchmarkX-8 1 2 ns/op\nPASS\nok x 1s\n", 1, ""},
		{"odd fields", "BenchmarkX-8 10 5 ns/op 7\n", 0, "value-unit pairs"},
		{"bad value", "BenchmarkX-8 10 five ns/op\n", 0, `value "five"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBenchOutput(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("got %v, %v; want %d results", got, err, tc.want)
			}
			if got[0].Name != "BenchmarkX" {
				t.Errorf("name %q", got[0].Name)
			}
		})
	}
}

func TestStoreAndLeaderboardFigures(t *testing.T) {
	store, err := StoreFigures(parseFixture(t, "bench_store.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(store) != 22 {
		t.Fatalf("%d store figures, want 22", len(store))
	}
	if f := store[0]; f.Value != 20996 || f.RefValue != RecordTarget || f.MinRatio != 1 {
		t.Errorf("posts/s figure %+v", f)
	} else if met, ok := f.Met(); !ok || !met {
		t.Errorf("20,996 posts/s against %d: met %v (target %v), want a target met", RecordTarget, met, ok)
	}
	if f := store[1]; f.Value != 20996 || f.RefValue != 27201 || f.MinRatio != 0 || f.MaxRatio != 0 {
		t.Errorf("with against without author tracking figure %+v", f)
	}
	if f := store[2]; f.Value != 16012 || f.RefValue != RecordTarget || f.MinRatio != 1 {
		t.Errorf("every author new figure %+v", f)
	} else if met, ok := f.Met(); !ok || met {
		t.Errorf("16,012 posts/s against %d: met %v (target %v), want a target not met", RecordTarget, met, ok)
	}
	if f := store[4]; f.Value != 22474762 || f.RefValue != 16905205 || f.Unit != "instr/batch" || f.MaxRatio != 0 {
		t.Errorf("instructions figure %+v", f)
	}
	if f := store[5]; f.Value != 31764495 || f.RefValue != 16905205 {
		t.Errorf("every author new, instructions figure %+v", f)
	}
	if f := store[3]; f.Value != 287119 || f.RefValue != 668449 || math.Abs(f.Ratio()-287119.0/668449) > 1e-12 {
		t.Errorf("commands/s figure %+v", f)
	}
	if f := store[7]; !strings.Contains(f.Name, "24h") || f.Value != 28.45 || f.RefValue != 27.59 || f.MaxRatio != 1.5 {
		t.Errorf("Top 24h figure %+v", f)
	}
	if f := store[9]; !strings.Contains(f.Name, "Trending 1h") || f.Value != 112.1 || f.RefValue != 114.9 || f.MaxRatio != TrendingVsTopMax {
		t.Errorf("Trending 1h figure %+v", f)
	}
	if f := store[11]; f.Value != 120.9 || f.RefValue != 112.9 || f.Unit != "B/post" {
		t.Errorf("pair set memory figure %+v", f)
	}
	if f := store[12]; f.Value != 217.0 || !strings.Contains(f.Name, "24h") {
		t.Errorf("24h pairs memory figure %+v", f)
	}
	if f := store[16]; !strings.Contains(f.Name, "ingest stopped") || f.Value != 147644 || f.RefValue != 529.6 || f.MaxRatio != 0 {
		t.Errorf("Top 7d behind, stopped, figure %+v", f)
	}
	if f := store[17]; f.Value != 168135 || f.RefValue != 147644 {
		t.Errorf("Top 7d behind, inside Redis, figure %+v", f)
	}
	if f := store[18]; !strings.Contains(f.Name, "store.History 24h, 25 hashtags") || f.Value != 180.4 || f.RefValue != 29.45 || f.MaxRatio != HistoryVsTopMax {
		t.Errorf("History figure %+v", f)
	} else if met, ok := f.Met(); !ok || met {
		t.Errorf("history/top %.2f against %d: met %v (target %v), want a target not met", f.Ratio(), HistoryVsTopMax, met, ok)
	}
	if f := store[19]; f.Value != 104.0 || f.RefValue != 180.4 || f.MaxRatio != 0 {
		t.Errorf("History inside Redis figure %+v", f)
	}
	if f := store[20]; !strings.Contains(f.Name, "worst window read") || f.Value != 27.49 || f.RefValue != 20.31 || f.MaxRatio != WindowVsAllMax {
		t.Errorf("window schedule figure %+v", f)
	} else if met, ok := f.Met(); !ok || !met {
		t.Errorf("worst window/all %.2f against %v: met %v (target %v), want a target met", f.Ratio(), WindowVsAllMax, met, ok)
	}
	if f := store[21]; f.Value != 0 || f.Unit != "calls" {
		t.Errorf("window schedule ZUNION figure %+v", f)
	}

	lb, err := LeaderboardFigures(parseFixture(t, "bench_leaderboard.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lb) != 5 {
		t.Fatalf("%d leaderboard figures, want 5", len(lb))
	}
	miss := lb[0]
	if miss.Value != 147.327 || miss.RefValue != 71.675 {
		t.Errorf("miss figure %+v", miss)
	}
	if met, ok := miss.Met(); !ok || met {
		t.Errorf("miss/bare %.2f against %.1f: met %v (target %v), want a target not met", miss.Ratio(), MissVsBareMax, met, ok)
	}
	if inter := lb[2]; inter.Value != 132.5 || inter.RefValue != 84.54 {
		t.Errorf("interleaved figure %+v", inter)
	}
	if f := lb[3]; f.Value != 323.1 || f.RefValue != 94.67 || f.MaxRatio != HistoryVsTopMax {
		t.Errorf("history request figure %+v", f)
	}
	if f := lb[4]; f.Value != 19.363 || f.Unit != "KB" || f.RefValue != PageTargetKB || f.MaxRatio != 1 {
		t.Errorf("page size figure %+v", f)
	} else if met, ok := f.Met(); !ok || !met {
		t.Errorf("19.4 KB against %d KB: met %v (target %v)", PageTargetKB, met, ok)
	}

	// A missing benchmark or metric is an error naming it.
	if _, err := StoreFigures(parseFixture(t, "bench_leaderboard.txt")); err == nil || !strings.Contains(err.Error(), "BenchmarkRecord") {
		t.Errorf("store figures from leaderboard output: %v", err)
	}
	noMetric := []Bench{{Name: "BenchmarkRecord", Metrics: map[string]float64{"ns/op": 1}}}
	if _, err := StoreFigures(noMetric); err == nil || !strings.Contains(err.Error(), "posts/s") {
		t.Errorf("want an error naming posts/s, got %v", err)
	}
}

func TestIngestFigures(t *testing.T) {
	figs, err := IngestFigures(parseFixture(t, "bench_ingest.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 2 {
		t.Fatalf("%d ingest figures, want 2", len(figs))
	}
	if f := figs[0]; f.MaxRatio != BoardsVsSinglesMax || f.Value != 51389 || f.RefValue != 72315 {
		t.Errorf("Redis time figure %+v: want 51,389 against 72,315 µs and the 1.2 target", f)
	}
	if f := figs[1]; f.MaxRatio != 0 || f.Value != 41520 || f.RefValue != 51267 {
		t.Errorf("CPU figure %+v: want 41,520 against 51,267 µs, no target", f)
	}
	if _, err := IngestFigures(parseFixture(t, "bench_store.txt")); err == nil || !strings.Contains(err.Error(), "BenchmarkBoards") {
		t.Errorf("ingest figures from store output: %v", err)
	}
}

func TestFormat(t *testing.T) {
	values := []struct {
		v    float64
		unit string
		want string
	}{
		{237869, "cmds/s", "237,869 cmds/s"},
		{13153, "posts/s", "13,153 posts/s"},
		{1234567.8, "", "1,234,568"},
		{147.327, "µs", "147 µs"},
		{22.75, "MiB", "22.8 MiB"},
		{2.94, "µs", "2.94 µs"},
		{-12345, "", "-12,345"},
	}
	for _, tc := range values {
		if got := FormatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
	ratios := []struct {
		r    float64
		want string
	}{{2.0555, "2.06×"}, {0.0412, "0.04×"}, {0.0041, "0.0041×"}, {150, "150×"}, {math.NaN(), "—"}}
	for _, tc := range ratios {
		if got := FormatRatio(tc.r); got != tc.want {
			t.Errorf("FormatRatio(%v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	figs := []Figure{
		{Name: "cold start", Value: 21.2, Unit: "ms", Reference: "target", RefValue: 150, MaxRatio: 1, Command: "go run ./cmd/bench -only lambda"},
		{Name: "miss", Value: 147, Unit: "µs", Reference: "bare", RefValue: 71.7, MaxRatio: 1.5, Command: "go test"},
		{Name: "posts/s", Value: 13153, Unit: "posts/s", Command: "go test -bench"},
		{Name: "recording", Value: 21354, Unit: "posts/s", Reference: "target", RefValue: 20000, MinRatio: 1, Command: "go test -bench"},
		{Name: "slow recording", Value: 13153, Unit: "posts/s", Reference: "target", RefValue: 20000, MinRatio: 1, Command: "go test -bench"},
	}
	got := Table(figs)
	for _, want := range []string{
		"| Figure | Value | Reference | Ratio | Target | Reproduce |",
		"| cold start | 21.2 ms | target = 150 ms | 0.14× | ≤ 150 ms: met | `go run ./cmd/bench -only lambda` |",
		"| miss | 147 µs | bare = 71.7 µs | 2.05× | ≤ 1.50× the reference: not met | `go test` |",
		"| posts/s | 13,153 posts/s | — | — | — | `go test -bench` |",
		"| recording | 21,354 posts/s | target = 20,000 posts/s | 1.07× | ≥ 20,000 posts/s: met | `go test -bench` |",
		"| slow recording | 13,153 posts/s | target = 20,000 posts/s | 0.66× | ≥ 20,000 posts/s: not met | `go test -bench` |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks the line\n%s\nin\n%s", want, got)
		}
	}
}

func TestLambdaFigures(t *testing.T) {
	ms := time.Millisecond
	ing := Runs{Function: "ingest", Init: []time.Duration{30 * ms, 20 * ms, 200 * ms}, PeakRSS: []int64{23 * MiB, 22 * MiB, 24 * MiB}}
	lb := Runs{Function: "leaderboard", Init: []time.Duration{10 * ms, 20 * ms}, PeakRSS: []int64{18 * MiB, 20 * MiB}}
	figs := LambdaFigures(ing, lb)
	if len(figs) != 4 {
		t.Fatalf("%d figures", len(figs))
	}
	// Medians: odd count takes the middle, even count the mean of the middle two.
	if figs[0].Value != 30 || figs[1].Value != 15 || figs[2].Value != 23 || figs[3].Value != 19 {
		t.Errorf("values %v %v %v %v, want 30 15 23 19", figs[0].Value, figs[1].Value, figs[2].Value, figs[3].Value)
	}
	if met, ok := figs[0].Met(); !ok || !met {
		t.Errorf("30 ms against 150 ms: met %v %v", met, ok)
	}
	note := RunsNote(ing, lb)
	if !strings.Contains(note, "init 30.0, 20.0, 200 ms") || !strings.Contains(note, "peak RSS 18.0, 20.0 MiB") {
		t.Errorf("note:\n%s", note)
	}
}
