package ingest

import "time"

// WithSafetyMargin returns c with a run stopping d before its deadline instead of safetyMargin.
func (c Config) WithSafetyMargin(d time.Duration) Config { c.safetyMargin = d; return c }
