package kernels

import "math/bits"

// StepRule is the order in which RuleUpdate thresholds, integrates and
// resets: that of leaky's general neuron or of a framework NIR graphs come
// from (the engine's Rule, as a kernel knows it).
type StepRule uint8

const (
	// StepValue has no threshold: V = U, no spike (LI, I, pass).
	StepValue StepRule = iota
	// StepBefore spikes on the V the step starts from, V > θ, and resets
	// U (leaky's own order, without a refractory period).
	StepBefore
	// StepAfter spikes on the integrated U > θ and resets it in the same
	// step (Norse).
	StepAfter
	// StepSpyx spikes on V > θ and subtracts after the decay, and before
	// it too when there is a current (Spyx).
	StepSpyx
	// StepSnnTorch is snnTorch's Leaky and Synaptic with
	// reset_delay=False: a reset signal ρ = V > θ enters the integration
	// and the spike of the integrated V resets what ρ did not.
	StepSnnTorch
	stepRules
)

// RuleParams are the constants of RuleUpdate: one receptor's current and
// the membrane, in the element type F.
type RuleParams[F float32 | float64] struct {
	Rule StepRule
	// Alpha is the current's decay, InGain the factor h of its input,
	// Leak the term (1−α)·v_leak added under Norse's synapse when AddLeak.
	Alpha, InGain, Leak F
	// Beta is the membrane decay, VLeak its resting potential, Gain the
	// factor g of the current it integrates.
	Beta, VLeak, Gain F
	// Theta is the threshold, VReset the potential after a reset to a
	// value, Sub what a subtraction removes (θ − v_reset).
	Theta, VReset, Sub F
	// Rest is VLeak + Beta·(VReset − VLeak), rounded as written: snnTorch's
	// decayed reset potential without a current.
	Rest F
	// Instant marks a receptor without a current: its input goes straight
	// to V. AddLeak adds Leak to the current. Old makes V integrate the
	// current before this step's input (leaky's order). Subtract selects
	// reset by subtraction, else to VReset. Current says the neuron has a
	// current (snnTorch's Synaptic and Spyx's CuBaLIF, rather than Leaky
	// and LIF); it is not Instant's complement when the engine sums
	// several receptors into Iin and steps them as one instant receptor.
	Instant, AddLeak, Old, Subtract, Current bool
	// Per, when not nil, gives every constant above neuron by neuron
	// instead (the scalar constants are then unused), packed by PackRule:
	// the neurons of V from V[0], the same for every row.
	Per []F
}

// ruleConsts is the number of per-neuron constants of a packed table.
const ruleConsts = 10

// RuleConsts holds RuleParams' constants neuron by neuron, one slice each
// of the same length.
type RuleConsts[F float32 | float64] struct {
	Alpha, InGain, Leak, Beta, VLeak, Gain, Theta, VReset, Sub, Rest []F
}

// PackRule packs c into RuleParams.Per's table: for each word of 64
// neurons, 64 values of each constant in RuleConsts' order (padded with
// zeros past the last neuron), so that the kernels read each vector's
// constants as they read its state. A row's neurons from neuron 64·w on
// are the table from PackedWord·w on.
func PackRule[F float32 | float64](c *RuleConsts[F]) []F {
	n := len(c.Alpha)
	cols := c.cols()
	out := make([]F, MaskWords(n)*PackedWord)
	for r, col := range cols {
		for i, v := range col[:n] {
			out[(i>>6)*PackedWord+r*64+i&63] = v
		}
	}
	return out
}

// PackedWord is the length of a packed table's part for one word of 64
// neurons.
const PackedWord = ruleConsts * 64

func (c *RuleConsts[F]) cols() [ruleConsts][]F {
	return [ruleConsts][]F{c.Alpha, c.InGain, c.Leak, c.Beta, c.VLeak, c.Gain, c.Theta, c.VReset, c.Sub, c.Rest}
}

// at returns neuron j's constants as scalars, from Per when set.
func (q *RuleParams[F]) at(j int) (alpha, h, leak, beta, vleak, gain, theta, vreset, sub, rest F) {
	if q.Per == nil {
		return q.Alpha, q.InGain, q.Leak, q.Beta, q.VLeak, q.Gain, q.Theta, q.VReset, q.Sub, q.Rest
	}
	t := q.Per[(j>>6)*PackedWord+j&63:]
	return t[0], t[64], t[128], t[192], t[256], t[320], t[384], t[448], t[512], t[576]
}

// RuleUpdate32 advances len(V) neurons with one receptor by one step. For
// neuron i, with c = I[i] and x = V[i] before the step:
//
//	I[i] = h·Iin[i] (Instant), else α·c + h·Iin[i] (+ Leak if AddLeak)
//	J    = c if Old, else I[i]
//	U    = (VLeak + β·(x − VLeak)) + g·J
//
// and then, by Rule, with σ = Sub and "reset u" meaning u − σ when
// Subtract, else VReset:
//
//	StepValue     V = U, no spike
//	StepBefore    s = x > θ;  V = reset U if s, else U
//	StepAfter     s = U > θ;  V = reset U if s, else U
//	StepSpyx      s = x > θ;  if s: U is computed from x − σ when Current,
//	              and V = U − σ; else V = U
//	StepSnnTorch  ρ = x > θ;  W = U, or if ρ: U − σ (Subtract), VReset
//	              (Current), Rest + g·J (otherwise); s = W > θ;
//	              V = W if s = ρ; reset W if s and not ρ; if ρ and not s:
//	              W + σ (Subtract), else W + (W − VReset)
//
// each product rounded to F before it is added, in the order written (in
// float64 too: no fused multiply-add); a NaN never spikes. Bit i%64 of
// spikes[i/64] is set to s; the whole of spikes[:MaskWords(len(V))] is
// written. It returns the number of spikes. I and Iin must hold at least
// len(V) values. It runs the active implementation (see [Use]); all give
// the same bits.
func RuleUpdate32(V, I, Iin []float32, p *RuleParams[float32], spikes []uint64) int {
	return active.RuleUpdate32(V, I, Iin, p, spikes)
}

