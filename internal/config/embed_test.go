package config

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParseEmbedOrigins(t *testing.T) {
	good := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"https://example.com", []string{"https://example.com"}},
		{"https://example.com, https://127.0.0.1:8080 ,https://*.blog.example.org", []string{"https://example.com", "https://127.0.0.1:8080", "https://*.blog.example.org"}},
		{"https://Example.COM:1", []string{"https://Example.COM:1"}},
		{"https://*.example.co.uk", []string{"https://*.example.co.uk"}},
		{"https://*.alice.github.io", []string{"https://*.alice.github.io"}},
		{"https://example.co.uk:443", []string{"https://example.co.uk:443"}},
		{"https://*.example.invalidtld", []string{"https://*.example.invalidtld"}}, // "invalidtld" is a suffix by the default rule
	}
	for _, tc := range good {
		got, err := ParseEmbedOrigins(tc.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || (tc.want == nil) != (got == nil) {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// Each refused with an error naming EMBED_ORIGINS and saying why.
	bad := []struct{ in, why string }{
		// Not https.
		{"http://example.com", "is not https"},
		{"http://*.co.uk", "is not https"},
		{"https://example.com, http://example.org", "is not https"},
		// A wildcard over a public suffix or a whole top-level domain, or such a host.
		{"https://*.com", "whole top-level domain"},
		{"https://com", "whole top-level domain"},
		{"https://*.com:8443", "whole top-level domain"},
		{"https://*.co.uk", "covers every site under the public suffix co.uk"},
		{"https://*.CO.UK", "covers every site under the public suffix co.uk"},
		{"https://*.github.io", "covers every site under the public suffix github.io"},
		{"https://*.s3.amazonaws.com", "public suffix s3.amazonaws.com"},
		{"https://co.uk", "is the public suffix co.uk"},
		{"https://*.invalidtld", "whole top-level domain"},
		// Numeric hosts: an IPv4 address only, never under a wildcard.
		{"https://*.1.2.3", "must be an IPv4 address"},
		{"https://*.127.0.0.1", "must be an IPv4 address"},
		{"https://999.1.1.1", "must be an IPv4 address"},
		{"https://1.2.3", "must be an IPv4 address"},
		// Loopback is for the local app only.
		{"http://localhost:8080", "is not https"},
		{"https://localhost:8080", "one label"},
		// Not an origin at all.
		{"example.com", "is not an origin"}, {"https://", "is not an origin"}, {"https://example.com/", "is not an origin"},
		{"https://example.com/path", "is not an origin"}, {"ftp://example.com", "is not an origin"},
		{"https://example.com:0", "is not an origin"}, {"https://example.com:65536", "is not an origin"},
		{"https://example.com:080", "is not an origin"}, {"https://exa mple.com", "is not an origin"},
		{"https://example.com;script-src *", "is not an origin"}, {"https://example.com 'unsafe-inline'", "is not an origin"},
		{"'self'", "is not an origin"}, {"*", "is not an origin"}, {"https://*", "is not an origin"},
		{"https://a.*.com", "is not an origin"}, {"https://-a.com", "is not an origin"}, {"https://a-.com", "is not an origin"},
		{"https://example.com,", "is not an origin"}, {",https://example.com", "is not an origin"},
		{"https://example.com,,https://b.com", "is not an origin"}, {"https://[::1]:80", "is not an origin"},
		{"https://ex\"ample.com", "is not an origin"}, {"https://exämple.com", "is not an origin"},
		{"https://" + strings.Repeat("a", 64) + ".com", "is not an origin"},
	}
	for _, tc := range bad {
		got, err := ParseEmbedOrigins(tc.in)
		if err == nil || !strings.HasPrefix(err.Error(), "EMBED_ORIGINS: ") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%q: %q, %v; want an error naming EMBED_ORIGINS that says %q", tc.in, got, err, tc.why)
		}
	}
	long := strings.Repeat("https://abc.example.com,", 42) + "https://abcde.com" // 1,025 bytes
	if _, err := ParseEmbedOrigins(long); err == nil || !strings.Contains(err.Error(), "EMBED_ORIGINS: 1025 bytes, at most 1024") {
		t.Errorf("1,025 bytes: %v", err)
	}
}

// TestParseLocalEmbedOrigins: the local app also accepts origins on the local machine, http or
// https, and nothing else the function refuses.
func TestParseLocalEmbedOrigins(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"http://localhost:8080", true},
		{"http://localhost", true},
		{"https://localhost:3000, https://example.com", true},
		{"http://127.0.0.1:5500", true},
		{"http://localhost:0", false},
		{"http://localhost.example.com", false},
		{"http://127.0.0.2", false},
		{"http://example.com", false},
		{"https://*.com", false},
		{"https://*.co.uk", false},
		{"http://localhost/path", false},
	} {
		got, err := ParseLocalEmbedOrigins(tc.in)
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "EMBED_ORIGINS") {
			t.Errorf("%q: %q, %v; want accepted %v", tc.in, got, err, tc.ok)
		}
		if _, err := ParseEmbedOrigins(tc.in); err == nil && strings.Contains(tc.in, "localhost") {
			t.Errorf("%q: the function's check accepts a loopback origin", tc.in)
		}
	}
}

