package main

import "math"

// zipf returns an index in [0, n) with probability proportional to 1/(i+1)^s.
func (g *generator) zipf(n int, s float64) int {
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), s)
		sum += w[i]
	}
	r := g.rng.Float64() * sum
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return n - 1
}

// weighted returns an index with probability proportional to its weight.
func (g *generator) weighted(w []int) int {
	sum := 0
	for _, x := range w {
		sum += x
	}
	r := g.rng.IntN(sum)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

// pick returns one of xs, each as likely.
func pick(g *generator, xs []string) string { return xs[g.rng.IntN(len(xs))] }
