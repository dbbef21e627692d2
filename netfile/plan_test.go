package netfile_test

import (
	"testing"

	"leaky/engine"
	"leaky/netfile"
)

// TestMemoryMatchesBuild checks the estimate made from a file against what
// building it allocates: the state (extra receptors, refractory counters,
// delay rings, spike lists) exactly, and the weights within the margin the
// estimate leaves random sparse projections (four standard deviations); and
// each rank's estimate (MemoryOfRank) against what that rank builds, whose
// weights are its blocks' alone (TestRanksReadOwnFileWeights checks the
// same of weights read from files).
func TestMemoryMatchesBuild(t *testing.T) {
	for _, path := range []string{"../examples/small.yaml", "../examples/cuba.yaml", "../examples/coba.yaml", "../examples/shd.yaml"} {
		f := load(t, path)
		for _, rk := range [][2]int{{0, 1}, {0, 2}, {1, 2}, {0, 3}, {2, 3}} {
			rank, ranks := rk[0], rk[1]
			m, err := f.MemoryOfRank(4, false, rank, ranks)
			if err != nil {
				t.Fatal(err)
			}
			if ranks == 1 {
				whole, err := f.Memory(4, false)
				if err != nil || whole != m {
					t.Fatalf("%s: Memory %+v (%v), MemoryOfRank of one rank %+v", path, whole, err, m)
				}
			}
			n, err := netfile.BuildRank[float32](f, 0, rank, ranks)
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
				t.Errorf("%s rank %d of %d: state estimate %d bytes, built %d", path, rank, ranks, m.State, state)
			}
			var weights, slack int64
			for k, pr := range n.Projections {
				switch p := pr.(type) {
				case *engine.Dense[float32]:
					weights += int64(len(p.W)) * 4
				case *engine.Sparse[float32]:
					for _, g := range p.Groups {
						weights += int64(len(g.Col))*4 + int64(len(g.W))*4 + int64(len(g.RowPtr))*8
					}
					if f.Projections[k].P != nil {
						slack += 8 * (5*int64(isqrt(p.Synapses())) + 1)
					}
				}
			}
			if m.Weights < weights || m.Weights > weights+slack {
				t.Errorf("%s rank %d of %d: weight estimate %d bytes, built %d (+%d allowed)", path, rank, ranks, m.Weights, weights, slack)
			}
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
