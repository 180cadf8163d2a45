package rie_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// trendingCorpus is a week of posts on #golang and a last hour that differs: every hour of the
// week the same 8 accounts post #evergreen and the same 6 post #steady, and 2 of a pool of 20
// post #riser; in the last hour #evergreen and #steady go on as usual, 15 new accounts post
// #riser, 30 post #newtag, never seen before, and one account posts #spam 40 times. No post
// lies near the edge of the last hour, so the clock moving on during the test changes nothing.
func trendingCorpus(now time.Time) corpus {
	c := corpus{all: map[string]int64{}, day: map[string]int64{}}
	add := func(at time.Time, author int, tag string) {
		c.tweets = append(c.tweets, xapitest.Tweet{CreatedAt: at, AuthorID: strconv.Itoa(author), Text: fmt.Sprintf("on #golang %d #%s", len(c.tweets), tag)})
		c.served++
	}
	hour := now.Truncate(time.Hour)
	for h := 2; h <= 166; h++ { // whole hours, inside X's 7 days of recent search
		start := hour.Add(-time.Duration(h) * time.Hour)
		n := int(start.Unix() / 3600)
		for k := range 8 {
			add(start.Add(time.Duration(5+k)*time.Minute), 1000+k, "evergreen")
		}
		for k := range 6 {
			add(start.Add(time.Duration(20+k)*time.Minute), 2000+k, "steady")
		}
		add(start.Add(10*time.Minute), 3000+2*n%20, "riser")
		add(start.Add(40*time.Minute), 3000+(2*n+1)%20, "riser")
	}
	for k := range 8 {
		add(now.Add(-time.Duration(10+k)*time.Minute), 1000+k, "evergreen")
	}
	for k := range 6 {
		add(now.Add(-time.Duration(20+k)*time.Minute), 2000+k, "steady")
	}
	for k := range 15 {
		add(now.Add(-time.Duration(5+2*k)*time.Minute), 4000+k, "riser")
	}
	for k := range 30 {
		add(now.Add(-time.Duration(6+k)*time.Minute), 5000+k, "newtag")
	}
	for k := range 40 {
		add(now.Add(-time.Duration(5+k)*time.Minute-30*time.Second), 666, "spam")
	}
	return c
}

// trendRow is a row of a trending answer: its rank and figures (JSON names match the fields
// of store.Trend, as encoding/json matches names, whatever their case).
type trendRow struct {
	Rank int
	store.Trend
}

// TestTrending runs the real bootstraps under the emulator against the TLS + ACL cluster: the
// ingest function, asking the X API stand-in for author_id, records a week of posts in one run
// (every hour of it late for its baseline) and the leaderboard function answers view=trending
// (events/function-url-trending.json) as the read-only user: #newtag first, #riser second, and
// neither the account posting #spam 40 times nor the tags used as usual. The same event again,
// in sequence and three at once, changes no figure.
func TestTrending(t *testing.T) {
	// A week of posts is more than the default daily read budget (X_DAILY_POST_BUDGET): no budget here.
	w := newWorldOf(t, trendingCorpus(time.Now()), "MAX_PAGES=40", "X_DAILY_POST_BUDGET=0")
	ing := w.start("ingest")
	event := eventFile(t, "schedule.json")
	if r := invokeIngest(t, ing, event); r.PostsNew != w.corpus.served || !r.Complete {
		t.Fatalf("ingest %+v: want all %d posts new in one complete run", r, w.corpus.served)
	}
	got := readTrending(t, w.start("leaderboard"))
	want := []trendRow{
		{1, store.Trend{Hashtag: "newtag", Spelling: "newtag", Count: 30, Authors: 30, Baseline: 0, Score: 900}},
		{2, store.Trend{Hashtag: "riser", Spelling: "riser", Count: 15, Authors: 15, Baseline: 2, Score: 84.5}},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("trending 1h:\n got %+v\nwant %+v", got, want)
	}

	// Lambda's retries: the event again in this environment, then three at once in three.
	invokeIngest(t, ing, event)
	emus := []*rie.Emulator{w.start("ingest"), w.start("ingest"), w.start("ingest")}
	results := make([]ingest.Result, len(emus))
	var wg sync.WaitGroup
	for i, emu := range emus {
		wg.Go(func() { results[i] = invokeIngest(t, emu, event) })
	}
	wg.Wait()
	for i, r := range results {
		if r.PostsNew != 0 {
			t.Errorf("retry %d recorded %d posts again", i+1, r.PostsNew)
		}
	}
	// The leaderboard's cache is 5 s: a new environment reads Redis again.
	if again := readTrending(t, w.start("leaderboard")); !slices.Equal(again, want) {
		t.Errorf("after the retries:\n got %+v\nwant %+v", again, want)
	}
}

// readTrending invokes a leaderboard environment with events/function-url-trending.json and
// returns the rows of its answer, checking it is the 1h trending view of the board.
func readTrending(t *testing.T, emu *rie.Emulator) []trendRow {
	t.Helper()
	resp := invokeURL(t, emu, eventFile(t, "function-url-trending.json"))
	checkJSON(t, resp)
	var body struct {
		Leaderboard, View, Window string
		Hashtags                  []trendRow
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, body %s: %v", resp.StatusCode, resp.Body, err)
	}
	if body.Leaderboard != board || body.View != "trending" || body.Window != "1h" {
		t.Errorf("leaderboard %q view %q window %q", body.Leaderboard, body.View, body.Window)
	}
	return body.Hashtags
}
