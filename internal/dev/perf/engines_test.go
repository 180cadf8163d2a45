package perf

import (
	"strings"
	"testing"
)

func TestRedisComparisonLines(t *testing.T) {
	onValkey := parseFixture(t, "bench_store.txt")
	// The Redis pass reruns only the headline benchmarks: its results replace Valkey's.
	onRedis := []Bench{{Name: "BenchmarkTop/24h", Metrics: map[string]float64{"win-µs": 50, "all-µs": 25}}}
	merged := Merge(onValkey, onRedis)
	if len(merged) != len(onValkey) {
		t.Fatalf("merged %d results, want %d", len(merged), len(onValkey))
	}
	figs, err := StoreFigures(merged)
	if err != nil {
		t.Fatal(err)
	}
	cmp := Comparison(figs, "Redis OSS 7.0.15", cmdRecord, cmdTop, cmdTrending, cmdHistory, cmdSchedule)
	// One line per figure with a target among those commands: recording (2), Top (3),
	// Trending (2), History (1), the window schedule (1).
	if len(cmp) != 9 {
		for _, f := range cmp {
			t.Log(f.Name)
		}
		t.Fatalf("%d comparison lines, want 9", len(cmp))
	}
	found := false
	for _, f := range cmp {
		if !strings.HasPrefix(f.Name, "on Redis OSS 7.0.15: ") || !strings.HasPrefix(f.Command, "REDISTEST_ENGINES=redis ") {
			t.Errorf("comparison line not marked: %q / %q", f.Name, f.Command)
		}
		if strings.Contains(f.Name, "store.Top 24h") {
			found = true
			if f.Value != 50 || f.RefValue != 25 {
				t.Errorf("Top 24h on Redis = %v against %v, want the Redis pass's 50 against 25", f.Value, f.RefValue)
			}
		}
	}
	if !found {
		t.Error("no Top 24h comparison line")
	}
}
