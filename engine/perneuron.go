package engine

import (
	"errors"
	"fmt"
	"leaky/kernels"
	"math/bits"
	"slices"
)

// PerNeuron gives the neuron parameters that differ between the neurons of
// one population — trained models learn τ, θ or r per neuron, and NIR
// stores them as arrays of the node's shape — of any kind but KindCOBA. Each field is nil, and every
// neuron takes [NeuronParams]' value, or holds one value per neuron; TauSyn
// and WIn hold, per receptor k, nil or one value per neuron. Kind, Rule,
// Decay, Dt, Scale, Reset, Refractory and the receptors stay the
// population's, and so does whether receptor k has a current: its τ_syn is
// 0 for every neuron or for none, as NeuronParams.TauSyn[k] says.
//
// Neuron i follows NeuronParams' equations with its own constants — α_k,
// h_k, β, v_leak, g, θ, v_reset, σ and Norse's (1−α_k)·v_leak, each computed
// from [NeuronParams.Neuron](i) as a population of that neuron alone
// computes it — by the general loop, rounding every product to T in the
// order written there. So every neuron gives the bits it gives alone in a
// population that runs the general loop: every population under RuleNorse,
// RuleSnnTorch or RuleSpyx, and under RuleLeaky all but the seed form, whose
// kernels fuse the float64 multiply-adds (float32 agrees there too).
type PerNeuron struct {
	TauMem, R, VLeak, Threshold, VReset []float64
	TauSyn, WIn                         [][]float64
}

// Neuron returns the parameters of neuron i alone: n with PerNeuron's
// values for neuron i in place of n's, and no PerNeuron.
func (n NeuronParams) Neuron(i int) NeuronParams {
	q := n
	q.PerNeuron = nil
	pn := n.PerNeuron
	if pn == nil {
		return q
	}
	for _, f := range []struct {
		dst *float64
		v   []float64
	}{{&q.TauMem, pn.TauMem}, {&q.R, pn.R}, {&q.VLeak, pn.VLeak}, {&q.Threshold, pn.Threshold}, {&q.VReset, pn.VReset}} {
		if f.v != nil {
			*f.dst = f.v[i]
		}
	}
	q.TauSyn = slices.Clone(n.TauSyn)
	for k, v := range pn.TauSyn {
		if v != nil {
			q.TauSyn[k] = v[i]
		}
	}
	if slices.ContainsFunc(pn.WIn, func(v []float64) bool { return v != nil }) {
		q.WIn = slices.Clone(n.WIn)
		if q.WIn == nil {
			q.WIn = slices.Repeat([]float64{1}, len(n.TauSyn))
		}
		for k, v := range pn.WIn {
			if v != nil {
				q.WIn[k] = v[i]
			}
		}
	}
	return q
}

// Len is the number of neurons the arrays give values for: the length of
// every one that is set, or 0 when none is.
func (pn *PerNeuron) Len() int {
	n := 0
	pn.each(func(_ string, v []float64) {
		if n == 0 {
			n = len(v)
		}
	})
	return n
}

// each calls f with every array that is set and its parameter's name.
func (pn *PerNeuron) each(f func(name string, v []float64)) {
	for _, a := range []struct {
		name string
		v    []float64
	}{{"tau_mem", pn.TauMem}, {"r", pn.R}, {"v_leak", pn.VLeak}, {"v_threshold", pn.Threshold}, {"v_reset", pn.VReset}} {
		if a.v != nil {
			f(a.name, a.v)
		}
	}
	for k, v := range pn.TauSyn {
		if v != nil {
			f(fmt.Sprintf("tau_syn of receptor %d", k), v)
		}
	}
	for k, v := range pn.WIn {
		if v != nil {
			f(fmt.Sprintf("w_in of receptor %d", k), v)
		}
	}
}

// clone copies the arrays, so that a population keeps its own.
func (pn *PerNeuron) clone() *PerNeuron {
	c := &PerNeuron{TauMem: slices.Clone(pn.TauMem), R: slices.Clone(pn.R), VLeak: slices.Clone(pn.VLeak),
		Threshold: slices.Clone(pn.Threshold), VReset: slices.Clone(pn.VReset)}
	for _, v := range pn.TauSyn {
		c.TauSyn = append(c.TauSyn, slices.Clone(v))
	}
	for _, v := range pn.WIn {
		c.WIn = append(c.WIn, slices.Clone(v))
	}
	return c
}

