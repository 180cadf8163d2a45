package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/rie"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
)

// TestInvoke runs `make invoke`'s command for both functions: the real bootstraps under the
// emulator, on the local redis-server and the X API stand-in with the bundled sample.
func TestInvoke(t *testing.T) {
	rie.RequireRIE(t)
	tests := []struct {
		name    string
		args    []string
		environ []string
		code    int
		check   func(t *testing.T, stdout []byte)
	}{
		{"ingest", []string{"-q", "-function", "ingest", "-event", "../../events/schedule.json"}, []string{"MAX_PAGES=3"}, 0,
			func(t *testing.T, stdout []byte) {
				var res ingest.Result
				if err := json.Unmarshal(stdout, &res); err != nil {
					t.Fatalf("stdout %s: %v", stdout, err)
				}
				// The sample has far more than 3 pages of posts in the past.
				// Read without a budget (the sample is free), so read whole: coverage 1.
				if want := (ingest.Totals{Pages: 3, PostsFetched: 300, PostsNew: 300, HashtagsCounted: res.HashtagsCounted,
					PostsHad: 300, Coverage: 1}); res.Totals != want || res.HashtagsCounted == 0 {
					t.Errorf("result %+v, want %+v with hashtags counted", res, want)
				}
				// The writer user keeps the deployment's X API quota: a fresh Redis read 300 today.
				if res.PostsReadToday != 300 || res.PostsRead != 300 {
					t.Errorf("result %+v, want 300 posts read today", res)
				}
				// The summary's keys before "posts" are still there, with the same values.
				var keys map[string]any
				if err := json.Unmarshal(stdout, &keys); err != nil || keys["tweets_fetched"] != 300.0 || keys["tweets_new"] != 300.0 {
					t.Errorf("summary %s: want the deprecated tweets_fetched and tweets_new too (%v)", stdout, err)
				}
			}},
		{"leaderboard seeded", []string{"-function", "leaderboard", "-event", "../../events/function-url-get.json"}, []string{"MAX_PAGES=2"}, 0,
			func(t *testing.T, stdout []byte) {
				var resp events.LambdaFunctionURLResponse
				if err := json.Unmarshal(stdout, &resp); err != nil {
					t.Fatalf("stdout %s: %v", stdout, err)
				}
				var body struct {
					Hashtags []struct {
						Rank  int
						Count int64
					}
				}
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || resp.StatusCode != 200 {
					t.Fatalf("status %d body %s: %v", resp.StatusCode, resp.Body, err)
				}
				if len(body.Hashtags) != 10 {
					t.Fatalf("%d hashtags after the seed run, want the top 10: %s", len(body.Hashtags), resp.Body)
				}
				for i, h := range body.Hashtags {
					if h.Rank != i+1 || h.Count < 1 || i > 0 && h.Count > body.Hashtags[i-1].Count {
						t.Errorf("entry %d %+v: want rank %d and counts descending", i, h, i+1)
					}
				}
			}},
		{"function error", []string{"-q", "-function", "ingest", "-event", "../../events/schedule.json"},
			[]string{"X_BEARER_TOKEN=not-a-token", "X_API_URL=http://127.0.0.1:1", "SEARCH_QUERY=#aws"}, 1,
			func(t *testing.T, stdout []byte) {
				if !strings.Contains(string(stdout), `"errorMessage"`) {
					t.Errorf("stdout %s: want the function's error object", stdout)
				}
			}},
		{"unknown function", []string{"-function", "api", "-event", "../../events/schedule.json"}, nil, 2, nil},
		{"no event", []string{"-function", "ingest"}, nil, 2, nil},
		{"missing event file", []string{"-function", "ingest", "-event", "no-such.json"}, nil, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, tc.environ, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, stdout.String(), stderr.String())
			}
			if tc.check != nil {
				tc.check(t, bytes.TrimSpace(stdout.Bytes()))
			}
			if t.Failed() {
				t.Logf("stderr:\n%s", stderr.String())
			}
		})
	}
}

// TestMakeInvokeStdout runs `make invoke` as the README shows it: stdout is the function's
// answer alone, one JSON document (so `make invoke ... | jq` works), and the logs, with the
// bootstrap's measured peak memory, go to stderr.
func TestMakeInvokeStdout(t *testing.T) {
	rieBin := rie.RequireRIE(t)
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("make", "--no-print-directory", "invoke", "FUNCTION=ingest", "EVENT=events/schedule.json", "RIE="+rieBin)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "MAX_PAGES=1")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("make invoke: %v\nstdout %s\nstderr %s", err, stdout.String(), stderr.String())
	}
	dec := json.NewDecoder(&stdout)
	var res ingest.Result
	if err := dec.Decode(&res); err != nil || res.Pages != 1 {
		t.Fatalf("stdout is not the ingest answer: %+v, %v\n%s", res, err, stdout.String())
	}
	if rest, _ := io.ReadAll(dec.Buffered()); len(bytes.TrimSpace(rest)) > 0 || stdout.Len() > 0 {
		t.Errorf("stdout has more than the answer: %q", rest)
	}
	for _, want := range []string{"REPORT RequestId", "ingest: peak memory", `"message":"ingest done"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}
