package rie_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// searchQuery is the ingest function's SEARCH_QUERY in these tests: its hashtag is never
// counted (it is in every post served), and retweets are not served.
const searchQuery = "#golang -is:retweet"

// corpus is the stand-in's posts and what ingesting them must give, worked out here by rule
// rather than with the code under test: a post is served when it mentions #golang (any case),
// is not a retweet and was created in the last seven days and not in the future; its hashtags
// are counted once per post, lower-cased (all tags here are ASCII), except golang, and not at
// all for a possibly sensitive post (SKIP_SENSITIVE defaults to true).
type corpus struct {
	tweets          []xapitest.Tweet
	served          int
	hashtagsCounted int
	all, day        map[string]int64 // expected counts of the all-time and 24h boards
}

var tagPool = []string{"Kubernetes", "kubernetes", "AWS", "serverless", "Rust", "python", "redis",
	"Valkey", "lambda", "devops", "ai", "cloud", "opensource", "linux", "terraform"}

// newCorpus builds 430 served posts over five pages (300 in the last 15 hours, 130 between 30
// and 52 hours ago, so the 24h board differs from the all-time one with no post near its
// edge), and posts the search must not return: retweets, posts without #golang, a post from
// the future.
func newCorpus(now time.Time) corpus {
	c := corpus{all: map[string]int64{}, day: map[string]int64{}}
	const served = 430
	for i := range served {
		created := now.Add(-time.Minute - time.Duration(i)*3*time.Minute)
		if i >= 300 {
			created = now.Add(-30*time.Hour - time.Duration(i-300)*10*time.Minute)
		}
		text := fmt.Sprintf("post %d on #GoLang", i)
		seen := map[string]bool{}
		for k := range i % 4 {
			tag := tagPool[(i*7+k*5)%len(tagPool)]
			text += " #" + tag
			seen[strings.ToLower(tag)] = true
		}
		sensitive := i%13 == 0
		c.tweets = append(c.tweets, xapitest.Tweet{CreatedAt: created, Text: text, PossiblySensitive: sensitive})
		c.served++
		if sensitive {
			continue
		}
		for tag := range seen {
			c.hashtagsCounted++
			c.all[tag]++
			if i < 300 {
				c.day[tag]++
			}
		}
	}
	for i := range 20 {
		c.tweets = append(c.tweets, xapitest.Tweet{
			CreatedAt:        now.Add(-time.Duration(i+1) * 7 * time.Minute),
			Text:             fmt.Sprintf("RT @gopher: #golang #retweeted%d", i),
			ReferencedTweets: []xapitest.ReferencedTweet{{Type: "retweeted", ID: "1790000000000000000"}},
		})
	}
	for i := range 15 {
		c.tweets = append(c.tweets, xapitest.Tweet{CreatedAt: now.Add(-time.Duration(i+1) * 11 * time.Minute), Text: fmt.Sprintf("no go here #rust #offtopic%d", i)})
	}
	c.tweets = append(c.tweets, xapitest.Tweet{CreatedAt: now.Add(time.Hour), Text: "from the future #golang #future"})
	return c
}

// top is the expected board: count descending, then hashtag ascending, at most n.
func top(counts map[string]int64, n int) []rankedTag {
	tags := slices.Collect(maps.Keys(counts))
	slices.SortFunc(tags, func(a, b string) int {
		if counts[a] != counts[b] {
			return int(counts[b] - counts[a])
		}
		return strings.Compare(a, b)
	})
	var out []rankedTag
	for i, t := range tags {
		if i == n {
			break
		}
		out = append(out, rankedTag{Rank: i + 1, Hashtag: t, Count: counts[t]})
	}
	return out
}

type rankedTag struct {
	Rank    int    `json:"rank"`
	Hashtag string `json:"hashtag"`
	Count   int64  `json:"count"`
}

// boardBody is the leaderboard's JSON body.
type boardBody struct {
	Leaderboard string      `json:"leaderboard"`
	Window      string      `json:"window"`
	GeneratedAt string      `json:"generated_at"`
	Hashtags    []rankedTag `json:"hashtags"`
}

// world is one test's X API stand-in over a corpus, secrets in moto and an empty cluster.
type world struct {
	t      *testing.T
	corpus corpus
	x      *xapitest.Server
	token  string              // the X API bearer token, in the X secret
	env    map[string][]string // function -> environment
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldOf(t, newCorpus(time.Now()))
}

