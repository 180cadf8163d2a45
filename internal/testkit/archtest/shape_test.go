package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Limits of the code's shape (the team's guide): a comment line fits in 110 columns (a tab
// counts 4), a non-test file in 400 lines, a function in 80.
const (
	maxCommentColumns = 110
	maxFileLines      = 400
	maxFuncLines      = 80
	tabWidth          = 4
)

// goFiles lists the module's Go files, relative to the module root, skipping testdata.
func goFiles(t *testing.T) (root string, files []string) {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d Go files under %s", len(files), root)
	}
	return root, files
}

func columns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += tabWidth - n%tabWidth
		} else {
			n++
		}
	}
	return n
}

func TestCommentLinesFit(t *testing.T) {
	root, files := goFiles(t)
	for _, rel := range files {
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") && columns(line) > maxCommentColumns {
				t.Errorf("%s:%d: a comment line of %d columns (at most %d)", rel, i+1, columns(line), maxCommentColumns)
			}
		}
	}
}

// TestFilesAndFunctionsAreSmall: no non-test file over maxFileLines lines, no function over
// maxFuncLines lines.
func TestFilesAndFunctionsAreSmall(t *testing.T) {
	root, files := goFiles(t)
	fset := token.NewFileSet()
	for _, rel := range files {
		if strings.HasSuffix(rel, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, rel), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
			t.Errorf("%s: %d lines (at most %d): split it by purpose", rel, n, maxFileLines)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if n > maxFuncLines {
				t.Errorf("%s: func %s is %d lines (at most %d)", rel, fn.Name.Name, n, maxFuncLines)
			}
		}
	}
}
