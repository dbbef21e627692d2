package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"leaky/internal/mpitest"
)

// buildMPI builds leaky with -tags mpi into a temporary directory (what
// make build-mpi builds) and returns it with mpirun's path. Without
// mpirun or OpenMPI's headers the test skips, except under CI=true.
func buildMPI(t *testing.T) (leaky, mpirun string) {
	t.Helper()
	mpirun = mpitest.Mpirun(t)
	if err := exec.Command("pkg-config", "--exists", "ompi-c").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pkg-config ompi-c: %v (CI=true: failing; make mpi-deps installs libopenmpi-dev)", err)
		}
		t.Skipf("pkg-config ompi-c: %v (make mpi-deps installs libopenmpi-dev)", err)
	}
	leaky = filepath.Join(t.TempDir(), "leaky-mpi")
	if out, err := exec.Command("go", "build", "-tags", "mpi", "-o", leaky, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	return leaky, mpirun
}

// mpiRun runs leaky-mpi on np ranks and returns its status and output.
func mpiRun(t *testing.T, mpirun, leaky string, np int, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(mpirun, mpitest.Args(np, leaky, args...)...)
	cmd.Env = mpitest.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("mpirun: %v", err)
	}
	return 0, string(out)
}

// comparableSummary is summary.json without what may differ between two
// runs of the same network: timings, the output directory, threads and
// ranks.
func comparableSummary(t *testing.T, path string) (map[string]any, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	ranks, _ := s["ranks"].(float64)
	for _, k := range []string{"wall_seconds", "realtime_factor", "neuron_steps_per_second", "out", "threads", "ranks", "exchange_seconds", "setup_seconds"} {
		delete(s, k)
	}
	for _, p := range s["populations"].([]any) {
		delete(p.(map[string]any), "threads")
	}
	return s, int(ranks)
}

