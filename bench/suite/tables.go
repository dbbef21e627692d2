package suite

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Table is one section of a report, rendered as aligned text for the
// terminal or as Markdown for BENCHMARKS.md from the same cells, so the two
// never disagree.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	// Notes are printed under the table.
	Notes []string
}

// WriteText writes t as aligned columns.
func (t Table) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s\n", t.Title)
	width := make([]int, len(t.Header))
	for i, h := range t.Header {
		width[i] = len([]rune(h))
	}
	for _, r := range t.Rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString(" ")
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			// Text columns read best left-aligned, numbers right-aligned.
			if i == 0 || !numeric(c) {
				b.WriteString(" " + c + pad)
			} else {
				b.WriteString(" " + pad + c)
			}
			b.WriteString(" ")
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.Header)
	for _, r := range t.Rows {
		line(r)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	fmt.Fprintln(w)
}

// WriteMarkdown writes t as a Markdown table under a level-3 heading.
func (t Table) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "### %s\n\n", t.Title)
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.Header, " | "))
	seps := make([]string, len(t.Header))
	for i := range seps {
		seps[i] = "---"
		if i > 0 {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range t.Rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	fmt.Fprintln(w)
	for _, n := range t.Notes {
		fmt.Fprintf(w, "%s\n\n", n)
	}
}

func numeric(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '+' || s[0] == '.')
}

// Rate formats a rate with an SI prefix: 12.3 G neuron-steps/s.
func Rate(v float64, unit string) string {
	if v == 0 || math.IsNaN(v) {
		return "—"
	}
	prefixes := []struct {
		scale float64
		p     string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}}
	for _, p := range prefixes {
		if math.Abs(v) >= p.scale {
			sep := " "
			// B/s and FLOP/s take the prefix on the unit (GB/s);
			// counts take it on the number (1.2 G events/s).
			if unit == "B/s" || unit == "FLOP/s" {
				return fmt.Sprintf("%s %s%s", sig(v/p.scale), p.p, unit)
			}
			if p.p == "" {
				sep = ""
			}
			return fmt.Sprintf("%s%s%s %s", sig(v/p.scale), sep, p.p, unit)
		}
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}

// sig prints three significant digits without exponent.
func sig(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func spread(s Stats) string {
	out := fmt.Sprintf("%.1f%%", 100*s.Spread)
	if s.Noisy {
		out += " noisy"
	}
	return out
}

func ratio(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return sig(v) + "×"
}

func percent(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*v)
}

// MachineLines describes r's machine and configuration in a few lines.
func MachineLines(r *Result) []string {
	m := r.Machine
	cache := fmt.Sprintf("L1d %s, L2 %s, L3 %s", cacheSize(m.Cache.L1D), cacheSize(m.Cache.L2), cacheSize(m.Cache.L3))
	mode := "full"
	if r.Config.Quick {
		mode = "quick"
	}
	if r.Config.Filter != "" {
		mode += ", filter " + r.Config.Filter
	}
	lines := []string{
		fmt.Sprintf("cpu: %s (%d logical cores, %d physical; %s)", m.CPU, m.NumCPU, m.PhysicalCores, cache),
		fmt.Sprintf("go: %s %s/%s; leaky %s; kernel %s (available: %s)", m.GoVersion, m.GOOS, m.GOARCH, m.LeakyVersion, r.Config.Kernel, strings.Join(m.Kernels, ", ")),
		fmt.Sprintf("suite %s, %s run, %s, %.0f s budget, %.0f s total", r.SuiteVersion, mode, repsLabel(r.Config), r.Config.TimeBudgetSec, r.Seconds),
	}
	if r.Noisy {
		lines = append(lines, fmt.Sprintf("NOISY MACHINE: %d of %d figures spread more than %.0f%% between repetitions; treat the figures as rough", r.NoisyFigures, len(r.Figures), 100*r.NoiseThreshold))
	} else if r.NoisyFigures > 0 {
		lines = append(lines, fmt.Sprintf("%d of %d figures spread more than %.0f%% between repetitions (marked noisy)", r.NoisyFigures, len(r.Figures), 100*r.NoiseThreshold))
	}
	return lines
}

