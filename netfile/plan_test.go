package netfile_test

import (
	"testing"

	"leaky/engine"
	"leaky/netfile"
)

// TestMemoryMatchesBuild checks the estimate made from a file against what
// building it allocates: the state (extra receptors, refractory counters,
// delay rings, spike lists) exactly, and the weights within the margin the
// estimate leaves random sparse projections (four standard deviations).
func TestMemoryMatchesBuild(t *testing.T) {
	for _, path := range []string{"../examples/small.yaml", "../examples/cuba.yaml", "../examples/coba.yaml", "../examples/shd.yaml"} {
		f := load(t, path)
		m, err := f.Memory(4, false)
		if err != nil {
			t.Fatal(err)
		}
		n, err := netfile.BuildNetwork[float32](f, 0)
		if err != nil {
			t.Fatal(err)
		}
		var state int64
		for _, pop := range n.Pops {
			for _, v := range pop.StateVars() {
				switch info := v.Info(); info.Type {
				case "float32", "int32":
					state += info.Len * 4
				case "uint64":
					state += info.Len * 8
				}
			}
			state += int64(pop.Batch*pop.N) * 4 // the spike lists
		}
		if m.State != state {
			t.Errorf("%s: state estimate %d bytes, built %d", path, m.State, state)
		}
		var weights, slack int64
		for k, pr := range n.Projections {
			switch p := pr.(type) {
			case *engine.Dense[float32]:
				weights += int64(len(p.W)) * 4
			case *engine.Sparse[float32]:
				for _, g := range p.Groups {
					weights += int64(len(g.Col))*8 + int64(len(g.RowPtr))*8
				}
				if f.Projections[k].P != nil {
					slack += 8 * (5*int64(isqrt(p.Synapses())) + 1)
				}
			}
		}
		if m.Weights < weights || m.Weights > weights+slack {
			t.Errorf("%s: weight estimate %d bytes, built %d (+%d allowed)", path, m.Weights, weights, slack)
		}
	}
}

func isqrt(n int) int {
	r := 0
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}
