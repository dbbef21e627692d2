package mpitest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Mpirun returns mpirun's path. Without one the test skips, except under
// CI=true, where it fails: make test-deps installs openmpi-bin.
func Mpirun(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("mpirun")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mpirun not found (CI=true: failing; make test-deps installs openmpi-bin): %v", err)
		}
		t.Skipf("mpirun not found (make test-deps installs openmpi-bin): %v", err)
	}
	return p
}

// Args is mpirun's command line for np ranks of prog args…. It exports the
// test's LEAKY_* and GODEBUG variables to the ranks (mpirun passes on few
// variables by itself), so that a suite run under LEAKY_KERNEL=generic
// runs its ranks on the kernel its one-process runs use.
func Args(np int, prog string, args ...string) []string {
	out := []string{"-np", strconv.Itoa(np), "--oversubscribe", "--mca", "btl", "self,vader"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LEAKY_") || name == "GODEBUG" {
			out = append(out, "-x", name)
		}
	}
	return append(append(out, prog), args...)
}

// Env is the environment for mpirun: the test's, with running as root
// allowed (OpenMPI refuses root otherwise).
func Env() []string {
	return append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
}