// TestMPIRanksMatchOneProcess runs networks on 1, 2 and 3 MPI ranks and
// compares every file they write with one process's at 1 and 2 threads:
// examples/small.yaml (populations of fewer 64-neuron words than ranks,
// a delay, a readout, two trials), CUBA, a delayed recurrent network, and
// a feed-forward population of 10^5 neurons (not a multiple of 64·K).
func TestMPIRanksMatchOneProcess(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	dir := t.TempDir()
	delayed := filepath.Join(dir, "delayed.yaml")
	if err := os.WriteFile(delayed, []byte(`
run: {dt: 0.001, steps: 400, batch: 2, seed: 11}
sources:
  - {name: in, poisson: {size: 150, rate: 60}}
populations:
  - {name: a, size: 333, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: b, size: 97, params: {tau_mem: 0.02, tau_syn: 0.005, refractory: 0.002}}
projections:
  - {source: in, target: a, type: sparse, p: 0.3, weight: 0.4}
  - {source: a, target: b, type: sparse, p: 0.1, weight: 0.5, delay: 5}
  - {source: b, target: a, type: sparse, p: 0.2, weight: -0.3, delay: 2}
  - {source: a, target: a, type: dense, weight: {normal: [0.0, 0.02]}, delay: 1}
recorders:
  - {population: a, vars: [spikes, v, isyn], neurons: [0, 64, 200, 332]}
  - {population: b, vars: [spikes, iinp]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"small", []string{"--net", "../../examples/small.yaml"}},
		{"cuba", []string{"--net", "../../examples/cuba.yaml", "--steps", "300"}},
		{"delayed", []string{"--net", delayed}},
		{"feedforward", []string{"--neurons", "100000", "--n-inputs", "100", "--steps", "100", "--record", "spikes,v,isyn", "--record-neurons", "0,63,64,50000,99999", "--procedural-weights"}},
	}
	for _, c := range cases {
		want := filepath.Join(dir, c.name+"-1")
		mustRun(t, append([]string{"run", "--threads", "1", "--out", want}, c.args...)...)
		files, err := os.ReadDir(want)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 3 {
			t.Fatalf("%s: one process wrote only %d files", c.name, len(files))
		}
		wantSum, _ := comparableSummary(t, filepath.Join(want, "summary.json"))
		if wantSum["output_spikes"].(float64) == 0 {
			t.Fatalf("%s: no spikes; the comparison would prove little", c.name)
		}
		check := func(label, got string, ranks int) {
			t.Helper()
			for _, f := range files {
				if f.Name() == "summary.json" {
					continue
				}
				a, _ := os.ReadFile(filepath.Join(want, f.Name()))
				b, err := os.ReadFile(filepath.Join(got, f.Name()))
				if err != nil {
					t.Errorf("%s %s: %v", c.name, label, err)
				} else if !bytes.Equal(a, b) {
					t.Errorf("%s %s: %s differs from one process at 1 thread", c.name, label, f.Name())
				}
			}
			got2, err := os.ReadDir(got)
			if err == nil && len(got2) != len(files) {
				t.Errorf("%s %s: %d files, one process wrote %d", c.name, label, len(got2), len(files))
			}
			s, r := comparableSummary(t, filepath.Join(got, "summary.json"))
			if r != ranks {
				t.Errorf("%s %s: summary says %d ranks, want %d", c.name, label, r, ranks)
			}
			a, _ := json.Marshal(wantSum)
			b, _ := json.Marshal(s)
			if !bytes.Equal(a, b) {
				t.Errorf("%s %s: summary.json differs from one process's:\n%s\n%s", c.name, label, a, b)
			}
		}
		two := filepath.Join(dir, c.name+"-t2")
		mustRun(t, append([]string{"run", "--threads", "2", "--out", two}, c.args...)...)
		check("one process × 2 threads", two, 1)
		for _, np := range []int{1, 2, 3} {
			for _, threads := range []string{"1", "2"} {
				if np == 3 && threads == "2" {
					continue // 6 threads on a 2-core machine prove nothing more
				}
				got := filepath.Join(dir, c.name+"-np"+string(rune('0'+np))+"t"+threads)
				status, out := mpiRun(t, mpirun, leaky, np, append([]string{"run", "--threads", threads, "--out", got}, c.args...)...)
				if status != 0 {
					t.Fatalf("%s on %d ranks: status %d\n%s", c.name, np, status, out)
				}
				if n := strings.Count(out, "leaky: "); n != 1 {
					t.Errorf("%s on %d ranks printed %d lines, want rank 0's one:\n%s", c.name, np, n, out)
				}
				check("on "+string(rune('0'+np))+" ranks × "+threads+" threads", got, np)
			}
		}
	}
}

// TestMPIBadInputOnce: bad input is refused by every rank alike, said
// once, with status 2.
func TestMPIBadInputOnce(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	status, out := mpiRun(t, mpirun, leaky, 3, "run", "--threads", "-1", "--out", t.TempDir())
	if status != exitUsage || strings.Count(out, "--threads -1: must be ≥ 0") != 1 {
		t.Fatalf("status %d, want %d and the message once:\n%s", status, exitUsage, out)
	}
}

// TestMPIRefusedWithoutMPI: the pure-Go build under mpirun with several
// ranks says how to build with MPI instead of running the network alone
// on every rank.
func TestMPIRefusedWithoutMPI(t *testing.T) {
	mpirun := mpitest.Mpirun(t)
	plain := filepath.Join(t.TempDir(), "leaky")
	if out, err := exec.Command("go", "build", "-o", plain, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := t.TempDir()
	status, msg := mpiRun(t, mpirun, plain, 2, "run", "--steps", "5", "--out", out)
	if status != exitUsage || strings.Count(msg, "make build-mpi") != 1 {
		t.Fatalf("status %d, want %d and one line naming make build-mpi:\n%s", status, exitUsage, msg)
	}
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Fatalf("wrote %d files", len(files))
	}
}
