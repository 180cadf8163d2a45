package store

import (
	"slices"
	"testing"
	"time"
)

// TestHadSlots checks how counts buckets map onto 5-minute slots: whole posts, in proportion to
// the overlap, adding up to each bucket's count.
func TestHadSlots(t *testing.T) {
	h0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	s0 := h0.Unix() / 300
	tests := []struct {
		name string
		had  []Had
		want []slotHad
	}{
		{"an hour over 12 slots, remainders to the earliest", []Had{{h0, h0.Add(time.Hour), 14}},
			[]slotHad{{s0, 2}, {s0 + 1, 2}, {s0 + 2, 1}, {s0 + 3, 1}, {s0 + 4, 1}, {s0 + 5, 1}, {s0 + 6, 1}, {s0 + 7, 1},
				{s0 + 8, 1}, {s0 + 9, 1}, {s0 + 10, 1}, {s0 + 11, 1}}},
		{"minutes add up in their slot", []Had{
			{h0, h0.Add(time.Minute), 3}, {h0.Add(time.Minute), h0.Add(2 * time.Minute), 4},
			{h0.Add(5 * time.Minute), h0.Add(6 * time.Minute), 1}},
			[]slotHad{{s0, 7}, {s0 + 1, 1}}},
		{"a partial hour", []Had{{h0.Add(50 * time.Minute), h0.Add(time.Hour), 9}},
			[]slotHad{{s0 + 10, 5}, {s0 + 11, 4}}},
		{"too old slots left out", []Had{{h0.Add(-10 * time.Minute), h0.Add(5 * time.Minute), 30}},
			[]slotHad{{s0, 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hadSlots(tt.had, h0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("hadSlots = %v, want %v", got, tt.want)
			}
		})
	}
}
