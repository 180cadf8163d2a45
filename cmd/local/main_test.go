package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/dev/localapp"
)

func TestParseFlags(t *testing.T) {
	wall := time.Date(2026, 11, 25, 12, 37, 0, 0, time.UTC)
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		port     int
		interval time.Duration
		redis    string
		host     string
		now      time.Time
	}{
		{name: "defaults", port: 3000, host: "127.0.0.1"}, // interval 0: localapp's default for the source
		{name: "environment", env: map[string]string{"PORT": "8080", "INGEST_INTERVAL": "1m", "REDIS_URL": "redis://h:1"},
			port: 8080, interval: time.Minute, redis: "redis://h:1", host: "127.0.0.1"},
		{name: "flags win", args: []string{"-port", "0", "-interval", "2s", "-redis", "rediss://h:2?cluster=true", "-host", "0.0.0.0"},
			env:  map[string]string{"PORT": "not a port", "INGEST_INTERVAL": "soon", "REDIS_URL": "bad://"},
			port: 0, interval: 2 * time.Second, redis: "rediss://h:2?cluster=true", host: "0.0.0.0"},
		{name: "seconds", args: []string{"-interval=15"}, port: 3000, interval: 15 * time.Second, host: "127.0.0.1"},
		{name: "LOCAL_NOW", env: map[string]string{"LOCAL_NOW": "2026-11-25T12:00:00Z"}, port: 3000,
			host: "127.0.0.1", now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cfg, err := parseFlags(tc.args, func(k string) string { return tc.env[k] }, &out, &errOut, wall)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Port != tc.port || cfg.Interval != tc.interval || cfg.RedisURL != tc.redis || cfg.Host != tc.host {
				t.Errorf("config %+v, want port %d, interval %s, redis %q, host %q", cfg, tc.port, tc.interval, tc.redis, tc.host)
			}
			if tc.now.IsZero() != (cfg.Now == nil) || cfg.Now != nil && !cfg.Now().Equal(tc.now) {
				t.Errorf("clock: want fixed at %s (zero: none)", tc.now)
			}
			if cfg.Out != &out || cfg.Log == nil || cfg.Getenv == nil {
				t.Error("output, log or environment not wired")
			}
		})
	}
}

func TestParseFlagsVerbose(t *testing.T) {
	var errOut bytes.Buffer
	for _, verbose := range []bool{false, true} {
		errOut.Reset()
		args := []string{}
		if verbose {
			args = append(args, "-v")
		}
		cfg, err := parseFlags(args, func(string) string { return "" }, &bytes.Buffer{}, &errOut, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cfg.Log.Debug("debug line")
		cfg.Log.Warn("warn line", "k", "v")
		got := errOut.String()
		if !strings.Contains(got, `"msg":"warn line","k":"v"`) || strings.Contains(got, "debug line") != verbose {
			t.Errorf("verbose %v: log output %q", verbose, got)
		}
		if cfg.Metrics != verbose {
			t.Errorf("verbose %v: metric records shown %v", verbose, cfg.Metrics)
		}
	}
}

func TestParseFlagsErrors(t *testing.T) {
	wall := time.Date(2026, 11, 25, 12, 37, 0, 0, time.UTC)
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{env: map[string]string{"PORT": "http"}, want: `PORT "http": want a port number 0-65535`},
		{args: []string{"-port", "-1"}, want: `-port "-1"`},
		{args: []string{"-port", "65536"}, want: `-port "65536"`},
		{env: map[string]string{"INGEST_INTERVAL": "soon"}, want: `INGEST_INTERVAL "soon": want a duration`},
		{args: []string{"-interval", "100ms"}, want: `-interval "100ms": want at least 1s`},
		{args: []string{"-interval", "0"}, want: `-interval "0": want at least 1s`},
		{env: map[string]string{"REDIS_URL": "memcached://h"}, want: `REDIS_URL memcached://h: scheme "memcached"`},
		{args: []string{"-redis", "redis://h/3"}, want: `database "3"`},
		{args: []string{"-host", " "}, want: "-host is empty"},
		{args: []string{"extra"}, want: `unexpected argument "extra"`},
		{args: []string{"-nope"}, want: "flag provided but not defined: -nope"},
		{env: map[string]string{"LOCAL_NOW": "yesterday"}, want: `LOCAL_NOW "yesterday": want an RFC 3339 time`},
		{env: map[string]string{"LOCAL_NOW": "2026-11-25T12:38:00Z"}, want: "LOCAL_NOW 2026-11-25T12:38:00Z is in the future"},
	}
	for _, tc := range tests {
		_, err := parseFlags(tc.args, func(k string) string { return tc.env[k] }, &bytes.Buffer{}, &bytes.Buffer{}, wall)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseFlags(%q, %v): %v, want an error containing %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out, errOut bytes.Buffer
		_, err := parseFlags([]string{arg}, func(string) string { return "" }, &out, &errOut, time.Now())
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s: %v, want flag.ErrHelp", arg, err)
		}
		for _, want := range []string{"-port", "-interval", "-redis", "-host", "-v ", "PORT", "INGEST_INTERVAL", "REDIS_URL",
			"X_BEARER_TOKEN", "BOARDS", `{"hashtags": "sample -is:retweet", "aws": "#aws -is:retweet"}`, "SEARCH_QUERY", "?cluster=true", "rediss://"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: help lacks %q:\n%s", arg, want, out.String())
			}
		}
	}
	if code := run([]string{"-h"}, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Errorf("-h exits %d, want 0", code)
	}
	var errOut bytes.Buffer
	if code := run([]string{"-port", "x"}, func(string) string { return "" }, &bytes.Buffer{}, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), `local: -port "x"`) {
		t.Errorf("bad flag: exit %d, stderr %q; want 2 and the reason", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"-port", "0", "-redis", "redis://127.0.0.1:1"}, func(string) string { return "" }, &bytes.Buffer{}, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "local: redis at redis://127.0.0.1:1") {
		t.Errorf("unreachable redis: exit %d, stderr %q; want 1 and the reason", code, errOut.String())
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{"1s": time.Second, "10": 10 * time.Second, "1m30s": 90 * time.Second, "1.5s": 1500 * time.Millisecond} {
		if got, err := parseInterval(in); err != nil || got != want {
			t.Errorf("parseInterval(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if localapp.MinInterval != time.Second {
		t.Errorf("MinInterval %s: update the tests", localapp.MinInterval)
	}
}
