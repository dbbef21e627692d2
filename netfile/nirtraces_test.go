package netfile_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"leaky/internal/fixtures"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/kernels"
	"leaky/netfile"
)

// readTrace reads one of the traces' columns input, v and spike, skipping
// the test when the fixtures are absent — and failing it under CI, which
// always has them.
func readTrace(t *testing.T, name string) (input, v []float64, spikes []int) {
	t.Helper()
	path := filepath.Join(fixtures.NIRTraces(t), name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for i, r := range rows {
		var x [3]float64
		for j := range x {
			if x[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				t.Fatalf("%s: row %d: %v", path, i, err)
			}
		}
		input, v = append(input, x[0]), append(v, x[1])
		if x[2] != 0 {
			spikes = append(spikes, i)
		}
	}
	return input, v, spikes
}

// TestNIRSingleNeuronTraces runs lif_norse.nir — Input → Affine(w = 1) →
// LIF(τ = 2.5 ms, r = 1, v_leak = 0, θ = 0.1) → Output, at dt = 1e-4 —
// written as a network file with each framework's rule, on the input
// column of that framework's trace, and compares V after every step (in the
// framework's units) and the spike steps with the trace. Where a backend's
// v cannot be reproduced (fixed-point hardware, the continuous solution's
// reset within a step) only its spikes, or v before the first spike, are
// compared; the README's table says why.
func TestNIRSingleNeuronTraces(t *testing.T) {
	cases := []struct {
		trace, params string
		theta, weight float64
		delay         int
		// vScale is the trace's v per unit of leaky's V; vTol the largest
		// difference allowed (0: v is not compared), before step vUntil
		// when it is not 0.
		vScale, vTol float64
		vUntil       int
	}{
		{"lif_norse.csv", "rule: norse, input_scale: nir, reset: value", 0.1, 1, 0, 1, 1e-6, 0},
		// snnTorch's importer keeps the weight and divides the threshold
		// by r·dt/τ = 0.04 instead: θ = 2.5 in its units.
		{"lif_snntorch.csv", "rule: snntorch, reset: value", 2.5, 1, 0, 1, 1e-6, 0},
		{"lif_spyx.csv", "rule: spyx, input_scale: nir", 0.1, 1, 0, 1, 1e-6, 0},
		// Rockpool and Sinabs: exact decay, the weight 0.04 in place of
		// dt/τ (Sinabs' input column already carries it), subtraction.
		{"lif_rockpool.csv", "rule: norse, decay: exact, reset: subtract", 0.1, 0.04, 0, 1, 1e-6, 0},
		{"lif_sinabs.csv", "rule: norse, decay: exact, reset: subtract", 0.1, 1, 0, 1, 1e-6, 0},
		// Nengo: the exact decay with NIR's r, v in units of θ.
		{"lif_nengo.csv", "rule: norse, decay: exact, input_scale: nir, reset: value", 0.1, 1, 0, 10, 1e-6, 0},
		// Lava: Norse's step one step later (its Dense delivers the next
		// step); the fixed-point runs give the same spikes.
		{"lif_lava_cpu_float.csv", "rule: norse, input_scale: nir, reset: value", 0.1, 1, 1, 1, 1e-6, 0},
		{"lif_lava_cpu_fixed.csv", "rule: norse, input_scale: nir, reset: value", 0.1, 1, 1, 1, 0, 0},
		{"lif_lava_loihi_fixed.csv", "rule: norse, input_scale: nir, reset: value", 0.1, 1, 1, 1, 0, 0},
		// SpiNNaker2 runs snnTorch's step in its own arithmetic: the same
		// spikes, v within 1e-3 of 2.5.
		{"lif_spinnaker2.csv", "rule: snntorch, reset: value", 2.5, 1, 0, 1, 1e-3, 0},
		// The continuous solution resets within the step where it crosses;
		// v agrees up to the first spike.
		{"lif_exact.csv", "rule: norse, decay: exact, input_scale: nir, reset: value", 0.1, 1, 0, 1, 1e-6, 460},
	}
	for _, c := range cases {
		t.Run(c.trace, func(t *testing.T) {
			input, wantV, wantSpikes := readTrace(t, c.trace)
			dir := t.TempDir()
			writeNpy(t, filepath.Join(dir, "x.npy"), input, 1)
			text := fmt.Sprintf(`run: {dt: 0.0001, steps: %d}
sources: [{name: input, array: {file: x.npy}}]
populations: [{name: lif, size: 1, params: {tau_mem: 0.0025, tau_syn: 0, v_threshold: %v, %s}}]
projections: [{source: input, target: lif, type: dense, weight: %v, delay: %d}]
`, len(input), c.theta, c.params, c.weight, c.delay)
			path := filepath.Join(dir, "lif.yaml")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			n, err := netfile.BuildNetwork[float32](load(t, path), 0)
			if err != nil {
				t.Fatal(err)
			}
			pop := n.Pops[0]
			var spikes []int
			worst, at := 0.0, -1
			for step := range input {
				if err := n.Net.Step(); err != nil {
					t.Fatal(err)
				}
				if len(pop.Events(0)) > 0 {
					spikes = append(spikes, step)
				}
				if c.vTol == 0 || c.vUntil > 0 && step >= c.vUntil {
					continue
				}
				if d := math.Abs(float64(pop.V[0])*c.vScale - wantV[step]); d > worst || math.IsNaN(d) {
					worst, at = d, step
				}
			}
			if !slices.Equal(spikes, wantSpikes) {
				t.Errorf("spike steps %v, want %v", spikes, wantSpikes)
			}
			if worst > c.vTol {
				t.Errorf("v at step %d differs from the trace by %.3g (tolerance %g)", at, worst, c.vTol)
			}
		})
	}
}

// TestRuleKeys checks what the rule keys and the new kinds become: the
// decay a rule defaults to, v_reset 0 outside rule leaky, tau_syn 0 and
// its default for if and i, per-receptor w_in; and that the printed
// description parses back the same.
func TestRuleKeys(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(string(data), "\n", 2)[1], "[]byte("), ")\n"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := netfile.Parse("rules.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	n, err := netfile.Build[float64](f)
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.NeuronParams{
		{Kind: engine.KindLIF, Rule: engine.RuleNorse, Decay: engine.DecayEuler, Dt: 1e-4, TauMem: 1e-3, TauSyn: []float64{5e-4}, WIn: []float64{2},
			R: 3, Scale: engine.ScaleNIR, VLeak: 0.1, Threshold: 0.5, VReset: -0.1, Reset: kernels.ResetZero},
		{Kind: engine.KindLIF, Rule: engine.RuleSnnTorch, Decay: engine.DecayEuler, Dt: 1e-4, TauMem: 1e-3, TauSyn: []float64{0}, R: 1, Threshold: 0.3},
		{Kind: engine.KindLIF, Rule: engine.RuleSpyx, Decay: engine.DecayExact, Dt: 1e-4, TauMem: 1e-3, TauSyn: []float64{5e-4, 0}, WIn: []float64{0.2, 1},
			R: 1, Threshold: 1},
		{Kind: engine.KindIF, Rule: engine.RuleNorse, Decay: engine.DecayEuler, Dt: 1e-4, TauSyn: []float64{0}, R: 1, Threshold: 2},
		{Kind: engine.KindI, Dt: 1e-4, TauSyn: []float64{0}, R: 0.5, Threshold: 1},
	}
	for i, p := range n.Pops {
		if !reflect.DeepEqual(p.Neuron, want[i]) {
			t.Errorf("population %s: %+v, want %+v", p.Name, p.Neuron, want[i])
		}
	}
	if err := n.Net.Run(context.Background(), *f.Run.Steps, nil); err != nil {
		t.Fatal(err)
	}
	if n.Pops[0].SpikeCount() == 0 || n.Pops[3].SpikeCount() == 0 {
		t.Errorf("spikes: norse %d, if %d; the file should drive both", n.Pops[0].SpikeCount(), n.Pops[3].SpikeCount())
	}
	samePrinted(t, f)
}

// samePrinted checks that f's printed description parses back into the
// same values.
func samePrinted(t *testing.T, f *netfile.File) {
	t.Helper()
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g, err := netfile.Parse(f.Path, out)
	if err != nil {
		t.Fatalf("the printed description is refused: %v\n%s", err, out)
	}
	a, _ := f.Fields()
	b, _ := g.Fields()
	if !slices.Equal(a, b) {
		t.Errorf("printed description differs:\n%s", out)
	}
}
