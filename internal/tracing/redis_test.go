package tracing_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/redis/go-redis/v9"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/tracing"
)

// newClient connects as the password-protected ACL user (HELLO 3 AUTH on
// every new connection, like the deployed client) with the hook added.
func newClient(t *testing.T) *redis.Client {
	t.Helper()
	tier.Skip(t, "redis-server")
	c := redis.NewClient(&redis.Options{Addr: redisSv.Addr, Username: "writer", Password: leakPassword})
	c.AddHook(tracing.RedisHook())
	t.Cleanup(func() { c.Close() })
	return c
}

func assertNoLeak(t *testing.T, raw [][]byte) {
	t.Helper()
	for _, p := range raw {
		for _, secret := range []string{leakPassword, leakValue} {
			if bytes.Contains(p, []byte(secret)) {
				t.Errorf("emitted trace contains %q: %s", secret, p)
			}
		}
	}
}

// flatten lists d's subsegments depth first.
func flatten(d doc) []doc {
	var out []doc
	for _, c := range d.children() {
		out = append(out, c)
		out = append(out, flatten(c)...)
	}
	return out
}

func TestRedisHookWithinSegment(t *testing.T) {
	rdb := newClient(t)
	// Script.Run must meet NOSCRIPT first, whatever ran before.
	if err := redisSv.Client().ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	ctx, seg := xray.BeginSegment(context.Background(), "tracing-test")

	type step struct {
		name    string
		run     func(context.Context) error
		wantErr bool // the call itself fails
	}
	getScript := redis.NewScript(`return redis.call('GET', KEYS[1])`)
	failScript := redis.NewScript(`return redis.error_reply('rejected ' .. ARGV[1])`)
	steps := []step{
		{name: "set", run: func(ctx context.Context) error { return rdb.Set(ctx, "k:str", leakValue, 0).Err() }},
		{name: "get hit", run: func(ctx context.Context) error { return rdb.Get(ctx, "k:str").Err() }},
		{name: "get miss", run: func(ctx context.Context) error {
			if err := rdb.Get(ctx, "k:missing").Err(); err != redis.Nil {
				return errors.New("want redis.Nil")
			}
			return nil
		}},
		{name: "wrongtype", wantErr: true, run: func(ctx context.Context) error { return rdb.LPush(ctx, "k:str", leakValue).Err() }},
		{name: "pipeline", wantErr: true, run: func(ctx context.Context) error {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, "k:n")
				p.Get(ctx, "k:missing")
				p.HSet(ctx, "k:str", "f", leakValue)
				return nil
			})
			return err
		}},
		{name: "transaction", run: func(ctx context.Context) error {
			_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, "k:n")
				p.Expire(ctx, "k:n", 0)
				return nil
			})
			return err
		}},
		{name: "script", run: func(ctx context.Context) error {
			v, err := getScript.Run(ctx, rdb, []string{"k:str"}).Text()
			if err == nil && v != leakValue {
				return errors.New("script returned the wrong value")
			}
			return err
		}},
		{name: "script error", wantErr: true, run: func(ctx context.Context) error {
			return failScript.Eval(ctx, rdb, []string{"k:str"}, leakValue).Err()
		}},
		{name: "unknown command", wantErr: true, run: func(ctx context.Context) error {
			return rdb.Do(ctx, "NOSUCHCMD", leakValue, leakPassword).Err()
		}},
		{name: "auth", run: func(ctx context.Context) error {
			return rdb.Do(ctx, "AUTH", "writer", leakPassword).Err()
		}},
		{name: "acl error", wantErr: true, run: func(ctx context.Context) error {
			return rdb.Do(ctx, "ACL", "SETUSER", "someone", "<"+leakPassword).Err()
		}},
	}
	for _, s := range steps {
		err := s.run(ctx)
		if (err != nil) != s.wantErr {
			t.Fatalf("%s: err = %v, wantErr %v", s.name, err, s.wantErr)
		}
	}
	seg.Close(nil)

	docs, raw := collect(t, seg.TraceID, func(ds []doc) bool {
		return slices.ContainsFunc(ds, func(d doc) bool { return d.str("id") == seg.ID })
	})
	assertNoLeak(t, raw)

	var root doc
	var top []doc // the hook's subsegments directly under the segment
	for _, d := range docs {
		if d.str("id") == seg.ID {
			root = d
			top = append(top, root.children()...)
		} else if d.str("type") == "subsegment" && d.str("parent_id") == seg.ID {
			top = append(top, d) // streamed separately
		}
	}
	var got []string
	for _, d := range top {
		if d.str("name") != "redis" || d.str("namespace") != "remote" {
			t.Errorf("subsegment name=%q namespace=%q, want redis/remote", d.str("name"), d.str("namespace"))
		}
		got = append(got, d.annotation("redis_command"))
	}
	want := []string{"set", "get", "get", "lpush", "pipeline", "pipeline", "evalsha", "eval", "eval", "nosuchcmd", "auth", "acl"}
	if !slices.Equal(got, want) {
		t.Fatalf("redis_command annotations = %q, want %q", got, want)
	}

	byIdx := func(i int) doc { return top[i] }
	for i, d := range top {
		if cmd, _ := d.meta("redis", "command").(string); d.annotation("redis_command") != "pipeline" && cmd != want[i] {
			t.Errorf("subsegment %d metadata redis.command = %v, want %s", i, d.meta("redis", "command"), want[i])
		}
	}

	// Errors: a miss and NOSCRIPT are not faults; real errors are, with
	// the reply type and no argument.
	faults := map[int]string{3: "redis.WRONGTYPE", 4: "redis.WRONGTYPE", 8: "redis.ERR", 9: "redis.ERR", 11: "redis.ERR"}
	for i, d := range top {
		wantType, wantFault := faults[i]
		if d.fault() != wantFault {
			t.Errorf("subsegment %d (%s) fault = %v, want %v; cause %v", i, want[i], d.fault(), wantFault, d.exceptions())
			continue
		}
		if !wantFault {
			continue
		}
		ex := d.exceptions()
		if len(ex) != 1 || ex[0][0] != wantType {
			t.Errorf("subsegment %d (%s) exceptions = %q, want one of type %s", i, want[i], ex, wantType)
		}
	}
	if msg := byIdx(4).exceptions(); len(msg) == 1 && !strings.HasPrefix(msg[0][1], "hset: WRONGTYPE") {
		t.Errorf("pipeline exception message = %q, want it to name hset", msg[0][1])
	}
	if msg := byIdx(8).exceptions(); len(msg) == 1 && !strings.Contains(msg[0][1], "withheld") {
		t.Errorf("script error message = %q, want it withheld", msg[0][1])
	}
	if msg := byIdx(9).exceptions(); len(msg) == 1 && !strings.Contains(msg[0][1], "unknown command") {
		t.Errorf("unknown command message = %q", msg[0][1])
	}
	if noscript, _ := byIdx(6).meta("redis", "noscript").(bool); !noscript {
		t.Errorf("evalsha subsegment lacks metadata redis.noscript")
	}

	// Pipelines list their command names in order.
	names := func(d doc) []string {
		var out []string
		list, _ := d.meta("redis", "commands").([]any)
		for _, n := range list {
			s, _ := n.(string)
			out = append(out, s)
		}
		return out
	}
	if got := names(byIdx(4)); !slices.Equal(got, []string{"incr", "get", "hset"}) {
		t.Errorf("pipeline commands = %q", got)
	}
	if got := names(byIdx(5)); !slices.Equal(got, []string{"multi", "incr", "expire", "exec"}) {
		t.Errorf("transaction commands = %q", got)
	}

	// The first command opened the connection: the HELLO that carries the
	// password is nested under it, by name only (assertNoLeak above).
	var hello bool
	for _, d := range flatten(byIdx(0)) {
		if d.annotation("redis_command") == "hello" {
			hello = true
		}
	}
	if !hello {
		t.Errorf("first command has no nested hello subsegment")
	}
}

