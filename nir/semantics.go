package nir

import (
	"math"
	"slices"
	"strings"

	"leaky/engine"
	"leaky/netfile"
)

// semantics is how one framework imports and steps NIR's neurons, which
// Options.Rule (leaky run --semantics) names: the engine rule of its step
// (engine.Rule), its decays and reset unless the options say otherwise,
// the neuron nodes its importer reads (nil: all), and whether each Affine
// or Linear layer delivers one step later. How its importer reads r, w_in
// and θ is in population; the README's table writes each one's equations.
type semantics struct {
	// owner names the framework in messages: "Sinabs'".
	owner              string
	rule, decay, reset string
	nodes              []string
	layerDelay         bool
}

var semanticsOf = map[string]semantics{
	"norse":    {rule: "norse", decay: "euler", reset: "value"},
	"snntorch": {rule: "snntorch", decay: "euler", reset: "value"},
	"spyx":     {rule: "spyx", decay: "euler", reset: "subtract"},
	"leaky":    {rule: "leaky", decay: "exact", reset: "value"},
	// Lava's LIF steps as Norse's, and its Dense delivers the next step.
	"lava": {rule: "norse", decay: "euler", reset: "value", layerDelay: true},
	// Rockpool's LIFNeuronTorch, LIFTorch and ExpSynTorch, and Sinabs'
	// LIF, IAF and ExpLeak, integrate and then threshold as Norse does,
	// with exact decays, and subtract θ.
	"rockpool": {owner: "Rockpool's", rule: "norse", decay: "exact", reset: "subtract", nodes: []string{"LIF", "CubaLIF", "LI"}},
	"sinabs":   {owner: "Sinabs'", rule: "norse", decay: "exact", reset: "subtract", nodes: []string{"LIF", "IF", "LI"}},
}

// Semantics lists the names Options.Rule takes, the default first.
func Semantics() []string {
	return []string{"norse", "snntorch", "spyx", "leaky", "rockpool", "sinabs", "lava"}
}

// pvec is a node parameter per neuron: one value for all, or one per neuron
// in C order; ds names the dataset it is read from while the values are
// the file's own. A nil v is a parameter left out of the description.
type pvec struct {
	v  []float64
	ds string
}

var one = pvec{v: []float64{1}}

// param is parameter p of node n.
func (d *describer) param(n *Node, p string) pvec {
	a := n.Params[p]
	if u, ok := a.Uniform(); ok {
		return pvec{v: []float64{u}}
	}
	return pvec{v: a.Data, ds: dataset(n, p)}
}

// each is f of the vectors' values neuron by neuron: one value when every
// vector has one.
func each(f func(x []float64) float64, vs ...pvec) pvec {
	n := 1
	for _, v := range vs {
		n = max(n, len(v.v))
	}
	out := make([]float64, n)
	x := make([]float64, len(vs))
	for i := range out {
		for j, v := range vs {
			x[j] = v.v[min(i, len(v.v)-1)]
		}
		out[i] = f(x)
	}
	return pvec{v: out}
}

// value is v as a description's parameter: a number, the NIR file's
// dataset, or the values.
func (d *describer) value(v pvec) *netfile.Param {
	switch {
	case v.v == nil:
		return nil
	case len(v.v) == 1:
		return netfile.Num(v.v[0])
	case v.ds != "":
		return &netfile.Param{File: d.m.File, Dataset: v.ds}
	}
	return &netfile.Param{Values: v.v}
}

