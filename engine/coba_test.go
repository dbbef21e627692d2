package engine_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/kernels"
)

// cobaNeuron is benchmark 1's neuron at dt = 0.1 ms: two receptors with
// reversal potentials 0 and −80 mV, reset to −60 mV, 5 ms refractory.
func cobaNeuron() engine.NeuronParams {
	return engine.NeuronParams{Kind: engine.KindCOBA, Dt: 1e-4, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
		ERev: []float64{0, -80}, VLeak: -60, Threshold: -50, VReset: -60, Reset: kernels.ResetZero, Refractory: 50}
}

// refCOBA is the plain reference loop of the package doc's COBA equations
// for one population fed by binary inputs x (steps × batch × nIn) through
// projs, written independently of the engine. The weights are multiples of
// 1/8 small enough that every sum of them is exact, so the order in which
// the engine adds a step's inputs cannot matter and is not modelled. It
// returns V at the start of every step and the spikes as (t, b, i).
func refCOBA[T engine.Float](np engine.NeuronParams, n, steps, batch, nIn int, x []float64, projs []refProj, v0, g0 []T) ([]T, [][3]int) {
	K := len(np.TauSyn)
	decay := func(tau float64) float64 {
		if np.Decay == engine.DecayEuler {
			return 1 - np.Dt/tau
		}
		return math.Exp(-np.Dt / tau)
	}
	gamma := T(np.Dt / np.TauMem)
	if np.Decay == engine.DecayExact {
		gamma = T(-math.Expm1(-np.Dt / np.TauMem))
	}
	V, g := slices.Clone(v0), slices.Clone(g0)
	cnt := make([]int, batch*n)
	var vs []T
	var spikes [][3]int
	for t := 0; t < steps; t++ {
		vs = append(vs, V...)
		in := make([]T, K*batch*n)
		for _, p := range projs {
			for _, s := range p.syn {
				for b := 0; b < batch; b++ {
					if t >= s.delay && x[((t-s.delay)*batch+b)*nIn+s.pre] != 0 {
						in[(p.receptor*batch+b)*n+s.post] += T(s.w)
					}
				}
			}
		}
		for at := range V {
			x := V[at]
			drive := T(np.VLeak) - x
			for k := 0; k < K; k++ {
				c := g[k*batch*n+at]
				drive += T(c * (T(np.ERev[k]) - x))
				g[k*batch*n+at] = T(T(decay(np.TauSyn[k]))*c) + in[k*batch*n+at]
			}
			if cnt[at] > 0 {
				cnt[at]--
				continue
			}
			vn := x + T(gamma*drive)
			if x > T(np.Threshold) {
				spikes = append(spikes, [3]int{t, at / n, at % n})
				vn = T(np.VReset)
				if np.Refractory > 1 {
					cnt[at] = np.Refractory - 1
				}
			}
			V[at] = vn
		}
	}
	return vs, spikes
}

// TestCOBAMatchesReference runs COBA populations — two receptors with
// counters (kernels.CobaUpdate), and through the engine's own loop two
// receptors without a refractory period, one receptor and three — fed
// through sparse projections with delays, against refCOBA, bit for bit in
// both widths and with both decays.
func TestCOBAMatchesReference(t *testing.T) {
	cases := []struct {
		name string
		np   func(p *engine.NeuronParams)
	}{
		{"kernel", func(p *engine.NeuronParams) {}},
		{"kernel-euler", func(p *engine.NeuronParams) { p.Decay = engine.DecayEuler }},
		{"no-refractory", func(p *engine.NeuronParams) { p.Refractory = 0 }},
		{"one-receptor", func(p *engine.NeuronParams) { p.TauSyn, p.ERev, p.Refractory = []float64{3e-3}, []float64{10}, 20 }},
		{"three-receptors", func(p *engine.NeuronParams) {
			p.TauSyn, p.ERev, p.Refractory = []float64{5e-3, 10e-3, 2e-3}, []float64{0, -80, -70}, 3
		}},
	}
	for _, c := range cases {
		np := cobaNeuron()
		c.np(&np)
		t.Run(c.name+"/float64", func(t *testing.T) { checkCOBA[float64](t, np) })
		t.Run(c.name+"/float32", func(t *testing.T) { checkCOBA[float32](t, np) })
	}
}

// eighthsProjections draws one projection of m synapses per receptor, of
// delays up to maxDelay and weights multiples of 1/8 from 1/8 to 2, so
// that every sum of them is exact and its order does not matter.
func eighthsProjections(rng *rand.Rand, receptors, m, nIn, n, maxDelay int) []refProj {
	var projs []refProj
	for k := range receptors {
		syn := randomSynapses(rng, m, nIn, n, maxDelay, 1)
		for j := range syn {
			syn[j].w = float64(1+rng.IntN(16)) / 8
		}
		projs = append(projs, refProj{k, syn})
	}
	return projs
}

