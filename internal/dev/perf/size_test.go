package perf

import (
	"slices"
	"strings"
	"testing"
)

func TestSymbolPackage(t *testing.T) {
	known := map[string]bool{
		"runtime": true, "net/http": true, "github.com/redis/go-redis/v9": true, "github.com/redis/go-redis/v9/internal/pool": true,
		"gopkg.in/yaml.v3": true, "vendor/golang.org/x/net/idna": true, "slices": true, "crypto/internal/fips140/drbg": true,
	}
	const mainPkg = "example.com/m/ingest"
	tests := []struct{ sym, want string }{
		{"runtime.mallocgc", "runtime"},
		{"net/http.(*Transport).RoundTrip", "net/http"},
		{"github.com/redis/go-redis/v9.(*baseClient).process", "github.com/redis/go-redis/v9"},
		{"github.com/redis/go-redis/v9/internal/pool.(*Conn).Close", "github.com/redis/go-redis/v9/internal/pool"},
		{"github.com/redis/go-redis/v9.cmdable.FTCreate.func1", "github.com/redis/go-redis/v9"},
		{"gopkg.in/yaml.v3.Marshal", "gopkg.in/yaml.v3"},
		{"vendor/golang.org/x/net/idna.idnaValues", "vendor/golang.org/x/net/idna"},
		{"slices.SortFunc[go.shape.struct { github.com/redis/go-redis/v9.x int }]", "slices"},
		{"type:.eq.[4]github.com/redis/go-redis/v9.Foo", ""}, // an array type: no package prefix
		{"type:*net/http.Request", "net/http"},
		{"go:itab.*net/http.Transport,net/http.RoundTripper", "net/http"},
		{"main.main", mainPkg},
		{"main.run.func1", mainPkg},
		{"go:func.*", ""},
		{"aeshashbody", ""},
		{"crypto/internal/fips140/drbg.memory", "crypto/internal/fips140/drbg"},
	}
	for _, tc := range tests {
		if got := SymbolPackage(tc.sym, func(p string) bool { return known[p] }, mainPkg); got != tc.want {
			t.Errorf("SymbolPackage(%q) = %q, want %q", tc.sym, got, tc.want)
		}
	}
}

// graph: main (module m) imports a (module A) and b (module B); a imports c (module C) and
// text/template; b imports c; text/template imports fmt.
const goListFixture = `{"ImportPath":"fmt","Name":"fmt","Standard":true}
{"ImportPath":"text/template","Name":"template","Standard":true,"Imports":["fmt"]}
{"ImportPath":"c","Name":"c","Imports":["fmt"],"Module":{"Path":"C"}}
{"ImportPath":"a","Name":"a","Imports":["c","text/template"],"Module":{"Path":"A"}}
{"ImportPath":"b","Name":"b","Imports":["c"],"Module":{"Path":"B"}}
{"ImportPath":"m/app","Name":"app","Imports":["a","b"],"Module":{"Path":"m"}}
{"ImportPath":"m/cmd","Name":"main","Imports":["m/app","fmt"],"Module":{"Path":"m"}}
`

func TestSizeAttribution(t *testing.T) {
	pkgs, mainPkg, err := parseGoList(strings.NewReader(goListFixture))
	if err != nil {
		t.Fatal(err)
	}
	if mainPkg != "m/cmd" || len(pkgs) != 7 || pkgs["fmt"].Module != "std" || pkgs["a"].Module != "A" {
		t.Fatalf("main %q, %d packages, fmt in %q, a in %q", mainPkg, len(pkgs), pkgs["fmt"].Module, pkgs["a"].Module)
	}
	syms := []symbol{
		{"main.main", 100, true},
		{"m/app.Run", 100, true},
		{"a.F", 200, true},
		{"a.table", 50, false},
		{"b.G", 100, true},
		{"c.H", 300, true},
		{"text/template.(*state).evalField", 100, true},
		{"fmt.Sprintf", 100, true},
		{"go:func.*", 400, false}, // unnamed tables: shared out by code size
	}
	// Image: 1,050 bytes named (1,000 of code), plus 1,000 nobody names.
	rest := attribute(pkgs, mainPkg, syms, 2050)
	if rest != 1000 {
		t.Fatalf("unattributed %d, want 1000", rest)
	}
	if p := pkgs["a"]; p.Text != 200 || p.Data != 50 || p.Estimated != 200+50+1000*200/1000 {
		t.Errorf("a: %+v", *p)
	}
	mods := byModule(pkgs, map[string]string{"A": "v1.0.0"})
	var total int64
	for _, m := range mods {
		total += m.Estimated
	}
	if total != 2050 {
		t.Errorf("modules add up to %d, want the image 2050", total)
	}
	if mods[0].Module != "C" || mods[0].Estimated != 600 {
		t.Errorf("largest module %+v, want C 600", mods[0])
	}
	if mods[1].Module != "A" || mods[1].Version != "v1.0.0" || mods[1].Estimated != 450 {
		t.Errorf("then %+v, want A v1.0.0 450", mods[1])
	}

	drops := dropCosts(pkgs, mainPkg)
	byMod := map[string]DropCost{}
	for _, d := range drops {
		byMod[d.Module] = d
	}
	if len(drops) != 2 {
		t.Fatalf("drops %+v: want the direct dependencies A and B only", drops)
	}
	// Without A: a and text/template go; c stays (b needs it); fmt stays (main needs it).
	if d := byMod["A"]; d.Packages != 2 || d.Estimated != 450+200 || !slices.Equal(d.Modules, []string{"A"}) {
		t.Errorf("drop A: %+v", d)
	}
	if d := byMod["B"]; d.Packages != 1 || d.Estimated != 200 {
		t.Errorf("drop B: %+v", d)
	}
	if drops[0].Module != "A" {
		t.Errorf("drops not largest first: %+v", drops)
	}
}

func TestParseVersionM(t *testing.T) {
	out := "/tmp/bootstrap: go1.26.8\n\tpath\texample.com/m/ingest\n\tmod\texample.com/m\t(devel)\t\n" +
		"\tdep\tgithub.com/redis/go-redis/v9\tv9.23.0\th1:x=\n\tdep\tgolang.org/x/text\tv0.44.0\th1:y=\n\tbuild\t-trimpath=true\n"
	got := parseVersionM(out)
	if len(got) != 2 || got["github.com/redis/go-redis/v9"] != "v9.23.0" || got["golang.org/x/text"] != "v0.44.0" {
		t.Errorf("got %v", got)
	}
}

func TestSAMTarget(t *testing.T) {
	// The logical ids of nested/ingest.yaml and nested/leaderboard.yaml.
	for function, want := range map[string]string{"ingest": "build-IngestFunction", "leaderboard": "build-LeaderboardFunction"} {
		if got := SAMTarget(function); got != want {
			t.Errorf("SAMTarget(%q) = %q, want %q", function, got, want)
		}
	}
}
