package perf

import (
	"debug/elf"
	"fmt"
	"strings"
)

// symbol is a named symbol of a file-backed section.
type symbol struct {
	Name string
	Size int64
	Text bool
}

// readSymbols reads the symbols of the file-backed loaded sections of an ELF binary, and the
// total size of those sections.
func readSymbols(path string) ([]symbol, int64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var image int64
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS {
			image += int64(s.Size)
		}
	}
	all, err := f.Symbols()
	if err != nil {
		return nil, 0, fmt.Errorf("symbols of %s (build without -s -w): %w", path, err)
	}
	var out []symbol
	for _, s := range all {
		i := int(s.Section)
		if i <= 0 || i >= len(f.Sections) || s.Size == 0 {
			continue
		}
		sec := f.Sections[i]
		if sec.Flags&elf.SHF_ALLOC == 0 || sec.Type == elf.SHT_NOBITS {
			continue // bss (e.g. the FIPS DRBG's 32 MiB) takes no room in the file
		}
		out = append(out, symbol{Name: s.Name, Size: int64(s.Size), Text: sec.Name == ".text"})
	}
	return out, image, nil
}

// SymbolPackage returns the import path of the package a Go symbol belongs to, given the set
// of linked packages (known), or "" for linker-made symbols (go:func.*, runtime tables
// without a package prefix, ...). The main package's symbols are named "main.*".
func SymbolPackage(name string, known func(string) bool, mainPkg string) string {
	for _, p := range []string{"type:.eq.", "type:.hash.", "type:.namedata.", "type:*", "type:", "go:itab.*", "go:itab.", "go:string."} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			name = rest
			break
		}
	}
	if i := strings.IndexAny(name, "[, "); i >= 0 {
		name = name[:i] // generic arguments, itab pairs, struct types
	}
	name = strings.TrimPrefix(name, "*")
	start := strings.LastIndex(name, "/") + 1
	for i := start; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		cand := name[:i]
		if cand == "main" {
			return mainPkg
		}
		if known(cand) {
			return cand
		}
	}
	return ""
}

// attribute sets Text, Data and Estimated of every package from syms and returns the bytes
// of image that no package's symbol names.
func attribute(pkgs map[string]*Package, mainPkg string, syms []symbol, image int64) int64 {
	known := func(p string) bool { _, ok := pkgs[p]; return ok }
	var named, text int64
	for _, s := range syms {
		p := SymbolPackage(s.Name, known, mainPkg)
		if p == "" {
			continue
		}
		named += s.Size
		if s.Text {
			pkgs[p].Text += s.Size
			text += s.Size
		} else {
			pkgs[p].Data += s.Size
		}
	}
	rest := image - named
	for _, p := range pkgs {
		p.Estimated = p.Text + p.Data
		if text > 0 && rest > 0 {
			p.Estimated += int64(float64(rest) * float64(p.Text) / float64(text))
		}
	}
	return rest
}
