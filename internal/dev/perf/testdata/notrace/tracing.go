// This file is not part of the build: `go run ./cmd/bench -only size` lays it over
// internal/tracing with `go build -overlay` to measure what the X-Ray SDK adds to the
// bootstraps. It has the exported API of package tracing and does nothing.

package tracing

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/redis/go-redis/v9"
)

const DefaultRedisName = "redis"

func Init() error { return nil }

func HTTPClient(c *http.Client) *http.Client { return c }

func InstrumentAWS(*aws.Config) {}

type RedisOption func(*redisHook)

func WithName(string) RedisOption { return func(*redisHook) {} }

type redisHook struct{}

func RedisHook(...RedisOption) redis.Hook { return redisHook{} }

func (redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
