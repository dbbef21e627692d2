package bench

import (
	"fmt"
	"math"

	"leaky/engine"
	"leaky/internal/hugepage"
	"leaky/kernels"
)

// SHDConfig describes an SHD-style classifier at inference, the network of
// Zenke's SpyTorch SHD tutorial: Inputs Poisson inputs firing at InputRate, a recurrent hidden layer of Hidden seed
// LIF neurons and a readout of Outputs leaky integrators, over Batch
// samples of Steps steps.
type SHDConfig struct {
	// Batch, Steps, Inputs, Hidden and Outputs size the run.
	Batch, Steps, Inputs, Hidden, Outputs int
	// Dt is the time step in seconds; TauMem and TauSyn the time constants
	// of both layers.
	Dt, TauMem, TauSyn float64
	// InputRate is the inputs' Poisson rate in Hz (15 Hz: active in 1.5%
	// of 1 ms steps).
	InputRate float64
	// WeightScale sets the random weights: Normal(0, WeightScale/√n_in)
	// for every projection, SpyTorch's initialisation. The default 0.4 is
	// twice SpyTorch's 0.2, so that the untrained hidden layer fires at
	// about 15 Hz instead of staying almost silent.
	WeightScale float64
	// Seed keys the inputs and weights.
	Seed uint64
}

// DefaultSHD returns the benchmark's configuration: 700 inputs at 1.5% per
// step → 200 recurrent LIF → 20 LI, batch 256, 100 steps of 1 ms, τ_mem
// 10 ms and τ_syn 5 ms.
func DefaultSHD() SHDConfig {
	return SHDConfig{Batch: 256, Steps: 100, Inputs: 700, Hidden: 200, Outputs: 20,
		Dt: 1e-3, TauMem: 10e-3, TauSyn: 5e-3, InputRate: 15, WeightScale: 0.4, Seed: 1}
}

// SHD is a built SHD network and handles to its parts.
type SHD[T engine.Float] struct {
	// Net is the network.
	Net *engine.Network[T]
	// Input is the Poisson source, Hidden the recurrent layer, Readout the
	// LI layer.
	Input           *engine.Poisson[T]
	Hidden, Readout *engine.Population[T]
	// In, Rec and Out are input→hidden, hidden→hidden and hidden→readout.
	In, Rec, Out *engine.Dense[T]
}

// NewSHD builds the network of cfg with random weights, each dense
// projection Normal(0, WeightScale/√n_in) as in SpyTorch (projection k
// drawn with stream k), unless weights supplies them: input→hidden,
// hidden→hidden and hidden→readout, row-major n_in × n_out.
func NewSHD[T engine.Float](cfg SHDConfig, weights [3][]T) (*SHD[T], error) {
	lif := engine.SeedNeuron(cfg.Dt, cfg.TauMem, cfg.TauSyn, 1, kernels.ResetSubtract)
	li := lif
	li.Kind = engine.KindLI
	in, err := engine.NewPoisson[T]("input", cfg.Batch, cfg.Inputs, cfg.InputRate, cfg.Dt, cfg.Seed, 0)
	if err != nil {
		return nil, err
	}
	hidden, err := engine.NewPopulation[T]("hidden", cfg.Batch, cfg.Hidden, lif)
	if err != nil {
		return nil, err
	}
	readout, err := engine.NewPopulation[T]("readout", cfg.Batch, cfg.Outputs, li)
	if err != nil {
		return nil, err
	}
	s := &SHD[T]{Net: engine.NewNetwork[T](), Input: in, Hidden: hidden, Readout: readout}
	s.Net.AddSource(in)
	s.Net.AddPopulation(hidden)
	s.Net.AddPopulation(readout)
	links := []struct {
		name string
		pre  engine.Presynaptic[T]
		post *engine.Population[T]
		dst  **engine.Dense[T]
	}{
		{"input->hidden", in, hidden, &s.In},
		{"hidden->hidden", hidden, hidden, &s.Rec},
		{"hidden->readout", hidden, readout, &s.Out},
	}
	for k, l := range links {
		w := weights[k]
		if w == nil {
			w = hugepage.Make[T](l.pre.Size() * l.post.N)
			std := cfg.WeightScale / math.Sqrt(float64(l.pre.Size()))
			if err := engine.FillWeights(w, l.pre.Size(), l.post.N, engine.Normal(0, std), engine.SignAsGiven, cfg.Seed, uint64(k), 0); err != nil {
				return nil, err
			}
		}
		d, err := engine.NewDense(l.name, l.pre, l.post, w)
		if err != nil {
			return nil, fmt.Errorf("shd: %w", err)
		}
		if err := s.Net.AddProjection(d); err != nil {
			return nil, err
		}
		*l.dst = d
	}
	return s, nil
}
