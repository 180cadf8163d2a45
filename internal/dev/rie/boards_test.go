package rie_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
)

// TestLeaderboardBoards runs the real leaderboard bootstrap with two boards (BOARDS and
// BOARD_NAMES as the templates set them) as a reader user of exactly those boards, on the TLS
// + ACL cluster: each board answers with its own counts, GET /boards lists both, and an unknown
// board gets 404 naming them.
func TestLeaderboardBoards(t *testing.T) {
	w := newWorld(t)
	invokeIngest(t, w.start("ingest"), eventFile(t, "schedule.json")) // fills the board "hashtags"
	ctx := context.Background()
	const second = "second"
	for tag, n := range map[string]float64{"rust": 3, "zig": 2} {
		if err := cluster.AdminClient().ZIncrBy(ctx, store.KeyPrefix(second)+"all", n, tag).Err(); err != nil {
			t.Fatal(err)
		}
	}
	u := redistest.User{Name: "boards-reader", Password: "rie-boards-reader-pw", Access: store.ReaderAccess(board, second)}
	if err := cluster.SetUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	secret, err := json.Marshal(map[string]string{"username": u.Name, "password": u.Password})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := moto.CreateSecret(ctx, "boards-reader-"+randomHex(t, 4), string(secret))
	if err != nil {
		t.Fatal(err)
	}
	w.env["leaderboard"] = rie.MergeEnv(w.env["leaderboard"], "MEMORYDB_SECRET_ARN="+arn, "LEADERBOARD=",
		`BOARDS={"hashtags": "#golang -is:retweet", "second": "#rust"}`, "BOARD_NAMES=second,hashtags")
	lb := w.start("leaderboard")

	request := func(path, query string) []byte {
		t.Helper()
		var req events.LambdaFunctionURLRequest
		if err := json.Unmarshal(eventFile(t, "function-url-get.json"), &req); err != nil {
			t.Fatal(err)
		}
		req.RawPath, req.RequestContext.HTTP.Path, req.RawQueryString = path, path, query
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	checkBoard(t, invokeURL(t, lb, request("/", "")), "all", top(w.corpus.all, 10))
	resp := invokeURL(t, lb, request("/", "board=second"))
	if want := `"leaderboard":"second","view":"top","window":"all"`; resp.StatusCode != 200 || !strings.Contains(resp.Body, want) ||
		!strings.Contains(resp.Body, `"hashtags":[{"rank":1,"hashtag":"rust","spelling":"rust","count":3,"estimate":3,"margin":0},{"rank":2,"hashtag":"zig","spelling":"zig","count":2,"estimate":2,"margin":0}]`) {
		t.Errorf("board=second: %d %s", resp.StatusCode, resp.Body)
	}
	resp = invokeURL(t, lb, request("/boards", ""))
	if want := `{"boards":[{"name":"hashtags","query":"#golang -is:retweet"},{"name":"second","query":"#rust"}]}` + "\n"; resp.StatusCode != 200 || resp.Body != want {
		t.Errorf("GET /boards: %d %s, want %s", resp.StatusCode, resp.Body, want)
	}
	resp = invokeURL(t, lb, request("/", "board=rust"))
	if resp.StatusCode != 404 || !strings.Contains(resp.Body, `the boards are \"hashtags\", \"second\"`) {
		t.Errorf("board=rust: %d %s", resp.StatusCode, resp.Body)
	}
}
