package suite

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"leaky/engine"
	"leaky/kernels"
)

// SuiteVersion names the suite's content: the items, their sizes, how they
// are timed and what their units mean. Results of different versions are not
// comparable, and Compare refuses them. Bump it whenever any of that changes.
const SuiteVersion = "7"

// SchemaID is the $id of schema.json and the "schema" field of every result.
const SchemaID = "https://leaky.dev/schemas/bench-result-1.json"

// Sections of the suite, in the order they run and are printed.
const (
	SectionCeiling  = "ceiling"
	SectionKernel   = "kernel"
	SectionWorkload = "workload"
)

// Options configure a run of the suite.
type Options struct {
	// Quick runs fewer sizes with a smaller time budget (under 30 s).
	Quick bool
	// Filter, when not nil, keeps only the items whose ID it matches. The
	// ceilings that the kept kernel items are measured against are always
	// kept, since their fractions need them.
	Filter *regexp.Regexp
	// Threads is the "all threads" count of the workloads (< 1: GOMAXPROCS).
	Threads int
	// Kernel, when set, is the implementation the workloads use and the only
	// one benchmarked besides the naive twins (which the ratios need).
	Kernel string
	// TimeBudget is the time spent measuring, shared over the items (setup
	// such as allocating and filling memory is extra). Zero means the
	// default: DefaultBudget or QuickBudget.
	TimeBudget time.Duration
	// Reps is the number of timed repetitions per item (0: the default).
	Reps int
	// Progress, when not nil, is called before each item.
	Progress func(done, total int, id string)
}

// Default time budgets: "a few minutes" for the full suite, and one that
// keeps --quick under 30 s including setup on a 2-core machine.
const (
	DefaultBudget = 190 * time.Second
	QuickBudget   = 8 * time.Second
)

// pairRounds is how many times the rounds (and the time) of another item a
// thread-scaling pair gets. Its speed-up is the median of per-round ratios,
// and on a shared VM those ratios scatter widely: with 7 rounds, the
// 10^5-neuron scale speed-up of `leaky bench --filter 'workload/scale'`
// came out anywhere from 1.77× to 1.97× from run to run on the machine of
// BENCHMARKS.md. Three times the rounds narrow the median's scatter by
// about √3 and leave the other figures their time (DefaultBudget grew from
// 150 s to 190 s with it).
const pairRounds = 3

// Result is a run of the suite; its JSON form follows schema.json.
type Result struct {
	Schema       string  `json:"schema"`
	SuiteVersion string  `json:"suite_version"`
	Started      string  `json:"started"`
	Seconds      float64 `json:"seconds"`
	Machine      Machine `json:"machine"`
	Config       Config  `json:"config"`
	// Noisy is set when more than a quarter of the figures are noisy.
	Noisy bool `json:"noisy"`
	// NoisyFigures counts the figures whose spread exceeds NoiseThreshold.
	NoisyFigures   int       `json:"noisy_figures"`
	NoiseThreshold float64   `json:"noise_threshold"`
	Figures        []Figure  `json:"figures"`
	Speedups       []Speedup `json:"speedups"`
}

// Config records the options a result was measured with.
type Config struct {
	Quick         bool    `json:"quick"`
	Filter        string  `json:"filter"`
	Threads       int     `json:"threads"`
	Kernel        string  `json:"kernel"`
	TimeBudgetSec float64 `json:"time_budget_seconds"`
	Reps          int     `json:"reps"`
	// PairReps is the number of rounds of a thread-scaling pair (0 in
	// results written before pairs had their own count, which used Reps).
	PairReps int `json:"pair_reps,omitempty"`
}

