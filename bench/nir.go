package bench

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"leaky/engine"
	"leaky/netfile"
	"leaky/nir"
	"leaky/npy"
)

// NIRWorkload is a trained NIR graph from the fixtures (../shared/nir beside
// the repository) run as a benchmark: a batch of samples of random 0/1
// input, stepped under Norse's semantics, the importer's default. The same
// graphs are written as a PyTorch step loop in bench/peers/torch_nir.py.
type NIRWorkload struct {
	// Net names it in benchmark names (net=braille); File is the fixture.
	Net, File string
	// Dt is the time step in seconds; Steps and Batch size one run.
	Dt           float64
	Steps, Batch int
	// Shape is the Input node's shape per step; Density the chance that an
	// input is 1 at a step.
	Shape   []int
	Density float64
	// Seed keys the inputs.
	Seed uint64
}

// NIRWorkloads are issue 13's benchmarks: the snnTorch-trained braille
// network (12 inputs → 38 recurrent CubaLIF → 7 CubaLIF) at batch 256 over
// 256 steps of 0.1 ms, the NIR paper's dt, with inputs at 10% per step; and
// the Sinabs N-MNIST CNN (2×34×34 → three convolutions of IF neurons, two
// sum poolings, two affine layers) at batch 64 over 30 steps of 1 ms with
// 5% of its event-camera pixels on per step.
func NIRWorkloads() []NIRWorkload {
	return []NIRWorkload{
		{Net: "braille", File: "braille_noDelay_bias_zero.nir", Dt: 1e-4, Steps: 256, Batch: 256, Shape: []int{12}, Density: 0.1, Seed: 1},
		{Net: "cnn", File: "cnn_sinabs.nir", Dt: 1e-3, Steps: 30, Batch: 64, Shape: []int{2, 34, 34}, Density: 0.05, Seed: 1},
	}
}

// Size is the number of inputs per step.
func (w NIRWorkload) Size() int {
	n := 1
	for _, d := range w.Shape {
		n *= d
	}
	return n
}

// Inputs draws the run's inputs, Steps × Batch × Size values in C order,
// each 1 with probability Density and otherwise 0.
func (w NIRWorkload) Inputs() []float64 {
	r := rand.New(rand.NewPCG(w.Seed, 0x4e4952)) // "NIR"
	x := make([]float64, w.Steps*w.Batch*w.Size())
	for i := range x {
		if r.Float64() < w.Density {
			x[i] = 1
		}
	}
	return x
}

// WriteInputs writes x (Steps × Batch × Size values) to dir as a float32
// .npy of shape (Steps, Batch, *Shape) and returns its path.
func (w NIRWorkload) WriteInputs(dir string, x []float64) (string, error) {
	path := filepath.Join(dir, "nir_"+w.Net+"_inputs.npy")
	out, err := npy.Create(path, "float32", append([]int{w.Batch}, w.Shape...)...)
	if err != nil {
		return "", err
	}
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	if err := out.WriteFloat32(x32); err != nil {
		out.Abort()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	if out.Rows() != int64(w.Steps) {
		return "", fmt.Errorf("nir workload %s: wrote %d steps of inputs, want %d", w.Net, out.Rows(), w.Steps)
	}
	return path, nil
}

// BuildNIR loads the graph from the fixtures directory dir and builds it,
// driven by the .npy inputs, in dtype with NIR's Output nodes and record
// (NODE:VAR items, as `leaky run --record`) as in-memory recorders.
func BuildNIR[T engine.Float](w NIRWorkload, dir, inputs, dtype string, record []string) (*netfile.Net[T], error) {
	m, err := nir.Open(filepath.Join(dir, w.File))
	if err != nil {
		return nil, err
	}
	f, err := m.Description(nir.Options{Dt: w.Dt, Rule: "norse", Inputs: inputs, DType: dtype, Record: record})
	if err != nil {
		return nil, err
	}
	return netfile.Build[T](f)
}
