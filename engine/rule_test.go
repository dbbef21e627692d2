package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/internal/numpytest"
	"leaky/kernels"
)

// frameworkScript steps each framework's neurons as its own source code
// does — written out from snnTorch (snntorch/_neurons/leaky.py,
// synaptic.py, reset_delay=False as import_nir.py builds them), Norse
// (norse/torch/utils/import_nir.py's CubaLIF, functional/lif_box.py,
// leaky_integrator_box.py, iaf.py, reset.py) and Spyx (spyx/nn.py LIF, IF,
// CuBaLIF, LI) — in float64, on the inputs x (steps × batch × n, the
// output of the layer before) from v0. It reads the cases from the JSON
// file argv[1] and prints, per case, V and the current after every step,
// the spikes, and how often snnTorch's reset signal was set.
const frameworkScript = `
import json, sys
import numpy as np

def H(a):
    return (a > 0).astype(np.float64)

def run(c):
    p = c["p"]
    x = np.array(c["x"], dtype=np.float64).reshape(c["steps"], c["batch"], c["n"])
    v = np.array(c["v0"], dtype=np.float64).reshape(c["batch"], c["n"])
    i = np.zeros_like(v)
    dt, th = p["dt"], p["v_th"]
    vs, cs, ss, rho = [], [], [], 0
    for t in range(c["steps"]):
        xt = x[t]
        m = c["model"]
        if m == "norse/cubalif":
            xt = p["w_in"] * xt
            i = i + dt * (1 / p["tau_syn"]) * ((p["v_leak"] - i) + xt)
            xt = p["r"] * i
            vd = v + dt * (1 / p["tau_mem"]) * (xt + p["v_leak"] - v)
            z = H(vd - th)
            v = (1 - z) * vd + z * (p["v_reset"] if p["reset"] == "value" else vd - th)
        elif m == "norse/lif":
            vd = v + dt * (1 / p["tau_mem"]) * (xt + p["v_leak"] - v)
            z = H(vd - th)
            v = (1 - z) * vd + z * (p["v_reset"] if p["reset"] == "value" else vd - th)
        elif m == "norse/if":
            vn = v + xt
            z = H(vn - th)
            v = (1 - z) * vn + z * p["v_reset"]
        elif m == "norse/li":
            v = v + dt * (1 / p["tau_mem"]) * ((p["v_leak"] - v) + xt)
            z = np.zeros_like(v)
        elif m in ("snntorch/synaptic", "snntorch/leaky"):
            alpha, beta = 1 - dt / p.get("tau_syn", 1), 1 - dt / p["tau_mem"]
            if m == "snntorch/leaky" and p.get("if"):
                beta = 1.0
            reset = H(v - th)
            rho += int(reset.sum())
            if m == "snntorch/synaptic":
                i = alpha * i + xt
                base = beta * v + i
                mem = base - reset * th if p["reset"] == "subtract" else base - reset * base
            else:
                if p["reset"] == "subtract":
                    mem = beta * v + xt - reset * th
                else:
                    mem = beta * ((1 - reset) * v) + xt
            z = H(mem - th)
            do_reset = z - reset
            v = mem - do_reset * th if p["reset"] == "subtract" else mem - do_reset * mem
        elif m == "spyx/cubalif":
            alpha, beta = 1 - dt / p["tau_syn"], 1 - dt / p["tau_mem"]
            xt = xt * (p["w_in"] * dt / p["tau_syn"])
            z = H(v - th)
            reset = z * th
            v = v - reset
            i = alpha * i + xt
            v = beta * v + i - reset
        elif m == "spyx/lif":
            beta = 1 - dt / p["tau_mem"]
            xt = xt * (dt / p["tau_mem"])
            z = H(v - th)
            v = beta * v + xt - z * th
        elif m == "spyx/if":
            z = H(v - th)
            v = v + xt - z * th
        elif m == "spyx/li":
            beta = 1 - dt / p["tau_mem"]
            v = beta * v + xt * (dt / p["tau_mem"])
            z = np.zeros_like(v)
        elif m == "nir/i":
            v = v + p["r"] * xt
            z = np.zeros_like(v)
        else:
            raise SystemExit("unknown model " + m)
        vs.append(v.ravel().tolist()); cs.append(i.ravel().tolist()); ss.append(z.ravel().tolist())
    return {"v": vs, "i": cs, "s": ss, "rho": rho}

cases = json.load(open(sys.argv[1]))
json.dump([run(c) for c in cases], sys.stdout)
`

