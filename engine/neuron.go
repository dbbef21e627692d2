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
	// KindLIF is the current-based leaky integrate-and-fire neuron.
	KindLIF Kind = iota
	// KindLI is the non-spiking leaky integrator, for readout layers: the
	// LIF equations without threshold, reset or refractoriness.
	KindLI
)

// String returns the kind's name in network files: "lif" or "li".
func (k Kind) String() string {
	switch k {
	case KindLIF:
		return "lif"
	case KindLI:
		return "li"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind converts "lif" or "li" to a Kind.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "lif":
		return KindLIF, nil
	case "li":
		return KindLI, nil
	}
	return 0, fmt.Errorf("unknown neuron kind %q (want lif or li)", s)
}

// InputScale says how the summed synaptic current enters the membrane
// update; see [NeuronParams].
type InputScale uint8

const (
	// ScaleUnit adds r·I per step: the seed notebook's form (r = 1).
	ScaleUnit InputScale = iota
	// ScaleLeak adds r·(1−β)·I per step: the exact solution of NIR's
	// τ_mem·dV/dt = v_leak − V + r·I over one step with I held constant,
	// so r keeps NIR's meaning (a resistance, steady-state V − v_leak = r·I).
	ScaleLeak
)

// String returns the scale's name in network files: "unit" or "leak".
func (s InputScale) String() string {
	switch s {
	case ScaleUnit:
		return "unit"
	case ScaleLeak:
		return "leak"
	}
	return fmt.Sprintf("InputScale(%d)", int(s))
}

// NeuronParams are the parameters of the general current-based neuron,
// NIR's CubaLIF (tau_syn, tau_mem, r, v_leak, v_threshold, v_reset) plus an
// absolute refractory period, several synaptic receptors and the LI
// variant. Per neuron, with K receptors k = 0…K−1, per step t:
//
//	s[t]      = V[t] > θ   and the neuron is not refractory     (LIF only)
//	I_k[t+1]  = α_k·I_k[t] + Iin_k[t]                          α_k = exp(−dt/τ_syn,k)
//	V[t+1]    = v_leak + β·(V[t] − v_leak) + g·ΣI_k[t]          β = exp(−dt/τ_mem)
//
// where the sum runs over receptors in increasing k and the input gain g is
// r (ScaleUnit) or r·(1−β) (ScaleLeak, NIR's r). As in the seed, V[t+1]
// uses the currents before this step's input arrives. After a spike (LIF):
//
//	reset subtract:  V[t+1] = (the above) − (θ − v_reset)
//	reset to value:  V[t+1] = v_reset       (kernels.ResetZero; "zero" when v_reset = 0)
//
// and with a refractory period of R ≥ 2 steps V then stays at that value
// for V[t+2] … V[t+R] without integrating or spiking; V[t+R+1] integrates
// again (R = 0 and R = 1 both mean no hold). This matches Brian2's
// "refractory" with R = round(t_ref/dt): the potential is clamped for
// t_ref after the spike while the currents keep evolving and accumulating
// input. KindLI runs the same current and membrane equations and never
// spikes.
//
// The seed form — one receptor, r = 1 with ScaleUnit, v_leak = 0,
// subtracting θ − v_reset = 1 or resetting to v_reset = 0, no refractory
// period — is what [SeedNeuron] returns: the model as the package doc
// states it, with τ_syn = TauSyn[0]. Populations in that form run the
// kernels.LeakyUpdate fast path. Every other form runs the general loop,
// which rounds each product to T before adding (no fused multiply-add, in
// float64 too), in the order written above.
//
// Voltages, thresholds and weights share one unit of the user's choice (the
// seed is dimensionless with θ = 1; the CUBA workload uses mV); times are in
// seconds.
type NeuronParams struct {
	// Kind is the neuron model.
	Kind Kind
	// Dt is the time step, TauMem the membrane time constant (seconds).
	Dt, TauMem float64
	// TauSyn holds each receptor's synaptic time constant, receptor 0
	// first; at least one.
	TauSyn []float64
	// R is the input gain; Scale says whether (1−β) multiplies it.
	R     float64
	Scale InputScale
	// VLeak is the resting potential the membrane decays towards.
	VLeak float64
	// Threshold is θ; VReset the potential after a spike (LIF only).
	Threshold, VReset float64
	// Reset selects subtraction of θ − VReset or reset to VReset.
	Reset kernels.Reset
	// Refractory is the absolute refractory period in steps (LIF only).
	Refractory int
}

