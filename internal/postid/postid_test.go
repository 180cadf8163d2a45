package postid

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		id      string
		want    uint64
		wantErr string
	}{
		{id: "1", want: 1},
		{id: "2125289645013128839", want: 2125289645013128839},
		{id: "9223372036854775807", want: 1<<63 - 1}, // the largest id
		{id: "", wantErr: "empty"},
		{id: "0", wantErr: "leading zero"},
		{id: "007", wantErr: "leading zero"},  // one spelling per id
		{id: "0899", wantErr: "leading zero"}, // not 899
		{id: "9223372036854775808", wantErr: "above 2^63-1"},
		{id: "9999999999999999999", wantErr: "above 2^63-1"},
		{id: "18446744073709551615", wantErr: "more than 19 digits"},
		{id: "123456789012345678901", wantErr: "more than 19 digits"},
		{id: " 1", wantErr: "not a decimal number"},
		{id: "1 ", wantErr: "not a decimal number"},
		{id: "+1", wantErr: "not a decimal number"},
		{id: "-1", wantErr: "not a decimal number"},
		{id: "1.0", wantErr: "not a decimal number"},
		{id: "1e9", wantErr: "not a decimal number"},
		{id: "12a", wantErr: "not a decimal number"},
		{id: "٣", wantErr: "not a decimal number"}, // a digit, but not an ASCII one
	}
	for _, tc := range tests {
		got, err := Parse(tc.id)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) = %d, %v; want an error containing %q", tc.id, got, err, tc.wantErr)
			}
			if Valid(tc.id) {
				t.Errorf("Valid(%q) = true", tc.id)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.id, got, err, tc.want)
		}
		if !Valid(tc.id) {
			t.Errorf("Valid(%q) = false", tc.id)
		}
	}
}

func TestParseErrorQuotesShort(t *testing.T) {
	long := "<script>" + strings.Repeat("x", 1000) + "\u00e9\x00"
	_, err := Parse(long)
	if err == nil || len(err.Error()) > 80 || strings.Contains(err.Error(), "\x00") || !strings.Contains(err.Error(), `"<script>`) {
		t.Errorf("Parse of a long hostile string: %v", err)
	}
	// A cut never splits a rune: "é" is 2 bytes and straddles the limit.
	_, err = Parse(strings.Repeat("a", 23) + "\u00e9")
	if err == nil || !strings.Contains(err.Error(), `"aaaaaaaaaaaaaaaaaaaaaaa"...`) {
		t.Errorf("Parse cut mid-rune: %v", err)
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1},
		{"10", "9", 1},
		{"20", "3", 1},
		{"2125289645013128839", "2125289645013128839", 0},
		// differ only beyond float64 precision
		{"2125289645013128839", "2125289645013128840", -1},
		{"1861034938391109632", "1861034938391109633", -1},
		{"9223372036854775807", "9223372036854775806", 1},
	}
	for _, tc := range tests {
		if got, err := Compare(tc.a, tc.b); err != nil || got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
		if got, err := Compare(tc.b, tc.a); err != nil || got != -tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d (antisymmetry)", tc.b, tc.a, got, err, -tc.want)
		}
	}
	// Invalid ids are errors that name them, whichever side they are on.
	for _, pair := range [][2]string{{"", "1"}, {"1", ""}, {"007", "7"}, {"abc", "1"}, {"1", "abc"}, {"99999999999999999999999", "1"}} {
		if got, err := Compare(pair[0], pair[1]); err == nil {
			t.Errorf("Compare(%q, %q) = %d, want an error", pair[0], pair[1], got)
		}
	}
}

