package main

import (
	"fmt"
	"leaky/internal/fixtures"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// nirFixtures is ../shared/nir beside the repository.
func nirFixtures(t *testing.T) string {
	t.Helper()
	return fixtures.NIR(t)
}

// TestRunNIRTraces: leaky run --nir on the paper's single neuron (as
// Norse exported it, lif_norse.nir, or as Rockpool re-exported it) with
// --dt 1e-4 on the input column of each backend's trace, with the
// semantics (and scheme) that reproduce it, writes the trace's spike steps
// to out_output.npy and its v to v_NODE.npy: to 1e-6 in the backend's
// units (snnTorch's θ = 2.5 as its importer scales; Nengo's v in units of
// θ), SpiNNaker2's to 1e-3 (its own arithmetic), the continuous solution's
// up to its first spike (it resets within a step), Lava's fixed-point runs
// spikes only. The README's table says the same.
func TestRunNIRTraces(t *testing.T) {
	dir := nirFixtures(t)
	norse, rockpool := filepath.Join(dir, "lif_norse.nir"), filepath.Join(dir, "lif_rockpool.nir")
	for _, c := range []struct {
		trace, model, node string
		flags              []string
		// vScale is the trace's v per unit of leaky's V; vTol the largest
		// difference allowed (0: v is not compared), before step vUntil
		// when it is not 0.
		vScale, vTol float64
		vUntil       int
	}{
		{"lif_norse.csv", norse, "1", []string{"--semantics", "norse"}, 1, 1e-6, 0},
		{"lif_snntorch.csv", norse, "1", []string{"--semantics", "snntorch"}, 1, 1e-6, 0},
		{"lif_spyx.csv", norse, "1", []string{"--semantics", "spyx"}, 1, 1e-6, 0},
		{"lif_rockpool.csv", rockpool, "1_LIFNeuronTorch", []string{"--semantics", "rockpool"}, 1, 1e-6, 0},
		{"lif_sinabs.csv", norse, "1", []string{"--semantics", "sinabs"}, 1, 1e-6, 0},
		{"lif_lava_cpu_float.csv", norse, "1", []string{"--semantics", "lava"}, 1, 1e-6, 0},
		{"lif_lava_cpu_fixed.csv", norse, "1", []string{"--semantics", "lava"}, 1, 0, 0},
		{"lif_lava_loihi_fixed.csv", norse, "1", []string{"--semantics", "lava"}, 1, 0, 0},
		{"lif_nengo.csv", norse, "1", []string{"--semantics", "norse", "--scheme", "exact"}, 10, 1e-6, 0},
		{"lif_spinnaker2.csv", norse, "1", []string{"--semantics", "snntorch"}, 1, 1e-3, 0},
		{"lif_exact.csv", norse, "1", []string{"--semantics", "norse", "--scheme", "exact"}, 1, 1e-6, 460},
	} {
		t.Run(c.trace, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "lif_traces", c.trace))
			if err != nil {
				t.Fatal(err)
			}
			var input, wantV []float64
			var wantSpikes []int
			for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var x, v, s float64
				if _, err := fmt.Sscanf(line, "%g,%g,%g", &x, &v, &s); err != nil {
					t.Fatal(err)
				}
				input, wantV = append(input, x), append(wantV, v)
				if s != 0 {
					wantSpikes = append(wantSpikes, i)
				}
			}
			tmp := t.TempDir()
			x := saveNpy(t, filepath.Join(tmp, "x.npy"), input, len(input), 1)
			out := filepath.Join(tmp, "out")
			mustRun(t, append([]string{"run", "--nir", c.model, "--dt", "1e-4", "--dtype", "float64", "--inputs", x, "--record", c.node + ":v", "--out", out}, c.flags...)...)
			s := readNpy(t, filepath.Join(out, "out_output.npy"))
			if s.Shape[0] != len(input) || len(s.Data) != len(input) {
				t.Fatalf("out_output.npy has shape %s", s.ShapeString())
			}
			var spikes []int
			for i, v := range s.Data {
				if v == 1 {
					spikes = append(spikes, i)
				}
			}
			if !slices.Equal(spikes, wantSpikes) {
				t.Errorf("spike steps %v, the trace's %v", spikes, wantSpikes)
			}
			if c.vTol == 0 {
				return
			}
			// v_NODE.npy holds V at the start of each step: the trace's v
			// of the step before.
			v := readNpy(t, filepath.Join(out, "v_"+c.node+".npy"))
			for i := 1; i < len(input) && (c.vUntil == 0 || i <= c.vUntil); i++ {
				if d := math.Abs(v.Data[i]*c.vScale - wantV[i-1]); !(d <= c.vTol) {
					t.Fatalf("v at step %d differs from the trace by %g (tolerance %g)", i-1, d, c.vTol)
				}
			}
		})
	}
}

