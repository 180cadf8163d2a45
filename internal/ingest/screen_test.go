package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/xapi"
)

// largestID is 2^63-1, a snowflake of about 2080.
const largestID = "9223372036854775807"

// checkPlausibleCheckpoint fails the test when a field of the board's checkpoint is an id X
// could not have sent by now.
func checkPlausibleCheckpoint(t *testing.T, board *store.Store) store.Checkpoint {
	t.Helper()
	cp, err := board.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{cp.SinceID, cp.NewestID, cp.UntilID} {
		if err := postid.CheckPlausible(id, time.Now()); id != "" && err != nil {
			t.Errorf("checkpoint %+v: %v", cp, err)
		}
	}
	return cp
}

// TestImplausibleIDsAreSkipped: posts whose ids X could not have sent (a snowflake of 2080,
// one an hour ahead, a pre-snowflake id) are skipped and counted as such; the checkpoint takes
// the newest real id, so the next run still finds the posts made since (before, since_id
// became 2^63-1 and every later run found nothing).
func TestImplausibleIDsAreSkipped(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		now := time.Now()
		posts := corpus(150, cycleTags)
		for i := range posts {
			posts[i].ID = postid.Make(posts[i].CreatedAt, i)
		}
		bogus := []xapitest.Tweet{
			{ID: largestID, CreatedAt: now.Add(-30 * time.Second), Text: "from 2080 #future"},
			{ID: postid.Make(now.Add(time.Hour), 0), CreatedAt: now.Add(-20 * time.Second), Text: "an hour ahead #ahead"},
			{ID: "20", CreatedAt: now.Add(-10 * time.Second), Text: "from 2006 #old"},
		}
		f := newFixture(t, srv, append(append([]xapitest.Tweet(nil), posts...), bogus...))
		h := f.handler(t, nil)
		r1 := mustRun(t, h)
		if !r1.Complete || r1.PostsNew != 150 || r1.PostsSkipped != 3 || r1.PostsFetched != 153 {
			t.Errorf("run 1: %+v, want 150 new and 3 skipped of 153", r1)
		}
		assertCounts(t, f.board, expected(posts))
		if cp := checkPlausibleCheckpoint(t, f.board); cp.SinceID != posts[149].ID {
			t.Errorf("checkpoint %+v after run 1, want since_id %s (the newest real post)", cp, posts[149].ID)
		}

		later := corpus(20, func(int) []string { return []string{"later"} })
		for i := range later {
			later[i].CreatedAt = time.Now().Add(-time.Duration(20-i) * time.Millisecond)
		}
		if err := f.x.AddPosts(later...); err != nil {
			t.Fatal(err)
		}
		r2 := mustRun(t, h)
		// The two ids above every since_id come back in every sweep and are skipped again.
		if !r2.Complete || r2.PostsNew != 20 || r2.PostsSkipped != 2 {
			t.Errorf("run 2: %+v, want the 20 later posts new and the 2 ids ahead skipped again", r2)
		}
		assertCounts(t, f.board, expected(append(posts, later...)))
		checkPlausibleCheckpoint(t, f.board)
	})
}

