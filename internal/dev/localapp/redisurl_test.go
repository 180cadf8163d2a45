package localapp_test

import (
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/localapp"
	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/store"
)

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		url  string
		want store.Config
	}{
		{"redis://localhost", store.Config{Addr: "localhost:6379"}},
		{"redis://127.0.0.1:7000/", store.Config{Addr: "127.0.0.1:7000"}},
		{"redis://127.0.0.1:7000/0", store.Config{Addr: "127.0.0.1:7000"}},
		{" redis://:s3cret@cache:6380 ", store.Config{Addr: "cache:6380", Password: "s3cret"}},
		{"redis://writer:p%40ss%3Aw0rd@cache:6380", store.Config{Addr: "cache:6380", Username: "writer", Password: "p@ss:w0rd"}},
		{"rediss://writer:s3cret@clustercfg.hashtags.abc123.memorydb.us-east-1.amazonaws.com:6379?cluster=true",
			store.Config{Addr: "clustercfg.hashtags.abc123.memorydb.us-east-1.amazonaws.com:6379", Cluster: true, TLS: true, Username: "writer", Password: "s3cret"}},
		{"rediss://[::1]:7001?cluster=1&ca_file=/tmp/ca.pem", store.Config{Addr: "[::1]:7001", Cluster: true, TLS: true, CAFile: "/tmp/ca.pem"}},
		{"redis://host:6379?cluster=false", store.Config{Addr: "host:6379"}},
	}
	for _, tc := range tests {
		got, err := localapp.ParseRedisURL(tc.url)
		if err != nil || got.Addr != tc.want.Addr || got.Cluster != tc.want.Cluster || got.TLS != tc.want.TLS ||
			got.CAFile != tc.want.CAFile || got.Username != tc.want.Username || got.Password != tc.want.Password {
			t.Errorf("ParseRedisURL(%q) = %+v, %v\nwant %+v", tc.url, got, err, tc.want)
		}
	}
}

func TestParseRedisURLErrors(t *testing.T) {
	tests := []struct{ url, want string }{
		{"localhost:6379", `scheme "localhost"`},
		{"http://host", `REDIS_URL http://host: scheme "http": want redis:// or rediss://`},
		{"redis://", "no host"},
		{"redis:///0", "no host"},
		{"redis:host", "no host"},
		{"redis://host:0", `port "0"`},
		{"redis://host:99999", `port "99999"`},
		{"redis://host:abc", "not a URL"},
		{"redis://host/1", `database "1": only database 0`},
		{"redis://host#frag", "unexpected fragment"},
		{"redis://writer@host", `user "writer" without a password`},
		{"redis://host?cluster=maybe", `cluster="maybe": want true or false`},
		{"redis://host?ca_file=/x.pem", "ca_file needs TLS: use rediss://"},
		{"rediss://host?ca_file=", "ca_file is empty"},
		{"redis://host?db=2", `unknown parameter "db": allowed are cluster and ca_file`},
		{"redis://host?cluster=true&cluster=false", "parameter cluster given 2 times"},
		{"redis://host?a=%zz", "query"},
		{"redis://u:s3cret@host?x=1", "REDIS_URL redis://u:xxxxx@host?x=1: unknown parameter"},
		{"redis://u:s3cret@ho st", "not a URL"},
	}
	for _, tc := range tests {
		_, err := localapp.ParseRedisURL(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRedisURL(%q): %v, want an error containing %q", tc.url, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseRedisURL(%q) error shows the password: %v", tc.url, err)
		}
	}
}

// TestParseRedisURLNeverEchoesThePassword: a password that url.Parse cannot tell apart from
// the rest of the URL (an unencoded '/', '?', '#', '@' or '%') appears in no error, not even in
// part, and neither does a redacted form of the URL.
func TestParseRedisURLNeverEchoesThePassword(t *testing.T) {
	tests := []struct {
		url    string
		pieces []string // of the password, none of which may appear
	}{
		{"redis://writer:s3cr/etpw@cache:6379", []string{"s3cr", "etpw"}},               // the port would be ":s3cr"
		{"redis://writer:1234/etpw@cache:6379", []string{"1234", "etpw"}},               // a valid port: "etpw" in the path
		{"redis://writer:s3cr?etpw@cache:6379", []string{"s3cr", "etpw"}},               // "etpw@cache:6379" a parameter
		{"redis://writer:s3cr#etpw@cache:6379", []string{"s3cr", "etpw"}},               // "etpw@cache:6379" the fragment
		{"redis://writer:s3cr@et/pwxy@cache:6379", []string{"s3cr", "et/pwxy", "pwxy"}}, // "pwxy@cache:6379" in the path
		{"redis://writer:s3cr%zzetpw@cache:6379", []string{"s3cr", "%zz", "etpw"}},      // a bad escape
		{"redis:writer:s3cr/etpw@cache:6379", []string{"s3cr", "etpw"}},                 // no "//": all opaque
	}
	for _, tc := range tests {
		_, err := localapp.ParseRedisURL(tc.url)
		if err == nil {
			t.Errorf("ParseRedisURL(%q) succeeded", tc.url)
			continue
		}
		shown := localapp.RedactRedisURL(tc.url)
		for _, p := range tc.pieces {
			if strings.Contains(err.Error(), p) || strings.Contains(shown, p) {
				t.Errorf("ParseRedisURL(%q): %q / RedactRedisURL: %q show %q of the password", tc.url, err, shown, p)
			}
		}
		if !strings.Contains(err.Error(), "REDIS_URL") {
			t.Errorf("ParseRedisURL(%q): %v, want it to name REDIS_URL", tc.url, err)
		}
	}
	// An '@' in a parameter is read as a misplaced password too; encoded as %40 it is fine.
	if _, err := localapp.ParseRedisURL("rediss://host?ca_file=/ca@x.pem"); err == nil || !strings.Contains(err.Error(), "%40") {
		t.Errorf("an '@' in ca_file: %v, want the hint to encode it", err)
	}
	if cfg, err := localapp.ParseRedisURL("rediss://host?ca_file=/ca%40x.pem"); err != nil || cfg.CAFile != "/ca@x.pem" {
		t.Errorf("ca_file with %%40: %+v, %v", cfg, err)
	}
}

func TestRedactRedisURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://u:s3cret@host:1":      "redis://u:xxxxx@host:1",
		"rediss://host:1?cluster=true": "rediss://host:1?cluster=true",
		"redis://u:s3cret@ho st":       "(unparsable REDIS_URL)",
	} {
		if got := localapp.RedactRedisURL(in); got != want {
			t.Errorf("RedactRedisURL(%q) = %q, want %q", in, got, want)
		}
	}
}