// frameworkCase is one framework neuron: the parameters its NIR importer
// builds, as NeuronParams and as the script's p.
type frameworkCase struct {
	name, model string
	np          engine.NeuronParams
	p           map[string]any
	// mean and sd of the random input; current: the model has a synaptic
	// current to compare; rho: snnTorch's reset signal must occur.
	mean, sd     float64
	current, rho bool
}

func frameworkCases() []frameworkCase {
	const dt, tauSyn, tauMem = 1e-4, 5e-4, 1e-3
	lif := func(rule engine.Rule, tauSyn float64) engine.NeuronParams {
		return engine.NeuronParams{Kind: engine.KindLIF, Rule: rule, Decay: engine.DecayEuler, Dt: dt, TauMem: tauMem,
			TauSyn: []float64{tauSyn}, R: 1, Threshold: 1}
	}
	var cs []frameworkCase
	for _, reset := range []string{"value", "subtract"} {
		rs, vr := kernels.ResetZero, -0.2
		if reset == "subtract" {
			rs, vr = kernels.ResetSubtract, 0 // Norse subtracts θ
		}
		// Norse's CubaLIF relaxes its current towards v_leak.
		np := lif(engine.RuleNorse, tauSyn)
		np.WIn, np.R, np.Scale, np.VLeak, np.VReset, np.Reset = []float64{2}, 3, engine.ScaleNIR, 0.1, vr, rs
		cs = append(cs, frameworkCase{name: "norse/cubalif/" + reset, model: "norse/cubalif", np: np, current: true, mean: 0.2, sd: 0.4,
			p: map[string]any{"dt": dt, "tau_syn": tauSyn, "tau_mem": tauMem, "w_in": 2.0, "r": 3.0, "v_leak": 0.1, "v_th": 1.0, "v_reset": vr, "reset": reset}})
		np = lif(engine.RuleNorse, 0)
		np.Scale, np.VLeak, np.VReset, np.Reset = engine.ScaleNIR, 0.1, vr, rs
		cs = append(cs, frameworkCase{name: "norse/lif/" + reset, model: "norse/lif", np: np, mean: 1.2, sd: 2,
			p: map[string]any{"dt": dt, "tau_mem": tauMem, "v_leak": 0.1, "v_th": 1.0, "v_reset": vr, "reset": reset}})

		// snnTorch's Synaptic and Leaky, inputs strong enough that a
		// subtraction leaves V above threshold.
		np = lif(engine.RuleSnnTorch, tauSyn)
		np.Reset = rs
		cs = append(cs, frameworkCase{name: "snntorch/synaptic/" + reset, model: "snntorch/synaptic", np: np, current: true, rho: true, mean: 0.15, sd: 0.5,
			p: map[string]any{"dt": dt, "tau_syn": tauSyn, "tau_mem": tauMem, "v_th": 1.0, "reset": reset}})
		np = lif(engine.RuleSnnTorch, 0)
		np.Reset = rs
		cs = append(cs, frameworkCase{name: "snntorch/leaky/" + reset, model: "snntorch/leaky", np: np, rho: true, mean: 0.3, sd: 1.2,
			p: map[string]any{"dt": dt, "tau_mem": tauMem, "v_th": 1.0, "reset": reset}})
	}
	np := lif(engine.RuleNorse, 0)
	np.Kind, np.TauMem, np.VReset, np.Reset = engine.KindIF, 0, -0.5, kernels.ResetZero
	cs = append(cs, frameworkCase{name: "norse/if", model: "norse/if", np: np, mean: 0.1, sd: 0.3,
		p: map[string]any{"dt": dt, "v_th": 1.0, "v_reset": -0.5}})
	np = lif(engine.RuleNorse, 0)
	np.Kind, np.Scale, np.VLeak = engine.KindLI, engine.ScaleNIR, 0.3
	cs = append(cs, frameworkCase{name: "norse/li", model: "norse/li", np: np, mean: 0.5, sd: 1,
		p: map[string]any{"dt": dt, "tau_mem": tauMem, "v_leak": 0.3, "v_th": 1.0}})
	np = lif(engine.RuleSnnTorch, 0)
	np.Kind, np.TauMem = engine.KindIF, 0
	cs = append(cs, frameworkCase{name: "snntorch/if", model: "snntorch/leaky", np: np, rho: true, mean: 0.2, sd: 1,
		p: map[string]any{"dt": dt, "tau_mem": tauMem, "if": true, "v_th": 1.0, "reset": "subtract"}})

	// Spyx scales the weights into a CuBaLIF by w_in·dt/τ_syn and into a
	// LIF or LI by dt/τ_mem; its CuBaLIF subtracts twice.
	np = lif(engine.RuleSpyx, tauSyn)
	np.WIn = []float64{1.5 * dt / tauSyn}
	cs = append(cs, frameworkCase{name: "spyx/cubalif", model: "spyx/cubalif", np: np, current: true, mean: 0.1, sd: 0.3,
		p: map[string]any{"dt": dt, "tau_syn": tauSyn, "tau_mem": tauMem, "w_in": 1.5, "v_th": 1.0}})
	np = lif(engine.RuleSpyx, 0)
	np.Scale = engine.ScaleNIR
	cs = append(cs, frameworkCase{name: "spyx/lif", model: "spyx/lif", np: np, mean: 1.2, sd: 2,
		p: map[string]any{"dt": dt, "tau_mem": tauMem, "v_th": 1.0}})
	np = lif(engine.RuleSpyx, 0)
	np.Kind, np.TauMem = engine.KindIF, 0
	cs = append(cs, frameworkCase{name: "spyx/if", model: "spyx/if", np: np, mean: 0.1, sd: 0.3,
		p: map[string]any{"dt": dt, "v_th": 1.0}})
	np = lif(engine.RuleSpyx, 0)
	np.Kind, np.Scale = engine.KindLI, engine.ScaleNIR
	cs = append(cs, frameworkCase{name: "spyx/li", model: "spyx/li", np: np, mean: 0.5, sd: 1,
		p: map[string]any{"dt": dt, "tau_mem": tauMem, "v_th": 1.0}})
	np = lif(engine.RuleLeaky, 0)
	np.Kind, np.TauMem, np.R = engine.KindI, 0, 0.7
	cs = append(cs, frameworkCase{name: "nir/i", model: "nir/i", np: np, mean: 0, sd: 1,
		p: map[string]any{"dt": dt, "r": 0.7, "v_th": 1.0}})
	return cs
}

