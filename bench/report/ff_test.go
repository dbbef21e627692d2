package main

import (
	"bytes"
	"strings"
	"testing"

	"leaky/bench/suite"
)

// TestFFRatios: the workload-d table pairs BenchmarkFF's simulation time
// with NumPy's best mode, takes medians over the runs, judges the weight
// rows' rate against the read ceiling of the largest working set and the
// whole process against 0.6 s at 2 threads, and is left out when NumPy's
// side is missing.
func TestFFRatios(t *testing.T) {
	dir := t.TempDir()
	lines := `cpu: AMD EPYC
BenchmarkFF/n=200000/threads=1-2         	       5	 100000000 ns/op	2000000000 neuron-steps/s	        20.00 weight-GB/s
BenchmarkFF/n=200000/threads=1-2         	       5	 120000000 ns/op	1666666666 neuron-steps/s	        18.00 weight-GB/s
BenchmarkFF/n=200000/threads=1-2         	       5	  80000000 ns/op	2500000000 neuron-steps/s	        25.00 weight-GB/s
BenchmarkFF/n=200000/threads=2-2         	       5	  50000000 ns/op	4000000000 neuron-steps/s	        40.00 weight-GB/s
BenchmarkFF/n=10000/threads=1-2          	       5	   1000000 ns/op	1000000000 neuron-steps/s	         9.00 weight-GB/s
numpy ff mode=rows n=200000 inputs=1000 steps=1000 numpy=1.24.2 best_s=0.5000 median_s=0.5100 rate_hz=2.936
numpy ff mode=best n=200000 inputs=1000 steps=1000 numpy=1.24.2 best_s=0.5000 median_s=0.5100 rate_hz=2.936
numpy ff mode=best n=200000 inputs=1000 steps=1000 numpy=1.24.2 best_s=0.4000 median_s=0.5100 rate_hz=2.936
numpy ff mode=best n=200000 inputs=1000 steps=1000 numpy=1.24.2 best_s=1.5000 median_s=0.5100 rate_hz=2.936
leaky run workload=d threads=1 process_s=0.7000 sim_s=0.1000 setup_s=0.4000
leaky run workload=d threads=2 process_s=0.5000 sim_s=0.0800 setup_s=0.2500
leaky run workload=d threads=2 process_s=0.7000 sim_s=0.0800 setup_s=0.2700
`
	p := writeResults(t, dir, "results.txt", lines)
	res := &suite.Result{Figures: []suite.Figure{
		{Section: "ceiling", Name: "read-avx2", WorkingSet: 256 << 20, Stats: suite.Stats{Max: 30e9}},
		{Section: "ceiling", Name: "read-avx512", WorkingSet: 256 << 20, Stats: suite.Stats{Max: 25e9}},
		{Section: "ceiling", Name: "read-avx512", WorkingSet: 16 << 20, Stats: suite.Stats{Max: 100e9}},
		{Section: "kernel", Name: "read-avx512", WorkingSet: 1 << 30, Stats: suite.Stats{Max: 1e12}},
	}}
	var w bytes.Buffer
	ffRatios(&w, res, []string{p})
	out := w.String()
	// 1 thread: median 0.1 s against NumPy's median best 0.5 s; 20 GB/s of
	// the 30 GB/s ceiling at 256 MiB; 2 threads' process: median 0.6 s.
	wantAll(t, out,
		"## Big populations",
		"NumPy 1.24.2",
		"(256 MiB: 30.0 GB/s)",
		"| workload d simulation, 1 thread(s) | 0.1000 s | NumPy 0.5000 s (1 thread) | 5.00× | ≥ 10× | **no** |",
		"| workload d simulation, 2 thread(s) | 0.0500 s | NumPy 0.5000 s (1 thread) | 10.00× | — | — |",
		"| weight rows read, 1 thread | 20.0 GB/s | read ceiling 30.0 GB/s | 67% | ≥ 80% | **no** |",
		"| `leaky run` workload d, whole process, 1 thread(s) (setup 0.400 s) | 0.700 s | — | — | — | — |",
		"| `leaky run` workload d, whole process, 2 thread(s) (setup 0.260 s) | 0.600 s | — | — | ≤ 0.6 s | yes |",
	)
	if strings.Contains(out, "9.00") || strings.Contains(out, "0.0010") {
		t.Errorf("the n=10000 benchmark was read as workload d:\n%s", out)
	}

	// Only leaky's side measured: no table.
	q := writeResults(t, dir, "leaky-only.txt", strings.Split(lines, "numpy ff")[0])
	var none bytes.Buffer
	ffRatios(&none, res, []string{q})
	if none.Len() != 0 {
		t.Errorf("a table without NumPy figures:\n%s", none.String())
	}
}
