package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/netfile"
	"leaky/session"
)

// TestDriverFromGoMatchesCLI runs a network file through the session
// package directly, without the CLI, and checks that it writes the bytes
// leaky run --net writes.
func TestDriverFromGoMatchesCLI(t *testing.T) {
	dir := t.TempDir()
	cli, lib := filepath.Join(dir, "cli"), filepath.Join(dir, "lib")
	mustRun(t, "run", "--net", "../../examples/small.yaml", "--out", cli, "--threads", "1")
	f, err := netfile.Load("../../examples/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Run(context.Background(), f, session.Options{Out: lib, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Steps != 2000 || s.StepReached != 2000 || s.Interrupted || len(s.Populations) != 3 {
		t.Fatalf("summary %+v", s)
	}
	sameFiles(t, cli, lib, smallOutputs)
}

// TestPrintNetRunsTheSame prints the description a set of flags makes and
// runs it with --net: every output must be byte for byte the flags' run.
func TestPrintNetRunsTheSame(t *testing.T) {
	dir := t.TempDir()
	x, w, _ := goldenInputs(t, dir)
	for name, flags := range map[string][]string{
		"poisson":    {"--steps", "700", "--neurons", "90", "--batch", "2", "--rate", "30", "--reset", "zero", "--threshold", "0.8", "--record", "spikes,v", "--record-neurons", "3,1-2", "--figure-neuron", "4"},
		"procedural": {"--steps", "300", "--neurons", "70", "--procedural-weights", "--dtype", "float64"},
		"files":      {"--inputs", x, "--weights", w, "--tau-mem", "0.02", "--tau-syn", "0.004"},
	} {
		status, yaml, stderr := run(t, append([]string{"run", "--print-net"}, flags...)...)
		if status != exitOK {
			t.Fatalf("%s: --print-net: status %d: %s", name, status, stderr)
		}
		net := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(net, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		a, b := filepath.Join(dir, name, "flags"), filepath.Join(dir, name, "net")
		mustRun(t, append([]string{"run", "--out", a}, flags...)...)
		mustRun(t, "run", "--net", net, "--out", b)
		entries, err := os.ReadDir(a)
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".npy") || e.Name() == "figure.png" {
				files = append(files, e.Name())
			}
		}
		if len(files) < 2 {
			t.Fatalf("%s: only %v written", name, files)
		}
		sameFiles(t, a, b, files)
	}
}

// TestResumeAlone interrupts a flags run and resumes it with --resume and
// nothing else: the checkpoint carries the description and the output
// directory. A flag given with --resume that disagrees is refused by name.
func TestResumeAlone(t *testing.T) {
	dir := t.TempDir()
	flags := []string{"--steps", "1200", "--neurons", "120", "--batch", "2", "--rate", "30", "--seed", "4", "--record-neurons", "0-9", "--threads", "1"}
	whole, part := filepath.Join(dir, "whole"), filepath.Join(dir, "part")
	if status, stderr := runAt(t, 0, append(flags, "--out", whole)...); status != exitOK {
		t.Fatalf("uninterrupted: %d %s", status, stderr)
	}
	ckpt := filepath.Join(dir, "ck.lkc")
	if status, stderr := runAt(t, 500, append(flags, "--out", part, "--checkpoint", ckpt)...); status != exitSIGTERM {
		t.Fatalf("interrupted: %d %s", status, stderr)
	}
	status, stderr := runAt(t, 0, "--resume", ckpt, "--neurons", "121")
	if status != exitUsage || !strings.Contains(stderr, `--neurons is "120" in the checkpoint but "121" now`) {
		t.Errorf("resume with another --neurons: %d %q", status, stderr)
	}
	if status, stderr := runAt(t, 0, "--resume", ckpt, "--rate", "30"); status != exitOK {
		t.Fatalf("resume alone: %d %s", status, stderr)
	}
	sameOutputs(t, part, whole)
}
