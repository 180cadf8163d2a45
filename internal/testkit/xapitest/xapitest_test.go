package xapitest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
)

const token = "stand-in-token"

var t0 = time.Date(2026, 11, 24, 18, 30, 0, 0, time.UTC)

func start(t *testing.T, tweets []Tweet, mod func(*Options)) (*Server, *Clock) {
	t.Helper()
	clock := NewClock(t0)
	opts := Options{BearerToken: token, Now: clock.Now, APIKey: "key", APISecret: "secret"}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(tweets, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, clock
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func search(t *testing.T, s *Server, params url.Values, auth string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/2/tweets/search/recent?"+params.Encode(), nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return result{resp.StatusCode, resp.Header, body}
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

type page struct {
	Data []map[string]json.RawMessage `json:"data"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

func decode(t *testing.T, r result) page {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return p
}

func texts(t *testing.T, p page) []string {
	var out []string
	for _, d := range p.Data {
		var s string
		if err := json.Unmarshal(d["text"], &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// jsonEqual compares two JSON documents semantically.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func TestAuth(t *testing.T) {
	s, _ := start(t, nil, nil)
	for _, auth := range []string{"", "Bearer wrong", "bearer " + token, token, "Basic " + token} {
		r := search(t, s, q("query", "#go"), auth)
		if r.status != 401 || !jsonEqual(t, r.body, MustFixture("error_401.json")) {
			t.Errorf("auth %q: %d %s", auth, r.status, r.body)
		}
		if r.header.Get("x-rate-limit-limit") != "" {
			t.Errorf("auth %q: rate-limit headers on 401", auth)
		}
	}
	if r := search(t, s, q("query", "#go"), "Bearer "+token); r.status != 200 {
		t.Errorf("good token: %d", r.status)
	}
}

func TestEmptyResult(t *testing.T) {
	s, _ := start(t, nil, nil)
	r := search(t, s, q("query", "#nothing"), "Bearer "+token)
	if r.status != 200 || string(r.body) != `{"meta":{"result_count":0}}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if !jsonEqual(t, r.body, MustFixture("search_empty.json")) {
		t.Error("differs from fixture")
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
}

func TestTweetFields(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 40) + "#Long"
	s, _ := start(t, []Tweet{
		{CreatedAt: t0.Add(-time.Minute), Text: "hi #golang @gopher https://go.dev", PossiblySensitive: true},
		{CreatedAt: t0.Add(-2 * time.Minute), Text: "", NoteText: "#golang " + long},
	}, nil)
	keys := func(m map[string]json.RawMessage) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	tests := []struct {
		fields string
		want0  []string
		want1  []string
	}{
		{"", []string{"edit_history_tweet_ids", "id", "text"}, []string{"edit_history_tweet_ids", "id", "text"}},
		{"created_at,entities", []string{"created_at", "edit_history_tweet_ids", "entities", "id", "text"},
			[]string{"created_at", "edit_history_tweet_ids", "entities", "id", "text"}},
		{"note_tweet,possibly_sensitive", []string{"edit_history_tweet_ids", "id", "possibly_sensitive", "text"},
			[]string{"edit_history_tweet_ids", "id", "note_tweet", "possibly_sensitive", "text"}},
		{"public_metrics,lang,author_id", []string{"author_id", "edit_history_tweet_ids", "id", "lang", "text"},
			[]string{"author_id", "edit_history_tweet_ids", "id", "lang", "text"}},
	}
	for _, tc := range tests {
		t.Run(tc.fields, func(t *testing.T) {
			params := q("query", "#golang")
			if tc.fields != "" {
				params.Set("tweet.fields", tc.fields)
			}
			p := decode(t, search(t, s, params, "Bearer "+token))
			if len(p.Data) != 2 {
				t.Fatalf("data = %d", len(p.Data))
			}
			if got := keys(p.Data[0]); !slices.Equal(got, tc.want0) {
				t.Errorf("post 0 keys %v, want %v", got, tc.want0)
			}
			if got := keys(p.Data[1]); !slices.Equal(got, tc.want1) {
				t.Errorf("post 1 keys %v, want %v", got, tc.want1)
			}
		})
	}

	p := decode(t, search(t, s, q("query", "#golang", "tweet.fields", "created_at,entities,note_tweet,possibly_sensitive"), "Bearer "+token))
	var first struct {
		CreatedAt         string   `json:"created_at"`
		Entities          Entities `json:"entities"`
		PossiblySensitive bool     `json:"possibly_sensitive"`
	}
	raw, _ := json.Marshal(p.Data[0])
	if err := json.Unmarshal(raw, &first); err != nil {
		t.Fatal(err)
	}
	if first.CreatedAt != "2026-11-24T18:29:00.000Z" || !first.PossiblySensitive {
		t.Errorf("first = %+v", first)
	}
	e := first.Entities
	if len(e.Hashtags) != 1 || e.Hashtags[0] != (Tag{Start: 3, End: 10, Tag: "golang"}) ||
		len(e.Mentions) != 1 || e.Mentions[0].Username != "gopher" || len(e.URLs) != 1 || e.URLs[0].DisplayURL != "go.dev" {
		t.Errorf("entities = %+v", e)
	}
	var second struct {
		Text      string `json:"text"`
		NoteTweet struct {
			Text     string   `json:"text"`
			Entities Entities `json:"entities"`
		} `json:"note_tweet"`
	}
	raw, _ = json.Marshal(p.Data[1])
	if err := json.Unmarshal(raw, &second); err != nil {
		t.Fatal(err)
	}
	if second.NoteTweet.Text != "#golang "+long || len([]rune(second.Text)) != 276 || !strings.HasSuffix(second.Text, "…") {
		t.Errorf("note tweet: text %d runes %q", len([]rune(second.Text)), second.Text)
	}
	if n := len(second.NoteTweet.Entities.Hashtags); n != 2 {
		t.Errorf("note entities = %+v", second.NoteTweet.Entities)
	}
}

// TestShapeMatchesFixtures checks that every key the stand-in sends in a
// page also appears in the documented-shape fixture (no invented fields).
func TestShapeMatchesFixtures(t *testing.T) {
	s, _ := start(t, []Tweet{
		{CreatedAt: t0.Add(-time.Minute), Text: "hi #golang @gopher https://go.dev", ReferencedTweets: []ReferencedTweet{{Type: "quoted", ID: "2125281101215880839"}}},
		{CreatedAt: t0.Add(-2 * time.Minute), NoteText: "#golang " + strings.Repeat("x ", 200)},
	}, func(o *Options) { o.MatchAll = true })
	got := search(t, s, q("query", "x", "max_results", "10", "tweet.fields", "author_id,created_at,entities,lang,note_tweet,possibly_sensitive,referenced_tweets"), "Bearer "+token)
	known := map[string]bool{}
	for _, name := range []string{"search_page.json", "search_note_tweet.json"} {
		collectPaths(t, "", mustJSON(t, MustFixture(name)), known)
	}
	seen := map[string]bool{}
	collectPaths(t, "", mustJSON(t, got.body), seen)
	for p := range seen {
		if !known[p] {
			t.Errorf("stand-in sends %s, absent from the fixtures", p)
		}
	}
}

func mustJSON(t *testing.T, b []byte) any {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func collectPaths(t *testing.T, prefix string, v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			into[prefix+"."+k] = true
			collectPaths(t, prefix+"."+k, c, into)
		}
	case []any:
		for _, c := range x {
			collectPaths(t, prefix+"[]", c, into)
		}
	}
}

func TestVisibilityAndWindow(t *testing.T) {
	s, clock := start(t, []Tweet{
		{CreatedAt: t0.Add(-8 * 24 * time.Hour), Text: "too old #go"},
		{CreatedAt: t0.Add(-7*24*time.Hour + time.Minute), Text: "six days 23h59 #go"},
		{CreatedAt: t0, Text: "now #go"},
		{CreatedAt: t0.Add(time.Second), Text: "future #go"},
	}, nil)
	get := func() []string {
		return texts(t, decode(t, search(t, s, q("query", "#go"), "Bearer "+token)))
	}
	if got := get(); !slices.Equal(got, []string{"now #go", "six days 23h59 #go"}) {
		t.Errorf("visible = %v", got)
	}
	clock.Advance(2 * time.Minute)
	if got := get(); !slices.Equal(got, []string{"future #go", "now #go"}) {
		t.Errorf("after 2m = %v", got)
	}
	if err := s.AddPosts(Tweet{CreatedAt: clock.Now().Add(-time.Second), Text: "added while running #go"}); err != nil {
		t.Fatal(err)
	}
	if got := get(); len(got) != 3 || got[0] != "added while running #go" {
		t.Errorf("after AddPosts = %v", got)
	}
}

func TestPaginationAndCursors(t *testing.T) {
	var tweets []Tweet
	for i := 0; i < 35; i++ {
		tweets = append(tweets, Tweet{CreatedAt: t0.Add(-time.Duration(i+1) * time.Minute), Text: "n" + strconv.Itoa(i) + " #go"})
	}
	s, _ := start(t, tweets, nil)
	var ids []string
	params := q("query", "#go", "max_results", "10")
	var tokens []string
	for {
		p := decode(t, search(t, s, params, "Bearer "+token))
		for _, d := range p.Data {
			var id string
			_ = json.Unmarshal(d["id"], &id)
			ids = append(ids, id)
		}
		if p.Meta.ResultCount != len(p.Data) || (len(p.Data) > 0 && (p.Meta.NewestID == "" || p.Meta.OldestID == "")) {
			t.Fatalf("meta %+v for %d posts", p.Meta, len(p.Data))
		}
		if p.Meta.NextToken == "" {
			break
		}
		tokens = append(tokens, p.Meta.NextToken)
		params.Set("next_token", p.Meta.NextToken)
	}
	if len(ids) != 35 || len(tokens) != 3 {
		t.Fatalf("ids = %d tokens = %d", len(ids), len(tokens))
	}
	for i := 1; i < len(ids); i++ {
		if c, err := postid.Compare(ids[i-1], ids[i]); err != nil || c <= 0 {
			t.Fatalf("not newest first at %d", i)
		}
	}
	// since_id/until_id exclusive
	p := decode(t, search(t, s, q("query", "#go", "since_id", ids[5], "until_id", ids[1]), "Bearer "+token))
	if p.Meta.ResultCount != 3 || p.Meta.NewestID != ids[2] || p.Meta.OldestID != ids[4] {
		t.Errorf("since/until meta = %+v", p.Meta)
	}
	// start_time inclusive, end_time exclusive
	p = decode(t, search(t, s, q("query", "#go", "start_time", "2026-11-24T18:25:00Z", "end_time", "2026-11-24T18:28:00Z"), "Bearer "+token))
	if got := texts(t, p); !slices.Equal(got, []string{"n2 #go", "n3 #go", "n4 #go"}) {
		t.Errorf("start/end = %v", got)
	}
	// A token used with different cursors is rejected.
	r := search(t, s, q("query", "#go", "max_results", "10", "next_token", tokens[0], "since_id", ids[30]), "Bearer "+token)
	if r.status != 400 || !strings.Contains(string(r.body), "The `next_token` query parameter value") {
		t.Errorf("token with other cursors: %d %s", r.status, r.body)
	}
	// pagination_token is accepted as an alias.
	p = decode(t, search(t, s, q("query", "#go", "max_results", "10", "pagination_token", tokens[0]), "Bearer "+token))
	if len(p.Data) != 10 {
		t.Errorf("pagination_token page = %d", len(p.Data))
	}
}

func TestInvalidRequests(t *testing.T) {
	s, _ := start(t, []Tweet{{CreatedAt: t0.Add(-time.Minute), Text: "#go"}}, nil)
	oldID := postid.Make(t0.Add(-7*24*time.Hour-time.Minute), 0)
	minID := postid.Make(t0.Add(-7*24*time.Hour), 0)
	tests := []struct {
		name   string
		params url.Values
		param  string
		msg    string
	}{
		{"no query", q(), "query", "The `query` query parameter can not be empty"},
		{"long query", q("query", strings.Repeat("a", 513)), "query", "exceeds the maximum of 512"},
		{"max_results low", q("query", "#go", "max_results", "5"), "max_results", "The `max_results` query parameter value [5] is not between 10 and 100"},
		{"max_results high", q("query", "#go", "max_results", "101"), "max_results", "[101] is not between 10 and 100"},
		{"max_results text", q("query", "#go", "max_results", "ten"), "max_results", "[ten] is not between 10 and 100"},
		{"since_id old", q("query", "#go", "since_id", oldID), "since_id",
			"'since_id' must be a tweet id created after 2026-11-17T18:30Z. Please use a 'since_id' that is larger than " + minID},
		{"until_id old", q("query", "#go", "until_id", oldID), "until_id", "'until_id' must be a tweet id created after"},
		{"since_id format", q("query", "#go", "since_id", "12ab"), "since_id", "The `since_id` query parameter value [12ab] does not match ^[0-9]{1,19}$"},
		{"start_time old", q("query", "#go", "start_time", "2026-11-10T00:00:00Z"), "start_time",
			"Invalid 'start_time':'2026-11-10T00:00Z'. 'start_time' must be on or after 2026-11-17T18:30Z"},
		{"end_time too recent", q("query", "#go", "end_time", "2026-11-24T18:29:55Z"), "end_time", "must be a minimum of 10 seconds prior to the request time"},
		{"start after end", q("query", "#go", "start_time", "2026-11-24T18:00:00Z", "end_time", "2026-11-24T17:00:00Z"), "start_time", "must be before 'end_time'"},
		{"since with start", q("query", "#go", "since_id", postid.Make(t0.Add(-time.Hour), 0), "start_time", "2026-11-24T18:00:00Z"), "", "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'."},
		{"bad token", q("query", "#go", "next_token", "!!"), "next_token", "The `next_token` query parameter value [!!] is not valid"},
		{"forged token", q("query", "#go", "next_token", base64.RawURLEncoding.EncodeToString([]byte("xapitest1|5|zz"))), "next_token", "is not valid"},
		{"bad field", q("query", "#go", "tweet.fields", "created_at,bogus"), "tweet.fields", "The `tweet.fields` query parameter value [bogus] is not one of ["},
		{"unknown param", q("query", "#go", "count", "5"), "count", "The query parameter [count] is not one of [query,"},
		{"expansions", q("query", "#go", "expansions", "author_id"), "expansions", "xapitest:"},
		{"sort_order relevancy", q("query", "#go", "sort_order", "relevancy"), "sort_order", "xapitest: sort_order [relevancy] is not implemented"},
		{"sort_order invalid", q("query", "#go", "sort_order", "newest"), "sort_order",
			"The `sort_order` query parameter value [newest] is not one of [recency,relevancy]"},
		{"negation only", q("query", "-#go"), "query", "Rules must contain a non-negation term"},
		{"conjunction only", q("query", "has:hashtags -is:retweet"), "query", "standalone"},
		{"unsupported operator", q("query", "#go from:jack"), "query", "xapitest: operator 'from:jack'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := search(t, s, tc.params, "Bearer "+token)
			if r.status != 400 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var body invalidRequest
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
			if body.Title != "Invalid Request" || body.Detail != "One or more parameters to your request was invalid." ||
				body.Type != "https://api.twitter.com/2/problems/invalid-request" || len(body.Errors) == 0 {
				t.Fatalf("body %s", r.body)
			}
			found := false
			for _, e := range body.Errors {
				if strings.Contains(e.Message, tc.msg) {
					found = true
					if _, ok := e.Parameters[tc.param]; tc.param != "" && !ok {
						t.Errorf("error %q does not name parameter %s: %v", e.Message, tc.param, e.Parameters)
					}
				}
			}
			if !found {
				t.Errorf("no error containing %q in %s", tc.msg, r.body)
			}
		})
	}
}

func TestSortOrderRecency(t *testing.T) {
	s, _ := start(t, []Tweet{
		{CreatedAt: t0.Add(-3 * time.Minute), Text: "old #go"},
		{CreatedAt: t0.Add(-time.Minute), Text: "new #go"},
		{CreatedAt: t0.Add(-2 * time.Minute), Text: "mid #go"},
	}, nil)
	p := decode(t, search(t, s, q("query", "#go", "sort_order", "recency"), "Bearer "+token))
	if got := texts(t, p); !slices.Equal(got, []string{"new #go", "mid #go", "old #go"}) {
		t.Errorf("sort_order=recency served %q, want newest first", got)
	}
}

func TestQueryMatching(t *testing.T) {
	corpus := []Tweet{
		{Text: "Learning #Golang today with @Gopher", Lang: "en"},
		{Text: "RT @x: #golang is fun", ReferencedTweets: []ReferencedTweet{{Type: "retweeted", ID: "1"}}},
		{Text: "Rust and Go, a comparison https://example.com", Lang: "de"},
		{Text: "no tags at all, just go-lang words"},
		{Text: "short", NoteText: "long text that ends with #Serverless and mentions Go"},
		{Text: "#golang #aws quote", ReferencedTweets: []ReferencedTweet{{Type: "quoted", ID: "1"}}},
	}
	for i := range corpus {
		corpus[i].CreatedAt = t0.Add(-time.Duration(i+1) * time.Minute)
	}
	s, _ := start(t, corpus, nil)
	tests := []struct {
		query string
		want  []int
	}{
		{"#golang", []int{0, 1, 5}},
		{"#GOLANG -is:retweet", []int{0, 5}},
		{"go", []int{2, 3, 4}},
		{"golang", []int{0, 1, 5}}, // keyword matches the word inside a hashtag
		{`"go lang"`, []int{3}},
		{"#serverless", []int{4}},
		{"@gopher", []int{0}},
		{"go lang:de", []int{2}},
		{"go has:links", []int{2}},
		{"#golang is:quote", []int{5}},
		{"#aws OR rust", []int{2, 5}},
		{"(#aws OR rust) -lang:de", []int{5}},
		{"#golang -(is:retweet OR is:quote)", []int{0}},
		{"#golang has:mentions", []int{0, 1}},
		{"-is:retweet #golang has:hashtags", []int{0, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			p := decode(t, search(t, s, q("query", tc.query), "Bearer "+token))
			var want []string
			for _, i := range tc.want {
				want = append(want, corpus[i].Text)
			}
			if got := texts(t, p); !slices.Equal(got, want) {
				t.Errorf("got %q\nwant %q", got, want)
			}
		})
	}
	t.Run("MatchAll", func(t *testing.T) {
		s2, _ := start(t, corpus, func(o *Options) { o.MatchAll = true })
		if p := decode(t, search(t, s2, q("query", "whatever"), "Bearer "+token)); len(p.Data) != len(corpus) {
			t.Errorf("MatchAll returned %d", len(p.Data))
		}
	})
	t.Run("MatchAllQuery", func(t *testing.T) {
		s2, _ := start(t, corpus, func(o *Options) { o.MatchAllQuery = "sample -is:retweet" })
		if p := decode(t, search(t, s2, q("query", "sample -is:retweet"), "Bearer "+token)); len(p.Data) != len(corpus) {
			t.Errorf("the match-all query returned %d posts, want all %d", len(p.Data), len(corpus))
		}
		all := decode(t, search(t, s, q("query", tests[0].query), "Bearer "+token))
		if p := decode(t, search(t, s2, q("query", tests[0].query), "Bearer "+token)); !slices.Equal(texts(t, p), texts(t, all)) {
			t.Errorf("another query: %q, want it filtered as without the option: %q", texts(t, p), texts(t, all))
		}
	})
}

func TestRateLimitHeaders(t *testing.T) {
	s, clock := start(t, nil, func(o *Options) { o.RateLimit = 3; o.RateWindow = time.Minute })
	reset := strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)
	for i, want := range []string{"2", "1", "0"} {
		r := search(t, s, q("query", "#go"), "Bearer "+token)
		if r.status != 200 || r.header.Get("x-rate-limit-limit") != "3" || r.header.Get("x-rate-limit-remaining") != want || r.header.Get("x-rate-limit-reset") != reset {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
	}
	r := search(t, s, q("query", "#go"), "Bearer "+token)
	if r.status != 429 || r.header.Get("x-rate-limit-remaining") != "0" || !jsonEqual(t, r.body, MustFixture("error_429.json")) {
		t.Fatalf("exhausted: %d %v %s", r.status, r.header, r.body)
	}
	clock.Advance(time.Minute)
	if r := search(t, s, q("query", "#go"), "Bearer "+token); r.status != 200 || r.header.Get("x-rate-limit-remaining") != "2" {
		t.Fatalf("after reset: %d %v", r.status, r.header)
	}
}

func TestFaults(t *testing.T) {
	tweets := []Tweet{{CreatedAt: t0.Add(-2 * time.Minute), Text: "a #go"}, {CreatedAt: t0.Add(-time.Minute), Text: "b #go"}}
	s, _ := start(t, tweets, nil)
	auth := "Bearer " + token
	reset := t0.Add(5 * time.Minute)

	s.InjectFaults(
		Fault{Status: 429, ResetAt: reset},
		Fault{Status: 429, NoRateLimitHeaders: true},
		Fault{Status: 503},
		Fault{Status: 502},
		Fault{Truncate: 10},
		Fault{Ascending: true},
		Fault{Body: []byte("not json"), Status: 200},
		Fault{PadBytes: 1000},
	)
	r := search(t, s, q("query", "#go"), "") // faults apply before authentication
	if r.status != 429 || r.header.Get("x-rate-limit-reset") != strconv.FormatInt(reset.Unix(), 10) || r.header.Get("x-rate-limit-remaining") != "0" ||
		!jsonEqual(t, r.body, MustFixture("error_429.json")) {
		t.Errorf("429 with headers: %d %v %s", r.status, r.header, r.body)
	}
	r = search(t, s, q("query", "#go"), auth)
	if r.status != 429 || r.header.Get("x-rate-limit-reset") != "" {
		t.Errorf("429 without headers: %d %v", r.status, r.header)
	}
	r = search(t, s, q("query", "#go"), auth)
	if r.status != 503 || !jsonEqual(t, r.body, MustFixture("error_503.json")) {
		t.Errorf("503: %d %s", r.status, r.body)
	}
	r = search(t, s, q("query", "#go"), auth)
	if r.status != 502 || !strings.Contains(string(r.body), `"title":"Bad Gateway"`) {
		t.Errorf("502: %d %s", r.status, r.body)
	}
	r = search(t, s, q("query", "#go"), auth)
	if r.status != 200 || len(r.body) != 10 || json.Valid(r.body) {
		t.Errorf("truncated: %d %q", r.status, r.body)
	}
	if got := texts(t, decode(t, search(t, s, q("query", "#go"), auth))); !slices.Equal(got, []string{"a #go", "b #go"}) {
		t.Errorf("ascending = %v", got)
	}
	if r = search(t, s, q("query", "#go"), auth); string(r.body) != "not json" {
		t.Errorf("raw body = %q", r.body)
	}
	if r = search(t, s, q("query", "#go"), auth); len(r.body) < 1000 || !json.Valid(r.body) {
		t.Errorf("padded body %d bytes", len(r.body))
	}
	if got := texts(t, decode(t, search(t, s, q("query", "#go"), auth))); !slices.Equal(got, []string{"b #go", "a #go"}) {
		t.Errorf("after faults = %v", got)
	}

	// A cut connection is a transport error for the client.
	s.InjectFaults(Fault{Truncate: 5, CutConnection: true})
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/2/tweets/search/recent?query=%23go", nil)
	req.Header.Set("Authorization", auth)
	resp, err := s.Client().Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut connection: err = %v", err)
	}

	var statuses []int
	var faulted int
	for _, r := range s.SearchRequests() {
		statuses = append(statuses, r.Status)
		if r.Fault {
			faulted++
		}
	}
	if want := []int{429, 429, 503, 502, 200, 200, 200, 200, 200, 200}; !slices.Equal(statuses, want) || faulted != 9 {
		t.Errorf("recorded statuses %v (faulted %d)", statuses, faulted)
	}
}