// validatePerNeuron is Validate for parameters with a PerNeuron: the
// arrays' lengths, then every neuron alone, naming the first invalid one.
func (n NeuronParams) validatePerNeuron() error {
	pn := n.PerNeuron
	size := pn.Len()
	var err error
	pn.each(func(name string, v []float64) {
		if err == nil && len(v) != size {
			err = fmt.Errorf("per-neuron %s: %d values where the others have %d", name, len(v), size)
		}
	})
	switch {
	case err != nil:
		return err
	case n.Kind == KindCOBA:
		return errors.New("per-neuron parameters: kind coba takes one value of each parameter for the population")
	case size == 0:
		return errors.New("per-neuron parameters: no array is set")
	case len(pn.TauSyn) > len(n.TauSyn) || len(pn.WIn) > len(n.TauSyn):
		return fmt.Errorf("per-neuron tau_syn and w_in: %d and %d receptors' arrays for %d receptors", len(pn.TauSyn), len(pn.WIn), len(n.TauSyn))
	}
	for i := range size {
		q := n.Neuron(i)
		if err := q.Validate(); err != nil {
			return fmt.Errorf("neuron %d: %w", i, err)
		}
		for k, tau := range q.TauSyn {
			if (tau == 0) != (n.TauSyn[k] == 0) {
				return fmt.Errorf("neuron %d: tau_syn of receptor %d is %v where the population's is %v; a receptor has a current (τ_syn > 0) for all its neurons or for none", i, k, tau, n.TauSyn[k])
			}
		}
	}
	return nil
}

// fits reports whether the arrays give one value per neuron of a
// population of n; nil arrays fit any.
func (pn *PerNeuron) fits(n int) error {
	if pn == nil || pn.Len() == n {
		return nil
	}
	return fmt.Errorf("per-neuron parameters give %d values for %d neurons", pn.Len(), n)
}

// perNeuron holds the per-neuron loop's constants in T, one per neuron
// the population holds (per receptor and neuron for alpha, gainIn and
// toLeak, which is nil unless some neuron relaxes its current towards
// v_leak under RuleNorse): neuron i at i−off, as in the state (NewHeldPopulation).
type perNeuron[T Float] struct {
	alpha, gainIn, toLeak                 [][]T
	beta, vleak, gain, theta, vreset, sub []T
	// steps[w] is the population's kernels.RuleUpdate parameters with the
	// packed per-neuron table from word w (neuron 64·w) on: of the one
	// receptor when the population steps directly, else of the summed
	// currents as an instant receptor of unit gain. Made once, so that a
	// range starting at any word has its own without a copy per call.
	steps []kernels.RuleParams[T]
}

// held is the number of neurons the population's state holds: N, or a
// rank's block (NewHeldPopulation).
func (p *Population[T]) held() int {
	lo, hi := p.Held()
	return hi - lo
}

// setPerNeuron gives a population whose parameters have a PerNeuron its
// own copy of the arrays and the per-neuron loop's constants; the general
// loop's flags (rule, reset, refractory, currents) stay the population's.
func (p *Population[T]) setPerNeuron() {
	np := &p.Neuron
	np.PerNeuron = np.PerNeuron.clone()
	c := &perNeuron[T]{}
	n := p.held()
	for _, f := range []*[]T{&c.beta, &c.vleak, &c.gain, &c.theta, &c.vreset, &c.sub} {
		*f = make([]T, n)
	}
	K := len(np.TauSyn)
	for range K {
		c.alpha, c.gainIn = append(c.alpha, make([]T, n)), append(c.gainIn, make([]T, n))
	}
	for i := range n {
		q := np.Neuron(p.off + i)
		c.beta[i], c.vleak[i], c.gain[i] = T(q.Beta()), T(q.VLeak), T(q.Gain())
		c.theta[i], c.vreset[i], c.sub[i] = T(q.Threshold), T(q.VReset), T(q.Threshold-q.VReset)
		for k, tau := range q.TauSyn {
			c.alpha[k][i], c.gainIn[k][i] = T(q.Alpha(k)), T(q.InputGain(k))
			if q.Rule == RuleNorse && q.VLeak != 0 && tau > 0 {
				if c.toLeak == nil {
					c.toLeak = make([][]T, K)
				}
				if c.toLeak[k] == nil {
					c.toLeak[k] = make([]T, n)
				}
				c.toLeak[k][i] = T(q.leak(tau) * q.VLeak)
			}
		}
	}
	c.steps = p.perNeuronSteps(c)
	p.gen.per = c
}

