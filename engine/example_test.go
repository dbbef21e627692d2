package engine_test

import (
	"context"
	"fmt"
	"log"

	"leaky/engine"
)

// Example runs the seed notebook's workload on 1000 neurons over two trials
// in float32, recording the spikes and one neuron's membrane potential.
func Example() {
	cfg := engine.DefaultFeedForward() // dt 0.5 ms, τ_mem 10 ms, τ_syn 5 ms, θ 1
	cfg.Neurons, cfg.Batch, cfg.Seed = 1000, 2, 42
	ff, err := engine.NewFeedForward[float32](cfg, nil, nil) // Poisson inputs, default weights
	if err != nil {
		log.Fatal(err)
	}
	defer ff.Net.Close()

	spikes := engine.NewSpikeRecorder(ff.Pop)
	v, err := engine.NewTrace(ff.Pop, engine.VarV, []int{0})
	if err != nil {
		log.Fatal(err)
	}
	ff.Net.AddRecorder(spikes)
	ff.Net.AddRecorder(v)

	if err := ff.Net.Run(context.Background(), 2000, nil); err != nil {
		log.Fatal(err)
	}
	seconds := float64(2000) * cfg.Neuron.Dt
	fmt.Printf("%d spikes, %.2f Hz per neuron\n", len(spikes.Events)/3, float64(len(spikes.Events)/3)/(seconds*1000*2))
	fmt.Printf("V of neuron 0 in trial 0 recorded at %d steps\n", v.Steps)
	// Output:
	// 6186 spikes, 3.09 Hz per neuron
	// V of neuron 0 in trial 0 recorded at 2000 steps
}