func TestMax(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"9", "10", "10"},
		{"10", "9", "10"},
		{"7", "7", "7"},
		{"", "5", "5"},
		{"5", "", "5"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got, err := Max(tc.a, tc.b); err != nil || got != tc.want {
			t.Errorf("Max(%q, %q) = %q, %v; want %q", tc.a, tc.b, got, err, tc.want)
		}
	}
	for _, pair := range [][2]string{{"", "x"}, {"x", ""}, {"5", "05"}, {"abc", "1"}} {
		if got, err := Max(pair[0], pair[1]); err == nil {
			t.Errorf("Max(%q, %q) = %q, want an error", pair[0], pair[1], got)
		}
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		id      string
		want    time.Time
		wantErr bool
	}{
		{"2125289645013128839", time.Date(2026, 11, 24, 18, 5, 12, 0, time.UTC), false},
		{"1288834974657", time.UnixMilli(EpochMillis + 1288834974657>>22).UTC(), false},
		{"4194304", time.UnixMilli(EpochMillis + 1).UTC(), false}, // the first id with a time
		{"4194303", time.Time{}, true},                            // below 1<<22: a pre-snowflake id
		{"20", time.Time{}, true},
		{"9223372036854775807", time.UnixMilli(EpochMillis + (1<<41 - 1)).UTC(), false},
		{"", time.Time{}, true},
		{"12a", time.Time{}, true},
		{"-1", time.Time{}, true},
		{"+1", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := Time(tc.id)
		if (err != nil) != tc.wantErr {
			t.Errorf("Time(%q) err = %v, wantErr %v", tc.id, err, tc.wantErr)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("Time(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
	if _, err := Time("20"); !errors.Is(err, ErrNoTime) {
		t.Errorf("Time of a pre-snowflake id: %v, want ErrNoTime", err)
	}
}

func TestMake(t *testing.T) {
	at := time.Date(2026, 11, 24, 18, 5, 12, 0, time.UTC)
	if id := Make(at, 1234567); id != "2125289645013128839" {
		t.Errorf("Make = %s", id)
	}
	// Make(t, 0) is the smallest id at t, and Time reads t back.
	at = time.Date(2026, 11, 17, 18, 5, 37, 123e6, time.UTC)
	id := Make(at, 0)
	if id != "2122753035326193664" {
		t.Errorf("Make(t, 0) = %s", id)
	}
	if got, err := Time(id); err != nil || !got.Equal(at) {
		t.Errorf("Time(Make(t, 0)) = %v, %v; want %v", got, err, at)
	}
	if c, err := Compare(Make(at.Add(-time.Millisecond), 1<<22-1), id); err != nil || c != -1 {
		t.Errorf("the largest id a millisecond earlier compares %d, %v with Make(t, 0)", c, err)
	}
	// The sequence is taken modulo 2^22: it never spills into the time.
	if Make(at, 1<<22+5) != Make(at, 5) {
		t.Error("Make does not take seq modulo 2^22")
	}
	if Make(time.Unix(0, 0), 7) != "7" {
		t.Error("Make before the epoch should count as the epoch")
	}
}

func TestShift(t *testing.T) {
	tests := []struct {
		id      string
		d       time.Duration
		want    string
		wantErr string
	}{
		{id: "1863000000000000000", d: 0, want: "1863000000000000000"},
		// One millisecond is 1<<22 in the id; the low 22 bits stay.
		{id: "1863000000000000000", d: time.Millisecond, want: "1863000000004194304"},
		{id: "1863000000004194304", d: -time.Millisecond, want: "1863000000000000000"},
		{id: "4194305", d: time.Hour, want: "15099498594305"},
		{id: "", wantErr: "empty"},
		{id: "12a", wantErr: "not a decimal number"},
		{id: "-5", wantErr: "not a decimal number"},
		{id: "12345678901234567890", wantErr: "more than 19 digits"},
		{id: "4194304", d: -2 * time.Millisecond, wantErr: "leaves the snowflake range"},
		{id: "4194304", d: -time.Millisecond, wantErr: "is 0"},
		{id: "9223372036854775807", d: time.Millisecond, wantErr: "leaves the snowflake range"},
	}
	for _, tc := range tests {
		got, err := Shift(tc.id, tc.d)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Shift(%q, %s) = %q, %v; want an error containing %q", tc.id, tc.d, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Shift(%q, %s) = %q, %v; want %q", tc.id, tc.d, got, err, tc.want)
		}
	}
}

func TestCheckPlausible(t *testing.T) {
	now := time.Date(2026, 11, 24, 18, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		id   string
		want error // nil: plausible
	}{
		{"a minute old", Make(now.Add(-time.Minute), 7), nil},
		{"a week old", Make(now.Add(-7*24*time.Hour), 0), nil},
		{"now", Make(now, 0), nil},
		{"MaxSkew ahead (clock skew)", Make(now.Add(MaxSkew), 1<<22-1), nil},
		{"just past MaxSkew", Make(now.Add(MaxSkew+time.Millisecond), 0), ErrFuture},
		{"an hour ahead", Make(now.Add(time.Hour), 0), ErrFuture},
		{"the largest id (2080)", "9223372036854775807", ErrFuture},
		{"the first snowflake (the epoch)", "4194304", nil},
		{"pre-snowflake", "20", ErrNoTime},
		{"below 2^22", "4194303", ErrNoTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPlausible(tc.id, now)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("CheckPlausible(%s) = %v, want %v", tc.id, err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.id) {
				t.Errorf("error %q does not name the id", err)
			}
		})
	}
	// The clock decides: the same id is plausible an hour later.
	id := Make(now.Add(time.Hour), 0)
	if err := CheckPlausible(id, now.Add(time.Hour)); err != nil {
		t.Errorf("an id made at the caller's now: %v", err)
	}
	for _, id := range []string{"", "007", "12a", "9223372036854775808"} {
		if err := CheckPlausible(id, now); err == nil || errors.Is(err, ErrFuture) || errors.Is(err, ErrNoTime) {
			t.Errorf("CheckPlausible(%q) = %v, want the parse error", id, err)
		}
	}
}