// TestRunNIRSameBits runs the braille network (recurrent, batched) and the
// CNN on every kernel at 1 and 2 threads and checks the outputs are the
// same bytes, and that an interrupted and resumed braille run is too.
func TestRunNIRSameBits(t *testing.T) {
	dir := nirFixtures(t)
	tmp := t.TempDir()
	bx := make([]float64, 120*8*12)
	for i := range bx {
		if (i*2654435761)%11 == 0 {
			bx[i] = 1
		}
	}
	cx := make([]float64, 12*2*2*34*34)
	for i := range cx {
		if (i*40503)%17 == 0 {
			cx[i] = 1
		}
	}
	cases := []struct {
		name string
		args []string
	}{
		{"braille", []string{"--nir", filepath.Join(dir, "braille_noDelay_bias_zero.nir"), "--dt", "1e-4", "--inputs", saveNpy(t, filepath.Join(tmp, "b.npy"), bx, 120, 8, 12)}},
		{"braille-subtract", []string{"--nir", filepath.Join(dir, "braille_noDelay_noBias_subtract.nir"), "--dt", "1e-4", "--semantics", "snntorch", "--reset", "subtract", "--inputs", filepath.Join(tmp, "b.npy")}},
		{"cnn", []string{"--nir", filepath.Join(dir, "cnn_sinabs.nir"), "--dt", "1e-3", "--inputs", saveNpy(t, filepath.Join(tmp, "c.npy"), cx, 12, 2, 2, 34, 34)}},
	}
	for _, c := range cases {
		var ref string
		for _, k := range []string{"generic", "avx2", "avx512"} {
			if !hasKernel(k) {
				continue
			}
			for _, threads := range []string{"1", "2"} {
				out := filepath.Join(tmp, c.name+k+threads)
				mustRun(t, append([]string{"run", "--kernel", k, "--threads", threads, "--out", out}, c.args...)...)
				if ref == "" {
					ref = out
					if a := readNpy(t, filepath.Join(out, "out_output.npy")); len(a.Data) == 0 {
						t.Fatalf("%s: no output", c.name)
					}
					continue
				}
				sameFiles(t, ref, out, []string{"out_output.npy", "figure.png"})
			}
		}
	}
	part := filepath.Join(tmp, "part")
	if status, stderr := runAt(t, 50, append([]string{"--out", part}, cases[0].args...)...); status != exitSIGTERM {
		t.Fatalf("interrupted: %d %s", status, stderr)
	}
	if status, stderr := runAt(t, 0, "--resume", filepath.Join(part, "checkpoint.lkc")); status != exitOK {
		t.Fatalf("resume: %d %s", status, stderr)
	}
	sameFiles(t, filepath.Join(tmp, "braillegeneric1"), part, []string{"out_output.npy", "figure.png"})
}

// TestRunNIRBadInput: broken graphs and options each give one line naming
// the problem and exit status 2.
func TestRunNIRBadInput(t *testing.T) {
	dir := nirFixtures(t)
	tmp := t.TempDir()
	x := saveNpy(t, filepath.Join(tmp, "x.npy"), make([]float64, 10*12), 10, 12)
	cut := filepath.Join(tmp, "cut.nir")
	b, err := os.ReadFile(filepath.Join(dir, "lif_norse.nir"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	braille := filepath.Join(dir, "braille_noDelay_bias_zero.nir")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--nir", filepath.Join(dir, "braille_noDelay_bias_zero_subgraph.nir"), "--dt", "1e-4", "--inputs", x}, `node lif1: edges[0] target "lif" is not a node of graph lif1`},
		{[]string{"--nir", cut, "--dt", "1e-4", "--inputs", x}, "cut.nir"},
		{[]string{"--nir", braille, "--inputs", x}, "give --dt"},
		{[]string{"--nir", braille, "--dt", "1e-4", "--inputs", saveNpy(t, filepath.Join(tmp, "y.npy"), make([]float64, 30), 10, 3)}, "the Input takes [12] per step"},
		{[]string{"--nir", braille, "--dt", "1e-4", "--inputs", x, "--semantics", "brian"}, `semantics "brian"`},
		{[]string{"--nir", braille, "--dt", "1e-4", "--inputs", x, "--neurons", "5"}, "--neurons"},
		{[]string{"--nir", braille, "--dt", "1e-4", "--inputs", x, "--record", "lif9:v"}, `no node "lif9"`},
		{[]string{"--nir", filepath.Join(tmp, "none.nir"), "--dt", "1e-4", "--inputs", x}, "none.nir"},
	} {
		status, _, stderr := run(t, append([]string{"run", "--out", filepath.Join(tmp, "out")}, c.args...)...)
		if status != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.says) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: status %d, stderr %q; want 2 and one line with %q", c.args, status, stderr, c.says)
		}
	}
	status, stdout, _ := run(t, "nir", "info", braille)
	if status != exitOK || !strings.Contains(stdout, "lif1.w_rec → lif1.lif  ↺") || !strings.Contains(stdout, "CubaLIF") {
		t.Errorf("nir info: %d\n%s", status, stdout)
	}
}
