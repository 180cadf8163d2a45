package store

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestRecordPartsAreAllJoined: every lua/record*.lua file is a part of the record script, once,
// and the script ends with its reply, so a part added to lua/ cannot be left out by mistake.
func TestRecordPartsAreAllJoined(t *testing.T) {
	files, err := fs.Glob(recordFS, "lua/record*.lua")
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		files[i] = strings.TrimPrefix(files[i], "lua/")
	}
	got := slices.Sorted(slices.Values(recordParts))
	if !slices.Equal(got, files) {
		t.Errorf("recordParts %v, want each of %v once", recordParts, files)
	}
	if src := joinParts(recordFS, recordParts); !strings.HasSuffix(src, "return {new, dup, counted}\n") {
		t.Errorf("the record script ends %q, want its reply", src[len(src)-40:])
	}
}