func TestLoadLeaderboardEmbedOrigins(t *testing.T) {
	c, err := LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1"))
	if err != nil || c.EmbedOrigins != nil {
		t.Errorf("default: %q, %v; want none", c.EmbedOrigins, err)
	}
	c, err = LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1", "EMBED_ORIGINS", "https://example.com"))
	if err != nil || len(c.EmbedOrigins) != 1 || c.EmbedOrigins[0] != "https://example.com" {
		t.Errorf("one origin: %q, %v", c.EmbedOrigins, err)
	}
	// Refused at start, the error naming the variable: the function has no loopback exception.
	for _, bad := range []string{"https://x.com; script-src *", "https://*.com", "http://*.co.uk", "https://com",
		"https://*.co.uk", "http://localhost:8080"} {
		if _, err := LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1", "EMBED_ORIGINS", bad)); err == nil || !strings.Contains(err.Error(), "EMBED_ORIGINS") {
			t.Errorf("%q: %v, want an error naming EMBED_ORIGINS", bad, err)
		}
	}
}

// The templates' pattern of the whole value, with their length bound, accepts exactly what
// ParseEmbedOrigins accepts.
func TestEmbedOriginsPattern(t *testing.T) {
	re := regexp.MustCompile(EmbedOriginsPattern)
	for _, v := range embedOriginsExamples {
		_, err := ParseEmbedOrigins(v)
		got, want := re.MatchString(v) && len(v) <= MaxEmbedOriginsBytes, err == nil
		if got && !want && slices.Contains(beyondPattern, v) {
			continue // what only the public-suffix list or an address parser can tell
		}
		if got != want {
			t.Errorf("%q: pattern accepts=%v, ParseEmbedOrigins accepts=%v (%v)", v, got, want, err)
		}
	}
	for _, v := range beyondPattern {
		if _, err := ParseEmbedOrigins(v); err == nil {
			t.Errorf("%q: accepted", v)
		}
	}
}

// beyondPattern are EMBED_ORIGINS values the templates' pattern lets through and
// ParseEmbedOrigins refuses at start: a public suffix of more than one label, a bad address.
var beyondPattern = []string{"https://*.co.uk", "https://co.uk", "https://*.github.io", "https://*.1.2.3", "https://999.1.1.1"}

// embedOriginsExamples are EMBED_ORIGINS values, good and bad, on which the test compares
// ParseEmbedOrigins with EmbedOriginsPattern (templatetest checks the templates use that).
var embedOriginsExamples = []string{
	"", " ", "https://example.com", "http://127.0.0.1:8080", "https://*.example.org", "https://Example.COM:1",
	"https://a.com,https://b.com", "https://a.com , https://b.example.org", " https://a.com ",
	strings.Repeat("https://abc.example.com,", 42) + "https://b.com",     // 1,021 bytes
	strings.Repeat("https://abc.example.com,", 42) + "https://abcde.com", // 1,025 bytes
	"example.com", "https://", "https://example.com/", "https://example.com/path", "ftp://example.com",
	"https://example.com:0", "https://example.com:65536", "https://example.com:080", "https://exa mple.com",
	"https://example.com;script-src *", "https://example.com 'unsafe-inline'", "'self'", "*", "https://*",
	"https://a.*.com", "https://-a.com", "https://a-.com", "https://example.com,", ",https://example.com",
	"https://example.com,,https://b.com", "https://[::1]:80", "https://ex\"ample.com", "https://exämple.com",
	"https://" + strings.Repeat("a", 64) + ".com", "https://a.com https://b.com",
	"http://example.com", "https://*.com", "https://com", "http://*.co.uk", "https://localhost:3000",
	"https://*.example.co.uk", "https://a.com, http://b.com", "https://1.2.3.4:8443",
}
