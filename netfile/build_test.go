package netfile_test

import (
	"reflect"
	"slices"
	"testing"

	"leaky/engine"
	"leaky/netfile"
)

// setupNet has every part whose building draws random numbers: initial V
// of a batch, notebook weights, weights from a distribution with a sign,
// and sparse connectivity with and without a delay, at sizes that give
// each several ranges to split over threads.
const setupNet = `
run: {dt: 0.0005, steps: 40, batch: 3, seed: 9}
sources: [{name: in, poisson: {size: 300, rate: 40}}]
populations:
  - {name: a, size: 1000, params: {tau_mem: 0.01, tau_syn: 0.005}, init: {v: {normal: [0.2, 0.3]}}}
  - {name: b, size: 1500, params: {tau_mem: 0.01, tau_syn: 0.005}, init: {v: {uniform: [0, 0.9]}}}
projections:
  - {source: in, target: a, type: dense, weight: notebook}
  - {source: in, target: b, type: dense, weight: {normal: [0, 0.05]}, sign: excitatory}
  - {source: a, target: b, type: sparse, p: 0.2, weight: {uniform: [-0.05, 0.1]}}
  - {source: b, target: a, type: sparse, p: 0.1, weight: {normal: [0, 0.1]}, delay: 2}
`

// TestBuildThreadsSameNetwork: a network drawn on 1, 2 or 3 threads is the
// same — initial state, every weight, every synapse — and so steps the same.
func TestBuildThreadsSameNetwork(t *testing.T) {
	f, err := netfile.Parse("setup.yaml", []byte(setupNet))
	if err != nil {
		t.Fatal(err)
	}
	type built struct {
		v     [][]float32
		dense [][]float32
		sp    [][]engine.SparseGroup[float32]
		state map[string]engine.StateVar
	}
	build := func(threads int) built {
		n, err := netfile.BuildNetwork[float32](f, threads)
		if err != nil {
			t.Fatal(err)
		}
		defer n.Net.Close()
		var b built
		for _, p := range n.Pops {
			b.v = append(b.v, slices.Clone(p.V))
		}
		for _, pr := range n.Projections {
			switch x := pr.(type) {
			case *engine.Dense[float32]:
				b.dense = append(b.dense, x.W)
			case *engine.Sparse[float32]:
				b.sp = append(b.sp, x.Groups)
			default:
				t.Fatalf("projection %T", pr)
			}
		}
		n.Net.SetThreads(threads)
		b.state = stateOf(t, n.Net, 40)
		return b
	}
	ref := build(1)
	if len(ref.dense) != 2 || len(ref.sp) != 2 || len(ref.sp[1]) != 1 || ref.sp[1][0].Delay != 2 {
		t.Fatalf("built %d dense and %d sparse projections, want 2 and 2 (the second delayed)", len(ref.dense), len(ref.sp))
	}
	for _, threads := range []int{2, 3} {
		b := build(threads)
		for i := range ref.v {
			if !slices.Equal(b.v[i], ref.v[i]) {
				t.Fatalf("%d threads: population %d starts from another V than on one", threads, i)
			}
		}
		for k := range ref.dense {
			if !slices.Equal(b.dense[k], ref.dense[k]) {
				t.Fatalf("%d threads: dense projection %d has other weights than on one", threads, k)
			}
		}
		for k := range ref.sp {
			if !reflect.DeepEqual(b.sp[k], ref.sp[k]) {
				t.Fatalf("%d threads: sparse projection %d has other synapses than on one", threads, k)
			}
		}
		sameState(t, "threads", b.state, ref.state)
	}
}
