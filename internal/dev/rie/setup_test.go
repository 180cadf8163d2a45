package rie_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// TestEmptyXSecret: the real bootstrap with the X secret the stack creates, {"bearer_token":""}. A
// run answers without an error and with "not_configured": true, sends nothing to X and marks the
// board, so the leaderboard answers "not_configured": true; once the secret is filled, the next run
// of the same execution environment reads it again, counts the posts and clears the mark.
func TestEmptyXSecret(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	arn, err := moto.CreateSecret(ctx, strings.ReplaceAll(t.Name(), "/", "-")+"-"+randomHex(t, 4)+"/x", `{"bearer_token":""}`)
	if err != nil {
		t.Fatal(err)
	}
	w.env["ingest"] = rie.MergeEnv(w.env["ingest"], "X_SECRET_ARN="+arn)
	emu := w.start("ingest")
	event := eventFile(t, "schedule.json")

	resp, err := emu.Invoke(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	if typ, msg, ok := resp.FunctionError(); ok || resp.Status != 200 {
		t.Fatalf("status %d, function error %s: %s; body %s\n%s", resp.Status, typ, msg, resp.Body, emu.Logs())
	}
	var keys map[string]any
	if err := json.Unmarshal(resp.Body, &keys); err != nil || keys["not_configured"] != true || keys["pages"] != 0.0 {
		t.Errorf("answer %s: want \"not_configured\": true and no page (%v)", resp.Body, err)
	}
	if n := len(w.x.SearchRequests()); n != 0 {
		t.Errorf("%d requests reached X without credentials, want 0", n)
	}
	// The function's output reaches the emulator's log through a pipe: wait for the line.
	hinted := func(logs string) bool {
		return strings.Contains(logs, `"level":"WARN"`) && strings.Contains(logs, "make x-secret")
	}
	logs := emu.Logs()
	for wait := time.Now().Add(10 * time.Second); !hinted(logs) && time.Now().Before(wait); logs = emu.Logs() {
		time.Sleep(50 * time.Millisecond)
	}
	if !hinted(logs) {
		t.Errorf("the log lacks the warning with the hint:\n%s", logs)
	}
	rdb := cluster.ClusterClient(reader.Name, reader.Password)
	defer rdb.Close()
	s, err := store.New(rdb, board)
	if err != nil {
		t.Fatal(err)
	}
	if unset, _, err := s.NotConfigured(ctx); err != nil || !unset {
		t.Errorf("the board's mark: %v, %v; want it set", unset, err)
	}

	// The leaderboard, as the reader user, says so instead of showing an empty board.
	get := eventFile(t, "function-url-get.json")
	if resp := invokeURL(t, w.start("leaderboard"), get); resp.StatusCode != 200 || !strings.Contains(resp.Body, `"not_configured":true`) {
		t.Errorf("leaderboard answer %d %s: want \"not_configured\": true", resp.StatusCode, resp.Body)
	}

	if _, err := moto.PutSecretValue(ctx, arn, `{"bearer_token":"`+w.token+`"}`); err != nil {
		t.Fatal(err)
	}
	res := invokeIngest(t, emu, event)
	if res.NotConfigured || res.PostsNew == 0 || len(w.x.SearchRequests()) == 0 {
		t.Errorf("the run after the secret was filled: %+v, %d requests; want posts counted", res, len(w.x.SearchRequests()))
	}
	if unset, _, err := s.NotConfigured(ctx); err != nil || unset {
		t.Errorf("the board's mark after a run with credentials: %v, %v; want it gone", unset, err)
	}
	if resp := invokeURL(t, w.start("leaderboard"), get); resp.StatusCode != 200 || strings.Contains(resp.Body, "not_configured") {
		t.Errorf("leaderboard answer %d %s after the secret was filled: want the board without the notice", resp.StatusCode, resp.Body)
	}
}