// TestRedisHookLambdaFacade runs commands as a Lambda invocation does: no
// segment, only the trace header aws-lambda-go puts in the context. Each
// subsegment is then emitted on its own under the facade.
func TestRedisHookLambdaFacade(t *testing.T) {
	rdb := newClient(t)
	traceID := xray.NewTraceID()
	parent := xray.NewSegmentID()
	//lint:ignore SA1029 aws-lambda-go stores the header under this plain string key
	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+traceID+";Parent="+parent+";Sampled=1")

	if err := rdb.Set(ctx, "k:facade", leakValue, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Get(ctx, "k:facade").Err(); err != nil {
		t.Fatal(err)
	}
	docs, raw := collect(t, traceID, func(ds []doc) bool { return len(ds) >= 2 })
	assertNoLeak(t, raw)
	for i, d := range docs {
		if d.str("type") != "subsegment" || d.str("parent_id") != parent || d.str("name") != "redis" || d.str("namespace") != "remote" {
			t.Errorf("doc %d: type=%q parent=%q name=%q namespace=%q", i, d.str("type"), d.str("parent_id"), d.str("name"), d.str("namespace"))
		}
	}
	if got := []string{docs[0].annotation("redis_command"), docs[1].annotation("redis_command")}; !slices.Equal(got, []string{"set", "get"}) {
		t.Errorf("commands = %q, want set, get", got)
	}

	// Not sampled: the commands work and nothing is emitted.
	before := emitter.count()
	//lint:ignore SA1029 aws-lambda-go stores the header under this plain string key
	unsampled := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+xray.NewTraceID()+";Parent="+parent+";Sampled=0")
	if err := rdb.Get(unsampled, "k:facade").Err(); err != nil {
		t.Fatal(err)
	}
	if n := emitter.count() - before; n != 0 {
		t.Errorf("unsampled invocation emitted %d documents", n)
	}
}