// newWorldOf is newWorld with the stand-in serving c; ingestEnv overrides the ingest
// function's environment.
func newWorldOf(t *testing.T, c corpus, ingestEnv ...string) *world {
	t.Helper()
	rie.RequireRIE(t)
	ctx := context.Background()
	if err := cluster.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, corpus: c, env: map[string][]string{}}
	token := "xapi-token-" + randomHex(t, 12)
	w.token = token
	var err error
	w.x, err = xapitest.New(w.corpus.tweets, xapitest.Options{BearerToken: token})
	if err != nil {
		t.Fatal(err)
	}
	url := w.x.Start()
	t.Cleanup(w.x.Close)

	prefix := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + randomHex(t, 4)
	secret := func(name string, v map[string]string) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		arn, err := moto.CreateSecret(ctx, prefix+"/"+name, string(b))
		if err != nil {
			t.Fatal(err)
		}
		return arn
	}
	writerARN := secret("writer", map[string]string{"username": writer.Name, "password": writer.Password})
	readerARN := secret("reader", map[string]string{"username": reader.Name, "password": reader.Password})
	xARN := secret("x", map[string]string{"bearer_token": token})

	common := append(moto.Env(),
		"MEMORYDB_ENDPOINT="+cluster.Config(reader.Name, reader.Password).Addr,
		"MEMORYDB_TLS=true", "MEMORYDB_CLUSTER=true", "MEMORYDB_CA_FILE="+cluster.CAFile,
		"LEADERBOARD="+board, "LOG_LEVEL=INFO")
	w.env["ingest"] = rie.MergeEnv(common, "MEMORYDB_SECRET_ARN="+writerARN, "X_SECRET_ARN="+xARN,
		"X_API_URL="+url, "SEARCH_QUERY="+searchQuery, "MAX_PAGES=10",
		// A day's schedule opens the whole read budget at once, whatever the time of day the
		// test runs at (the budget accrues over the UTC day): TestBusyDaySampled paces it.
		"SCHEDULE_EXPRESSION=rate(1 day)")
	w.env["ingest"] = rie.MergeEnv(w.env["ingest"], ingestEnv...)
	w.env["leaderboard"] = rie.MergeEnv(common, "MEMORYDB_SECRET_ARN="+readerARN)
	return w
}

// serveX replaces the world's X API stand-in by one over the same posts with opts (the same
// token), for the ingest environments started from then on.
func (w *world) serveX(opts xapitest.Options) {
	w.t.Helper()
	opts.BearerToken = w.token
	x, err := xapitest.New(w.corpus.tweets, opts)
	if err != nil {
		w.t.Fatal(err)
	}
	w.x = x
	w.env["ingest"] = rie.MergeEnv(w.env["ingest"], "X_API_URL="+x.Start())
	w.t.Cleanup(x.Close)
}

// start starts an execution environment of function; it is stopped when the test ends.
func (w *world) start(function string) *rie.Emulator {
	w.t.Helper()
	rieBin := rie.RequireRIE(w.t)
	emu, err := rie.Start(context.Background(), rie.Config{
		RIE: rieBin, Bootstrap: bootstraps[function], Env: w.env[function], FunctionName: function,
		Log: testLog{w.t, function},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(emu.Stop)
	return emu
}

// invokeIngest invokes an ingest environment and decodes its result.
func invokeIngest(t *testing.T, emu *rie.Emulator, event []byte) ingest.Result {
	t.Helper()
	resp, err := emu.Invoke(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
		t.Fatalf("ingest: status %d, function error %s: %s; body %s\n%s", resp.Status, typ, msg, resp.Body, emu.Logs())
	}
	var res ingest.Result
	if err := json.Unmarshal(resp.Body, &res); err != nil {
		t.Fatalf("ingest result %s: %v", resp.Body, err)
	}
	return res
}

// invokeURL invokes a leaderboard environment with a Function URL event.
func invokeURL(t *testing.T, emu *rie.Emulator, event []byte) events.LambdaFunctionURLResponse {
	t.Helper()
	resp, err := emu.Invoke(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
		t.Fatalf("leaderboard: status %d, function error %s: %s; body %s\n%s", resp.Status, typ, msg, resp.Body, emu.Logs())
	}
	var out events.LambdaFunctionURLResponse
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("leaderboard response %s: %v", resp.Body, err)
	}
	return out
}

// checkCounts reads the whole all-time and 24h boards from the cluster as the reader and
// compares them with the corpus.
func (w *world) checkCounts() {
	w.t.Helper()
	rdb := cluster.ClusterClient(reader.Name, reader.Password)
	defer rdb.Close()
	s, err := store.New(rdb, board)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range []struct {
		window store.Window
		want   map[string]int64
	}{{store.All, w.corpus.all}, {store.Day, w.corpus.day}} {
		entries, err := s.Top(context.Background(), c.window, 1000)
		if err != nil {
			w.t.Fatal(err)
		}
		got := map[string]int64{}
		for _, e := range entries {
			got[e.Hashtag] = e.Count
		}
		if !maps.Equal(got, c.want) {
			w.t.Errorf("%s board in Redis:\n got %v\nwant %v", c.window, got, c.want)
		}
	}
}

// testLog passes the emulator's lines to t.Log (shown for failed tests and with -v).
type testLog struct {
	t    *testing.T
	name string
}

var testLogMu sync.Mutex

func (l testLog) Write(p []byte) (int, error) {
	testLogMu.Lock()
	defer testLogMu.Unlock()
	l.t.Logf("[%s] %s", l.name, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
