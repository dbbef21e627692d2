package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"leaky/engine"
	"leaky/kernels"
	"leaky/netfile"
)

// sameBitsThreads are the thread counts every workload is checked at: one,
// this machine's two, and counts that split populations unevenly and into
// more workers than cores.
var sameBitsThreads = []int{1, 2, 3, 7}

// sameBitsWorkload is a network to check, built afresh for every kernel and
// thread count, and how many steps to run it.
type sameBitsWorkload struct {
	name  string
	steps int
	build func() (*engine.Network[float32], error)
}

// feedForward builds the feed-forward workload of cfg as a network.
func feedForward(cfg netfile.FeedForward) func() (*engine.Network[float32], error) {
	return func() (*engine.Network[float32], error) {
		ff, err := netfile.BuildFeedForward[float32](cfg)
		if err != nil {
			return nil, err
		}
		return ff.Net, nil
	}
}

// sameBitsWorkloads are issue 5's workloads: the seed notebook's neuron, a
// large feed-forward population with stored weights (split by neurons, and
// with two trials) and with procedural weights at 10^6 neurons, CUBA at its
// own size (one piece) and ten times larger (split, so the sparse scatter
// runs per range), COBA likewise, and SHD (split by trial).
func sameBitsWorkloads() []sameBitsWorkload {
	seed := netfile.DefaultFeedForward()
	seed.Neurons, seed.Seed = 1, 1
	dense := netfile.DefaultFeedForward()
	dense.Batch, dense.Inputs, dense.Neurons, dense.Rate, dense.Seed = 2, 100, 100000, 40, 5
	procedural := netfile.DefaultFeedForward()
	procedural.Inputs, procedural.Neurons, procedural.Rate, procedural.Seed = 1000, 1000000, 5, 3
	procedural.Procedural = true
	bigCUBA := DefaultCUBA()
	bigCUBA.NExc, bigCUBA.NInh, bigCUBA.P = 32000, 8000, 0.002
	shd := DefaultSHD()
	shd.Batch, shd.Steps = 64, 40
	bigCOBA := DefaultCOBA()
	bigCOBA.NExc, bigCOBA.NInh, bigCOBA.P = 32000, 8000, 0.002
	coba := func(cfg COBAConfig) func() (*engine.Network[float32], error) {
		return func() (*engine.Network[float32], error) {
			c, err := NewCOBA[float32](cfg)
			if err != nil {
				return nil, err
			}
			return c.Net, nil
		}
	}
	cuba := func(cfg CUBAConfig) func() (*engine.Network[float32], error) {
		return func() (*engine.Network[float32], error) {
			c, err := NewCUBA[float32](cfg)
			if err != nil {
				return nil, err
			}
			return c.Net, nil
		}
	}
	return []sameBitsWorkload{
		{"seed", 5000, feedForward(seed)},
		{"ff/dense/batch=2/n=100000", 60, feedForward(dense)},
		{"ff/procedural/n=1000000", 24, feedForward(procedural)},
		{"cuba/n=4000", 1500, cuba(DefaultCUBA())},
		{"cuba/n=40000", 300, cuba(bigCUBA)},
		{"coba/n=4000", 1500, coba(DefaultCOBA())},
		{"coba/n=40000", 300, coba(bigCOBA)},
		{"shd/batch=64", shd.Steps, func() (*engine.Network[float32], error) {
			s, err := NewSHD[float32](shd, [3][]float32{})
			if err != nil {
				return nil, err
			}
			return s.Net, nil
		}},
	}
}

// sameBitsRun builds w, runs it with kernel impl on threads threads, and
// returns the spikes of each population and the network's final state.
func sameBitsRun(t *testing.T, w sameBitsWorkload, impl string, threads int) ([][]int64, []engine.StateVar) {
	t.Helper()
	if err := kernels.Use(impl); err != nil {
		t.Fatal(err)
	}
	net, err := w.build()
	if err != nil {
		t.Fatal(err)
	}
	var recs []*engine.SpikeRecorder[float32]
	for _, p := range net.Populations() {
		r := engine.NewSpikeRecorder(p)
		net.AddRecorder(r)
		recs = append(recs, r)
	}
	net.SetThreads(threads)
	defer net.Close()
	if err := net.Run(context.Background(), w.steps, nil); err != nil {
		t.Fatal(err)
	}
	spikes := make([][]int64, len(recs))
	for i, r := range recs {
		spikes[i] = r.Events
	}
	return spikes, net.StateVars()
}

// TestWorkloadsSameBits runs every workload of sameBitsWorkloads with every
// kernel this CPU has at 1, 2, 3 and 7 threads, and requires each run's
// spikes (every population) and final state (every population's V, I, Iin,
// spike mask and counters, every source's and projection's state) to equal,
// bit for bit, those of the generic kernel on one thread.
func TestWorkloadsSameBits(t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	for _, w := range sameBitsWorkloads() {
		t.Run(w.name, func(t *testing.T) {
			var wantSpikes [][]int64
			var wantState []engine.StateVar
			for _, impl := range kernels.Available() {
				for _, th := range sameBitsThreads {
					gotSpikes, gotState := sameBitsRun(t, w, impl.Name, th)
					run := fmt.Sprintf("%s on %d threads", impl.Name, th)
					if wantSpikes == nil {
						// The reference: generic (Available lists it
						// first) on one thread. A run without spikes
						// would compare nothing but the leak.
						if impl.Name != "generic" || th != 1 {
							t.Fatalf("reference run is %s", run)
						}
						total := 0
						for _, s := range gotSpikes {
							total += len(s)
						}
						if total == 0 {
							t.Fatalf("%s: no population spiked in %d steps; the comparison would prove little", run, w.steps)
						}
						wantSpikes, wantState = gotSpikes, gotState
						continue
					}
					for i := range wantSpikes {
						if !slices.Equal(gotSpikes[i], wantSpikes[i]) {
							t.Errorf("%s: spikes of population %d differ from generic on 1 thread (%d against %d events)", run, i, len(gotSpikes[i]), len(wantSpikes[i]))
						}
					}
					if err := engine.SameState(gotState, wantState); err != nil {
						t.Errorf("%s: final state differs from generic on 1 thread: %v", run, err)
					}
				}
			}
		})
	}
}
