package coldstart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/coldstart"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/ingest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/xapitest"
)

// TestIngestRunIsTraced runs one ingest invocation, wired as the Lambda main wires it, inside
// a Lambda trace context and reads what reaches the X-Ray daemon address over UDP: every Redis
// call and the X API call are subsegments in the remote namespace, and no secret is sent.
func TestIngestRunIsTraced(t *testing.T) {
	f := setup(t)
	const bearer = "bearer-LEAK-5e1d"
	x, err := xapitest.New([]xapitest.Tweet{{CreatedAt: time.Now().Add(-time.Minute), Text: "#traced post"}},
		xapitest.Options{BearerToken: bearer, MatchAll: true})
	if err != nil {
		t.Fatal(err)
	}
	x.Start()
	defer x.Close()
	vars := map[string]string{
		"MEMORYDB_USERNAME": writer.Name, "MEMORYDB_PASSWORD": writer.Password,
		"X_API_URL": x.URL(), "X_BEARER_TOKEN": bearer,
	}
	for k, v := range vars {
		f.env[k] = v
	}

	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	env := coldstart.New(f.getenv) // tracing.Init, as in the mains
	if err := xray.Configure(xray.Config{DaemonAddr: udp.LocalAddr().String()}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadIngest(f.getenv)
	if err != nil {
		t.Fatal(err)
	}
	stores, err := env.Boards(context.Background(), cfg.Redis, config.Names(cfg.Boards))
	if err != nil {
		t.Fatal(err)
	}
	sources, err := env.Sources(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	feeds, err := ingest.Feeds(cfg.Boards, sources, stores)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ingest.New(feeds, stores[0].Quota(), ingest.Config{Logger: env.Log})
	if err != nil {
		t.Fatal(err)
	}

	traceID, parent := xray.NewTraceID(), xray.NewSegmentID()
	//lint:ignore SA1029 aws-lambda-go stores the trace header under this plain string key
	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+traceID+";Parent="+parent+";Sampled=1")
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if res, err := h.Handle(ctx, events.EventBridgeEvent{ID: "e"}); err != nil || res.PostsNew != 1 {
		t.Fatalf("Handle: %+v, %v", res, err)
	}

	xHost := strings.TrimPrefix(x.URL(), "http://")
	// Collect the documents of this trace until the run's calls are all there (bounded).
	var names, commands []string
	var raw bytes.Buffer
	want := []string{"hgetall", "evalsha", "evalsha"} // checkpoint, record, save checkpoint
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 65536)
	for time.Now().Before(deadline) && !(containsAll(commands, want) && slices.Contains(names, xHost)) {
		_ = udp.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, _, err := udp.ReadFromUDP(buf)
		if err != nil {
			continue
		}
		raw.Write(buf[:n])
		_, body, _ := bytes.Cut(buf[:n], []byte("\n"))
		var d map[string]any
		if json.Unmarshal(body, &d) != nil || d["trace_id"] != traceID {
			continue
		}
		if d["namespace"] != "remote" {
			t.Errorf("subsegment %v has namespace %v, want remote", d["name"], d["namespace"])
		}
		names = append(names, d["name"].(string))
		if ann, ok := d["annotations"].(map[string]any); ok {
			if c, ok := ann["redis_command"].(string); ok {
				commands = append(commands, c)
			}
		}
	}
	if !containsAll(commands, want) {
		t.Errorf("redis subsegments %v, want at least %v", commands, want)
	}
	if !slices.Contains(names, xHost) {
		t.Errorf("no X API subsegment among %v", names)
	}
	for _, secret := range []string{bearer, writer.Password} {
		if strings.Contains(raw.String(), secret) {
			t.Errorf("a trace document contains a secret")
		}
	}
}

// containsAll reports whether got holds every element of want, counting repeats.
func containsAll(got, want []string) bool {
	left := slices.Clone(got)
	for _, w := range want {
		i := slices.Index(left, w)
		if i < 0 {
			return false
		}
		left = slices.Delete(left, i, i+1)
	}
	return true
}
