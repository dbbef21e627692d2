package engine

import (
	"fmt"
	"math"
	"math/bits"

	"leaky/kernels"
)

// Kind is the neuron model of a population.
type Kind uint8

const (
	// KindLIF is the leaky integrate-and-fire neuron.
	KindLIF Kind = iota
	// KindLI is the non-spiking leaky integrator, for readout layers: the
	// LIF equations without threshold, reset or refractoriness.
	KindLI
	// KindIF is the integrate-and-fire neuron: the LIF without leak.
	KindIF
	// KindI is the non-spiking integrator: the LI without leak.
	KindI
	// KindPass keeps no state: V[t+1] is the summed input of step t, so
	// the population passes on what its projections bring — a linear layer
	// of a NIR graph (an affine map, a convolution, a pooling) between
	// others. Its receptors have no current (τ_syn 0).
	KindPass
	// KindCOBA is the conductance-based LIF neuron: each receptor is a
	// conductance with its own reversal potential (see the package doc,
	// and engine/coba.go for its update).
	KindCOBA
)

// String returns the kind's name in network files: "lif", "li", "if", "i",
// "pass" or "coba".
func (k Kind) String() string {
	switch k {
	case KindLIF:
		return "lif"
	case KindLI:
		return "li"
	case KindIF:
		return "if"
	case KindI:
		return "i"
	case KindPass:
		return "pass"
	case KindCOBA:
		return "coba"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind converts "lif", "li", "if", "i", "pass" or "coba" to a Kind.
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{KindLIF, KindLI, KindIF, KindI, KindPass, KindCOBA} {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown neuron kind %q (want lif, li, if, i, pass or coba)", s)
}

// Spiking reports whether the kind has a threshold: LIF, IF and COBA.
func (k Kind) Spiking() bool { return k == KindLIF || k == KindIF || k == KindCOBA }

// Leaks reports whether the kind decays towards v_leak: LIF, LI and COBA.
func (k Kind) Leaks() bool { return k == KindLIF || k == KindLI || k == KindCOBA }

// InputScale says how the synaptic inputs enter the currents and the
// currents the membrane; see [NeuronParams].
type InputScale uint8

const (
	// ScaleUnit adds r·I per step to V and w_in·Iin to I: the seed
	// notebook's form (r = w_in = 1).
	ScaleUnit InputScale = iota
	// ScaleLeak adds r·(1−β)·I per step: the exact solution of NIR's
	// τ_mem·dV/dt = v_leak − V + r·I over one step with I held constant,
	// so r keeps NIR's meaning (a resistance, steady-state V − v_leak = r·I).
	// The currents still gain w_in·Iin, so a weight is the jump of I.
	ScaleLeak
	// ScaleNIR is ScaleLeak with the currents in NIR's units too: I gains
	// w_in·(1−α)·Iin, as NIR's τ_syn·dI/dt = −I + w_in·x discretised by the
	// same decay. With DecayEuler these are the (1−α) = dt/τ_syn and (1−β) =
	// dt/τ_mem that Norse's and Spyx's NIR importers scale inputs by.
	ScaleNIR
)

// String returns the scale's name in network files: "unit", "leak" or
// "nir".
func (s InputScale) String() string {
	switch s {
	case ScaleUnit:
		return "unit"
	case ScaleLeak:
		return "leak"
	case ScaleNIR:
		return "nir"
	}
	return fmt.Sprintf("InputScale(%d)", int(s))
}

// ParseInputScale converts "unit", "leak" or "nir" to an InputScale.
func ParseInputScale(s string) (InputScale, error) {
	for _, x := range []InputScale{ScaleUnit, ScaleLeak, ScaleNIR} {
		if x.String() == s {
			return x, nil
		}
	}
	return 0, fmt.Errorf("unknown input scale %q (want unit, leak or nir)", s)
}

// NeuronParams are the parameters of the general neuron: NIR's CubaLIF
// (tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in) with several
// synaptic receptors and an absolute refractory period, and its relatives
// LI (no threshold), IF (no leak) and I (neither), each with or without
// synaptic currents, stepped by leaky's own rule or by that of a framework
// NIR graphs come from. Per neuron, with K receptors k = 0…K−1, per step t,
// the currents first take the step's input Iin_k[t]:
//
//	I_k[t+1] = α_k·I_k[t] + h_k·Iin_k[t]      (+ (1−α_k)·v_leak under RuleNorse)
//	I_k[t+1] = h_k·Iin_k[t]                   (τ_syn,k = 0: no current; the input goes straight to V)
//
// and the membrane integrates J, the sum over receptors in increasing k of
// I_k[t] (RuleLeaky, τ_syn,k > 0: the current before this step's input) or
// I_k[t+1] (the other rules, and receptors without a current):
//
//	U = v_leak + β·(V[t] − v_leak) + g·J
//
// The decays are α_k = exp(−dt/τ_syn,k) and β = exp(−dt/τ_mem) (DecayExact)
// or 1 − dt/τ (DecayEuler, forward Euler); IF and I have β = 1 and v_leak =
// 0. The gains are g = r and h_k = w_in,k (ScaleUnit); g = r·(1−β)
// (ScaleLeak, NIR's r); or g = r·(1−β) and h_k = w_in,k·(1−α_k) (ScaleNIR,
// NIR's r and w_in). LI and I set V[t+1] = U and never spike. LIF and IF
// spike and reset; σ = θ − v_reset is what a subtraction removes:
//
//	RuleLeaky     s[t] = V[t] > θ    V[t+1] = U − s·σ (subtract), or v_reset if s, else U (value)
//	RuleNorse     s[t] = U > θ       V[t+1] = U − s·σ (subtract), or v_reset if s, else U (value)
//	RuleSpyx      s[t] = V[t] > θ    V[t+1] = U − s·σ, U computed from V[t] − s·σ when there is
//	                                 a current (Spyx's CuBaLIF subtracts before and after the decay)
//	RuleSnnTorch  ρ = V[t] > θ (snnTorch's reset signal, from the V the step starts from), then
//	  subtract:   W = U − ρ·σ, s[t] = W > θ, V[t+1] = W − (s − ρ)·σ
//	  value:      W = U, or if ρ: v_reset (with a current) or U computed from V[t] = v_reset
//	              (without); s[t] = W > θ; V[t+1] = W if s = ρ, v_reset if s > ρ, W + (W − v_reset) if s < ρ
//
// So under RuleLeaky and RuleSpyx the spike of step t is that of the V[t]
// a recorder reads at step t; under RuleNorse and RuleSnnTorch it is that
// of the V integrated in step t, which a recorder reads at step t+1 after
// the reset. Under RuleLeaky a refractory period of R ≥ 2
// steps then holds V at the reset value for V[t+2] … V[t+R] without
// integrating or spiking; V[t+R+1] integrates again (R = 0 and R = 1 both
// mean no hold). This matches Brian2's "refractory" with R = round(t_ref/dt):
// the potential is clamped for t_ref after the spike while the currents keep
// evolving and accumulating input. The other rules have none, as their
// frameworks, and RuleSpyx resets by subtraction only.
//
// The seed form — RuleLeaky, one receptor with a current, w_in = 1, r = 1
// with ScaleUnit, v_leak = 0, subtracting θ − v_reset = 1 or resetting to
// v_reset = 0, no refractory period — is what [SeedNeuron] returns: the
// model as the package doc states it, with τ_syn = TauSyn[0]. Populations in
// that form run the kernels.LeakyUpdate fast path, with either decay. Every
// other form runs the general loop, which rounds each product to T before
// adding (no fused multiply-add, in float64 too), in the order written
// above.
//
// Voltages, thresholds and weights share one unit of the user's choice (the
// seed is dimensionless with θ = 1; the CUBA workload uses mV); times are in
// seconds.
type NeuronParams struct {
	// Kind is the neuron model.
	Kind Kind
	// Rule is the order of a step; Decay how time constants become decays.
	Rule  Rule
	Decay Decay
	// Dt is the time step, TauMem the membrane time constant (seconds;
	// unused by IF and I).
	Dt, TauMem float64
	// TauSyn holds each receptor's synaptic time constant, receptor 0
	// first; at least one. 0 means the receptor has no current: its input
	// enters V in the step it arrives.
	TauSyn []float64
	// WIn holds each receptor's input weight w_in; nil means 1 for all.
	WIn []float64
	// R is the input gain; Scale says whether (1−β) multiplies it (and
	// (1−α) the input weights).
	R     float64
	Scale InputScale
	// VLeak is the resting potential the membrane decays towards.
	VLeak float64
	// Threshold is θ; VReset the potential after a spike (LIF and IF).
	Threshold, VReset float64
	// Reset selects subtraction of θ − VReset or reset to VReset.
	Reset kernels.Reset
	// Refractory is the absolute refractory period in steps (LIF and IF
	// under RuleLeaky).
	Refractory int
	// ERev holds each receptor's reversal potential, for KindCOBA only,
	// whose receptors are conductances (see the package doc).
	ERev []float64
	// PerNeuron, when set, gives the parameters that differ between
	// neurons, one value per neuron; see [PerNeuron].
	PerNeuron *PerNeuron
}

// decay is the factor a quantity with time constant tau keeps per step.
func (n NeuronParams) decay(tau float64) float64 {
	if n.Decay == DecayEuler {
		return 1 - n.Dt/tau
	}
	return math.Exp(-n.Dt / tau)
}

// leak is 1 − decay(tau), computed without cancellation.
func (n NeuronParams) leak(tau float64) float64 {
	if n.Decay == DecayEuler {
		return n.Dt / tau
	}
	return -math.Expm1(-n.Dt / tau)
}

// Beta is the membrane decay per step: exp(−dt/τ_mem) or 1 − dt/τ_mem, 1
// for IF and I, and 0 for pass, which keeps nothing of V.
func (n NeuronParams) Beta() float64 {
	if n.Kind == KindPass {
		return 0
	}
	if !n.Kind.Leaks() {
		return 1
	}
	return n.decay(n.TauMem)
}

// Alpha is receptor k's current decay per step: exp(−dt/τ_syn,k) or 1 −
// dt/τ_syn,k, and 0 for a receptor without a current.
func (n NeuronParams) Alpha(k int) float64 {
	if n.TauSyn[k] == 0 {
		return 0
	}
	return n.decay(n.TauSyn[k])
}

// Gain is the factor g multiplying the summed current in the V update.
func (n NeuronParams) Gain() float64 {
	if n.Scale != ScaleUnit && n.Kind.Leaks() {
		return n.R * n.leak(n.TauMem)
	}
	return n.R
}

// InputGain is the factor h_k multiplying receptor k's input in its
// current: w_in,k, times (1−α_k) under ScaleNIR.
func (n NeuronParams) InputGain(k int) float64 {
	w := 1.0
	if n.WIn != nil {
		w = n.WIn[k]
	}
	if n.Scale == ScaleNIR && n.TauSyn[k] > 0 {
		return w * n.leak(n.TauSyn[k])
	}
	return w
}

// SeedForm reports whether the neuron is the seed's special case, which
// runs the kernels.LeakyUpdate fast path.
func (n NeuronParams) SeedForm() bool {
	if n.PerNeuron != nil || n.Kind != KindLIF || n.Rule != RuleLeaky || len(n.TauSyn) != 1 || n.TauSyn[0] == 0 || n.InputGain(0) != 1 ||
		n.Gain() != 1 || n.VLeak != 0 || n.Refractory > 1 {
		return false
	}
	switch n.Reset {
	case kernels.ResetSubtract:
		return n.Threshold-n.VReset == 1
	case kernels.ResetZero:
		return n.VReset == 0
	}
	return false
}

// Validate reports the first invalid field, naming it and its value.
func (n NeuronParams) Validate() error {
	if n.PerNeuron != nil {
		return n.validatePerNeuron()
	}
	if n.Kind > KindCOBA {
		return fmt.Errorf("kind must be lif, li, if, i, pass or coba, got %v", n.Kind)
	}
	if n.Kind == KindPass {
		for k, tau := range n.TauSyn {
			if tau != 0 {
				return fmt.Errorf("tau_syn of receptor %d must be 0 for kind pass, which keeps no current, got %v", k, tau)
			}
		}
	}
	if n.Rule > RuleSpyx {
		return fmt.Errorf("rule must be leaky, norse, snntorch or spyx, got %v", n.Rule)
	}
	if n.Decay > DecayEuler {
		return fmt.Errorf("decay must be exact or euler, got %v", n.Decay)
	}
	if !(n.Dt > 0) || math.IsInf(n.Dt, 0) {
		return fmt.Errorf("dt must be a positive finite number of seconds, got %v", n.Dt)
	}
	if n.Kind.Leaks() {
		if !(n.TauMem > 0) || math.IsInf(n.TauMem, 0) {
			return fmt.Errorf("tau_mem must be a positive finite number of seconds, got %v", n.TauMem)
		}
		if n.Decay == DecayEuler && n.Dt > n.TauMem {
			return fmt.Errorf("tau_mem must be at least dt = %v s for the euler decay 1 − dt/τ to lie in [0, 1), got %v", n.Dt, n.TauMem)
		}
	}
	if len(n.TauSyn) == 0 {
		return fmt.Errorf("tau_syn: at least one receptor is needed")
	}
	for k, tau := range n.TauSyn {
		if !(tau >= 0) || math.IsInf(tau, 0) {
			return fmt.Errorf("tau_syn of receptor %d must be a finite number of seconds, positive or 0 (no current), got %v", k, tau)
		}
		if n.Decay == DecayEuler && tau > 0 && n.Dt > tau {
			return fmt.Errorf("tau_syn of receptor %d must be 0 or at least dt = %v s for the euler decay 1 − dt/τ to lie in [0, 1), got %v", k, n.Dt, tau)
		}
	}
	if n.WIn != nil && len(n.WIn) != len(n.TauSyn) {
		return fmt.Errorf("w_in: %d values for %d receptors", len(n.WIn), len(n.TauSyn))
	}
	for k, w := range n.WIn {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("w_in of receptor %d must be finite, got %v", k, w)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"r", n.R}, {"v_leak", n.VLeak}, {"v_threshold", n.Threshold}, {"v_reset", n.VReset}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s must be finite, got %v", f.name, f.v)
		}
	}
	if n.Scale > ScaleNIR {
		return fmt.Errorf("input scale must be unit, leak or nir, got %v", n.Scale)
	}
	if !n.Kind.Leaks() {
		if n.VLeak != 0 {
			return fmt.Errorf("v_leak must be 0 for a neuron of kind %v, which does not leak, got %v", n.Kind, n.VLeak)
		}
		if n.Scale == ScaleLeak {
			return fmt.Errorf("input scale leak needs a membrane time constant, which a neuron of kind %v does not have", n.Kind)
		}
	}
	if n.Reset != kernels.ResetSubtract && n.Reset != kernels.ResetZero {
		return fmt.Errorf("reset must be subtract or zero (to v_reset), got %v", n.Reset)
	}
	if n.Refractory < 0 || n.Refractory > math.MaxInt32 {
		return fmt.Errorf("refractory period must be between 0 and %d steps, got %d", math.MaxInt32, n.Refractory)
	}
	if n.Kind.Spiking() {
		if n.Rule != RuleLeaky && n.Refractory > 1 {
			return fmt.Errorf("refractory period: rule %v has none, got %d steps", n.Rule, n.Refractory)
		}
		if n.Rule == RuleSpyx && n.Reset != kernels.ResetSubtract {
			return fmt.Errorf("reset: rule spyx resets by subtraction only, got reset to v_reset")
		}
	}
	return n.validateCOBA()
}

