package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeResults writes text as the results file name in dir, as
// bench/peers/run.sh would, and returns its path.
func writeResults(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantAll fails t for each line of want that out does not contain.
func wantAll(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in\n%s", w, out)
		}
	}
}
