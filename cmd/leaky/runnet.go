package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"leaky/engine"
	"leaky/figure"
	"leaky/kernels"
	"leaky/netfile"
	"leaky/npy"
)

// netFlags are the leaky run flags that apply with --net; the network
// file says everything else.
var netFlags = map[string]bool{"net": true, "out": true, "threads": true, "kernel": true, "steps": true, "seed": true, "dtype": true}

// runNet is leaky run --net FILE: build the network the file describes, run
// it, and write per population spikes_<pop>.npy and <var>_<pop>.npy,
// summary.json and figure.png to --out.
func runNet(o *runOptions, stdout io.Writer) error {
	var extra []string
	for name := range o.set {
		if !netFlags[name] {
			extra = append(extra, "--"+name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return badInput(fmt.Errorf("--net %s: %v do not apply to a network file (only --out, --threads, --kernel, --steps, --seed and --dtype do)", o.net, extra))
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
		return simulateNet[float32](f, o, stdout)
	case "float64":
		return simulateNet[float64](f, o, stdout)
	}
	return badInput(fmt.Errorf("--dtype %q: want float32 or float64", f.Run.DType))
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
}

// rasterLimit is the number of neurons per population the figure's raster
// shows: more cannot be told apart.
const rasterLimit = 400

func simulateNet[T engine.Float](f *netfile.File, o *runOptions, stdout io.Writer) error {
	n, err := netfile.Build[T](f)
	if err != nil {
		return badInput(err)
	}
	n.Net.SetThreads(o.threads)
	defer n.Net.Close()
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return badInput(fmt.Errorf("--out %s: %w", o.out, err))
	}
	steps, dt, batch := *f.Run.Steps, *f.Run.Dt, *f.Run.Batch
	ctx, caught, stop := interruptible(context.Background())
	defer stop()
	start := time.Now()
	runErr := n.Net.Run(ctx, steps, nil)
	wall := time.Since(start)
	if runErr != nil {
		if sig := caught(); sig != nil && errors.Is(runErr, engine.ErrInterrupted) {
			return fmt.Errorf("run of %s interrupted by %v after %d steps; nothing written", f.Path, sig, n.Net.StepIndex())
		}
		return runErr
	}
	sim := float64(steps) * dt
	s := netSummary{
		Leaky: engine.Version, Go: runtime.Version(), Net: f.Path, Steps: steps, Dt: dt, Batch: batch,
		Seed: f.Run.Seed, DType: engine.DType[T](), Kernel: kernels.Active().Name, Threads: n.Net.Threads(),
		SimSeconds: sim, WallSeconds: wall.Seconds(), RealTimeFactor: wall.Seconds() / sim,
	}
	fig := figure.Network{Dt: dt, Steps: steps, Title: filepath.Base(f.Path)}
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
		fp := figure.NetworkPop{Name: pop.Name, N: pop.N, Batch: batch}
		if sr := n.Spikes[pop.Name]; sr != nil {
			name := "spikes_" + pop.Name + ".npy"
			if err := writeNpyInt64(filepath.Join(o.out, name), sr.Events, 3); err != nil {
				return err
			}
			s.Files = append(s.Files, name)
			fp.Spiking, fp.Counts, fp.RasterNeurons = true, sr.PerStep, min(pop.N, rasterLimit)
			for k := 0; k+2 < len(sr.Events); k += 3 {
				if sr.Events[k+1] == 0 && sr.Events[k+2] < rasterLimit {
					fp.SpikeSteps = append(fp.SpikeSteps, int(sr.Events[k]))
					fp.SpikeNeurons = append(fp.SpikeNeurons, int(sr.Events[k+2]))
				}
			}
		}
		vars := make([]string, 0, len(n.Traces[pop.Name]))
		for v := range n.Traces[pop.Name] {
			vars = append(vars, v)
		}
		sort.Strings(vars)
		for _, v := range vars {
			tr := n.Traces[pop.Name][v]
			name := v + "_" + pop.Name + ".npy"
			if err := writeNpyFloat(filepath.Join(o.out, name), tr.Data, batch, tr.Width()); err != nil {
				return err
			}
			s.Files = append(s.Files, name)
			if v != "v" {
				continue
			}
			for k := 0; k < min(tr.Width(), 3); k++ {
				y := make([]float64, tr.Steps)
				for t := range y {
					y[t] = float64(tr.Data[t*batch*tr.Width()+k])
				}
				neuron := k
				if tr.Neurons != nil {
					neuron = tr.Neurons[k]
				}
				fp.Traces = append(fp.Traces, y)
				fp.TraceLabels = append(fp.TraceLabels, fmt.Sprintf("neuron %d", neuron))
			}
		}
		if fp.Spiking || len(fp.Traces) > 0 {
			fig.Pops = append(fig.Pops, fp)
		}
	}
	s.SpikesPerSecond = float64(total) / sim
	if spikingNeurons > 0 {
		s.MeanRate = s.SpikesPerSecond / float64(spikingNeurons)
	}
	if len(fig.Pops) > 0 {
		if err := figure.DrawNetwork(filepath.Join(o.out, "figure.png"), fig); err != nil {
			return err
		}
		s.Files = append(s.Files, "figure.png")
	}
	s.Files = append(s.Files, "summary.json")
	if err := writeJSON(filepath.Join(o.out, "summary.json"), s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "leaky: %s: %d steps × %d trials (%s, kernel %s, %d threads) in %.3g s (%.3g s per simulated s): %d spikes, mean rate %.3g Hz; wrote %s\n",
		f.Path, steps, batch, s.DType, s.Kernel, s.Threads, s.WallSeconds, s.RealTimeFactor, total, s.MeanRate, o.out)
	return nil
}

// writeNpyInt64 writes rows of width int64 values.
func writeNpyInt64(path string, x []int64, width int) error {
	w, err := npy.Create(path, "int64", width)
	if err != nil {
		return badInput(fmt.Errorf("--out: %w", err))
	}
	if err := w.WriteInt64(x); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// writeNpyFloat writes a trace as (steps, batch, width).
func writeNpyFloat[T engine.Float](path string, x []T, batch, width int) error {
	w, err := npy.Create(path, engine.DType[T](), batch, width)
	if err != nil {
		return badInput(fmt.Errorf("--out: %w", err))
	}
	if err := sinkFor[T](w)(x); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}
