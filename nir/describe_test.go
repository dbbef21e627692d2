package nir

import (
	"context"
	shared "leaky/internal/fixtures"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"leaky/netfile"
)

// writeInputs writes x, shaped (T, *shape), as float64 .npy.
func writeInputs(t *testing.T, path string, x []float64, trailing ...int) string {
	return shared.WriteNpy(t, path, x, trailing...)
}

// TestLIFNorseTrace runs lif_norse.nir on the input column of
// lif_norse.csv through the description, as leaky run --nir does, and
// compares V after every step and the spike steps with Norse's trace.
func TestLIFNorseTrace(t *testing.T) {
	dir := fixtures(t)
	input, wantV, wantSpikes := readCSV(t, filepath.Join(dir, "lif_traces", "lif_norse.csv"))
	x := writeInputs(t, filepath.Join(t.TempDir(), "x.npy"), input, 1)
	m, err := Open(filepath.Join(dir, "lif_norse.nir"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.Description(Options{Dt: 1e-4, Rule: "norse", Reset: "zero", Inputs: x, DType: "float64"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := netfile.Build[float64](d)
	if err != nil {
		t.Fatal(err)
	}
	pop := n.Pops[0]
	var spikes []int
	worst := 0.0
	for step := range input {
		if err := n.Net.Step(); err != nil {
			t.Fatal(err)
		}
		if len(pop.Events(0)) > 0 {
			spikes = append(spikes, step)
		}
		worst = math.Max(worst, math.Abs(pop.V[0]-wantV[step]))
	}
	if !slices.Equal(spikes, wantSpikes) || worst > 1e-6 {
		t.Errorf("spikes %v (want %v), v within %.3g of Norse's (want 1e-6)", spikes, wantSpikes, worst)
	}
	out := n.Traces["1"]["s"]
	if out == nil || len(out.Data) == 0 {
		t.Fatalf("the Output records %v", n.Traces)
	}
	_ = context.Background
}

// TestDescriptions turns every runnable fixture into a description, runs
// it a few steps and checks what the description holds.
func TestDescriptions(t *testing.T) {
	dir := fixtures(t)
	tmp := t.TempDir()
	cases := []struct {
		file  string
		shape []int
		want  []string // in the printed description
	}{
		{"braille_noDelay_bias_zero.nir", []int{12}, []string{"name: lif1.lif", "source: lif1.lif", "target: lif1.lif", "bias_from: 1", "transpose: true", "file: out_output.npy"}},
		{"braille_noDelay_noBias_subtract.nir", []int{12}, []string{"name: lif1.lif"}},
		{"cnn_sinabs.nir", []int{2, 34, 34}, []string{"type: conv2d", "type: sum_pool2d", "kind: pass", "kind: if"}},
		{"synthetic_gzip_cubalif_li.nir", []int{2}, []string{"kind: li", "w_in: 2"}},
		{"two_lif_neurons.nir", []int{1}, []string{"v_leak: 1.2"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			m, err := Open(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			per := 1
			for _, d := range c.shape {
				per *= d
			}
			const steps, batch = 20, 3
			x := make([]float64, steps*batch*per)
			for i := range x {
				if i%7 == 0 {
					x[i] = 1
				}
			}
			in := writeInputs(t, filepath.Join(tmp, c.file+".npy"), x, append([]int{batch}, c.shape...)...)
			d, err := m.Description(Options{Dt: 1e-4, Inputs: in})
			if err != nil {
				t.Fatal(err)
			}
			b, err := d.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("description lacks %q:\n%s", w, b)
				}
			}
			n, err := netfile.Build[float32](d)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Net.Run(context.Background(), steps, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestScaleAndDelay: Input → Scale(2, −1) → Delay(3 steps) → LIF; the
// LIF's input current at step t is the input of step t − 3 scaled.
func TestScaleAndDelay(t *testing.T) {
	m, err := Open(filepath.Join("testdata", "scaled.nir"))
	if err != nil {
		t.Fatal(err)
	}
	const steps = 12
	x := make([]float64, steps*2)
	for i := range x {
		x[i] = float64(i%5) * 0.1
	}
	in := writeInputs(t, filepath.Join(t.TempDir(), "x.npy"), x, 2)
	d, err := m.Description(Options{Dt: 1e-4, Inputs: in, DType: "float64", Record: []string{"lif:iinp"}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := netfile.Build[float64](d)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	got := n.Traces["lif"]["iinp"].Data
	for step := 0; step < steps; step++ {
		for i, g := range []float64{2, -1} {
			want := 0.0
			if step >= 3 {
				want = g * x[(step-3)*2+i]
			}
			if got[step*2+i] != want {
				t.Fatalf("step %d input %d: Iin %v, want %v", step, i, got[step*2+i], want)
			}
		}
	}
}