// general holds the general loop's constants in T, computed once.
type general[T Float] struct {
	// Per receptor: α_k, h_k and, under RuleNorse, (1−α_k)·v_leak (nil
	// otherwise, or when v_leak is 0); instant marks receptors without a
	// current.
	alpha, gainIn, toLeak []T
	instant               []bool
	beta, vleak, gain     T
	theta, vreset, sub    T
	hold                  int32
	rule                  Rule
	// current is true when some receptor has a current (snnTorch's
	// Synaptic and Spyx's CuBaLIF rather than Leaky and LIF).
	spiking, subtract, refracts, current bool
	// cuba selects kernels.CubaUpdate: RuleLeaky, two receptors with
	// currents and unit input weights, reset to a value, a refractory
	// period; with these parameters, made once (not per row, where they
	// would escape to the heap through the kernel's function variable).
	cuba   bool
	cuba32 kernels.CubaParams32
	cuba64 kernels.CubaParams64
	// step is the kernels.RuleUpdate of the neuron: of its one receptor
	// when direct, else of the summed currents as one instant receptor.
	step   kernels.RuleParams[T]
	direct bool
	// per holds the constants of a population with per-neuron
	// parameters, which runs updatePerNeuron.
	per *perNeuron[T]
}

// SetNeuron changes the neuron parameters. The number of receptors and
// whether there is a refractory period must stay as allocated.
func (p *Population[T]) SetNeuron(np NeuronParams) error {
	if err := np.Validate(); err != nil {
		return fmt.Errorf("population %q: %w", p.Name, err)
	}
	if len(np.TauSyn) != p.Receptors() {
		return fmt.Errorf("population %q: has %d receptors, new parameters have %d", p.Name, p.Receptors(), len(np.TauSyn))
	}
	if (p.Refrac != nil) != np.refracts() {
		return fmt.Errorf("population %q: a refractory period cannot be added or removed after the population is built", p.Name)
	}
	if err := np.PerNeuron.fits(p.N); err != nil {
		return fmt.Errorf("population %q: %w", p.Name, err)
	}
	p.setNeuron(np)
	return nil
}