// Beta is the membrane decay per step, exp(−dt/τ_mem).
func (n NeuronParams) Beta() float64 { return math.Exp(-n.Dt / n.TauMem) }

// Alpha is receptor k's current decay per step, exp(−dt/τ_syn,k).
func (n NeuronParams) Alpha(k int) float64 { return math.Exp(-n.Dt / n.TauSyn[k]) }

// Gain is the factor g multiplying the summed current in the V update.
func (n NeuronParams) Gain() float64 {
	if n.Scale == ScaleLeak {
		return n.R * -math.Expm1(-n.Dt/n.TauMem)
	}
	return n.R
}

// SeedForm reports whether the neuron is the seed's special case, which
// runs the kernels.LeakyUpdate fast path.
func (n NeuronParams) SeedForm() bool {
	if n.Kind != KindLIF || len(n.TauSyn) != 1 || n.Gain() != 1 || n.VLeak != 0 || n.Refractory > 1 {
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
	if n.Kind != KindLIF && n.Kind != KindLI {
		return fmt.Errorf("kind must be lif or li, got %v", n.Kind)
	}
	if !(n.Dt > 0) || math.IsInf(n.Dt, 0) {
		return fmt.Errorf("dt must be a positive finite number of seconds, got %v", n.Dt)
	}
	if !(n.TauMem > 0) || math.IsInf(n.TauMem, 0) {
		return fmt.Errorf("tau_mem must be a positive finite number of seconds, got %v", n.TauMem)
	}
	if len(n.TauSyn) == 0 {
		return fmt.Errorf("tau_syn: at least one receptor is needed")
	}
	for k, tau := range n.TauSyn {
		if !(tau > 0) || math.IsInf(tau, 0) {
			return fmt.Errorf("tau_syn of receptor %d must be a positive finite number of seconds, got %v", k, tau)
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
	if n.Scale != ScaleUnit && n.Scale != ScaleLeak {
		return fmt.Errorf("input scale must be unit or leak, got %v", n.Scale)
	}
	if n.Reset != kernels.ResetSubtract && n.Reset != kernels.ResetZero {
		return fmt.Errorf("reset must be subtract or zero (to v_reset), got %v", n.Reset)
	}
	if n.Refractory < 0 || n.Refractory > math.MaxInt32 {
		return fmt.Errorf("refractory period must be between 0 and %d steps, got %d", math.MaxInt32, n.Refractory)
	}
	return nil
}

// general holds the general loop's constants in T, computed once.
type general[T Float] struct {
	alpha                       []T
	beta, vleak, gain           T
	theta, vreset, sub          T
	hold                        int32
	spiking, subtract, refracts bool
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
	if (p.Refrac != nil) != (np.Kind == KindLIF && np.Refractory > 1) {
		return fmt.Errorf("population %q: a refractory period cannot be added or removed after the population is built", p.Name)
	}
	p.setNeuron(np)
	return nil
}

// setNeuron installs validated parameters that fit the allocated state.
func (p *Population[T]) setNeuron(np NeuronParams) {
	np.TauSyn = append([]float64(nil), np.TauSyn...)
	p.Neuron = np
	p.alpha = T(np.Alpha(0))
	p.beta = T(np.Beta())
	p.theta = T(np.Threshold)
	if np.SeedForm() && p.Refrac == nil {
		p.gen = nil
		return
	}
	g := &general[T]{
		beta: T(np.Beta()), vleak: T(np.VLeak), gain: T(np.Gain()),
		theta: T(np.Threshold), vreset: T(np.VReset), sub: T(np.Threshold - np.VReset),
		hold:     int32(max(np.Refractory-1, 0)),
		spiking:  np.Kind == KindLIF,
		subtract: np.Reset == kernels.ResetSubtract,
		refracts: p.Refrac != nil,
	}
	for k := range np.TauSyn {
		g.alpha = append(g.alpha, T(np.Alpha(k)))
	}
	p.gen = g
}

// Receptors is the number of synaptic receptors (input currents).
func (p *Population[T]) Receptors() int { return 1 + len(p.extraI) }

// Current returns receptor k's synaptic current I_k (I for k = 0), laid out
// like V.
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
// the seed form; see NeuronParams for the equations. It works one mask word
// (64 neurons) at a time, summing the old currents into a stack buffer
// before the currents are advanced, so that no scratch memory is shared
// between concurrent ranges.
func (p *Population[T]) updateGeneral(r Range) int {
	g := p.gen
	if len(g.alpha) == 2 && g.spiking && g.refracts && !g.subtract {
		return p.updateCUBA(r)
	}
	count := 0
	var tot [64]T
	for b := r.B0; b < r.B1; b++ {
		off := b * p.Stride
		for lo := r.Lo; lo < r.Hi; lo += 64 {
			hi := min(lo+64, r.Hi)
			n := hi - lo
			sum := tot[:n]
			for k, a := range g.alpha {
				cur := p.Current(k)[off+lo : off+hi]
				in := p.Input(k)[off+lo : off+hi]
				in = in[:len(cur)]
				if k == 0 {
					for j, c := range cur {
						sum[j] = c
						cur[j] = T(a*c) + in[j]
					}
				} else {
					for j, c := range cur {
						sum[j] += c
						cur[j] = T(a*c) + in[j]
					}
				}
			}
			v := p.V[off+lo : off+hi]
			v = v[:len(sum)]
			var word uint64
			switch {
			case !g.spiking:
				for j, x := range v {
					v[j] = g.vleak + T(g.beta*(x-g.vleak)) + T(g.gain*sum[j])
				}
			case !g.refracts:
				for j, x := range v {
					vn := g.vleak + T(g.beta*(x-g.vleak)) + T(g.gain*sum[j])
					if x > g.theta {
						word |= 1 << uint(j)
						if g.subtract {
							vn -= g.sub
						} else {
							vn = g.vreset
						}
					}
					v[j] = vn
				}
			default:
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
			}
			p.Spikes[b*p.Words+lo>>6] = word
			count += bits.OnesCount64(word)
		}
	}
	return count
}

// updateCUBA is updateGeneral for the common case of CUBA-like networks —
// two receptors, reset to a value, a refractory period — through
// kernels.CubaUpdate32/64, whose arithmetic is exactly updateGeneral's and
// which dispatches to the AVX2 or AVX-512 kernels like the others.
func (p *Population[T]) updateCUBA(r Range) int {
	g := p.gen
	count := 0
	for b := r.B0; b < r.B1; b++ {
		off := b * p.Stride
		lo, hi := off+r.Lo, off+r.Hi
		mask := p.Spikes[b*p.Words+r.Lo>>6 : b*p.Words+(r.Hi+63)>>6]
		if is32[T]() {
			q := &kernels.CubaParams32{A0: float32(g.alpha[0]), A1: float32(g.alpha[1]), Beta: float32(g.beta), VLeak: float32(g.vleak),
				Gain: float32(g.gain), Theta: float32(g.theta), VReset: float32(g.vreset), Hold: g.hold}
			count += kernels.CubaUpdate32(f32(p.V[lo:hi]), f32(p.I[lo:hi]), f32(p.Iin[lo:hi]), f32(p.extraI[0][lo:hi]), f32(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], q, mask)
			continue
		}
		q := &kernels.CubaParams64{A0: float64(g.alpha[0]), A1: float64(g.alpha[1]), Beta: float64(g.beta), VLeak: float64(g.vleak),
			Gain: float64(g.gain), Theta: float64(g.theta), VReset: float64(g.vreset), Hold: g.hold}
		count += kernels.CubaUpdate64(f64(p.V[lo:hi]), f64(p.I[lo:hi]), f64(p.Iin[lo:hi]), f64(p.extraI[0][lo:hi]), f64(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], q, mask)
	}
	return count
}
