package engine

import (
	"fmt"
	"math"
	"math/bits"

	"leaky/kernels"
)

// The conductance-based neuron (KindCOBA), whose equations the package doc
// gives: its parameters' checks, its constants and its update. Two
// receptors with a refractory period — Brette et al.'s benchmark 1 —
// run kernels.CobaUpdate32/64; any other number of receptors, or no
// refractory period, runs the loop here, which does the same arithmetic in
// the same order (a test runs both on the same network).

// validateCOBA checks what is particular to KindCOBA: a reversal potential
// and a conductance (τ_syn > 0) per receptor, leaky's rule, reset to a
// value, and none of the current-based input gains; and that no other kind
// has reversal potentials.
func (n NeuronParams) validateCOBA() error {
	if n.Kind != KindCOBA {
		if n.ERev != nil {
			return fmt.Errorf("e_rev: reversal potentials apply to kind coba only, not %v", n.Kind)
		}
		return nil
	}
	if len(n.ERev) != len(n.TauSyn) {
		return fmt.Errorf("e_rev: %d reversal potentials for %d receptors", len(n.ERev), len(n.TauSyn))
	}
	for k, e := range n.ERev {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return fmt.Errorf("e_rev of receptor %d must be finite, got %v", k, e)
		}
		if n.TauSyn[k] == 0 {
			return fmt.Errorf("tau_syn of receptor %d must be positive for kind coba, whose receptors are decaying conductances, got 0", k)
		}
	}
	switch {
	case n.Rule != RuleLeaky:
		return fmt.Errorf("rule: kind coba steps by rule leaky only, got %v", n.Rule)
	case n.Reset != kernels.ResetZero:
		return fmt.Errorf("reset: kind coba resets to v_reset only, got %v", n.Reset)
	case n.WIn != nil || n.R != 0 || n.Scale != ScaleUnit:
		return fmt.Errorf("kind coba takes its inputs as conductance increments: w_in, r and the input scale do not apply (got w_in %v, r %v, scale %v)", n.WIn, n.R, n.Scale)
	}
	return nil
}

// cobaNeuron holds a COBA population's constants in T, computed once.
type cobaNeuron[T Float] struct {
	// alpha and erev are per receptor: the conductance decay and the
	// reversal potential.
	alpha, erev []T
	// gamma is the fraction of the drive V integrates per step, 1 − β.
	gamma, vleak, theta, vreset T
	hold                        int32
	// refracts is set when the population has refractory counters.
	refracts bool
	// kernel selects kernels.CobaUpdate (two receptors and refractory
	// counters), with these parameters.
	kernel bool
	p32    kernels.CobaParams32
	p64    kernels.CobaParams64
}

// newCOBA returns the constants of validated parameters np, or nil when np
// is not KindCOBA; refracts says whether the population has counters.
func newCOBA[T Float](np NeuronParams, refracts bool) *cobaNeuron[T] {
	if np.Kind != KindCOBA {
		return nil
	}
	c := &cobaNeuron[T]{
		gamma: T(np.leak(np.TauMem)), vleak: T(np.VLeak), theta: T(np.Threshold), vreset: T(np.VReset),
		hold: int32(max(np.Refractory-1, 0)), refracts: refracts,
	}
	for k, e := range np.ERev {
		c.alpha = append(c.alpha, T(np.Alpha(k)))
		c.erev = append(c.erev, T(e))
	}
	c.kernel = len(c.alpha) == 2 && refracts
	if c.kernel {
		c.p32 = kernels.CobaParams32{A0: float32(c.alpha[0]), A1: float32(c.alpha[1]), Gamma: float32(c.gamma),
			VLeak: float32(c.vleak), E0: float32(c.erev[0]), E1: float32(c.erev[1]),
			Theta: float32(c.theta), VReset: float32(c.vreset), Hold: c.hold}
		c.p64 = kernels.CobaParams64{A0: float64(c.alpha[0]), A1: float64(c.alpha[1]), Gamma: float64(c.gamma),
			VLeak: float64(c.vleak), E0: float64(c.erev[0]), E1: float64(c.erev[1]),
			Theta: float64(c.theta), VReset: float64(c.vreset), Hold: c.hold}
	}
	return c
}

