package store

import (
	"slices"
	"testing"
)

func TestRank(t *testing.T) {
	tests := []struct {
		name string
		in   []Entry
		n    int
		want []Entry
	}{
		{"count desc, then byte order", []Entry{{"b", 1, ""}, {"a", 1, ""}, {"c", 3, ""}, {"é", 1, ""}}, 10,
			[]Entry{{"c", 3, ""}, {"a", 1, ""}, {"b", 1, ""}, {"é", 1, ""}}},
		{"cut to n", []Entry{{"b", 1, ""}, {"a", 1, ""}, {"c", 3, ""}}, 2, []Entry{{"c", 3, ""}, {"a", 1, ""}}},
		{"a repeat from the tie query", []Entry{{"a", 2, ""}, {"b", 1, ""}, {"b", 1, ""}, {"c", 1, ""}}, 3,
			[]Entry{{"a", 2, ""}, {"b", 1, ""}, {"c", 1, ""}}},
		// The set changed between the two reads: q was read at 6, then again at 5 among the
		// ties. Sorted, the two q are not next to each other; q is kept once, at its first place.
		{"a repeat with another count", []Entry{{"q", 6, ""}, {"a", 5, ""}, {"b", 5, ""}, {"a", 5, ""}, {"b", 5, ""}, {"q", 5, ""}}, 4,
			[]Entry{{"q", 6, ""}, {"a", 5, ""}, {"b", 5, ""}}},
		{"empty", nil, 5, []Entry{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rank(slices.Clone(tc.in), tc.n); !slices.Equal(got, tc.want) {
				t.Errorf("rank(%v, %d) = %v, want %v", tc.in, tc.n, got, tc.want)
			}
		})
	}
}