// refracts reports whether the neuron holds V after a spike, which needs
// per-neuron counters.
func (n NeuronParams) refracts() bool { return n.Kind.Spiking() && n.Refractory > 1 }

// setNeuron installs validated parameters that fit the allocated state.
func (p *Population[T]) setNeuron(np NeuronParams) {
	np.TauSyn = append([]float64(nil), np.TauSyn...)
	np.ERev = append([]float64(nil), np.ERev...)
	if np.WIn != nil {
		np.WIn = append([]float64(nil), np.WIn...)
	}
	p.Neuron = np
	p.alpha = T(np.Alpha(0))
	p.beta = T(np.Beta())
	p.theta = T(np.Threshold)
	if p.coba = newCOBA[T](np, p.Refrac != nil); p.coba != nil {
		p.gen = nil
		return
	}
	if np.SeedForm() && p.Refrac == nil {
		p.gen = nil
		return
	}
	g := &general[T]{
		beta: T(np.Beta()), vleak: T(np.VLeak), gain: T(np.Gain()),
		theta: T(np.Threshold), vreset: T(np.VReset), sub: T(np.Threshold - np.VReset),
		hold:     int32(max(np.Refractory-1, 0)),
		rule:     np.Rule,
		spiking:  np.Kind.Spiking(),
		subtract: np.Reset == kernels.ResetSubtract,
		refracts: p.Refrac != nil,
	}
	unitIn := true
	for k, tau := range np.TauSyn {
		a := np.Alpha(k)
		g.alpha = append(g.alpha, T(a))
		g.gainIn = append(g.gainIn, T(np.InputGain(k)))
		g.instant = append(g.instant, tau == 0)
		g.current = g.current || tau > 0
		unitIn = unitIn && tau > 0 && np.InputGain(k) == 1
		if np.Rule == RuleNorse && np.VLeak != 0 && tau > 0 {
			if g.toLeak == nil {
				g.toLeak = make([]T, len(np.TauSyn))
			}
			g.toLeak[k] = T(np.leak(tau) * np.VLeak)
		}
	}
	g.cuba = np.Rule == RuleLeaky && len(g.alpha) == 2 && unitIn && g.spiking && g.refracts && !g.subtract
	if g.cuba {
		g.cuba32 = kernels.CubaParams32{A0: float32(g.alpha[0]), A1: float32(g.alpha[1]), Beta: float32(g.beta), VLeak: float32(g.vleak),
			Gain: float32(g.gain), Theta: float32(g.theta), VReset: float32(g.vreset), Hold: g.hold}
		g.cuba64 = kernels.CubaParams64{A0: float64(g.alpha[0]), A1: float64(g.alpha[1]), Beta: float64(g.beta), VLeak: float64(g.vleak),
			Gain: float64(g.gain), Theta: float64(g.theta), VReset: float64(g.vreset), Hold: g.hold}
	}
	g.direct = len(g.alpha) == 1 && !g.refracts
	g.step = kernels.RuleParams[T]{
		Rule: stepRule(np), Beta: g.beta, VLeak: g.vleak, Gain: g.gain, Theta: g.theta, VReset: g.vreset, Sub: g.sub,
		Rest: g.vleak + T(g.beta*(g.vreset-g.vleak)), Subtract: g.subtract, Current: g.current,
		// Several receptors: the summed J arrives as the input of an
		// instant receptor of unit gain.
		InGain: 1, Instant: true,
	}
	if g.direct {
		q := &g.step
		q.Alpha, q.InGain, q.Instant = g.alpha[0], g.gainIn[0], g.instant[0]
		q.Old = np.Rule == RuleLeaky && !g.instant[0]
		if g.toLeak != nil && g.toLeak[0] != 0 {
			q.Leak, q.AddLeak = g.toLeak[0], true
		}
	}
	p.gen = g
	if np.PerNeuron != nil {
		p.setPerNeuron()
	}
}

