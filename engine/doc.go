// Package engine simulates populations of current-based leaky
// integrate-and-fire (LIF) neurons in discrete time, batched over B
// independent trials, with state held as structure of arrays and the inner
// loops in package kernels.
//
// # The model
//
// This is the only place the equations are written down. Per neuron, per
// step t (the form of Zenke's SpyTorch tutorial and of the seed notebook):
//
//	s[t]   = V[t] > θ
//	I[t+1] = α·I[t] + Iin[t]
//	V[t+1] = β·V[t] + I[t] − s[t]            (reset "subtract", the default)
//	V[t+1] = (β·V[t] + I[t])·(1 − s[t])      (reset "zero")
//
// with α = exp(−dt/τ_syn), β = exp(−dt/τ_mem) and Iin[t] = x[t]·W, the input
// x[t] of step t times the weight matrix W (n_in × N). Note that V[t+1] uses
// I[t], the synaptic current before this step's input arrives, and that the
// spike is subtracted (not θ): with θ = 1, the default, the two agree.
// Defaults: dt 0.5 ms, τ_mem 10 ms, τ_syn 5 ms, θ 1, Poisson inputs at 5 Hz,
// weights Normal(0, 7(1−β)/√n_in).
//
// Other libraries discretise differently: snnTorch's Synaptic feeds the new
// current I[t+1] into V[t+1] and thresholds it in the same step, and NIR's
// CubaLIF is a continuous-time ODE (τ_mem·dV/dt = v_leak − V + r·I) that
// each back-end integrates its own way.
//
// This is the seed form, which [SeedNeuron] makes ([DefaultNeuron] with the
// defaults above). [NeuronParams] generalises it — several receptors with
// their own τ_syn (0: no current) and input weight w_in, a leak potential,
// an input gain r, reset to a value, an absolute refractory period, the
// non-spiking LI readout, IF and I without leak, and the rules ([Rule],
// [Decay]) by which Norse, snnTorch and Spyx step NIR's neurons — and
// documents those equations; the seed form stays the special case that runs
// the kernels.
//
// # The schedule
//
// Every step runs the same phases in the same order, written once in
// [Network.Step]:
//
//  1. sources produce x[t] (event lists for spikes, dense rows otherwise);
//  2. for each population, in the order added: its input current Iin[t] is
//     cleared and every projection into it adds its contribution, in the
//     order the projections were added (a projection from a population that
//     has already stepped sees that population's s[t], otherwise s[t−1]);
//  3. recorders read V[t], I[t] and Iin[t];
//  4. the population's kernel thresholds, updates and resets, writing s[t]
//     as a bitmask, which spike recorders then read.
//
// Populations may be of different kinds and sizes and project onto each
// other and themselves (dense or sparse projections, into a chosen
// receptor). Within step t a projection reads its source's latest output:
// s[t] from a population earlier in the order (it has stepped), s[t−1]
// from itself or a later one, x[t] from a source. So a self-projection
// delivers one step later than a projection from an earlier population. A
// projection with a delay of d steps adds into a ring buffer slot instead
// of Iin, and phase 2 of step t+d begins by moving that slot into Iin
// before the undelayed projections add (see delay.go), so its contribution
// arrives exactly d steps after the undelayed one would.
//
// Randomness (weights, Poisson inputs) comes from generators keyed by
// (seed, stream, step, trial), so a run is reproducible from its seed and
// does not depend on how the work is split.
package engine
