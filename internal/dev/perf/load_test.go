package perf

import (
	"strings"
	"testing"
	"time"
)

func TestLoadFigures(t *testing.T) {
	in := `{"test":"TestLeaderboardLoad/cache","clients":200,"duration_s":30.01,"errors":0,"requests_per_s":9012.4,"p50_ms":19.2,"p99_ms":68.2}
{"test":"TestLeaderboardLoad/nocache","clients":200,"duration_s":30.02,"errors":0,"requests_per_s":6632,"p50_ms":26.2,"p99_ms":87.6}
{"test":"TestIngestLoad","posts":1000000,"posts_per_s":25059,"go_heap_peak_mib":7.7,"redis_used_memory_peak_mib":109,"redis_seen_bytes_per_id":104}
{"test":"TestTenThousandTagsInOnePage","heap_growth_mib":9}
`
	figs, err := LoadFigures(strings.NewReader(in), 30*time.Second, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 10 {
		t.Fatalf("%d figures, want 10: %+v", len(figs), figs)
	}
	table := Table(figs)
	for _, want := range []string{
		"leaderboard load, 200 clients for 30 s, cache on (5 s): requests/s (0 errors) | 9012 req/s",
		"cache off: p99 latency | 87.6 ms",
		"ingest load, 1000000 posts through store.Record (batches of 100), counts exact: posts/s | 25,059 posts/s",
		"LOAD_DURATION=30s",
		"INGEST_POSTS=1000000",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if _, err := LoadFigures(strings.NewReader("not json\n"), time.Second, 1); err == nil {
		t.Error("bad line accepted")
	}
	if _, err := LoadFigures(strings.NewReader(""), time.Second, 1); err == nil {
		t.Error("no figures accepted")
	}
}
