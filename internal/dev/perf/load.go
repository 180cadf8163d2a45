package perf

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// LoadConfig sizes the load tests of internal/testkit/faulttest run by RunLoad.
type LoadConfig struct {
	ModuleRoot string
	WorkDir    string
	Duration   time.Duration // leaderboard load per phase (the figure: 30 s)
	Posts      int           // posts recorded by the ingest load (the figure: 1,000,000)
	Progress   io.Writer
}

const loadTests = "^(TestLeaderboardLoad|TestIngestLoad)$"

// RunLoad runs the load tests of internal/testkit/faulttest at full size, without the race detector,
// and turns the figures they append to FIGURES_FILE into table rows.
func RunLoad(ctx context.Context, cfg LoadConfig) ([]Figure, error) {
	file := filepath.Join(cfg.WorkDir, "load-figures.jsonl")
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(file)
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v", "-timeout", "30m", "-run", loadTests, "./internal/testkit/faulttest/")
	cmd.Dir = cfg.ModuleRoot
	cmd.Env = append(os.Environ(), "FIGURES_FILE="+file,
		"LOAD_DURATION="+cfg.Duration.String(), "INGEST_POSTS="+strconv.Itoa(cfg.Posts))
	cmd.Stdout, cmd.Stderr = cfg.Progress, cfg.Progress
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("load tests: %w", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load figures: %w", err)
	}
	defer f.Close()
	return LoadFigures(f, cfg.Duration, cfg.Posts)
}

// LoadFigures reads the JSON lines the load tests write and returns their rows.
func LoadFigures(r io.Reader, d time.Duration, posts int) ([]Figure, error) {
	lbCmd := fmt.Sprintf("LOAD_DURATION=%s go test -v -run TestLeaderboardLoad ./internal/testkit/faulttest/", d)
	inCmd := fmt.Sprintf("INGEST_POSTS=%d go test -v -run TestIngestLoad ./internal/testkit/faulttest/", posts)
	var figs []Figure
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("load figures: %w", err)
		}
		num := func(k string) float64 { v, _ := rec[k].(float64); return v }
		switch rec["test"] {
		case "TestLeaderboardLoad/cache", "TestLeaderboardLoad/nocache":
			what := "cache on (5 s)"
			if rec["test"] == "TestLeaderboardLoad/nocache" {
				what = "cache off"
			}
			name := fmt.Sprintf("leaderboard load, %.0f clients for %.0f s, %s", num("clients"), num("duration_s"), what)
			figs = append(figs,
				Figure{Name: name + ": requests/s (" + strconv.FormatFloat(num("errors"), 'f', 0, 64) + " errors)", Value: num("requests_per_s"), Unit: "req/s", Command: lbCmd},
				Figure{Name: name + ": p50 latency", Value: num("p50_ms"), Unit: "ms", Command: lbCmd},
				Figure{Name: name + ": p99 latency", Value: num("p99_ms"), Unit: "ms", Command: lbCmd},
			)
		case "TestIngestLoad":
			name := fmt.Sprintf("ingest load, %.0f posts through store.Record (batches of 100), counts exact", num("posts"))
			figs = append(figs,
				Figure{Name: name + ": posts/s", Value: num("posts_per_s"), Unit: "posts/s", Command: inCmd},
				Figure{Name: name + ": peak Go heap", Value: num("go_heap_peak_mib"), Unit: "MiB", Command: inCmd},
				Figure{Name: name + ": valkey-server used_memory_peak", Value: num("redis_used_memory_peak_mib"), Unit: "MiB", Command: inCmd},
				Figure{Name: "seen-set memory per remembered post id", Value: num("redis_seen_bytes_per_id"), Unit: "bytes", Command: inCmd},
			)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(figs) == 0 {
		return nil, fmt.Errorf("load figures: the load tests reported nothing")
	}
	return figs, nil
}
