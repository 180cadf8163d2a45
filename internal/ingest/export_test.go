package ingest

import "time"

// WithSafetyMargin returns c with a run stopping d before its deadline instead of safetyMargin.
func (c Config) WithSafetyMargin(d time.Duration) Config { c.safetyMargin = d; return c }

// PostsRead is postsRead: how many posts a request that reserved n is counted for.
var PostsRead = postsRead
