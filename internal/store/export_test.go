package store

import "context"

// TopBehind reads rolling window w the way Top does after it saw kept as the oldest bucket of
// the last upkeep, whatever the upkeep state is now: a test stands in for an upkeep that ran
// between Top's two round trips.
func (s *Store) TopBehind(ctx context.Context, w Window, kept int64, n int) ([]Entry, error) {
	sp, _ := spanOf(w)
	return s.topBehind(ctx, sp, s.now().Unix(), kept, true, n)
}

// WithoutTrending records without author tracking: no trending view (the benchmark's
// reference for what author tracking costs).
func WithoutTrending() Option { return func(s *Store) { s.noTrending = true } }

// WithoutCoverage records without counting the posts read (the benchmark's reference for what
// counting them costs): estimates then see no posts read.
func WithoutCoverage() Option { return func(s *Store) { s.noCoverage = true } }
