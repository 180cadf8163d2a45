package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		expr string
		want time.Duration
		err  string
	}{
		{"rate(1 minute)", time.Minute, ""},
		{"rate(5 minutes)", 5 * time.Minute, ""},
		{"rate(15 minutes)", 15 * time.Minute, ""},
		{"rate(2 hours)", 2 * time.Hour, ""},
		{"rate(1 day)", 24 * time.Hour, ""},
		{"rate(7 days)", 24 * time.Hour, ""},
		{"cron(0/5 * * * ? *)", 5 * time.Minute, ""},
		{"cron(*/10 * * * ? *)", 10 * time.Minute, ""},
		{"cron(0 * * * ? *)", time.Hour, ""},
		{"cron(0,45 * * * ? *)", 45 * time.Minute, ""},
		{"cron(0 8-20 * * ? *)", 12 * time.Hour, ""},     // 20:00 to the next day's 08:00
		{"cron(0 12 * * MON-FRI *)", 24 * time.Hour, ""}, // not every day
		{"rate(5 minute)", 0, "rate(N minutes)"},
		{"rate(1 minutes)", 0, "rate(1 minute)"},
		{"rate(0 minutes)", 0, "at least 1"},
		{"every 5 minutes", 0, "want rate(...) or cron(...)"},
		{"cron(0 * * * ?)", 0, "6 fields"},
		{"cron(61 * * * ? *)", 0, "minutes"},
		{"cron(0 5-2 * * ? *)", 0, "hours"},
	}
	for _, tc := range tests {
		got, err := ParseSchedule(tc.expr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want one saying %q", tc.expr, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
}

func TestLoadIngestInterval(t *testing.T) {
	env := map[string]string{"MEMORYDB_ENDPOINT": "h:6379", "SEARCH_QUERY": "#go", "LEADERBOARD": "go"}
	get := func(k string) string { return env[k] }
	c, err := LoadIngest(get)
	if err != nil || c.Interval != DefaultInterval {
		t.Fatalf("default: %v %v", c.Interval, err)
	}
	env["SCHEDULE_EXPRESSION"] = "rate(5 minutes)"
	if c, err = LoadIngest(get); err != nil || c.Interval != 5*time.Minute {
		t.Errorf("rate(5 minutes): %v %v", c.Interval, err)
	}
	env["SCHEDULE_EXPRESSION"] = "hourly"
	if _, err = LoadIngest(get); err == nil || !strings.Contains(err.Error(), "SCHEDULE_EXPRESSION") {
		t.Errorf("bad: %v", err)
	}
}
