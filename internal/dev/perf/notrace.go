package perf

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// noTracingOverlay writes a `go build -overlay` file into dir that replaces internal/tracing
// by testdata/notrace/tracing.go (the package's API, no X-Ray SDK): tracing.go by the stub,
// the package's other non-test files by an empty file.
func noTracingOverlay(moduleRoot, dir string) (string, error) {
	stub := filepath.Join(moduleRoot, "internal", "dev", "perf", "testdata", "notrace", "tracing.go")
	files, err := filepath.Glob(filepath.Join(moduleRoot, "internal", "tracing", "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("no Go files in internal/tracing (%v)", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	empty := filepath.Join(dir, "empty.go")
	if err := os.WriteFile(empty, []byte("package tracing\n"), 0o644); err != nil {
		return "", err
	}
	replace := map[string]string{}
	for _, f := range files {
		switch {
		case strings.HasSuffix(f, "_test.go"):
		case filepath.Base(f) == "tracing.go":
			replace[f] = stub
		default:
			replace[f] = empty
		}
	}
	if replace[filepath.Join(moduleRoot, "internal", "tracing", "tracing.go")] != stub {
		return "", errors.New("internal/tracing has no tracing.go for the stub to replace")
	}
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, b, 0o644); err != nil {
		return "", err
	}
	return overlay, nil
}
