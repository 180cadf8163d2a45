package perf

import "errors"

// EstimateVsTopMax is the target of the top read with estimates (store.TopEstimates) on a
// board read whole at most this many times today's top read (store.Top).
const EstimateVsTopMax = 1.2

// cmdTopEstimates reproduces the estimate read figures (BenchmarkTop fills the read-whole board).
const cmdTopEstimates = `go test -run '^$' -bench 'BenchmarkTop$|BenchmarkTopEstimates' ./internal/store/`

// EstimateFigures reads the figures of the estimates from the store's benchmarks:
// recording with the posts read counted against without, and the top read with estimates
// against today's, on a board read whole (the target) and on a sampled one.
func EstimateFigures(results []Bench) ([]Figure, error) {
	rec, err := Find(results, "BenchmarkRecord")
	if err != nil {
		return nil, err
	}
	posts, err1 := need(rec, "posts/s")
	nocov, err2 := need(rec, "nocov-posts/s")
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	figs := []Figure{{Name: "recording with estimates (the posts read counted per slot and window bucket in the record script), against without (a fourth board in BenchmarkRecord's loop)",
		Value: posts, Unit: "posts/s", Reference: "recording without counting the posts read", RefValue: nocov, Command: cmdRecord}}
	for _, board := range []struct{ name, what string }{
		{"read-whole", "a board read whole (100,000 hashtags)"},
		{"sampled", "a sampled board (20,000 posts read of 200,000 in 24 hours)"},
	} {
		for _, w := range []string{"all", "1h", "24h", "7d"} {
			v, err := metrics(results, "BenchmarkTopEstimates/"+board.name+"/"+w, "est-µs", "top-µs")
			if err != nil {
				return nil, err
			}
			f := Figure{Name: "store.TopEstimates " + w + ", top 10 of " + board.what + ", interleaved with store.Top (medians)",
				Value: v[0], Unit: "µs", Reference: "store.Top " + w, RefValue: v[1], Command: cmdTopEstimates}
			if board.name == "read-whole" {
				f.MaxRatio = EstimateVsTopMax
			}
			figs = append(figs, f)
		}
	}
	return figs, nil
}
