package netfile

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"leaky/engine"
	"leaky/kernels"
)

// check fills in defaults and reports the first missing field, bad
// reference or out-of-range value, with its key path.
func (f *File) check() error {
	r := &f.Run
	if r.Dt == nil {
		return fmt.Errorf("run.dt: missing (the time step in seconds)")
	}
	if !(*r.Dt > 0) || math.IsInf(*r.Dt, 0) {
		return fmt.Errorf("run.dt: must be a positive number of seconds, got %v", *r.Dt)
	}
	if r.Steps == nil {
		return fmt.Errorf("run.steps: missing (the number of steps to run)")
	}
	if *r.Steps < 1 {
		return fmt.Errorf("run.steps: must be at least 1, got %d", *r.Steps)
	}
	if r.Batch == nil {
		one := 1
		r.Batch = &one
	}
	if *r.Batch < 1 {
		return fmt.Errorf("run.batch: must be at least 1, got %d", *r.Batch)
	}
	switch r.DType {
	case "":
		r.DType = "float32"
	case "float32", "float64":
	default:
		return fmt.Errorf("run.dtype: want float32 or float64, got %q", r.DType)
	}
	if len(f.Populations) == 0 {
		return fmt.Errorf("populations: at least one population is needed")
	}
	names := map[string]string{}
	for i := range f.Populations {
		p := &f.Populations[i]
		at := fmt.Sprintf("populations[%d]", i)
		if err := checkName(names, p.Name, at); err != nil {
			return err
		}
		if p.Size < 1 {
			return fmt.Errorf("%s.size: must be at least 1, got %d", at, p.Size)
		}
		np, err := f.neuron(i)
		if err != nil {
			return err
		}
		if p.Init != nil && p.Init.V != nil {
			if err := p.Init.V.engine().Validate(); err != nil {
				return fmt.Errorf("%s.init.v: %w", at, err)
			}
		}
		if err := f.checkInitReceptors(i, np); err != nil {
			return err
		}
	}
	for i := range f.Sources {
		s := &f.Sources[i]
		at := fmt.Sprintf("sources[%d]", i)
		if err := checkName(names, s.Name, at); err != nil {
			return err
		}
		kinds := 0
		for _, set := range []bool{s.Poisson != nil, s.Array != nil, s.Input != nil} {
			if set {
				kinds++
			}
		}
		switch {
		case kinds != 1:
			return fmt.Errorf("%s: give exactly one of poisson, array and input", at)
		case s.Input != nil:
			if s.Input.Size < 1 {
				return fmt.Errorf("%s.input.size: must be at least 1, got %d", at, s.Input.Size)
			}
		case s.Poisson != nil:
			if s.Poisson.Size < 1 {
				return fmt.Errorf("%s.poisson.size: must be at least 1, got %d", at, s.Poisson.Size)
			}
			if !(s.Poisson.Rate >= 0) || s.Poisson.Rate*(*r.Dt) > 1 {
				return fmt.Errorf("%s.poisson.rate: must be between 0 and 1/dt = %v Hz (an input can spike at most once per step), got %v", at, 1 / *r.Dt, s.Poisson.Rate)
			}
		default:
			if s.Array.File == "" {
				return fmt.Errorf("%s.array.file: missing (a .npy file of inputs)", at)
			}
		}
	}
	for i := range f.Projections {
		if err := f.checkProjection(i); err != nil {
			return err
		}
	}
	files := map[string]string{}
	recorded := map[string]bool{}
	for i, rec := range f.Recorders {
		at := fmt.Sprintf("recorders[%d]", i)
		pi := f.population(rec.Population)
		if rec.Population == "" {
			return fmt.Errorf("%s.population: missing", at)
		}
		if pi < 0 {
			return fmt.Errorf("%s.population: no population named %q", at, rec.Population)
		}
		if len(rec.Vars) == 0 {
			return fmt.Errorf("%s.vars: missing (list spikes, v, isyn, iinp or s)", at)
		}
		for k, v := range rec.Vars {
			if _, ok := varNames[v]; !ok {
				return fmt.Errorf("%s.vars[%d]: unknown variable %q (want spikes, v, isyn, iinp or s)", at, k, v)
			}
			// Spikes listed twice are recorded once; a state variable
			// twice would write one file twice.
			key := rec.Population + "/" + v
			if v != "spikes" && recorded[key] {
				return fmt.Errorf("%s.vars[%d]: %s of %q is already recorded", at, k, v, rec.Population)
			}
			recorded[key] = true
		}
		for k, n := range rec.Neurons {
			if n < 0 || n >= f.Populations[pi].Size {
				return fmt.Errorf("%s.neurons[%d]: neuron %d is outside 0..%d of population %q", at, k, n, f.Populations[pi].Size-1, rec.Population)
			}
		}
		seen := map[int]bool{}
		for k, n := range rec.Neurons {
			if seen[n] {
				return fmt.Errorf("%s.neurons[%d]: neuron %d is listed twice", at, k, n)
			}
			seen[n] = true
		}
		for k, v := range rec.Vars {
			name := outputName(rec.File, v, rec.Population)
			if strings.ContainsAny(name, `/\`) || !strings.HasSuffix(name, ".npy") || name == ".npy" {
				return fmt.Errorf("%s.file: %q gives %q for %s; want a file name ending in .npy, without directories", at, rec.File, name, v)
			}
			key := rec.Population + "/" + v
			if prev, ok := files[name]; ok && prev != key {
				return fmt.Errorf("%s.vars[%d]: %s of %q would be written to %s, which already holds %s (use {var} and {population} in file)", at, k, v, rec.Population, name, prev)
			}
			files[name] = key
		}
	}
	if fig := f.Figure; fig != nil {
		if fig.Population == "" {
			fig.Population = f.Populations[0].Name
		}
		pi := f.population(fig.Population)
		if pi < 0 {
			return fmt.Errorf("figure.population: no population named %q", fig.Population)
		}
		if fig.Neuron == nil {
			return fmt.Errorf("figure.neuron: missing (the neuron of trial 0 whose V, I_syn and I_inp are drawn)")
		}
		if n := *fig.Neuron; n < 0 || n >= f.Populations[pi].Size {
			return fmt.Errorf("figure.neuron: neuron %d is outside 0..%d of population %q", n, f.Populations[pi].Size-1, fig.Population)
		}
	}
	return nil
}

// DefaultOutput is the default file name of a recording: {var} and
// {population} are replaced by the variable and population names.
const DefaultOutput = "{var}_{population}.npy"

// outputName is the file a recorder with file template tmpl writes v of
// population pop to.
func outputName(tmpl, v, pop string) string {
	if tmpl == "" {
		tmpl = DefaultOutput
	}
	return strings.NewReplacer("{var}", v, "{population}", pop).Replace(tmpl)
}

// varNames maps recorder variable names to engine variables; spikes (the
// (step, trial, neuron) list) is −1, s the dense 0/1 raster.
var varNames = map[string]engine.Var{"spikes": -1, "v": engine.VarV, "isyn": engine.VarI, "iinp": engine.VarIin, "s": engine.VarS}

func checkName(names map[string]string, name, at string) error {
	if name == "" {
		return fmt.Errorf("%s.name: missing", at)
	}
	if prev, ok := names[name]; ok {
		return fmt.Errorf("%s.name: %q is already the name of %s", at, name, prev)
	}
	names[name] = at
	return nil
}

// population returns the index of the population called name, or −1.
func (f *File) population(name string) int {
	for i, p := range f.Populations {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// PopulationIndex is the index of the population called name, or −1.
func (f *File) PopulationIndex(name string) int { return f.population(name) }

// SourceIndex is the index of the source called name, or −1.
func (f *File) SourceIndex(name string) int { return f.source(name) }

// source returns the index of the source called name, or −1.
func (f *File) source(name string) int {
	for i, s := range f.Sources {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// receptorNames lists population i's receptors in order.
func (f *File) receptorNames(i int) []string {
	p := f.Populations[i].Params
	if len(p.Receptors) == 0 {
		return []string{"syn"}
	}
	var out []string
	for _, r := range p.Receptors {
		out = append(out, r.Name)
	}
	return out
}

// neuron converts population i's parameters, reporting the first problem
// at its key path.
func (f *File) neuron(i int) (engine.NeuronParams, error) {
	p := f.Populations[i]
	at := fmt.Sprintf("populations[%d]", i)
	kind := p.Kind
	if kind == "" {
		kind = "lif"
	}
	k, err := engine.ParseKind(kind)
	if err != nil {
		return engine.NeuronParams{}, fmt.Errorf("%s.kind: %w", at, err)
	}
	np := engine.NeuronParams{Kind: k, Dt: *f.Run.Dt, R: 1, Threshold: 1}
	pp := p.Params
	at += ".params"
	if err := checkCOBAKeys(at, k, pp); err != nil {
		return np, err
	}
	if pp.Rule != "" {
		if np.Rule, err = engine.ParseRule(pp.Rule); err != nil {
			return np, fmt.Errorf("%s.rule: %w", at, err)
		}
	}
	np.Decay = np.Rule.DefaultDecay()
	if pp.Decay != "" {
		if np.Decay, err = engine.ParseDecay(pp.Decay); err != nil {
			return np, fmt.Errorf("%s.decay: %w", at, err)
		}
	}
	// Every value of every parameter, by key: nil when absent, else one for
	// all neurons or one per neuron.
	vals := map[string][]float64{}
	for _, q := range pp.params() {
		if vals[q.key], err = f.values(at+"."+q.key, q.p, p.Size); err != nil {
			return np, err
		}
	}
	tauMem, tauSyn, wIn, r, vLeak, theta, vReset := vals["tau_mem"], vals["tau_syn"], vals["w_in"], vals["r"], vals["v_leak"], vals["v_threshold"], vals["v_reset"]
	// checkTau checks a time constant at key: positive (or, for a
	// synapse, 0) and, for the euler decay, at least dt.
	checkTau := func(key string, taus []float64, zero string) error {
		for j, tau := range taus {
			if !(tau > 0 || zero != "" && tau == 0) || math.IsInf(tau, 0) {
				return fmt.Errorf("%s.%s: %s", at, key, neuronMsg(len(taus), j, fmt.Sprintf("must be a positive finite number of seconds%s, got %v", zero, tau)))
			}
			if np.Decay == engine.DecayEuler && tau > 0 && tau < np.Dt {
				return fmt.Errorf("%s.%s: %s", at, key, neuronMsg(len(taus), j, fmt.Sprintf("must be at least dt = %v s for the euler decay 1 − dt/τ, got %v", np.Dt, tau)))
			}
		}
		return nil
	}
	const noCurrent = " or 0 (no synaptic current)"
	switch {
	case !k.Leaks() && tauMem != nil:
		return np, fmt.Errorf("%s.tau_mem: an %s neuron does not leak; tau_mem does not apply", at, k)
	case !k.Leaks() && vLeak != nil && (len(vLeak) > 1 || vLeak[0] != 0):
		return np, fmt.Errorf("%s.v_leak: an %s neuron does not leak; v_leak does not apply", at, k)
	case !k.Leaks():
	case tauMem == nil:
		return np, fmt.Errorf("%s.tau_mem: missing (the membrane time constant in seconds)", at)
	default:
		if err := checkTau("tau_mem", tauMem, ""); err != nil {
			return np, err
		}
		np.TauMem = tauMem[0]
	}
	if vLeak != nil {
		np.VLeak = vLeak[0]
	}
	if err := checkTau("tau_syn", tauSyn, noCurrent); err != nil {
		return np, err
	}
	// Per receptor, every value of its τ_syn and w_in.
	var taus, ws [][]float64
	switch {
	case tauSyn != nil && pp.Receptors != nil:
		return np, fmt.Errorf("%s: give tau_syn (one receptor) or receptors, not both", at)
	case wIn != nil && pp.Receptors != nil:
		return np, fmt.Errorf("%s.w_in: give each receptor its own w_in", at)
	case tauSyn != nil:
		taus, ws = [][]float64{tauSyn}, [][]float64{wIn}
	case len(pp.Receptors) == 0 && !k.Leaks():
		taus, ws = [][]float64{{0}}, [][]float64{wIn}
	case len(pp.Receptors) == 0:
		return np, fmt.Errorf("%s.tau_syn: missing (the synaptic time constant in seconds, 0 for none, or a receptors list)", at)
	default:
		seen := map[string]bool{}
		for j, rc := range pp.Receptors {
			key := fmt.Sprintf("receptors[%d]", j)
			if rc.Name == "" {
				return np, fmt.Errorf("%s.%s.name: missing", at, key)
			}
			if seen[rc.Name] {
				return np, fmt.Errorf("%s.%s.name: %q appears twice", at, key, rc.Name)
			}
			seen[rc.Name] = true
			if rc.TauSyn == nil {
				return np, fmt.Errorf("%s.%s.tau_syn: missing", at, key)
			}
			tau := vals[key+".tau_syn"]
			if err := checkTau(key+".tau_syn", tau, noCurrent); err != nil {
				return np, err
			}
			taus, ws = append(taus, tau), append(ws, vals[key+".w_in"])
			if rc.ERev != nil {
				np.ERev = append(np.ERev, *rc.ERev)
			}
		}
	}
	for k, tau := range taus {
		np.TauSyn = append(np.TauSyn, tau[0])
		if ws[k] != nil && np.WIn == nil {
			np.WIn = slices.Repeat([]float64{1}, len(taus))
		}
	}
	for k, w := range ws {
		if w != nil {
			np.WIn[k] = w[0]
		}
	}
	if r != nil {
		np.R = r[0]
	}
	if k == engine.KindCOBA {
		np.R = 0 // the conductances enter V through E_k − V, not a gain
	}
	if pp.InputScale != "" {
		if np.Scale, err = engine.ParseInputScale(pp.InputScale); err != nil {
			return np, fmt.Errorf("%s.input_scale: %w", at, err)
		}
	}
	if np.Scale == engine.ScaleLeak && !k.Leaks() {
		return np, fmt.Errorf("%s.input_scale: leak scales by the membrane decay, which an %s neuron does not have", at, k)
	}
	if theta != nil {
		np.Threshold = theta[0]
	}
	reset := pp.Reset
	if reset == "" && k == engine.KindCOBA {
		reset = "value"
	}
	switch reset {
	case "", "subtract":
		if np.Rule == engine.RuleLeaky && vReset == nil {
			// The seed subtracts 1: v_reset is θ − 1, per neuron when θ is.
			vReset = []float64{np.Threshold - 1}
			if varying(theta) != nil {
				vReset = make([]float64, len(theta))
				for j, th := range theta {
					vReset[j] = th - 1
				}
			}
		}
	case "value":
		np.Reset = kernels.ResetZero // reset to v_reset
		if np.Rule == engine.RuleSpyx {
			return np, fmt.Errorf("%s.reset: rule spyx resets by subtraction only", at)
		}
	default:
		return np, fmt.Errorf("%s.reset: must be subtract or value, got %q", at, pp.Reset)
	}
	if vReset != nil {
		np.VReset = vReset[0]
	}
	if !k.Spiking() && (pp.VThreshold != nil || pp.VReset != nil || pp.Reset != "" || pp.Refractory != 0) {
		return np, fmt.Errorf("%s: an %s population does not spike; v_threshold, v_reset, reset and refractory do not apply", at, k)
	}
	steps := pp.Refractory / np.Dt
	if !(pp.Refractory >= 0) || math.Abs(steps-math.Round(steps)) > 1e-6*math.Max(1, steps) || steps > math.MaxInt32 {
		return np, fmt.Errorf("%s.refractory: must be a whole number of steps of %v s, ≥ 0, got %v s", at, np.Dt, pp.Refractory)
	}
	np.Refractory = int(math.Round(steps))
	if np.Refractory > 1 && np.Rule != engine.RuleLeaky {
		return np, fmt.Errorf("%s.refractory: rule %v has no refractory period", at, np.Rule)
	}
	// The parameters that differ between neurons.
	pn := &engine.PerNeuron{TauMem: varying(tauMem), R: varying(r), VLeak: varying(vLeak), Threshold: varying(theta), VReset: varying(vReset)}
	for k := range taus {
		pn.TauSyn, pn.WIn = append(pn.TauSyn, varying(taus[k])), append(pn.WIn, varying(ws[k]))
	}
	if pn.Len() > 0 {
		np.PerNeuron = pn
	}
	if err := np.Validate(); err != nil {
		return np, fmt.Errorf("%s: %w", at, err)
	}
	return np, nil
}

// checkProjection checks projection i's references and values.
func (f *File) checkProjection(i int) error {
	p := &f.Projections[i]
	at := fmt.Sprintf("projections[%d]", i)
	if p.Source == "" {
		return fmt.Errorf("%s.source: missing", at)
	}
	if f.population(p.Source) < 0 && f.source(p.Source) < 0 {
		return fmt.Errorf("%s.source: no population or source named %q", at, p.Source)
	}
	if p.Target == "" {
		return fmt.Errorf("%s.target: missing", at)
	}
	ti := f.population(p.Target)
	if ti < 0 {
		return fmt.Errorf("%s.target: no population named %q", at, p.Target)
	}
	if p.Name == "" {
		p.Name = p.Source + "->" + p.Target
	}
	if p.Receptor != "" {
		found := false
		for _, r := range f.receptorNames(ti) {
			found = found || r == p.Receptor
		}
		if !found {
			return fmt.Errorf("%s.receptor: population %q has no receptor named %q (it has %v)", at, p.Target, p.Receptor, f.receptorNames(ti))
		}
	}
	sign, err := engine.ParseSign(p.Sign)
	if err != nil {
		return fmt.Errorf("%s.sign: %w", at, err)
	}
	if sign == engine.SignInhibitory && f.Populations[ti].Kind == "coba" {
		return fmt.Errorf("%s.sign: inhibitory weights would make %q's conductances negative; a coba receptor inhibits through its e_rev, with positive weights", at, p.Target)
	}
	if p.Delay < 0 || p.Delay > engine.MaxDelay {
		return fmt.Errorf("%s.delay: must be between 0 and %d steps, got %d", at, engine.MaxDelay, p.Delay)
	}
	switch p.Type {
	case "":
		return fmt.Errorf("%s.type: missing (dense, sparse, identity, conv1d, conv2d, sum_pool2d or avg_pool2d)", at)
	case "dense":
		if p.P != nil || p.Synapses != nil || p.Autapses != nil {
			return fmt.Errorf("%s: p, autapses and synapses apply to sparse projections only", at)
		}
		if p.Weight == nil {
			return fmt.Errorf("%s.weight: missing (a number, a distribution, default, notebook or {file: W.npy})", at)
		}
		if p.Weight.Notebook && p.Sign != "" {
			return fmt.Errorf("%s.sign: notebook weights are Normal(0, 7(1−β)/√n_in) as drawn; they take no sign", at)
		}
		if p.Procedural && !p.Weight.Notebook {
			return fmt.Errorf("%s.procedural: regenerates the notebook weights from the seed, so it needs weight: notebook", at)
		}
		if p.Procedural && (p.Delay != 0 || p.Receptor != "" && p.Receptor != f.receptorNames(ti)[0]) {
			return fmt.Errorf("%s.procedural: a procedural projection feeds the first receptor without delay", at)
		}
	case "sparse":
		if p.Procedural {
			return fmt.Errorf("%s.procedural: applies to dense projections only", at)
		}
		if p.Weight != nil && p.Weight.Notebook {
			return fmt.Errorf("%s.weight: notebook weights are for dense projections", at)
		}
		if (p.P == nil) == (p.Synapses == nil) {
			return fmt.Errorf("%s: a sparse projection needs exactly one of p (random) and synapses (explicit)", at)
		}
		if p.P != nil {
			if !(*p.P >= 0 && *p.P <= 1) {
				return fmt.Errorf("%s.p: must be between 0 and 1, got %v", at, *p.P)
			}
			if p.Weight == nil {
				return fmt.Errorf("%s.weight: missing (a number or a distribution)", at)
			}
			if p.Weight.File != "" || p.Weight.Default {
				return fmt.Errorf("%s.weight: a random sparse projection takes a number or a distribution", at)
			}
		} else {
			s := p.Synapses
			if p.Weight != nil {
				return fmt.Errorf("%s.weight: explicit synapses take their weights from synapses.weight", at)
			}
			for _, kv := range [][2]string{{"pre", s.Pre}, {"post", s.Post}, {"weight", s.Weight}} {
				if kv[1] == "" {
					return fmt.Errorf("%s.synapses.%s: missing (a .npy file)", at, kv[0])
				}
			}
			if s.Delay != "" && p.Delay != 0 {
				return fmt.Errorf("%s.delay: give delays in synapses.delay or delay, not both", at)
			}
		}
	case "identity":
		if p.P != nil || p.Synapses != nil {
			return fmt.Errorf("%s: an identity projection takes no p or synapses", at)
		}
		if w := p.Weight; w != nil && (w.Default || w.Notebook || w.Dist.Kind != "" && w.Dist.Kind != "const") {
			return fmt.Errorf("%s.weight: an identity projection's factor is a number or {file: f.npy} of one per neuron", at)
		}
		if n, m := f.presynapticSize(p.Source), f.Populations[ti].Size; n != m && f.source(p.Source) < 0 {
			return fmt.Errorf("%s: an identity projection needs as many outputs as neurons, but %q has %d and %q %d", at, p.Source, n, p.Target, m)
		}
	case "conv1d", "conv2d", "sum_pool2d", "avg_pool2d":
		if err := f.checkLayer(i); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s.type: must be dense, sparse, identity, conv1d, conv2d, sum_pool2d or avg_pool2d, got %q", at, p.Type)
	}
	if p.Bias != nil {
		if p.Type != "dense" && p.Type != "conv2d" && p.Type != "conv1d" {
			return fmt.Errorf("%s.bias: applies to dense, conv1d and conv2d projections", at)
		}
		if p.Bias.Default || p.Bias.Notebook || p.Bias.Dist.Kind != "" && p.Bias.Dist.Kind != "const" {
			return fmt.Errorf("%s.bias: a number or {file: b.npy}", at)
		}
	}
	if p.BiasFrom < 0 {
		return fmt.Errorf("%s.bias_from: must be a step ≥ 0, got %d", at, p.BiasFrom)
	}
	if p.Type != "dense" && p.Type != "sparse" && p.Type != "identity" && p.Delay != 0 {
		return fmt.Errorf("%s.delay: only dense, sparse and identity projections are delayed", at)
	}
	if p.Weight != nil && p.Weight.File == "" && !p.Weight.Default && !p.Weight.Notebook {
		if err := p.Weight.Dist.engine().Validate(); err != nil {
			return fmt.Errorf("%s.weight: %w", at, err)
		}
	}
	return nil
}

// engine converts a parsed distribution.
func (d Dist) engine() engine.Dist {
	switch d.Kind {
	case "uniform":
		return engine.Uniform(d.A, d.B)
	case "normal":
		return engine.Normal(d.A, d.B)
	}
	return engine.Const(d.A)
}
