package netfile_test

import (
	"strings"
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
						weights += g.IndexBytes() + int64(len(g.W))*4 + int64(len(g.RowPtr))*8
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

// TestMemoryCountsBlocks: a feed-forward population the engine may step in
// blocks counts a block's spike masks under Blocks — 32 steps' words of
// every trial, within 4 MiB — and, recorded whole, its V, I and Iin of
// every step of a block, within 64 MiB; none where a projection reads a
// population, over ranks, or where a population is not in the seed form
// (then the engine steps no population in blocks).
func TestMemoryCountsBlocks(t *testing.T) {
	const net = `
run: {dt: 0.0005, steps: 10, batch: 3, seed: 1}
sources:
  - {name: in, poisson: {size: 100, rate: 5}}
populations:
  - {name: a, size: 300000, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: b, size: 1000, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {source: in, target: a, type: dense, weight: 0.1}
  - {source: in, target: b, type: dense, weight: 0.1}
`
	const batch = 3
	// blocks is the bytes a block of n neurons holds, from the limits
	// the engine documents.
	blocks := func(n int, staged bool) int64 {
		words := (n + 63) / 64
		stride := words * 64
		k := min(32, (4<<20)/(batch*words*8))
		if staged {
			k = min(k, (64<<20)/(3*batch*stride*4))
		}
		b := int64(k * batch * words * 8)
		if staged {
			b += int64(3 * k * batch * stride * 4)
		}
		return b
	}
	for _, c := range []struct {
		name, extra string
		ranks       int
		want        int64
	}{
		{"spikes", "recorders: [{population: a, vars: [spikes]}]", 1, blocks(300000, false) + blocks(1000, false)},
		{"few neurons", "recorders: [{population: a, vars: [v], neurons: [0, 5, 299999]}]", 1, blocks(300000, false) + blocks(1000, false)},
		{"every neuron", "recorders: [{population: a, vars: [v]}]", 1, blocks(300000, true) + blocks(1000, false)},
		{"b refractory", "b refractory", 1, 0},
		{"a population read", "  - {source: b, target: a, type: dense, weight: 0.1}", 1, 0},
		{"two ranks", "", 2, 0},
	} {
		text := net
		switch {
		case strings.HasPrefix(c.extra, "recorders"):
			text += c.extra + "\n"
		case c.extra == "b refractory":
			text = strings.Replace(net, "tau_syn: 0.005}}\nprojections", "tau_syn: 0.005, refractory: 0.002}}\nprojections", 1)
		default:
			text = strings.Replace(net, "projections:\n", "projections:\n"+c.extra+"\n", 1)
		}
		f, err := netfile.Parse("blocks.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.MemoryOfRank(4, false, 0, c.ranks)
		if err != nil {
			t.Fatal(err)
		}
		if m.Blocks != c.want {
			t.Errorf("%s: blocks hold %d bytes, want %d", c.name, m.Blocks, c.want)
		}
		if m.Total() != m.State+m.Weights+m.Inputs+m.Recorders+m.Blocks {
			t.Errorf("%s: the total %d leaves out a part", c.name, m.Total())
		}
	}
}
