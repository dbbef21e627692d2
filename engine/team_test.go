package engine_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"leaky/bench"
	"leaky/engine"
	"leaky/kernels"
)

// teamCase is a network that steps as a team on more than one thread, and
// how many steps to run it.
type teamCase struct {
	name  string
	steps int
	build func() (*engine.Network[float32], error)
}

// delayNet is a network with a Poisson source and delays over batch
// trials: the source drives a with and without delay, a drives b after two
// steps, b inhibits a after one and a excites itself.
func delayNet(batch int) (*engine.Network[float32], error) {
	src, err := engine.NewPoisson[float32]("in", batch, 200, 40, 0.5e-3, 7, 0)
	if err != nil {
		return nil, err
	}
	a, err := engine.NewPopulation[float32]("a", batch, 1500, engine.DefaultNeuron())
	if err != nil {
		return nil, err
	}
	b, err := engine.NewPopulation[float32]("b", batch, 700, engine.DefaultNeuron())
	if err != nil {
		return nil, err
	}
	net := engine.NewNetwork[float32]()
	net.AddSource(src)
	net.AddPopulation(a)
	net.AddPopulation(b)
	for k, c := range []struct {
		name  string
		pre   engine.Presynaptic[float32]
		post  *engine.Population[float32]
		p, w  float64
		sign  engine.Sign
		delay int
	}{
		{"in->a", src, a, 0.2, 0.004, engine.SignExcitatory, 0},
		{"in->a/late", src, a, 0.1, 0.004, engine.SignExcitatory, 3},
		{"a->b", a, b, 0.05, 0.003, engine.SignExcitatory, 2},
		{"b->a", b, a, 0.05, 0.01, engine.SignInhibitory, 1},
		{"a->a", a, a, 0.01, 0.003, engine.SignExcitatory, 0},
	} {
		pr, err := engine.NewRandomSparse(c.name, c.pre, c.post, engine.RandomSparse{
			P: c.p, Weight: engine.Normal(c.w, c.w/4), Sign: c.sign, Delay: c.delay, Seed: 3, Stream: uint64(k),
		})
		if err != nil {
			return nil, err
		}
		if err := net.AddProjection(pr); err != nil {
			return nil, err
		}
	}
	return net, nil
}

func teamCases() []teamCase {
	return []teamCase{
		{"cuba", 1200, func() (*engine.Network[float32], error) {
			c, err := bench.NewCUBA[float32](bench.DefaultCUBA())
			if err != nil {
				return nil, err
			}
			return c.Net, nil
		}},
		{"coba", 1200, func() (*engine.Network[float32], error) {
			c, err := bench.NewCOBA[float32](bench.DefaultCOBA())
			if err != nil {
				return nil, err
			}
			return c.Net, nil
		}},
		{"delays/batch=1", 300, func() (*engine.Network[float32], error) { return delayNet(1) }},
		{"delays/batch=3", 300, func() (*engine.Network[float32], error) { return delayNet(3) }},
	}
}

// teamRun is what a run leaves: every population's spikes (from a spike
// recorder) and V and I traces of a few neurons, its spike counts, and the
// network's state.
type teamRun struct {
	spikes [][]int64
	traces [][]float32
	counts []int64
	state  []engine.StateVar
}

