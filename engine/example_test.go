package engine_test

import (
	"context"
	"fmt"
	"log"

	"leaky/engine"
)

// Example builds the seed notebook's network from the engine's parts — 100
// Poisson inputs at 5 Hz projecting densely through the notebook's weights
// onto 1000 LIF neurons, two trials, float32 — and records the spikes and
// one neuron's membrane potential. (session.Run runs a description the way
// leaky run does, with files, checkpoints and a summary.)
func Example() {
	const batch, nIn, n, steps = 2, 100, 1000, 2000
	neuron := engine.DefaultNeuron() // dt 0.5 ms, τ_mem 10 ms, τ_syn 5 ms, θ 1
	input, err := engine.NewPoisson[float32]("input", batch, nIn, 5, neuron.Dt, 42, 0)
	if err != nil {
		log.Fatal(err)
	}
	pop, err := engine.NewPopulation[float32]("lif", batch, n, neuron)
	if err != nil {
		log.Fatal(err)
	}
	w := make([]float32, nIn*n)
	engine.NormalWeights(w, nIn, n, engine.DefaultWeightScale(neuron.Beta(), nIn), 42, 0, 0)
	proj, err := engine.NewDense("input->lif", input, pop, w)
	if err != nil {
		log.Fatal(err)
	}
	net := engine.NewNetwork[float32]()
	net.AddSource(input)
	net.AddPopulation(pop)
	if err := net.AddProjection(proj); err != nil {
		log.Fatal(err)
	}
	defer net.Close()

	spikes := engine.NewSpikeRecorder(pop)
	v, err := engine.NewTrace(pop, engine.VarV, []int{0})
	if err != nil {
		log.Fatal(err)
	}
	net.AddRecorder(spikes)
	net.AddRecorder(v)

	if err := net.Run(context.Background(), steps, nil); err != nil {
		log.Fatal(err)
	}
	seconds := float64(steps) * neuron.Dt
	fmt.Printf("%d spikes, %.2f Hz per neuron\n", len(spikes.Events)/3, float64(len(spikes.Events)/3)/(seconds*n*batch))
	fmt.Printf("V of neuron 0 in trial 0 recorded at %d steps\n", v.Steps)
	// Output:
	// 6380 spikes, 3.19 Hz per neuron
	// V of neuron 0 in trial 0 recorded at 2000 steps
}