// population describes a neuron node under the options' semantics, as
// that framework's importer reads it: see engine.Rule for the steps and
// the README's table for the equations. A parameter that differs between
// neurons stays one value per neuron.
func (d *describer) population(n *Node) (netfile.Population, error) {
	o, sem := d.o, semanticsOf[d.o.Rule]
	pop := netfile.Population{Name: name(n), Size: size(n.Out)}
	if n.Type == "Threshold" {
		// A Heaviside of the input, as a LIF that keeps nothing of V (β =
		// 1 − dt/dt = 0) and thresholds it in its step: V = the input, a
		// spike where it exceeds θ, whatever the semantics. Inputs are
		// finite (sources refuse others), so 0·V is 0.
		pop.Kind = "lif"
		pop.Params = netfile.Params{Rule: "norse", Decay: "euler", TauMem: netfile.Num(o.Dt), TauSyn: netfile.Num(0),
			VThreshold: d.value(d.param(n, "threshold")), Reset: "value", VReset: netfile.Num(0)}
		return pop, nil
	}
	if sem.nodes != nil && !slices.Contains(sem.nodes, n.Type) {
		return pop, d.fail(n, "%s NIR importer reads no %s nodes (it reads %s); --semantics %s does not run them", sem.owner, n.Type, strings.Join(sem.nodes, ", "), o.Rule)
	}
	p := func(name string) pvec { return d.param(n, name) }
	pp := netfile.Params{Rule: sem.rule, Decay: o.Decay}
	if rule, _ := engine.ParseRule(sem.rule); pp.Decay == "" && sem.decay != rule.DefaultDecay().String() {
		pp.Decay = sem.decay
	}
	var tauMem, tauSyn, wIn, vLeak, theta pvec
	cuba := n.Type == "CubaLIF" || n.Type == "CubaLI"
	switch n.Type {
	case "LIF", "LI":
		tauMem, tauSyn = p("tau"), pvec{v: []float64{0}}
	case "CubaLIF", "CubaLI":
		tauMem, tauSyn, wIn = p("tau_mem"), p("tau_syn"), p("w_in")
	}
	pop.Kind = map[string]string{"LIF": "lif", "CubaLIF": "lif", "LI": "li", "CubaLI": "li", "IF": "if", "I": "i"}[n.Type]
	leaks := pop.Kind == "lif" || pop.Kind == "li"
	spiking := pop.Kind == "lif" || pop.Kind == "if"
	if leaks {
		vLeak = p("v_leak")
	}
	if spiking {
		theta = p("v_threshold")
	}
	r := p("r")
	scale := ""
	if leaks {
		scale = "nir"
	}
	dt := o.Dt
	zeroLeak := func() error {
		if vLeak.v != nil && slices.ContainsFunc(vLeak.v, func(x float64) bool { return x != 0 }) {
			return d.fail(n, "v_leak is not 0; %s NIR importer reads it as a bias current, which --semantics %s does not run", sem.owner, o.Rule)
		}
		vLeak = pvec{}
		return nil
	}
	switch o.Rule {
	case "norse", "lava":
		if n.Type == "LIF" {
			r = one // Norse's importer ignores a LIF's r
		}
	case "spyx":
		// Spyx's importer ignores r and scales a CuBaLIF's weights by
		// w_in·dt/τ_syn into a current that V takes whole.
		r = one
		if cuba {
			scale, wIn = "", each(func(x []float64) float64 { return x[0] * dt / x[1] }, wIn, tauSyn)
		}
	case "snntorch":
		// Its importer keeps unit gains and divides the threshold instead.
		switch n.Type {
		case "LIF":
			theta = each(func(x []float64) float64 { return x[0] / (x[1] * dt / x[2]) }, theta, r, tauMem)
		case "CubaLIF":
			theta = each(func(x []float64) float64 { return x[0] / x[1] }, theta, wIn)
		}
		scale, r, wIn = "", pvec{}, pvec{}
	case "rockpool":
		// The inverse of Rockpool's exporter, which writes r = τ·β/dt for
		// its modules' unit gain (β = exp(−dt/τ)): a LIF's or CubaLIF's V
		// gains r·dt/(τ·β)·I, an LI's (ExpSynTorch, I ← β·(I + x))
		// r·dt/τ·x; a CubaLIF's current takes α·w_in·x (I ← α·(I + x)).
		if err := zeroLeak(); err != nil {
			return pop, err
		}
		scale = ""
		if n.Type == "LI" {
			r = each(func(x []float64) float64 { return x[0] * dt / x[1] }, r, tauMem)
		} else {
			r = each(func(x []float64) float64 { return x[0] * dt / (x[1] * math.Exp(-dt/x[1])) }, r, tauMem)
		}
		if cuba {
			wIn = each(func(x []float64) float64 { return x[0] * math.Exp(-dt/x[1]) }, wIn, tauSyn)
		}
	case "sinabs":
		// Sinabs' importer ignores r (an LI's must be 1) and adds the
		// input to V whole.
		if err := zeroLeak(); err != nil {
			return pop, err
		}
		if n.Type == "LI" && slices.ContainsFunc(r.v, func(x float64) bool { return x != 1 }) {
			return pop, d.fail(n, "r is not 1; Sinabs' importer refuses an LI of another r")
		}
		scale, r = "", one
	}
	if leaks {
		pp.TauMem = d.value(tauMem)
	}
	pp.TauSyn, pp.WIn, pp.R, pp.VLeak, pp.InputScale = d.value(tauSyn), d.value(wIn), d.value(r), d.value(vLeak), scale
	if spiking {
		pp.VThreshold, pp.VReset = d.value(theta), d.value(p("v_reset"))
		pp.Reset = sem.reset
		switch o.Reset {
		case "zero":
			pp.Reset = "value"
		case "subtract":
			pp.Reset = "subtract"
		}
		if pp.Reset == "value" && sem.rule == "spyx" {
			return pop, d.fail(n, "reset zero: Spyx resets by subtraction only")
		}
	}
	pop.Params = pp
	return pop, nil
}
