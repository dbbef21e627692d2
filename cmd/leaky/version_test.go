package main

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/engine"
)

// TestResumeRefusesOlderVersion: a checkpoint written by leaky 0.1.0,
// whose normal weights came from another generator, is refused with one
// line naming both versions, not resumed onto this version's weights. The
// file is this version's checkpoint with the version string and the
// SHA-256 trailer rewritten, so everything but the version checks out.
func TestResumeRefusesOlderVersion(t *testing.T) {
	const old = "0.1.0"
	if len(old) != len(engine.Version) || old == engine.Version {
		t.Fatalf("the test rewrites %q as %q in place; it needs another version of the same length", engine.Version, old)
	}
	out := filepath.Join(t.TempDir(), "out")
	ckpt := filepath.Join(out, "checkpoint.lkc")
	args := []string{"--steps", "300", "--neurons", "64", "--out", out}
	if status, stderr := runAt(t, 100, args...); status != exitSIGTERM {
		t.Fatalf("interrupted run: status %d: %s", status, stderr)
	}
	data, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	body := data[:len(data)-sha256.Size]
	at := bytes.Index(body[:64], []byte(engine.Version))
	if at < 0 {
		t.Fatalf("version %q not in the checkpoint's header", engine.Version)
	}
	copy(body[at:], old)
	sum := sha256.Sum256(body)
	if err := os.WriteFile(ckpt, append(body, sum[:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	status, stderr := runAt(t, 0, append(args, "--resume", ckpt)...)
	if status != exitUsage || !strings.Contains(stderr, "written by leaky "+old+", this is "+engine.Version) || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("resume of a %s checkpoint: status %d, %q; want %d and one line naming both versions", old, status, stderr, exitUsage)
	}
}
