package suite

import (
	"fmt"

	"leaky/engine"
	"leaky/netfile"
)

// Workload sizes. The feed-forward workloads are those of BENCHMARKS.md
// and `leaky run`: 1000 Poisson inputs at 5 Hz onto N neurons with stored
// dense weights. The scaling workloads are the same network with
// procedural weights (regenerated, not stored), which is what lets
// N = 10^7 fit in memory; they give the thread speed-ups.
var (
	ffSizes         = []int{1e4, 2e5}
	scaleSizes      = []int{1e4, 1e5, 1e6, 1e7}
	quickScaleSizes = []int{1e4, 1e6}
)

const (
	// scaleSteps is one iteration of a scaling workload, and
	// scaleWarmup the steps run before its snapshot, so the membrane
	// is charged and firing when the timed steps begin.
	scaleSteps  = 32
	scaleWarmup = 20
	ffInputs    = 1000
	ffRate      = 5.0
	// singleSteps is one run of the seed notebook's single neuron.
	singleSteps = 5000
)

// planWorkloads lists the end-to-end items at one thread and at threads.
func planWorkloads(quick bool, threads int) []item {
	counts := []int{1}
	if threads > 1 {
		counts = append(counts, threads)
	}
	scale := scaleSizes
	if quick {
		scale = quickScaleSizes
	}
	var out []item
	single := shareBuild(buildSingle, len(counts))
	for _, th := range counts {
		out = append(out, netItem(netSpec{name: "single", n: 1, unit: "steps/s", perIter: singleSteps, stepsPerIter: singleSteps}, th, single))
	}
	for _, n := range ffSizes {
		ff := shareBuild(buildFF(n), len(counts))
		for _, th := range counts {
			it := netItem(neuronSteps("ff", n), th, ff)
			it.bandwidth = true
			out = append(out, it)
		}
	}
	for _, n := range scaleSizes {
		if !contains(scale, n) {
			continue
		}
		sc := shareBuild(buildScale(n), len(counts))
		for _, th := range counts {
			spec := neuronSteps("scale", n)
			// An iteration is scaleSteps steps: the input of one step
			// is a handful of Poisson spikes, so a repetition of a step
			// or two could time a step with none (only the update) and
			// not the regenerated weights that make the workload.
			spec.perIter, spec.stepsPerIter = float64(n)*scaleSteps, scaleSteps
			out = append(out, netItem(spec, th, sc))
		}
	}
	for _, w := range extraWorkloads {
		for _, th := range counts {
			out = append(out, w(th))
		}
	}
	return out
}

// netSpec describes a workload figure: its name, its size n (neurons) and
// shape (default "n=<n>"), the unit of its rate, and how many units and how
// many network steps one timed iteration is.
type netSpec struct {
	name, shape, unit string
	n                 int
	perIter           float64
	stepsPerIter      int
	// fromRest makes every iteration start from the built network's
	// state (timed, as a new batch's zeroed state is part of its cost):
	// a sample of a classifier is its first steps from rest, not a
	// stretch of a network left running.
	fromRest bool
}