// Figure is one measured item.
type Figure struct {
	// ID is unique within a result and stable across machines for one
	// SuiteVersion: section/name[/impl]/size[/threads=k].
	ID      string `json:"id"`
	Section string `json:"section"`
	// Name is the ceiling (copy, read-<impl>, add-<impl>, fma-<impl>), the kernel
	// (LeakyUpdate, …) or the workload (single, ff, scale, cuba, coba, shd).
	Name string `json:"name"`
	// Impl is the kernel implementation, for kernel figures.
	Impl string `json:"impl,omitempty"`
	// N is the problem size: neurons, or the matrix side for MatMul (0 for
	// ceilings, which are sized by WorkingSet alone).
	N int `json:"n"`
	// Shape describes sizes N does not capture (MatMul m×k·k×n, LeakyScan
	// steps, AccumulateRows rows per call).
	Shape string `json:"shape,omitempty"`
	// WorkingSet is the memory the item touches, in bytes.
	WorkingSet int64 `json:"working_set_bytes"`
	// Threads the item ran on.
	Threads int `json:"threads"`
	// Unit of the rates: B/s, FLOP/s, neuron-steps/s, events/s or steps/s.
	Unit string `json:"unit"`
	Stats
	// BytesPerItem and FlopsPerItem are the compulsory memory traffic and
	// the arithmetic per unit of work, for the roofline.
	BytesPerItem float64 `json:"bytes_per_item,omitempty"`
	FlopsPerItem float64 `json:"flops_per_item,omitempty"`
	// InPlaceArrays, for a kernel that reads and writes its own arrays
	// (CubaUpdate, CobaUpdate), is how many: its bandwidth roof is then
	// its own implementation's in-place ceiling over that many arrays (see
	// inPlaceCeiling), not the best stream of any.
	InPlaceArrays int `json:"in_place_arrays,omitempty"`
	// Bound is which roof is lower at this size: "bandwidth", "in-place"
	// (the bandwidth roof of an InPlaceArrays kernel) or "fma".
	Bound string `json:"bound,omitempty"`
	// Roof is the attainable rate in Unit: min(bandwidth/BytesPerItem,
	// peak/FlopsPerItem), from the ceilings measured in the same run.
	Roof float64 `json:"roof,omitempty"`
	// Fraction is Median/Roof.
	Fraction float64 `json:"fraction,omitempty"`
	// VsNaive is Median over the naive twin's median at the same size.
	VsNaive float64 `json:"vs_naive,omitempty"`
	// MachineSpeedup, for a workload run on more than one thread, is the
	// machine's own speed-up at that thread count: independent FMA loops (the
	// PeakFMA32 of the active kernels' instruments) on Threads goroutines
	// over one, timed in the same alternating rounds as the workload. On a
	// shared or virtual machine it is the most the workload could gain at
	// those moments; on a quiet one it is close to Threads.
	MachineSpeedup float64 `json:"machine_speedup,omitempty"`
	// MachineReadSpeedup, for a bandwidth-bound workload (ff, bound by its
	// weight rows) run on more than one thread, is the machine's own
	// speed-up at reading memory: ReadStream32 of the active kernels'
	// instruments over a buffer far past the last-level cache, split over
	// Threads goroutines, over one goroutine reading it all, timed in the
	// same rounds. Where it is well below Threads, the memory system, not
	// the workload, is what a second thread cannot double.
	MachineReadSpeedup float64 `json:"machine_read_speedup,omitempty"`
	// PairedSpeedup, for a workload run on more than one thread, is the
	// median over the alternating rounds of its rate over the one-thread
	// rate in the same round. Pairing by round cancels a slow stretch of
	// the machine that spans a round, which a ratio of medians does not;
	// MachineSpeedup is paired the same way.
	PairedSpeedup float64 `json:"paired_speedup,omitempty"`
	// RealTimeFactor is wall-clock seconds per simulated second, for
	// workloads: below 1 the network runs faster than real time. (Brian2
	// and `leaky run` state it this way round too.)
	RealTimeFactor float64 `json:"real_time_factor,omitempty"`
	// SpikesPerSecond is the spikes of all the workload's populations per
	// wall-clock second.
	SpikesPerSecond float64 `json:"spikes_per_second,omitempty"`
}

// Speedup is a workload's all-threads rate over its one-thread rate: the
// all-threads figure's PairedSpeedup when it has one, else the ratio of the
// two medians.
type Speedup struct {
	Workload string  `json:"workload"`
	N        int     `json:"n"`
	Threads  int     `json:"threads"`
	Cores    int     `json:"cores"`
	Unit     string  `json:"unit"`
	One      float64 `json:"one_thread"`
	All      float64 `json:"all_threads"`
	Speedup  float64 `json:"speedup"`
	// Machine is the all-threads figure's MachineSpeedup (0 when not
	// measured), so Speedup/Machine is the parallel efficiency against
	// what the machine gave at the same moments.
	Machine float64 `json:"machine_speedup,omitempty"`
	// MachineRead is its MachineReadSpeedup (0 when not measured).
	MachineRead float64 `json:"machine_read_speedup,omitempty"`
}

