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
	c, err := newExcInh("cuba", excInh[T]{
		nExc: cfg.NExc, nInh: cfg.NInh, p: cfg.P, seed: cfg.Seed, neuron: np,
		wExc: CUBAWeightExc, wInh: CUBAWeightInh, signExc: engine.SignExcitatory, signInh: engine.SignInhibitory,
		init: func(i int, pop *engine.Population[T]) error {
			return pop.InitV(engine.Uniform(np.VReset, np.Threshold), cfg.Seed, uint64(i), 0)
		},
	})
	if err != nil {
		return nil, err
	}
	return (*CUBA[T])(c), nil
}

// excInh describes the Vogels–Abbott networks' shape, which CUBA and COBA
// share: nExc excitatory and nInh inhibitory neurons of one kind, every
// pair connected with probability p, excitatory synapses of weight wExc
// (signed by signExc) onto receptor 0 and inhibitory ones of weight wInh
// (signInh) onto receptor 1; init sets population i's initial state (exc
// 0, inh 1).
type excInh[T engine.Float] struct {
	nExc, nInh       int
	p                float64
	seed             uint64
	neuron           engine.NeuronParams
	wExc, wInh       float64
	signExc, signInh engine.Sign
	init             func(i int, pop *engine.Population[T]) error
}

// excInhNet is a built excInh network: CUBA and COBA are this type.
type excInhNet[T engine.Float] struct {
	Net         *engine.Network[T]
	Exc, Inh    *engine.Population[T]
	Projections []*engine.Sparse[T]
}

// newExcInh builds the network of cfg with the streams of the network-file
// builder: population i initialised with stream i, projection k (exc→exc,
// exc→inh, inh→exc, inh→inh) connected with stream k.
func newExcInh[T engine.Float](name string, cfg excInh[T]) (*excInhNet[T], error) {
	exc, err := engine.NewPopulation[T]("exc", 1, cfg.nExc, cfg.neuron)
	if err != nil {
		return nil, err
	}
	inh, err := engine.NewPopulation[T]("inh", 1, cfg.nInh, cfg.neuron)
	if err != nil {
		return nil, err
	}
	c := &excInhNet[T]{Net: engine.NewNetwork[T](), Exc: exc, Inh: inh}
	for i, p := range []*engine.Population[T]{exc, inh} {
		if err := cfg.init(i, p); err != nil {
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
		{"exc->exc", exc, exc, cfg.wExc, cfg.signExc, 0},
		{"exc->inh", exc, inh, cfg.wExc, cfg.signExc, 0},
		{"inh->exc", inh, exc, cfg.wInh, cfg.signInh, 1},
		{"inh->inh", inh, inh, cfg.wInh, cfg.signInh, 1},
	} {
		sp, err := engine.NewRandomSparse(pr.name, pr.pre, pr.post, engine.RandomSparse{
			P: cfg.p, Weight: engine.Const(pr.w), Sign: pr.sign, Receptor: pr.receptor,
			Seed: cfg.seed, Stream: uint64(k),
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := c.Net.AddProjection(sp); err != nil {
			return nil, err
		}
		c.Projections = append(c.Projections, sp)
	}
	return c, nil
}
