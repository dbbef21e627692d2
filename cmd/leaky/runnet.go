package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/figure"
	"leaky/kernels"
	"leaky/netfile"
)

// netFlags are the leaky run flags that apply with --net; the network
// file says everything else.
var netFlags = map[string]bool{
	"net": true, "out": true, "threads": true, "kernel": true, "steps": true, "seed": true, "dtype": true,
	"checkpoint": true, "checkpoint-every": true, "resume": true, "force": true,
}

// runNet is leaky run --net FILE: build the network the file describes, run
// it, and write per population spikes_<pop>.npy and <var>_<pop>.npy,
// summary.json and figure.png to --out. Checkpoints, resuming, interruption
// and the memory check work as for the feed-forward run, through the same
// code (longRun, checkLimits).
func runNet(ctx context.Context, o *runOptions, stdout, stderr io.Writer) error {
	var extra []string
	for name := range o.set {
		if !netFlags[name] {
			extra = append(extra, "--"+name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return badInput(fmt.Errorf("--net %s: %v do not apply to a network file (only --out, --threads, --kernel, --steps, --seed, --dtype, --checkpoint, --checkpoint-every, --resume and --force do)", o.net, extra))
	}
	f, err := netfile.Load(o.net)
	if err != nil {
		return badInput(err)
	}
	if o.set["steps"] {
		if o.steps < 1 {
			return badInput(fmt.Errorf("--steps %d: must be at least 1", o.steps))
		}
		*f.Run.Steps = o.steps
	}
	if o.set["seed"] {
		f.Run.Seed = o.seed
	}
	if o.set["dtype"] {
		f.Run.DType = o.dtype
	}
	if err := chooseKernel(o.kernel); err != nil {
		return badInput(err)
	}
	switch f.Run.DType {
	case "float32":
		return simulateNet[float32](ctx, f, o, stdout, stderr)
	case "float64":
		return simulateNet[float64](ctx, f, o, stdout, stderr)
	}
	return badInput(fmt.Errorf("--dtype %q: want float32 or float64", f.Run.DType))
}

// netDescription lists everything that determines a network run's outputs,
// for the checkpoint's description hash: the network file's contents and
// those of every .npy file it refers to (by SHA-256, so moving them is fine
// but changing them is not), and the run settings flags can override.
// Threads, kernel and the output directory change no bit and are left out.
func netDescription(f *netfile.File) (checkpoint.Description, error) {
	sum, err := fileDigest(f.Path)
	if err != nil {
		return nil, fmt.Errorf("--net %s: %w", f.Path, err)
	}
	d := checkpoint.Description{
		{Key: "model", Value: "network"},
		{Key: "net-sha256", Value: sum},
		{Key: "steps", Value: strconv.Itoa(*f.Run.Steps)},
		{Key: "seed", Value: strconv.FormatUint(f.Run.Seed, 10)},
		{Key: "dtype", Value: f.Run.DType},
	}
	for _, df := range f.DataFiles() {
		sum, err := fileDigest(df.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %s: %w", f.Path, df.Key, df.Path, err)
		}
		d = append(d, checkpoint.Field{Key: df.Key + "-sha256", Value: sum})
	}
	return d, nil
}

// netFigure is a population's part of figure.png: its raster and rate when
// its spikes are recorded, and V of up to three of its recorded neurons.
type netFigure struct {
	pop     int
	spiking bool
	neurons []int
}

// netFigures plans the figure from what the file records.
func netFigures(f *netfile.File) []netFigure {
	var figs []netFigure
	for i, p := range f.Populations {
		fig := netFigure{pop: i}
		for _, r := range f.Recordings() {
			switch {
			case r.Pop != i:
			case r.Spikes:
				fig.spiking = true
			case r.Var == engine.VarV && fig.neurons == nil:
				fig.neurons = r.Neurons
				if fig.neurons == nil {
					fig.neurons = []int{0, 1, 2}[:min(p.Size, 3)]
				}
				fig.neurons = fig.neurons[:min(len(fig.neurons), 3)]
			}
		}
		if fig.spiking || fig.neurons != nil {
			figs = append(figs, fig)
		}
	}
	return figs
}

// checkNetLimits estimates the memory of the network run from the file,
// before the network is built, adds the output streams' buffers and the
// figure, and refuses the run when it exceeds what the machine has (unless
// --force). The estimate goes into summary.json.
func checkNetLimits[T engine.Float](f *netfile.File, o *runOptions) (engine.Memory, error) {
	elem := elemSize[T]()
	steps, batch := *f.Run.Steps, *f.Run.Batch
	m, err := f.Memory(elem, false)
	if err != nil {
		return m, badInput(fmt.Errorf("%s: %w; shrink the network", f.Path, err))
	}
	var disk float64
	for _, r := range f.Recordings() {
		pop := f.Populations[r.Pop]
		buf := int64(npyStreamBuffer + 24*engine.DefaultSpikeBlock)
		if !r.Spikes {
			width := pop.Size
			if r.Neurons != nil {
				width = len(r.Neurons)
			}
			buf = npyStreamBuffer + int64(batch)*int64(width)*int64(elem)
			disk += float64(steps) * float64(batch) * float64(width) * float64(elem)
		}
		if err := m.AddRecorder("stream", 1, buf); err != nil {
			return m, badInput(fmt.Errorf("%s: %w", f.Path, err))
		}
	}
	for _, fig := range netFigures(f) {
		if err := m.AddRecorder("figure", int64(min(steps, figureMaxSteps)), 8*int64(1+len(fig.neurons))); err != nil {
			return m, badInput(fmt.Errorf("%s: %w", f.Path, err))
		}
	}
	hints := limitHints{
		memory: "shrink the populations, run.batch, connection probabilities or delays in " + f.Path + ", use --dtype float32",
		disk:   "record less in the recorders of " + f.Path + ", fewer --steps",
	}
	return m, checkLimits(m, disk, hints, o.out, o.long.force)
}

// netPopSummary is one population's line in summary.json.
type netPopSummary struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Size   int    `json:"size"`
	Spikes int64  `json:"spikes"`
	// MeanRate is the spikes per neuron per second of simulated time,
	// averaged over trials.
	MeanRate float64 `json:"mean_rate_hz"`
	// SpikesPerSecond is the spikes of all neurons and trials per second
	// of simulated time.
	SpikesPerSecond float64 `json:"spikes_per_second"`
}

// netSummary is summary.json of a network run.
type netSummary struct {
	Leaky          string          `json:"leaky"`
	Go             string          `json:"go"`
	Net            string          `json:"net"`
	Steps          int             `json:"steps"`
	Dt             float64         `json:"dt"`
	Batch          int             `json:"batch"`
	Seed           uint64          `json:"seed"`
	DType          string          `json:"dtype"`
	Kernel         string          `json:"kernel"`
	Threads        int             `json:"threads"`
	SimSeconds     float64         `json:"simulated_seconds"`
	WallSeconds    float64         `json:"wall_seconds"`
	RealTimeFactor float64         `json:"realtime_factor"`
	Populations    []netPopSummary `json:"populations"`
	// SpikesPerSecond and MeanRate cover every spiking population.
	SpikesPerSecond float64  `json:"spikes_per_second"`
	MeanRate        float64  `json:"mean_rate_hz"`
	Files           []string `json:"files"`
	// Memory is the estimate made before the network was built.
	Memory memoryJSON `json:"memory"`
}

func simulateNet[T engine.Float](ctx context.Context, f *netfile.File, o *runOptions, stdout, stderr io.Writer) error {
	mem, err := checkNetLimits[T](f, o)
	if err != nil {
		return err
	}
	desc, err := netDescription(f)
	if err != nil {
		return badInput(err)
	}
	n, err := netfile.BuildNetwork[T](f)
	if err != nil {
		return badInput(err)
	}
	n.Net.SetThreads(o.threads)
	defer n.Net.Close()
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return badInput(fmt.Errorf("--out %s: %w", o.out, err))
	}
	steps, dt, batch := *f.Run.Steps, *f.Run.Dt, *f.Run.Batch
	lr, err := newLongRun(o, desc, steps, n.Net)
	if err != nil {
		return err
	}
	defer lr.out.abort() // removes temporary files unless everything was closed
	for _, r := range f.Recordings() {
		pop := n.Pops[r.Pop]
		if r.Spikes {
			name := "spikes_" + pop.Name + ".npy"
			err = lr.streamSpikes(pop, filepath.Join(o.out, name), "spikes/"+pop.Name)
		} else {
			err = lr.streamTrace(pop, r.Var, r.Neurons, filepath.Join(o.out, r.VarName+"_"+pop.Name+".npy"))
		}
		if err != nil {
			return err
		}
	}
	plan := netFigures(f)
	recs := make([]*figureRecorder[T], len(plan))
	for i, p := range plan {
		var traces []figureTrace
		for k, neuron := range p.neurons {
			traces = append(traces, figureTrace{name: "v" + itoa(k), v: engine.VarV, neuron: neuron})
		}
		pop := n.Pops[p.pop]
		recs[i] = newFigureRecorder(pop, "figure/"+pop.Name+"/", steps, netRasterNeurons, traces)
		lr.addFigure(recs[i])
	}
	wall, err := lr.run(ctx, stderr, mem)
	if err != nil {
		return err
	}

	sim := float64(steps) * dt
	s := netSummary{
		Leaky: engine.Version, Go: runtime.Version(), Net: f.Path, Steps: steps, Dt: dt, Batch: batch,
		Seed: f.Run.Seed, DType: engine.DType[T](), Kernel: kernels.Active().Name, Threads: n.Net.Threads(),
		SimSeconds: sim, WallSeconds: wall.Seconds(), RealTimeFactor: wall.Seconds() / sim,
		Files: lr.out.names(), Memory: memoryReport(mem),
	}
	var total int64
	spikingNeurons := 0
	for _, pop := range n.Pops {
		ps := netPopSummary{Name: pop.Name, Kind: pop.Neuron.Kind.String(), Size: pop.N, Spikes: pop.SpikeCount()}
		ps.SpikesPerSecond = float64(ps.Spikes) / sim
		ps.MeanRate = ps.SpikesPerSecond / float64(pop.N*batch)
		if pop.Neuron.Kind == engine.KindLIF {
			total += ps.Spikes
			spikingNeurons += pop.N * batch
		}
		s.Populations = append(s.Populations, ps)
	}
	s.SpikesPerSecond = float64(total) / sim
	if spikingNeurons > 0 {
		s.MeanRate = s.SpikesPerSecond / float64(spikingNeurons)
	}
	if len(plan) > 0 {
		fig := figure.Network{Dt: dt, Steps: steps, Title: filepath.Base(f.Path)}
		for i, p := range plan {
			pop, rec := n.Pops[p.pop], recs[i]
			fp := figure.NetworkPop{Name: pop.Name, N: pop.N, Batch: batch}
			if p.spiking {
				fp.Spiking, fp.Counts, fp.RasterNeurons = true, rec.counts, min(pop.N, netRasterNeurons)
				fp.SpikeSteps, fp.SpikeNeurons = rec.raster()
			}
			for _, tr := range rec.traces {
				fp.Traces = append(fp.Traces, tr.data)
				fp.TraceLabels = append(fp.TraceLabels, fmt.Sprintf("neuron %d", tr.neuron))
			}
			fig.Pops = append(fig.Pops, fp)
		}
		if err := figure.DrawNetwork(filepath.Join(o.out, "figure.png"), fig); err != nil {
			return err
		}
		s.Files = append(s.Files, "figure.png")
	}
	s.Files = append(s.Files, "summary.json")
	if err := writeJSON(filepath.Join(o.out, "summary.json"), s); err != nil {
		return err
	}
	lr.finished()
	fmt.Fprintf(stdout, "leaky: %s: %d steps × %d trials (%s, kernel %s, %d threads) in %.3g s (%.3g s per simulated s): %d spikes, mean rate %.3g Hz; wrote %s\n",
		f.Path, steps, batch, s.DType, s.Kernel, s.Threads, s.WallSeconds, s.RealTimeFactor, total, s.MeanRate, o.out)
	return nil
}
