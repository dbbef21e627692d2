package session

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"leaky/internal/atomicfile"
	"leaky/kernels"
)

// SummarySchema is summary.schema.json: the JSON Schema (draft 2020-12)
// that every summary.json follows, completed or interrupted.
//
//go:embed summary.schema.json
var SummarySchema []byte

// SchemaVersion names the layout of summary.json; it changes whenever a
// field is renamed or removed.
const SchemaVersion = "leaky-summary/1"

// Summary is summary.json: what was run, on what, how fast, and what came
// out. An interrupted run writes one too, with Interrupted set.
type Summary struct {
	Schema string `json:"schema"`
	Leaky  string `json:"leaky"`
	Go     string `json:"go"`
	// Net is the network file run, "" for a description built in Go (as
	// leaky run's flags build one).
	Net string `json:"net"`
	// Out is the output directory.
	Out string `json:"out"`

	Interrupted bool `json:"interrupted"`
	// Signal, Checkpoint, Resume and PartFiles are set when interrupted.
	Signal     string   `json:"signal,omitempty"`
	Checkpoint string   `json:"checkpoint,omitempty"`
	Resume     string   `json:"resume,omitempty"`
	PartFiles  []string `json:"part_files,omitempty"`
	// StepReached is the number of steps done; Steps the run's length.
	StepReached int `json:"step_reached"`
	Steps       int `json:"steps"`

	Dt     float64 `json:"dt"`
	Batch  int     `json:"batch"`
	Seed   uint64  `json:"seed"`
	DType  string  `json:"dtype"`
	Kernel string  `json:"kernel"`
	// KernelFallbacks lists the implementations this CPU has whose
	// self-check against generic failed, so that Kernel is a slower one.
	KernelFallbacks []KernelFallback `json:"kernel_fallbacks"`
	// Threads is the cap; each population's Threads what it ran on.
	Threads int `json:"threads"`

	SimSeconds float64 `json:"simulated_seconds"`
	// WallSeconds is the time spent stepping, SetupSeconds the time
	// before the first step: checking the description, building the
	// network (drawing its weights, initial states and connectivity),
	// opening the outputs and, when resuming, loading the checkpoint.
	WallSeconds    float64 `json:"wall_seconds"`
	SetupSeconds   float64 `json:"setup_seconds"`
	RealTimeFactor float64 `json:"realtime_factor"`
	// NeuronSteps is neuron updates (all populations and trials) per
	// second of wall time.
	NeuronSteps float64 `json:"neuron_steps_per_second"`

	Populations []PopulationSummary `json:"populations"`
	Sources     []SourceSummary     `json:"sources"`
	// OutputSpikes, SpikesPerSecond and MeanRate cover every spiking
	// population.
	OutputSpikes    int64   `json:"output_spikes"`
	SpikesPerSecond float64 `json:"spikes_per_second"`
	MeanRate        float64 `json:"mean_rate_hz"`

	Recorded []RecordedFile `json:"recorded"`
	Files    []string       `json:"files"`
	// Memory is the estimate made before anything was allocated.
	Memory MemoryReport `json:"memory"`
}

// PopulationSummary is one population's line in summary.json.
type PopulationSummary struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Size int    `json:"size"`
	// Threads is how many threads stepped it.
	Threads int   `json:"threads"`
	Spikes  int64 `json:"spikes"`
	// MeanRate is spikes per neuron per second of simulated time,
	// averaged over trials; SpikesPerSecond counts every neuron and trial.
	MeanRate        float64 `json:"mean_rate_hz"`
	SpikesPerSecond float64 `json:"spikes_per_second"`
	// The neuron's parameters as the engine runs them.
	TauMem     float64   `json:"tau_mem"`
	TauSyn     []float64 `json:"tau_syn"`
	Alpha      []float64 `json:"alpha"`
	Beta       float64   `json:"beta"`
	Gain       float64   `json:"gain"`
	VLeak      float64   `json:"v_leak"`
	Threshold  *float64  `json:"threshold,omitempty"`
	Reset      string    `json:"reset,omitempty"`
	VReset     *float64  `json:"v_reset,omitempty"`
	Refractory int       `json:"refractory_steps"`
}

// SourceSummary is one source's line in summary.json.
type SourceSummary struct {
	Name string `json:"name"`
	// Kind is poisson, spikes (an array of 0/1) or analog.
	Kind string `json:"kind"`
	Size int    `json:"size"`
	// Rate is a Poisson source's rate in Hz.
	Rate float64 `json:"rate_hz,omitempty"`
	// Spikes is the spikes emitted, null for analog input.
	Spikes *int64 `json:"spikes"`
}

// RecordedFile is one output file and what it holds.
type RecordedFile struct {
	File       string `json:"file"`
	Population string `json:"population"`
	// Var is spikes (the (step, trial, neuron) list), v, isyn, iinp or s
	// (the dense 0/1 raster).
	Var string `json:"var"`
	// Neurons are the neurons of a trace, omitted for all.
	Neurons []int `json:"neurons,omitempty"`
}

// writeSummary writes s to path atomically, indented.
func writeSummary(path string, s *Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing summary: %w", err)
	}
	return nil
}

// KernelFallback is a kernel implementation that failed its self-check
// (kernels.Fallbacks): its name and the first difference from generic.
type KernelFallback struct {
	Kernel string `json:"kernel"`
	Error  string `json:"error"`
}

// kernelFallbacks reports kernels.Fallbacks for summary.json.
func kernelFallbacks() []KernelFallback {
	out := []KernelFallback{}
	for _, f := range kernels.Fallbacks() {
		out = append(out, KernelFallback{Kernel: f.Impl, Error: f.Err.Error()})
	}
	return out
}
