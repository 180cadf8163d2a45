package config

import (
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
	many := strings.Repeat("https://a.com,", MaxEmbedOrigins) + "https://b.com"
	if _, err := ParseEmbedOrigins(many); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("%d origins: %v", MaxEmbedOrigins+1, err)
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