// TestRulesMatchFrameworks runs every framework neuron of frameworkCases
// in float64 against frameworkScript on random analog inputs and random
// initial potentials (some above threshold): the spikes must be the same
// and V and the current within 1e-6 at every step.
func TestRulesMatchFrameworks(t *testing.T) {
	numpytest.Require(t)
	const steps, batch, n = 300, 2, 40
	cases := frameworkCases()
	rng := rand.New(rand.NewPCG(13, 17))
	var in []map[string]any
	xs, v0s := make([][]float64, len(cases)), make([][]float64, len(cases))
	for k, c := range cases {
		xs[k] = make([]float64, steps*batch*n)
		for j := range xs[k] {
			xs[k][j] = c.mean + c.sd*rng.NormFloat64()
		}
		v0s[k] = make([]float64, batch*n)
		if c.np.Kind.Spiking() {
			for j := range v0s[k] {
				v0s[k][j] = -1 + 2.5*rng.Float64()
			}
		}
		in = append(in, map[string]any{"model": c.model, "p": c.p, "x": xs[k], "v0": v0s[k], "steps": steps, "batch": batch, "n": n})
	}
	dir := t.TempDir()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cases.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var want []struct {
		V, I, S [][]float64
		Rho     int
	}
	if err := json.Unmarshal(numpytest.Run(t, dir, frameworkScript, "cases.json"), &want); err != nil {
		t.Fatal(err)
	}
	for k, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			net, pop := analogNetwork[float64](t, c.np, xs[k], v0s[k], steps, batch, n)
			spikes := 0
			for step := range steps {
				if err := net.Step(); err != nil {
					t.Fatal(err)
				}
				for b := range batch {
					ev := pop.Events(b)
					for i := range n {
						at := b*n + i
						s := slices.Contains(ev, int32(i))
						if s != (want[k].S[step][at] != 0) {
							t.Fatalf("step %d, trial %d, neuron %d: spike %v, want %v", step, b, i, s, !s)
						}
						if s {
							spikes++
						}
						if d := math.Abs(pop.Row(pop.V, b)[i] - want[k].V[step][at]); !(d <= 1e-6) {
							t.Fatalf("step %d, trial %d, neuron %d: V = %v, want %v", step, b, i, pop.Row(pop.V, b)[i], want[k].V[step][at])
						}
						if c.current {
							if d := math.Abs(pop.Row(pop.I, b)[i] - want[k].I[step][at]); !(d <= 1e-6) {
								t.Fatalf("step %d, trial %d, neuron %d: I = %v, want %v", step, b, i, pop.Row(pop.I, b)[i], want[k].I[step][at])
							}
						}
					}
				}
			}
			if c.np.Kind.Spiking() && (spikes == 0 || spikes == steps*batch*n) {
				t.Fatalf("%d spikes in %d neuron-steps: the case does not exercise threshold and reset", spikes, steps*batch*n)
			}
			if c.rho && want[k].Rho == 0 {
				t.Fatal("snnTorch's reset signal never set: the case does not exercise it")
			}
		})
	}
}

