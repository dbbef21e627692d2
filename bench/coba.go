package bench

import (
	"leaky/engine"
	"leaky/kernels"
)

// COBAConfig describes benchmark 1 of Brette et al. 2007, the Vogels–Abbott
// conductance-based network, as in Brian2's and Auryn's COBA benchmarks:
// NExc excitatory and NInh inhibitory neurons, every pair connected with
// probability P, τ_m = 20 ms, E_l = −60 mV, V_t = −50 mV, V_r = −60 mV, 5 ms
// refractory period, excitatory conductances (τ_e = 5 ms, E_e = 0 mV)
// incremented by 0.6 and inhibitory ones (τ_i = 10 ms, E_i = −80 mV) by
// 6.7, in units of the leak conductance (6 nS and 67 nS over 10 nS), and
// the initial state that starts the self-sustained activity: V ~ Normal(−65
// mV, 5 mV), g_e ~ Normal(4, 1.5), g_i ~ Normal(20, 12).
type COBAConfig struct {
	// NExc and NInh are the population sizes.
	NExc, NInh int
	// P is the connection probability.
	P float64
	// Dt is the time step in seconds.
	Dt float64
	// Decay is how the time constants become decays: exact (leaky's
	// default) or euler (Brian2's arithmetic; see the engine package doc).
	Decay engine.Decay
	// Seed keys connectivity and the initial state.
	Seed uint64
}

// DefaultCOBA returns benchmark 1: 3200 + 800 neurons, p = 0.02, dt =
// 0.1 ms, the exact decays.
func DefaultCOBA() COBAConfig {
	return COBAConfig{NExc: 3200, NInh: 800, P: 0.02, Dt: 0.1e-3, Seed: 1}
}

// COBANeuron returns the COBA neuron in leaky's parameters: receptor 0
// excitatory, 1 inhibitory, reset to V_r and a refractory period of
// round(5 ms / dt) steps.
func COBANeuron(dt float64, decay engine.Decay) engine.NeuronParams {
	return engine.NeuronParams{
		Kind: engine.KindCOBA, Decay: decay, Dt: dt, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
		ERev: []float64{0, -80}, VLeak: -60, Threshold: -50, VReset: -60,
		Reset: kernels.ResetZero, Refractory: int(5e-3/dt + 0.5),
	}
}

// COBA weights: conductance increments in units of the leak conductance.
const (
	COBAWeightExc = 6.0 / 10
	COBAWeightInh = 67.0 / 10
)

// COBA is a built COBA network and handles to its parts.
type COBA[T engine.Float] struct {
	// Net is the network; Exc and Inh its populations, stepped in that order.
	Net      *engine.Network[T]
	Exc, Inh *engine.Population[T]
	// Projections are exc→exc, exc→inh, inh→exc, inh→inh, in that order.
	Projections []*engine.Sparse[T]
}

// NewCOBA builds the network of cfg. The streams (population i's V and
// conductances drawn with stream i, projection k connected with stream k)
// are those the network-file builder uses for examples/coba.yaml, so both
// give the same network bit for bit.
func NewCOBA[T engine.Float](cfg COBAConfig) (*COBA[T], error) {
	c, err := newExcInh("coba", excInh[T]{
		nExc: cfg.NExc, nInh: cfg.NInh, p: cfg.P, seed: cfg.Seed, neuron: COBANeuron(cfg.Dt, cfg.Decay),
		wExc: COBAWeightExc, wInh: COBAWeightInh,
		init: func(i int, pop *engine.Population[T]) error {
			if err := pop.InitV(engine.Normal(-65, 5), cfg.Seed, uint64(i), 0); err != nil {
				return err
			}
			if err := pop.InitCurrent(0, engine.Normal(4, 1.5), cfg.Seed, uint64(i), 0); err != nil {
				return err
			}
			return pop.InitCurrent(1, engine.Normal(20, 12), cfg.Seed, uint64(i), 0)
		},
	})
	if err != nil {
		return nil, err
	}
	return (*COBA[T])(c), nil
}