// stepRule is the kernels' name for the neuron's rule.
func stepRule(np NeuronParams) kernels.StepRule {
	switch {
	case !np.Kind.Spiking():
		return kernels.StepValue
	case np.Rule == RuleNorse:
		return kernels.StepAfter
	case np.Rule == RuleSnnTorch:
		return kernels.StepSnnTorch
	case np.Rule == RuleSpyx:
		return kernels.StepSpyx
	}
	return kernels.StepBefore
}

// Receptors is the number of synaptic receptors (input currents).
func (p *Population[T]) Receptors() int { return 1 + len(p.extraI) }

// Current returns receptor k's synaptic current I_k (I for k = 0), laid out
// like V. A receptor without a current holds its last input times h_k.
func (p *Population[T]) Current(k int) []T {
	if k == 0 {
		return p.I
	}
	return p.extraI[k-1]
}

// Input returns receptor k's input current Iin_k of the current step (Iin
// for k = 0), laid out like V.
func (p *Population[T]) Input(k int) []T {
	if k == 0 {
		return p.Iin
	}
	return p.extraIin[k-1]
}

// updateGeneral is phase 4 of the schedule over r for populations not in
// the seed form; see NeuronParams for the equations. A population of one
// receptor runs kernels.RuleUpdateTrials over the range's trials in one
// call, currents and all. With several receptors it works one mask word (64 neurons) at a
// time, summing the currents V integrates into a stack buffer, so that no
// scratch memory is shared between concurrent ranges, and hands the sum to
// RuleUpdate as the input of an instant receptor of unit gain (1·J is J).
// Only the refractory hold of RuleLeaky has its own loop here.
func (p *Population[T]) updateGeneral(r Range) int {
	g := p.gen
	if g.per != nil {
		return p.updatePerNeuron(r)
	}
	if g.cuba {
		return p.updateCUBA(r)
	}
	count := 0
	if g.direct {
		if r.B1 <= r.B0 || r.Hi <= r.Lo {
			return 0
		}
		lo, hi := p.at(r.B0, r.Lo), p.at(r.B0, r.Hi)
		return ruleUpdateTrials(p.V[lo:hi], p.I[lo:hi], p.Iin[lo:hi], p.Stride, r.B1-r.B0, &g.step, p.Spikes[r.B0*p.Words+r.Lo>>6:], p.Words)
	}
	var tot [64]T
	for b := r.B0; b < r.B1; b++ {
		off := p.at(b, 0)
		for lo := r.Lo; lo < r.Hi; lo += 64 {
			hi := min(lo+64, r.Hi)
			sum := tot[:hi-lo]
			for k := range g.alpha {
				g.advance(k, sum, p.Current(k)[off+lo:off+hi], p.Input(k)[off+lo:off+hi])
			}
			v := p.V[off+lo : off+hi]
			v = v[:len(sum)]
			mask := p.Spikes[b*p.Words+lo>>6:][:1]
			if !g.refracts {
				count += ruleUpdate(v, sum, sum, &g.step, mask)
				continue
			}
			var word uint64
			cnt := p.Refrac[off+lo : off+hi]
			cnt = cnt[:len(v)]
			for j, x := range v {
				if c := cnt[j]; c > 0 {
					cnt[j] = c - 1
					continue
				}
				vn := g.vleak + T(g.beta*(x-g.vleak)) + T(g.gain*sum[j])
				if x > g.theta {
					word |= 1 << uint(j)
					if g.subtract {
						vn -= g.sub
					} else {
						vn = g.vreset
					}
					cnt[j] = g.hold
				}
				v[j] = vn
			}
			mask[0] = word
			count += bits.OnesCount64(word)
		}
	}
	return count
}