// analogNetwork feeds the analog inputs x (steps × batch × n) one to one
// into a population of np starting from v0 (batch × n).
func analogNetwork[T engine.Float](t *testing.T, np engine.NeuronParams, x, v0 []float64, steps, batch, n int) (*engine.Network[T], *engine.Population[T]) {
	t.Helper()
	xs := make([]T, len(x))
	for i, v := range x {
		xs[i] = T(v)
	}
	src, err := engine.NewArray("x", xs, steps, batch, n)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := engine.NewPopulation[T]("pop", batch, n, np)
	if err != nil {
		t.Fatal(err)
	}
	for b := range batch {
		for i := range n {
			pop.Row(pop.V, b)[i] = T(v0[b*n+i])
		}
	}
	w := make([]T, n*n)
	for i := range n {
		w[i*n+i] = 1
	}
	d, err := engine.NewDense("x->pop", src, pop, w)
	if err != nil {
		t.Fatal(err)
	}
	net := engine.NewNetwork[T]()
	net.AddSource(src)
	net.AddPopulation(pop)
	if err := net.AddProjection(d); err != nil {
		t.Fatal(err)
	}
	return net, pop
}

// TestRulesSameBits runs every rule and kind, with a current and without,
// in a recurrent network split over threads, with every kernel this CPU has
// at 1, 2, 3 and 7 threads, in both widths, and requires the spikes and the
// final state to equal those of the generic kernel on one thread bit for
// bit.
func TestRulesSameBits(t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	for _, rule := range []engine.Rule{engine.RuleLeaky, engine.RuleNorse, engine.RuleSnnTorch, engine.RuleSpyx} {
		for _, kind := range []engine.Kind{engine.KindLIF, engine.KindIF, engine.KindLI} {
			for _, tauSyn := range [][]float64{{5e-3, 0}, {0}} {
				np := engine.NeuronParams{Kind: kind, Rule: rule, Decay: rule.DefaultDecay(), Dt: 1e-3, TauMem: 10e-3, TauSyn: tauSyn,
					WIn: slices.Repeat([]float64{1.5}, len(tauSyn)), R: 0.8, Scale: engine.ScaleNIR, VLeak: 0.05, Threshold: 0.6, Reset: kernels.ResetSubtract}
				if !kind.Leaks() {
					np.TauMem, np.VLeak = 0, 0
				}
				name := fmt.Sprintf("%v/%v/receptors=%d", rule, kind, len(tauSyn))
				t.Run(name+"/float32", func(t *testing.T) { sameBitsRule[float32](t, np) })
				t.Run(name+"/float64", func(t *testing.T) { sameBitsRule[float64](t, np) })
			}
		}
	}
}