// item is one planned measurement. setup allocates and fills its memory and
// returns the function to time (iters iterations of perIter units each) and
// a cleanup; it is called only if the item survives the filter.
type item struct {
	fig     Figure
	perIter float64
	setup   func() (run func(iters int), cleanup func(), err error)
	// finish fills derived fields (real-time factor) from the stats.
	finish func(f *Figure)
	// rewind, when set, is called untimed before every calibration and
	// timed repetition, so that each does exactly the same work (see
	// snapshot).
	rewind func()
	// bandwidth marks a workload bound by reading memory, whose thread
	// pairs also time the read control (parallelRead).
	bandwidth bool
}

// Run runs the suite with opts and returns its result.
func Run(opts Options) (*Result, error) {
	start := time.Now()
	threads := opts.Threads
	if threads < 1 {
		threads = engine.DefaultThreads()
	}
	budget := opts.TimeBudget
	if budget <= 0 {
		budget = DefaultBudget
		if opts.Quick {
			budget = QuickBudget
		}
	}
	reps := opts.Reps
	if reps <= 0 {
		reps = 7
		if opts.Quick {
			reps = 3
		}
	}
	impls := []*kernels.Impl{naiveImpl}
	if opts.Kernel != "" {
		impl, err := kernels.Lookup(opts.Kernel)
		if err != nil {
			return nil, err
		}
		prev := kernels.Active().Name
		if err := kernels.Use(impl.Name); err != nil {
			return nil, err
		}
		defer kernels.Use(prev)
		impls = append(impls, impl)
	} else {
		impls = append(impls, kernels.Available()...)
	}

	plan := planCeilings(opts.Quick, kernels.AvailableInstruments())
	kern := planKernels(opts.Quick, impls)
	work := planWorkloads(opts.Quick, threads)
	if opts.Filter != nil {
		kern = filterItems(kern, opts.Filter)
		work = filterItems(work, opts.Filter)
		plan = keepCeilings(plan, kern, opts.Filter)
	}
	all := slices.Concat(plan, kern, work)
	if len(all) == 0 {
		return nil, fmt.Errorf("filter %q matches no benchmark (IDs look like %q)", opts.Filter, "kernel/LeakyUpdate/avx2/n=1000")
	}

	res := &Result{
		Schema: SchemaID, SuiteVersion: SuiteVersion,
		Started: start.UTC().Format(time.RFC3339),
		Machine: Describe(),
		Config: Config{Quick: opts.Quick, Threads: threads, Kernel: kernels.Active().Name,
			TimeBudgetSec: budget.Seconds(), Reps: reps, PairReps: pairRounds * reps},
		NoiseThreshold: NoiseThreshold,
		Figures:        []Figure{},
		Speedups:       []Speedup{},
	}
	if opts.Filter != nil {
		res.Config.Filter = opts.Filter.String()
	}
	// Kernel items also time their ceilings between repetitions (a
	// quarter of a repetition for each of up to three, see prober), so
	// they count one and a half shares of the budget; the items of a
	// thread-scaling pair count pairRounds shares each (see runPair).
	paired := 0
	for i := 0; i+1 < len(all); i++ {
		if samePair(all[i].fig, all[i+1].fig) {
			paired += 2
			i++
		}
	}
	per := budget * 2 / time.Duration(2*len(all)+len(kern)+2*(pairRounds-1)*paired)
	pr := newProber(plan, per/time.Duration(reps+1)/4)
	for i := 0; i < len(all); i++ {
		it := all[i]
		if opts.Progress != nil {
			opts.Progress(i, len(all), it.fig.ID)
		}
		if i+1 < len(all) && samePair(it.fig, all[i+1].fig) {
			// One workload at two thread counts: their repetitions
			// alternate, so a burst of load on this shared machine hits
			// both and their ratio, the speed-up, stays honest.
			figs, err := runPair(pairRounds*per, res.Config.PairReps, it, all[i+1])
			if err != nil {
				return nil, err
			}
			res.Figures = append(res.Figures, figs...)
			i++
			// The pair's network is dropped now (the 2·10^5-neuron ff
			// holds 800 MB of weights): collect it and give its memory
			// back to the OS here, untimed, rather than have the
			// collector and the runtime's background scavenger run
			// during the next pair, where they take time from the
			// all-threads side only (the one-thread side leaves a core
			// idle for them).
			debug.FreeOSMemory()
			continue
		}
		f := it.fig
		var between func()
		itemReps := reps
		switch f.Section {
		case SectionKernel:
			b, err := pr.between(res, f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.ID, err)
			}
			between = b
		case SectionCeiling:
			// A ceiling is the best of its repetitions: more, shorter
			// ones give more chances of catching the machine quiet.
			itemReps = 2*reps + 1
		}
		run, cleanup, err := it.setup()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.ID, err)
		}
		rates := measure(per, itemReps, it.perIter, run, between, it.rewind)
		f.Stats = summarize(rates)
		if cleanup != nil {
			cleanup()
		}
		if it.finish != nil {
			it.finish(&f)
		}
		if f.Section == SectionCeiling {
			pr.record(len(res.Figures), f.ID, rates)
		}
		res.Figures = append(res.Figures, f)
		if f.Section == SectionKernel {
			pr.release()
		}
		// Give the memory of a DRAM-sized item back before the next one
		// allocates, so two never coexist.
		if f.WorkingSet > 64<<20 {
			runtime.GC()
		}
	}
	pr.close(res)
	if opts.Progress != nil {
		opts.Progress(len(all), len(all), "")
	}
	roofline(res)
	res.Speedups = speedups(res.Figures, threads)
	for _, f := range res.Figures {
		if f.Noisy {
			res.NoisyFigures++
		}
	}
	res.Noisy = float64(res.NoisyFigures) > noisyShare*float64(len(res.Figures))
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func filterItems(items []item, re *regexp.Regexp) []item {
	var out []item
	for _, it := range items {
		if re.MatchString(it.fig.ID) {
			out = append(out, it)
		}
	}
	return out
}

