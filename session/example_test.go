package session_test

import (
	"context"
	"fmt"
	"os"

	"leaky/netfile"
	"leaky/session"
)

// Example runs the seed notebook's network — 100 Poisson inputs at 5 Hz
// onto 50 LIF neurons through the notebook's weights — from Go, as leaky
// run does: the outputs, summary.json and figure.png go to a directory.
func Example() {
	dir, err := os.MkdirTemp("", "leaky-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	dt, steps, batch := 0.5e-3, 2000, 1
	neuron := 0
	d := &netfile.File{
		Run:         netfile.Run{Dt: &dt, Steps: &steps, Batch: &batch, Seed: 1},
		Sources:     []netfile.Source{{Name: "input", Poisson: &netfile.Poisson{Size: 100, Rate: 5}}},
		Populations: []netfile.Population{{Name: "lif", Size: 50, Params: netfile.Params{TauMem: netfile.Num(10e-3), TauSyn: netfile.Num(5e-3), VThreshold: netfile.Num(1)}}},
		Projections: []netfile.Projection{{Source: "input", Target: "lif", Type: "dense", Weight: &netfile.Weight{Notebook: true}}},
		Recorders:   []netfile.Recorder{{Population: "lif", Vars: []string{"spikes", "v"}}},
		Figure:      &netfile.Figure{Population: "lif", Neuron: &neuron},
	}
	s, err := session.Run(context.Background(), d, session.Options{Out: dir, Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Files)
	fmt.Printf("%d steps, %d spikes of %s\n", s.StepReached, s.Populations[0].Spikes, s.Populations[0].Name)
	// Output:
	// [spikes_lif.npy v_lif.npy figure.png summary.json]
	// 2000 steps, 181 spikes of lif
}
