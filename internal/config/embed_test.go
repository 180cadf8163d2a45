package config

import (
	"regexp"
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
		{"https://example.com, http://127.0.0.1:8080 ,https://*.blog.example.org", []string{"https://example.com", "http://127.0.0.1:8080", "https://*.blog.example.org"}},
		{"http://localhost:65535", []string{"http://localhost:65535"}},
		{"https://Example.COM:1", []string{"https://Example.COM:1"}},
	}
	for _, tc := range good {
		got, err := ParseEmbedOrigins(tc.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || (tc.want == nil) != (got == nil) {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"example.com", "https://", "https://example.com/", "https://example.com/path", "ftp://example.com",
		"https://example.com:0", "https://example.com:65536", "https://example.com:080", "https://exa mple.com",
		"https://example.com;script-src *", "https://example.com 'unsafe-inline'", "'self'", "*", "https://*",
		"https://a.*.com", "https://-a.com", "https://a-.com", "https://example.com,", ",https://example.com",
		"https://example.com,,https://b.com", "https://[::1]:80", "https://ex\"ample.com", "https://exämple.com",
		"https://" + strings.Repeat("a", 64) + ".com",
	} {
		if got, err := ParseEmbedOrigins(bad); err == nil || !strings.Contains(err.Error(), "EMBED_ORIGINS") {
			t.Errorf("%q: %q, %v; want an error naming EMBED_ORIGINS", bad, got, err)
		}
	}
	long := strings.Repeat("https://abc.example.com,", 42) + "https://abcde.com" // 1,025 bytes
	if _, err := ParseEmbedOrigins(long); err == nil || !strings.Contains(err.Error(), "EMBED_ORIGINS: 1025 bytes, at most 1024") {
		t.Errorf("1,025 bytes: %v", err)
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
	if _, err := LoadLeaderboard(env("MEMORYDB_ENDPOINT", "h:1", "EMBED_ORIGINS", "https://x.com; script-src *")); err == nil || !strings.Contains(err.Error(), "EMBED_ORIGINS") {
		t.Errorf("bad origin: %v", err)
	}
}

// The templates' pattern of the whole value, with their length bound, accepts exactly what
// ParseEmbedOrigins accepts.
func TestEmbedOriginsPattern(t *testing.T) {
	re := regexp.MustCompile(EmbedOriginsPattern)
	for _, v := range embedOriginsExamples {
		_, err := ParseEmbedOrigins(v)
		if got, want := re.MatchString(v) && len(v) <= MaxEmbedOriginsBytes, err == nil; got != want {
			t.Errorf("%q: pattern accepts=%v, ParseEmbedOrigins accepts=%v (%v)", v, got, want, err)
		}
	}
}

// embedOriginsExamples are EMBED_ORIGINS values, good and bad, on which the test compares
// ParseEmbedOrigins with EmbedOriginsPattern (templatetest checks the templates use that).
var embedOriginsExamples = []string{
	"", " ", "https://example.com", "http://127.0.0.1:8080", "https://*.example.org", "https://Example.COM:1",
	"https://a.com,https://b.com", "https://a.com , http://localhost:3000", " https://a.com ",
	strings.Repeat("https://abc.example.com,", 42) + "https://b.com",     // 1,021 bytes
	strings.Repeat("https://abc.example.com,", 42) + "https://abcde.com", // 1,025 bytes
	"example.com", "https://", "https://example.com/", "https://example.com/path", "ftp://example.com",
	"https://example.com:0", "https://example.com:65536", "https://example.com:080", "https://exa mple.com",
	"https://example.com;script-src *", "https://example.com 'unsafe-inline'", "'self'", "*", "https://*",
	"https://a.*.com", "https://-a.com", "https://a-.com", "https://example.com,", ",https://example.com",
	"https://example.com,,https://b.com", "https://[::1]:80", "https://ex\"ample.com", "https://exämple.com",
	"https://" + strings.Repeat("a", 64) + ".com", "https://a.com https://b.com",
}
