package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/redistest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/tracing"
)

// Recognisable values that must never reach a trace.
const (
	leakPassword = "Pw-LEAK-7d1f0c"
	leakValue    = "Value-LEAK-93ab2e"
)

var (
	daemon  *udpDaemon
	emitter *countingEmitter
	logs    = &logCapture{}
	redisSv *redistest.Standalone
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	slog.SetDefault(slog.New(logs))

	var err error
	daemon, err = startDaemon()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start UDP daemon stand-in:", err)
		return 1
	}
	defer daemon.conn.Close()
	// As in Lambda: the daemon address comes from the environment.
	os.Setenv("AWS_XRAY_DAEMON_ADDRESS", daemon.conn.LocalAddr().String())
	os.Unsetenv("AWS_XRAY_CONTEXT_MISSING")
	os.Unsetenv("AWS_XRAY_SDK_DISABLED")
	if err := tracing.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "tracing.Init:", err)
		return 1
	}
	// Count emissions (the UDP packets carry the content) and sample every
	// segment the tests begin themselves; Lambda-style facade segments
	// take the decision from the trace header instead.
	de, err := xray.NewDefaultEmitter(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	emitter = &countingEmitter{DefaultEmitter: de}
	if err := xray.Configure(xray.Config{Emitter: emitter, SamplingStrategy: alwaysSample{}}); err != nil {
		fmt.Fprintln(os.Stderr, "configure X-Ray:", err)
		return 1
	}

	if tier.Short() {
		return m.Run() // no redis-server: the tests that need it skip in needRedis
	}
	redisSv, err = redistest.StartStandalone(redistest.StandaloneOptions{
		Users: []redistest.User{{Name: "writer", Password: leakPassword, Access: "~* &* +@all"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start redis:", err)
		return 1
	}
	defer redisSv.Stop()
	return m.Run()
}

type alwaysSample struct{}

func (alwaysSample) ShouldTrace(*sampling.Request) *sampling.Decision {
	return &sampling.Decision{Sample: true}
}

// countingEmitter counts sampled emissions and sends them on over UDP.
type countingEmitter struct {
	*xray.DefaultEmitter
	mu sync.Mutex
	n  int
}

func (e *countingEmitter) Emit(seg *xray.Segment) {
	if seg != nil && seg.ParentSegment.Sampled {
		e.mu.Lock()
		e.n++
		e.mu.Unlock()
	}
	e.DefaultEmitter.Emit(seg)
}

func (e *countingEmitter) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// udpDaemon stands in for the X-Ray daemon: it keeps every datagram.
type udpDaemon struct {
	conn    *net.UDPConn
	packets chan []byte
}

func startDaemon() (*udpDaemon, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	d := &udpDaemon{conn: conn, packets: make(chan []byte, 4096)}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				close(d.packets)
				return
			}
			d.packets <- bytes.Clone(buf[:n])
		}
	}()
	return d, nil
}

// doc is one emitted segment or subsegment document.
type doc map[string]any

func (d doc) str(k string) string { s, _ := d[k].(string); return s }

func (d doc) children() []doc {
	raw, _ := d["subsegments"].([]any)
	out := make([]doc, 0, len(raw))
	for _, r := range raw {
		if m, ok := r.(map[string]any); ok {
			out = append(out, doc(m))
		}
	}
	return out
}

// annotation returns annotations[k] as a string.
func (d doc) annotation(k string) string {
	a, _ := d["annotations"].(map[string]any)
	s, _ := a[k].(string)
	return s
}

// meta returns metadata[ns][k].
func (d doc) meta(ns, k string) any {
	m, _ := d["metadata"].(map[string]any)
	n, _ := m[ns].(map[string]any)
	return n[k]
}

func (d doc) fault() bool { f, _ := d["fault"].(bool); return f }

// exceptions returns the (type, message) pairs in cause.exceptions.
func (d doc) exceptions() [][2]string {
	c, _ := d["cause"].(map[string]any)
	ex, _ := c["exceptions"].([]any)
	var out [][2]string
	for _, e := range ex {
		m, _ := e.(map[string]any)
		t, _ := m["type"].(string)
		msg, _ := m["message"].(string)
		out = append(out, [2]string{t, msg})
	}
	return out
}

// collect reads emitted documents for traceID until done says it has
// what it needs. It returns those documents and the raw datagrams read
// (all of them, for leak checks). The deadline only keeps a broken test
// from hanging; it never decides a pass.
func collect(t *testing.T, traceID string, done func([]doc) bool) ([]doc, [][]byte) {
	t.Helper()
	var docs []doc
	var raw [][]byte
	guard := time.After(30 * time.Second)
	for !done(docs) {
		select {
		case p, ok := <-daemon.packets:
			if !ok {
				t.Fatal("UDP listener closed")
			}
			raw = append(raw, p)
			header, body, found := bytes.Cut(p, []byte("\n"))
			if !found || !bytes.Contains(header, []byte(`"format"`)) {
				t.Fatalf("datagram without the X-Ray header line: %q", p)
			}
			var d doc
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatalf("datagram body is not JSON: %v", err)
			}
			if d.str("trace_id") == traceID {
				docs = append(docs, d)
			}
		case <-guard:
			t.Fatalf("gave up waiting for the segments of trace %s; got %d documents", traceID, len(docs))
		}
	}
	return docs, raw
}

// logCapture is a slog.Handler keeping every record.
type logCapture struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r.Clone())
	h.mu.Unlock()
	return nil
}

func (h *logCapture) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logCapture) WithGroup(string) slog.Handler      { return h }

func (h *logCapture) since(i int) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Record(nil), h.records[i:]...)
}

func (h *logCapture) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.records)
}
