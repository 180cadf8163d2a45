package secrets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/secrets"
)

// TestXNotConfigured: credentials that hold nothing (the stack's {"bearer_token":""}, an empty
// object, no stand-in variable) are ErrXNotConfigured; half a key pair or a bad secret is not:
// someone configured those, wrongly.
func TestXNotConfigured(t *testing.T) {
	for _, tc := range []struct {
		value string
		unset bool
	}{
		{`{"bearer_token":""}`, true},
		{`{}`, true},
		{`{"bearer_token":null,"api_key":"","api_secret":""}`, true},
		{`{"api_key":"k"}`, false},
		{`{"api_secret":"s"}`, false},
		{`{"bearer_token":7}`, false},
		{``, false},
		{`{"bearer_token":"t"}`, false},
	} {
		_, err := secrets.ParseX(tc.value)
		if got := errors.Is(err, secrets.ErrXNotConfigured); got != tc.unset {
			t.Errorf("ParseX(%s): error %v, not configured %v, want %v", tc.value, err, got, tc.unset)
		}
	}
	if _, err := secrets.X(context.Background(), config.XSource{}, nil); !errors.Is(err, secrets.ErrXNotConfigured) {
		t.Errorf("no stand-in variable: %v, want ErrXNotConfigured", err)
	}
}
