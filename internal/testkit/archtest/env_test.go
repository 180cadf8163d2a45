package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"
)

// configPkg is the one deployed package that may name an environment variable.
const configPkg = module + "/internal/config"

// deployedFile is a source file a bootstrap is built from: a Go file or an embedded asset.
type deployedFile struct {
	pkg, path string
	embedded  bool
}

// deployedFiles lists the non-test Go files and embedded files of the module's packages the two
// bootstraps link, as `sam build` builds them (linux/arm64, tag lambda.norpc), but internal/config.
func deployedFiles(t *testing.T) []deployedFile {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc",
		"-f", "{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \",\"}}|{{join .EmbedFiles \",\"}}",
		module+"/ingest", module+"/leaderboard")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var files []deployedFile
	pkgs := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 4 || !strings.HasPrefix(f[0]+"/", module+"/") || f[0] == configPkg {
			continue
		}
		pkgs++
		for i, list := range []string{f[2], f[3]} {
			for name := range strings.SplitSeq(list, ",") {
				if name != "" {
					files = append(files, deployedFile{pkg: f[0], path: filepath.Join(f[1], name), embedded: i == 1})
				}
			}
		}
	}
	if pkgs < 5 || len(files) < 20 {
		t.Fatalf("go list found only %d of the module's packages, %d files", pkgs, len(files))
	}
	return files
}

// variableNames matches the name of a variable config reads (its aliases included) or lists as
// read by the SDKs, as a whole word of capitals, digits and underscores.
func variableNames() *regexp.Regexp {
	names := append(config.Variables(), config.SDKVariables...)
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) }) // longest first
	for i, n := range names {
		names[i] = regexp.QuoteMeta(n)
	}
	return regexp.MustCompile(`(^|[^A-Z0-9_])(` + strings.Join(names, "|") + `)([^A-Z0-9_]|$)`)
}

// mentions lists where src, a Go file, names a variable in a comment or a string or rune literal.
func mentions(fset *token.FileSet, path string, src []byte, re *regexp.Regexp) ([]string, error) {
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(pos token.Pos, kind, text string) {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			out = append(out, fmt.Sprintf("%s: %s names %s", fset.Position(pos), kind, m[2]))
		}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			add(c.Pos(), "a comment", c.Text)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && (lit.Kind == token.STRING || lit.Kind == token.CHAR) {
			add(lit.Pos(), "a literal", lit.Value)
		}
		return true
	})
	return out, nil
}

// TestOnlyConfigNamesVariables: no deployed package but internal/config mentions the name of
// an environment variable, in a comment, a string constant or an embedded file. The names are
// config's own lists (config.Variables, config.SDKVariables), so a new variable is covered as
// soon as config reads it.
func TestOnlyConfigNamesVariables(t *testing.T) {
	re := variableNames()
	fset := token.NewFileSet()
	for _, f := range deployedFiles(t) {
		src, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		if f.embedded {
			for i, line := range strings.Split(string(src), "\n") {
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					found = append(found, fmt.Sprintf("%s:%d: embedded text names %s", f.path, i+1, m[2]))
				}
			}
		} else if found, err = mentions(fset, f.path, src, re); err != nil {
			t.Fatal(err)
		}
		for _, m := range found {
			t.Errorf("%s (package %s): only internal/config names variables; name the field or option instead", m,
				strings.TrimPrefix(f.pkg, module+"/"))
		}
	}
}

// TestMentionsFindsNames: the check sees a name in a comment, a string and a raw string, not in
// an identifier or inside a longer name.
func TestMentionsFindsNames(t *testing.T) {
	src := "package p\n\n// Reads X_SECRET_ARN.\nconst a = \"MAX_PAGES\"\n\nvar b = `TWITTER_API_URL=`\n\n" +
		"/* AWS_XRAY_DAEMON_ADDRESS */\nvar MAX_PAGES_X = \"MY_MAX_PAGES\" // BOARDS_X, LOG_LEVELS\n"
	got, err := mentions(token.NewFileSet(), "p.go", []byte(src), variableNames())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range got {
		names = append(names, g[strings.LastIndex(g, " ")+1:])
	}
	if want := []string{"X_SECRET_ARN", "AWS_XRAY_DAEMON_ADDRESS", "MAX_PAGES", "TWITTER_API_URL"}; !slices.Equal(names, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}
