package engine_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"leaky/engine"
	"leaky/kernels"
)

// The CUBA and COBA kernels consume their input: they leave every
// receptor's Iin zero, and phase 2 adds the next step's input without
// clearing it first (Population.ConsumesInput). These tests hold the two
// promises that makes: recorders still see exactly the step's input, and a
// checkpoint whose Iin is not zero — one written before the change, which
// held the last step's input — resumes to the same bits.

// consumedCases are a CUBA and a COBA population, both on the kernels'
// path, fed without delays so that no ring delivers into Iin.
func consumedCases() map[string]engine.NeuronParams {
	return map[string]engine.NeuronParams{
		"cuba": {Kind: engine.KindLIF, Dt: 1e-4, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
			R: 1, Scale: engine.ScaleLeak, VLeak: -49, Threshold: -50, VReset: -60, Reset: kernels.ResetZero, Refractory: 50},
		"coba": cobaNeuron(),
	}
}

// consumedNet builds population np of n neurons × batch fed by binary
// inputs x through one sparse projection per receptor, without delays,
// with weights multiples of 1/8 so that every sum of them is exact.
func consumedNet[T engine.Float](t *testing.T, np engine.NeuronParams, x []float64, steps, batch, nIn, n int) (*engine.Network[T], *engine.Population[T], *engine.Trace[T], []refProj) {
	rng := rand.New(rand.NewPCG(21, 22))
	projs := eighthsProjections(rng, len(np.TauSyn), 700, nIn, n, 0)
	v0 := make([]T, batch*n)
	for i := range v0 {
		v0[i] = T(np.VReset + rng.Float64()*(np.Threshold-np.VReset+4))
	}
	net, pop, _, _ := buildGeneral(t, np, n, steps, batch, nIn, x, projs, v0)
	tr, err := engine.NewTrace(pop, engine.VarIin, nil)
	if err != nil {
		t.Fatal(err)
	}
	net.AddRecorder(tr)
	return net, pop, tr, projs
}

func consumedInputs(steps, batch, nIn int) []float64 {
	rng := rand.New(rand.NewPCG(23, 24))
	x := make([]float64, steps*batch*nIn)
	for i := range x {
		if rng.Float64() < 0.15 {
			x[i] = 1
		}
	}
	return x
}

// TestConsumedInputRecorded records Iin of a CUBA and a COBA population
// step by step and requires it to be exactly the step's input, Σ w over
// the synapses whose input fired at that step, never the sum with an
// earlier step's; and Iin to be zero between steps.
func TestConsumedInputRecorded(t *testing.T) {
	const steps, batch, nIn, n = 120, 2, 30, 90
	x := consumedInputs(steps, batch, nIn)
	for name, np := range consumedCases() {
		t.Run(name, func(t *testing.T) {
			net, pop, tr, projs := consumedNet[float32](t, np, x, steps, batch, nIn, n)
			if err := net.Run(context.Background(), steps, nil); err != nil {
				t.Fatal(err)
			}
			nonzero := 0
			for s := range steps {
				for b := range batch {
					want := make([]float64, n)
					for _, syn := range projs[0].syn {
						if x[(s*batch+b)*nIn+syn.pre] == 1 {
							want[syn.post] += syn.w
						}
					}
					for i, w := range want {
						if got := tr.Data[(s*batch+b)*n+i]; float64(got) != w {
							t.Fatalf("Iin at step %d, trial %d, neuron %d = %v, want the step's input %v", s, b, i, got, w)
						}
						if w != 0 {
							nonzero++
						}
					}
				}
			}
			if nonzero == 0 {
				t.Fatal("no input at all: the trace proves nothing")
			}
			for k := range pop.Receptors() {
				for i, v := range pop.Input(k) {
					if v != 0 {
						t.Fatalf("Iin of receptor %d, index %d, is %v between steps, want 0", k, i, v)
					}
				}
			}
		})
	}
}

// TestConsumedInputResume saves the state of a CUBA and a COBA network
// halfway, runs on, then restores the saved state with Iin overwritten by
// non-zero values (as a checkpoint written before the kernels consumed
// their input holds) and runs the second half again: V, currents, spikes
// and counters must come out the same, bit for bit.
func TestConsumedInputResume(t *testing.T) {
	const steps, batch, nIn, n = 160, 2, 30, 90
	x := consumedInputs(steps, batch, nIn)
	for name, np := range consumedCases() {
		t.Run(name, func(t *testing.T) {
			net, pop, _, _ := consumedNet[float64](t, np, x, steps, batch, nIn, n)
			if err := net.Run(context.Background(), steps/2, nil); err != nil {
				t.Fatal(err)
			}
			saved, err := engine.CloneState(net.StateVars())
			if err != nil {
				t.Fatal(err)
			}
			if err := net.Run(context.Background(), steps-steps/2, nil); err != nil {
				t.Fatal(err)
			}
			if pop.SpikeCount() == 0 {
				t.Fatal("no spikes: the comparison would prove little")
			}
			want, err := engine.CloneState(net.StateVars())
			if err != nil {
				t.Fatal(err)
			}
			if err := engine.CopyState(net.StateVars(), saved); err != nil {
				t.Fatal(err)
			}
			for k := range pop.Receptors() {
				for b := range batch {
					row := pop.Row(pop.Input(k), b)
					for i := range row {
						row[i] = 0.5 + float64(i%7)
					}
				}
			}
			net.Restored()
			if err := net.Run(context.Background(), steps-steps/2, nil); err != nil {
				t.Fatal(err)
			}
			if err := engine.SameState(net.StateVars(), want); err != nil {
				t.Fatalf("resumed from a state with non-zero Iin: %v", err)
			}
		})
	}
}
