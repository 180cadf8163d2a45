// Package secrets owns reading credentials at cold start: the MemoryDB
// (Redis ACL) user and the X API credentials, from AWS Secrets Manager when
// an ARN is configured, or from local-only stand-ins otherwise. Package config
// reads where they are (config.RedisSource, config.XSource) from the environment.
//
// Each secret is fetched once per cold start and kept for the life of the
// process; Refresh re-fetches one (used after a rotation made the cached
// value stop working). The Secrets Manager client is created lazily, on the
// first fetch, so a local run without ARNs never pays for loading the AWS
// configuration. Errors name the source's field (by the variable config read it
// from), secret or JSON key at fault and never contain a secret value.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// ErrNotFound is wrapped by errors for a secret Secrets Manager does not
// know (ResourceNotFoundException).
var ErrNotFound = errors.New("secret not found")

// API is the part of the Secrets Manager client the Loader uses;
// *secretsmanager.Client implements it.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Option configures a Loader.
type Option func(*Loader)

// WithConfigHook lets the caller adjust the AWS configuration before the
// client is built, e.g. tracing.InstrumentAWS to add X-Ray subsegments.
func WithConfigHook(hook func(*aws.Config)) Option {
	return func(l *Loader) { l.hooks = append(l.hooks, hook) }
}

// WithClient makes the Loader use c instead of building a client.
func WithClient(c API) Option {
	return func(l *Loader) { l.client = c }
}

// Loader fetches secret strings from Secrets Manager and caches them by
// secret id for the life of the process. It is safe for concurrent use; the
// zero value is not usable, call NewLoader.
type Loader struct {
	loadConfig func(context.Context) (aws.Config, error)
	hooks      []func(*aws.Config)

	clientMu sync.Mutex
	client   API

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	mu     sync.Mutex
	loaded bool
	value  string
}

// NewLoader returns a Loader. Without options its client is built, on
// first use, from config.LoadDefaultConfig, so the SDK's standard settings
// from the environment apply: the Region, the credentials and the endpoint
// overrides (listed in package internal/config's SDKVariables).
func NewLoader(opts ...Option) *Loader {
	l := &Loader{
		loadConfig: func(ctx context.Context) (aws.Config, error) { return config.LoadDefaultConfig(ctx) },
		entries:    map[string]*entry{},
	}
	for _, o := range opts {
		o(l)
	}
	return l
}

// api returns the client, building it on first use. A failed build is not
// remembered, so a later call tries again.
func (l *Loader) api(ctx context.Context) (API, error) {
	l.clientMu.Lock()
	defer l.clientMu.Unlock()
	if l.client != nil {
		return l.client, nil
	}
	cfg, err := l.loadConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config for Secrets Manager: %w", err)
	}
	for _, h := range l.hooks {
		h(&cfg)
	}
	l.client = secretsmanager.NewFromConfig(cfg)
	return l.client, nil
}

func (l *Loader) entry(secretID string) *entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[secretID]
	if !ok {
		e = &entry{}
		l.entries[secretID] = e
	}
	return e
}

// SecretString returns the secret's value, fetching it on the first call
// for secretID and from the cache afterwards. Concurrent first calls for
// the same secret share one fetch. A failed fetch is not cached.
func (l *Loader) SecretString(ctx context.Context, secretID string) (string, error) {
	if secretID == "" {
		return "", errors.New("secret id is empty")
	}
	e := l.entry(secretID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded {
		return e.value, nil
	}
	v, err := l.fetch(ctx, secretID)
	if err != nil {
		return "", err
	}
	e.value, e.loaded = v, true
	return v, nil
}

// Refresh re-fetches the secret and replaces the cached value, returning
// the new one. On error the previously cached value, if any, is kept.
func (l *Loader) Refresh(ctx context.Context, secretID string) (string, error) {
	if secretID == "" {
		return "", errors.New("secret id is empty")
	}
	e := l.entry(secretID)
	e.mu.Lock()
	defer e.mu.Unlock()
	v, err := l.fetch(ctx, secretID)
	if err != nil {
		return "", err
	}
	e.value, e.loaded = v, true
	return v, nil
}

func (l *Loader) fetch(ctx context.Context, secretID string) (string, error) {
	c, err := l.api(ctx)
	if err != nil {
		return "", err
	}
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return "", fmt.Errorf("get secret %s: %w: %w", secretID, ErrNotFound, err)
		}
		return "", fmt.Errorf("get secret %s: %w", secretID, err)
	}
	switch {
	case out.SecretString != nil:
		return *out.SecretString, nil
	case out.SecretBinary != nil:
		return string(out.SecretBinary), nil
	default:
		return "", fmt.Errorf("get secret %s: it has neither SecretString nor SecretBinary", secretID)
	}
}
