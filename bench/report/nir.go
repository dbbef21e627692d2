package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// nirTargets are issue 13's goals for leaky over PyTorch at equal threads,
// by the net= name of BenchmarkNIR and torch_nir.py.
var nirTargets = map[string]float64{"braille": 5, "cnn": 2}

// nirNets describes each network in the table, in the table's order.
var nirNets = []struct{ net, what string }{
	{"braille", "braille (snnTorch: 12 → 38 recurrent CubaLIF → 7 CubaLIF, 256 steps of 0.1 ms)"},
	{"cnn", "N-MNIST CNN (Sinabs: 2×34×34 → 3 conv of IF, 2 sum-pool, 2 affine, 30 steps of 1 ms)"},
}

// nirKey identifies one row: a network at a batch size and thread count.
type nirKey struct {
	net           string
	batch, thread int
}

// nirRatios writes issue 13's "NIR graphs" table from bench/peers/run.sh's
// output: BenchmarkNIR's samples/s against bench/peers/torch_nir.py's at the
// same network, batch and thread count, measured in the same sitting, as
// medians of the runs in the files.
func nirRatios(w *bytes.Buffer, files []string) {
	leaky, torch := map[nirKey][]float64{}, map[nirKey][]float64{}
	version := ""
	for _, line := range peerLines(files) {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "BenchmarkNIR/"):
			k, ok := parseNIRName(f[0])
			v, ok2 := before(f, "samples/s")
			if ok && ok2 {
				leaky[k] = append(leaky[k], v)
			}
		case strings.HasPrefix(line, "torch nir "):
			net, _ := fieldString(f, "net=")
			batch, ok1 := field(f, "batch=")
			th, ok2 := field(f, "threads=")
			v, ok3 := field(f, "samples_per_s=")
			if ok1 && ok2 && ok3 && net != "" {
				k := nirKey{net, int(batch), int(th)}
				torch[k] = append(torch[k], v)
			}
			version, _ = fieldString(f, "torch=")
		}
	}
	var keys []nirKey
	for k := range leaky {
		if len(torch[k]) > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	order := func(net string) int {
		for i, n := range nirNets {
			if n.net == net {
				return i
			}
		}
		return len(nirNets)
	}
	slices.SortFunc(keys, func(a, b nirKey) int {
		if c := order(a.net) - order(b.net); c != 0 {
			return c
		}
		if c := strings.Compare(a.net, b.net); c != 0 {
			return c
		}
		if c := a.batch - b.batch; c != 0 {
			return c
		}
		return a.thread - b.thread
	})
	fmt.Fprintln(w, "## NIR graphs")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Issue 13's targets, from bench/peers/run.sh on this machine: trained NIR graphs of ../shared/nir run by leaky")
	fmt.Fprintln(w, "(BenchmarkNIR: nir.Open, Description and netfile.Build, as `leaky run --nir` with `--semantics norse`) against")
	fmt.Fprintf(w, "the same networks written as a PyTorch step loop (bench/peers/torch_nir.py, PyTorch %s, CPU), whose spikes\n", orUnknown(version))
	fmt.Fprintln(w, "equal leaky's (TestNIRMatchesTorch), in the same sitting at equal threads; random 0/1 input, its generation")
	fmt.Fprintln(w, "and the build excluded on both sides. leaky ≥ 5× PyTorch on the braille network at batch 256, ≥ 2× on the CNN")
	fmt.Fprintln(w, "at batch 64. Figures are medians over the runs in the file (PyTorch's of each run's best repetition).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| network | batch | threads | leaky (samples/s) | PyTorch (samples/s) | leaky / PyTorch | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|---|")
	for _, k := range keys {
		l, t := median(leaky[k]), median(torch[k])
		target, met := "—", "—"
		if g, ok := nirTargets[k.net]; ok {
			target, met = fmt.Sprintf("≥ %g×", g), yes(l/t >= g)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %.0f | %.2f× | %s | %s |\n", nirWhat(k.net), k.batch, k.thread, l, t, l/t, target, met)
	}
	fmt.Fprintln(w)
}

// parseNIRName reads net, batch and threads from a benchmark name such as
// BenchmarkNIR/net=cnn/batch=64/threads=2-8 (the -8 is GOMAXPROCS).
func parseNIRName(name string) (nirKey, bool) {
	var k nirKey
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "BenchmarkNIR" {
		return k, false
	}
	last := parts[3]
	if i := strings.LastIndexByte(last, '-'); i >= 0 {
		last = last[:i]
	}
	net, ok1 := strings.CutPrefix(parts[1], "net=")
	b, ok2 := strings.CutPrefix(parts[2], "batch=")
	th, ok3 := strings.CutPrefix(last, "threads=")
	batch, err1 := strconv.Atoi(b)
	threads, err2 := strconv.Atoi(th)
	if !ok1 || !ok2 || !ok3 || err1 != nil || err2 != nil || net == "" {
		return k, false
	}
	return nirKey{net, batch, threads}, true
}

func nirWhat(net string) string {
	for _, n := range nirNets {
		if n.net == net {
			return n.what
		}
	}
	return net
}

func orUnknown(s string) string {
	if s == "" {
		return "(version not recorded)"
	}
	return s
}
