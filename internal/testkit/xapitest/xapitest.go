package xapitest

import (
	"embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Window is how far back recent search reaches.
const Window = 7 * 24 * time.Hour

// Options configures a Server.
type Options struct {
	// BearerToken is the token GET /2/tweets/search/recent accepts
	// (required) and POST /oauth2/token hands out.
	BearerToken string
	// APIKey and APISecret are the credentials POST /oauth2/token accepts
	// (Basic auth). Empty: every token request is refused with 403.
	APIKey, APISecret string
	// Now is the server clock (default time.Now): posts are searchable when
	// now-7d < created_at <= now, and cursors are checked against it.
	Now func() time.Time
	// MatchAll makes every visible post match any valid query.
	MatchAll bool
	// MatchAllQuery, when set, makes every visible post match this one (valid) query; other
	// queries are matched as X would (cmd/local's sample board of every post, beside boards
	// filtered by their queries).
	MatchAllQuery string
	// RateLimit is the number of search requests per RateWindow (default
	// 450, X's app-only recent-search limit per 15 minutes); when exhausted
	// the server answers 429 until the window resets. RateWindow defaults
	// to 15 minutes.
	RateLimit  int
	RateWindow time.Duration
	// CountsRateLimit is the number of recent-counts requests per RateWindow (default
	// DefaultCountsRateLimit); counts and search have limits of their own, as on X.
	CountsRateLimit int
	// MaxQueryLength is the query length limit in bytes (default 512).
	MaxQueryLength int
	// Names picks the generation of X's field names in responses.
	Names Names
}

// Names is a generation of X's field names for a long post's note and a post's edit history.
// A request may use either generation's names (tweet.fields or post.fields, note_tweet or
// note_post, edit_history_tweet_ids or edit_history_post_ids), whatever the server answers in.
type Names int

const (
	// TweetNames (the default) answers with note_tweet and edit_history_tweet_ids, the names
	// X's documentation shows and go-twitter knows.
	TweetNames Names = iota
	// PostNames answers with note_post and edit_history_post_ids, the names of X's OpenAPI
	// description v2.167.
	PostNames
)

// Fault changes the answer to one search request. Faults are consumed in
// order, one per GET /2/tweets/search/recent request.
type Fault struct {
	// Status answers with this status and X's body for it (429, 500, 502,
	// 503, 504, 401, 403 have X's bodies; others get a generic problem),
	// before authentication and without touching the corpus.
	Status int
	// Body replaces the response body (sent with Status, default 200).
	Body []byte
	// NoRateLimitHeaders omits x-rate-limit-* from this response.
	NoRateLimitHeaders bool
	// ResetAt overrides x-rate-limit-reset (default: end of the window).
	ResetAt time.Time
	// Truncate sends only the first Truncate bytes of the body, with a
	// matching Content-Length (a syntactically truncated JSON document).
	Truncate int
	// CutConnection declares the full Content-Length, sends Truncate
	// bytes, then aborts the connection (a network-level truncation).
	CutConnection bool
	// Delay waits before answering (returns early if the client leaves).
	Delay time.Duration
	// Ascending returns the page oldest-first instead of X's newest-first.
	Ascending bool
	// PageSize overrides max_results for this response (e.g. 1000 for a
	// very large page); pagination continues from the last post sent.
	PageSize int
	// PadBytes adds a top-level "xapitest_padding" string of this many bytes.
	PadBytes int
	// SpuriousNextToken sends a next_token on the last page too (X
	// sometimes does; the following page is then empty).
	SpuriousNextToken bool
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	// Status is the HTTP status the server answered.
	Status int
	// Fault is true when an injected fault shaped the answer.
	Fault bool
	// At is the server clock at arrival.
	At time.Time
	// Posts is how many posts the answer's data held (what X bills).
	Posts int
}

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	posts    []*post // sorted by id descending
	byID     map[uint64]bool
	seq      int
	faults   []Fault
	requests []Request
	searchRL rateLimit
	// the recent-counts endpoint's faults and rate limit
	countsFaults []Fault
	countsRL     rateLimit
	ts           *httptest.Server
	mux          *http.ServeMux
}

