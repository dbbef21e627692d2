package netfile_test

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/hdf5"
	"leaky/netfile"
)

// TestPerNeuronParams gives population parameters per neuron in each form
// — a list, a .npy file, an HDF5 dataset of a NIR file, a receptor's list —
// and checks what the population holds, that values one for all stay
// uniform, that rule leaky's v_reset follows a per-neuron θ, that the
// printed description parses back the same, and that a checkpoint's copy
// covers the files (DataFiles, absolute in Resolved).
func TestPerNeuronParams(t *testing.T) {
	dir := t.TempDir()
	writeNpy(t, filepath.Join(dir, "theta.npy"), []float64{0.5, 0.6, 0.7, 0.8}, 4)
	nirFile, err := filepath.Abs(filepath.Join("..", "nir", "testdata", "perneuron.nir"))
	if err != nil {
		t.Fatal(err)
	}
	text := `run: {dt: 0.0001, steps: 20}
sources: [{name: x, poisson: {size: 3, rate: 500}}]
populations:
  - {name: a, size: 4, params: {rule: norse, tau_mem: [0.001, 0.002, 0.002, 0.004], tau_syn: 0.0005, v_threshold: {file: theta.npy},
       r: [2, 2, 2, 2], v_leak: [0, 0.1, 0, 0.2], input_scale: nir, reset: value, v_reset: [0, -0.1, 0, 0]}}
  - {name: b, size: 5, params: {rule: norse, tau_mem: 0.001, tau_syn: 0.0005, r: {file: ` + nirFile + `, dataset: /node/nodes/lif1/r}}}
  - {name: c, size: 4, params: {tau_mem: 0.01, v_threshold: [1, 2, 1, 3], receptors: [{name: e, tau_syn: [0.005, 0.004, 0.005, 0.006], w_in: [1, 1, 2, 1]}, {name: i, tau_syn: 0.01}]}}
projections:
  - {source: x, target: a, type: dense, weight: 0.5}
  - {source: x, target: b, type: dense, weight: 0.5}
  - {source: x, target: c, type: dense, weight: 0.5, receptor: i}
`
	path := filepath.Join(dir, "net.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f := load(t, path)
	n, err := netfile.Build[float64](f)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hdf5.Open(nirFile)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ds, err := h.Root().Dataset("node/nodes/lif1/r")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ds.Float64s()
	if err != nil || len(r) != 5 {
		t.Fatalf("the NIR file's r: %v %v", r, err)
	}
	want := []*engine.PerNeuron{
		{TauMem: []float64{0.001, 0.002, 0.002, 0.004}, VLeak: []float64{0, 0.1, 0, 0.2}, Threshold: []float64{0.5, 0.6, 0.7, 0.8},
			VReset: []float64{0, -0.1, 0, 0}, TauSyn: [][]float64{nil}, WIn: [][]float64{nil}},
		{R: r, TauSyn: [][]float64{nil}, WIn: [][]float64{nil}},
		{Threshold: []float64{1, 2, 1, 3}, VReset: []float64{0, 1, 0, 2}, TauSyn: [][]float64{{0.005, 0.004, 0.005, 0.006}, nil}, WIn: [][]float64{{1, 1, 2, 1}, nil}},
	}
	for i, p := range n.Pops {
		if !reflect.DeepEqual(p.Neuron.PerNeuron, want[i]) {
			t.Errorf("population %s: per neuron %+v, want %+v", p.Name, p.Neuron.PerNeuron, want[i])
		}
	}
	if n.Pops[0].Neuron.R != 2 || n.Pops[0].Neuron.TauMem != 0.001 {
		t.Errorf("population a: r %v, tau_mem %v; want 2 (one for all) and neuron 0's 0.001", n.Pops[0].Neuron.R, n.Pops[0].Neuron.TauMem)
	}
	samePrinted(t, f)
	var keys []string
	for _, df := range f.DataFiles() {
		keys = append(keys, df.Key)
	}
	if !slices.Contains(keys, "populations[0].params.v_threshold.file") || !slices.Contains(keys, "populations[1].params.r.file") {
		t.Errorf("data files %v lack the parameter files", keys)
	}
	abs, err := f.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	if p := abs.Populations[0].Params.VThreshold.File; p != filepath.Join(dir, "theta.npy") {
		t.Errorf("resolved v_threshold file %q", p)
	}
}

// TestConv1dProjection: a conv1d projection is the conv2d of height 1 it
// stands for — the same outputs, bit for bit, from the same weights — and
// its geometry is checked in its own terms.
func TestConv1dProjection(t *testing.T) {
	dir := t.TempDir()
	w := make([]float64, 4*1*3)
	for i := range w {
		w[i] = math.Sin(float64(i)) / 2
	}
	writeNpy(t, filepath.Join(dir, "w.npy"), w, 1, 3)
	writeNpy(t, filepath.Join(dir, "w4.npy"), w, 1, 1, 3)
	writeNpy(t, filepath.Join(dir, "b.npy"), []float64{0.1, 0, -0.1, 0.2}, 4)
	x := make([]float64, 30*2*11)
	for i := range x {
		x[i] = math.Cos(float64(i) * 0.7)
	}
	writeNpy(t, filepath.Join(dir, "x.npy"), x, 2, 11)
	conv := func(proj string) string {
		return `run: {dt: 0.001, steps: 30}
sources: [{name: x, array: {file: x.npy, shape: [2, 11]}}]
populations: [{name: c, kind: pass, size: 20}]
projections: [` + proj + `]
recorders: [{population: c, vars: [v]}]
`
	}
	one := conv(`{source: x, target: c, type: conv1d, in_shape: [2, 11], weight: {file: w.npy}, stride: 2, padding: 1, dilation: 2, groups: 2, bias: {file: b.npy}}`)
	two := conv(`{source: x, target: c, type: conv2d, in_shape: [2, 1, 11], weight: {file: w4.npy}, stride: [1, 2], padding: [0, 1], dilation: [1, 2], groups: 2, bias: {file: b.npy}}`)
	var vs [][]float32
	for k, text := range []string{one, two} {
		path := filepath.Join(dir, []string{"one.yaml", "two.yaml"}[k])
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := netfile.Build[float32](load(t, path))
		if err != nil {
			t.Fatal(err)
		}
		for range 30 {
			if err := n.Net.Step(); err != nil {
				t.Fatal(err)
			}
		}
		vs = append(vs, n.Traces["c"]["v"].Data)
	}
	if !slices.Equal(vs[0], vs[1]) || len(vs[0]) == 0 {
		t.Errorf("conv1d and its conv2d differ")
	}
	for _, c := range []struct{ from, to, want string }{
		{"in_shape: [2, 11]", "in_shape: [2, 1, 11]", "in_shape: want [channels, length]"},
		{"stride: 2", "stride: [1, 2]", "one number each"},
		{"weight: {file: w.npy}", "weight: {file: w4.npy}", "want (out_channels, in_channels/groups, length)"},
		{"groups: 2", "groups: 3", "do not fit 2 input channels in 3 groups"},
		{"dilation: 2", "dilation: 7", "does not fit the length 11"},
	} {
		text := strings.Replace(one, c.from, c.to, 1)
		_, err := netfile.Parse(filepath.Join(dir, "bad.yaml"), []byte(text))
		if err == nil || !strings.Contains(err.Error(), "projections[0]") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: %v, want an error with %q", c.from, c.to, err, c.want)
		}
	}
}