// keepCeilings keeps the ceiling items the filter matches, plus those the
// kept kernel items need for their roofs: the bandwidths at the ladder size
// each kernel's working set maps to, and the peak FMA loops.
func keepCeilings(plan, kern []item, re *regexp.Regexp) []item {
	need := map[int64]bool{}
	ladder := map[int64]bool{}
	for _, it := range plan {
		if it.fig.Unit == "B/s" {
			ladder[it.fig.WorkingSet] = true
		}
	}
	sizes := make([]int64, 0, len(ladder))
	for ws := range ladder {
		sizes = append(sizes, ws)
	}
	slices.Sort(sizes)
	figs := make([]Figure, len(plan))
	for i, it := range plan {
		figs[i] = it.fig
	}
	needID := map[string]bool{}
	for _, it := range kern {
		if c, ok := inPlaceCeiling(figs, it.fig); ok {
			needID[c.ID] = true
		} else if len(sizes) > 0 {
			need[ladderSize(sizes, it.fig.WorkingSet)] = true
		}
	}
	var out []item
	for _, it := range plan {
		keep := re.MatchString(it.fig.ID) || needID[it.fig.ID]
		if len(kern) > 0 && !isInPlace(it.fig) && (it.fig.Unit == "FLOP/s" || need[it.fig.WorkingSet]) {
			keep = true
		}
		if keep {
			out = append(out, it)
		}
	}
	return out
}

// ladderSize is the largest ceiling size not above ws, or the smallest when
// ws is below them all. Bandwidth falls as the working set grows, so the
// ceiling measured at a smaller size is the more generous roof: a kernel is
// never held to a bound it could beat merely because the ladder is coarse.
func ladderSize(sizes []int64, ws int64) int64 {
	best := sizes[0]
	for _, s := range sizes {
		if s <= ws {
			best = s
		}
	}
	return best
}

// ladderAbove is the first of sizes (sorted) at or above ws, or the
// largest when ws is above them all.
func ladderAbove(sizes []int64, ws int64) int64 {
	for _, s := range sizes {
		if s >= ws {
			return s
		}
	}
	return sizes[len(sizes)-1]
}

// isInPlace reports whether c is an in-place ceiling.
func isInPlace(c Figure) bool { return strings.HasPrefix(c.Name, "inplace-") }