// New builds a server over tweets (see AddPosts for id rules).
func New(tweets []Tweet, opts Options) (*Server, error) {
	if opts.BearerToken == "" {
		return nil, fmt.Errorf("xapitest: Options.BearerToken is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 450
	}
	if opts.RateWindow == 0 {
		opts.RateWindow = 15 * time.Minute
	}
	if opts.CountsRateLimit == 0 {
		opts.CountsRateLimit = DefaultCountsRateLimit
	}
	if opts.MaxQueryLength == 0 {
		opts.MaxQueryLength = 512
	}
	s := &Server{opts: opts, byID: make(map[uint64]bool), mux: http.NewServeMux()}
	s.mux.HandleFunc("/2/tweets/search/recent", s.handleSearch)
	s.mux.HandleFunc("/2/tweets/counts/recent", s.handleCounts)
	s.mux.HandleFunc("/oauth2/token", s.handleToken)
	s.mux.HandleFunc("/", s.handleNotFound)
	if err := s.AddPosts(tweets...); err != nil {
		return nil, err
	}
	return s, nil
}

// AddPosts adds posts to the corpus (they become searchable once the clock
// reaches their CreatedAt). A Tweet without ID gets postid.Make(CreatedAt, n)
// with a per-server sequence n; duplicate ids are an error.
func (s *Server) AddPosts(tweets ...Tweet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range tweets {
		var p *post
		for {
			var err error
			s.seq++
			p, err = prepare(t, s.seq)
			if err != nil {
				return fmt.Errorf("xapitest: add post %d: %w", i, err)
			}
			if !s.byID[p.id] {
				break
			}
			if t.ID != "" {
				return fmt.Errorf("xapitest: add post %d: duplicate id %s", i, t.ID)
			}
		}
		s.byID[p.id] = true
		s.posts = append(s.posts, p)
	}
	slices.SortFunc(s.posts, func(a, b *post) int {
		switch {
		case a.id > b.id:
			return -1
		case a.id < b.id:
			return 1
		}
		return 0
	})
	return nil
}

// InjectFaults queues faults for the next search requests, in order.
func (s *Server) InjectFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// PendingFaults returns how many injected faults are not yet consumed.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Query = cloneValues(r.Query)
		out[i] = r
	}
	return out
}

// SearchRequests returns the recorded GET /2/tweets/search/recent requests.
func (s *Server) SearchRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == "/2/tweets/search/recent" {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Start serves the stand-in on a loopback httptest server (once) and
// returns its base URL (for xapi.Config.BaseURL).
func (s *Server) Start() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts == nil {
		s.ts = httptest.NewServer(s)
	}
	return s.ts.URL
}

// URL returns the base URL after Start ("" before).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Client returns an *http.Client for the started server.
func (s *Server) Client() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts == nil {
		return http.DefaultClient
	}
	return s.ts.Client()
}

// Close stops the httptest server started by Start, if any.
func (s *Server) Close() {
	s.mu.Lock()
	ts := s.ts
	s.mu.Unlock()
	if ts != nil {
		ts.Close()
	}
}

// ServeHTTP implements http.Handler (the local runner serves it on a port).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) record(r *http.Request, status int, fault bool, at time.Time, posts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: cloneValues(r.URL.Query()),
		Status: status, Fault: fault, At: at, Posts: posts,
	})
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns a response body from testdata/ (search_page.json,
// search_empty.json, search_note_tweet.json, search_note_post.json,
// search_possibly_sensitive.json,
// search_partial_errors.json, search_errors_no_data.json,
// search_defective_posts.json, error_401.json, error_403.json,
// error_429.json, error_429_usage_cap.json, error_503.json,
// error_400_since_id.json, error_400_max_results.json, error_400_end_time.json,
// counts_hour.json, counts_minute_post_names.json, counts_empty.json, oauth2_token.json,
// oauth2_error_403.json). They are shaped like documented X API v2
// responses.
func Fixture(name string) ([]byte, error) {
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		return nil, fmt.Errorf("xapitest: fixture %q: %w", name, err)
	}
	return b, nil
}

// MustFixture is Fixture that panics on a missing name (for tests).
func MustFixture(name string) []byte {
	b, err := Fixture(name)
	if err != nil {
		panic(err)
	}
	return b
}

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the current reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the reading.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the reading forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
