// Package postid owns the rules for X post ids (snowflakes): which strings are post ids, how
// two ids compare, the instant an id encodes, and making ids at an instant (for stand-ins,
// samples and tests).
//
// # Contract
//
// A post id is the decimal string X sends: 1 to 19 ASCII digits, no sign, no leading zero, with
// a value from 1 to 2^63-1 (X's ids are signed 64-bit numbers; the documented pattern is
// ^[0-9]{1,19}$). Each id has exactly one spelling, so the same post always has the same id
// string (the store's exactly-once record keys on it). Anything else, including "", "007" and
// 20-digit numbers, is not an id: every function here returns an error naming it (cut short,
// since ids come from the network) instead of placing it somewhere in the order. Ids compare
// numerically, never as floating point.
//
// # Snowflakes
//
// A snowflake id carries the milliseconds since the epoch (EpochMillis, 2010-11-04T01:42:54.657Z)
// in the bits above bit 22, and a worker and sequence number in the low 22 bits; ids below 2^22
// are older, sequential ids and carry no time. Time reads the instant, Make writes it.
//
// # Plausible ids
//
// Any 63-bit number is a post id, but not every one is an id X could have sent: one id from the
// year 2080 in a page would become the checkpoint's since_id and hide every real post after it.
// CheckPlausible is the policy on top of Time: an id is plausible at an instant now when it is a
// snowflake (not below 2^22: X's ids from before it used snowflakes in 2010, which recent search
// never serves) whose instant is at most MaxSkew after now. The clock is the caller's (injected
// as now), so tests and replays decide what "now" is.
package postid

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// EpochMillis is the snowflake epoch, 2010-11-04T01:42:54.657Z, in Unix milliseconds.
const EpochMillis int64 = 1288834974657

const (
	// timeShift is the number of low bits (worker and sequence) below the time in an id.
	timeShift = 22
	// seqMask selects those low bits.
	seqMask = 1<<timeShift - 1
	// maxDigits is the length of the longest id, 2^63-1.
	maxDigits = 19
)

// ErrNoTime means an id is below 2^22: a pre-snowflake id with no time in it.
var ErrNoTime = errors.New("below 2^22, carries no time")

// ErrFuture means an id's instant lies more than MaxSkew after the caller's clock.
var ErrFuture = errors.New("in the future")

// MaxSkew is how far after the caller's clock a plausible id's instant may lie: X's clock and
// ours differ a little, and a post is searchable within seconds of being made.
const MaxSkew = 5 * time.Minute

// Parse returns the value of id, or an error saying why id is not a post id.
func Parse(id string) (uint64, error) {
	switch {
	case id == "":
		return 0, errors.New("post id is empty")
	case len(id) > maxDigits:
		return 0, fmt.Errorf("post id %s: more than %d digits", quote(id), maxDigits)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return 0, fmt.Errorf("post id %s: not a decimal number", quote(id))
		}
	}
	if id[0] == '0' {
		return 0, fmt.Errorf("post id %s: zero or a leading zero", quote(id))
	}
	v, err := strconv.ParseUint(id, 10, 64)
	if err != nil || v > math.MaxInt64 {
		return 0, fmt.Errorf("post id %s: above 2^63-1", quote(id))
	}
	return v, nil
}

// Valid reports whether id is a post id (Parse accepts it).
func Valid(id string) bool {
	_, err := Parse(id)
	return err == nil
}

// Compare compares two post ids numerically: -1 if a < b, 0 if they are equal, +1 if a > b.
// It fails if either is not a post id.
func Compare(a, b string) (int, error) {
	va, err := Parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(b)
	if err != nil {
		return 0, err
	}
	switch {
	case va < vb:
		return -1, nil
	case va > vb:
		return 1, nil
	}
	return 0, nil
}

// Max returns the larger of two post ids. "" stands for no id (an empty checkpoint field): Max
// of "" and an id is that id, and Max("", "") is "". Any other non-id is an error.
func Max(a, b string) (string, error) {
	switch {
	case a == "" && b == "":
		return "", nil
	case a == "":
		_, err := Parse(b)
		return b, err
	case b == "":
		_, err := Parse(a)
		return a, err
	}
	c, err := Compare(a, b)
	if err != nil {
		return "", err
	}
	if c >= 0 {
		return a, nil
	}
	return b, nil
}

// Time returns the instant a snowflake id encodes, in UTC, at millisecond precision. It fails
// on a string that is not a post id, and on an id below 2^22 (ErrNoTime).
func Time(id string) (time.Time, error) {
	v, err := Parse(id)
	if err != nil {
		return time.Time{}, err
	}
	if v>>timeShift == 0 {
		return time.Time{}, fmt.Errorf("post id %s: %w", id, ErrNoTime)
	}
	return time.UnixMilli(int64(v>>timeShift) + EpochMillis).UTC(), nil
}

// CheckPlausible returns nil when id is a post id X could have sent by now: a snowflake
// (ErrNoTime otherwise) whose instant is at most MaxSkew after now (ErrFuture otherwise). The
// error names the id (cut short) and, for ErrFuture, its instant.
func CheckPlausible(id string, now time.Time) error {
	t, err := Time(id)
	if err != nil {
		return err
	}
	if t.After(now.Add(MaxSkew)) {
		return fmt.Errorf("post id %s: %w: made at %s, more than %s after %s", id, ErrFuture,
			t.Format(time.RFC3339), MaxSkew, now.UTC().Format(time.RFC3339))
	}
	return nil
}

// Make returns the snowflake id of instant t (to the millisecond) with seq in its low 22 bits
// (worker and sequence; taken modulo 2^22). Make(t, 0) is the smallest id of any post created
// at or after t's millisecond. It is for stand-ins, samples and tests: t must lie between
// the epoch and about the year 2080 (2^41 ms later); an earlier t counts as the epoch.
func Make(t time.Time, seq int) string {
	ms := max(t.UnixMilli()-EpochMillis, 0)
	return strconv.FormatUint(uint64(ms)<<timeShift|uint64(seq)&seqMask, 10)
}

// Shift moves the time part of a snowflake id by d (at millisecond precision) and keeps its low
// 22 bits, so shifted ids keep their order and stay unique. It fails on a non-id and when the
// result would fall before the epoch or past 2^63-1.
func Shift(id string, d time.Duration) (string, error) {
	v, err := Parse(id)
	if err != nil {
		return "", err
	}
	ms := int64(v>>timeShift) + d.Milliseconds()
	if ms < 0 || ms >= 1<<(63-timeShift) {
		return "", fmt.Errorf("post id %s moved by %s leaves the snowflake range", id, d)
	}
	shifted := uint64(ms)<<timeShift | v&seqMask
	if shifted == 0 {
		return "", fmt.Errorf("post id %s moved by %s is 0", id, d)
	}
	return strconv.FormatUint(shifted, 10), nil
}

// quote renders an untrusted string for an error message: at most 24 bytes (cut at a rune
// boundary, then "..."), Go-quoted so it is printable.
func quote(s string) string {
	const limit = 24
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}
