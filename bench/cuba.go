package bench

import (
	"fmt"

	"leaky/engine"
	"leaky/kernels"
)

// CUBAConfig describes the Vogels–Abbott current-based benchmark network as
// in Brian2's CUBA example: NExc excitatory and NInh inhibitory neurons,
// every pair connected with probability P, τ_m = 20 ms, τ_e = 5 ms, τ_i =
// 10 ms, V_t = −50 mV, V_r = −60 mV, E_l = −49 mV, 5 ms refractory period,
// w_e = 60·0.27/10 mV, w_i = −20·4.5/10 mV, dt = 0.1 ms and initial V
// uniform in [V_r, V_t). Voltages are in mV.
type CUBAConfig struct {
	// NExc and NInh are the population sizes.
	NExc, NInh int
	// P is the connection probability.
	P float64
	// Dt is the time step in seconds.
	Dt float64
	// Seed keys connectivity and initial potentials.
	Seed uint64
}

// DefaultCUBA returns Brian2's CUBA example: 3200 + 800 neurons, p = 0.02,
// dt = 0.1 ms.
func DefaultCUBA() CUBAConfig {
	return CUBAConfig{NExc: 3200, NInh: 800, P: 0.02, Dt: 0.1e-3, Seed: 1}
}

// CUBANeuron returns the CUBA neuron in leaky's parameters: the NIR form
// (ScaleLeak, r = 1) with receptor 0 excitatory (τ_e) and 1 inhibitory (τ_i),
// reset to V_r and a refractory period of round(5 ms / dt) steps.
func CUBANeuron(dt float64) engine.NeuronParams {
	return engine.NeuronParams{
		Kind: engine.KindLIF, Dt: dt, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
		R: 1, Scale: engine.ScaleLeak, VLeak: -49, Threshold: -50, VReset: -60,
		Reset: kernels.ResetZero, Refractory: int(5e-3/dt + 0.5),
	}
}

// CUBA weights in mV.
const (
	CUBAWeightExc = 60 * 0.27 / 10
	CUBAWeightInh = -20 * 4.5 / 10
)

// CUBA is a built CUBA network and handles to its parts.
type CUBA[T engine.Float] struct {
	// Net is the network; Exc and Inh its populations, stepped in that order.
	Net      *engine.Network[T]
	Exc, Inh *engine.Population[T]
	// Projections are exc→exc, exc→inh, inh→exc, inh→inh, in that order.
	Projections []*engine.Sparse[T]
}

// NewCUBA builds the network of cfg. The streams (population i initialised
// with stream i, projection k connected with stream k) are those the
// network-file builder uses for examples/cuba.yaml, so both give the same
// network bit for bit.
func NewCUBA[T engine.Float](cfg CUBAConfig) (*CUBA[T], error) {
	np := CUBANeuron(cfg.Dt)
	exc, err := engine.NewPopulation[T]("exc", 1, cfg.NExc, np)
	if err != nil {
		return nil, err
	}
	inh, err := engine.NewPopulation[T]("inh", 1, cfg.NInh, np)
	if err != nil {
		return nil, err
	}
	c := &CUBA[T]{Net: engine.NewNetwork[T](), Exc: exc, Inh: inh}
	for i, p := range []*engine.Population[T]{exc, inh} {
		if err := p.InitV(engine.Uniform(np.VReset, np.Threshold), cfg.Seed, uint64(i), 0); err != nil {
			return nil, err
		}
		c.Net.AddPopulation(p)
	}
	for k, pr := range []struct {
		name     string
		pre      *engine.Population[T]
		post     *engine.Population[T]
		w        float64
		sign     engine.Sign
		receptor int
	}{
		{"exc->exc", exc, exc, CUBAWeightExc, engine.SignExcitatory, 0},
		{"exc->inh", exc, inh, CUBAWeightExc, engine.SignExcitatory, 0},
		{"inh->exc", inh, exc, CUBAWeightInh, engine.SignInhibitory, 1},
		{"inh->inh", inh, inh, CUBAWeightInh, engine.SignInhibitory, 1},
	} {
		sp, err := engine.NewRandomSparse(pr.name, pr.pre, pr.post, engine.RandomSparse{
			P: cfg.P, Weight: engine.Const(pr.w), Sign: pr.sign, Receptor: pr.receptor,
			Seed: cfg.Seed, Stream: uint64(k),
		})
		if err != nil {
			return nil, fmt.Errorf("cuba: %w", err)
		}
		if err := c.Net.AddProjection(sp); err != nil {
			return nil, err
		}
		c.Projections = append(c.Projections, sp)
	}
	return c, nil
}
