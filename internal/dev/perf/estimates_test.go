package perf

import (
	"strings"
	"testing"
)

func TestEstimateFigures(t *testing.T) {
	figs, err := EstimateFigures(parseFixture(t, "bench_estimates.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 9 {
		t.Fatalf("%d estimate figures, want 9", len(figs))
	}
	if f := figs[0]; f.Value != 5608 || f.RefValue != 4839 || f.MaxRatio != 0 || f.MinRatio != 0 {
		t.Errorf("recording figure %+v: want 5,608 against 4,839 posts/s, no target", f)
	}
	for _, tc := range []struct {
		i          int
		value, ref float64
		target     float64
		met        bool
	}{
		{1, 27.37, 22.73, EstimateVsTopMax, false}, {3, 25.70, 21.82, EstimateVsTopMax, true},
		{5, 202.2, 38.16, 0, false}, {7, 301.0, 35.38, 0, false},
	} {
		f := figs[tc.i]
		if f.Value != tc.value || f.RefValue != tc.ref || f.MaxRatio != tc.target {
			t.Errorf("figure %d %+v: want %v against %v, target %v", tc.i, f, tc.value, tc.ref, tc.target)
		}
		if met, ok := f.Met(); ok != (tc.target != 0) || met != tc.met {
			t.Errorf("figure %d (%s): met %v (target %v), want %v (%v)", tc.i, f.Name, met, ok, tc.met, tc.target != 0)
		}
	}
	if _, err := EstimateFigures(parseFixture(t, "bench_store.txt")); err == nil || !strings.Contains(err.Error(), "nocov-posts/s") {
		t.Errorf("estimate figures from output without them: %v", err)
	}
}