func TestTokenEndpoint(t *testing.T) {
	s, _ := start(t, nil, func(o *Options) { o.APIKey, o.APISecret = "my key", "my/secret" })
	post := func(user, pass, body, ctype string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/oauth2/token", strings.NewReader(body))
		if user != "" {
			cred := url.QueryEscape(user) + ":" + url.QueryEscape(pass)
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	form := "application/x-www-form-urlencoded;charset=UTF-8"
	if st, body := post("my key", "my/secret", "grant_type=client_credentials", form); st != 200 || !jsonEqual(t, []byte(body), []byte(`{"token_type":"bearer","access_token":"`+token+`"}`)) {
		t.Errorf("ok: %d %s", st, body)
	}
	if st, body := post("my key", "wrong", "grant_type=client_credentials", form); st != 403 || !jsonEqual(t, []byte(body), MustFixture("oauth2_error_403.json")) {
		t.Errorf("wrong secret: %d %s", st, body)
	}
	if st, body := post("", "", "grant_type=client_credentials", form); st != 403 || !strings.Contains(body, "Unable to verify") {
		t.Errorf("no auth: %d %s", st, body)
	}
	if st, body := post("my key", "my/secret", "grant_type=password", form); st != 403 || !strings.Contains(body, "grant_type") {
		t.Errorf("bad grant: %d %s", st, body)
	}
	if st, body := post("my key", "my/secret", `{"grant_type":"client_credentials"}`, "application/json"); st != 403 || !strings.Contains(body, "grant_type") {
		t.Errorf("json body: %d %s", st, body)
	}
}

func TestParseEntities(t *testing.T) {
	tests := []struct {
		text string
		tags []Tag
	}{
		{"#go", []Tag{{0, 3, "go"}}},
		{"a #Go, b #go!", []Tag{{2, 5, "Go"}, {9, 12, "go"}}},
		{"#123 #1a #a1", []Tag{{5, 8, "1a"}, {9, 12, "a1"}}},
		{"a#b &#39; #ok", []Tag{{10, 13, "ok"}}},
		{"🚀#emoji ＃full", []Tag{{1, 7, "emoji"}, {8, 13, "full"}}},
		{"#café#東京", []Tag{{0, 5, "café"}}},
		{"#snake_case #under_", []Tag{{0, 11, "snake_case"}, {12, 19, "under_"}}},
		{"# nothing #", nil},
	}
	for _, tc := range tests {
		got := ParseEntities(tc.text).Hashtags
		if !slices.Equal(got, tc.tags) {
			t.Errorf("ParseEntities(%q) = %v, want %v", tc.text, got, tc.tags)
		}
	}
	e := ParseEntities("@a_b1 hi @toolongusername_xyz $AAPL $1 http://x.y/z")
	if len(e.Mentions) != 1 || e.Mentions[0] != (Mention{0, 5, "a_b1"}) {
		t.Errorf("mentions = %v", e.Mentions)
	}
	if len(e.Cashtags) != 1 || e.Cashtags[0].Tag != "AAPL" || len(e.URLs) != 1 || e.URLs[0].URL != "http://x.y/z" {
		t.Errorf("cashtags %v urls %v", e.Cashtags, e.URLs)
	}
}

func TestIDs(t *testing.T) {
	if _, err := New([]Tweet{{ID: "12x"}}, Options{BearerToken: "t"}); err == nil {
		t.Error("bad id accepted")
	}
	if _, err := New([]Tweet{{Text: "no time"}}, Options{BearerToken: "t"}); err == nil {
		t.Error("tweet without ID or CreatedAt accepted")
	}
	if _, err := New([]Tweet{{ID: "20", Text: "no time in the id"}}, Options{BearerToken: "t"}); err == nil {
		t.Error("tweet without CreatedAt whose id carries no time accepted")
	}
	if _, err := New([]Tweet{{ID: "2125289645013128839"}, {ID: "2125289645013128839"}}, Options{BearerToken: "t"}); err == nil {
		t.Error("duplicate id accepted")
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("missing BearerToken accepted")
	}
	// Generated ids for posts at the same instant are distinct.
	s, err := New([]Tweet{{CreatedAt: t0, Text: "a"}, {CreatedAt: t0, Text: "b"}}, Options{BearerToken: "t"})
	if err != nil || len(s.posts) != 2 || s.posts[0].ID == s.posts[1].ID {
		t.Errorf("generated ids: %v", err)
	}
	ts, err := ParseCorpus([]byte(`[{"created_at":"2026-11-24T18:00:00Z","text":"#a"},{"id":"2125289645013128839","text":"#b"}]`))
	if err != nil || len(ts) != 2 || !ts[0].CreatedAt.Equal(t0.Add(-30*time.Minute)) {
		t.Errorf("ParseCorpus = %+v, %v", ts, err)
	}
}

func TestFixturesAreDocumentedShapes(t *testing.T) {
	entries, err := fixtures.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 16 {
		t.Errorf("only %d fixtures", len(entries))
	}
	for _, e := range entries {
		b := MustFixture(e.Name())
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		switch {
		case strings.HasPrefix(e.Name(), "search_"):
			if _, ok := m["meta"]; !ok {
				t.Errorf("%s has no meta", e.Name())
			}
		case strings.HasPrefix(e.Name(), "error_"):
			if m["title"] == nil || m["type"] == nil {
				t.Errorf("%s lacks title/type", e.Name())
			}
		}
	}
	if _, err := Fixture("nope.json"); err == nil {
		t.Error("missing fixture")
	}
}

func TestNotFoundAndRecording(t *testing.T) {
	s, _ := start(t, nil, nil)
	resp, err := s.Client().Get(s.URL() + "/2/tweets/search/all?query=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("status %d", resp.StatusCode)
	}
	search(t, s, q("query", "#go", "since_id", postid.Make(t0.Add(-time.Hour), 0)), "Bearer "+token)
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Status != 404 || reqs[1].Query.Get("since_id") == "" || !reqs[1].At.Equal(t0) {
		t.Errorf("requests = %+v", reqs)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests")
	}
}

// TestFieldNameGenerations: the note and the edit history come under the names of
// Options.Names, whichever generation's names the request used, in the shape of the fixture of
// that generation.
func TestFieldNameGenerations(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 40) + "#Long"
	tweets := []Tweet{{CreatedAt: t0.Add(-time.Minute), NoteText: "#golang " + long}}
	for _, tc := range []struct {
		names            Names
		note, history    string
		fixture          string
		otherNote, other string
	}{
		{TweetNames, "note_tweet", "edit_history_tweet_ids", "search_note_tweet.json", "note_post", "edit_history_post_ids"},
		{PostNames, "note_post", "edit_history_post_ids", "search_note_post.json", "note_tweet", "edit_history_tweet_ids"},
	} {
		s, _ := start(t, tweets, func(o *Options) { o.Names = tc.names })
		known := map[string]bool{}
		collectPaths(t, "", mustJSON(t, MustFixture(tc.fixture)), known)
		for _, req := range []url.Values{
			q("query", "#golang", "tweet.fields", "created_at,entities,note_tweet"),
			q("query", "#golang", "tweet.fields", "created_at,entities,note_post"),
			q("query", "#golang", "post.fields", "created_at,entities,note_tweet"),
			q("query", "#golang", "post.fields", "created_at,entities,note_post,edit_history_post_ids"),
		} {
			r := search(t, s, req, "Bearer "+token)
			p := decode(t, r)
			if len(p.Data) != 1 {
				t.Fatalf("%s: data = %d", req.Encode(), len(p.Data))
			}
			d := p.Data[0]
			var note struct {
				Text     string   `json:"text"`
				Entities Entities `json:"entities"`
			}
			if err := json.Unmarshal(d[tc.note], &note); err != nil || note.Text != "#golang "+long || len(note.Entities.Hashtags) != 2 {
				t.Errorf("%s: %s = %s (%v)", req.Encode(), tc.note, d[tc.note], err)
			}
			var ids []string
			if err := json.Unmarshal(d[tc.history], &ids); err != nil || len(ids) != 1 {
				t.Errorf("%s: %s = %s (%v)", req.Encode(), tc.history, d[tc.history], err)
			}
			if d[tc.otherNote] != nil || d[tc.other] != nil {
				t.Errorf("%s: the other generation's names sent too: %v", req.Encode(), d)
			}
			seen := map[string]bool{}
			collectPaths(t, "", mustJSON(t, r.body), seen)
			for path := range seen {
				if !known[path] {
					t.Errorf("%s: stand-in sends %s, absent from %s", req.Encode(), path, tc.fixture)
				}
			}
		}
	}
}

// TestHostileEntries: Override sends fields of the wrong type or removes them, Raw sends any
// JSON as the entry, and ids no real post has are served in id order like any other.
func TestHostileEntries(t *testing.T) {
	const future = "9223372036854775807" // a snowflake of 2080
	s, _ := start(t, []Tweet{
		{CreatedAt: t0.Add(-time.Minute), Text: "bad flag #go", Override: map[string]json.RawMessage{
			"possibly_sensitive": json.RawMessage(`"yes"`), "author_id": nil, "extra": json.RawMessage(`[1,2]`)}},
		{CreatedAt: t0.Add(-2 * time.Minute), Raw: json.RawMessage(`12`)},
		{ID: future, CreatedAt: t0.Add(-3 * time.Minute), Text: "from the future #go"},
		{ID: "20", CreatedAt: t0.Add(-4 * time.Minute), Text: "from 2006 #go"},
	}, func(o *Options) { o.MatchAll = true })
	r := search(t, s, q("query", "x", "tweet.fields", "author_id,possibly_sensitive"), "Bearer "+token)
	var got struct {
		Data []json.RawMessage `json:"data"`
		Meta struct {
			NewestID string `json:"newest_id"`
			OldestID string `json:"oldest_id"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || len(got.Data) != 4 {
		t.Fatalf("page %s: %v", r.body, err)
	}
	if got.Meta.NewestID != future || got.Meta.OldestID != "20" {
		t.Errorf("meta %+v", got.Meta)
	}
	// Newest id first: the future id, the overridden post, the raw entry, id 20.
	entry := func(i int) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(got.Data[i], &m); err != nil {
			t.Fatalf("entry %d %s: %v", i, got.Data[i], err)
		}
		return m
	}
	if id := string(entry(0)["id"]); id != `"`+future+`"` {
		t.Errorf("entry 0 id %s", id)
	}
	e := entry(1)
	if string(e["possibly_sensitive"]) != `"yes"` || e["author_id"] != nil || string(e["extra"]) != `[1,2]` || string(e["text"]) != `"bad flag #go"` {
		t.Errorf("overridden entry %v", e)
	}
	if string(got.Data[2]) != `12` || string(entry(3)["id"]) != `"20"` {
		t.Errorf("entries 2 and 3: %s, %s", got.Data[2], got.Data[3])
	}
	// A since_id above every real post still finds the future one, as X would.
	p := decode(t, search(t, s, q("query", "x", "since_id", postid.Make(t0, 0)), "Bearer "+token))
	if len(p.Data) != 1 || p.Meta.NewestID != future {
		t.Errorf("since now: %+v", p)
	}
}
