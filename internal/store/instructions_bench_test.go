package store_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

// BenchmarkRecordInstructions counts the instructions Redis executes to record the batches of
// BenchmarkRecord, on the three boards of BenchmarkRecord (author tracking with authors from
// 50,000, author tracking with every author new, no author tracking), each on its own
// redis-server under valgrind's callgrind, which counts only inside EVAL/EVALSHA. On a fixed
// clock the count is the same in every run, whatever else the machine does: it is the cost
// ratio that wall-clock posts/s on a shared machine can only approximate. Each board first
// records 7 runs of BenchmarkRecord's batches (all 64 of them, so the first board is in the same
// state as there: its authors have used their hashtags in that hour before), and then the 6
// runs of 10 batches that are counted, an upkeep before and after each run (callgrind_control
// dumps the counts between the two). It reports the instructions per batch of each (upkeeps
// included) and the ratios of the two tracked boards to the plain one. It is skipped without valgrind.
func BenchmarkRecordInstructions(b *testing.B) {
	for _, tool := range []string{"valgrind", "callgrind_control"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed (make deps installs valgrind)", tool)
		}
	}
	const batches = 60
	modes := []string{"tracked", "new-authors", "plain"}
	var per [3]float64
	for range b.N {
		for i, mode := range modes {
			per[i] = float64(recordInstructions(b, mode, batches)) / batches
		}
	}
	b.ReportMetric(per[0], "instr/batch")
	b.ReportMetric(per[1], "new-authors-instr/batch")
	b.ReportMetric(per[2], "plain-instr/batch")
	b.ReportMetric(per[0]/per[2], "x-plain-instr")
	b.ReportMetric(per[1]/per[2], "new-authors-x-plain-instr")
}

// recordInstructions starts the engine of env.Standalone (valkey-server) under callgrind, records
// 70 batches on a board of mode and then n more, in runs of 10 between upkeeps, and returns the
// instructions counted inside scripts for the n.
func recordInstructions(b *testing.B, mode string, n int) int64 {
	b.Helper()
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	out := filepath.Join(b.TempDir(), "callgrind.out")
	cmd := exec.Command("valgrind", "--tool=callgrind", "--toggle-collect=evalShaCommand", "--toggle-collect=evalCommand",
		"--callgrind-out-file="+out, env.Standalone.Engine.Program(), "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	cmd.Stdout, cmd.Stderr = os.Stderr, nil
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), ReadTimeout: time.Minute, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(time.Minute)
	for rdb.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			b.Fatalf("redis-server under valgrind on port %d did not answer in a minute", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
	now := time.Date(2026, 12, 2, 10, 7, 30, 0, time.UTC)
	opts := []store.Option{store.WithClock(func() time.Time { return now })}
	if mode == "plain" {
		opts = append(opts, store.WithoutTrending())
	}
	s, err := store.New(rdb, "instructions", opts...)
	if err != nil {
		b.Fatal(err)
	}
	const warm = 70 // every one of the 64 batches once, in whole runs
	id := 0
	for k := range warm + n {
		if k == warm {
			// Dump what the first 64 cost: the final dump then holds only the rest.
			if msg, err := exec.Command("callgrind_control", "-d", strconv.Itoa(cmd.Process.Pid)).CombinedOutput(); err != nil {
				b.Fatalf("callgrind_control -d: %v: %s", err, msg)
			}
			if _, err := os.Stat(out + ".1"); err != nil {
				b.Fatalf("no dump after callgrind_control -d: %v", err)
			}
		}
		if k%10 == 0 {
			if err := s.Upkeep(ctx); err != nil {
				b.Fatal(err)
			}
		}
		var posts []store.Post
		for range 100 {
			id++
			p := recordBenchPost((id-1)%(recordBatches*100)+1, now) // BenchmarkRecord's batches, in turn
			p.ID = strconv.Itoa(id)
			if mode == "new-authors" {
				p.AuthorID = p.ID
			}
			posts = append(posts, p)
		}
		if res, err := s.Record(ctx, posts); err != nil || res.New != len(posts) {
			b.Fatalf("record on %s: %+v, %v", mode, res, err)
		}
		if k%10 == 9 {
			if err := s.Upkeep(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	rdb.Do(ctx, "SHUTDOWN", "NOSAVE") // the connection closes: no reply
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		b.Fatal("redis-server under valgrind did not stop in a minute")
	}
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^(?:summary|totals): (\d+)`).FindSubmatch(data)
	if m == nil {
		b.Fatalf("no instruction total in %s", out)
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}
