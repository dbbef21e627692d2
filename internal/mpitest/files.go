package mpitest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"leaky/npy"
)

// FilesNet writes into dir the weight files of a network whose weights
// all come from files — a dense .npy matrix (150 × 333, float32) from a
// Poisson source and explicit synapse lists (int32 pre, int64 post,
// float64 weights, per-synapse delays of 1 to 4 steps) between two
// populations of 333 and 97 neurons (not multiples of 64·K) — and returns
// the network file's text, which names them relative to dir.
func FilesNet(t testing.TB, dir string, steps int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 22))
	dense := make([]float32, 150*333)
	for i := range dense {
		dense[i] = float32(0.03 + 0.1*rng.NormFloat64())
	}
	const n = 9000
	pre, post, delay := make([]int32, n), make([]int64, n), make([]int32, n)
	w := make([]float64, n)
	for k := range n {
		pre[k], post[k], delay[k] = int32(rng.IntN(333)), int64(rng.IntN(97)), int32(1+rng.IntN(4))
		w[k] = 0.2 + 0.1*rng.NormFloat64()
	}
	write := func(name, dtype string, fill func(*npy.Writer) error, trailing ...int) {
		wr, err := npy.Create(filepath.Join(dir, name), dtype, trailing...)
		if err == nil {
			err = fill(wr)
		}
		if err == nil {
			err = wr.Close()
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	write("dense.npy", "float32", func(wr *npy.Writer) error { return wr.WriteFloat32(dense) }, 333)
	write("pre.npy", "int32", func(wr *npy.Writer) error { return wr.WriteInt32(pre) })
	write("post.npy", "int64", func(wr *npy.Writer) error { return wr.WriteInt64(post) })
	write("weight.npy", "float64", func(wr *npy.Writer) error { return wr.WriteFloat64(w) })
	write("delay.npy", "int32", func(wr *npy.Writer) error { return wr.WriteInt32(delay) })
	return fmt.Sprintf(`
run: {dt: 0.001, steps: %d, batch: 2, seed: 5}
sources:
  - {name: in, poisson: {size: 150, rate: 60}}
populations:
  - {name: a, size: 333, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: b, size: 97, params: {tau_mem: 0.02, tau_syn: 0.005, refractory: 0.002}}
projections:
  - {source: in, target: a, type: dense, weight: {file: dense.npy}}
  - {source: a, target: b, type: sparse, synapses: {pre: pre.npy, post: post.npy, weight: weight.npy, delay: delay.npy}}
recorders:
  - {population: a, vars: [spikes, v], neurons: [0, 64, 332]}
  - {population: b, vars: [spikes, isyn]}
`, steps)
}