// TestCheckpointInTheFutureIsRepaired: a checkpoint that already holds an id X could not have
// sent (saved by a version without the rule) is cleared of it at the start of the next run,
// which then counts every post, exactly once.
func TestCheckpointInTheFutureIsRepaired(t *testing.T) {
	ahead := postid.Make(time.Now().Add(time.Hour), 0)
	tests := []struct {
		name   string
		fields func(posts []string) map[string]string // newest first
		want   int                                    // new posts
	}{
		{"since_id", func([]string) map[string]string { return map[string]string{"since_id": largestID} }, 120},
		{"a sweep's newest_id and until_id", func(ids []string) map[string]string {
			return map[string]string{"since_id": ids[100], "newest_id": ahead, "until_id": ahead}
		}, 100},
		{"a gap's newest_id", func(ids []string) map[string]string {
			return map[string]string{"since_id": ids[100], "newest_id": largestID, "until_id": ids[50]}
		}, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachServer(t, func(t *testing.T, srv redistest.Server) {
				ctx := context.Background()
				posts := corpus(120, cycleTags)
				ids := make([]string, len(posts))
				for i := range posts {
					posts[i].ID = postid.Make(posts[i].CreatedAt, i)
					ids[len(posts)-1-i] = posts[i].ID
				}
				f := newFixture(t, srv, posts)
				fields := tc.fields(ids)
				fields["version"] = "7"
				if err := srv.Admin().HSet(ctx, store.KeyPrefix(f.name)+"ckpt", fields).Err(); err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				h := f.handler(t, func(c *ingest.Config) { c.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
				var total int
				for range 3 {
					r := mustRun(t, h)
					total += r.PostsNew
					if r.Complete {
						break
					}
				}
				if total != tc.want {
					t.Errorf("%d new posts, want %d", total, tc.want)
				}
				assertCounts(t, f.board, expected(posts[len(posts)-tc.want:]))
				if cp := checkPlausibleCheckpoint(t, f.board); cp.SinceID != ids[0] {
					t.Errorf("checkpoint %+v, want since_id %s (the newest post)", cp, ids[0])
				}
				if !strings.Contains(buf.String(), "checkpoint holds ids X could not have sent") {
					t.Errorf("no warning about the repair in:\n%s", buf.String())
				}
			})
		})
	}
}

// TestMalformedEntriesDoNotStall: a page with an entry whose possibly_sensitive is "yes", an
// entry that is a number and a null entry (all inside the gap a page cap leaves) is recorded
// without them; the runs catch up, the checkpoint moves past them and newer posts are found
// (before, the page failed three times a run and newer posts were not asked for until the gap
// left the 7-day window).
func TestMalformedEntriesDoNotStall(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		posts := corpus(250, cycleTags)
		bad := map[int]bool{60: true, 61: true, 62: true}
		posts[60].Override = map[string]json.RawMessage{"possibly_sensitive": json.RawMessage(`"yes"`)}
		posts[61].Raw = json.RawMessage(`12`)
		posts[62].Raw = json.RawMessage(`null`)
		var good []xapitest.Tweet
		for i, p := range posts {
			if !bad[i] {
				good = append(good, p)
			}
		}
		f := newFixture(t, srv, posts)
		h := f.handler(t, func(c *ingest.Config) { c.MaxPages = 1 })
		var total ingest.Result
		for run := 1; ; run++ {
			if run > 4 {
				t.Fatalf("not caught up after 4 runs: %+v", total)
			}
			r := mustRun(t, h)
			total.PostsNew += r.PostsNew
			total.PostsSkipped += r.PostsSkipped
			if r.Complete {
				break
			}
		}
		if total.PostsNew != 247 || total.PostsSkipped != 3 {
			t.Errorf("runs recorded %d and skipped %d, want 247 and 3", total.PostsNew, total.PostsSkipped)
		}
		assertCounts(t, f.board, expected(good))

		later := corpus(30, func(int) []string { return []string{"later"} })
		for i := range later {
			later[i].CreatedAt = time.Now().Add(-time.Duration(30-i) * time.Millisecond)
		}
		if err := f.x.AddPosts(later...); err != nil {
			t.Fatal(err)
		}
		if r := mustRun(t, h); !r.Complete || r.PostsNew != 30 || r.PostsSkipped != 0 {
			t.Errorf("run after the catch-up: %+v, want the 30 later posts and nothing skipped", r)
		}
		assertCounts(t, f.board, expected(append(good, later...)))
	})
}

// TestBothFieldNameGenerations: ingest against a stand-in that names a long post's note
// note_tweet, and against one that names it note_post: the same counts, including the hashtags
// beyond the first 280 characters of long posts, with and without entities.
func TestBothFieldNameGenerations(t *testing.T) {
	now := time.Now()
	pad := strings.Repeat("words to pass the first 280 characters ", 8)
	posts := []xapitest.Tweet{
		{CreatedAt: now.Add(-5 * time.Minute), NoteText: "#golang starts " + pad + "#TailTag and #second"},
		{CreatedAt: now.Add(-4 * time.Minute), NoteText: "no entities " + pad + "#Extracted", OmitEntities: true},
		{CreatedAt: now.Add(-3 * time.Minute), NoteText: "sensitive " + pad + "#nsfw", PossiblySensitive: true},
		{CreatedAt: now.Add(-2 * time.Minute), Text: "short #golang #aws"},
	}
	want := map[string]int64{"golang": 2, "tailtag": 1, "second": 1, "extracted": 1, "aws": 1}
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		for _, gen := range []struct {
			name  string
			names xapitest.Names
		}{{"note_tweet", xapitest.TweetNames}, {"note_post", xapitest.PostNames}} {
			t.Run(gen.name, func(t *testing.T) {
				f := newFixtureNames(t, srv, posts, gen.names)
				if r := mustRun(t, f.handler(t, nil)); r.PostsNew != 4 || r.PostsSkipped != 0 {
					t.Errorf("run %+v", r)
				}
				assertCounts(t, f.board, want)
			})
		}
	})
}

