package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// memBoard is an in-memory Board: every post is new, the checkpoint is kept as saved.
type memBoard struct {
	mu        sync.Mutex
	cp        store.Checkpoint
	recorded  int
	hashtags  [][]string // of each post recorded
	calls     []string   // "upkeep" and "record", in order
	upkeepErr func(call int) error
}

func (b *memBoard) Upkeep(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, "upkeep")
	if b.upkeepErr != nil {
		return b.upkeepErr(len(b.calls))
	}
	return nil
}

func (b *memBoard) Record(_ context.Context, posts []store.Post) (store.RecordResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, "record")
	b.recorded += len(posts)
	for _, p := range posts {
		b.hashtags = append(b.hashtags, p.Hashtags)
	}
	return store.RecordResult{New: len(posts)}, nil
}

func (b *memBoard) Checkpoint(context.Context) (store.Checkpoint, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cp, nil
}

func (b *memBoard) SaveCheckpoint(_ context.Context, _, next store.Checkpoint) (store.Checkpoint, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	next.Version = b.cp.Version + 1
	b.cp = next
	return next, nil
}

// funcSource answers FetchPage with a function of the call number (1, 2, ...).
type funcSource struct {
	mu    sync.Mutex
	calls int
	fetch func(ctx context.Context, call int) (xapi.Page, error)
}

func (s *funcSource) FetchPage(ctx context.Context, _ xapi.PageRequest) (xapi.Page, error) {
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.mu.Unlock()
	return s.fetch(ctx, call)
}

// onePostPage is a page of one post; next is its next_token.
func onePostPage(next string) xapi.Page {
	id := postid.Make(time.Now().Add(-time.Minute), 1)
	return xapi.Page{
		Posts:     []xapi.Post{{ID: id, CreatedAt: time.Now().Add(-time.Minute), HasEntities: true, Hashtags: []string{"go"}}},
		NextToken: next, NewestID: id, OldestID: id,
	}
}

