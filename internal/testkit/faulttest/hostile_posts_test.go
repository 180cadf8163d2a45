package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/postid"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestHostilePosts: on the TLS + ACL cluster, pages that carry posts with ids X could not have
// sent (2^63-1, an hour ahead, below 2^22), malformed entries (a field of the wrong type, a
// number, null) and a long post packed with 3,000 hashtags. Every other post counts exactly;
// the hostile ones are skipped and counted as such; the long post counts its first
// ingest.MaxHashtagsPerPost hashtags; the checkpoint holds only real ids, so posts made later
// are found; the leaderboard serves the counts as inert JSON. Then a checkpoint poisoned with
// 2^63-1 (as the code before this rule left it) is repaired by the next run.
func TestHostilePosts(t *testing.T) {
	srv := env.Cluster
	name := uniqueName("hostileposts")
	w, r := boardUsers(name)
	addUsers(t, srv, w, r)
	writer := openStore(t, srv, w, name)

	m := newPostMaker()
	good := m.batch(180, cycleTags)
	now := time.Now()
	var stuffed strings.Builder
	stuffed.WriteString("a long post")
	want := m.expected()
	var first []string
	for i := range 3000 {
		fmt.Fprintf(&stuffed, " #Stuffed%04d", i)
		if i < ingest.MaxHashtagsPerPost {
			first = append(first, fmt.Sprintf("stuffed%04d", i))
		}
	}
	want.post(first...)
	hostile := []xapitest.Tweet{
		{ID: "9223372036854775807", CreatedAt: now.Add(-50 * time.Second), Text: "from 2080 #future"},
		{ID: postid.Make(now.Add(time.Hour), 0), CreatedAt: now.Add(-40 * time.Second), Text: "an hour ahead #ahead"},
		{ID: "4194303", CreatedAt: now.Add(-30 * time.Second), Text: "no time in the id #notime"},
		{CreatedAt: now.Add(-90 * time.Second), Text: "flag #badflag", Override: map[string]json.RawMessage{"possibly_sensitive": json.RawMessage(`"yes"`)}},
		{CreatedAt: now.Add(-91 * time.Second), Raw: json.RawMessage(`12`)},
		{CreatedAt: now.Add(-92 * time.Second), Raw: json.RawMessage(`null`)},
		{CreatedAt: now.Add(-93 * time.Second), NoteText: stuffed.String()},
	}
	x := newXAPI(t, append(good, hostile...))
	h := newIngest(t, newSource(t, x), writer, func(c *ingest.Config) { c.MaxPages = 1 })
	var skipped, fresh int
	for _, res := range catchUp(t, h, 6) {
		skipped += res.PostsSkipped
		fresh += res.PostsNew
	}
	// The ids above every real one come back in each sweep: 3 runs (2 pages of the first
	// sweep's gap, then the sweep for newer posts) skip them each time.
	if fresh != 181 || skipped < 6 {
		t.Errorf("recorded %d posts and skipped %d, want 181 (180 + the long post) and each hostile entry skipped", fresh, skipped)
	}
	assertCounts(t, writer, want)
	cp, err := writer.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{cp.SinceID, cp.NewestID, cp.UntilID} {
		if err := postid.CheckPlausible(id, time.Now()); id != "" && err != nil {
			t.Errorf("checkpoint %+v: %v", cp, err)
		}
	}

	// Posts made later are found, not hidden behind 2^63-1.
	if err := x.AddPosts(m.batch(40, cycleTags)...); err != nil {
		t.Fatal(err)
	}
	want = m.expected()
	want.post(first...)
	res := catchUp(t, h, 1)
	if res[0].PostsNew != 40 {
		t.Errorf("run after new posts: %+v, want the 40 new ones", res[0])
	}
	assertCounts(t, writer, want)
	base := servedBoard(t, openStore(t, srv, r, name), name)
	if b := checkInertJSON(t, base+"/?limit=100&window=all"); !maps.Equal(b.tally(), want) {
		t.Errorf("leaderboard %v, want %v", b.tally(), want)
	}

	// A checkpoint poisoned by the code before the rule is repaired by the next run, which then
	// finds the posts made since.
	if err := srv.Admin().HSet(context.Background(), store.KeyPrefix(name)+"ckpt", "since_id", "9223372036854775807").Err(); err != nil {
		t.Fatal(err)
	}
	if err := x.AddPosts(m.batch(25, cycleTags)...); err != nil {
		t.Fatal(err)
	}
	want = m.expected()
	want.post(first...)
	fresh = 0
	for _, res := range catchUp(t, h, 6) {
		fresh += res.PostsNew
	}
	if fresh != 25 {
		t.Errorf("runs after the poisoned checkpoint recorded %d posts, want the 25 new ones (the rest are duplicates)", fresh)
	}
	assertCounts(t, writer, want)
}