// TestHashtagsPerPostBounded: a long post with 80 hashtags counts its first
// ingest.MaxHashtagsPerPost, from entities or from the text alike; hashtags the query names and
// repeats of one hashtag take no place.
func TestHashtagsPerPostBounded(t *testing.T) {
	now := time.Now()
	tags := func(prefix string, n int) (text string, want []string) {
		for i := range n {
			text += fmt.Sprintf(" #%s%02d", prefix, i)
			if i < ingest.MaxHashtagsPerPost {
				want = append(want, fmt.Sprintf("%s%02d", prefix, i))
			}
		}
		return text, want
	}
	entText, entWant := tags("e", 80)
	txtText, txtWant := tags("x", 80)
	dupText, dupWant := tags("d", 80)
	posts := []xapitest.Tweet{
		{CreatedAt: now.Add(-3 * time.Minute), NoteText: "entities" + entText},
		{CreatedAt: now.Add(-2 * time.Minute), NoteText: "text" + txtText, OmitEntities: true},
		{CreatedAt: now.Add(-1 * time.Minute), NoteText: "#AWS #aws #D00 #d00" + dupText},
	}
	want := map[string]int64{}
	for _, tag := range append(append(entWant, txtWant...), dupWant...) {
		want[tag]++
	}
	forEachServer(t, func(t *testing.T, srv redistest.Server) {
		f := newFixture(t, srv, posts)
		f.query = "#aws -is:retweet"
		r := mustRun(t, f.handler(t, nil))
		if r.HashtagsCounted != 3*ingest.MaxHashtagsPerPost {
			t.Errorf("run %+v, want %d hashtags counted", r, 3*ingest.MaxHashtagsPerPost)
		}
		if got := counts(t, f.board); !maps.Equal(got, want) {
			t.Errorf("counts: %d hashtags, want the first %d of each post:\n got %v\nwant %v", len(got), ingest.MaxHashtagsPerPost, got, want)
		}
	})
}

// TestSkippedPostsAreLoggedAndMeasured: every entry not recorded is logged with its reason and
// counted in the summary and the PostsSkipped metric; a page whose bounds are implausible
// still moves the checkpoint, to its newest plausible id.
func TestSkippedPostsAreLoggedAndMeasured(t *testing.T) {
	page := onePostPage("")
	good := page.Posts[0].ID
	page.Posts = append(page.Posts, xapi.Post{ID: largestID, CreatedAt: time.Now(), HasEntities: true, Hashtags: []string{"future"}})
	page.Skipped = []xapi.SkippedPost{{Index: 2, ID: postid.Make(time.Now().Add(-time.Hour), 3), Reason: "possibly_sensitive is a JSON string, not true or false"}}
	page.NewestID = largestID
	var buf bytes.Buffer
	board := &memBoard{}
	res := runPage(t, page, board, ingest.Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if res.PostsFetched != 3 || res.PostsNew != 1 || res.PostsSkipped != 2 || board.recorded != 1 {
		t.Errorf("result %+v, %d recorded; want 3 fetched, 1 recorded, 2 skipped", res, board.recorded)
	}
	if cp, _ := board.Checkpoint(context.Background()); cp.SinceID != good {
		t.Errorf("checkpoint %+v, want since_id %s", cp, good)
	}
	var logged, metric bool
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec struct {
			Msg          string
			PostsSkipped *int `json:"posts_skipped"`
			Metric       *int `json:"PostsSkipped"`
			Skipped      []struct{ ID, Reason string }
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch {
		case rec.Msg == "posts skipped":
			logged = len(rec.Skipped) == 2 && *rec.PostsSkipped == 2 &&
				strings.Contains(rec.Skipped[0].Reason, "possibly_sensitive") &&
				rec.Skipped[1].ID == largestID && strings.Contains(rec.Skipped[1].Reason, "in the future")
		case rec.Metric != nil:
			metric = *rec.Metric == 2
		}
	}
	if !logged || !metric {
		t.Errorf("skipped entries logged with their reasons: %v, in the metric: %v; log:\n%s", logged, metric, buf.String())
	}
}
