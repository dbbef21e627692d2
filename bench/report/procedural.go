package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// procTarget is issue 17's figure for procedural weights: the scale
// workload at least this many times faster per thread than before the
// vectorised normal generator.
const procTarget = 4.0

// procRatios writes issue 17's procedural table from
// bench/procedural/run.sh's output (its "procedural build=… n=…" lines):
// per size the median over the runs of each build's one-thread figure,
// and head's over base's. Nothing is written when no file has such lines,
// or a size lacks one of the builds.
func procRatios(w *bytes.Buffer, files []string) {
	rates := map[string]map[int][]float64{"base": {}, "head": {}}
	header, cpu := "", ""
	for _, line := range peerLines(files) {
		switch {
		case strings.HasPrefix(line, "cpu: "):
			cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "base="):
			header = line
		}
		if !strings.HasPrefix(line, "procedural build=") {
			continue
		}
		f := strings.Fields(line)
		build, _ := fieldString(f, "build=")
		n, ok1 := field(f, "n=")
		r, ok2 := field(f, "neuron_steps_per_s=")
		if m, ok := rates[build]; ok && ok1 && ok2 && r > 0 {
			m[int(n)] = append(m[int(n)], r)
		}
	}
	var sizes []int
	for n := range rates["head"] {
		if len(rates["base"][n]) > 0 {
			sizes = append(sizes, n)
		}
	}
	if len(sizes) == 0 {
		return
	}
	sort.Ints(sizes)
	base, _ := fieldString(strings.Fields(header), "base=")
	fmt.Fprintln(w, "## Procedural weights")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Issue 17's procedural figure, from bench/procedural/run.sh on this machine (%s): the scale workload (1000\n", cpu)
	fmt.Fprintf(w, "Poisson inputs at 5 Hz onto n seed neurons, weights regenerated at every spike) on one thread, by leaky now\n")
	fmt.Fprintf(w, "against leaky at %s (the commit before the vectorised normal generator: a scalar ziggurat fed by wyrand, one number at a time),\n", base)
	fmt.Fprintf(w, "both built from this repository and run alternately in one sitting; `leaky bench`'s medians, then the median over\n")
	fmt.Fprintf(w, "the runs. Target: ≥ %.0f× per thread.\n", procTarget)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| neurons | before (neuron-steps/s) | now (neuron-steps/s) | speed-up | target | met |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---|---|")
	for _, n := range sizes {
		b, h := median(rates["base"][n]), median(rates["head"][n])
		ratio := h / b
		fmt.Fprintf(w, "| %d | %.0f M | %.0f M | %.2f× | ≥ %.0f× | %s |\n", n, b/1e6, h/1e6, ratio, procTarget, yes(ratio >= procTarget))
	}
	fmt.Fprintln(w)
}