// oneBoard is a handler of one board, "unit", without a quota.
func oneBoard(t *testing.T, src ingest.Source, board ingest.Board, query string, cfg ingest.Config) *ingest.Handler {
	t.Helper()
	h, err := ingest.New([]ingest.Feed{{Name: "unit", Query: query, Source: src, Board: board}}, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// runPage runs a handler with cfg on board once, over a source that serves page, and returns
// the run's result.
func runPage(t *testing.T, page xapi.Page, board ingest.Board, cfg ingest.Config) ingest.Result {
	t.Helper()
	src := &funcSource{fetch: func(context.Context, int) (xapi.Page, error) { return page, nil }}
	return mustRun(t, oneBoard(t, src, board, "", cfg))
}

// TestUpkeepAtBothEndsOfARun: every run starts with an upkeep, and a run that recorded posts
// ends with one too, which settles the trending views; when that last one fails, the run fails
// naming the board, with the posts recorded and the checkpoint saved.
func TestUpkeepAtBothEndsOfARun(t *testing.T) {
	tests := []struct {
		name      string
		page      xapi.Page
		upkeepErr error // of the last upkeep
		want      []string
	}{
		{"posts", onePostPage(""), nil, []string{"upkeep", "record", "upkeep"}},
		{"no posts", xapi.Page{}, nil, []string{"upkeep"}},
		{"the settle fails", onePostPage(""), errors.New("connection reset"), []string{"upkeep", "record", "upkeep"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			board := &memBoard{upkeepErr: func(call int) error {
				if call > 1 {
					return tc.upkeepErr
				}
				return nil
			}}
			src := &funcSource{fetch: func(context.Context, int) (xapi.Page, error) { return tc.page, nil }}
			res, err := oneBoard(t, src, board, "", ingest.Config{Logger: quiet}).Handle(context.Background(), scheduled)
			if got := strings.Join(board.calls, " "); got != strings.Join(tc.want, " ") {
				t.Errorf("calls %q, want %q", got, strings.Join(tc.want, " "))
			}
			switch {
			case tc.upkeepErr == nil && err != nil:
				t.Fatalf("run failed: %v", err)
			case tc.upkeepErr != nil && (!errors.Is(err, tc.upkeepErr) || !strings.Contains(fmt.Sprint(err), "board unit") || !strings.Contains(fmt.Sprint(err), "settle the trending views")):
				t.Fatalf("error %v, want one naming board unit and the settle, wrapping %v", err, tc.upkeepErr)
			}
			if cp, _ := board.Checkpoint(context.Background()); len(tc.page.Posts) > 0 && (res.PostsNew != 1 || cp.UntilID == "" && cp.SinceID == "") {
				t.Errorf("result %+v, checkpoint %+v: want the post recorded and the checkpoint saved", res, cp)
			}
		})
	}
}

type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

// TestFetchErrorAfterTheBudget: page 2 ends only after the time budget. A request cut off by
// the fetch deadline is a successful stop at the budget with page 1 saved; an answer that did
// arrive (401/403, a malformed body, a 400) fails the run however late it came, and so does
// the caller's own cancellation.
func TestFetchErrorAfterTheBudget(t *testing.T) {
	tests := []struct {
		name    string
		err     func(fetchCtx context.Context) error
		cancel  bool  // the caller's context is cancelled, not the fetch deadline reached
		wantErr error // nil: a budget stop
	}{
		{"fetch deadline", func(ctx context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrTransient, Err: ctx.Err()}
		}, false, nil},
		{"net/http client timeout", func(context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrTransient,
				Err: &url.Error{Op: "Get", URL: "https://api.x.com/2/tweets/search/recent", Err: netTimeout{}}}
		}, false, nil},
		{"401", func(context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrUnauthorized, StatusCode: http.StatusUnauthorized}
		}, false, xapi.ErrUnauthorized},
		{"403", func(context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrUnauthorized, StatusCode: http.StatusForbidden}
		}, false, xapi.ErrUnauthorized},
		{"malformed JSON", func(context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrMalformedResponse, StatusCode: http.StatusOK,
				Err: errors.New("unexpected end of JSON input")}
		}, false, xapi.ErrMalformedResponse},
		{"400", func(context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrInvalidRequest, StatusCode: http.StatusBadRequest}
		}, false, xapi.ErrInvalidRequest},
		{"caller cancelled", func(ctx context.Context) error {
			return &xapi.Error{Op: "recent search", Kind: xapi.ErrTransient, Err: ctx.Err()}
		}, true, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const margin = time.Second
			ctx, cancel := context.WithTimeout(context.Background(), margin+500*time.Millisecond) // page 1 has 500 ms
			defer cancel()
			src := &funcSource{fetch: func(fetchCtx context.Context, call int) (xapi.Page, error) {
				if call == 1 {
					return onePostPage("next"), nil
				}
				if tc.cancel {
					cancel()
				}
				<-fetchCtx.Done()
				return xapi.Page{}, tc.err(fetchCtx)
			}}
			board := &memBoard{}
			h := oneBoard(t, src, board, "", ingest.Config{Logger: quiet}.WithSafetyMargin(margin))
			res, err := h.Handle(ctx, scheduled)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("run cut by the time budget failed: %v", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			case tc.wantErr != nil && !strings.Contains(err.Error(), "fetch page 2"):
				t.Errorf("error %q does not name the page", err)
			}
			if res.Pages != 1 || res.PostsNew != 1 || res.Complete {
				t.Errorf("result %+v, want page 1 recorded and not complete", res)
			}
			if cp, _ := board.Checkpoint(context.Background()); cp.UntilID == "" {
				t.Errorf("checkpoint %+v: page 1's progress not saved", cp)
			}
		})
	}
}

