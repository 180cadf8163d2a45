package perf

import (
	"context"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
)

// TestMeasureSize builds the leaderboard bootstrap for Lambda three ways (as sam build and make
// build do, with symbols, and with the X-Ray stub of testdata/notrace laid over
// internal/tracing) and checks the analysis adds up. It also fails when the stub no longer
// matches package tracing's API, which would break `make bench`.
func TestMeasureSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds linux/arm64 bootstraps three times")
	}
	root, err := rie.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	s, err := MeasureSize(context.Background(), root, "leaderboard", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.Stripped <= 0 || s.Image <= 0 || s.Image > s.Stripped {
		t.Errorf("stripped %d, loaded image %d: want 0 < image <= file", s.Stripped, s.Image)
	}
	if s.WithoutTracing <= 0 || s.WithoutTracing >= s.Stripped {
		t.Errorf("without tracing %d, with %d: want smaller", s.WithoutTracing, s.Stripped)
	}
	var total int64
	found := map[string]bool{}
	for _, m := range s.Modules {
		total += m.Estimated
		found[m.Module] = true
		if m.Module != "std" && m.Module != "github.com/hashtag-leaderboard/hashtag-leaderboard" && m.Version == "" {
			t.Errorf("module %s has no version from go version -m", m.Module)
		}
	}
	// Rounding down per package loses at most a byte per package.
	if diff := s.Image - total; diff < 0 || diff > 1000 {
		t.Errorf("modules add up to %d, image is %d", total, s.Image)
	}
	for _, m := range []string{"std", "github.com/hashtag-leaderboard/hashtag-leaderboard", "github.com/redis/go-redis/v9", "github.com/aws/aws-lambda-go"} {
		if !found[m] {
			t.Errorf("no size for module %s", m)
		}
	}
	if len(s.Drops) == 0 {
		t.Error("no direct dependency found")
	}
}

// TestMeasureLambda runs one cold start of each function under the emulator.
func TestMeasureLambda(t *testing.T) {
	rieBin := rie.RequireRIE(t)
	root, err := rie.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	ing, lb, err := MeasureLambda(context.Background(), LambdaConfig{ModuleRoot: root, RIE: rieBin, WorkDir: t.TempDir(), Runs: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Runs{ing, lb} {
		if len(r.Init) != 1 || len(r.PeakRSS) != 1 || r.Init[0] <= 0 || r.PeakRSS[0] <= 0 {
			t.Errorf("%s: init %v, peak RSS %v: want one positive figure each", r.Function, r.Init, r.PeakRSS)
		}
		t.Logf("%s: init %v, peak RSS %.1f MiB", r.Function, r.Init[0], float64(r.PeakRSS[0])/MiB)
	}
}
