package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/sample"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// guard bounds each wait of the end-to-end test so that a hang fails instead of blocking the
// suite; the test never passes or fails on how fast anything is.
const guard = 3 * time.Minute

type entry struct {
	Hashtag string `json:"hashtag"`
	Count   int64  `json:"count"`
}

// expectedTop computes, from the sample file alone, the top 10 of every window of a default
// board at the instant t0 (a 6-hour boundary, so every window's oldest bucket starts exactly at
// its edge, see internal/store/doc.go) for a run whose clock stands at t0, and how many posts
// the board fetches. The board "hashtags" has every post; "aws" ("#aws -is:retweet") the posts
// with the hashtag aws that are not retweets, without counting aws itself:
//   - the run moves the sample by t0 - sample.Anchor (t0 is a whole second);
//   - the X API returns the posts created in (t0-7d, t0];
//   - a post's hashtags are the entities X reports for it: parsed from its text, or from
//     note_text for a long post (xapitest.ParseEntities, what the stand-in sends; the sample's
//     generator checks these agree with hashtag.Extract);
//   - possibly_sensitive posts count no hashtag (SKIP_SENSITIVE defaults to true);
//   - a hashtag counts once per post in its canonical form: NFC, then language-neutral
//     lower-casing, then NFC (golang.org/x/text here, not package hashtag);
//   - window w holds the posts created at or after t0-w; all and 7d hold every post returned.
//
// The top 10 is ordered by count descending, then hashtag ascending in byte order.
func expectedTop(t *testing.T, t0 time.Time, board string) (map[string][]entry, int) {
	t.Helper()
	posts, err := xapitest.ParseCorpus(sample.Raw())
	if err != nil {
		t.Fatal(err)
	}
	shift := t0.Sub(sample.Anchor)
	lower := cases.Lower(language.Und)
	since := map[string]time.Time{"all": {}, "7d": t0.Add(-7 * 24 * time.Hour), "24h": t0.Add(-24 * time.Hour), "1h": t0.Add(-time.Hour)}
	counts := map[string]map[string]int64{}
	for w := range since {
		counts[w] = map[string]int64{}
	}
	fetched := 0
	for _, p := range posts {
		at := p.CreatedAt.Add(shift)
		if at.After(t0) || !at.After(t0.Add(-7*24*time.Hour)) {
			continue
		}
		text := p.Text
		if p.NoteText != "" {
			text = p.NoteText
		}
		tags := map[string]bool{}
		for _, h := range xapitest.ParseEntities(text).Hashtags {
			tags[norm.NFC.String(lower.String(norm.NFC.String(h.Tag)))] = true
		}
		if board == "aws" {
			retweet := slices.ContainsFunc(p.ReferencedTweets, func(r xapitest.ReferencedTweet) bool { return r.Type == "retweeted" })
			if !tags["aws"] || retweet {
				continue
			}
			delete(tags, "aws")
		}
		fetched++
		if p.PossiblySensitive {
			continue
		}
		for w, from := range since {
			if !at.Before(from) {
				for tag := range tags {
					counts[w][tag]++
				}
			}
		}
	}
	top := map[string][]entry{}
	for w, c := range counts {
		var es []entry
		for tag, n := range c {
			es = append(es, entry{tag, n})
		}
		slices.SortFunc(es, func(a, b entry) int {
			if a.Count != b.Count {
				return int(b.Count - a.Count)
			}
			return strings.Compare(a.Hashtag, b.Hashtag)
		})
		top[w] = es[:min(10, len(es))]
	}
	return top, fetched
}

// lines collects a process's output lines and lets the test wait for one.
type lines struct {
	mu   sync.Mutex
	all  []string
	more chan struct{}
}