// perNeuronSteps packs c's constants for kernels.RuleUpdate.
func (p *Population[T]) perNeuronSteps(c *perNeuron[T]) []kernels.RuleParams[T] {
	g, n := p.gen, p.held()
	k := &kernels.RuleConsts[T]{Beta: c.beta, VLeak: c.vleak, Gain: c.gain, Theta: c.theta, VReset: c.vreset, Sub: c.sub,
		Alpha: make([]T, n), InGain: make([]T, n), Leak: make([]T, n), Rest: make([]T, n)}
	for i := range n {
		k.Rest[i] = c.vleak[i] + T(c.beta[i]*(c.vreset[i]-c.vleak[i]))
		k.InGain[i] = 1
		if g.direct {
			k.Alpha[i], k.InGain[i] = c.alpha[0][i], c.gainIn[0][i]
			if c.toLeak != nil && c.toLeak[0] != nil {
				k.Leak[i] = c.toLeak[0][i]
			}
		}
	}
	table := kernels.PackRule(k)
	q := g.step
	q.AddLeak = g.direct && c.toLeak != nil && c.toLeak[0] != nil
	steps := make([]kernels.RuleParams[T], (n+63)/64)
	for w := range steps {
		steps[w] = q
		steps[w].Per = table[w*kernels.PackedWord:]
	}
	return steps
}

// updatePerNeuron is updateGeneral for a population with per-neuron
// parameters: kernels.RuleUpdateTrials with each neuron's constants, the
// currents of several receptors summed block by block first, and the
// refractory hold of RuleLeaky in its own loop.
func (p *Population[T]) updatePerNeuron(r Range) int {
	g, c := p.gen, p.gen.per
	if r.B1 <= r.B0 || r.Hi <= r.Lo {
		return 0
	}
	if g.direct {
		lo, hi := p.at(r.B0, r.Lo), p.at(r.B0, r.Hi)
		return ruleUpdateTrials(p.V[lo:hi], p.I[lo:hi], p.Iin[lo:hi], p.Stride, r.B1-r.B0, &c.steps[(r.Lo-p.off)>>6], p.Spikes[r.B0*p.Words+r.Lo>>6:], p.Words)
	}
	count := 0
	var tot [64]T
	for b := r.B0; b < r.B1; b++ {
		off := p.at(b, 0)
		for lo := r.Lo; lo < r.Hi; lo += 64 {
			hi := min(lo+64, r.Hi)
			sum := tot[:hi-lo]
			for k := range c.alpha {
				c.advance(g, k, lo-p.off, sum, p.Current(k)[off+lo:off+hi], p.Input(k)[off+lo:off+hi])
			}
			mask := p.Spikes[b*p.Words+lo>>6:][:1]
			if !g.refracts {
				count += ruleUpdate(p.V[off+lo:off+hi], sum, sum, &c.steps[(lo-p.off)>>6], mask)
				continue
			}
			mask[0] = c.hold(g, lo-p.off, p.V[off+lo:off+hi], sum, p.Refrac[off+lo:off+hi])
			count += bits.OnesCount64(mask[0])
		}
	}
	return count
}

// advance is general.advance for neurons lo, lo+1, … of one block, lo
// counted from the first neuron the population holds.
func (c *perNeuron[T]) advance(g *general[T], k, lo int, sum, cur, in []T) {
	n := len(sum)
	cur, in = cur[:n], in[:n]
	a, h := c.alpha[k][lo:lo+n], c.gainIn[k][lo:lo+n]
	fresh := g.rule != RuleLeaky || g.instant[k]
	if !fresh {
		accumulate(sum, cur, k == 0)
	}
	switch {
	case g.instant[k]:
		for j, x := range in {
			cur[j] = T(h[j] * x)
		}
	case c.toLeak != nil && c.toLeak[k] != nil:
		l := c.toLeak[k][lo : lo+n]
		for j, x := range cur {
			if l[j] != 0 {
				cur[j] = T(a[j]*x) + T(h[j]*in[j]) + l[j]
			} else {
				cur[j] = T(a[j]*x) + T(h[j]*in[j])
			}
		}
	default:
		for j, x := range cur {
			cur[j] = T(a[j]*x) + T(h[j]*in[j])
		}
	}
	if fresh {
		accumulate(sum, cur, k == 0)
	}
}

// hold is RuleLeaky's step with a refractory period for neurons lo,
// lo+1, … of one block, as updateGeneral's loop with neuron i's constants;
// cnt holds the block's counters. It returns the block's spike word.
func (c *perNeuron[T]) hold(g *general[T], lo int, v, sum []T, cnt []int32) uint64 {
	n := len(sum)
	v, cnt = v[:n], cnt[:n]
	be, vl, ga := c.beta[lo:lo+n], c.vleak[lo:lo+n], c.gain[lo:lo+n]
	th, vr, sb := c.theta[lo:lo+n], c.vreset[lo:lo+n], c.sub[lo:lo+n]
	var word uint64
	for j, x := range v {
		if cnt[j] > 0 {
			cnt[j]--
			continue
		}
		vn := vl[j] + T(be[j]*(x-vl[j])) + T(ga[j]*sum[j])
		if x > th[j] {
			word |= 1 << uint(j)
			if g.subtract {
				vn -= sb[j]
			} else {
				vn = vr[j]
			}
			cnt[j] = g.hold
		}
		v[j] = vn
	}
	return word
}