// advance steps receptor k's current over one block and adds what V
// integrates into sum (setting it for receptor 0, so that one receptor's
// sum is its current bit for bit): the current before the step under
// RuleLeaky, the one after it otherwise and for a receptor without a
// current.
func (g *general[T]) advance(k int, sum, cur, in []T) {
	cur = cur[:len(sum)]
	in = in[:len(sum)]
	fresh := g.rule != RuleLeaky || g.instant[k]
	if !fresh {
		accumulate(sum, cur, k == 0)
	}
	a, h := g.alpha[k], g.gainIn[k]
	switch {
	case g.instant[k]:
		for j, x := range in {
			cur[j] = T(h * x)
		}
	case g.toLeak != nil && g.toLeak[k] != 0:
		l := g.toLeak[k]
		for j, c := range cur {
			cur[j] = T(a*c) + T(h*in[j]) + l
		}
	default:
		for j, c := range cur {
			cur[j] = T(a*c) + T(h*in[j])
		}
	}
	if fresh {
		accumulate(sum, cur, k == 0)
	}
}

// accumulate sets sum to cur (first) or adds cur into it.
func accumulate[T Float](sum, cur []T, first bool) {
	if first {
		copy(sum, cur)
		return
	}
	cur = cur[:len(sum)]
	for j, c := range cur {
		sum[j] += c
	}
}

