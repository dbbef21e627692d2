package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCPUProfile: --cpuprofile writes a gzipped pprof profile of the run
// that names leaky's functions, beside the run's usual files; a file
// that cannot be created is bad input, one line and status 2, before any
// output is written.
func TestCPUProfile(t *testing.T) {
	dir := t.TempDir()
	prof, out := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "out")
	mustRun(t, "run", "--neurons", "50000", "--n-inputs", "200", "--steps", "4000", "--record", "spikes", "--out", out, "--cpuprofile", prof)
	raw, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the profile is not gzipped (pprof's format): %v", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("leaky/")) {
		t.Errorf("the profile (%d bytes) names no function of leaky", len(body))
	}
	if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
		t.Errorf("the profiled run wrote no summary: %v", err)
	}

	bad := filepath.Join(dir, "no", "such", "dir", "cpu.pprof")
	out2 := filepath.Join(dir, "out2")
	status, _, stderr := run(t, "run", "--steps", "10", "--out", out2, "--cpuprofile", bad)
	if status != exitUsage {
		t.Errorf("status %d, want %d (stderr %q)", status, exitUsage, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(stderr, "--cpuprofile") || !strings.Contains(stderr, bad) {
		t.Errorf("want one line naming --cpuprofile and the file, got %q", stderr)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Errorf("a run that could not start its profile wrote %s", out2)
	}
}