// neuronSteps is the spec of a population of n neurons timed one step per
// iteration, in neuron-steps/s.
func neuronSteps(name string, n int) netSpec {
	return netSpec{name: name, n: n, unit: "neuron-steps/s", perIter: float64(n), stepsPerIter: 1}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// extraWorkloads are workloads defined next to their builders (cuba, coba, shd),
// each returning its item for a thread count.
var extraWorkloads []func(threads int) item

// shareBuild lets the items of one network at several thread counts build
// it once: building the 2·10^5-neuron network draws 2·10^8 weights, which
// takes longer than measuring it. The network is built on the first call and
// dropped after uses calls, so its memory is freed once the last item is
// done. Stepping on from where the previous item stopped is harmless: the
// network is in steady state either way.
func shareBuild(build func() (built, error), uses int) func() (built, error) {
	var b built
	var err error
	calls := 0
	return func() (built, error) {
		if calls == 0 {
			b, err = build()
			if err == nil {
				// One snapshot for every thread count, so that all of
				// them replay exactly the same steps.
				b.snap = takeSnapshot(b.net)
			}
		}
		out, outErr := b, err
		calls++
		if calls == uses {
			b, err, calls = built{}, nil, 0
		}
		return out, outErr
	}
}

// built is a network ready to be timed: net steps it, dt is its time step in
// seconds and neurons the number of neurons a step advances.
type built struct {
	net     *engine.Network[float32]
	dt      float64
	neurons int
	// snap is the state every timed repetition starts from.
	snap *snapshot
}

// snapshot is a copy of a network's whole state (what a checkpoint holds).
// Restoring it before each repetition makes every repetition, at every
// thread count, step through the same steps from the same state: the
// Poisson input is keyed by step, so the work is identical, and a speed-up
// is a ratio of equal amounts of work rather than of two stretches of a
// random input whose spike count per step varies by ±60%.
type snapshot struct {
	net  *engine.Network[float32]
	vars []engine.StateVar
}

func takeSnapshot(net *engine.Network[float32]) *snapshot {
	vars, err := engine.CloneState(net.StateVars())
	if err != nil {
		// Every StateVar a constructor made can be cloned; this is a
		// zero one, a bug in the engine's StateVars.
		panic("snapshot: " + err.Error())
	}
	return &snapshot{net: net, vars: vars}
}

// restore copies the snapshot back into the network.
func (s *snapshot) restore() {
	if err := engine.CopyState(s.net.StateVars(), s.vars); err != nil {
		// The snapshot was taken from this very network.
		panic("snapshot: " + err.Error())
	}
	s.net.Restored()
}

// netItem times steps of the network build makes: each iteration is
// spec.stepsPerIter steps worth spec.perIter units of spec.unit. Its
// real-time factor is wall seconds per simulated second, and its spike rate
// the spikes of all its populations per wall second (spikes per step, over
// every step the item ran, times the median steps per second).
func netItem(spec netSpec, threads int, build func() (built, error)) item {
	shape := spec.shape
	if shape == "" {
		shape = fmt.Sprintf("n=%d", spec.n)
	}
	id := fmt.Sprintf("%s/%s/%s/threads=%d", SectionWorkload, spec.name, shape, threads)
	var (
		net            *engine.Network[float32]
		snap           *snapshot
		dt             float64
		ran, ranSpikes int64
	)
	spikes := func() int64 {
		var s int64
		for _, p := range net.Populations() {
			s += p.SpikeCount()
		}
		return s
	}
	return item{
		fig:     Figure{ID: id, Section: SectionWorkload, Name: spec.name, N: spec.n, Shape: shape, Threads: threads, Unit: spec.unit},
		perIter: spec.perIter,
		setup: func() (func(int), func(), error) {
			b, err := build()
			if err != nil {
				return nil, nil, err
			}
			net, dt = b.net, b.dt
			if b.snap == nil {
				b.snap = takeSnapshot(b.net)
			}
			snap = b.snap
			ran, ranSpikes = 0, 0
			b.net.SetThreads(threads)
			run := func(iters int) {
				chunks, steps := 1, iters*spec.stepsPerIter
				if spec.fromRest {
					chunks, steps = iters, spec.stepsPerIter
				}
				for range chunks {
					if spec.fromRest {
						snap.restore()
					}
					s0 := spikes()
					// A built network has no error path left when run
					// without a context; a failure here is a bug in
					// the engine.
					if err := b.net.Run(nil, steps, nil); err != nil {
						panic(fmt.Sprintf("workload %s: %v", id, err))
					}
					ran += int64(steps)
					ranSpikes += spikes() - s0
				}
			}
			return run, b.net.Close, nil
		},
		// Both thread counts of a shared network alternate, so each
		// repetition sets its own thread count back, untimed.
		rewind: func() {
			net.SetThreads(threads)
			snap.restore()
		},
		finish: func(f *Figure) {
			stepsPerSec := f.Median / spec.perIter * float64(spec.stepsPerIter)
			if stepsPerSec > 0 && dt > 0 {
				f.RealTimeFactor = 1 / (stepsPerSec * dt)
			}
			if ran > 0 {
				f.SpikesPerSecond = float64(ranSpikes) / float64(ran) * stepsPerSec
			}
			f.WorkingSet = 0
			net, snap = nil, nil
		},
	}
}

func buildSingle() (built, error) {
	cfg := netfile.DefaultFeedForward()
	cfg.Neurons, cfg.Seed = 1, 1
	ff, err := netfile.BuildFeedForward[float32](cfg)
	if err != nil {
		return built{}, err
	}
	return built{net: ff.Net, dt: cfg.Dt, neurons: 1}, nil
}

func buildFF(n int) func() (built, error) {
	return func() (built, error) {
		cfg := netfile.DefaultFeedForward()
		cfg.Inputs, cfg.Neurons, cfg.Rate, cfg.Seed = ffInputs, n, ffRate, 1
		ff, err := netfile.BuildFeedForward[float32](cfg)
		if err != nil {
			return built{}, err
		}
		return built{net: ff.Net, dt: cfg.Dt, neurons: n}, nil
	}
}

func buildScale(n int) func() (built, error) {
	return func() (built, error) {
		p := engine.DefaultNeuron()
		src, err := engine.NewPoisson[float32]("input", 1, ffInputs, ffRate, p.Dt, 1, 0)
		if err != nil {
			return built{}, err
		}
		pop, err := engine.NewPopulation[float32]("lif", 1, n, p)
		if err != nil {
			return built{}, err
		}
		proj, err := engine.NewProcedural[float32]("input->lif", src, pop, engine.DefaultWeightScale(p.Beta(), ffInputs), 1, 0)
		if err != nil {
			return built{}, err
		}
		net := engine.NewNetwork[float32]()
		net.AddSource(src)
		net.AddPopulation(pop)
		if err := net.AddProjection(proj); err != nil {
			return built{}, err
		}
		net.SetThreads(0)
		err = net.Run(nil, scaleWarmup, nil)
		net.Close()
		if err != nil {
			return built{}, err
		}
		return built{net: net, dt: p.Dt, neurons: n}, nil
	}
}