// inPlaceCeiling returns the in-place ceiling among figs that the kernel
// figure f is held to: its own implementation's, over its InPlaceArrays
// arrays, at the smallest working set at or above its own (the largest
// when none is). The suite measures them at the kernels' own working sets
// (inPlaceSizes), so that the stream reaches exactly as far into the
// caches as the kernel. ok is false when f is no in-place kernel or figs hold no
// such ceiling.
func inPlaceCeiling(figs []Figure, f Figure) (c Figure, ok bool) {
	if f.InPlaceArrays <= 0 {
		return Figure{}, false
	}
	want := inPlaceFigure(f.Impl, f.InPlaceArrays, 0)
	var sizes []int64
	byWS := map[int64]Figure{}
	for _, g := range figs {
		if g.Section == SectionCeiling && g.Name == want.Name && g.Shape == want.Shape {
			sizes = append(sizes, g.WorkingSet)
			byWS[g.WorkingSet] = g
		}
	}
	if len(sizes) == 0 {
		return Figure{}, false
	}
	slices.Sort(sizes)
	return byWS[ladderAbove(sizes, f.WorkingSet)], true
}

// memRoof returns the bandwidth roof of kernel figure f in res, in f's
// unit, and its bound: the in-place ceiling's best repetition for an
// in-place kernel, else the best of any stream at the ladder size of its
// working set (bw and sizes from ceilingTables). It is 0 when the ceiling
// was not measured.
func memRoof(res *Result, bw map[int64]float64, sizes []int64, f Figure) (float64, string) {
	if f.InPlaceArrays > 0 {
		c, ok := inPlaceCeiling(res.Figures, f)
		if !ok {
			return 0, "in-place"
		}
		return c.Max / f.BytesPerItem, "in-place"
	}
	if len(sizes) == 0 {
		return 0, "bandwidth"
	}
	return bw[ladderSize(sizes, f.WorkingSet)] / f.BytesPerItem, "bandwidth"
}

// roofline fills each kernel figure's roof and fraction from the ceilings,
// and its ratio to the naive twin.
func roofline(res *Result) {
	bw, peak, sizes := ceilingTables(res)
	naiveRate := map[string]float64{}
	for _, f := range res.Figures {
		if f.Section == SectionKernel && f.Impl == naive {
			naiveRate[f.Name+"/"+f.Shape] = f.Median
		}
	}
	for i := range res.Figures {
		f := &res.Figures[i]
		if f.Section != SectionKernel {
			continue
		}
		if r := naiveRate[f.Name+"/"+f.Shape]; r > 0 && f.Impl != naive {
			f.VsNaive = f.Median / r
		}
		mem, bound := memRoof(res, bw, sizes, *f)
		if mem <= 0 || peak <= 0 {
			continue
		}
		fmaRoof := peak / f.FlopsPerItem
		f.Roof, f.Bound = mem, bound
		if fmaRoof < mem {
			f.Roof, f.Bound = fmaRoof, "fma"
		}
		if f.Roof > 0 {
			f.Fraction = f.Median / f.Roof
		}
	}
}

// speedups pairs each workload's one-thread and all-threads figures.
func speedups(figs []Figure, threads int) []Speedup {
	out := []Speedup{}
	if threads < 2 {
		return out
	}
	one := map[string]Figure{}
	for _, f := range figs {
		if f.Section == SectionWorkload && f.Threads == 1 {
			one[f.Name+"/"+f.Shape] = f
		}
	}
	for _, f := range figs {
		if f.Section != SectionWorkload || f.Threads != threads {
			continue
		}
		o, ok := one[f.Name+"/"+f.Shape]
		if !ok || o.Median <= 0 {
			continue
		}
		out = append(out, Speedup{Workload: f.Name, N: f.N, Threads: threads, Cores: runtime.NumCPU(),
			Unit: f.Unit, One: o.Median, All: f.Median, Speedup: cmp.Or(f.PairedSpeedup, f.Median/o.Median), Machine: f.MachineSpeedup, MachineRead: f.MachineReadSpeedup})
	}
	return out
}

// FigureByID returns the figure with the given ID.
func (r *Result) FigureByID(id string) (Figure, bool) {
	for _, f := range r.Figures {
		if f.ID == id {
			return f, true
		}
	}
	return Figure{}, false
}

// ErrVersionMismatch is returned by Compare for results of different suite
// versions.
var ErrVersionMismatch = errors.New("results come from different benchmark suite versions")

// sizeLabel formats a byte count as 16KiB, 4MiB, … for IDs and tables.
func sizeLabel(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	v, u := float64(b), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + units[u]
}

// samePair reports whether a and b are one workload at two thread counts.
func samePair(a, b Figure) bool {
	return a.Section == SectionWorkload && b.Section == SectionWorkload &&
		a.Name == b.Name && a.Shape == b.Shape && a.N == b.N && a.Threads != b.Threads
}

