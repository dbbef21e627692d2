package engine_test

import (
	"fmt"

	"leaky/engine"
)

// FeedForwardConfig describes the seed notebook's workload for the engine's
// own tests: one source of Inputs inputs projecting densely onto one
// population of Neurons neurons, over Batch trials, built from the engine's
// parts directly (runs go through netfile.FeedForward; this is the second,
// independent construction the tests compare against).
type FeedForwardConfig struct {
	// Neuron is the neuron model.
	Neuron engine.NeuronParams
	// Batch, Inputs and Neurons size the network.
	Batch, Inputs, Neurons int
	// Rate is the Poisson input rate in Hz, used when no input array is given.
	Rate float64
	// Seed keys the Poisson input and the default weights.
	Seed uint64
	// ProceduralWeights regenerates the default weights whenever an input
	// spikes instead of storing Inputs × Neurons values (see Procedural).
	// Results are bit-identical; memory drops from O(Inputs·Neurons) to
	// O(Neurons). It needs spiking input and no explicit weights.
	ProceduralWeights bool
}

// DefaultFeedForward returns the seed notebook's configuration: 100 Poisson
// inputs at 5 Hz onto one neuron (the CLI defaults to 1000), one trial.
func DefaultFeedForward() FeedForwardConfig {
	return FeedForwardConfig{Neuron: engine.DefaultNeuron(), Batch: 1, Inputs: 100, Neurons: 1, Rate: 5}
}

// FeedForward is a built feed-forward network and handles to its parts.
type FeedForward[T engine.Float] struct {
	// Net is the network to run.
	Net *engine.Network[T]
	// Input is the source, Proj the projection (a *Dense or, with
	// ProceduralWeights, a *Procedural), Pop the population.
	Input engine.Source[T]
	Proj  engine.Projection[T]
	Pop   *engine.Population[T]
}

// NewFeedForward builds the workload of cfg. input replaces the Poisson
// source when not nil (its size and batch then override cfg's), and weights
// (Inputs × Neurons, row-major) replace the default Normal(0,
// 7(1−β)/√n_in) weights when not nil.
func NewFeedForward[T engine.Float](cfg FeedForwardConfig, input engine.Source[T], weights []T) (*FeedForward[T], error) {
	if err := cfg.Neuron.Validate(); err != nil {
		return nil, err
	}
	if input != nil {
		cfg.Inputs, cfg.Batch = input.Size(), input.BatchSize()
	}
	if cfg.Inputs < 1 {
		return nil, fmt.Errorf("inputs must be at least 1, got %d", cfg.Inputs)
	}
	if cfg.Neurons < 1 {
		return nil, fmt.Errorf("neurons must be at least 1, got %d", cfg.Neurons)
	}
	if cfg.Batch < 1 {
		return nil, fmt.Errorf("batch must be at least 1, got %d", cfg.Batch)
	}
	if input == nil {
		p, err := engine.NewPoisson[T]("input", cfg.Batch, cfg.Inputs, cfg.Rate, cfg.Neuron.Dt, cfg.Seed, 0)
		if err != nil {
			return nil, err
		}
		input = p
	}
	if cfg.ProceduralWeights && weights != nil {
		return nil, fmt.Errorf("procedural weights are generated from the seed; they cannot be combined with explicit weights")
	}
	if weights == nil && !cfg.ProceduralWeights {
		if cfg.Inputs > (1<<31-1)/cfg.Neurons {
			return nil, fmt.Errorf("%d inputs × %d neurons is too many weights to address", cfg.Inputs, cfg.Neurons)
		}
		weights = make([]T, cfg.Inputs*cfg.Neurons)
		engine.NormalWeights(weights, cfg.Inputs, cfg.Neurons, engine.DefaultWeightScale(cfg.Neuron.Beta(), cfg.Inputs), cfg.Seed, 0, 0)
	}
	pop, err := engine.NewPopulation[T]("lif", cfg.Batch, cfg.Neurons, cfg.Neuron)
	if err != nil {
		return nil, err
	}
	var proj engine.Projection[T]
	if cfg.ProceduralWeights {
		proj, err = engine.NewProcedural[T]("input->lif", input, pop, engine.DefaultWeightScale(cfg.Neuron.Beta(), cfg.Inputs), cfg.Seed, 0)
	} else {
		proj, err = engine.NewDense[T]("input->lif", input, pop, weights)
	}
	if err != nil {
		return nil, err
	}
	net := engine.NewNetwork[T]()
	net.AddSource(input)
	net.AddPopulation(pop)
	if err := net.AddProjection(proj); err != nil {
		return nil, err
	}
	return &FeedForward[T]{Net: net, Input: input, Proj: proj, Pop: pop}, nil
}
