package xapi

import (
	"testing"
	"time"
)

func TestSnowflakeTime(t *testing.T) {
	tests := []struct {
		id      string
		want    time.Time
		wantErr bool
	}{
		{"2125289645013128839", time.Date(2026, 11, 24, 18, 5, 12, 0, time.UTC), false},
		{"1288834974657", time.UnixMilli(TwitterEpochMillis + 1288834974657>>22).UTC(), false},
		{"20", time.Time{}, true}, // below 1<<22: no timestamp bits (pre-snowflake id)
		{"4194304", time.UnixMilli(TwitterEpochMillis + 1).UTC(), false},
		{"18446744073709551615", time.UnixMilli(TwitterEpochMillis + int64(uint64(18446744073709551615)>>22)).UTC(), false},
		{"18446744073709551616", time.Time{}, true},
		{"", time.Time{}, true},
		{"12a", time.Time{}, true},
		{"-1", time.Time{}, true},
		{"+1", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := SnowflakeTime(tc.id)
		if (err != nil) != tc.wantErr {
			t.Errorf("SnowflakeTime(%q) err = %v, wantErr %v", tc.id, err, tc.wantErr)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("SnowflakeTime(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestMinIDAt(t *testing.T) {
	at := time.Date(2026, 11, 17, 18, 5, 37, 123e6, time.UTC)
	id := MinIDAt(at)
	if id != "2122753035326193664" {
		t.Errorf("MinIDAt = %s", id)
	}
	if got, err := SnowflakeTime(id); err != nil || !got.Equal(at) {
		t.Errorf("round trip = %v, %v", got, err)
	}
	if MinIDAt(time.Unix(0, 0)) != "0" {
		t.Error("MinIDAt before the epoch should be 0")
	}
}

func TestCompareIDs(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1},
		{"10", "9", 1},
		{"2125289645013128839", "2125289645013128839", 0},
		// differ only beyond float64 precision
		{"2125289645013128839", "2125289645013128840", -1},
		{"18446744073709551615", "18446744073709551614", 1},
		{"007", "7", 0},
		{"0", "", 1},
		{"", "0", -1},
		{"", "", 0},
		{"99999999999999999999999", "18446744073709551615", 1}, // longer digit strings still compare
		{"abc", "1", 1},
		{"1", "abc", -1},
		{"abc", "abd", -1},
	}
	for _, tc := range tests {
		if got := CompareIDs(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareIDs(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := CompareIDs(tc.b, tc.a); got != -tc.want {
			t.Errorf("CompareIDs(%q, %q) = %d, want %d (antisymmetry)", tc.b, tc.a, got, -tc.want)
		}
	}
	if MaxID("9", "10") != "10" || MaxID("", "5") != "5" {
		t.Error("MaxID")
	}
}

func TestParseID(t *testing.T) {
	for _, ok := range []string{"0", "1", "2125289645013128839", "18446744073709551615"} {
		if !ValidID(ok) {
			t.Errorf("ValidID(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", " 1", "1 ", "1.0", "1e9", "18446744073709551616", "123456789012345678901", "٣"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}
