package leaderboard

import "time"

// WithTimeout returns c with the longest a Redis call may take before the request gets 503.
func (c Config) WithTimeout(d time.Duration) Config { c.timeout = d; return c }

// WithClock returns c with the clock of generated_at and cache expiry.
func (c Config) WithClock(now func() time.Time) Config { c.now = now; return c }

// HistoryBody is a history answer as a client decodes it.
type HistoryBody struct {
	Leaderboard string  `json:"leaderboard"`
	View        string  `json:"view"`
	Window      string  `json:"window"`
	GeneratedAt string  `json:"generated_at"`
	Coverage    float64 `json:"coverage"`
	PostsRead   int64   `json:"posts_read"`
	PostsHad    int64   `json:"posts_had"`
	Series      []struct {
		Hashtag  string `json:"hashtag"`
		Spelling string `json:"spelling"`
		Points   []struct {
			Start    string `json:"start"`
			Count    int64  `json:"count"`
			Estimate int64  `json:"estimate"`
		} `json:"points"`
	} `json:"series"`
}
