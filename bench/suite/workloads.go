package suite

import (
	"fmt"

	"leaky/engine"
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
	ffInputs = 1000
	ffRate   = 5.0
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
		out = append(out, netItem("single", 1, th, "steps/s", singleSteps, single))
	}
	for _, n := range ffSizes {
		ff := shareBuild(buildFF(n), len(counts))
		for _, th := range counts {
			out = append(out, netItem("ff", n, th, "neuron-steps/s", 1, ff))
		}
	}
	for _, n := range scaleSizes {
		if !contains(scale, n) {
			continue
		}
		sc := shareBuild(buildScale(n), len(counts))
		for _, th := range counts {
			out = append(out, netItem("scale", n, th, "neuron-steps/s", 1, sc))
		}
	}
	for _, w := range extraWorkloads {
		for _, th := range counts {
			out = append(out, w(th))
		}
	}
	return out
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// extraWorkloads are workloads defined next to their builders (cuba, shd),
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
}

// netItem times steps of the network build makes: each iteration is
// stepsPerIter steps, and the rate is reported in unit — steps/s, or
// neuron-steps/s (steps × n). Its real-time factor is simulated seconds per
// wall second.
func netItem(name string, n, threads int, unit string, stepsPerIter int, build func() (built, error)) item {
	shape := fmt.Sprintf("n=%d", n)
	id := fmt.Sprintf("%s/%s/%s/threads=%d", SectionWorkload, name, shape, threads)
	perIter := float64(stepsPerIter)
	if unit == "neuron-steps/s" {
		perIter *= float64(n)
	}
	var dt float64
	return item{
		fig:     Figure{ID: id, Section: SectionWorkload, Name: name, N: n, Shape: shape, Threads: threads, Unit: unit},
		perIter: perIter,
		setup: func() (func(int), func(), error) {
			b, err := build()
			if err != nil {
				return nil, nil, err
			}
			dt = b.dt
			b.net.SetThreads(threads)
			run := func(iters int) {
				// A Poisson-driven network has no error path once
				// built; a failure here is a bug in the engine.
				if err := b.net.Run(nil, iters*stepsPerIter, nil); err != nil {
					panic(fmt.Sprintf("workload %s: %v", id, err))
				}
			}
			return run, b.net.Close, nil
		},
		finish: func(f *Figure) {
			steps := f.Median
			if unit == "neuron-steps/s" {
				steps /= float64(n)
			}
			f.RealTimeFactor = steps * dt
			f.WorkingSet = 0
		},
	}
}

func buildSingle() (built, error) {
	cfg := engine.DefaultFeedForward()
	cfg.Seed = 1
	ff, err := engine.NewFeedForward[float32](cfg, nil, nil)
	if err != nil {
		return built{}, err
	}
	return built{net: ff.Net, dt: cfg.Params.Dt, neurons: 1}, nil
}

func buildFF(n int) func() (built, error) {
	return func() (built, error) {
		cfg := engine.DefaultFeedForward()
		cfg.Inputs, cfg.Neurons, cfg.Rate, cfg.Seed = ffInputs, n, ffRate, 1
		ff, err := engine.NewFeedForward[float32](cfg, nil, nil)
		if err != nil {
			return built{}, err
		}
		return built{net: ff.Net, dt: cfg.Params.Dt, neurons: n}, nil
	}
}

func buildScale(n int) func() (built, error) {
	return func() (built, error) {
		p := engine.DefaultParams()
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
		return built{net: net, dt: p.Dt, neurons: n}, nil
	}
}
