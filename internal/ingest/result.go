package ingest

import (
	"encoding/json"
	"time"
)

// Totals is what a run did, on one board or on all of them.
type Totals struct {
	Pages           int  `json:"pages"`
	PostsFetched    int  `json:"posts_fetched"` // entries X returned, skipped ones included
	PostsNew        int  `json:"posts_new"`
	PostsSkipped    int  `json:"posts_skipped"` // malformed, or an id X could not have sent
	HashtagsCounted int  `json:"hashtags_counted"`
	Complete        bool `json:"complete"`     // caught up with the newest post (every board, for the totals)
	RateLimited     bool `json:"rate_limited"` // stopped by X's rate limit (a 429, or a response at remaining 0)
	// PostsHad is what X had in the spans read: X's counts for the spans sampled, the posts
	// fetched for those read whole; Coverage is PostsFetched ÷ PostsHad (4 decimals, 1 when
	// everything was read).
	PostsHad int     `json:"posts_had"`
	Coverage float64 `json:"coverage"`

	// PostsWithoutAuthor are the posts passed to the store whose author_id was missing or not
	// an X id: they count in the top counts and, all together, as one author (NoAuthor) in the
	// trending views (a page fetched again counts them again).
	PostsWithoutAuthor int `json:"posts_without_author"`
}

// totalsJSON is Totals as the summary writes it: its fields, then the deprecated tweets_fetched
// and tweets_new (the names before "posts"), equal to posts_fetched and posts_new, so readers of
// the old keys keep working until they are removed on 2027-03-01 (docs/DEPLOY.md).
type totalsJSON struct {
	totalsKeys
	TweetsFetched int `json:"tweets_fetched"` // Deprecated: posts_fetched
	TweetsNew     int `json:"tweets_new"`     // Deprecated: posts_new
}

// totalsKeys is Totals without its MarshalJSON.
type totalsKeys Totals

func (t Totals) out() totalsJSON { return totalsJSON{totalsKeys(t), t.PostsFetched, t.PostsNew} }

// MarshalJSON writes t as totalsJSON.
func (t Totals) MarshalJSON() ([]byte, error) { return json.Marshal(t.out()) }

// Result is what one run did; the handler returns it (the invocation's JSON summary) and logs
// it with the same keys.
type Result struct {
	Totals                            // of every board
	BudgetExhausted bool              `json:"budget_exhausted"` // stopped: the day's read budget is spent
	PostsRead       int               `json:"posts_read"`       // posts X returned in this run (what X bills)
	PostsReadToday  int64             `json:"posts_read_today"` // posts X returned today (UTC), every run and board
	Boards          map[string]Totals `json:"boards"`           // per board, by name
	// RateLimitReset is, when RateLimited, the time before which X allows no request (RFC 3339
	// in the summary): the reset X sent (capped by xapi at xapi.RateWindow ahead), or
	// xapi.RateWindow after a 429 that sent none.
	RateLimitReset time.Time `json:"rate_limit_reset,omitzero"`
	// NotConfigured says the run found no X API credentials and sent nothing to X (Setup);
	// in the summary only when true.
	NotConfigured bool `json:"not_configured,omitempty"`
	// CountsRequests is the counts requests of this run (each one unit of the budget).
	CountsRequests int `json:"counts_requests"`

	// readKnown says PostsReadToday came from the quota (not so without one, or when Redis
	// could not be asked): the budget left is written only then.
	readKnown bool
}

// resultJSON is Result as the summary writes it: the totals' keys (totalsJSON), then the run's
// own.
type resultJSON struct {
	totalsJSON
	BudgetExhausted bool              `json:"budget_exhausted"`
	PostsRead       int               `json:"posts_read"`
	PostsReadToday  int64             `json:"posts_read_today"`
	Boards          map[string]Totals `json:"boards"`
	RateLimitReset  string            `json:"rate_limit_reset,omitempty"`
	NotConfigured   bool              `json:"not_configured,omitempty"`
	CountsRequests  int               `json:"counts_requests"`
}

// MarshalJSON writes r as resultJSON.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{r.Totals.out(), r.BudgetExhausted, r.PostsRead, r.PostsReadToday, r.Boards,
		r.resetText(), r.NotConfigured, r.CountsRequests})
}

// resetText is RateLimitReset in RFC 3339 ("" when not RateLimited).
func (r Result) resetText() string {
	if !r.RateLimited || r.RateLimitReset.IsZero() {
		return ""
	}
	return r.RateLimitReset.UTC().Format(time.RFC3339)
}

// rateLimited marks r stopped by X's rate limit until reset (the latest one it was told).
func (r *Result) rateLimited(reset time.Time) {
	r.RateLimited = true
	if reset.After(r.RateLimitReset) {
		r.RateLimitReset = reset.UTC()
	}
}
