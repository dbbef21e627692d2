package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"leaky/bench/suite"
	"leaky/internal/fixtures"
	"leaky/session"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/bench"
	"leaky/internal/numpytest"
	"leaky/kernels"
	"leaky/netfile"
	"leaky/npy"
)

// run calls leaky with args and returns its status and output.
func run(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	status = mainStatus(args, &o, &e)
	return status, o.String(), e.String()
}

// mustRun runs leaky and fails the test unless it succeeds.
func mustRun(t *testing.T, args ...string) {
	t.Helper()
	if status, _, stderr := run(t, args...); status != 0 {
		t.Fatalf("leaky %s: status %d: %s", strings.Join(args, " "), status, stderr)
	}
}

// saveNpy writes x with the given shape as a float64 .npy file.
func saveNpy(t *testing.T, path string, x []float64, shape ...int) string {
	t.Helper()
	if rows := len(x) / max(1, prod(shape[1:])); rows != shape[0] {
		t.Fatalf("saveNpy: %d values are %d rows, want shape %v", len(x), rows, shape)
	}
	return fixtures.WriteNpy(t, path, x, shape[1:]...)
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// rawNpy writes a .npy file with an arbitrary header, for dtypes and
// layouts leaky's writer does not produce.
func rawNpy(t *testing.T, path, descr, shape string, data []byte) string {
	t.Helper()
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	total := (10 + len(dict) + 1 + 63) / 64 * 64
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(total-10))
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", total-10-len(dict)-1) + "\n")
	b.Write(data)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readNpy(t *testing.T, path string) *npy.Array {
	t.Helper()
	a, err := npy.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunDefaultWritesEverything is `make run` with fewer steps: every file
// appears, loads in numpy with the documented shapes and dtypes, v[0] is 0,
// and spikes.npy lists exactly the (step, neuron) where v.npy exceeds θ.
func TestRunDefaultWritesEverything(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	status, stdout, stderr := run(t, "run", "--steps", "600", "--out", out)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if !strings.Contains(stdout, "600 steps × 1 trials × 1000 neurons") {
		t.Fatalf("stdout %q", stdout)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "figure.png iinp.npy isyn.npy spikes.npy summary.json v.npy" {
		t.Fatalf("output files: %s", got)
	}
	v := readNpy(t, filepath.Join(out, "v.npy"))
	if v.ShapeString() != "(600, 1, 1000)" || v.DType != "float32" {
		t.Fatalf("v.npy: %s %s", v.ShapeString(), v.DType)
	}
	for i := 0; i < 1000; i++ {
		if v.Data[i] != 0 {
			t.Fatalf("v[0, 0, %d] = %v, want 0", i, v.Data[i])
		}
	}
	sp := readNpy(t, filepath.Join(out, "spikes.npy"))
	if len(sp.Shape) != 2 || sp.Shape[1] != 3 || sp.DType != "int64" {
		t.Fatalf("spikes.npy: %s %s", sp.ShapeString(), sp.DType)
	}
	var want []float64
	for k, x := range v.Data {
		if x > 1 {
			want = append(want, float64(k/1000), 0, float64(k%1000))
		}
	}
	if len(want) < 30 || len(want) != len(sp.Data) {
		t.Fatalf("spikes.npy holds %d values, v.npy > θ at %d; want equal and some", len(sp.Data), len(want))
	}
	for i := range want {
		if sp.Data[i] != want[i] {
			t.Fatalf("spike value %d: %v, want %v", i, sp.Data[i], want[i])
		}
	}
	var sum session.Summary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if err := suite.ValidateAgainst(schema(t), b); err != nil {
		t.Errorf("summary.json against its schema: %v", err)
	}
	rate := float64(len(want)/3) / (600 * 1000 * 0.5e-3)
	if sum.Schema != session.SchemaVersion || sum.Steps != 600 || len(sum.Populations) != 1 || sum.Populations[0].Size != 1000 ||
		len(sum.Sources) != 1 || sum.Sources[0].Size != 100 || sum.Sources[0].Kind != "poisson" || sum.OutputSpikes != int64(len(want)/3) ||
		math.Abs(sum.MeanRate-rate) > 1e-9 || sum.Kernel != kernels.Active().Name || sum.Sources[0].Spikes == nil || *sum.Sources[0].Spikes < 1 ||
		sum.DType != "float32" || sum.Leaky == "" || sum.Go == "" || sum.Threads < 1 || sum.Populations[0].Threads < 1 || !(sum.NeuronSteps > 0) ||
		sum.Populations[0].Alpha[0] != math.Exp(-0.5e-3/5e-3) || sum.Populations[0].Beta != math.Exp(-0.5e-3/10e-3) ||
		sum.Populations[0].PerNeuron != nil || bytes.Contains(b, []byte(`"per_neuron"`)) || strings.Contains(stdout, "per neuron") {
		t.Fatalf("summary (a uniform population has no per_neuron): %s", b)
	}
	// Setup (building the network, drawing its weights) is timed apart
	// from stepping, in summary.json and on stdout.
	if !(sum.SetupSeconds > 0) || !strings.Contains(string(b), `"setup_seconds"`) || !strings.Contains(stdout, fmt.Sprintf("after %.3g s of setup", sum.SetupSeconds)) {
		t.Fatalf("setup time %v s; stdout %q", sum.SetupSeconds, stdout)
	}
	out2 := numpytest.Run(t, out, `
import json, numpy as np
r = {}
for f in ["v", "isyn", "iinp", "spikes"]:
    a = np.load(f + ".npy", allow_pickle=False)
    r[f] = [list(a.shape), str(a.dtype)]
print(json.dumps(r))
`)
	if got := strings.TrimSpace(string(out2)); got != fmt.Sprintf(`{"v": [[600, 1, 1000], "float32"], "isyn": [[600, 1, 1000], "float32"], "iinp": [[600, 1, 1000], "float32"], "spikes": [[%d, 3], "int64"]}`, len(want)/3) {
		t.Fatalf("numpy sees %s", got)
	}
}

func TestRunSubsetAndBatch(t *testing.T) {
	out := t.TempDir()
	mustRun(t, "run", "--steps", "50", "--batch", "3", "--neurons", "40", "--record", "isyn,spikes", "--record-neurons", "0,5,10-12", "--dtype", "float64", "--out", out)
	a := readNpy(t, filepath.Join(out, "isyn.npy"))
	if a.ShapeString() != "(50, 3, 5)" || a.DType != "float64" {
		t.Fatalf("isyn.npy: %s %s", a.ShapeString(), a.DType)
	}
	for _, f := range []string{"v.npy", "iinp.npy"} {
		if _, err := os.Stat(filepath.Join(out, f)); !os.IsNotExist(err) {
			t.Fatalf("%s written though not asked for", f)
		}
	}
}

func TestRunBadInputs(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	in := saveNpy(t, p("in.npy"), make([]float64, 20*100), 20, 100)
	w := saveNpy(t, p("w.npy"), make([]float64, 100*3), 100, 3)
	nanW := make([]float64, 100*3)
	nanW[7] = math.NaN()
	infIn := make([]float64, 20*100)
	infIn[150] = math.Inf(1)
	if err := os.WriteFile(p("text.npy"), []byte("0,1,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		says string
	}{
		{[]string{"--inputs", p("missing.npy")}, "missing.npy: no such file"},
		{[]string{"--inputs", dir}, "is a directory"},
		{[]string{"--inputs", p("text.npy")}, "text.npy: not a .npy file"},
		{[]string{"--inputs", saveNpy(t, p("1d.npy"), make([]float64, 5), 5)}, "shape (5,) has 1 dimensions"},
		{[]string{"--inputs", saveNpy(t, p("4d.npy"), make([]float64, 24), 1, 2, 3, 4)}, "shape (1, 2, 3, 4) has 4 dimensions"},
		{[]string{"--inputs", rawNpy(t, p("c.npy"), "<c16", "(2, 100)", make([]byte, 3200))}, "complex"},
		{[]string{"--inputs", rawNpy(t, p("s.npy"), "<U3", "(2, 100)", make([]byte, 2400))}, "strings"},
		{[]string{"--weights", rawNpy(t, p("o.npy"), "|O", "(100, 1)", make([]byte, 800))}, "object array"},
		{[]string{"--inputs", rawNpy(t, p("trunc.npy"), "<f8", "(20, 100)", make([]byte, 100))}, "truncated"},
		{[]string{"--inputs", in, "--weights", saveNpy(t, p("w50.npy"), make([]float64, 150), 50, 3)}, "has 50 rows, but --inputs " + in + " gives 100 inputs"},
		{[]string{"--weights", w, "--n-inputs", "7"}, "has 100 rows, but --n-inputs gives 7"},
		{[]string{"--inputs", in, "--steps", "30"}, "--steps 30 disagrees with --inputs"},
		{[]string{"--weights", w, "--neurons", "4"}, "--neurons 4 disagrees with --weights"},
		{[]string{"--weights", saveNpy(t, p("nan.npy"), nanW, 100, 3)}, "weight [2, 1] is NaN"},
		{[]string{"--inputs", saveNpy(t, p("inf.npy"), infIn, 20, 100)}, "step 1, trial 0, input 50 is +Inf"},
		{[]string{"--dt", "0"}, "--dt 0: must be a positive"},
		{[]string{"--tau-mem", "-1"}, "--tau-mem -1: must be a positive"},
		{[]string{"--tau-syn", "NaN"}, "--tau-syn NaN"},
		{[]string{"--threshold", "Inf"}, "--threshold +Inf: must be finite"},
		{[]string{"--rate", "3000"}, "at most once per step"},
		{[]string{"--reset", "foo"}, `unknown reset mode "foo"`},
		{[]string{"--dtype", "float16"}, `--dtype "float16": want float32 or float64`},
		{[]string{"--record", "v,bogus"}, `unknown item "bogus"`},
		{[]string{"--record-neurons", "5,2000"}, "neuron 2000 is outside 0..999"},
		{[]string{"--record-neurons", "3-x"}, `"3-x" is not a range`},
		{[]string{"--record-neurons", "1,1"}, "neuron 1 is listed twice"},
		{[]string{"--kernel", "bogus"}, `unknown kernel "bogus"`},
		{[]string{"--steps", "-3"}, "--steps -3: must be at least 1"},
		{[]string{"--steps", "abc"}, `invalid value "abc" for flag -steps`},
		{[]string{"--neurons", "0"}, "--neurons 0: must be at least 1"},
		{[]string{"--threads", "-2"}, "--threads -2: must be ≥ 0"},
		{[]string{"--figure-neuron", "1000"}, "--figure-neuron 1000: neuron 1000 is outside 0..999"},
		{[]string{"--frobnicate"}, "flag provided but not defined: -frobnicate"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--out", p("text.npy")}, "--out"},
		{[]string{"--procedural-weights", "--weights", w}, "cannot be combined with --weights"},
		{[]string{"--procedural-weights", "--inputs", saveNpy(t, p("analog.npy"), append([]float64{0.5}, make([]float64, 20*100-1)...), 20, 100)}, "needs spiking (0/1) input"},
	}
	if !hasKernel("avx512") {
		cases = append(cases, struct {
			args []string
			says string
		}{[]string{"--kernel", "avx512"}, `kernel "avx512"`})
	}
	defer kernels.Use(kernels.Active().Name)
	for _, c := range cases {
		args := append([]string{"run", "--steps", "20", "--out", p("out")}, c.args...)
		if c.args[0] == "--steps" || c.args[0] == "--neurons" {
			args = append([]string{"run", "--out", p("out")}, c.args...)
		}
		status, _, stderr := run(t, args...)
		if status != exitUsage {
			t.Errorf("%v: status %d, want %d (stderr %q)", c.args, status, exitUsage, stderr)
			continue
		}
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(stderr, "leaky: ") || !strings.Contains(stderr, c.says) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: stderr %q, want one line saying %q", c.args, stderr, c.says)
		}
	}
	if _, err := os.Stat(p("out")); err == nil {
		entries, _ := os.ReadDir(p("out"))
		if len(entries) != 0 {
			t.Errorf("failed runs left files in the output directory: %v", entries)
		}
	}
}

func hasKernel(name string) bool {
	for _, k := range kernels.Available() {
		if k.Name == name {
			return true
		}
	}
	return false
}

// TestRunIdenticalAcrossKernelsAndThreads checks every kernel this CPU runs,
// and one or two threads, write byte-identical spikes and traces.
func TestRunIdenticalAcrossKernelsAndThreads(t *testing.T) {
	defer kernels.Use(kernels.Active().Name)
	dir := t.TempDir()
	// Analog inputs exercise the dense matmul path; the default Poisson run
	// the event-driven one.
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 300*2*30)
	for i := range x {
		x[i] = rng.NormFloat64() * 0.3
	}
	analog := saveNpy(t, filepath.Join(dir, "x.npy"), x, 300, 2, 30)
	for _, dtype := range []string{"float32", "float64"} {
		for _, input := range [][]string{{"--steps", "300", "--batch", "2", "--rate", "30"}, {"--inputs", analog}} {
			var ref map[string][]byte
			var refName string
			for _, k := range kernels.Available() {
				for _, threads := range []string{"1", "2"} {
					out := filepath.Join(dir, k.Name+threads+dtype)
					args := append([]string{"run", "--neurons", "333", "--dtype", dtype, "--kernel", k.Name, "--threads", threads, "--out", out}, input...)
					mustRun(t, args...)
					got := map[string][]byte{}
					for _, f := range []string{"spikes.npy", "v.npy", "isyn.npy", "iinp.npy"} {
						b, err := os.ReadFile(filepath.Join(out, f))
						if err != nil {
							t.Fatal(err)
						}
						got[f] = b
					}
					name := k.Name + " threads " + threads
					if ref == nil {
						ref, refName = got, name
						if len(got["spikes.npy"]) < 128+24*20 {
							t.Fatalf("%s %v: only %d bytes of spikes; the comparison needs spikes", dtype, input, len(got["spikes.npy"]))
						}
						continue
					}
					for f, b := range got {
						if !bytes.Equal(b, ref[f]) {
							t.Errorf("%s %v: %s differs between %s and %s", dtype, input[0], f, name, refName)
						}
					}
				}
			}
		}
	}
}

// seedScript is the seed notebook (/work/shared/seed/lif_notebook.txt)
// transcribed: the inputs and weights come from files instead of numpy's
// random generator, the weights have shape (n_inputs, 1) so leaky reads them
// as one neuron, and the traces are saved before the notebook's plotting
// step replaces Vm > θ by 5θ.
const seedScript = `
import sys
import numpy as np

def heaviside(x, thresh=1.):
    out = np.zeros_like(x)
    out[(x-thresh) > 0.] = 1.
    return out

inputs = np.load("inputs.npy")
weights = np.load("weights.npy")
n_steps, n_inputs = inputs.shape
dt = 0.5e-3
tau_mem = 10e-3
tau_syn = 5e-3
alpha   = np.exp(-dt/tau_syn)
beta    = np.exp(-dt/tau_mem)

Iinp = (inputs @ weights)[:, 0]
Isyn = np.zeros(n_steps)
Vm = np.zeros(n_steps)
θ = 1.
n_spikes = 0
spike_steps = []
for t in range(n_steps-1):
    reset = heaviside(Vm[t], θ)
    Isyn[t+1] = alpha * Isyn[t] + Iinp[t]
    Vm[t+1] = beta * Vm[t] + Isyn[t] - reset
    if reset > 0:
        n_spikes += 1
        spike_steps.append(t)
np.save("seed_v.npy", Vm)
np.save("seed_isyn.npy", Isyn)
np.save("seed_iinp.npy", Iinp)
np.save("seed_spikes.npy", np.array(spike_steps, dtype=np.int64))
print(n_spikes)
`

// seedWorkload is the notebook's workload: 5000 steps of 100 Poisson inputs
// at 5 Hz and Normal(0, 7(1−β)/√100) weights onto one neuron, drawn here
// from a fixed generator. The weight scale is doubled so that the single
// neuron spikes often enough for the comparison to mean something.
func seedWorkload() (x, w []float64) {
	rng := rand.New(rand.NewPCG(2024, 1))
	const steps, nIn = 5000, 100
	x = make([]float64, steps*nIn)
	for i := range x {
		if rng.Float64() < 5*0.5e-3 {
			x[i] = 1
		}
	}
	beta := math.Exp(-0.5e-3 / 10e-3)
	w = make([]float64, nIn)
	for i := range w {
		w[i] = rng.NormFloat64() * 2 * 7 * (1 - beta) / math.Sqrt(nIn)
	}
	return x, w
}

// TestSeedNotebook is issue 2's acceptance check: with the same inputs and
// weights, leaky run --dtype float64 reproduces the seed notebook (run by
// Python and NumPy) to 1e-9 and its spike steps exactly, and so does the
// naive Go reference.
func TestSeedNotebook(t *testing.T) {
	dir := t.TempDir()
	x, w := seedWorkload()
	saveNpy(t, filepath.Join(dir, "inputs.npy"), x, 5000, 100)
	saveNpy(t, filepath.Join(dir, "weights.npy"), w, 100, 1)
	pyOut := numpytest.Run(t, dir, seedScript)
	out := filepath.Join(dir, "out")
	mustRun(t, "run", "--dtype", "float64", "--inputs", filepath.Join(dir, "inputs.npy"), "--weights", filepath.Join(dir, "weights.npy"), "--out", out)

	naive := bench.Naive(x, 5000, 1, 100, w, 1, bench.NaiveParams{Dt: 0.5e-3, TauMem: 10e-3, TauSyn: 5e-3, Threshold: 1})
	for _, c := range []struct {
		leaky, seed string
		naive       []float64
	}{{"v.npy", "seed_v.npy", naive.V}, {"isyn.npy", "seed_isyn.npy", naive.Isyn}, {"iinp.npy", "seed_iinp.npy", naive.Iinp}} {
		got := readNpy(t, filepath.Join(out, c.leaky))
		want := readNpy(t, filepath.Join(dir, c.seed))
		if got.ShapeString() != "(5000, 1, 1)" || got.DType != "float64" || len(want.Data) != 5000 {
			t.Fatalf("%s: shape %s %s; notebook %s", c.leaky, got.ShapeString(), got.DType, want.ShapeString())
		}
		for i := range want.Data {
			if d := math.Abs(got.Data[i] - want.Data[i]); !(d <= 1e-9) {
				t.Fatalf("%s step %d: leaky %v, notebook %v (|Δ| %g > 1e-9)", c.leaky, i, got.Data[i], want.Data[i], d)
			}
			if d := math.Abs(got.Data[i] - c.naive[i]); !(d <= 1e-9) {
				t.Fatalf("%s step %d: leaky %v, naive reference %v (|Δ| %g > 1e-9)", c.leaky, i, got.Data[i], c.naive[i], d)
			}
		}
	}
	seedSpikes := readNpy(t, filepath.Join(dir, "seed_spikes.npy"))
	var nSpikes int
	if _, err := fmt.Sscan(string(pyOut), &nSpikes); err != nil || nSpikes != len(seedSpikes.Data) {
		t.Fatalf("notebook printed %q, saved %d spikes", pyOut, len(seedSpikes.Data))
	}
	if nSpikes < 20 {
		t.Fatalf("the notebook's neuron spiked only %d times; the check needs spikes", nSpikes)
	}
	sp := readNpy(t, filepath.Join(out, "spikes.npy"))
	// The notebook's loop stops one step early, so it never tests the last
	// step; leaky does.
	var leakySteps []float64
	for k := 0; k < len(sp.Data); k += 3 {
		if sp.Data[k+1] != 0 || sp.Data[k+2] != 0 {
			t.Fatalf("spike %v: one trial of one neuron expected", sp.Data[k:k+3])
		}
		if sp.Data[k] < 4999 {
			leakySteps = append(leakySteps, sp.Data[k])
		}
	}
	if fmt.Sprint(leakySteps) != fmt.Sprint(seedSpikes.Data) {
		t.Fatalf("spike steps differ:\nleaky    %v\nnotebook %v", leakySteps, seedSpikes.Data)
	}
	var naiveSteps []float64
	for _, s := range naive.Spikes {
		if s[0] < 4999 {
			naiveSteps = append(naiveSteps, float64(s[0]))
		}
	}
	if fmt.Sprint(naiveSteps) != fmt.Sprint(seedSpikes.Data) {
		t.Fatalf("naive reference spike steps differ from the notebook's")
	}
}

// TestFloat32AgreesWithFloat64 runs the seed workload in both precisions.
// Stated tolerance: float32 traces stay within 1e-4 of float64 (V is of
// order 1 and each step loses about 6e-8 to rounding, which the leak β <
// 1 keeps from accumulating), and the spike steps are the same.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	dir := t.TempDir()
	x, w := seedWorkload()
	in := saveNpy(t, filepath.Join(dir, "inputs.npy"), x, 5000, 100)
	wf := saveNpy(t, filepath.Join(dir, "weights.npy"), w, 100, 1)
	for _, d := range []string{"float32", "float64"} {
		mustRun(t, "run", "--dtype", d, "--inputs", in, "--weights", wf, "--out", filepath.Join(dir, d))
	}
	for _, f := range []string{"v.npy", "isyn.npy", "iinp.npy"} {
		a, b := readNpy(t, filepath.Join(dir, "float32", f)), readNpy(t, filepath.Join(dir, "float64", f))
		worst := 0.0
		for i := range a.Data {
			worst = math.Max(worst, math.Abs(a.Data[i]-b.Data[i]))
		}
		if !(worst <= 1e-4) {
			t.Fatalf("%s: float32 differs from float64 by up to %g > 1e-4", f, worst)
		}
	}
	a, b := readNpy(t, filepath.Join(dir, "float32", "spikes.npy")), readNpy(t, filepath.Join(dir, "float64", "spikes.npy"))
	if fmt.Sprint(a.Data) != fmt.Sprint(b.Data) || len(a.Data) < 60 {
		t.Fatalf("spikes differ between float32 (%d values) and float64 (%d values)", len(a.Data), len(b.Data))
	}
}

// TestRunAnalogInputsMatchNaive checks the dense (analog) input path and a
// (T, B, n_in) input array against the naive reference.
func TestRunAnalogInputsMatchNaive(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(8, 9))
	const steps, batch, nIn, n = 400, 2, 20, 7
	x := make([]float64, steps*batch*nIn)
	for i := range x {
		x[i] = rng.Float64() * 0.4
	}
	w := make([]float64, nIn*n)
	for i := range w {
		w[i] = rng.NormFloat64() * 0.2
	}
	in := saveNpy(t, filepath.Join(dir, "x.npy"), x, steps, batch, nIn)
	wf := saveNpy(t, filepath.Join(dir, "w.npy"), w, nIn, n)
	out := filepath.Join(dir, "out")
	mustRun(t, "run", "--dtype", "float64", "--reset", "zero", "--inputs", in, "--weights", wf, "--out", out)
	ref := bench.Naive(x, steps, batch, nIn, w, n, bench.NaiveParams{Dt: 0.5e-3, TauMem: 10e-3, TauSyn: 5e-3, Threshold: 1, ZeroReset: true})
	v := readNpy(t, filepath.Join(out, "v.npy"))
	for i := range ref.V {
		if d := math.Abs(v.Data[i] - ref.V[i]); !(d <= 1e-9) {
			t.Fatalf("v value %d: leaky %v, naive %v", i, v.Data[i], ref.V[i])
		}
	}
	sp := readNpy(t, filepath.Join(out, "spikes.npy"))
	if len(sp.Data) != 3*len(ref.Spikes) || len(ref.Spikes) < 10 {
		t.Fatalf("%d spikes, naive %d", len(sp.Data)/3, len(ref.Spikes))
	}
	var s session.Summary
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &s); err != nil || s.Sources[0].Kind != "analog" || s.Sources[0].Spikes != nil || s.Batch != batch || s.Populations[0].Reset != "value" || *s.Populations[0].VReset != 0 {
		t.Fatalf("summary %s (%v)", b, err)
	}
}

