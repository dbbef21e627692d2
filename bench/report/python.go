package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Issue 14's targets for the Python binding.
const (
	// stepTarget is the most a Network.step() call may cost, in µs.
	stepTarget = 5.0
	// runTarget is the most leaky.run's simulation time may be over the
	// CLI's on the same workload.
	runTarget = 1.10
	// shdTarget is what the SHD network stepped from Python must reach
	// over PyTorch's step loop at the same thread count.
	shdTarget = 5.0
)

// pythonCalls are the calls python_binding.py times, in the table's order,
// and whether the step target applies.
var pythonCalls = []struct {
	call, what string
	target     bool
}{
	{"step(x)", "`Network.step(x)`, a (1, 1) float32 array in (one-neuron network, 1 thread)", true},
	{"step()", "`Network.step()`, no input (one-neuron network with a Poisson source, 1 thread)", true},
	{"leaky_step", "`leaky_step` through ctypes alone, without the Python method around it", false},
}

// pythonWorkloads are the workloads leaky.run and `leaky run` both run.
var pythonWorkloads = []struct{ name, what string }{
	{"seed", "seed workload (leaky run's defaults: 100 Poisson inputs at 5 Hz onto 1000 neurons, 5000 steps, v, isyn, iinp and spikes recorded)"},
	{"d", "workload d (issue 17: 1000 Poisson inputs at 5 Hz onto 2·10^5 neurons, stored weights, 1000 steps, spikes recorded)"},
}

// shdKey is one SHD row: a thread count and where the input comes from.
type shdKey struct{ threads, input string }

// pythonRatios writes issue 14's "Python binding" table from
// bench/peers/python_binding.py's lines in the files: the cost of a
// Network.step() call, leaky.run's simulation time over the CLI's on the
// same workload (each run's median of its per-repetition ratios), and the
// SHD network stepped from Python against PyTorch's step loop measured in
// the same run, at equal threads. Figures are medians over the runs in the
// files; nothing is written when the script has not been run.
func pythonRatios(w *bytes.Buffer, files []string) {
	steps := map[string][]float64{}
	type runFig struct{ cli, py, ratio []float64 }
	runs := map[string]*runFig{}
	shd, torch := map[shdKey][]float64{}, map[shdKey][]float64{}
	versions := ""
	for _, line := range peerLines(files) {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "python versions "):
			versions = strings.TrimPrefix(line, "python versions ")
		case strings.HasPrefix(line, "python step "):
			call, _ := fieldString(f, "call=")
			if v, ok := field(f, "us_per_call="); ok && call != "" {
				steps[call] = append(steps[call], v)
			}
		case strings.HasPrefix(line, "python run "):
			name, _ := fieldString(f, "workload=")
			cli, ok1 := field(f, "cli_sim_s=")
			py, ok2 := field(f, "run_sim_s=")
			r, ok3 := field(f, "ratio=")
			if name == "" || !ok1 || !ok2 || !ok3 {
				continue
			}
			if runs[name] == nil {
				runs[name] = &runFig{}
			}
			x := runs[name]
			x.cli, x.py, x.ratio = append(x.cli, cli), append(x.py, py), append(x.ratio, r)
		case strings.HasPrefix(line, "python shd "):
			th, _ := fieldString(f, "threads=")
			in, _ := fieldString(f, "input=")
			v, ok := field(f, "samples_per_s=")
			if th == "" || in == "" || !ok {
				continue
			}
			k := shdKey{th, in}
			shd[k] = append(shd[k], v)
			if t, ok := field(f, "torch_samples_per_s="); ok {
				torch[k] = append(torch[k], t)
			}
		}
	}
	if len(steps) == 0 && len(runs) == 0 && len(shd) == 0 {
		return
	}
	fmt.Fprintln(w, "## Python binding")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Issue 14's targets, from bench/peers/python_binding.py (run by bench/peers/run.sh) on this machine")
	if versions != "" {
		fmt.Fprintf(w, "(%s)", versions)
	}
	fmt.Fprintln(w, ": the cost of one")
	fmt.Fprintf(w, "`Network.step()` call (≤ %g µs), leaky.run's simulation time against the CLI's (summary.json's wall_seconds) on the\n", stepTarget)
	fmt.Fprintf(w, "same workload (within %.0f%%: at most %.2f× the CLI's; leaky.run records into memory where the CLI writes .npy files), and\n", 100*(runTarget-1), runTarget)
	fmt.Fprintf(w, "the SHD network (examples/shd.yaml, batch 256 × 100 steps from rest) stepped one `step()` per step from Python against\n")
	fmt.Fprintf(w, "PyTorch's step loop (bench/peers/torch_shd.py, its best repetition, run by the script in the same sitting) at equal\n")
	fmt.Fprintf(w, "threads (≥ %g×), with leaky's own Poisson input and with a NumPy 0/1 array of the same rate fed at every step, as\n", shdTarget)
	fmt.Fprintln(w, "PyTorch is. Figures are medians over the runs in the file, each run's the median of its repetitions.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | from Python | reference | ratio | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---|")
	for _, c := range pythonCalls {
		v, ok := steps[c.call]
		if !ok {
			continue
		}
		us := median(v)
		target, met := "—", "—"
		if c.target {
			target, met = fmt.Sprintf("≤ %g µs", stepTarget), yes(us <= stepTarget)
		}
		fmt.Fprintf(w, "| %s | %.2f µs | — | — | %s | %s |\n", c.what, us, target, met)
	}
	for _, wl := range pythonWorkloads {
		x, ok := runs[wl.name]
		if !ok {
			continue
		}
		r := median(x.ratio)
		fmt.Fprintf(w, "| leaky.run, %s: simulation time | %s | CLI %s | %.3f× | ≤ %.2f× | %s |\n",
			wl.what, seconds(median(x.py)), seconds(median(x.cli)), r, runTarget, yes(r <= runTarget))
	}
	keys := make([]shdKey, 0, len(shd))
	for k := range shd {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b shdKey) int {
		if c := strings.Compare(a.threads, b.threads); c != 0 {
			return c
		}
		return strings.Compare(inputOrder(a.input), inputOrder(b.input))
	})
	for _, k := range keys {
		l := median(shd[k])
		what := fmt.Sprintf("SHD stepped from Python, %s thread(s), %s", k.threads, inputWhat(k.input))
		if len(torch[k]) == 0 {
			fmt.Fprintf(w, "| %s (samples/s) | %.0f | PyTorch not measured | — | ≥ %g× | — |\n", what, l, shdTarget)
			continue
		}
		t := median(torch[k])
		fmt.Fprintf(w, "| %s (samples/s) | %.0f | PyTorch %.0f | %.2f× | ≥ %g× | %s |\n", what, l, t, l/t, shdTarget, yes(l/t >= shdTarget))
	}
	fmt.Fprintln(w)
}

// inputOrder sorts leaky's own input before the fed one.
func inputOrder(in string) string {
	if in == "poisson" {
		return ""
	}
	return in
}

func inputWhat(in string) string {
	switch in {
	case "poisson":
		return "leaky's Poisson input"
	case "fed":
		return "input fed from a NumPy array"
	}
	return in + " input"
}

// seconds writes a duration in s as ms below 1 s.
func seconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.3f s", s)
}