func sameBitsRule[T engine.Float](t *testing.T, np engine.NeuronParams) {
	// 2 × 2100 neuron updates a step: two ranges, one per 2048.
	const steps, batch, n, nIn = 40, 2, 2100, 50
	run := func(impl string, threads int) ([]int64, []engine.StateVar) {
		if err := kernels.Use(impl); err != nil {
			t.Fatal(err)
		}
		src, err := engine.NewPoisson[T]("in", batch, nIn, 100, np.Dt, 5, 0)
		if err != nil {
			t.Fatal(err)
		}
		pop, err := engine.NewPopulation[T]("pop", batch, n, np)
		if err != nil {
			t.Fatal(err)
		}
		net := engine.NewNetwork[T]()
		net.AddSource(src)
		net.AddPopulation(pop)
		for k := range np.TauSyn {
			in, err := engine.NewRandomSparse(fmt.Sprintf("in->pop/%d", k), src, pop,
				engine.RandomSparse{P: 0.2, Weight: engine.Normal(0.3, 0.5), Receptor: k, Delay: k, Seed: 3, Stream: uint64(k)})
			if err != nil {
				t.Fatal(err)
			}
			if err := net.AddProjection(in); err != nil {
				t.Fatal(err)
			}
		}
		if np.Kind.Spiking() {
			rec, err := engine.NewRandomSparse("pop->pop", pop, pop, engine.RandomSparse{P: 0.002, Weight: engine.Normal(0, 0.4), Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			if err := net.AddProjection(rec); err != nil {
				t.Fatal(err)
			}
		}
		sr := engine.NewSpikeRecorder(pop)
		net.AddRecorder(sr)
		net.SetThreads(threads)
		defer net.Close()
		if threads > 1 && net.PopulationThreads()[0] < 2 {
			t.Fatalf("on %d threads the population is stepped by one: the run would not split it", threads)
		}
		if err := net.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		return sr.Events, net.StateVars()
	}
	wantS, wantState := run("generic", 1)
	if np.Kind.Spiking() && len(wantS) == 0 {
		t.Fatal("no spikes: the comparison would prove little")
	}
	for _, impl := range kernels.Available() {
		for _, th := range []int{1, 2, 3, 7} {
			if impl.Name == "generic" && th == 1 {
				continue
			}
			gotS, gotState := run(impl.Name, th)
			if !slices.Equal(gotS, wantS) {
				t.Errorf("%s on %d threads: %d spike events, generic on 1 thread %d", impl.Name, th, len(gotS), len(wantS))
			}
			if err := engine.SameState(gotState, wantState); err != nil {
				t.Errorf("%s on %d threads: %v", impl.Name, th, err)
			}
		}
	}
}

// TestRuleParamsRefused checks that parameters a rule or kind cannot run
// are refused, naming the field.
func TestRuleParamsRefused(t *testing.T) {
	base := engine.NeuronParams{Kind: engine.KindLIF, Rule: engine.RuleNorse, Decay: engine.DecayEuler, Dt: 1e-4, TauMem: 1e-3,
		TauSyn: []float64{5e-4}, R: 1, Threshold: 1}
	for _, c := range []struct {
		name, want string
		edit       func(*engine.NeuronParams)
	}{
		{"rule", "rule", func(p *engine.NeuronParams) { p.Rule = 9 }},
		{"decay", "decay", func(p *engine.NeuronParams) { p.Decay = 9 }},
		{"kind", "kind", func(p *engine.NeuronParams) { p.Kind = 9 }},
		{"scale", "input scale", func(p *engine.NeuronParams) { p.Scale = 9 }},
		{"euler tau_mem < dt", "tau_mem", func(p *engine.NeuronParams) { p.TauMem = 5e-5 }},
		{"euler tau_syn < dt", "tau_syn of receptor 0", func(p *engine.NeuronParams) { p.TauSyn[0] = 5e-5 }},
		{"negative tau_syn", "tau_syn of receptor 0", func(p *engine.NeuronParams) { p.TauSyn[0] = -1 }},
		{"w_in length", "w_in", func(p *engine.NeuronParams) { p.WIn = []float64{1, 2} }},
		{"w_in NaN", "w_in of receptor 0", func(p *engine.NeuronParams) { p.WIn = []float64{math.NaN()} }},
		{"refractory", "refractory", func(p *engine.NeuronParams) { p.Refractory = 3 }},
		{"spyx value reset", "spyx", func(p *engine.NeuronParams) { p.Rule, p.Reset = engine.RuleSpyx, kernels.ResetZero }},
		{"if v_leak", "v_leak", func(p *engine.NeuronParams) { p.Kind, p.VLeak = engine.KindIF, 0.1 }},
		{"if leak scale", "input scale leak", func(p *engine.NeuronParams) { p.Kind, p.Scale = engine.KindI, engine.ScaleLeak }},
	} {
		p := base
		p.TauSyn = slices.Clone(base.TauSyn)
		c.edit(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
		if _, err := engine.NewPopulation[float32]("p", 1, 4, p); err == nil {
			t.Errorf("%s: NewPopulation accepted it", c.name)
		}
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("the base parameters: %v", err)
	}
	// IF and I need no membrane time constant; LIF does.
	p := base
	p.Kind, p.TauMem = engine.KindIF, 0
	if err := p.Validate(); err != nil {
		t.Errorf("IF without tau_mem: %v", err)
	}
	p.Kind = engine.KindLIF
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "tau_mem") {
		t.Errorf("LIF without tau_mem: %v", err)
	}
}