// TestLateAnswerThroughHTTP: the same over the real client and the stand-in: page 2 would
// come a minute later, net/http gives up at the fetch deadline, and the run stops at the
// budget.
func TestLateAnswerThroughHTTP(t *testing.T) {
	x, err := xapitest.New(corpus(150, cycleTags), xapitest.Options{BearerToken: token, MatchAll: true})
	if err != nil {
		t.Fatal(err)
	}
	x.Start()
	t.Cleanup(x.Close)
	x.InjectFaults(xapitest.Fault{}, xapitest.Fault{Delay: time.Minute})
	src, err := xapi.New(xapi.Config{
		BaseURL: x.URL(), BearerToken: token, Query: "#hashtags", Logger: quiet,
		HTTPClient: &http.Client{Timeout: xapi.DefaultHTTPTimeout},
	})
	if err != nil {
		t.Fatal(err)
	}
	const margin = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), margin+time.Second)
	defer cancel()
	h := oneBoard(t, src, &memBoard{}, "", ingest.Config{Logger: quiet}.WithSafetyMargin(margin))
	res, err := h.Handle(ctx, scheduled)
	if err != nil {
		t.Fatalf("run cut by the time budget failed: %v", err)
	}
	if res.Pages != 1 || res.PostsNew != 100 || res.Complete {
		t.Errorf("result %+v, want page 1 recorded and not complete", res)
	}
}

// TestMetricsWhateverTheLogLevel: the EMF record is written at every LOG_LEVEL, at Info or
// the lowest level the logger lets through (Lambda's own filter drops lines below it).
func TestMetricsWhateverTheLogLevel(t *testing.T) {
	for _, tc := range []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelDebug, "INFO"}, {slog.LevelInfo, "INFO"}, {slog.LevelWarn, "WARN"}, {slog.LevelError, "ERROR"},
	} {
		t.Run(tc.level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tc.level}))
			if res := runPage(t, onePostPage(""), &memBoard{}, ingest.Config{Logger: log}); !res.Complete {
				t.Fatalf("result %+v", res)
			}
			var found, coverage int
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if line == "" {
					continue
				}
				var rec struct {
					Level        string `json:"level"`
					Msg          string `json:"msg"`
					Function     string
					Board        string
					Coverage     *float64
					PostsFetched *int
					Pages        *int
					AWS          *struct {
						Timestamp         int64
						CloudWatchMetrics []struct {
							Namespace  string
							Dimensions [][]string
							Metrics    []struct{ Name, Unit string }
						}
					} `json:"_aws"`
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec.AWS == nil {
					continue
				}
				if rec.Msg == "ingest coverage" { // one per board, with the Board dimension
					coverage++
					if rec.Level != tc.want || len(rec.AWS.CloudWatchMetrics) != 1 ||
						!slices.Equal(rec.AWS.CloudWatchMetrics[0].Dimensions[0], []string{"Function", "Board"}) ||
						rec.AWS.CloudWatchMetrics[0].Metrics[0].Name != "Coverage" || rec.Board != "unit" || rec.Coverage == nil || *rec.Coverage != 1 {
						t.Errorf("coverage EMF record %s", line)
					}
					continue
				}
				found++
				if rec.Level != tc.want {
					t.Errorf("metrics logged at %s, want %s", rec.Level, tc.want)
				}
				if len(rec.AWS.CloudWatchMetrics) != 1 || rec.AWS.CloudWatchMetrics[0].Namespace != "HashtagLeaderboard" ||
					len(rec.AWS.CloudWatchMetrics[0].Metrics) != 8 || rec.AWS.Timestamp == 0 || rec.Function != "ingest" ||
					rec.PostsFetched == nil || *rec.PostsFetched != 1 || rec.Pages == nil || *rec.Pages != 1 {
					t.Errorf("EMF record %s", line)
				}
			}
			if found != 1 || coverage != 1 {
				t.Errorf("%d EMF records of the run and %d of coverage in the log, want 1 of each:\n%s", found, coverage, buf.String())
			}
			if tc.level >= slog.LevelWarn && strings.Contains(buf.String(), `"ingest done"`) {
				t.Errorf("an Info record got through a logger at %s:\n%s", tc.level, buf.String())
			}
		})
	}
}

// TestNewNamesTheField: a bad tag is reported under the field it came from (config names the
// variable).
func TestNewNamesTheField(t *testing.T) {
	long := strings.Repeat("a", 141) // over hashtag.MaxLen
	for _, tc := range []struct {
		name      string
		query     string
		cfg       ingest.Config
		want, not string
	}{
		{"from the query", "#" + long + " -is:retweet", ingest.Config{Exclude: []string{"news"}}, `query of board "unit"`, "Config.Exclude"},
		{"from Exclude", "#aws", ingest.Config{Exclude: []string{long}}, "Config.Exclude", "query"},
		{"space in Exclude", "", ingest.Config{Exclude: []string{"has space"}}, "Config.Exclude", "query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ingest.New([]ingest.Feed{{Name: "unit", Query: tc.query, Source: &funcSource{}, Board: &memBoard{}}}, nil, tc.cfg)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) {
				t.Errorf("error %q, want it to name %s only", msg, tc.want)
			}
		})
	}
}

