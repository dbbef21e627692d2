package engine

import (
	"context"
	"fmt"
	"math"
	"testing"

	"leaky/kernels"
)

// tinyOf is a subnormal of T some hundreds of units above the least, which
// a decay of 0.9 a step keeps subnormal and nonzero for longer than
// kernels.FlushEvery steps.
func tinyOf[T Float]() T {
	if is32[T]() {
		return T(math.SmallestNonzeroFloat32 * 1000)
	}
	return T(math.SmallestNonzeroFloat64 * 1e6)
}

// subnormals counts the subnormal values of V and every receptor's current
// of p's neurons, padding left out.
func subnormals[T Float](p *Population[T]) int {
	least := T(math.SmallestNonzeroFloat32 * (1 << 23))
	if !is32[T]() {
		least = T(math.SmallestNonzeroFloat64 * (1 << 52))
	}
	count := 0
	for _, x := range append([][]T{p.V, p.I}, p.extraI...) {
		for b := range p.Batch {
			for _, v := range x[p.at(b, 0):p.at(b, p.N)] {
				if v != 0 && v > -least && v < least {
					count++
				}
			}
		}
	}
	return count
}

// subnormalColumns gives the neurons j with j%50 == 7 of a weight matrix of
// nIn rows and n columns subnormal weights of either sign, so that their V
// and currents, fed by them alone, stay among the subnormals but where
// zeroSubnormals clears them.
func subnormalColumns[T Float](w []T, nIn, n int) {
	for i := range nIn {
		for j := 7; j < n; j += 50 {
			w[i*n+j] = tinyOf[T]() * T(i%5+1) * T(1-2*(i%2))
		}
	}
}

// subnormalCase is a population of a kind fed through dense weights that
// are all subnormal, its V and currents starting subnormal, stepped by
// one of the engine's paths.
type subnormalCase struct {
	name string
	np   func() NeuronParams
	// path is "step" (per step, unfused), "fused" or "blocked".
	path string
}

func subnormalCases() []subnormalCase {
	seed := DefaultNeuron
	cuba := func() NeuronParams {
		return NeuronParams{Kind: KindLIF, Dt: 1e-4, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3}, R: 1, Scale: ScaleLeak,
			VLeak: -49, Threshold: -50, VReset: -60, Reset: kernels.ResetZero, Refractory: 50}
	}
	coba := func() NeuronParams {
		return NeuronParams{Kind: KindCOBA, Dt: 1e-4, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
			ERev: []float64{0, -80}, VLeak: -60, Threshold: -50, VReset: -60, Reset: kernels.ResetZero, Refractory: 50}
	}
	three := func() NeuronParams {
		np := DefaultNeuron()
		np.TauSyn = []float64{5e-3, 10e-3, 2e-3}
		return np
	}
	norse := func() NeuronParams {
		np := three()
		np.Rule = RuleNorse
		return np
	}
	li := func() NeuronParams {
		np := DefaultNeuron()
		np.Kind = KindLI
		return np
	}
	return []subnormalCase{
		{"seed", seed, "step"}, {"seed", seed, "fused"}, {"seed", seed, "blocked"},
		{"cuba", cuba, "step"}, {"coba", coba, "step"}, {"three-receptors", three, "step"},
		{"norse", norse, "step"}, {"li", li, "step"},
	}
}

// build makes the case's network of batch trials of n neurons, every
// receptor fed by its own dense projection from a Poisson source.
func buildSubnormal[T Float](t *testing.T, c subnormalCase, batch, n, threads int) (*Network[T], *Population[T]) {
	t.Helper()
	np := c.np()
	pop, err := NewPopulation[T]("p", batch, n, np)
	if err != nil {
		t.Fatal(err)
	}
	const nIn = 40
	src, err := NewPoisson[T]("in", batch, nIn, 400, np.Dt, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	net := NewNetwork[T]()
	net.noFuse = c.path != "fused"
	net.noBlocks = c.path != "blocked"
	net.tuning = blockTuning{always: c.path == "blocked"}
	net.AddSource(src)
	net.AddPopulation(pop)
	for k := range pop.Receptors() {
		w := make([]T, nIn*n)
		for i := range w {
			w[i] = tinyOf[T]() * T(i%7+1) * T(1-2*(i%3%2))
		}
		d, err := NewDense(fmt.Sprintf("in->p/%d", k), Presynaptic[T](src), pop, w)
		if err != nil {
			t.Fatal(err)
		}
		d.Receptor = k
		if err := net.AddProjection(d); err != nil {
			t.Fatal(err)
		}
	}
	tiny := tinyOf[T]()
	for _, x := range append([][]T{pop.V, pop.I}, pop.extraI...) {
		if &x[0] == &pop.V[0] && np.VLeak != 0 {
			continue // V rests at v_leak, far from the subnormals
		}
		for i := range x {
			x[i] = tiny * T(1-2*(i%2))
		}
	}
	net.SetThreads(threads)
	net.SetBlockAlign(kernels.FlushEvery)
	return net, pop
}

// TestZeroSubnormals: on every path that steps a population (per step,
// fused, in blocks; the seed form, CUBA, COBA, the general loop, LI) and
// split over threads by neurons, V and the currents of a population whose
// input and state are subnormal hold subnormals before the update of step
// 63 and none after it, nor after step 127.
func TestZeroSubnormals(t *testing.T) {
	testZeroSubnormals[float32](t)
	testZeroSubnormals[float64](t)
}

func testZeroSubnormals[T Float](t *testing.T) {
	const batch, n = 2, 5000
	for _, c := range subnormalCases() {
		for _, threads := range []int{1, 2, 3} {
			what := fmt.Sprintf("%T %s %s threads=%d", T(0), c.name, c.path, threads)
			net, pop := buildSubnormal[T](t, c, batch, n, threads)
			net.prepare()
			switch {
			case c.path == "blocked" && net.blocked == nil:
				t.Fatalf("%s: not stepped in blocks", what)
			case c.path == "fused" && net.phases[0].fused == nil:
				t.Fatalf("%s: not stepped fused", what)
			case c.name == "cuba" && (pop.gen == nil || !pop.gen.cuba):
				t.Fatalf("%s: not stepped by the CUBA kernel", what)
			case c.path != "blocked" && threads > 1 && len(net.phases[0].ranges) < 2:
				t.Fatalf("%s: not split over the threads", what)
			}
			before := subnormals(pop)
			if before < pop.Batch*pop.N {
				t.Fatalf("%s: %d subnormals to start with", what, before)
			}
			err := net.Run(context.Background(), 2*kernels.FlushEvery, func(done int) {
				got := subnormals(pop)
				switch {
				case done%kernels.FlushEvery == 0 && got != 0:
					t.Errorf("%s: %d subnormals after step %d", what, got, done-1)
				case done == kernels.FlushEvery/2 && got == 0:
					t.Errorf("%s: no subnormals after step %d; the test proves nothing", what, done-1)
				case done == kernels.FlushEvery-1 && c.path != "blocked" && got == 0:
					t.Errorf("%s: no subnormals after step %d, before the zeroing", what, done-1)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			net.Close()
		}
	}
}
