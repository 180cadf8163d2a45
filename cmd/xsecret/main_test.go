package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/testkit/awstest"
)

const empty = `{"bearer_token":""}` // what the stack creates

// pipe is standard input that is not a terminal.
var pipe = terminal{isTerminal: func() bool { return false }, readPassword: func() ([]byte, error) {
	return nil, errors.New("not a terminal")
}}

// tty is a terminal that answers lines, one per prompt.
func tty(lines ...string) terminal {
	return terminal{isTerminal: func() bool { return true }, readPassword: func() ([]byte, error) {
		if len(lines) == 0 {
			return nil, errors.New("EOF")
		}
		l := lines[0]
		lines = lines[1:]
		return []byte(l), nil
	}}
}

func value(t *testing.T, m *awstest.Moto, id string) string {
	t.Helper()
	out, err := m.Client().GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.SecretString)
}

// TestXSecret fills the stack's empty X secret in moto through the SDK's default configuration,
// as `make x-secret` does, and checks the value the function will read and that no output holds
// the token.
func TestXSecret(t *testing.T) {
	m := awstest.MustMoto(t)
	m.SetEnv(t)
	t.Setenv("X_SECRET_ARN", "")
	ctx := context.Background()
	const token = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
	tests := []struct {
		name   string
		args   []string
		stdin  string
		term   terminal
		code   int
		want   *secrets.XCredentials // nil: the secret keeps its empty value
		stderr string
	}{
		{"token on stdin", nil, token + "\n", pipe, 0, &secrets.XCredentials{BearerToken: token}, ""},
		{"token on stdin, no newline, spaces", nil, "  " + token + " ", pipe, 0, &secrets.XCredentials{BearerToken: token}, ""},
		{"token typed", nil, "", tty(token), 0, &secrets.XCredentials{BearerToken: token}, "bearer token (not echoed)"},
		{"key pair", []string{"-key-pair"}, "key-" + token + "\nsecret-" + token + "\n", pipe, 0,
			&secrets.XCredentials{APIKey: "key-" + token, APISecret: "secret-" + token}, ""},
		{"key pair typed", []string{"-key-pair"}, "", tty("key-"+token, "secret-"+token), 0,
			&secrets.XCredentials{APIKey: "key-" + token, APISecret: "secret-" + token}, "api secret (not echoed)"},
		{"nothing on stdin", nil, "", pipe, 1, nil, "read the bearer_token: EOF"},
		{"empty line", nil, "\n", pipe, 1, nil, "the bearer_token is empty: nothing stored"},
		{"half a key pair", []string{"-key-pair"}, "key-" + token + "\n", pipe, 1, nil, "read the api_secret"},
		{"two words", nil, token + " " + token + "\n", pipe, 1, nil, fmt.Sprintf("has a space, control or invalid character at byte %d", len(token))},
		{"too long", nil, strings.Repeat("A", maxCredential+1), pipe, 1, nil, "longer than 4096 bytes"},
		{"token as an argument", []string{token}, "", pipe, 2, nil, "no arguments are taken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arn, err := m.CreateSecret(ctx, "xsecret/"+strings.ReplaceAll(tc.name, " ", "-"), empty)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, append([]string{"-secret-id", arn}, tc.args...), strings.NewReader(tc.stdin), tc.term, &stdout, &stderr, newClient)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, stderr.String())
			}
			if out := stdout.String() + stderr.String(); strings.Contains(out, token[:40]) {
				t.Fatalf("the output holds the token: %s", out)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q, want it to say %q", stderr.String(), tc.stderr)
			}
			got := value(t, m, arn)
			if tc.want == nil {
				if got != empty {
					t.Errorf("the secret changed after a failed run")
				}
				return
			}
			if !strings.Contains(stdout.String(), arn) {
				t.Errorf("stdout %q does not name the secret", stdout.String())
			}
			// What the ingest function will read from it.
			creds, err := secrets.ParseX(got)
			if err != nil || creds != *tc.want {
				t.Errorf("the secret holds %v (%v), want %v", creds, err, *tc.want)
			}
		})
	}
}

// TestXSecretErrors: no secret named, and a secret that does not exist, fail with a message
// naming what is wrong, and never the token.
func TestXSecretErrors(t *testing.T) {
	m := awstest.MustMoto(t)
	m.SetEnv(t)
	t.Setenv("X_SECRET_ARN", "")
	const token = "tok-0123456789abcdefghij"
	for _, tc := range []struct {
		name, stderr string
		args         []string
		code         int
	}{
		{"no secret", "-secret-id (or X_SECRET_ARN) is required", nil, 2},
		{"unknown secret", "put the new value into secret no-such-secret", []string{"-secret-id", "no-such-secret"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(token+"\n"), pipe, &stdout, &stderr, newClient)
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) || strings.Contains(stdout.String()+stderr.String(), token) {
				t.Errorf("exit %d, stderr %q; want %d and %q, and no token", code, stderr.String(), tc.code, tc.stderr)
			}
		})
	}
}

// TestMakeXSecret runs the Makefile's target with the token on stdin: make echoes no command
// with the token and the secret gets it.
func TestMakeXSecret(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	m := awstest.MustMoto(t)
	ctx := context.Background()
	arn, err := m.CreateSecret(ctx, "xsecret/make", empty)
	if err != nil {
		t.Fatal(err)
	}
	const token = "make-token-0123456789abcdefghijklmnopqrstuvwxyz"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--no-print-directory", "x-secret")
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), m.Env()...), "X_SECRET_ARN="+arn)
	cmd.Stdin = strings.NewReader(token + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make x-secret: %v\n%s", err, out)
	}
	if strings.Contains(string(out), token) || !strings.Contains(string(out), arn) {
		t.Errorf("make x-secret printed the token or not the secret:\n%s", out)
	}
	if creds, err := secrets.ParseX(value(t, m, arn)); err != nil || creds.BearerToken != token {
		t.Errorf("the secret holds %v (%v), want the token", creds, err)
	}
}