// runTeamCase builds c, adds its recorders, and runs it on threads
// threads: whole, or interrupted after half the steps and resumed, from a
// checkpoint of its state, in a network built afresh. A resumed run's
// recorders hold what they recorded after the checkpoint. away sends the
// team away (SendTeamAway) after the first steps.
func runTeamCase(t *testing.T, c teamCase, threads int, interrupt, away bool) teamRun {
	t.Helper()
	build := func() (*engine.Network[float32], []*engine.SpikeRecorder[float32], []*engine.Trace[float32]) {
		net, err := c.build()
		if err != nil {
			t.Fatal(err)
		}
		var srs []*engine.SpikeRecorder[float32]
		var trs []*engine.Trace[float32]
		for _, p := range net.Populations() {
			sr := engine.NewSpikeRecorder(p)
			net.AddRecorder(sr)
			srs = append(srs, sr)
			for _, v := range []engine.Var{engine.VarV, engine.VarI} {
				tr, err := engine.NewTrace(p, v, []int{0, 63, 64, p.N - 1})
				if err != nil {
					t.Fatal(err)
				}
				net.AddRecorder(tr)
				trs = append(trs, tr)
			}
		}
		net.SetThreads(threads)
		return net, srs, trs
	}
	net, srs, trs := build()
	defer func() { net.Close() }()
	if threads > 1 && !net.StepsAsTeam() {
		t.Fatalf("%s on %d threads does not step as a team", c.name, threads)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	half := c.steps / 2
	progress := func(done int) {
		if done == 10 && away {
			engine.SendTeamAway(net)
		}
		if done == half && interrupt {
			cancel()
		}
	}
	err := net.Run(ctx, c.steps, progress)
	if interrupt {
		if !errors.Is(err, engine.ErrInterrupted) || net.StepIndex() != half {
			t.Fatalf("interrupted run: %v at step %d, want ErrInterrupted at %d", err, net.StepIndex(), half)
		}
		saved, cerr := engine.CloneState(net.StateVars())
		if cerr != nil {
			t.Fatal(cerr)
		}
		net.Close()
		net, srs, trs = build()
		if cerr := engine.CopyState(net.StateVars(), saved); cerr != nil {
			t.Fatal(cerr)
		}
		net.Restored()
		err = net.Run(context.Background(), c.steps-half, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	out := teamRun{state: net.StateVars()}
	for _, sr := range srs {
		out.spikes = append(out.spikes, sr.Events)
	}
	for _, tr := range trs {
		out.traces = append(out.traces, tr.Data)
	}
	for _, p := range net.Populations() {
		out.counts = append(out.counts, p.SpikeCount())
	}
	return out
}

// after returns the spike triples of steps from t on.
func after(events []int64, t int) []int64 {
	for k := 0; k < len(events); k += 3 {
		if events[k] >= int64(t) {
			return events[k:]
		}
	}
	return nil
}

// TestTeamSameBits runs CUBA, COBA and a network with a source and delays
// (batch 1 and 3) as a team of 2 and of 3 (GOMAXPROCS raised to 3 on a
// smaller machine, where the lockstep must neither hang nor crawl), whole,
// interrupted and resumed from a checkpoint, and with the team sent away
// mid-run, with every kernel this CPU has, and requires each run's spikes,
// traces, spike counts and final state to equal those of the generic
// kernel on one thread, bit for bit.
func TestTeamSameBits(t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	if runtime.GOMAXPROCS(0) < 3 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	}
	for _, c := range teamCases() {
		t.Run(c.name, func(t *testing.T) {
			if err := kernels.Use("generic"); err != nil {
				t.Fatal(err)
			}
			want := runTeamCase(t, c, 1, false, false)
			total := 0
			for _, s := range want.spikes {
				total += len(s) / 3
				if len(s) == 0 {
					t.Fatalf("a population never spiked in %d steps; the comparison would prove little", c.steps)
				}
			}
			for _, impl := range kernels.Available() {
				if err := kernels.Use(impl.Name); err != nil {
					t.Fatal(err)
				}
				for _, threads := range []int{2, 3} {
					for _, mode := range []struct {
						name            string
						interrupt, away bool
					}{{"whole", false, false}, {"resumed", true, false}, {"away", false, true}} {
						run := fmt.Sprintf("%s on %d threads, %s", impl.Name, threads, mode.name)
						got := runTeamCase(t, c, threads, mode.interrupt, mode.away)
						from := 0
						if mode.interrupt {
							from = c.steps / 2
						}
						for i := range want.spikes {
							if w := after(want.spikes[i], from); !slices.Equal(got.spikes[i], w) {
								t.Errorf("%s: spikes of population %d differ from generic on 1 thread (%d against %d events)", run, i, len(got.spikes[i]), len(w))
							}
						}
						for i := range want.traces {
							w := want.traces[i]
							w = w[len(w)-len(got.traces[i]):]
							if !slices.Equal(got.traces[i], w) {
								t.Errorf("%s: trace %d differs from generic on 1 thread", run, i)
							}
						}
						if !slices.Equal(got.counts, want.counts) {
							t.Errorf("%s: spike counts %v, generic on 1 thread %v", run, got.counts, want.counts)
						}
						if err := engine.SameState(got.state, want.state); err != nil {
							t.Errorf("%s: final state differs from generic on 1 thread: %v", run, err)
						}
					}
				}
			}
			t.Logf("%d spikes in %d steps", total, c.steps)
		})
	}
}
