// Package mpitest launches tests under OpenMPI's mpirun the one way leaky's
// tests do: oversubscribed ranks on one machine over shared memory, and as
// root when the test runs as root (a container's CI).
package mpitest

import (
	"os"
	"os/exec"
	"strconv"
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

// Args is mpirun's command line for np ranks of prog args….
func Args(np int, prog string, args ...string) []string {
	return append([]string{"-np", strconv.Itoa(np), "--oversubscribe", "--mca", "btl", "self,vader", prog}, args...)
}

// Env is the environment for mpirun: the test's, with running as root
// allowed (OpenMPI refuses root otherwise).
func Env() []string {
	return append(os.Environ(), "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
}
