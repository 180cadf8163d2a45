// Command xsecret fills the X API credentials secret of a deployed stack (`make x-secret`): it
// reads the bearer token from the terminal without echo, or from standard input when that is
// not a terminal, and puts {"bearer_token": "..."} into the secret as its new version. It never
// prints or logs the token: not in a prompt, an error or a message. Run it with -h for the flags.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/term"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
)

const usage = `Usage: go run ./cmd/xsecret -secret-id ARN [-key-pair]
       (or: make x-secret [STACK=hashtag-leaderboard], or X_SECRET_ARN=arn:... make x-secret)

Puts the X API credentials into the secret the ingest function reads (the stack's
XApiSecretArn output): the app-only bearer token, read from the terminal without echo, or from
standard input when it is not a terminal (e.g. pass show x-bearer | make x-secret). With
-key-pair it reads the API key and then the API secret instead, one per line. The token is
never printed. The next ingest run reads the new value; no deploy is needed.

AWS credentials and Region come from the usual places (AWS_PROFILE, AWS_REGION, ...).

Flags:
`

// maxCredential bounds one credential read (X's bearer tokens are about 110 characters).
const maxCredential = 4096

// terminal reads a line from the terminal without echo; a test replaces it.
type terminal struct {
	isTerminal   func() bool
	readPassword func() ([]byte, error)
}

func main() {
	fd := int(os.Stdin.Fd())
	tty := terminal{
		isTerminal:   func() bool { return term.IsTerminal(fd) },
		readPassword: func() ([]byte, error) { return term.ReadPassword(fd) },
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, tty, os.Stdout, os.Stderr, newClient))
}

// putter is the part of the Secrets Manager client xsecret uses.
type putter interface {
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

func newClient(ctx context.Context) (putter, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

func run(ctx context.Context, args []string, stdin io.Reader, tty terminal, stdout, stderr io.Writer,
	client func(context.Context) (putter, error)) int {
	fs := flag.NewFlagSet("xsecret", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	secretID := fs.String("secret-id", os.Getenv("X_SECRET_ARN"), "ARN or name of the X API secret (default $X_SECRET_ARN)")
	keyPair := fs.Bool("key-pair", false, "read the API key and API secret instead of a bearer token")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "xsecret: no arguments are taken (the token is read from the terminal or stdin, never from the command line)")
		return 2
	}
	if strings.TrimSpace(*secretID) == "" {
		fmt.Fprintln(stderr, "xsecret: -secret-id (or X_SECRET_ARN) is required: the stack's XApiSecretArn output")
		return 2
	}
	value, err := readValue(stdin, tty, stderr, *keyPair)
	if err != nil {
		fmt.Fprintln(stderr, "xsecret:", err)
		return 1
	}
	c, err := client(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "xsecret:", err)
		return 1
	}
	out, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(*secretID), SecretString: aws.String(value)})
	if err != nil {
		// The SDK's error names the operation and the service's message, never the value sent.
		fmt.Fprintf(stderr, "xsecret: put the new value into secret %s: %v\n", *secretID, err)
		return 1
	}
	fmt.Fprintf(stdout, "X API credentials stored in %s (version %s); the next ingest run reads them.\n",
		aws.ToString(out.ARN), aws.ToString(out.VersionId))
	return 0
}

// readValue reads the credentials and returns the secret's JSON value, checked as the function
// will parse it.
func readValue(stdin io.Reader, tty terminal, stderr io.Writer, keyPair bool) (string, error) {
	names := []string{"bearer_token"}
	if keyPair {
		names = []string{"api_key", "api_secret"}
	}
	var lines *bufio.Reader
	if !tty.isTerminal() {
		lines = bufio.NewReader(io.LimitReader(stdin, int64(len(names))*(maxCredential+2)))
	}
	obj := map[string]string{}
	for _, name := range names {
		var raw []byte
		var err error
		if lines == nil {
			fmt.Fprintf(stderr, "X API %s (not echoed): ", strings.ReplaceAll(name, "_", " "))
			raw, err = tty.readPassword()
			fmt.Fprintln(stderr)
		} else {
			raw, err = lines.ReadBytes('\n')
			if errors.Is(err, io.EOF) && len(raw) > 0 {
				err = nil
			}
		}
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", name, err)
		}
		v, err := credential(name, raw)
		if err != nil {
			return "", err
		}
		obj[name] = v
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	if _, err := secrets.ParseX(string(b)); err != nil {
		return "", err
	}
	return string(b), nil
}

// credential trims one read credential and checks it; errors never quote it.
func credential(name string, raw []byte) (string, error) {
	v := strings.TrimSpace(string(raw))
	switch {
	case v == "":
		return "", fmt.Errorf("the %s is empty: nothing stored", name)
	case len(v) > maxCredential:
		return "", fmt.Errorf("the %s is longer than %d bytes: nothing stored", name, maxCredential)
	}
	for i, r := range v {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return "", fmt.Errorf("the %s has a space, control or invalid character at byte %d (a token is one word): nothing stored", name, i)
		}
	}
	return v, nil
}
