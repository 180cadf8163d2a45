package rie_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// busyHashtags are issue 20's 8 major hashtags of a day of 20,000 posts (one a post; from, to:
// hours before now).
var busyHashtags = []struct {
	tag             string
	posts, from, to int
}{
	{"aws", 3000, 24, 0}, {"kubernetes", 2200, 24, 0}, {"python", 1600, 24, 0},
	{"early", 1300, 24, 18}, {"rust", 900, 24, 0}, {"redis", 800, 24, 0},
	{"launch", 900, 3, 0}, {"midday", 800, 15, 9},
}

// busyCorpus is the day: every post names #golang (the world's query), the 8 hashtags' posts
// and noise posts with a hashtag of 300 or none, seeded.
func busyCorpus(now time.Time) corpus {
	rng := rand.New(rand.NewPCG(20, 26))
	at := func(from, to int) time.Time {
		span := int64(time.Duration(from-to) * time.Hour / time.Second)
		return now.Add(-time.Duration(to)*time.Hour - time.Duration(rng.Int64N(span))*time.Second - time.Second)
	}
	c := corpus{all: map[string]int64{}, day: map[string]int64{}}
	for _, h := range busyHashtags {
		for i := range h.posts {
			c.tweets = append(c.tweets, xapitest.Tweet{CreatedAt: at(h.from, h.to), AuthorID: fmt.Sprint(1000 + i%900),
				Text: fmt.Sprintf("talk %d #golang #%s", i, h.tag)})
		}
	}
	for i := 0; len(c.tweets) < 20_000; i++ {
		text := fmt.Sprintf("chatter %d #golang", i)
		if i%2 == 0 {
			text += fmt.Sprintf(" #n%d", i%300)
		}
		c.tweets = append(c.tweets, xapitest.Tweet{CreatedAt: at(24, 0), AuthorID: fmt.Sprint(5000 + i%2000), Text: text})
	}
	c.served = len(c.tweets)
	return c
}

// TestBusyDaySampled is issue 20's "must hold" through the real bootstraps under the emulator,
// on the TLS + ACL cluster: 20,000 posts over the last 24 hours, a budget that has accrued about
// 3,000 by now (set from the time of day), MAX_PAGES=40, three runs. Posts returned plus counts
// requests stay within what accrued plus a page; at least 1,500 posts are read; the leaderboard
// function's 24h top has each major hashtag's estimate within 25% of the truth and the true top
// 4 in order, and a coverage within 15% of posts read ÷ 20,000; #aws has posts read in at least
// 22 of the 24 hours, and its history's estimates add up to its row's.
func TestBusyDaySampled(t *testing.T) {
	now := time.Now().UTC()
	const interval = 5 * time.Minute
	frac := float64(now.Sub(now.Truncate(24*time.Hour)))/float64(24*time.Hour) + float64(interval)/float64(24*time.Hour)
	budget := int(3000 / frac)
	w := newWorldOf(t, busyCorpus(now), "MAX_PAGES=40", fmt.Sprintf("X_DAILY_POST_BUDGET=%d", budget),
		"SCHEDULE_EXPRESSION=rate(5 minutes)")
	event := eventFile(t, "schedule.json")
	read := 0
	for run := 1; run <= 3; run++ {
		res := invokeIngest(t, w.start("ingest"), event)
		read += res.PostsRead
		used := w.x.PostsServed(time.Now()) + len(w.x.CountsRequests())
		if accrued := ingest.Accrued(budget, interval, time.Now()); used > accrued+100 {
			t.Errorf("run %d: %d posts and counts requests, over the %d accrued plus a page", run, used, accrued)
		}
		t.Logf("run %d: %d read, coverage %.4f of %d had, %d counts requests, %d read today", run, res.PostsRead,
			res.Coverage, res.PostsHad, res.CountsRequests, res.PostsReadToday)
	}
	if read < 1500 {
		t.Errorf("%d posts read, want at least 1,500", read)
	}
	lb := w.start("leaderboard")
	var top struct {
		Coverage  float64
		PostsRead int64 `json:"posts_read"`
		PostsHad  int64 `json:"posts_had"`
		Hashtags  []struct {
			Hashtag                 string
			Count, Estimate, Margin int64
		}
	}
	resp := invokeURL(t, lb, eventFile(t, "function-url-window.json"))
	if err := json.Unmarshal([]byte(resp.Body), &top); err != nil || resp.StatusCode != 200 {
		t.Fatalf("24h top: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	est := map[string]int64{}
	for _, r := range top.Hashtags {
		est[r.Hashtag] = r.Estimate
	}
	for _, h := range busyHashtags {
		t.Logf("#%s: truth %d, estimate %d", h.tag, h.posts, est[h.tag])
		if off := math.Abs(float64(est[h.tag]-int64(h.posts))) / float64(h.posts); off > 0.25 {
			t.Errorf("#%s: estimate %d, truth %d", h.tag, est[h.tag], h.posts)
		}
	}
	for i, tag := range []string{"aws", "kubernetes", "python", "early"} {
		if i >= len(top.Hashtags) || top.Hashtags[i].Hashtag != tag {
			t.Errorf("rank %d: want #%s in %+v", i+1, tag, top.Hashtags)
		}
	}
	want := float64(read) / 20_000
	t.Logf("coverage %.4f (read %d, had %d); read ÷ 20,000 = %.4f", top.Coverage, top.PostsRead, top.PostsHad, want)
	if math.Abs(top.Coverage-want) > 0.15*want {
		t.Errorf("coverage %.4f, want within 15%% of %.4f", top.Coverage, want)
	}

	hist := bytes.Replace(eventFile(t, "function-url-window.json"), []byte(`"rawQueryString": "window=24h&limit=25"`),
		[]byte(`"rawQueryString": "view=history&window=24h&hashtags=aws"`), 1)
	resp = invokeURL(t, lb, hist)
	var h struct {
		Series []struct {
			Points []struct{ Count, Estimate int64 }
		}
	}
	if err := json.Unmarshal([]byte(resp.Body), &h); err != nil || resp.StatusCode != 200 || len(h.Series) != 1 {
		t.Fatalf("history: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	hours, sum := 0, int64(0)
	for _, p := range h.Series[0].Points {
		if p.Count > 0 {
			hours++
		}
		sum += p.Estimate
	}
	if hours < 22 || sum != est["aws"] {
		t.Errorf("#aws: read in %d hours (want 22 or more), history estimates add up to %d, the row says %d", hours, sum, est["aws"])
	}
}