// updateCOBA is phase 4 of the schedule over r for a COBA population.
func (p *Population[T]) updateCOBA(r Range) int {
	if p.coba.kernel {
		return p.updateCOBAKernel(r)
	}
	return p.updateCOBALoop(r)
}

// updateCOBAKernel runs kernels.CobaUpdate32/64 over r, one trial's range
// per call.
func (p *Population[T]) updateCOBAKernel(r Range) int {
	c := p.coba
	return p.receptorRows(r, func(_, lo, hi int, mask []uint64) int {
		if is32[T]() {
			return kernels.CobaUpdate32(f32(p.V[lo:hi]), f32(p.I[lo:hi]), f32(p.Iin[lo:hi]), f32(p.extraI[0][lo:hi]), f32(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], &c.p32, mask)
		}
		return kernels.CobaUpdate64(f64(p.V[lo:hi]), f64(p.I[lo:hi]), f64(p.Iin[lo:hi]), f64(p.extraI[0][lo:hi]), f64(p.extraIin[0][lo:hi]), p.Refrac[lo:hi], &c.p64, mask)
	})
}

// receptorRows runs a two-receptor kernel (CUBA, COBA) over r, one trial's
// neurons per call: row gets the trial b, the element range lo…hi of the state arrays
// and that range's mask words, and returns its spike count.
func (p *Population[T]) receptorRows(r Range, row func(b, lo, hi int, mask []uint64) int) int {
	count := 0
	for b := r.B0; b < r.B1; b++ {
		off := p.at(b, 0)
		count += row(b, off+r.Lo, off+r.Hi, p.Spikes[b*p.Words+r.Lo>>6:b*p.Words+(r.Hi+63)>>6])
	}
	return count
}

// updateCOBALoop is the COBA update for any number of receptors, with or
// without refractory counters, one mask word (64 neurons) at a time: the
// drive (v_leak − V) + Σ_k g_k·(E_k − V), summed in increasing k into a
// stack buffer, then V. For two receptors with counters it is exactly
// kernels.CobaUpdate.
func (p *Population[T]) updateCOBALoop(r Range) int {
	c := p.coba
	count := 0
	var drive [64]T
	for b := r.B0; b < r.B1; b++ {
		off := p.at(b, 0)
		for lo := r.Lo; lo < r.Hi; lo += 64 {
			hi := min(lo+64, r.Hi)
			v := p.V[off+lo : off+hi]
			d := drive[:len(v)]
			for j, x := range v {
				d[j] = c.vleak - x
			}
			for k, a := range c.alpha {
				e := c.erev[k]
				g, in := p.Current(k)[off+lo:off+hi], p.Input(k)[off+lo:off+hi]
				g, in = g[:len(v)], in[:len(v)]
				for j, x := range v {
					gj := g[j]
					g[j] = T(a*gj) + in[j]
					d[j] += T(gj * (e - x))
				}
			}
			var cnt []int32
			if c.refracts {
				cnt = p.Refrac[off+lo : off+hi]
				cnt = cnt[:len(v)]
			}
			var word uint64
			for j, x := range v {
				if cnt != nil && cnt[j] > 0 {
					cnt[j]--
					continue
				}
				vn := x + T(c.gamma*d[j])
				if x > c.theta {
					word |= 1 << uint(j)
					vn = c.vreset
					if cnt != nil {
						cnt[j] = c.hold
					}
				}
				v[j] = vn
			}
			p.Spikes[b*p.Words+lo>>6] = word
			count += bits.OnesCount64(word)
		}
	}
	return count
}