// RuleUpdate64 is RuleUpdate32 in float64, products rounded before adding.
func RuleUpdate64(V, I, Iin []float64, p *RuleParams[float64], spikes []uint64) int {
	return active.RuleUpdate64(V, I, Iin, p, spikes)
}

// RuleUpdateTrials32 is RuleUpdate32 over trials rows of len(V) neurons:
// row b is V[b*stride:][:len(V)] (and likewise in I and Iin, which must
// extend as far), its mask words spikes[b*words:]. V, I and Iin are the
// first row, within longer arrays (their capacity covers every row). It
// returns the spikes of all rows: one call for a batch of small rows.
func RuleUpdateTrials32(V, I, Iin []float32, stride, trials int, p *RuleParams[float32], spikes []uint64, words int) int {
	return active.RuleUpdateTrials32(V, I, Iin, stride, trials, p, spikes, words)
}

// RuleUpdateTrials64 is RuleUpdateTrials32 in float64.
func RuleUpdateTrials64(V, I, Iin []float64, stride, trials int, p *RuleParams[float64], spikes []uint64, words int) int {
	return active.RuleUpdateTrials64(V, I, Iin, stride, trials, p, spikes, words)
}

// ruleTrialsGeneric is the reference of RuleUpdateTrials32 and
// RuleUpdateTrials64: ruleGeneric row by row.
func ruleTrialsGeneric[F float32 | float64](V, I, Iin []F, stride, trials int, p *RuleParams[F], spikes []uint64, words int) int {
	n := len(V)
	count := 0
	for b := 0; b < trials; b++ {
		o := b * stride
		count += ruleGeneric(V[o:o+n], I[o:o+n], Iin[o:o+n], p, spikes[b*words:b*words+MaskWords(n)])
	}
	return count
}

func ruleGeneric32(V, I, Iin []float32, p *RuleParams[float32], spikes []uint64) int {
	return ruleGeneric(V, I, Iin, p, spikes)
}

func ruleGeneric64(V, I, Iin []float64, p *RuleParams[float64], spikes []uint64) int {
	return ruleGeneric(V, I, Iin, p, spikes)
}

// ruleGeneric is the reference loop of RuleUpdate32 and RuleUpdate64.
func ruleGeneric[F float32 | float64](V, I, Iin []F, p *RuleParams[F], spikes []uint64) int {
	n := len(V)
	cur, in := I[:n], Iin[:n]
	mask := spikes[:MaskWords(n)]
	clear(mask)
	if p.Per != nil {
		_ = p.Per[:MaskWords(n)*PackedWord]
	}
	for j, x := range V {
		q := rule1[F]{p: p}
		q.Alpha, q.InGain, q.Leak, q.Beta, q.VLeak, q.Gain, q.Theta, q.VReset, q.Sub, q.Rest = p.at(j)
		c := cur[j]
		var cn F
		switch {
		case p.Instant:
			cn = F(q.InGain * in[j])
		case p.AddLeak && q.Leak != 0:
			cn = F(q.Alpha*c) + F(q.InGain*in[j]) + q.Leak
		default:
			cn = F(q.Alpha*c) + F(q.InGain*in[j])
		}
		cur[j] = cn
		J := cn
		if p.Old {
			J = c
		}
		gj := F(q.Gain * J)
		u := q.VLeak + F(q.Beta*(x-q.VLeak)) + gj
		var s bool
		switch p.Rule {
		case StepValue:
		case StepBefore:
			if s = x > q.Theta; s {
				u = q.reset(u)
			}
		case StepAfter:
			if s = u > q.Theta; s {
				u = q.reset(u)
			}
		case StepSpyx:
			if s = x > q.Theta; s {
				if p.Current {
					u = q.VLeak + F(q.Beta*(x-q.Sub-q.VLeak)) + gj
				}
				u -= q.Sub
			}
		case StepSnnTorch:
			rho := x > q.Theta
			if rho {
				switch {
				case p.Subtract:
					u -= q.Sub
				case p.Current:
					u = q.VReset
				default:
					u = q.Rest + gj
				}
			}
			s = u > q.Theta
			switch {
			case s && !rho:
				u = q.reset(u)
			case !s && rho && p.Subtract:
				u += q.Sub
			case !s && rho:
				u += u - q.VReset
			}
		}
		if s {
			mask[j>>6] |= 1 << uint(j&63)
		}
		V[j] = u
	}
	count := 0
	for _, w := range mask {
		count += bits.OnesCount64(w)
	}
	return count
}

// rule1 is one neuron's constants, with the flags of p.
type rule1[F float32 | float64] struct {
	p                                                                *RuleParams[F]
	Alpha, InGain, Leak, Beta, VLeak, Gain, Theta, VReset, Sub, Rest F
}

// reset is a spiking neuron's potential after the reset of u.
func (q *rule1[F]) reset(u F) F {
	if q.p.Subtract {
		return u - q.Sub
	}
	return q.VReset
}