func cacheSize(b int) string {
	if b <= 0 {
		return "?"
	}
	return sizeLabel(int64(b))
}

// Tables returns the sections of r, in suite order. Empty sections are left
// out (a filtered run).
func Tables(r *Result) []Table {
	var out []Table
	ceil := Table{Title: "Ceilings (one thread)", Header: []string{"ceiling", "working set", "median", "min", "max", "spread"}}
	kern := Table{Title: "Kernels (float32, one thread)", Header: []string{"kernel", "impl", "size", "working set", "median", "spread", "× naive", "bound", "of roof"}}
	work := Table{Title: "Workloads (float32)", Header: []string{"workload", "n", "threads", "median", "spread", "real-time factor", "spikes/s"}}
	for _, f := range r.Figures {
		switch f.Section {
		case SectionCeiling:
			ws := "—"
			if f.WorkingSet > 0 {
				ws = sizeLabel(f.WorkingSet)
			}
			ceil.Rows = append(ceil.Rows, []string{f.Name, ws, Rate(f.Median, f.Unit), Rate(f.Min, f.Unit), Rate(f.Max, f.Unit), spread(f.Stats)})
		case SectionKernel:
			kern.Rows = append(kern.Rows, []string{f.Name, f.Impl, f.Shape, sizeLabel(f.WorkingSet), Rate(f.Median, f.Unit), spread(f.Stats), ratio(f.VsNaive), f.Bound, percent(f.Fraction)})
		case SectionWorkload:
			rtf := "—"
			if f.RealTimeFactor > 0 {
				rtf = fmt.Sprintf("%.3g", f.RealTimeFactor)
			}
			work.Rows = append(work.Rows, []string{f.Name, fmt.Sprint(f.N), fmt.Sprint(f.Threads), Rate(f.Median, f.Unit), spread(f.Stats), rtf, Rate(f.SpikesPerSecond, "spikes/s")})
		}
	}
	ceil.Notes = []string{"copy: Go's copy (bytes read + written); read-<impl>: that implementation's ReadStream32, four streams of vector loads into independent sums (bytes read); add-<impl>: its AddStream32, dst += src, AccumulateRows's loop without row indexing (two reads and a write); inplace-<impl> arrays=k: its InPlaceStream32, k arrays each read and written in place (x += c), side by side at one index as CubaUpdate and CobaUpdate touch their six, at distinct offsets within a page, at those kernels' working sets (bytes read + written); fma-<impl>: independent multiply-add chains (PeakFMA32). Ceilings are measured up front and again between the repetitions of the kernels held to them; the statistics cover all those repetitions, and the roofs use the best."}
	kern.Notes = []string{"of roof: median ÷ min(bandwidth ÷ bytes per item, peak FMA ÷ flops per item), using the fastest repetition of each ceiling in this run. Bandwidth, bound \"bandwidth\": the best copy, read or add-to stream at the largest ladder size not above the working set; bound \"in-place\" (CubaUpdate, CobaUpdate, which read and write all six of their arrays): the kernel's own implementation's inplace ceiling over six arrays at the kernel's own working set, so that the stream reaches exactly as far into the caches as the kernel and does the same loads and stores at the same width. × naive: over the plain-loop twin at the same size."}
	work.Notes = []string{"single: the seed notebook's neuron (100 inputs, 5000 steps per run); ff: 1000 Poisson inputs at 5 Hz, stored dense weights (as `leaky run`); scale: the same with procedural weights, so 10^7 neurons fit in memory; cuba: Brian2's CUBA example (4000 LIF, 2% recurrent, 0.1 ms steps); coba: benchmark 1 of Brette et al. 2007 (4000 conductance-based LIF, 2% recurrent, 0.1 ms steps); shd: the SHD classifier at inference (batch 256 × 700 inputs → 200 recurrent LIF → 20 LI, 100 steps of 1 ms per sample), in samples/s. Real-time factor: wall seconds per simulated second (below 1 is faster than real time); spikes/s: spikes of all populations per wall second."}
	for _, t := range []Table{ceil, kern, work} {
		if len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	if len(r.Speedups) > 0 {
		sp := Table{Title: fmt.Sprintf("Thread scaling (%d cores)", r.Machine.NumCPU),
			Header: []string{"workload", "n", "1 thread", fmt.Sprintf("%d threads", r.Config.Threads), "speed-up", "machine", "machine reads", "efficiency"}}
		for _, s := range r.Speedups {
			machine, reads, eff := "—", "—", "—"
			if s.Machine > 0 {
				machine, eff = ratio(s.Machine), fmt.Sprintf("%.0f%%", 100*s.Speedup/s.Machine)
			}
			if s.MachineRead > 0 {
				reads = ratio(s.MachineRead)
			}
			sp.Rows = append(sp.Rows, []string{s.Workload, fmt.Sprint(s.N), Rate(s.One, s.Unit), Rate(s.All, s.Unit), ratio(s.Speedup), machine, reads, eff})
		}
		sp.Notes = []string{"speed-up: median over the alternating rounds of the all-threads rate over the one-thread rate of the same round; machine: independent FMA loops on all threads over one, timed and paired the same way, i.e. what this machine's cores gave in parallel at those moments; machine reads (ff, bound by reading its weight rows): ReadStream32 over 256 MiB split over all threads over one thread reading it all, timed and paired the same way, the memory system's own speed-up at reading far past the caches, which a workload bound by such reads cannot exceed; efficiency: speed-up over machine."}
		out = append(out, sp)
	}
	return out
}

// WriteText writes the machine description and every table of r.
func WriteText(w io.Writer, r *Result) {
	for _, l := range MachineLines(r) {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
	for _, t := range Tables(r) {
		t.WriteText(w)
	}
}

// Compare lines up the figures two results share: a's median, b's median
// and b/a. It returns ErrVersionMismatch (wrapped, naming both versions)
// when the results come from different suite versions, since their items
// are not the same measurements.
func Compare(a, b *Result) (Table, error) {
	if a.SuiteVersion != b.SuiteVersion {
		return Table{}, fmt.Errorf("%w: %q and %q; rerun both with the same leaky", ErrVersionMismatch, a.SuiteVersion, b.SuiteVersion)
	}
	t := Table{Title: "Comparison (B ÷ A: above 1× means B is faster)", Header: []string{"figure", "A", "B", "B ÷ A"}}
	bIndex := map[string]Figure{}
	for _, f := range b.Figures {
		bIndex[f.ID] = f
	}
	shared := 0
	for _, fa := range a.Figures {
		fb, ok := bIndex[fa.ID]
		if !ok {
			continue
		}
		shared++
		r := 0.0
		if fa.Median > 0 {
			r = fb.Median / fa.Median
		}
		t.Rows = append(t.Rows, []string{fa.ID, Rate(fa.Median, fa.Unit), Rate(fb.Median, fb.Unit), ratio(r)})
	}
	if shared == 0 {
		return Table{}, fmt.Errorf("the two results share no figure (different --filter or --quick settings?)")
	}
	if only := len(a.Figures) + len(b.Figures) - 2*shared; only > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d figures measured in only one of the results are left out.", only))
	}
	return t, nil
}

// repsLabel says how many repetitions the figures had, and the rounds of
// the thread-scaling pairs when the result records them apart.
func repsLabel(c Config) string {
	if c.PairReps > 0 && c.PairReps != c.Reps {
		return fmt.Sprintf("%d reps per figure (%d rounds per thread-scaling pair)", c.Reps, c.PairReps)
	}
	return fmt.Sprintf("%d reps per figure", c.Reps)
}
