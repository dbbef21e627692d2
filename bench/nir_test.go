package bench

import (
	"context"
	"fmt"
	"leaky/internal/fixtures"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/internal/numpytest"
	"leaky/npy"
)

// nirFixtures is ../shared/nir beside the repository.
func nirFixtures(tb testing.TB) string {
	tb.Helper()
	return fixtures.NIR(tb)
}

// BenchmarkNIR runs one batch of each NIR workload per iteration — the
// braille network at batch 256, the CNN at batch 64 — through nir.Open,
// Model.Description and netfile.Build as `leaky run --nir` does, drawing
// the inputs and building the network outside the timer, and reports
// samples per second and the mean spikes per sample (all populations).
func BenchmarkNIR(b *testing.B) {
	dir := nirFixtures(b)
	for _, w := range NIRWorkloads() {
		inputs, err := w.WriteInputs(b.TempDir(), w.Inputs())
		if err != nil {
			b.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("net=%s/batch=%d/threads=%d", w.Net, w.Batch, threads), func(b *testing.B) {
				var spikes int64
				for b.Loop() {
					b.StopTimer()
					n, err := BuildNIR[float32](w, dir, inputs, "float32", nil)
					if err != nil {
						b.Fatal(err)
					}
					n.Net.SetThreads(threads)
					b.StartTimer()
					if err := n.Net.Run(context.Background(), w.Steps, nil); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					for _, p := range n.Pops {
						spikes += p.SpikeCount()
					}
					n.Net.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(w.Batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
				b.ReportMetric(float64(spikes)/float64(b.N*w.Batch), "spikes/sample")
			})
		}
	}
}

// requireTorch returns the interpreter when it can import torch and h5py
// (Debian python3-torch and python3-h5py, which make test-deps installs),
// and otherwise skips t, or fails it under CI, which must prove leaky
// computes what the PyTorch peer does.
func requireTorch(t *testing.T) string {
	t.Helper()
	py := numpytest.Require(t)
	if out, err := exec.Command(py, "-c", "import torch, h5py").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PyTorch or h5py is not available to %s (%v %s); make test-deps installs python3-torch and python3-h5py", py, err, strings.TrimSpace(string(out)))
		}
		t.Skipf("PyTorch or h5py is not available to %s (%v %s); apt-get install python3-torch python3-h5py", py, err, strings.TrimSpace(string(out)))
	}
	return py
}

// TestNIRMatchesTorch runs each NIR workload, shortened, in leaky and in
// bench/peers/torch_nir.py on the same inputs, and requires the same spikes
// in every spiking population at every step and V within rounding, in
// float64 and float32: the PyTorch peer computes what leaky computes. Beside
// the trained networks it runs nir/testdata's perneuron.nir (a CubaLIF
// and a LIF whose every parameter differs between neurons, the peer's
// parameters then tensors) as the peer's feed-forward chain.
func TestNIRMatchesTorch(t *testing.T) {
	py := requireTorch(t)
	type peerCase struct {
		w        NIRWorkload
		peer     string                  // torch_nir.py's class
		fixtures func(testing.TB) string // the directory of w.File
	}
	cases := []peerCase{{
		w:        NIRWorkload{Net: "perneuron", File: "perneuron.nir", Dt: 1e-4, Steps: 60, Batch: 4, Shape: []int{3}, Density: 0.5, Seed: 1},
		peer:     "chain",
		fixtures: func(testing.TB) string { return filepath.Join("..", "nir", "testdata") },
	}}
	for _, w := range NIRWorkloads() {
		w.Batch, w.Steps = 4, 40
		if w.Net == "cnn" {
			w.Batch, w.Steps = 3, 12
		}
		cases = append(cases, peerCase{w, w.Net, nirFixtures})
	}
	for _, c := range cases {
		w := c.w
		for _, dtype := range []string{"float64", "float32"} {
			t.Run(w.Net+"/"+dtype, func(t *testing.T) {
				dir := c.fixtures(t)
				tmp := t.TempDir()
				inputs, err := w.WriteInputs(tmp, w.Inputs())
				if err != nil {
					t.Fatal(err)
				}
				// Every population's V, and the spikes of those that spike
				// (of the one feeding an Output too: recorded twice, held once).
				probe, err := BuildNIR[float64](w, dir, inputs, "float64", nil)
				if err != nil {
					t.Fatal(err)
				}
				var record []string
				for _, p := range probe.Pops {
					vars := "v"
					if p.Neuron.Kind.Spiking() {
						vars = "v,s"
					}
					record = append(record, p.Name+":"+vars)
				}
				var got map[string]map[string][]float64
				if dtype == "float64" {
					got = runNIRTraces[float64](t, w, dir, inputs, dtype, record)
				} else {
					got = runNIRTraces[float32](t, w, dir, inputs, dtype, record)
				}
				cmd := exec.Command(py, filepath.Join("peers", "torch_nir.py"), "check", c.peer, filepath.Join(dir, w.File), inputs, tmp, dtype, strconv.FormatFloat(w.Dt, 'g', -1, 64))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("torch_nir.py check: %v\n%s", err, out)
				}
				tol := 1e-9
				if dtype == "float32" {
					tol = 1e-4
				}
				total := 0
				for _, p := range probe.Pops {
					for v, x := range got[p.Name] {
						a, err := npy.Read(filepath.Join(tmp, v+"_"+p.Name+".npy"))
						if err != nil {
							t.Fatal(err)
						}
						if len(a.Data) != len(x) {
							t.Fatalf("%s of %s: PyTorch wrote %d values (%s), leaky %d", v, p.Name, len(a.Data), a.ShapeString(), len(x))
						}
						for i := range x {
							step, rest := i/(w.Batch*p.N), i%(w.Batch*p.N)
							if v == "s" {
								if x[i] != a.Data[i] {
									t.Fatalf("%s: spike of neuron %d of trial %d at step %d: leaky %v, PyTorch %v", p.Name, rest%p.N, rest/p.N, step, x[i], a.Data[i])
								}
								total += int(x[i])
								continue
							}
							if d := math.Abs(x[i] - a.Data[i]); d > tol*max(1, math.Abs(x[i])) {
								t.Fatalf("%s: V of neuron %d of trial %d at step %d: leaky %v, PyTorch %v", p.Name, rest%p.N, rest/p.N, step, x[i], a.Data[i])
							}
						}
					}
				}
				// Silent populations would compare nothing but the leak.
				for _, p := range probe.Pops {
					if s, ok := got[p.Name]["s"]; ok && sum(s) == 0 {
						t.Errorf("%s never spiked in %d steps × %d trials; the comparison proves little", p.Name, w.Steps, w.Batch)
					}
				}
				t.Logf("%s %s: %d spikes equal, V within %g", w.Net, dtype, total, tol)
			})
		}
	}
}

// runNIRTraces runs w in T, recording record, and returns each recorded
// population's traces as float64, by population and variable (v, s).
func runNIRTraces[T engine.Float](t *testing.T, w NIRWorkload, dir, inputs, dtype string, record []string) map[string]map[string][]float64 {
	t.Helper()
	n, err := BuildNIR[T](w, dir, inputs, dtype, record)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Net.Close()
	if err := n.Net.Run(context.Background(), w.Steps, nil); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]float64{}
	for pop, vars := range n.Traces {
		out[pop] = map[string][]float64{}
		for v, tr := range vars {
			x := make([]float64, len(tr.Data))
			for i, d := range tr.Data {
				x[i] = float64(d)
			}
			out[pop][v] = x
		}
	}
	return out
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}
