package session

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"leaky/engine"
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
	// Ranks is the number of MPI ranks the run was split over (1: one
	// process); ExchangeSeconds the longest any rank spent exchanging
	// spikes and gathering state, RankExchangeSeconds each rank's time
	// there in rank order (absent for one process: the rank that spent
	// least is the one the others waited for), ExchangeEvery the steps between their
	// exchanges (min-delay exchange); RankWeightBytes the most bytes of
	// dense and sparse weights any rank held (each holds only those onto
	// its neurons; one process all of them).
	Ranks               int       `json:"ranks"`
	ExchangeSeconds     float64   `json:"exchange_seconds"`
	RankExchangeSeconds []float64 `json:"rank_exchange_seconds,omitempty"`
	ExchangeEvery       int       `json:"exchange_every"`
	RankWeightBytes     int64     `json:"rank_weight_bytes"`

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
	// Threads is how many threads stepped it; Stepping how
	// (engine.Network.Stepping): "blocked", "fused", "phases" or "trial".
	Threads  int    `json:"threads"`
	Stepping string `json:"stepping"`
	Spikes   int64  `json:"spikes"`
	// MeanRate is spikes per neuron per second of simulated time,
	// averaged over trials; SpikesPerSecond counts every neuron and trial.
	MeanRate        float64 `json:"mean_rate_hz"`
	SpikesPerSecond float64 `json:"spikes_per_second"`
	// The neuron's parameters as the engine runs them: neuron 0's for
	// those PerNeuron lists.
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
	// PerNeuron, for a population whose parameters differ between its
	// neurons (engine.PerNeuron, as trained NIR models have them), gives
	// the range of each that differs; omitted when none does.
	PerNeuron *PerNeuronRanges `json:"per_neuron,omitempty"`
}

// Range is the least and the greatest value of a parameter over a
// population's neurons.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// PerNeuronRanges are the parameters that differ between a population's
// neurons, each as its range: those of PopulationSummary's line, and the
// gains r and w_in that its gain and α do not show. A field is set when its
// parameter differs; TauSyn, Alpha and WIn, when one receptor's does, hold
// a range per receptor (equal ends for those that do not differ).
type PerNeuronRanges struct {
	TauMem    *Range  `json:"tau_mem,omitempty"`
	TauSyn    []Range `json:"tau_syn,omitempty"`
	Alpha     []Range `json:"alpha,omitempty"`
	Beta      *Range  `json:"beta,omitempty"`
	Gain      *Range  `json:"gain,omitempty"`
	R         *Range  `json:"r,omitempty"`
	WIn       []Range `json:"w_in,omitempty"`
	VLeak     *Range  `json:"v_leak,omitempty"`
	Threshold *Range  `json:"threshold,omitempty"`
	VReset    *Range  `json:"v_reset,omitempty"`
}

// perNeuronRanges is the ranges of the parameters that differ between
// the n neurons of np, computed from each neuron's own parameters as the
// engine steps it (engine.NeuronParams.Neuron); nil when none differs.
func perNeuronRanges(np engine.NeuronParams, n int) *PerNeuronRanges {
	if np.PerNeuron == nil || n == 0 {
		return nil
	}
	p := &PerNeuronRanges{}
	scalars := []struct {
		dst **Range
		get func(q engine.NeuronParams) float64
	}{
		{&p.TauMem, func(q engine.NeuronParams) float64 { return q.TauMem }},
		{&p.Beta, engine.NeuronParams.Beta},
		{&p.Gain, engine.NeuronParams.Gain},
		{&p.R, func(q engine.NeuronParams) float64 { return q.R }},
		{&p.VLeak, func(q engine.NeuronParams) float64 { return q.VLeak }},
		{&p.Threshold, func(q engine.NeuronParams) float64 { return q.Threshold }},
		{&p.VReset, func(q engine.NeuronParams) float64 { return q.VReset }},
	}
	if !np.Kind.Spiking() {
		scalars = scalars[:len(scalars)-2]
	}
	receptors := []struct {
		dst *[]Range
		get func(q engine.NeuronParams, k int) float64
	}{
		{&p.TauSyn, func(q engine.NeuronParams, k int) float64 { return q.TauSyn[k] }},
		{&p.Alpha, engine.NeuronParams.Alpha},
		{&p.WIn, func(q engine.NeuronParams, k int) float64 {
			if q.WIn == nil {
				return 1
			}
			return q.WIn[k]
		}},
	}
	k := len(np.TauSyn)
	lo := make([]float64, len(scalars)+len(receptors)*k)
	hi := make([]float64, len(lo))
	x := make([]float64, 0, len(lo))
	for i := range n {
		q := np.Neuron(i)
		x = x[:0]
		for _, s := range scalars {
			x = append(x, s.get(q))
		}
		for _, r := range receptors {
			for j := range k {
				x = append(x, r.get(q, j))
			}
		}
		for j, v := range x {
			if i == 0 || v < lo[j] {
				lo[j] = v
			}
			if i == 0 || v > hi[j] {
				hi[j] = v
			}
		}
	}
	differ := false
	for j, s := range scalars {
		if lo[j] != hi[j] {
			*s.dst, differ = &Range{lo[j], hi[j]}, true
		}
	}
	for r, rc := range receptors {
		at := len(scalars) + r*k
		if !slices.Equal(lo[at:at+k], hi[at:at+k]) {
			for j := range k {
				*rc.dst = append(*rc.dst, Range{lo[at+j], hi[at+j]})
			}
			differ = true
		}
	}
	if !differ {
		return nil
	}
	return p
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
