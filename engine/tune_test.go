package engine

import (
	"testing"

	"leaky/kernels"
)

// excInhNet builds a Vogels–Abbott-shaped network of 3200 + 800 neurons of
// the CUBA benchmark's kind (two receptors, refractory) with 2% sparse
// connectivity: small phases, the ones the tuner decides about.
func excInhNet(t *testing.T) *Network[float32] {
	t.Helper()
	np := NeuronParams{
		Kind: KindLIF, Dt: 0.1e-3, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
		R: 1, Scale: ScaleLeak, VLeak: -49, Threshold: -50, VReset: -60,
		Reset: kernels.ResetZero, Refractory: 50,
	}
	exc, err := NewPopulation[float32]("exc", 1, 3200, np)
	if err != nil {
		t.Fatal(err)
	}
	inh, err := NewPopulation[float32]("inh", 1, 800, np)
	if err != nil {
		t.Fatal(err)
	}
	net := NewNetwork[float32]()
	for i, p := range []*Population[float32]{exc, inh} {
		if err := p.InitV(Uniform(-60, -50), 1, uint64(i)); err != nil {
			t.Fatal(err)
		}
		net.AddPopulation(p)
	}
	for k, c := range []struct {
		pre, post *Population[float32]
		w         float64
		sign      Sign
		receptor  int
	}{
		{exc, exc, 1.62, SignExcitatory, 0}, {exc, inh, 1.62, SignExcitatory, 0},
		{inh, exc, -9, SignInhibitory, 1}, {inh, inh, -9, SignInhibitory, 1},
	} {
		sp, err := NewRandomSparse("p", c.pre, c.post, RandomSparse{P: 0.02, Weight: Const(c.w), Sign: c.sign, Receptor: c.receptor, Seed: 1, Stream: uint64(k)})
		if err != nil {
			t.Fatal(err)
		}
		if err := net.AddProjection(sp); err != nil {
			t.Fatal(err)
		}
	}
	return net
}

// TestSmallPhasesSplitSameBits runs the 4000-neuron network on one thread,
// on two with its small phases always split (the tuner bypassed), always
// serial, and as the tuner chooses, and requires the same spikes and final
// state from all four. At two threads the excitatory population is split:
// the test fails if it is not, as it would then compare nothing new.
func TestSmallPhasesSplitSameBits(t *testing.T) {
	const steps = 1200
	run := func(threads int, way string) ([]int64, []StateVar) {
		net := excInhNet(t)
		rec := NewSpikeRecorder(net.Populations()[0])
		net.AddRecorder(rec)
		net.SetThreads(threads)
		defer net.Close()
		net.prepare()
		if threads > 1 {
			if !net.phases[0].small || net.tune == nil {
				t.Fatalf("%d threads: the excitatory population is not a small split phase (%d workers)", threads, net.phases[0].workers)
			}
			switch way {
			case "split":
				for _, ph := range net.phases {
					ph.small = false
				}
			case "serial":
				net.tune.period = 1 << 30
				net.tune.step = trialBlock * trialBlocks
				net.tune.serial = true
			}
		}
		if err := net.Run(nil, steps, nil); err != nil {
			t.Fatal(err)
		}
		return rec.Events, net.StateVars()
	}
	wantSpikes, wantState := run(1, "")
	if len(wantSpikes) == 0 {
		t.Fatal("no spikes in the reference run; the comparison would prove little")
	}
	for _, way := range []string{"split", "serial", "tuned"} {
		spikes, state := run(2, way)
		if len(spikes) != len(wantSpikes) {
			t.Errorf("%s: %d spike events, one thread %d", way, len(spikes)/3, len(wantSpikes)/3)
		}
		for i := range min(len(spikes), len(wantSpikes)) {
			if spikes[i] != wantSpikes[i] {
				t.Errorf("%s: spike event value %d differs from one thread's", way, i)
				break
			}
		}
		if err := SameState(state, wantState); err != nil {
			t.Errorf("%s: final state differs from one thread's: %v", way, err)
		}
	}
}
