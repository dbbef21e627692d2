package suite

import (
	"fmt"

	"leaky/bench"
	"leaky/engine"
)

// The benchmark networks of package bench join the workloads through the
// extraWorkloads hook, with the figures their communities quote: CUBA's
// and COBA's real-time factor and spike rate, and SHD's samples per second.
func init() {
	extraWorkloads = append(extraWorkloads, cubaWorkload(), cobaWorkload(), shdWorkload())
}

// cubaWorkload is Brian2's CUBA example (4000 neurons, p = 0.02, dt =
// 0.1 ms), measured in its steady state of about 5.6 Hz, after the
// warm-up; see realTimeWorkload.
func cubaWorkload() func(threads int) item {
	cfg := bench.DefaultCUBA()
	return realTimeWorkload("cuba", cfg.NExc+cfg.NInh, cfg.Dt, func() (*engine.Network[float32], error) {
		c, err := bench.NewCUBA[float32](cfg)
		if err != nil {
			return nil, err
		}
		return c.Net, nil
	})
}

// cobaWorkload is benchmark 1 of Brette et al. 2007, COBA (4000
// conductance-based neurons, p = 0.02, dt = 0.1 ms), measured in its
// self-sustained state of about 19 Hz, after the warm-up; see
// realTimeWorkload.
func cobaWorkload() func(threads int) item {
	cfg := bench.DefaultCOBA()
	return realTimeWorkload("coba", cfg.NExc+cfg.NInh, cfg.Dt, func() (*engine.Network[float32], error) {
		c, err := bench.NewCOBA[float32](cfg)
		if err != nil {
			return nil, err
		}
		return c.Net, nil
	})
}

// realTimeWorkload is a recurrent network of n neurons stepped by dt,
// 0.1 simulated seconds per iteration, in neuron-steps/s like the other
// populations; its real-time factor (wall seconds per simulated second)
// and spikes/s are filled in by netItem.
func realTimeWorkload(name string, n int, dt float64, build func() (*engine.Network[float32], error)) func(threads int) item {
	// A tenth of a simulated second per iteration: long enough to average
	// over the network's fluctuations, short enough to calibrate finely.
	steps := int(0.1/dt + 0.5)
	spec := netSpec{name: name, n: n, unit: "neuron-steps/s", perIter: float64(n * steps), stepsPerIter: steps}
	return perItem(spec, func() (built, error) {
		net, err := build()
		if err != nil {
			return built{}, fmt.Errorf("%s: %w", name, err)
		}
		return built{net: net, dt: dt, neurons: n}, nil
	})
}

// shdWorkload is the SHD classifier at inference (batch 256 of 700 Poisson
// inputs → 200 recurrent LIF → 20 LI), one sample length (100 steps) of the
// whole batch per iteration, in samples/s. Like BenchmarkSHD and a
// classifier's inference, every batch starts from rest: the network's
// state is restored (timed) before each 100 steps. Left running, the
// untrained recurrent layer would climb to a few hundred Hz, which is not
// what a sample costs.
func shdWorkload() func(threads int) item {
	cfg := bench.DefaultSHD()
	spec := netSpec{name: "shd", n: cfg.Batch * (cfg.Hidden + cfg.Outputs),
		shape: fmt.Sprintf("batch=%d/steps=%d", cfg.Batch, cfg.Steps),
		unit:  "samples/s", perIter: float64(cfg.Batch), stepsPerIter: cfg.Steps, fromRest: true}
	return perItem(spec, func() (built, error) {
		s, err := bench.NewSHD[float32](cfg, [3][]float32{})
		if err != nil {
			return built{}, fmt.Errorf("shd: %w", err)
		}
		return built{net: s.Net, dt: cfg.Dt, neurons: spec.n}, nil
	})
}

// perItem returns the extraWorkloads entry for spec. Each thread count's
// item builds its own network: both networks take milliseconds to build,
// and the warm-up before the timed repetitions steps past the start-up
// transient.
func perItem(spec netSpec, build func() (built, error)) func(threads int) item {
	return func(threads int) item { return netItem(spec, threads, build) }
}
