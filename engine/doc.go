// Package engine simulates populations of current- and conductance-based
// leaky integrate-and-fire (LIF) neurons in discrete time, batched over B
// independent trials, with state held as structure of arrays and the inner
// loops in package kernels.
//
// # Where things are
//
// A [Network] (network.go) holds the parts of a simulation and steps them
// in the schedule below, with its worker pool (pool.go) and, over MPI, its
// share of the ranks (ranks.go). Every part is generic in its element
// type, [Float] (float.go):
//
//   - populations: [Population] (population.go); their parameters
//     [NeuronParams] (neuron.go), the defaults and the seed form
//     (params.go), the step rules [Rule] and [Decay] (rule.go), the
//     conductance-based neuron (coba.go), parameters that differ per
//     neuron, [PerNeuron] (perneuron.go);
//   - sources: [Poisson] and [Array] (source.go; an analog array's input
//     precomputed a block of steps at a time, block.go) and [Feed], whose
//     values its caller gives (feed.go);
//   - projections: [Dense] (projection.go, with the choice between spike
//     bitmasks and event lists), [Sparse] (sparse.go), [Procedural]
//     (procedural.go), [Conv2d] and [Pool2d] (conv.go), [Bias] and
//     [Identity] (bias.go), and the ring buffers of delays (delay.go);
//   - recorders: [Trace] and [SpikeRecorder] in memory (record.go),
//     [StreamTrace] and [StreamSpikes] to files (stream.go);
//   - state: [StateVar], what a checkpoint saves and restores (state.go),
//     its encoding (statecodec.go) and the [Version] that it records
//     (version.go);
//   - building: weight and initial-value distributions [Dist] (dist.go),
//     normal numbers (normal.go, rng.go), weights drawn column by column on
//     threads (setup.go), and the memory a network will take, [Memory]
//     (memory.go);
//   - the faster ways through the schedule: blocked.go and fused.go (see
//     below).
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
// # The conductance-based neuron
//
// [KindCOBA] is the LIF neuron of Brette et al. 2007's benchmark 1 (the
// Vogels–Abbott COBA network, Brian2's and Auryn's COBA benchmarks): each
// receptor k is a conductance g_k in units of the leak conductance, with
// its reversal potential E_k ([NeuronParams].ERev), and
//
//	τ_mem·dV/dt   = (v_leak − V) + Σ_k g_k·(E_k − V)
//	τ_syn,k·dg_k/dt = −g_k,  a spike arriving on receptor k adding its weight to g_k
//
// A step decays each conductance exactly and integrates V with the
// conductances of the step's start: the leak is solved exactly over the
// step with the synaptic current Σ_k g_k·(E_k − V) held at its value then,
//
//	g_k[t+1] = α_k·g_k[t] + Iin_k[t]
//	V[t+1]   = V[t] + γ·((v_leak − V[t]) + Σ_k g_k[t]·(E_k − V[t]))
//
// with α_k = exp(−dt/τ_syn,k) and γ = 1 − β = 1 − exp(−dt/τ_mem), the sum
// taken in increasing k and each product rounded to T before it is added.
// Threshold, reset and refractory period are RuleLeaky's: s[t] = V[t] > θ,
// V[t+1] = v_reset after a spike, then held there for R − 1 more steps
// while the conductances go on decaying and taking input.
//
// Brian2 integrates the same equations with forward Euler (method "euler",
// which its COBA benchmark uses; the system is nonlinear in V and g, so its
// "exact" method does not apply): g_k ← g_k − dt·g_k/τ_syn,k and V ← V +
// dt·(…)/τ_mem, which is the update above with decay euler (α_k = 1 −
// dt/τ_syn,k, γ = dt/τ_mem). leaky's default, decay exact, is exact for the
// leak, and for the conductances between spikes; both are first order in dt
// through the synaptic term, whose weight per step γ·Σ_k g_k is about 0.12
// at the benchmark's initial conductances. Brian2 thresholds the V it has
// just integrated and delivers the spike in the same step; leaky thresholds
// V[t] before integrating and delivers in phase 2 (below), so a spike moves
// its targets' V one step (0.1 ms at the benchmark's dt) later than in
// Brian2 for a target later in the order, two steps for the others.
//
// # The schedule
//
// Every step runs the same phases in the same order, written once in
// [Network.Step]:
//
//  1. sources produce x[t] (spikes as bitmasks or event lists, dense rows
//     otherwise);
//  2. for each population, in the order added: its input current Iin[t] is
//     cleared and every projection into it adds its contribution, in the
//     order the projections were added (a projection from a population that
//     has already stepped sees that population's s[t], otherwise s[t−1]);
//  3. recorders read V[t], I[t] and Iin[t];
//  4. the population's kernel thresholds, updates and resets, writing s[t]
//     as a bitmask, which spike recorders then read.
//
// After phase 4 of every step t with t+1 a multiple of 64, the subnormal
// values of V and of every receptor's current are set to the zero of their
// sign (kernels.FlushSubnormals32); every path below does so at the same
// steps of the run, so threads, ranks, blocks and resumed runs keep one
// another's bits. A quantity decaying without input — a silent neuron's
// current, a potential resting at 0 — ends among the subnormals and stays
// there, at a few units of the least, where α·x rounds back to x, and on
// Intel cores each multiply on it takes a microcode assist, an update
// several times slower for as long as the population is silent
// (BenchmarkCubaUpdate's state=subnormal). Values of magnitude below
// 2^-126 (float32) or 2^-1022 (float64) thus live for at most 63 steps;
// nothing else changes, but a potential among them spikes against θ = 0
// until it is zeroed.
//
// Dense projections read spikes from the bitmasks as they stand
// (kernels.AccumulateMasks), but for a Feed of more than 64 inputs, whose
// pass over its values lists them for less and which is read as event
// lists; a population or source lists its spikes per trial each step only
// when a projection reads event lists, and otherwise when Events asks (see
// bindMasks in projection.go).
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
// A feed-forward network whose state would not stay in the last-level
// cache beside the weight rows streaming through it — populations fed only
// by Poisson trains and 0/1 arrays through dense projections, stored or
// procedural, read by no projection — is stepped
// many steps at a time instead (blocked.go; where the state is larger than
// the threads' L2 but smaller than that, its first steps time both ways
// and keep the faster): each block of neurons, its V
// and I held in L2, runs phases 2 and 4 step after step over the steps of a
// block (kernels.LeakyRowsSteps on its pieces of the weight rows of
// several steps at once, a mask word at a time; procedural
// weights regenerated into the block's input a chunk at a time), then phases 3
// and 4's recorders are replayed step by step, with the same bits and the
// same recordings as the schedule above; Run checks for interruption
// between blocks.
//
// Below that size, a population in the seed form fed only by dense
// projections from sources or from populations earlier in the order, whose
// Iin no recorder reads but a few neurons' through Population.InputOf
// (which sums them from the step's rows, with the same bits), runs phases
// 2 and 4 in one pass (fused.go):
// kernels.LeakyRows sums each neuron's weight rows in registers, in the
// order above, and updates it, never writing Iin; Run writes Iin at the
// last step of a call and at aligned steps, and recomputes it when
// interrupted and for StateVars, so that what can be seen between steps is
// the schedule's.
//
// Randomness comes from generators keyed by what is drawn — normal weights
// and initial states by (seed, stream, row) and column, through
// kernels.Normals (normal.go); uniform draws and connectivity by (seed,
// stream, row); Poisson inputs by (seed, stream, step, trial) — so a run is
// reproducible from its seed and does not depend on how the work is split,
// whether stepping or building (setup.go).
package engine
