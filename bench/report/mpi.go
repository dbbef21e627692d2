package main

import (
	"bytes"
	"fmt"
	"strings"
)

// mpiWorkloads are bench/mpi/run.sh's workloads in table order, with what
// each is and whether issue 15's target (2 ranks × 1 thread ≥ 1.6× one
// rank × 1 thread) applies to it.
var mpiWorkloads = []struct {
	name, what string
	target     bool
}{
	{"cuba40k", "CUBA scaled to 40 000 neurons (32 000 + 8 000, p = 0.002), exchange every step", true},
	{"cuba40k-delay", "the same with a 1 ms delay on every projection: min-delay exchange every 10 steps", false},
	{"ff1e6", "feed-forward 10^6 neurons (1000 Poisson inputs at 5 Hz, procedural weights)", true},
}

// mpiRatios writes issue 15's table from bench/mpi/run.sh's output (the
// "mpi work=… conf=…" lines of every run): per workload and configuration
// the median stepping time, its speed-up over one rank on one thread, the
// median exchange time per step and the weights the largest rank holds.
// Nothing is written when no file has such lines.
func mpiRatios(w *bytes.Buffer, files []string) {
	type key struct{ work, conf string }
	wall := map[key][]float64{}
	exch := map[key][]float64{}
	every := map[key]float64{}
	weights := map[key]float64{}
	header := ""
	var floor []string
	for _, line := range peerLines(files) {
		if f := strings.Fields(line); strings.HasPrefix(line, "mpi floor ") {
			b, ok1 := field(f, "bytes=")
			p2p, ok2 := field(f, "isend_irecv_waitall_us=")
			all, ok3 := field(f, "allgatherv_us=")
			if ok1 && ok2 && ok3 {
				floor = append(floor, fmt.Sprintf("%.0f B a rank: %.2f µs (Allgatherv %.2f µs)", b, p2p, all))
			}
		}
		if strings.HasPrefix(line, "mpirun (Open MPI)") {
			header = strings.NewReplacer("mpirun ", "", "(", "", ")", "").Replace(line)
		}
		if !strings.HasPrefix(line, "mpi work=") {
			continue
		}
		f := strings.Fields(line)
		work, _ := fieldString(f, "work=")
		conf, _ := fieldString(f, "conf=")
		k := key{work, conf}
		steps, ok1 := field(f, "steps=")
		ws, ok2 := field(f, "wall_s=")
		es, ok3 := field(f, "exchange_s=")
		if !ok1 || !ok2 || !ok3 || steps <= 0 {
			continue
		}
		wall[k] = append(wall[k], ws)
		exch[k] = append(exch[k], es/steps)
		every[k], _ = field(f, "exchange_every=")
		weights[k], _ = field(f, "rank_weight_bytes=")
	}
	if len(wall) == 0 {
		return
	}
	fmt.Fprintln(w, "## MPI ranks")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Issue 15's target, from bench/mpi/run.sh on this machine (%s, shared memory; `--bind-to core` for one thread a rank, `none` for two): 2 ranks × 1\n", header)
	fmt.Fprintln(w, "thread at least 1.6× one rank × 1 thread on CUBA scaled to 40 000 neurons and on a feed-forward 10^6-neuron")
	fmt.Fprintln(w, "population, beside one rank × 2 threads. Times are the stepping alone (summary.json's wall_seconds), medians over")
	fmt.Fprintln(w, "the interleaved runs; exchange per step is the longest any rank spent in the collectives over the steps; the")
	fmt.Fprintln(w, "weights are those the largest rank holds. Every run's spikes equal one process's (the MPI tests compare the files).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | ranks × threads | stepping s | speed-up over 1 × 1 | exchange per step | exchange every | weights per rank | target | met |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---|---|")
	for _, wl := range mpiWorkloads {
		one := wall[key{wl.name, "1x1"}]
		for _, conf := range []string{"1x1", "1x2", "2x1"} {
			k := key{wl.name, conf}
			if len(wall[k]) == 0 {
				continue
			}
			t := median(wall[k])
			speed, target, met := "—", "—", "—"
			if len(one) > 0 {
				speed = fmt.Sprintf("%.2f×", median(one)/t)
			}
			if conf == "2x1" && wl.target && len(one) > 0 {
				target, met = "≥ 1.6×", yes(median(one)/t >= 1.6)
			}
			fmt.Fprintf(w, "| %s | %s | %.3f | %s | %.1f µs | %.0f | %.1f MiB | %s | %s |\n",
				wl.name, strings.Replace(conf, "x", " × ", 1), t, speed, median(exch[k])*1e6, every[k], weights[k]/(1<<20), target, met)
		}
	}
	fmt.Fprintln(w)
	for _, wl := range mpiWorkloads {
		fmt.Fprintf(w, "%s: %s. ", wl.name, wl.what)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	if len(floor) > 0 {
		fmt.Fprintf(w, "The exchange alone, two ranks doing nothing else (bench/mpi/floor.c, leaky's pattern: a receive and a send, then\n"+
			"MPI_Waitall; best of 3): %s. Exchange time per step above this is one rank waiting for the other.\n\n", strings.Join(floor, "; "))
	}
}
