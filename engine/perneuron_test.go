package engine_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/kernels"
)

// perNeuronCase is a population with parameters differing per neuron.
type perNeuronCase struct {
	name string
	np   engine.NeuronParams
}

// perNeuronCases draws, for every rule and kind with and without synaptic
// currents (and leaky's CUBA form with its refractory period), per-neuron
// τ_mem, τ_syn, w_in, r, v_leak, θ and v_reset for n neurons.
func perNeuronCases(n int) []perNeuronCase {
	rng := rand.New(rand.NewPCG(3, 5))
	draw := func(lo, hi float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = lo + (hi-lo)*rng.Float64()
		}
		return v
	}
	var cs []perNeuronCase
	add := func(name string, np engine.NeuronParams) {
		pn := &engine.PerNeuron{R: draw(0.5, 2), Threshold: draw(0.3, 1)}
		if np.Kind.Leaks() {
			pn.TauMem = draw(np.Dt, 20*np.Dt)
			pn.VLeak = draw(-0.1, 0.2)
			for i := range pn.VLeak {
				if i%3 == 0 {
					pn.VLeak[i] = 0 // Norse's current has no pull then
				}
			}
		}
		if np.Reset == kernels.ResetZero || np.Rule == engine.RuleSnnTorch {
			pn.VReset = draw(-0.3, 0.1)
		}
		for _, tau := range np.TauSyn {
			if tau == 0 {
				pn.TauSyn = append(pn.TauSyn, nil)
				pn.WIn = append(pn.WIn, draw(0.5, 1.5))
				continue
			}
			pn.TauSyn = append(pn.TauSyn, draw(np.Dt, 10*np.Dt))
			pn.WIn = append(pn.WIn, draw(0.5, 3))
		}
		if !np.Kind.Spiking() {
			pn.Threshold, pn.VReset = nil, nil
		}
		np.PerNeuron = pn
		cs = append(cs, perNeuronCase{name, np})
	}
	for _, rule := range []engine.Rule{engine.RuleLeaky, engine.RuleNorse, engine.RuleSnnTorch, engine.RuleSpyx} {
		for _, kind := range []engine.Kind{engine.KindLIF, engine.KindIF, engine.KindLI} {
			for _, tauSyn := range [][]float64{{5e-4, 0}, {0}} {
				for _, reset := range []kernels.Reset{kernels.ResetSubtract, kernels.ResetZero} {
					if rule == engine.RuleSpyx && reset == kernels.ResetZero || !kind.Spiking() && reset == kernels.ResetZero {
						continue
					}
					np := engine.NeuronParams{Kind: kind, Rule: rule, Decay: rule.DefaultDecay(), Dt: 1e-4, TauMem: 1e-3, TauSyn: tauSyn,
						R: 1, Scale: engine.ScaleNIR, Threshold: 1, Reset: reset}
					if !kind.Leaks() {
						np.TauMem = 0
					}
					add(fmt.Sprintf("%v/%v/receptors=%d/%v", rule, kind, len(tauSyn), reset), np)
				}
			}
		}
	}
	// Leaky's CUBA form, which runs kernels.CubaUpdate alone: two
	// currents, unit input weights, reset to a value, a refractory period.
	np := engine.NeuronParams{Kind: engine.KindLIF, Dt: 1e-4, TauMem: 1e-3, TauSyn: []float64{5e-4, 1e-3},
		R: 1, Scale: engine.ScaleLeak, Threshold: 1, Reset: kernels.ResetZero, Refractory: 3}
	add("leaky/cuba", np)
	cs[len(cs)-1].np.PerNeuron.WIn = nil
	// And leaky's refractory period with one current.
	np = engine.NeuronParams{Kind: engine.KindLIF, Dt: 1e-4, TauMem: 1e-3, TauSyn: []float64{5e-4},
		R: 1, Scale: engine.ScaleNIR, Threshold: 1, Reset: kernels.ResetSubtract, Refractory: 4}
	add("leaky/refractory", np)
	return cs
}

// stepTrace is what a run records at every step: V, every receptor's
// current (receptor-major) and the spikes, each batch × n.
type stepTrace[T engine.Float] struct {
	V, I   [][]T
	Spikes [][]bool
}

