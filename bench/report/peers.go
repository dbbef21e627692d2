package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"leaky/bench/suite"
)

// peerRatios reads bench/peers/run.sh's output and writes issue 4's
// comparisons: leaky's CUBA (BenchmarkCUBA, one thread) against Brian2
// cpp_standalone's compiled run, and leaky's SHD (BenchmarkSHD) against
// PyTorch at the same thread count; and issue 16's: leaky's CUBA and COBA
// (BenchmarkCOBA) against Brian2 cpp_standalone (brian_cuba.py,
// brian_coba.py) at one and two threads. leaky's figure is the median of
// its runs in the file, Brian2's its best run (torch_shd.py reports its
// best already): on shared vCPUs Brian2's two-thread runs are bimodal, and
// a median of three could land on the slow mode.
func peerRatios(w *bytes.Buffer, files []string) {
	cuba := map[string][]float64{}
	brian := map[string][]float64{}
	shd := map[string][]float64{}
	torch := map[string][]float64{}
	coba := map[string][]float64{}
	brianCOBA := map[string][]float64{}
	for _, line := range peerLines(files) {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "BenchmarkCUBA/threads="):
			th := strings.TrimPrefix(strings.SplitN(f[0], "-", 2)[0], "BenchmarkCUBA/threads=")
			if v, ok := before(f, "wall-s/sim-s"); ok {
				cuba[th] = append(cuba[th], v)
			}
		case strings.HasPrefix(line, "BenchmarkCOBA/threads="):
			th := strings.TrimPrefix(strings.SplitN(f[0], "-", 2)[0], "BenchmarkCOBA/threads=")
			if v, ok := before(f, "wall-s/sim-s"); ok {
				coba[th] = append(coba[th], v)
			}
		case strings.HasPrefix(line, "brian2 coba "):
			th, _ := fieldString(f, "threads=")
			if v, ok := field(f, "rtf="); ok {
				brianCOBA[th] = append(brianCOBA[th], v)
			}
		case strings.HasPrefix(line, "BenchmarkSHD/threads="):
			th := strings.TrimPrefix(strings.SplitN(f[0], "-", 2)[0], "BenchmarkSHD/threads=")
			if v, ok := before(f, "samples/s"); ok {
				shd[th] = append(shd[th], v)
			}
		case strings.HasPrefix(line, "brian2 cuba "):
			// Lines without threads= predate the option: one thread.
			th, ok := fieldString(f, "threads=")
			if !ok {
				th = "1"
			}
			if v, ok := field(f, "rtf="); ok {
				brian[th] = append(brian[th], v)
			}
		case strings.HasPrefix(line, "torch shd "):
			th, _ := fieldString(f, "threads=")
			if v, ok := field(f, "samples_per_s="); ok {
				torch[th] = append(torch[th], v)
			}
		}
	}
	if len(cuba) == 0 && len(shd) == 0 && len(coba) == 0 {
		return
	}
	fmt.Fprintln(w, "## leaky against Brian2 and PyTorch")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Issue 4's targets, from bench/peers/run.sh on this machine: leaky ≥ 3× faster than Brian2 cpp_standalone on CUBA")
	fmt.Fprintln(w, "with one thread (Brian2's time is its compiled binary's run alone, without code generation and compilation), and")
	fmt.Fprintln(w, "≥ 5× faster than PyTorch on SHD at the same thread count (input generation excluded; leaky's Poisson input")
	fmt.Fprintln(w, "included). leaky's figure is the median of its runs, the peer's its best run: Brian2's OpenMP runs on two threads")
	fmt.Fprintln(w, "of this shared VM come out either near its one-thread time or two to three times slower.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | leaky | peer | leaky faster by | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---|")
	for _, th := range []string{"1", "2"} {
		if len(cuba[th]) == 0 || len(brian[th]) == 0 {
			continue
		}
		l, b := median(cuba[th]), slices.Min(brian[th])
		target, met := "≥ 10× (issue 16)", yes(b/l >= 10)
		if th == "1" {
			target, met = "≥ 3× (issue 4); ≥ 10× (issue 16)", yes(b/l >= 3)+"; "+yes(b/l >= 10)
		}
		fmt.Fprintf(w, "| CUBA, %s thread(s) (wall s per simulated s) | %.4f | Brian2 %.4f | %.2f× | %s | %s |\n", th, l, b, b/l, target, met)
	}
	for _, th := range []string{"1", "2"} {
		if len(coba[th]) == 0 || len(brianCOBA[th]) == 0 {
			continue
		}
		l, b := median(coba[th]), slices.Min(brianCOBA[th])
		fmt.Fprintf(w, "| COBA, %s thread(s) (wall s per simulated s) | %.4f | Brian2 %.4f | %.2f× | ≥ 10× (issue 16) | %s |\n", th, l, b, b/l, yes(b/l >= 10))
	}
	ths := make([]string, 0, len(shd))
	for th := range shd {
		ths = append(ths, th)
	}
	sort.Strings(ths)
	for _, th := range ths {
		if len(torch[th]) == 0 {
			continue
		}
		l, t := median(shd[th]), median(torch[th])
		fmt.Fprintf(w, "| SHD, %s thread(s) (samples/s) | %.0f | PyTorch %.0f | %.2f× | ≥ 5× | %s |\n", th, l, t, l/t, yes(l/t >= 5))
	}
	fmt.Fprintln(w)
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// before returns the number just before the field unit.
func before(f []string, unit string) (float64, bool) {
	for i := 1; i < len(f); i++ {
		if f[i] == unit {
			v, err := strconv.ParseFloat(f[i-1], 64)
			return v, err == nil
		}
	}
	return 0, false
}

