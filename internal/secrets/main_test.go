package secrets_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/tier"
)

var (
	moto *awstest.Moto
	// motoEndpoint is moto's http://127.0.0.1:PORT; TestMain points
	// AWS_ENDPOINT_URL_SECRETS_MANAGER at it.
	motoEndpoint string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if tier.Short() {
		return m.Run() // no moto_server: the tests that need it skip in adminClient and putSecret
	}
	var err error
	moto, err = awstest.StartMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start moto_server:", err)
		return 1
	}
	defer moto.Stop()
	motoEndpoint = moto.Endpoint

	// A hermetic SDK environment: fake static credentials, no shared
	// config files, no IMDS, and the Secrets Manager endpoint override
	// under test; nothing else that could redirect the SDK.
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"} {
		os.Unsetenv(k)
	}
	for _, kv := range moto.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	return m.Run()
}

// adminClient is a Secrets Manager client on moto, for setting up secrets.
func adminClient() *secretsmanager.Client { return moto.Client() }

var nameSeq atomic.Int64

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9/_+=.@-]`)

// createSecret stores value under a name unique to the test and returns
// its ARN.
func createSecret(t *testing.T, value string) string {
	t.Helper()
	tier.Skip(t, "moto_server")
	name := unsafeName.ReplaceAllString(t.Name(), "-") + "-" + strconv.FormatInt(nameSeq.Add(1), 10)
	arn, err := moto.CreateSecret(context.Background(), name, value)
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

// putSecretValue rotates the secret to a new current value.
func putSecretValue(t *testing.T, arn, value string) {
	t.Helper()
	tier.Skip(t, "moto_server")
	if _, err := moto.PutSecretValue(context.Background(), arn, value); err != nil {
		t.Fatal(err)
	}
}
