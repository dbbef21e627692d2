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
// current I[t+1] into V[t+1], and NIR's CubaLIF is a continuous-time ODE
// (τ_mem·dV/dt = v_leak − V + r·I) that each back-end integrates its own way.
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
// Randomness (weights, Poisson inputs) comes from generators keyed by
// (seed, stream, step, trial), so a run is reproducible from its seed and
// does not depend on how the work is split.
package engine
