package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestPostsWithoutAuthor runs ingest on the stand-in with posts whose author_id X left out (or
// sent as something that is not an X id): 42 such posts of #ghost in the last hour, and #real
// from 6 accounts plus 3 such posts. Every post counts in the top counts; posts_without_author
// says 45, in the totals, the board's entry, the JSON summary and the EMF record; toward
// trending they all count as one author, so #ghost does not trend (it would with 42 authors of
// their own) and #real has 7 authors, not 9.
func TestPostsWithoutAuthor(t *testing.T) {
	now := time.Now()
	noAuthor := map[string]json.RawMessage{"author_id": nil} // the field left out of the answer
	var posts []xapitest.Tweet
	for k := range 42 {
		p := xapitest.Tweet{CreatedAt: now.Add(-time.Duration(k+1) * time.Minute), Text: fmt.Sprintf("boo %d #ghost", k)}
		if k < 40 {
			p.Override = noAuthor
		} else {
			p.AuthorID = "07" // not an X id
		}
		posts = append(posts, p)
	}
	for k := range 9 {
		p := xapitest.Tweet{CreatedAt: now.Add(-time.Duration(k+1) * 5 * time.Minute), AuthorID: strconv.Itoa(100 + k), Text: "look #real"}
		if k >= 6 {
			p.Override = noAuthor
		}
		posts = append(posts, p)
	}
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		f := newFixture(t, srv, posts)
		var logs bytes.Buffer
		h := f.handler(t, func(c *ingest.Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
		res := mustRun(t, h)
		if tot := totals(t, res); !tot.Complete || tot.PostsNew != len(posts) || tot.PostsWithoutAuthor != 45 {
			t.Errorf("summary %+v, want all %d posts new, 45 of them without an author", tot, len(posts))
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		var sum struct {
			PostsWithoutAuthor *int `json:"posts_without_author"`
			Boards             map[string]struct {
				PostsWithoutAuthor *int `json:"posts_without_author"`
			} `json:"boards"`
		}
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.PostsWithoutAuthor == nil || *sum.PostsWithoutAuthor != 45 || sum.Boards[f.name].PostsWithoutAuthor == nil ||
			*sum.Boards[f.name].PostsWithoutAuthor != 45 {
			t.Errorf("JSON summary %s: want posts_without_author 45 in the totals and the board's", b)
		}
		if n := emfValue(t, &logs, "PostsWithoutAuthor"); n != 45 {
			t.Errorf("EMF PostsWithoutAuthor %d, want 45", n)
		}

		// The top counts hold every post.
		if c := counts(t, f.board); c["ghost"] != 42 || c["real"] != 9 {
			t.Errorf("all-time counts %v, want ghost 42 and real 9", c)
		}
		top, err := f.board.Top(context.Background(), store.Hour, 10)
		if err != nil || !slices.Contains(top, store.Entry{Hashtag: "ghost", Count: 42}) {
			t.Errorf("1h top %v, %v: want ghost with its 42 posts", top, err)
		}
		// Trending: the posts without an author are one author together.
		want := []store.Trend{{Hashtag: "real", Count: 9, Authors: 7, Baseline: 0, Score: 49}}
		got, err := f.board.Trending(context.Background(), store.Hour, 10)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("1h trending %v, %v; want %v (ghost not listed: one author)", got, err, want)
		}
	})
}

// emfValue returns the value of metric name in the one EMF record logs hold (-1 when none).
func emfValue(t *testing.T, logs *bytes.Buffer, name string) int {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		aws, ok := rec["_aws"].(map[string]any)
		if !ok {
			continue
		}
		declared := false
		for _, m := range aws["CloudWatchMetrics"].([]any)[0].(map[string]any)["Metrics"].([]any) {
			declared = declared || m.(map[string]any)["Name"] == name
		}
		v, ok := rec[name].(float64)
		if !declared || !ok {
			t.Fatalf("EMF record %s: metric %s not declared with a value", sc.Text(), name)
		}
		return int(v)
	}
	return -1
}
