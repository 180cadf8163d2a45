package store

import (
	"io/fs"
	"strings"
)

// recordParts are the record script's files in lua/, in the order they run: one Lua chunk,
// so later parts use the locals of earlier ones (record.lua's header says what each holds).
var recordParts = []string{
	"record.lua",
	"record_read.lua", "record_spelling_read.lua", "record_coverage_read.lua",
	"record_write.lua", "record_spelling_write.lua", "record_coverage_write.lua",
	"record_finish.lua",
}

// joinParts joins the named files of lua/ in fsys into one script, a blank line between two.
// A missing part is a programming error: it panics at package load, failing every test.
func joinParts(fsys fs.FS, names []string) string {
	parts := make([]string, len(names))
	for i, name := range names {
		b, err := fs.ReadFile(fsys, "lua/"+name)
		if err != nil {
			panic("store: the record script's part " + name + ": " + err.Error())
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, "\n")
}