// runAnalog steps a population of np of n neurons whose receptor k takes
// x[k] (steps × batch × n) one to one, from V = v0 (batch × n), on the
// given threads.
func runAnalog[T engine.Float](t *testing.T, np engine.NeuronParams, n, steps, batch int, x [][]float64, v0 []float64, threads int) stepTrace[T] {
	t.Helper()
	pop, err := engine.NewPopulation[T]("pop", batch, n, np)
	if err != nil {
		t.Fatal(err)
	}
	net := engine.NewNetwork[T]()
	net.AddPopulation(pop)
	for k := range np.TauSyn {
		xs := make([]T, len(x[k]))
		for i, v := range x[k] {
			xs[i] = T(v)
		}
		src, err := engine.NewArray(fmt.Sprintf("x%d", k), xs, steps, batch, n)
		if err != nil {
			t.Fatal(err)
		}
		net.AddSource(src)
		id, err := engine.NewIdentity(fmt.Sprintf("x%d->pop", k), src, pop, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := id.SetInput(k, 0); err != nil {
			t.Fatal(err)
		}
		if err := net.AddProjection(id); err != nil {
			t.Fatal(err)
		}
	}
	for b := range batch {
		for i := range n {
			pop.Row(pop.V, b)[i] = T(v0[b*n+i])
		}
	}
	net.SetThreads(threads)
	defer net.Close()
	var tr stepTrace[T]
	for range steps {
		if err := net.Step(); err != nil {
			t.Fatal(err)
		}
		var v, cur []T
		s := make([]bool, batch*n)
		for b := range batch {
			v = append(v, pop.Row(pop.V, b)...)
			for _, i := range pop.Events(b) {
				s[b*n+int(i)] = true
			}
		}
		for k := range np.TauSyn {
			for b := range batch {
				cur = append(cur, pop.Row(pop.Current(k), b)...)
			}
		}
		tr.V, tr.I, tr.Spikes = append(tr.V, v), append(tr.I, cur), append(tr.Spikes, s)
	}
	return tr
}

// analogInputs draws, for each of receptors receptors, size inputs from
// Normal(0.4, 0.8).
func analogInputs(rng *rand.Rand, receptors, size int) [][]float64 {
	x := make([][]float64, receptors)
	for k := range x {
		x[k] = make([]float64, size)
		for j := range x[k] {
			x[k][j] = 0.4 + 0.8*rng.NormFloat64()
		}
	}
	return x
}

// column is neuron i's inputs of x (steps × batch × n).
func column(x []float64, steps, batch, n, i int) []float64 {
	out := make([]float64, 0, steps*batch)
	for s := range steps {
		for b := range batch {
			out = append(out, x[(s*batch+b)*n+i])
		}
	}
	return out
}

// TestPerNeuronMatchesAlone runs populations whose every parameter differs
// between neurons, on analog inputs from random potentials, and requires
// each neuron's V, currents and spikes at every step to be those of the
// same neuron run alone in a population of its own uniform parameters
// ([engine.NeuronParams.Neuron]), bit for bit, in both widths and on every
// kernel the CPU has (leaky's CUBA form runs kernels.CubaUpdate alone).
func TestPerNeuronMatchesAlone(t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	const n, steps, batch = 70, 120, 2
	for _, c := range perNeuronCases(n) {
		rng := rand.New(rand.NewPCG(7, 11))
		x := analogInputs(rng, len(c.np.TauSyn), steps*batch*n)
		v0 := make([]float64, batch*n)
		for j := range v0 {
			v0[j] = -0.5 + 1.8*rng.Float64()
		}
		t.Run(c.name+"/float32", func(t *testing.T) { matchesAlone[float32](t, c.np, n, steps, batch, x, v0) })
		t.Run(c.name+"/float64", func(t *testing.T) { matchesAlone[float64](t, c.np, n, steps, batch, x, v0) })
	}
}

func matchesAlone[T engine.Float](t *testing.T, np engine.NeuronParams, n, steps, batch int, x [][]float64, v0 []float64) {
	for _, impl := range kernels.Available() {
		if err := kernels.Use(impl.Name); err != nil {
			t.Fatal(err)
		}
		all := runAnalog[T](t, np, n, steps, batch, x, v0, 1)
		spikes := 0
		for i := range n {
			xi := make([][]float64, len(x))
			for k := range x {
				xi[k] = column(x[k], steps, batch, n, i)
			}
			v0i := []float64{v0[i], v0[n+i]}
			alone := runAnalog[T](t, np.Neuron(i), 1, steps, batch, xi, v0i, 1)
			for s := range steps {
				for b := range batch {
					at := b*n + i
					if all.Spikes[s][at] != alone.Spikes[s][b] {
						t.Fatalf("%s: step %d, trial %d, neuron %d: spike %v, alone %v", impl.Name, s, b, i, all.Spikes[s][at], alone.Spikes[s][b])
					}
					if all.Spikes[s][at] {
						spikes++
					}
					if g, w := all.V[s][at], alone.V[s][b]; math.Float64bits(float64(g)) != math.Float64bits(float64(w)) {
						t.Fatalf("%s: step %d, trial %d, neuron %d: V = %v, alone %v", impl.Name, s, b, i, g, w)
					}
					for k := range np.TauSyn {
						if g, w := all.I[s][k*batch*n+at], alone.I[s][k*batch+b]; math.Float64bits(float64(g)) != math.Float64bits(float64(w)) {
							t.Fatalf("%s: step %d, trial %d, neuron %d: I_%d = %v, alone %v", impl.Name, s, b, i, k, g, w)
						}
					}
				}
			}
		}
		if np.Kind.Spiking() && (spikes == 0 || spikes == n*steps*batch) {
			t.Fatalf("%d spikes in %d neuron-steps: the case does not exercise threshold and reset", spikes, n*steps*batch)
		}
	}
}

// TestPerNeuronSameBitsThreads splits a large per-neuron population over
// 1, 2 and 3 threads: its ranges must give the same bits as one.
func TestPerNeuronSameBitsThreads(t *testing.T) {
	const n, steps, batch = 2100, 30, 2
	for _, c := range perNeuronCases(n) {
		if !strings.HasPrefix(c.name, "norse/lif/receptors=2") && !strings.HasPrefix(c.name, "leaky/cuba") && !strings.HasPrefix(c.name, "snntorch/lif/receptors=1") {
			continue
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := analogInputs(rng, len(c.np.TauSyn), steps*batch*n)
		v0 := make([]float64, batch*n)
		t.Run(c.name, func(t *testing.T) {
			want := runAnalog[float32](t, c.np, n, steps, batch, x, v0, 1)
			for _, threads := range []int{2, 3} {
				got := runAnalog[float32](t, c.np, n, steps, batch, x, v0, threads)
				for s := range steps {
					if !slices.Equal(got.V[s], want.V[s]) || !slices.Equal(got.Spikes[s], want.Spikes[s]) || !slices.Equal(got.I[s], want.I[s]) {
						t.Fatalf("%d threads: step %d differs from one thread", threads, s)
					}
				}
			}
		})
	}
}

// TestPerNeuronRefused checks what per-neuron parameters are refused with:
// the neuron and the field, arrays of the wrong length, and a receptor
// with a current for some neurons only.
func TestPerNeuronRefused(t *testing.T) {
	base := engine.NeuronParams{Kind: engine.KindLIF, Rule: engine.RuleNorse, Decay: engine.DecayEuler, Dt: 1e-4, TauMem: 1e-3,
		TauSyn: []float64{5e-4}, R: 1, Threshold: 1}
	for _, c := range []struct {
		name, want string
		pn         engine.PerNeuron
	}{
		{"tau_mem below dt", "neuron 2: tau_mem", engine.PerNeuron{TauMem: []float64{1e-3, 1e-3, 5e-5}}},
		{"NaN threshold", "neuron 1: v_threshold", engine.PerNeuron{Threshold: []float64{1, math.NaN(), 1}}},
		{"lengths", "per-neuron v_reset: 2 values where the others have 3", engine.PerNeuron{TauMem: []float64{1e-3, 1e-3, 1e-3}, VReset: []float64{0, 0}}},
		{"current for some", "a receptor has a current", engine.PerNeuron{TauSyn: [][]float64{{5e-4, 0, 5e-4}}}},
		{"receptors", "receptors' arrays for 1 receptors", engine.PerNeuron{WIn: [][]float64{nil, {1, 2, 3}}}},
		{"empty", "no array", engine.PerNeuron{}},
		{"coba", "kind coba", engine.PerNeuron{Threshold: []float64{1, 2, 3}}},
	} {
		p := base
		if c.name == "coba" {
			p.Kind, p.ERev, p.R = engine.KindCOBA, []float64{0}, 0
		}
		p.PerNeuron = &c.pn
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
		if _, err := engine.NewPopulation[float32]("p", 1, 3, p); err == nil {
			t.Errorf("%s: NewPopulation accepted it", c.name)
		}
	}
	p := base
	p.PerNeuron = &engine.PerNeuron{Threshold: []float64{1, 2, 3}}
	if _, err := engine.NewPopulation[float32]("p", 1, 4, p); err == nil || !strings.Contains(err.Error(), "3 values for 4 neurons") {
		t.Errorf("3 thresholds for 4 neurons: %v", err)
	}
	pop, err := engine.NewPopulation[float32]("p", 1, 3, p)
	if err != nil {
		t.Fatal(err)
	}
	// The population keeps its own copy; Neuron gives each neuron's values.
	p.PerNeuron.Threshold[0] = 9
	if got := pop.Neuron.Neuron(0).Threshold; got != 1 {
		t.Errorf("neuron 0's threshold is %v after the caller's array changed; want 1", got)
	}
	if got := pop.Neuron.Neuron(2); got.Threshold != 3 || got.PerNeuron != nil || got.TauMem != 1e-3 {
		t.Errorf("neuron 2: %+v", got)
	}
	if pop.Neuron.SeedForm() {
		t.Error("a population with per-neuron parameters claims the seed form")
	}
}
