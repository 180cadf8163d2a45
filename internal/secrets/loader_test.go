package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go/middleware"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

// callCounter counts GetSecretValue calls per secret id as they leave the
// SDK client, via a middleware added by a config hook.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
	hooks int
}

func (c *callCounter) hook(cfg *aws.Config) {
	c.mu.Lock()
	c.hooks++
	c.mu.Unlock()
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countGetSecretValue",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*secretsmanager.GetSecretValueInput); ok {
					c.mu.Lock()
					if c.calls == nil {
						c.calls = map[string]int{}
					}
					c.calls[aws.ToString(p.SecretId)]++
					c.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func (c *callCounter) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[id]
}

func (c *callCounter) hookCalls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hooks
}

// deadEndpoint is a loopback URL nothing listens on.
func deadEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestLoaderEndpointOverrides checks that the default loader honours the
// standard SDK endpoint variables, the service-specific one first.
func TestLoaderEndpointOverrides(t *testing.T) {
	tier.Skip(t, "moto_server")
	arn := createSecret(t, `{"username":"u","password":"endpoint-test"}`)
	dead := deadEndpoint(t)
	tests := []struct {
		name     string
		service  string // AWS_ENDPOINT_URL_SECRETS_MANAGER
		global   string // AWS_ENDPOINT_URL
		wantFail bool
	}{
		{name: "service-specific", service: motoEndpoint},
		{name: "global", global: motoEndpoint},
		{name: "service-specific wins over global", service: motoEndpoint, global: dead},
		{name: "service-specific unreachable", service: dead, global: motoEndpoint, wantFail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", tc.service)
			t.Setenv("AWS_ENDPOINT_URL", tc.global)
			t.Setenv("AWS_MAX_ATTEMPTS", "1")
			got, err := secrets.NewLoader().SecretString(context.Background(), arn)
			if tc.wantFail {
				if err == nil {
					t.Fatalf("SecretString succeeded against %s, want connection error", tc.service)
				}
				if !strings.Contains(err.Error(), arn) {
					t.Errorf("error %q does not name the secret %s", err, arn)
				}
				return
			}
			if err != nil {
				t.Fatalf("SecretString: %v", err)
			}
			if want := `{"username":"u","password":"endpoint-test"}`; got != want {
				t.Errorf("SecretString = %q, want %q", got, want)
			}
		})
	}
}

// TestLoaderFetchesOncePerSecret hammers two secrets concurrently and
// checks each reached Secrets Manager exactly once.
func TestLoaderFetchesOncePerSecret(t *testing.T) {
	tier.Skip(t, "moto_server")
	a := createSecret(t, "value-a")
	b := createSecret(t, "value-b")
	var cc callCounter
	l := secrets.NewLoader(secrets.WithConfigHook(cc.hook))

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 50 {
		for _, id := range []string{a, b} {
			wg.Go(func() {
				v, err := l.SecretString(context.Background(), id)
				if err != nil {
					errs <- err
					return
				}
				want := map[string]string{a: "value-a", b: "value-b"}[id]
				if v != want {
					errs <- fmt.Errorf("call %d: got %q for %s, want %q", i, v, id, want)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, id := range []string{a, b} {
		if n := cc.count(id); n != 1 {
			t.Errorf("GetSecretValue(%s) called %d times, want 1", id, n)
		}
	}
	if n := cc.hookCalls(); n != 1 {
		t.Errorf("config hook ran %d times, want 1 (one client per loader)", n)
	}
}

func TestLoaderRefresh(t *testing.T) {
	tier.Skip(t, "moto_server")
	arn := createSecret(t, "v1")
	var cc callCounter
	l := secrets.NewLoader(secrets.WithConfigHook(cc.hook))
	ctx := context.Background()

	steps := []struct {
		do   string // "get", "refresh" or "rotate:<value>"
		want string
	}{
		{do: "get", want: "v1"},
		{do: "rotate:v2"},
		{do: "get", want: "v1"}, // cached for the life of the process
		{do: "refresh", want: "v2"},
		{do: "get", want: "v2"},
	}
	for i, s := range steps {
		var got string
		var err error
		switch {
		case s.do == "get":
			got, err = l.SecretString(ctx, arn)
		case s.do == "refresh":
			got, err = l.Refresh(ctx, arn)
		case strings.HasPrefix(s.do, "rotate:"):
			putSecretValue(t, arn, strings.TrimPrefix(s.do, "rotate:"))
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.do, err)
		}
		if got != s.want {
			t.Fatalf("step %d %s = %q, want %q", i, s.do, got, s.want)
		}
	}
	if n := cc.count(arn); n != 2 {
		t.Errorf("GetSecretValue called %d times, want 2 (first get + refresh)", n)
	}
}

func TestLoaderNotFoundIsNotCached(t *testing.T) {
	tier.Skip(t, "moto_server")
	name := "TestLoaderNotFoundIsNotCached-late-" + strconv.FormatInt(nameSeq.Add(1), 10)
	l := secrets.NewLoader()
	ctx := context.Background()
	_, err := l.SecretString(ctx, name)
	if !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("SecretString(missing) error = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), name) {
		t.Errorf("error %q does not name the secret", err)
	}
	if _, err := adminClient().CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String("now-here"),
	}); err != nil {
		t.Fatal(err)
	}
	got, err := l.SecretString(ctx, name)
	if err != nil || got != "now-here" {
		t.Fatalf("SecretString after create = %q, %v; want now-here", got, err)
	}
}

func TestLoaderEmptyID(t *testing.T) {
	l := secrets.NewLoader()
	if _, err := l.SecretString(context.Background(), ""); err == nil {
		t.Error("SecretString(\"\") succeeded")
	}
	if _, err := l.Refresh(context.Background(), ""); err == nil {
		t.Error("Refresh(\"\") succeeded")
	}
}
