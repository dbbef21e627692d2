package numpytest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Python is the interpreter used; `make test` installs python3-numpy for it.
const Python = "/usr/bin/python3"

// Require returns the interpreter path when it can import numpy, and
// otherwise skips t (or fails it when $CI is set).
func Require(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(Python, "-c", "import numpy").CombinedOutput()
	if err == nil {
		return Python
	}
	msg := "NumPy is not available to " + Python + " (" + strings.TrimSpace(err.Error()+" "+string(out)) + "); install python3-numpy (make test does)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Run runs script with the interpreter, in dir, passing args, and returns
// its standard output; it fails t with the script's standard error if the
// script fails.
func Run(t testing.TB, dir, script string, args ...string) []byte {
	t.Helper()
	py := Require(t)
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python script failed: %v\n%s", err, stderr.String())
	}
	return out
}
