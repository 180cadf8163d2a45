package tracing

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/exception"
	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/redis/go-redis/v9"
)

const (
	// redisName names the Redis subsegments (the node on the X-Ray service map).
	redisName = "redis"

	// metadataNamespace holds the command names in each subsegment.
	metadataNamespace = "redis"
	// maxNames caps the command names listed for one pipeline.
	maxNames = 100
	// maxErrors caps the errors recorded on one pipeline subsegment.
	maxErrors = 10
	// maxNameLen caps one command name (the first argument, by definition
	// the command, but a caller's Do could pass anything).
	maxNameLen = 32
)

// RedisHook returns a go-redis v9 hook (client.AddHook) that records, for
// calls with a traced context, under the name "redis":
//   - each command as a subsegment in namespace "remote" with the command
//     name in annotation redis_command and metadata redis.command;
//   - each pipeline or transaction as one subsegment with annotation
//     redis_command "pipeline" and metadata redis.commands (the names, in
//     order, at most 100) and redis.command_count;
//   - the commands go-redis sends to set up a new connection (HELLO, with
//     the credentials) nested under the command that needed it;
//   - errors (not redis.Nil, which is a miss, nor the NOSCRIPT reply that
//     Script.Run answers with EVAL) as exceptions, with any arguments the
//     server echoes removed, and for script calls the server's message
//     withheld.
//
// Argument values, including AUTH and HELLO credentials, are never recorded.
func RedisHook() redis.Hook { return &redisHook{} }

type redisHook struct{}

// DialHook passes dials through untraced: go-redis v9 dials pooled
// connections from a pool goroutine on context.Background(), so there is no
// trace context to attach to. Connection set-up still shows, as the HELLO
// (and CLIENT) commands nested under the command that needed the
// connection.
func (h *redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return next
}

func (h *redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !traced(ctx) {
			return next(ctx, cmd)
		}
		ctx, seg := h.begin(ctx)
		if seg == nil {
			return next(ctx, cmd)
		}
		name := cmdName(cmd)
		_ = seg.AddAnnotation("redis_command", name)
		_ = seg.AddMetadataToNamespace(metadataNamespace, "command", name)
		err := next(ctx, cmd)
		h.recordError(seg, name, err)
		seg.Close(nil)
		return err
	}
}

func (h *redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !traced(ctx) {
			return next(ctx, cmds)
		}
		ctx, seg := h.begin(ctx)
		if seg == nil {
			return next(ctx, cmds)
		}
		names := make([]string, 0, min(len(cmds), maxNames))
		for _, c := range cmds[:min(len(cmds), maxNames)] {
			names = append(names, cmdName(c))
		}
		_ = seg.AddAnnotation("redis_command", "pipeline")
		_ = seg.AddMetadataToNamespace(metadataNamespace, "commands", names)
		_ = seg.AddMetadataToNamespace(metadataNamespace, "command_count", len(cmds))

		err := next(ctx, cmds)

		recorded := 0
		seen := map[string]bool{}
		for _, c := range cmds {
			cerr := c.Err()
			if cerr == nil || recorded == maxErrors {
				continue
			}
			key := cmdName(c) + "\x00" + cerr.Error()
			if seen[key] {
				continue
			}
			seen[key] = true
			if h.recordError(seg, cmdName(c), cerr) {
				recorded++
			}
		}
		if recorded == 0 && err != nil {
			h.recordError(seg, "pipeline", err)
		}
		seg.Close(nil)
		return err
	}
}

func (h *redisHook) begin(ctx context.Context) (context.Context, *xray.Segment) {
	ctx, seg := xray.BeginSubsegment(ctx, redisName)
	if seg != nil {
		seg.Lock()
		seg.Namespace = "remote"
		seg.Unlock()
	}
	return ctx, seg
}

// recordError adds err to seg unless it is a miss or an expected NOSCRIPT,
// and reports whether it did.
func (h *redisHook) recordError(seg *xray.Segment, name string, err error) bool {
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		return false
	case isScript(name) && redis.HasErrorPrefix(err, "NOSCRIPT"):
		_ = seg.AddMetadataToNamespace(metadataNamespace, "noscript", true)
		return false
	}
	_ = seg.AddError(safeError(name, err))
	return true
}

var quoted = regexp.MustCompile(`'[^']*'`)

// safeError returns err in a form fit for a trace. Redis replies become an
// XRayError typed after the reply prefix (e.g. "redis.WRONGTYPE") with
// quoted or echoed arguments removed; for script calls only the prefix is kept, as a
// script's message can carry anything. Client-side errors (network,
// timeouts, context) are kept as they are: they do not contain arguments.
func safeError(name string, err error) error {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return err
	}
	msg := rerr.Error()
	prefix, _, _ := strings.Cut(msg, " ")
	if prefix == "" || strings.ToUpper(prefix) != prefix {
		prefix = "ERR"
	}
	if isScript(name) {
		msg = prefix + " (script error message withheld from the trace)"
	} else {
		// "ERR unknown command 'x', with args beginning with: 'a' 'b' "
		if i := strings.Index(msg, ", with args beginning with:"); i >= 0 {
			msg = msg[:i]
		}
		// Replies quote what they complain about, which can be an
		// argument ("ERR Error in ACL SETUSER modifier '>...'").
		msg = quoted.ReplaceAllString(msg, "'?'")
	}
	return &exception.XRayError{Type: "redis." + prefix, Message: name + ": " + msg}
}

func isScript(name string) bool {
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "script":
		return true
	}
	return false
}

// cmdName is the command's (lower-case) name: its first argument only.
func cmdName(c redis.Cmder) string {
	n := c.Name()
	if n == "" {
		return "unknown"
	}
	if len(n) > maxNameLen {
		n = n[:maxNameLen]
	}
	return n
}
