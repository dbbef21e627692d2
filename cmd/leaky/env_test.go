package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLeakyKernelEnv checks a bad LEAKY_KERNEL, which package kernels reads
// at start-up, stops leaky run with status 2 and one clear line, unless
// --kernel overrides it. It re-runs the test binary as leaky, since the
// variable is only read when the process starts.
func TestLeakyKernelEnv(t *testing.T) {
	if args := os.Getenv("LEAKY_TEST_MAIN_ARGS"); args != "" {
		os.Exit(mainStatus(strings.Fields(args), os.Stdout, os.Stderr))
	}
	out := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		args   string
		status int
		says   string
	}{
		{"run --steps 5 --neurons 3 --out " + out, exitUsage, `leaky: LEAKY_KERNEL: unknown kernel "foo"`},
		{"run --steps 5 --neurons 3 --kernel generic --out " + out, exitOK, "kernel generic"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLeakyKernelEnv$")
		cmd.Env = append(os.Environ(), "LEAKY_KERNEL=foo", "LEAKY_TEST_MAIN_ARGS="+c.args)
		b, err := cmd.CombinedOutput()
		status := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !strings.Contains(string(b), c.says) {
			t.Errorf("LEAKY_KERNEL=foo leaky %s: status %d, output %q; want %d and %q", c.args, status, b, c.status, c.says)
		}
	}
}
