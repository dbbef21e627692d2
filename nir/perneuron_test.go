package nir

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"leaky/engine"
	"leaky/netfile"
)

// TestPerNeuronNodeMatchesAlone runs perneuron.nir — a CubaLIF and a LIF
// whose every parameter differs between neurons — through its description
// under each semantics that reads CubaLIF nodes, in both widths, and
// requires every neuron's V and spikes at every step to be those of the
// same neuron run alone, as a population of its own uniform parameters
// (the description's values for it) fed the input its node received.
func TestPerNeuronNodeMatchesAlone(t *testing.T) {
	m, err := Open(filepath.Join("testdata", "perneuron.nir"))
	if err != nil {
		t.Fatal(err)
	}
	const steps, batch = 150, 2
	rng := rand.New(rand.NewPCG(8, 9))
	x := make([]float64, steps*batch*3)
	for i := range x {
		x[i] = 0.3 + 0.6*rng.NormFloat64()
	}
	in := writeInputs(t, filepath.Join(t.TempDir(), "x.npy"), x, batch, 3)
	for _, sem := range []string{"norse", "snntorch", "spyx", "leaky", "lava"} {
		for _, dtype := range []string{"float32", "float64"} {
			t.Run(sem+"/"+dtype, func(t *testing.T) {
				d, err := m.Description(Options{Dt: 1e-4, Rule: sem, Inputs: in, DType: dtype})
				if err != nil {
					t.Fatal(err)
				}
				if dtype == "float32" {
					matchesAlone[float32](t, d, steps)
				} else {
					matchesAlone[float64](t, d, steps)
				}
			})
		}
	}
}

func matchesAlone[T engine.Float](t *testing.T, d *netfile.File, steps int) {
	n, err := netfile.Build[T](d)
	if err != nil {
		t.Fatal(err)
	}
	type trace struct{ in, v, s [][]T } // per step, batch × N
	traces := make([]trace, len(n.Pops))
	row := func(p *engine.Population[T], x []T) []T {
		var out []T
		for b := range p.Batch {
			out = append(out, p.Row(x, b)...)
		}
		return out
	}
	for range steps {
		if err := n.Net.Step(); err != nil {
			t.Fatal(err)
		}
		for k, p := range n.Pops {
			s := make([]T, p.Batch*p.N)
			for b := range p.Batch {
				for _, i := range p.Events(b) {
					s[b*p.N+int(i)] = 1
				}
			}
			traces[k].in, traces[k].v, traces[k].s = append(traces[k].in, row(p, p.Iin)), append(traces[k].v, row(p, p.V)), append(traces[k].s, s)
		}
	}
	for k, p := range n.Pops {
		if p.Neuron.PerNeuron == nil {
			t.Fatalf("population %s has no per-neuron parameters", p.Name)
		}
		spikes := 0
		for i := range p.N {
			// Neuron i alone, fed what its node's neuron i received.
			x := make([]T, 0, steps*p.Batch)
			for s := range steps {
				for b := range p.Batch {
					x = append(x, traces[k].in[s][b*p.N+i])
				}
			}
			src, err := engine.NewArray("in", x, steps, p.Batch, 1)
			if err != nil {
				t.Fatal(err)
			}
			alone, err := engine.NewPopulation[T]("alone", p.Batch, 1, p.Neuron.Neuron(i))
			if err != nil {
				t.Fatal(err)
			}
			id, err := engine.NewIdentity("in->alone", src, alone, 0)
			if err != nil {
				t.Fatal(err)
			}
			net := engine.NewNetwork[T]()
			net.AddSource(src)
			net.AddPopulation(alone)
			if err := net.AddProjection(id); err != nil {
				t.Fatal(err)
			}
			for s := range steps {
				if err := net.Step(); err != nil {
					t.Fatal(err)
				}
				for b := range p.Batch {
					got, want := traces[k].v[s][b*p.N+i], alone.Row(alone.V, b)[0]
					if math.Float64bits(float64(got)) != math.Float64bits(float64(want)) {
						t.Fatalf("%s neuron %d, step %d, trial %d: V = %v, alone %v", p.Name, i, s, b, got, want)
					}
					spiked := len(alone.Events(b)) > 0
					if spiked != (traces[k].s[s][b*p.N+i] == 1) {
						t.Fatalf("%s neuron %d, step %d, trial %d: spike %v, alone %v", p.Name, i, s, b, !spiked, spiked)
					}
					if spiked {
						spikes++
					}
				}
			}
		}
		if spikes == 0 {
			t.Errorf("%s: no spikes; the comparison proves little", p.Name)
		}
	}
}
