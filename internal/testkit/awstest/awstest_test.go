package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

var moto *awstest.Moto

func TestMain(m *testing.M) {
	if os.Getenv("AWSTEST_HELPER_SECRET") != "" {
		// Child of TestEnvForChildProcess: the parent's moto_server is used.
		os.Exit(m.Run())
	}
	tier.SkipAll("awstest", "moto_server")
	var err error
	moto, err = awstest.StartMoto()
	if err != nil {
		// Fail, never skip: the tests need the stand-in.
		os.Stderr.WriteString("awstest: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stderr.WriteString("awstest: moto_server at " + moto.Endpoint + " ready in " + moto.StartupTime.Round(time.Millisecond).String() + "\n")
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCreateAndRotate(t *testing.T) {
	ctx := ctxT(t)
	const name = "hashtag-leaderboard/redis/writer"
	arn, err := moto.CreateSecret(ctx, name, `{"username":"writer","password":"v1"}`)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:") || !strings.Contains(arn, ":secret:"+name) {
		t.Errorf("ARN %q does not look like a Secrets Manager ARN for %s", arn, name)
	}

	get := func(id, stage string) string {
		t.Helper()
		in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)}
		if stage != "" {
			in.VersionStage = aws.String(stage)
		}
		out, err := moto.Client().GetSecretValue(ctx, in)
		if err != nil {
			t.Fatalf("get %s (%s): %v", id, stage, err)
		}
		return aws.ToString(out.SecretString)
	}
	tests := []struct {
		name, id string
	}{{"by ARN", arn}, {"by name", name}}
	for _, tc := range tests {
		if got := get(tc.id, ""); got != `{"username":"writer","password":"v1"}` {
			t.Errorf("%s: value %q before rotation", tc.name, got)
		}
	}

	version, err := moto.PutSecretValue(ctx, arn, `{"username":"writer","password":"v2"}`)
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if version == "" {
		t.Error("PutSecretValue returned no version id")
	}
	if got := get(name, ""); got != `{"username":"writer","password":"v2"}` {
		t.Errorf("current value %q after rotation, want v2", got)
	}
	if got := get(name, "AWSPREVIOUS"); got != `{"username":"writer","password":"v1"}` {
		t.Errorf("AWSPREVIOUS value %q after rotation, want v1", got)
	}

	if _, err := moto.CreateSecret(ctx, name, "again"); err == nil {
		t.Error("creating an existing secret: no error")
	}
	if _, err := moto.PutSecretValue(ctx, "no-such-secret", "x"); err == nil {
		t.Error("rotating a missing secret: no error")
	}
}

// TestEnvReachesMoto: a default SDK configuration built from Env (what a Lambda binary does)
// talks to the stand-in.
func TestEnvReachesMoto(t *testing.T) {
	ctx := ctxT(t)
	arn, err := moto.CreateSecret(ctx, "env-test", "value-1")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	env := moto.Env()
	for _, want := range []string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + moto.Endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=",
		"AWS_SECRET_ACCESS_KEY=",
	} {
		found := false
		for _, kv := range env {
			found = found || strings.HasPrefix(kv, want)
		}
		if !found {
			t.Errorf("Env() lacks %s...", want)
		}
	}

	moto.SetEnv(t)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("load default config with Env: %v", err)
	}
	if cfg.Region != awstest.Region {
		t.Errorf("region %q, want %s", cfg.Region, awstest.Region)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatalf("get through the default config: %v", err)
	}
	if got := aws.ToString(out.SecretString); got != "value-1" {
		t.Errorf("value %q, want value-1", got)
	}
}

// TestEnvForChildProcess: Env alone (no other variable) is enough for another Go process
// using the SDK's default configuration, as a Lambda binary does. The child is this test
// binary re-run in helper mode.
func TestEnvForChildProcess(t *testing.T) {
	ctx := ctxT(t)
	if _, err := moto.CreateSecret(ctx, "child-test", "from-child"); err != nil {
		t.Fatalf("create: %v", err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperChild$")
	cmd.Env = append(moto.Env(), "AWSTEST_HELPER_SECRET=child-test")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child with Env: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SECRET=from-child\n") {
		t.Errorf("child output %q, want SECRET=from-child", out)
	}
}

// TestHelperChild is the child of TestEnvForChildProcess; it does nothing in a normal run.
func TestHelperChild(t *testing.T) {
	id := os.Getenv("AWSTEST_HELPER_SECRET")
	if id == "" {
		return
	}
	ctx := ctxT(t)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("load default config: %v", err)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	fmt.Printf("SECRET=%s\n", aws.ToString(out.SecretString))
}

func TestReset(t *testing.T) {
	ctx := ctxT(t)
	if _, err := moto.CreateSecret(ctx, "reset-test", "v"); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := moto.Reset(ctx); err != nil {
		t.Fatalf("reset: %v", err)
	}
	_, err := moto.Client().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("reset-test")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("get after reset: err %v, want ResourceNotFoundException", err)
	}
}

func TestStopKillsServer(t *testing.T) {
	m := awstest.MustMoto(t)
	ctx := ctxT(t)
	if _, err := m.CreateSecret(ctx, "s", "v"); err != nil {
		t.Fatalf("create: %v", err)
	}
	if m.Endpoint == moto.Endpoint {
		t.Fatalf("second moto on the same endpoint %s", m.Endpoint)
	}
	m.Stop()
	m.Stop() // idempotent
	if _, err := m.CreateSecret(ctx, "s2", "v"); err == nil {
		t.Error("create after Stop: no error")
	}
	if _, err := os.Stat(m.Dir); !os.IsNotExist(err) {
		t.Errorf("Dir %s still there after Stop (stat err %v)", m.Dir, err)
	}
}

func TestFindMotoServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	shims := t.TempDir()
	if _, err := awstest.FindMotoServerIn([]string{shims}); err == nil || !strings.Contains(err.Error(), `"moto[server]"`) || !strings.Contains(err.Error(), shims) {
		t.Errorf("nothing installed: err %v, want install guidance naming moto[server] and %s", err, shims)
	}
	fake := shims + "/moto_server"
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := awstest.FindMotoServerIn([]string{t.TempDir(), shims}); err != nil || got != fake {
		t.Errorf("in a shims dir: %q, %v; want %s", got, err, fake)
	}
}