func fieldString(f []string, key string) (string, bool) {
	for _, x := range f {
		if strings.HasPrefix(x, key) {
			return strings.TrimPrefix(x, key), true
		}
	}
	return "", false
}

func field(f []string, key string) (float64, bool) {
	s, ok := fieldString(f, key)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// writeCRatios writes issue 3's AVX2 yardstick: leaky's kernels against the
// same loops in C (bench/peers/leaky_c.h, gcc -O3 -mavx2 -mfma
// -ffp-contract=off), timed alternately in one process by bench/peers/cvs.
// Each cvs line carries the median of its per-repetition ratios; the table
// gives the median over all runs in the files.
func writeCRatios(w *bytes.Buffer, files []string) {
	type key struct {
		kernel string
		n      int
	}
	ratios := map[key][]float64{}
	cRates := map[key][]float64{}
	lRates := map[key][]float64{}
	var keys []key
	impl, unit := "", map[string]string{}
	for _, line := range peerLines(files) {
		f := strings.Fields(line)
		if strings.HasPrefix(line, "cvs: leaky kernel=") {
			impl, _ = fieldString(f, "kernel=")
			continue
		}
		if len(f) < 7 || f[0] != "cvs" {
			continue
		}
		ns, _ := fieldString(f, "n=")
		n, err := strconv.Atoi(ns)
		r, ok1 := field(f, "ratio=")
		c, ok2 := field(f, "c=")
		l, ok3 := field(f, "leaky=")
		if err != nil || !ok1 || !ok2 || !ok3 {
			continue
		}
		k := key{f[1], n}
		if _, seen := ratios[k]; !seen {
			keys = append(keys, k)
		}
		ratios[k] = append(ratios[k], r)
		cRates[k] = append(cRates[k], c)
		lRates[k] = append(lRates[k], l)
		unit[f[1]] = f[5]
	}
	if len(keys) == 0 {
		fmt.Fprintln(w, "Issue 3's AVX2 yardstick (bench/peers/cvs, leaky against the same loops in C) has not been run on this machine.")
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "Issue 3's AVX2 target: leaky's %s kernels at ≥ 85%% of the same loops in C (bench/peers/leaky_c.h, gcc -O3 -mavx2 -mfma\n", impl)
	fmt.Fprintln(w, "-ffp-contract=off, so that C computes leaky's unfused arithmetic), timed alternately repetition by repetition in one")
	fmt.Fprintln(w, "process by `bench/peers/cvs` (run by bench/peers/run.sh). Rates are medians over repetitions and runs; \"leaky/C\" is")
	fmt.Fprintln(w, "the median of the per-repetition ratios. The C writes a byte per neuron, leaky a bit; C's AccumulateRows adds one")
	fmt.Fprintln(w, "row per pass, leaky's fuses rows.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| kernel | N | C | leaky | leaky/C | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---|")
	for _, k := range keys {
		r := median(ratios[k])
		u := unit[k.kernel]
		fmt.Fprintf(w, "| %s | %d | %s | %s | %.2f | ≥ 0.85 | %s |\n", k.kernel, k.n,
			suite.Rate(median(cRates[k]), u), suite.Rate(median(lRates[k]), u), r, yes(r >= 0.85))
	}
	fmt.Fprintln(w)
}

// peerLines returns the lines of every readable file in files, in order;
// a missing file only means that peer was not measured.
func peerLines(files []string) []string {
	var lines []string
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			lines = append(lines, strings.Split(string(b), "\n")...)
		}
	}
	return lines
}