func checkCOBA[T engine.Float](t *testing.T, np engine.NeuronParams) {
	const n, steps, batch, nIn = 70, 400, 2, 40
	rng := rand.New(rand.NewPCG(9, 10))
	x := make([]float64, steps*batch*nIn)
	for i := range x {
		if rng.Float64() < 0.1 {
			x[i] = 1
		}
	}
	projs := eighthsProjections(rng, len(np.TauSyn), 600, nIn, n, 3)
	v0, g0 := make([]T, batch*n), make([]T, len(np.TauSyn)*batch*n)
	for i := range v0 {
		v0[i] = T(-65 + 5*rng.NormFloat64())
	}
	for i := range g0 {
		g0[i] = T(4 * rng.Float64())
	}
	wantV, wantS := refCOBA(np, n, steps, batch, nIn, x, projs, v0, g0)
	net, pop, tr, sr := buildGeneral(t, np, n, steps, batch, nIn, x, projs, v0)
	for k := range np.TauSyn {
		for b := 0; b < batch; b++ {
			copy(pop.Row(pop.Current(k), b), g0[(k*batch+b)*n:(k*batch+b+1)*n])
		}
	}
	if err := net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	for k := range wantV {
		if tr.Data[k] != wantV[k] {
			t.Fatalf("V at step %d, trial %d, neuron %d = %v, want %v", k/(batch*n), k/n%batch, k%n, tr.Data[k], wantV[k])
		}
	}
	if got := spikeTriples(sr.Events); !slices.Equal(got, wantS) {
		t.Fatalf("spikes differ: %d vs %d", len(got), len(wantS))
	}
	if len(wantS) < 20 {
		t.Fatalf("%d spikes: the case does not exercise reset and refractoriness", len(wantS))
	}
}

// TestCOBAValidate checks that every parameter COBA cannot take is refused
// with its name, and that the benchmark's neuron is accepted.
func TestCOBAValidate(t *testing.T) {
	if err := cobaNeuron().Validate(); err != nil {
		t.Fatalf("benchmark 1's neuron refused: %v", err)
	}
	cases := []struct {
		name, want string
		edit       func(p *engine.NeuronParams)
	}{
		{"e_rev on lif", "e_rev", func(p *engine.NeuronParams) { p.Kind = engine.KindLIF }},
		{"one e_rev for two receptors", "e_rev", func(p *engine.NeuronParams) { p.ERev = p.ERev[:1] }},
		{"no e_rev", "e_rev", func(p *engine.NeuronParams) { p.ERev = nil }},
		{"NaN e_rev", "e_rev of receptor 1", func(p *engine.NeuronParams) { p.ERev = []float64{0, math.NaN()} }},
		{"receptor without conductance", "tau_syn of receptor 0", func(p *engine.NeuronParams) { p.TauSyn = []float64{0, 1e-2} }},
		{"rule norse", "rule", func(p *engine.NeuronParams) { p.Rule, p.Refractory = engine.RuleNorse, 0 }},
		{"reset by subtraction", "reset", func(p *engine.NeuronParams) { p.Reset = kernels.ResetSubtract }},
		{"w_in", "w_in", func(p *engine.NeuronParams) { p.WIn = []float64{1, 1} }},
		{"r", "r", func(p *engine.NeuronParams) { p.R = 1 }},
		{"input scale", "scale", func(p *engine.NeuronParams) { p.Scale = engine.ScaleLeak }},
	}
	for _, c := range cases {
		p := cobaNeuron()
		c.edit(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %s", c.name, err, c.want)
		}
		if _, perr := engine.NewPopulation[float32]("p", 1, 10, p); perr == nil {
			t.Errorf("%s: NewPopulation accepted it", c.name)
		}
	}
	if k, err := engine.ParseKind("coba"); err != nil || k != engine.KindCOBA || k.String() != "coba" || !k.Spiking() || !k.Leaks() {
		t.Errorf("ParseKind(coba) = %v, %v", k, err)
	}
}

// TestInitCurrent checks that a receptor's initial state is drawn from its
// distribution, reproducibly, without changing V's draws, and that a
// receptor that does not exist or keeps no state is refused.
func TestInitCurrent(t *testing.T) {
	build := func(initG bool) *engine.Population[float64] {
		pop, err := engine.NewPopulation[float64]("p", 2, 4000, cobaNeuron())
		if err != nil {
			t.Fatal(err)
		}
		if err := pop.InitV(engine.Normal(-65, 5), 3, 1, 0); err != nil {
			t.Fatal(err)
		}
		if initG {
			if err := pop.InitCurrent(0, engine.Normal(4, 1.5), 3, 1, 0); err != nil {
				t.Fatal(err)
			}
			if err := pop.InitCurrent(1, engine.Normal(20, 12), 3, 1, 0); err != nil {
				t.Fatal(err)
			}
		}
		return pop
	}
	a, b, plain := build(true), build(true), build(false)
	if !slices.Equal(a.V, plain.V) {
		t.Fatal("initialising the conductances changed V's draws")
	}
	if !slices.Equal(a.I, b.I) || !slices.Equal(a.Current(1), b.Current(1)) {
		t.Fatal("the same seed drew different conductances")
	}
	for k, want := range [][2]float64{{4, 1.5}, {20, 12}} {
		row := a.Row(a.Current(k), 1)
		mean, sd := meanSD(row)
		if math.Abs(mean-want[0]) > 4*want[1]/math.Sqrt(float64(len(row))) || math.Abs(sd-want[1]) > 0.1*want[1] {
			t.Errorf("receptor %d: mean %.3f sd %.3f, want Normal(%v, %v)", k, mean, sd, want[0], want[1])
		}
	}
	if slices.Equal(a.Row(a.I, 0), a.Row(a.I, 1)) || slices.Equal(a.Row(a.I, 0), a.Row(a.Current(1), 0)) {
		t.Fatal("trials or receptors drew the same values")
	}
	if err := a.InitCurrent(2, engine.Const(1), 3, 1, 0); err == nil {
		t.Error("receptor 2 of a two-receptor population accepted")
	}
	li := engine.DefaultNeuron()
	li.TauSyn = []float64{0}
	p, err := engine.NewPopulation[float32]("q", 1, 3, li)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.InitCurrent(0, engine.Const(1), 3, 1, 0); err == nil {
		t.Error("a receptor without a current accepted an initial state")
	}
}

func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)-1))
}