// skippingBoard is a memBoard whose store refuses one post of every batch.
type skippingBoard struct{ memBoard }

func (b *skippingBoard) Record(ctx context.Context, posts []store.Post) (store.RecordResult, error) {
	res, err := b.memBoard.Record(ctx, posts)
	res.New--
	res.Skipped++
	return res, err
}

// TestPostsTheStoreSkippedAreWarned: a post the store does not record is not lost silently.
func TestPostsTheStoreSkippedAreWarned(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	runPage(t, onePostPage(""), &skippingBoard{}, ingest.Config{Logger: log})
	var rec struct {
		Msg          string `json:"msg"`
		PostsSkipped int    `json:"posts_skipped"`
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if err := json.Unmarshal([]byte(line), &rec); err == nil && rec.PostsSkipped == 1 && rec.Msg == "posts the store did not record" {
			return
		}
	}
	t.Errorf("no warning about the skipped post in:\n%s", buf.String())
}

// TestSummaryKeys: the run's JSON summary has the documented keys, and keeps the deprecated
// tweets_fetched and tweets_new, equal to posts_fetched and posts_new, in the totals and in each
// board's.
func TestSummaryKeys(t *testing.T) {
	golang := ingest.Totals{Pages: 1, PostsFetched: 50, PostsNew: 20, PostsSkipped: 1, HashtagsCounted: 100, Complete: true,
		PostsHad: 50, Coverage: 1}
	aws := ingest.Totals{Pages: 1, PostsFetched: 100, PostsNew: 100, PostsSkipped: 2, HashtagsCounted: 200, RateLimited: true,
		PostsHad: 400, Coverage: 0.25}
	res := ingest.Result{
		Totals: ingest.Totals{Pages: 2, PostsFetched: 150, PostsNew: 120, PostsSkipped: 3, HashtagsCounted: 300, RateLimited: true,
			PostsHad: 450, Coverage: 0.3333},
		PostsRead: 150, PostsReadToday: 1234, CountsRequests: 1,
		Boards: map[string]ingest.Totals{"golang": golang, "aws": aws},
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	boards, _ := got["boards"].(map[string]any)
	delete(got, "boards")
	want := map[string]any{"pages": 2.0, "posts_fetched": 150.0, "posts_new": 120.0, "posts_skipped": 3.0, "posts_without_author": 0.0, "hashtags_counted": 300.0,
		"complete": false, "rate_limited": true, "tweets_fetched": 150.0, "tweets_new": 120.0,
		"budget_exhausted": false, "posts_read": 150.0, "posts_read_today": 1234.0,
		"posts_had": 450.0, "coverage": 0.3333, "counts_requests": 1.0}
	if !maps.Equal(got, want) {
		t.Errorf("summary %s, want the keys and values of %v", b, want)
	}
	wantBoard := map[string]any{"pages": 1.0, "posts_fetched": 50.0, "posts_new": 20.0, "posts_skipped": 1.0, "posts_without_author": 0.0, "hashtags_counted": 100.0,
		"complete": true, "rate_limited": false, "tweets_fetched": 50.0, "tweets_new": 20.0, "posts_had": 50.0, "coverage": 1.0}
	if g, _ := boards["golang"].(map[string]any); len(boards) != 2 || !maps.Equal(g, wantBoard) {
		t.Errorf("boards %v, want golang's %v and aws's", boards, wantBoard)
	}
	var back ingest.Result
	if err := json.Unmarshal(b, &back); err != nil || back.PostsFetched != 150 || back.PostsNew != 120 ||
		back.PostsReadToday != 1234 || back.Boards["aws"] != aws || back.Boards["golang"] != golang {
		t.Errorf("summary read back: %+v, %v", back, err)
	}
}