// runPair sets up a and b (the same workload at two thread counts) and
// times them with alternating repetitions. Rounds also time the machine's
// own parallel capacity (see parallelFMA), whose speed-up is recorded on
// the figure with more threads.
func runPair(per time.Duration, reps int, a, b item) ([]Figure, error) {
	items := []item{a, b}
	var subjects []timed
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			if c != nil {
				c()
			}
		}
	}()
	for _, it := range items {
		run, clean, err := it.setup()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.fig.ID, err)
		}
		subjects = append(subjects, timed{it.perIter, run, it.rewind})
		cleanups = append(cleanups, clean)
	}
	// Subjects 2 and 3, when timed, are the FMA control at a's and b's
	// thread counts, and 4 and 5, for a bandwidth-bound workload, the read
	// control.
	controls := 0
	if in := kernels.ActiveInstruments(); a.fig.Threads != b.fig.Threads {
		subjects = append(subjects, parallelFMA(in.PeakFMA32, a.fig.Threads), parallelFMA(in.PeakFMA32, b.fig.Threads))
		controls = 1
		if a.bandwidth {
			x := make([]float32, readControlBytes/4)
			for i := range x {
				x[i] = float32(i&1023) * 1e-6
			}
			subjects = append(subjects, parallelRead(in.ReadStream32, a.fig.Threads, x), parallelRead(in.ReadStream32, b.fig.Threads, x))
			controls = 2
		}
	}
	rates := measureTurns(per, reps, subjects, nil)
	figs := []Figure{a.fig, b.fig}
	for k := range figs {
		figs[k].Stats = summarize(rates[k])
	}
	// The figure with more threads carries the paired ratios over the
	// other: workload, and machine when measured.
	hi, lo := 1, 0
	if a.fig.Threads > b.fig.Threads {
		hi, lo = 0, 1
	}
	if figs[hi].Threads > figs[lo].Threads {
		figs[hi].PairedSpeedup = pairedRatio(rates[hi], rates[lo])
		if controls >= 1 {
			figs[hi].MachineSpeedup = pairedRatio(rates[2+hi], rates[2+lo])
		}
		if controls == 2 {
			figs[hi].MachineReadSpeedup = pairedRatio(rates[4+hi], rates[4+lo])
		}
	}
	for k, it := range items {
		if it.finish != nil {
			it.finish(&figs[k])
		}
	}
	return figs, nil
}

// parallelFMA is a control for thread speed-ups: threads goroutines each
// running fma (independent multiply-add chains, no memory traffic), whose
// total rate over one goroutine's is what the machine's cores give in
// parallel at that moment.
func parallelFMA(fma func(iters int) int, threads int) timed {
	perIter := float64(fma(1) * threads)
	return timed{perIter: perIter, run: func(iters int) {
		if threads == 1 {
			fma(iters)
			return
		}
		var wg sync.WaitGroup
		for range threads {
			wg.Go(func() { fma(iters) })
		}
		wg.Wait()
	}}
}

// readControlBytes is the read control's buffer: the largest working set
// of the read ceilings, far past any last-level cache here.
const readControlBytes = 256 << 20

// parallelRead is the control for a bandwidth-bound workload's thread
// speed-up: threads goroutines each running read (ReadStream32) over its
// own contiguous share of x, whose total rate over one goroutine reading
// all of x is what the memory system gives the cores in parallel at that
// moment.
func parallelRead(read func(x []float32, passes int) float32, threads int, x []float32) timed {
	check := func(s float32) {
		// The sum is finite and positive for these inputs; checking it
		// keeps the call from being dead code.
		if !(s >= 0) {
			panic(fmt.Sprintf("suite: read control summed to %v", s))
		}
	}
	return timed{perIter: float64(4 * len(x)), run: func(iters int) {
		if threads == 1 {
			check(read(x, iters))
			return
		}
		var wg sync.WaitGroup
		for t := range threads {
			share := x[len(x)*t/threads : len(x)*(t+1)/threads]
			wg.Go(func() { check(read(share, iters)) })
		}
		wg.Wait()
	}}
}

// pairedRatio is the median over rounds i of num[i]/den[i], skipping rounds
// without a positive rate on either side; 0 when none is left.
func pairedRatio(num, den []float64) float64 {
	var r []float64
	for i := range min(len(num), len(den)) {
		if num[i] > 0 && den[i] > 0 {
			r = append(r, num[i]/den[i])
		}
	}
	return summarize(r).Median
}
