package xapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TwitterEpochMillis is the snowflake epoch: X ids carry the milliseconds
// since this instant (2010-11-04T01:42:54.657Z) in the bits above bit 22.
const TwitterEpochMillis int64 = 1288834974657

// snowflakeShift is the number of low bits (worker id + sequence) below the
// timestamp in an X snowflake id.
const snowflakeShift = 22

var errNotSnowflake = errors.New("not a snowflake id")

// ParseID parses a decimal X id (1 to 20 ASCII digits, no sign, no leading
// '+', fits uint64). X documents ids as strings matching ^[0-9]{1,19}$; a
// 20-digit value is accepted as long as it fits in uint64.
func ParseID(id string) (uint64, error) {
	if id == "" {
		return 0, fmt.Errorf("id is empty")
	}
	if len(id) > 20 {
		return 0, fmt.Errorf("id %q: more than 20 digits", truncateForError(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return 0, fmt.Errorf("id %q: not a decimal number", truncateForError(id))
		}
	}
	v, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("id %q: %w", id, err)
	}
	return v, nil
}

// ValidID reports whether id is a decimal X id that ParseID accepts.
func ValidID(id string) bool {
	_, err := ParseID(id)
	return err == nil
}

// SnowflakeTime returns the creation time encoded in an X snowflake id:
// (id >> 22) milliseconds after TwitterEpochMillis, in UTC. Ids too small to
// carry a timestamp (below 1<<22, i.e. pre-snowflake ids) are an error.
func SnowflakeTime(id string) (time.Time, error) {
	v, err := ParseID(id)
	if err != nil {
		return time.Time{}, fmt.Errorf("snowflake time: %w", err)
	}
	if v>>snowflakeShift == 0 {
		return time.Time{}, fmt.Errorf("snowflake time: id %q: %w", id, errNotSnowflake)
	}
	ms := int64(v>>snowflakeShift) + TwitterEpochMillis
	return time.UnixMilli(ms).UTC(), nil
}

// MinIDAt returns the smallest snowflake id whose timestamp is t (the low 22
// bits zero). Every post created at or after t has an id >= MinIDAt(t). It is
// "0" for instants before the snowflake epoch.
func MinIDAt(t time.Time) string {
	ms := t.UnixMilli() - TwitterEpochMillis
	if ms <= 0 {
		return "0"
	}
	return strconv.FormatUint(uint64(ms)<<snowflakeShift, 10)
}

// CompareIDs compares two decimal id strings numerically without converting
// them to floating point: -1 if a < b, 0 if equal, +1 if a > b. Leading zeros
// are ignored. Strings that are not all digits compare after every valid id
// and among themselves by byte order, so the result is a total order; the
// empty string sorts first (it is "no id").
func CompareIDs(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	aOK, bOK := allDigits(a), allDigits(b)
	switch {
	case aOK && !bOK:
		return -1
	case !aOK && bOK:
		return 1
	case !aOK && !bOK:
		return strings.Compare(a, b)
	}
	a, b = trimZeros(a), trimZeros(b)
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// MaxID returns the numerically larger of two ids (see CompareIDs).
func MaxID(a, b string) string {
	if CompareIDs(a, b) >= 0 {
		return a
	}
	return b
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

// truncateForError keeps error messages short and printable when they echo
// untrusted input.
func truncateForError(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
