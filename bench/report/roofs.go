package main

import (
	"bytes"
	"fmt"

	"leaky/bench/suite"
)

// writeCobaRoofs writes issue 16's kernel target: the CUBA and COBA update
// kernels (CubaUpdate32, CobaUpdate32) at the networks' own 4000 neurons at
// ≥ 85% of the roof `leaky bench` measures for them, on AVX2 and AVX-512.
// Nothing is written when the run has no such figures.
func writeCobaRoofs(w *bytes.Buffer, r *suite.Result) {
	var rows []suite.Figure
	for _, name := range []string{"CubaUpdate", "CobaUpdate"} {
		for _, impl := range []string{"avx2", "avx512"} {
			for _, f := range r.Figures {
				if f.Section == suite.SectionKernel && f.Name == name && f.Impl == impl && f.N == 4000 && f.Roof > 0 {
					rows = append(rows, f)
				}
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "Issue 16: the CUBA and COBA update kernels at ≥ 85% of their roof at the networks' 4000 neurons, on AVX2 and AVX-512")
	fmt.Fprintln(w, "(roof: the best bandwidth at the working set over 48 bytes a neuron-step, or peak FMA over the arithmetic, whichever is lower).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| kernel | impl | n | median | roof | of roof | target | met |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|---|")
	for _, f := range rows {
		frac := f.Median / f.Roof
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %.0f%% | ≥ 85%% | %s |\n", f.Name, f.Impl, f.N, suite.Rate(f.Median, f.Unit), suite.Rate(f.Roof, f.Unit), 100*frac, yes(frac >= 0.85))
	}
	fmt.Fprintln(w)
}
