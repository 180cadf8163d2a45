package xapi

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"
)

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retrying makes the attempts of one request: once sends it and returns its failure (nil:
// success). A 401 calls Reauthorize once; transient failures are retried with backoff within
// ctx's deadline; an answer over the size limit calls smaller, which returns whether a smaller
// request is worth making at once. op names the request in the logs.
func (s *Source) retrying(ctx context.Context, op string, once func() *Error, smaller func() bool) error {
	reauthorized := false
	for attempt := 1; ; attempt++ {
		xe := once()
		if xe == nil {
			return nil
		}
		xe.Attempts = attempt
		if xe.StatusCode == http.StatusUnauthorized && s.reauth != nil && !reauthorized && ctx.Err() == nil {
			reauthorized = true
			if s.reauthorize(ctx) {
				continue
			}
		}
		if !Retryable(xe) || ctx.Err() != nil || attempt >= s.retry.MaxAttempts || xe.RateLimit.Exhausted() {
			return xe
		}
		if errors.Is(xe, errBodyTooLarge) && smaller != nil && smaller() {
			continue
		}
		wait := s.backoff(attempt)
		if deadline, ok := ctx.Deadline(); ok && s.now().Add(wait+s.retry.MinAttemptTime).After(deadline) {
			s.log.WarnContext(ctx, op+": no time left for a retry", "attempt", attempt, "error", xe.Error())
			return xe
		}
		s.log.WarnContext(ctx, op+" failed, retrying", "attempt", attempt, "backoff", wait.String(), "error", xe.Error())
		if err := s.sleep(ctx, wait); err != nil {
			return xe
		}
	}
}

// reauthorize asks Reauthorize for new credentials after a 401 and reports whether the
// request should be sent again with them.
func (s *Source) reauthorize(ctx context.Context) bool {
	token, err := s.reauth(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "x api refused the credentials and re-reading them failed", "error", err.Error())
		return false
	}
	if token == "" {
		s.log.ErrorContext(ctx, "x api refused the credentials and re-reading them gave an empty token")
		return false
	}
	s.auth.set(token)
	s.log.WarnContext(ctx, "x api refused the credentials; re-read them and retrying once")
	return true
}

// swappableAuth is the Authorizer of a Source: the current credentials, replaced by
// reauthorize while other requests may be using them.
type swappableAuth struct {
	mu  sync.Mutex
	cur twitter.Authorizer
}

func (a *swappableAuth) Add(req *http.Request) {
	a.mu.Lock()
	cur := a.cur
	a.mu.Unlock()
	cur.Add(req)
}

func (a *swappableAuth) set(token BearerToken) {
	a.mu.Lock()
	a.cur = token
	a.mu.Unlock()
}

// backoff returns the sleep before attempt+1: uniform in [b/2, b] with
// b = min(MaxBackoff, BaseBackoff * 2^(attempt-1)).
func (s *Source) backoff(attempt int) time.Duration {
	b := s.retry.BaseBackoff
	for i := 1; i < attempt && b < s.retry.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, s.retry.MaxBackoff)
	half := b / 2
	return half + time.Duration(rand.Int64N(int64(b-half)+1))
}
