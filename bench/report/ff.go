package main

import (
	"bytes"
	"fmt"
	"strings"

	"leaky/bench/suite"
)

// ffRatios writes issue 17's "Big populations" table from bench/peers/run.sh's
// workload-d section: leaky's simulation of workload d (BenchmarkFF at
// n=200000, 1000 steps) against NumPy's best mode (numpy_ff.py, the faster of
// its two ways in each repetition, best repetition of each run), the weight
// rows it reads per second against the read ceiling of the suite's largest
// working set, and `leaky run`'s whole process for workload d. Figures are
// medians over the runs in the files; the table is left out when leaky's
// or NumPy's side is missing.
func ffRatios(w *bytes.Buffer, r *suite.Result, files []string) {
	sim := map[string][]float64{}
	gbs := map[string][]float64{}
	var numpy []float64
	numpyVersion := ""
	process := map[string][]float64{}
	setup := map[string][]float64{}
	for _, line := range peerLines(files) {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "BenchmarkFF/n=200000/threads="):
			th := strings.TrimPrefix(strings.SplitN(f[0], "-", 2)[0], "BenchmarkFF/n=200000/threads=")
			if ns, ok := before(f, "ns/op"); ok {
				sim[th] = append(sim[th], ns/1e9)
			}
			if v, ok := before(f, "weight-GB/s"); ok {
				gbs[th] = append(gbs[th], v)
			}
		case strings.HasPrefix(line, "numpy ff mode=best "):
			if v, ok := field(f, "best_s="); ok {
				numpy = append(numpy, v)
			}
			numpyVersion, _ = fieldString(f, "numpy=")
		case strings.HasPrefix(line, "leaky run workload=d "):
			th, _ := fieldString(f, "threads=")
			if v, ok := field(f, "process_s="); ok {
				process[th] = append(process[th], v)
			}
			if v, ok := field(f, "setup_s="); ok {
				setup[th] = append(setup[th], v)
			}
		}
	}
	if len(sim) == 0 || len(numpy) == 0 {
		return
	}
	np := median(numpy)
	roof, ws := readRoof(r)
	fmt.Fprintln(w, "## Big populations")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Issue 17's targets, from bench/peers/run.sh on this machine: workload d (1000 Poisson inputs at 5 Hz onto 2·10^5")
	fmt.Fprintln(w, "neurons, stored float32 weights, 1000 steps of 0.5 ms) simulated by leaky (BenchmarkFF, spikes streamed) against")
	fmt.Fprintf(w, "NumPy %s's best mode (bench/peers/numpy_ff.py: per step the spiking inputs' weight rows summed, or one SciPy\n", numpyVersion)
	fmt.Fprintln(w, "sparse × dense product for all steps and then the scan; the faster of the two, best of 3 per run) in the same")
	fmt.Fprintln(w, "sitting, ≥ 10×; the weight rows its input spikes select, read at ≥ 80% of the best read ceiling `leaky bench`")
	fmt.Fprintf(w, "measured at its largest working set (%d MiB: %.1f GB/s); and `leaky run` for workload d as a whole process\n", ws>>20, roof/1e9)
	fmt.Fprintln(w, "(setup, simulation, files) ≤ 0.6 s on 2 threads. Medians over the runs in the file.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | leaky | reference | ratio | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---|")
	for _, th := range []string{"1", "2"} {
		if len(sim[th]) == 0 {
			continue
		}
		l := median(sim[th])
		target, met := "—", "—"
		if th == "1" {
			target, met = "≥ 10×", yes(np/l >= 10)
		}
		fmt.Fprintf(w, "| workload d simulation, %s thread(s) | %.4f s | NumPy %.4f s (1 thread) | %.2f× | %s | %s |\n", th, l, np, np/l, target, met)
	}
	if g := gbs["1"]; len(g) > 0 && roof > 0 {
		v := median(g) * 1e9
		fmt.Fprintf(w, "| weight rows read, 1 thread | %.1f GB/s | read ceiling %.1f GB/s | %.0f%% | ≥ 80%% | %s |\n", v/1e9, roof/1e9, 100*v/roof, yes(v >= 0.8*roof))
	}
	for _, th := range []string{"1", "2"} {
		if len(process[th]) == 0 {
			continue
		}
		target, met := "—", "—"
		if th == "2" {
			target, met = "≤ 0.6 s", yes(median(process[th]) <= 0.6)
		}
		fmt.Fprintf(w, "| `leaky run` workload d, whole process, %s thread(s) (setup %.3f s) | %.3f s | — | — | %s | %s |\n", th, median(setup[th]), median(process[th]), target, met)
	}
	fmt.Fprintln(w)
}

// readRoof returns the best read bandwidth (the fastest repetition of any
// implementation's read ceiling) at the largest working set the suite
// measured, and that working set; 0 without ceilings.
func readRoof(r *suite.Result) (float64, int64) {
	var best float64
	var ws int64
	if r == nil {
		return 0, 0
	}
	for _, f := range r.Figures {
		if f.Section != "ceiling" || !strings.HasPrefix(f.Name, "read-") {
			continue
		}
		switch {
		case f.WorkingSet > ws:
			ws, best = f.WorkingSet, f.Max
		case f.WorkingSet == ws:
			best = max(best, f.Max)
		}
	}
	return best, ws
}
