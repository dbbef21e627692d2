package main

import (
	"bytes"
	"testing"

	"leaky/bench/suite"
)

// TestWriteSpeedups: each row of the thread table is judged against its own
// target — 1.8× for the scaling workload from 10^5 neurons, no slow-down
// below it and for ff, 1.6× for CUBA and COBA — and a workload the run did
// not measure is said to be so.
func TestWriteSpeedups(t *testing.T) {
	r := &suite.Result{Config: suite.Config{Threads: 2}, Speedups: []suite.Speedup{
		{Workload: "scale", N: 1e4, Unit: "neuron-steps/s", One: 1e9, All: 0.96e9, Speedup: 0.96, Machine: 1.98},
		{Workload: "scale", N: 1e5, Unit: "neuron-steps/s", One: 1e9, All: 1.7e9, Speedup: 1.7, Machine: 1.98},
		{Workload: "ff", N: 1e4, Unit: "neuron-steps/s", One: 2e9, All: 1.8e9, Speedup: 0.9, Machine: 1.98, MachineRead: 1.12},
		{Workload: "cuba", N: 4000, Unit: "neuron-steps/s", One: 3e9, All: 5e9, Speedup: 1.65, Machine: 1.98},
		{Workload: "coba", N: 4000, Unit: "neuron-steps/s", One: 2e9, All: 2e9, Speedup: 1.0, Machine: 1.98},
	}}
	var w bytes.Buffer
	writeSpeedups(&w, r)
	wantAll(t, w.String(),
		"| scale | 10000 | 1.00 G neuron-steps/s | 960 M neuron-steps/s | 0.960× | 1.98× | — | 48% | no slow-down (≥ 0.95×) | yes |",
		"| scale | 100000 | 1.00 G neuron-steps/s | 1.70 G neuron-steps/s | 1.700× | 1.98× | — | 86% | ≥ 1.8× | **no** |",
		"| ff | 10000 | 2.00 G neuron-steps/s | 1.80 G neuron-steps/s | 0.900× | 1.98× | 1.12× | 45% | no slow-down (≥ 0.95×) | **no** |",
		"| ff | 200000 | — | — | not measured (--quick or filtered) | — | — | — | no slow-down (≥ 0.95×) | — |",
		"| cuba | 4000 | 3.00 G neuron-steps/s | 5.00 G neuron-steps/s | 1.650× | 1.98× | — | 83% | ≥ 1.6× (issue 16) | yes |",
		"| coba | 4000 | 2.00 G neuron-steps/s | 2.00 G neuron-steps/s | 1.000× | 1.98× | — | 51% | ≥ 1.6× (issue 16) | **no** |",
	)
}

// TestWriteCobaRoofs: the CUBA and COBA kernels at 4000 neurons are judged
// at 85% of their roof, other sizes and implementations left out.
func TestWriteCobaRoofs(t *testing.T) {
	fig := func(name, impl string, n int, median, roof float64) suite.Figure {
		return suite.Figure{Section: suite.SectionKernel, Name: name, Impl: impl, N: n, Unit: "neuron-steps/s", Stats: suite.Stats{Median: median}, Roof: roof}
	}
	r := &suite.Result{Figures: []suite.Figure{
		fig("CubaUpdate", "avx512", 4000, 8.6e9, 10e9),
		fig("CubaUpdate", "avx2", 4000, 8.4e9, 10e9),
		fig("CubaUpdate", "avx512", 100000, 1e9, 10e9),
		fig("CobaUpdate", "generic", 4000, 1e9, 10e9),
		fig("CobaUpdate", "avx512", 4000, 9e9, 10e9),
	}}
	var w bytes.Buffer
	writeCobaRoofs(&w, r)
	out := w.String()
	wantAll(t, out,
		"| CubaUpdate | avx2 | 4000 | 8.40 G neuron-steps/s | 10.0 G neuron-steps/s | 84% | ≥ 85% | **no** |",
		"| CubaUpdate | avx512 | 4000 | 8.60 G neuron-steps/s | 10.0 G neuron-steps/s | 86% | ≥ 85% | yes |",
		"| CobaUpdate | avx512 | 4000 | 9.00 G neuron-steps/s | 10.0 G neuron-steps/s | 90% | ≥ 85% | yes |",
	)
	if bytes.Contains(w.Bytes(), []byte("generic")) || bytes.Contains(w.Bytes(), []byte("100000")) {
		t.Errorf("a row of another size or implementation:\n%s", out)
	}
	var none bytes.Buffer
	writeCobaRoofs(&none, &suite.Result{})
	if none.Len() != 0 {
		t.Errorf("a table without figures:\n%s", none.String())
	}
}