func collect(r io.Reader) *lines {
	l := &lines{more: make(chan struct{}, 1)}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			l.mu.Lock()
			l.all = append(l.all, s.Text())
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

// await returns the first line that match accepts, failing after guard.
func (l *lines) await(t *testing.T, what string, match func(string) bool, diag func() string) string {
	t.Helper()
	deadline := time.After(guard)
	for i := 0; ; {
		l.mu.Lock()
		for ; i < len(l.all); i++ {
			if match(l.all[i]) {
				line := l.all[i]
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s within %s:\n%s", what, guard, diag())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process to write and the test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLocalRunEndToEnd builds the command and runs it as a user would, on the embedded Redis
// and the bundled sample, with the clock frozen at a 6-hour boundary (LOCAL_NOW): it waits
// until ingest has caught up, checks every window's top 10 against the counts the sample
// implies, fetches the dashboard, and stops the command with Ctrl-C (SIGINT).
func TestLocalRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole local app over a minute and more: skipped under -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build cmd/local: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "local")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t0 := time.Now().UTC().Truncate(6 * time.Hour)
	want, all := expectedTop(t, t0, "hashtags")
	wantAWS, withAWS := expectedTop(t, t0, "aws")
	// The sample promises windows that differ, with a known leader over the week.
	for _, w := range []string{"all", "7d", "24h", "1h"} {
		if len(want[w]) != 10 {
			t.Fatalf("the sample gives %s only %d hashtags: %v", w, len(want[w]), want[w])
		}
	}
	if want["all"][0].Hashtag != "aws" || slices.Equal(want["1h"], want["24h"]) || slices.Equal(want["24h"], want["7d"]) {
		t.Fatalf("the sample's windows: %v", want)
	}
	if all != 3200 || withAWS == 0 || withAWS >= 1000 || len(wantAWS["all"]) != 10 {
		t.Fatalf("the sample has %d posts, %d with #aws (top %v)", all, withAWS, wantAWS["all"])
	}

	cmd := exec.Command(bin, "-port", "0", "-interval", "1s")
	cmd.Env = cleanEnv("LOCAL_NOW=" + t0.Format(time.RFC3339))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	out := collect(stdout)
	diag := func() string { return "stdout:\n" + out.String() + "\nstderr:\n" + stderr.String() }

	startLine := out.await(t, "start-up line", func(s string) bool { return strings.HasPrefix(s, "Hashtag leaderboard running at ") }, diag)
	url := regexp.MustCompile(`^Hashtag leaderboard running at (http://localhost:\d+) `).FindStringSubmatch(startLine)
	if url == nil {
		t.Fatalf("start-up line %q has no URL", startLine)
	}
	base := url[1]
	first := out.await(t, "first ingest line", func(s string) bool { return strings.Contains(s, " ingest #1: ") }, diag)
	// The default boards share MAX_PAGES (10), one page each per round: up to five pages of the
	// posts with #aws, the others of every post.
	aws := min(withAWS, 500)
	read1 := aws + (10-(aws+99)/100)*100
	firstRE := fmt.Sprintf(`^\d\d:\d\d:\d\d ingest #1: 10 pages, %d posts, %[1]d new, \d+ hashtags counted; more to fetch next run$`, read1)
	if !regexp.MustCompile(firstRE).MatchString(first) {
		t.Errorf("first progress line: %q, want it to match %s", first, firstRE)
	}
	budget := out.await(t, "first budget line", func(s string) bool { return strings.Contains(s, " x api: ") }, diag)
	if want := fmt.Sprintf("         x api: %d posts read today; the bundled sample is free (on X: $%.2f at $0.005 a post)", read1, float64(read1)*0.005); budget != want {
		t.Errorf("budget line %q, want %q", budget, want)
	}
	out.await(t, "caught-up ingest line", func(s string) bool { return strings.HasSuffix(s, "; caught up") }, diag)

	for _, b := range []struct {
		board, query string
		want         map[string][]entry
	}{{"hashtags", "", want}, {"aws", "board=aws&", wantAWS}} {
		for _, w := range []string{"all", "7d", "24h", "1h"} {
			checkTop(t, base+"/?"+b.query+"window="+w+"&limit=10", b.board, w, b.want[w])
		}
	}
	var boards struct {
		Boards []struct{ Name, Query string } `json:"boards"`
	}
	if err := json.Unmarshal(get(t, base+"/boards", "", "application/json"), &boards); err != nil ||
		fmt.Sprint(boards.Boards) != `[{hashtags sample -is:retweet} {aws #aws -is:retweet}]` {
		t.Errorf("GET /boards = %+v, %v; want the sample's two boards", boards, err)
	}
	// The default answer is the default board's all-time top 10 as JSON.
	var def struct {
		Hashtags []entry `json:"hashtags"`
	}
	if err := json.Unmarshal(get(t, base+"/", "", "application/json"), &def); err != nil || !slices.Equal(def.Hashtags, want["all"]) {
		t.Errorf("GET / = %v, %v; want %v", def.Hashtags, err, want["all"])
	}
	page := get(t, base+"/", "text/html", "text/html")
	if !bytes.HasPrefix(bytes.ToLower(page), []byte("<!doctype html>")) || json.Valid(page) {
		t.Errorf("the dashboard is not an HTML page: %.200s", page)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGINT: %v\n%s", err, diag())
		}
	case <-time.After(guard):
		t.Fatalf("still running %s after SIGINT:\n%s", guard, diag())
	}
	out.await(t, "Stopped line", func(s string) bool { return s == "Stopped." }, diag)
	if s := stderr.String(); strings.Contains(s, `"level":"ERROR"`) {
		t.Errorf("errors logged:\n%s", s)
	}
	// Without -v the terminal shows the human lines only: no EMF metric records (JSON for
	// CloudWatch, with an "_aws" key) on either stream.
	if s := stderr.String() + out.String(); strings.Contains(s, `"_aws"`) {
		t.Errorf("metric records shown without -v:\n%s", diag())
	}
}

// checkTop fetches url, a board's top 10 of window w, and compares it with want.
func checkTop(t *testing.T, url, board, w string, want []entry) {
	t.Helper()
	body := get(t, url, "application/json", "application/json")
	var got struct {
		Leaderboard string `json:"leaderboard"`
		Window      string `json:"window"`
		Hashtags    []struct {
			Rank int `json:"rank"`
			entry
		} `json:"hashtags"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%s: %v in %s", w, err, body)
	}
	var entries []entry
	for i, h := range got.Hashtags {
		if h.Rank != i+1 {
			t.Errorf("%s: rank %d at position %d", w, h.Rank, i+1)
		}
		entries = append(entries, h.entry)
	}
	if got.Leaderboard != board || got.Window != w || !slices.Equal(entries, want) {
		t.Errorf("%s window %s: leaderboard %q, window %q, top 10\n got %v\nwant %v", board, w, got.Leaderboard, got.Window, entries, want)
	}
}

// get fetches url with the Accept header accept and checks the status and Content-Type.
func get(t *testing.T, url, accept, wantType string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) {
		t.Fatalf("GET %s (Accept %q): %d %s\n%.300s", url, accept, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return body
}

// cleanEnv is this process's environment without the variables the command reads, plus extra.
func cleanEnv(extra ...string) []string {
	read := []string{"PORT", "INGEST_INTERVAL", "REDIS_URL", "LOCAL_NOW", "BOARDS", "BOARD_NAMES", "SEARCH_QUERY", "LEADERBOARD", "MAX_PAGES",
		"SKIP_SENSITIVE", "EXCLUDE_HASHTAGS", "CACHE_TTL", "TWITTER_", "X_", "MEMORYDB_", "LOG_LEVEL"}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(read, func(r string) bool { return name == r || strings.HasSuffix(r, "_") && strings.HasPrefix(name, r) }) {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