func TestInfo(t *testing.T) {
	status, stdout, stderr := run(t, "info")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	for _, want := range []string{"CPU ", "AVX2", "AVX512F", "active: " + kernels.Active().Name, "LeakyUpdate32", "MatMul64", "GOMAXPROCS"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("leaky info lacks %q:\n%s", want, stdout)
		}
	}
	// State per neuron counted by hand: V, I and Iin of elem bytes, one
	// bit of spike mask and a 4-byte spike-list entry.
	for _, elem := range []float64{4, 8} {
		want := fmt.Sprintf("%.3g B (float%d)", 3*elem+1.0/8+4, int(8*elem))
		if !strings.Contains(stdout, want) {
			t.Errorf("leaky info lacks the state per neuron %q:\n%s", want, stdout)
		}
	}
	if status, _, _ := run(t, "info", "extra"); status != exitUsage {
		t.Errorf("info extra: status %d", status)
	}
}

func TestParseNeurons(t *testing.T) {
	got, err := netfile.ParseNeurons("--record-neurons", " 0, 5,10-12 ")
	if err != nil || fmt.Sprint(got) != "[0 5 10 11 12]" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"-1", "5-3", "a", "0-200000000"} {
		if _, err := netfile.ParseNeurons("--record-neurons", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestProceduralWeightsIdentical: regenerating the weights on the fly must
// write exactly the files that storing them writes, at one and two threads.
func TestProceduralWeightsIdentical(t *testing.T) {
	dir := t.TempDir()
	base := []string{"run", "--steps", "200", "--neurons", "40000", "--n-inputs", "50", "--rate", "40", "--record", "v,spikes", "--record-neurons", "0-99,39990-39999"}
	var ref map[string][]byte
	for _, c := range []struct {
		name  string
		extra []string
	}{{"stored", nil}, {"procedural1", []string{"--procedural-weights", "--threads", "1"}}, {"procedural2", []string{"--procedural-weights", "--threads", "2"}}} {
		out := filepath.Join(dir, c.name)
		mustRun(t, append(append(base, "--out", out), c.extra...)...)
		got := map[string][]byte{}
		for _, f := range []string{"spikes.npy", "v.npy"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			got[f] = b
		}
		if ref == nil {
			ref = got
			if len(got["spikes.npy"]) < 128+24*50 {
				t.Fatalf("only %d bytes of spikes: the comparison needs spikes", len(got["spikes.npy"]))
			}
			continue
		}
		for f, b := range got {
			if !bytes.Equal(b, ref[f]) {
				t.Errorf("%s: %s differs from the run with stored weights", c.name, f)
			}
		}
	}
}

// schema is session's summary.schema.json, parsed.
func schema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(session.SummarySchema, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRunFusedSameBytes checks that a run whose recordings leave Iin
// unread, or read it for a few neurons (engine.Population.InputOf, as the
// figure does), steps fused, and writes what the same run stepped phase
// by phase writes, which recording iinp of 100 neurons forces: spikes.npy
// and figure.png (whose I_inp panel is drawn from the input either way)
// byte for byte, and v and iinp of neurons 0–9 value for value.
func TestRunFusedSameBytes(t *testing.T) {
	dir := t.TempDir()
	base := []string{"run", "--steps", "400", "--neurons", "3000", "--n-inputs", "200", "--rate", "20", "--figure-neuron", "3"}
	type run struct {
		files map[string][]byte
		npy   map[string]*npy.Array
	}
	runs := map[string]run{}
	for _, c := range []struct {
		record, neurons, threads, stepping string
	}{
		{"v,spikes", "0-9", "1", "fused"}, {"v,spikes", "0-9", "2", "fused"},
		{"v,spikes,iinp", "0-9", "2", "fused"},
		{"v,spikes,iinp", "0-99", "1", "phases"},
	} {
		name := c.record + "/" + c.neurons + "@" + c.threads
		out := filepath.Join(dir, strings.NewReplacer(",", "-", "/", "_").Replace(name))
		mustRun(t, append(base, "--record", c.record, "--record-neurons", c.neurons, "--threads", c.threads, "--out", out)...)
		var sum session.Summary
		if err := json.Unmarshal(readFile(t, filepath.Join(out, "summary.json")), &sum); err != nil {
			t.Fatal(err)
		}
		if len(sum.Populations) != 1 || sum.Populations[0].Stepping != c.stepping {
			t.Fatalf("%s: populations %+v, want stepping %s", name, sum.Populations, c.stepping)
		}
		r := run{files: map[string][]byte{}, npy: map[string]*npy.Array{}}
		for _, f := range []string{"spikes.npy", "figure.png"} {
			r.files[f] = readFile(t, filepath.Join(out, f))
		}
		for _, f := range strings.Split(c.record, ",") {
			if f != "spikes" {
				r.npy[f] = readNpy(t, filepath.Join(out, f+".npy"))
			}
		}
		runs[name] = r
	}
	const refName = "v,spikes,iinp/0-99@1"
	ref := runs[refName]
	if len(ref.files["spikes.npy"]) < 128+24*100 {
		t.Fatalf("only %d bytes of spikes: the comparison needs spikes", len(ref.files["spikes.npy"]))
	}
	for name, got := range runs {
		for f, b := range got.files {
			if !bytes.Equal(b, ref.files[f]) {
				t.Errorf("%s: %s differs from the run stepped phase by phase", name, f)
			}
		}
		if name == refName {
			continue
		}
		for f, a := range got.npy {
			want := ref.npy[f]
			if a.ShapeString() != "(400, 1, 10)" || want.ShapeString() != "(400, 1, 100)" {
				t.Fatalf("%s: %s has shape %s, the reference %s", name, f, a.ShapeString(), want.ShapeString())
			}
			for k, x := range a.Data {
				if w := want.Data[k/10*100+k%10]; math.Float64bits(x) != math.Float64bits(w) {
					t.Fatalf("%s: %s[%d, 0, %d] is %v, phase by phase %v", name, f, k/10, k%10, x, w)
				}
			}
		}
	}
}