// updateCUBA is updateGeneral for the common case of CUBA-like networks —
// two receptors, reset to a value, a refractory period — through
// kernels.CubaUpdate32/64, whose arithmetic is exactly updateGeneral's and
// which dispatches to the AVX2 or AVX-512 kernels like the others.
func (p *Population[T]) updateCUBA(r Range) int {
	g, a := p.gen, p.ahead
	return p.receptorRows(r, func(b, lo, hi int, mask []uint64) int {
		if a != nil {
			// A rank exchanging ahead: the update also writes the
			// block's spikes of the step after, trial b's at a.words
			// (kernels.CubaUpdateAhead, ranks.go).
			next := a.words[b*a.bw+r.Lo>>6-a.w0:][:len(mask)]
			if is32[T]() {
				return kernels.CubaUpdateAhead32(f32(p.V[lo:hi]), f32(p.I[lo:hi]), f32(p.Iin[lo:hi]), f32(p.extraI[0][lo:hi]), f32(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], &g.cuba32, mask, next)
			}
			return kernels.CubaUpdateAhead64(f64(p.V[lo:hi]), f64(p.I[lo:hi]), f64(p.Iin[lo:hi]), f64(p.extraI[0][lo:hi]), f64(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], &g.cuba64, mask, next)
		}
		if is32[T]() {
			return kernels.CubaUpdate32(f32(p.V[lo:hi]), f32(p.I[lo:hi]), f32(p.Iin[lo:hi]), f32(p.extraI[0][lo:hi]), f32(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], &g.cuba32, mask)
		}
		return kernels.CubaUpdate64(f64(p.V[lo:hi]), f64(p.I[lo:hi]), f64(p.Iin[lo:hi]), f64(p.extraI[0][lo:hi]), f64(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], &g.cuba64, mask)
	})
}
