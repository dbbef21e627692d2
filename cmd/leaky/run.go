package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"leaky/engine"
	"leaky/figure"
	"leaky/kernels"
	"leaky/npy"
)

func init() {
	register("run", "simulate and write traces, spikes, a summary and a figure", cmdRun)
}

// runOptions are the flags of leaky run.
type runOptions struct {
	steps, nInputs, neurons, batch  int
	rate, dt, tauMem, tauSyn, theta float64
	reset, dtype                    string
	seed                            uint64
	inputs, weights                 string
	record, recordNeurons           string
	out                             string
	kernel                          string
	threads                         int
	figureNeuron                    int
	procedural                      bool
	long                            longRunOptions // checkpoints, resume, limits: checkpoint.go
	net                             string         // network file: runnet.go
	// set records which flags were given on the command line, so a file
	// that overrides a size can be checked against an explicit value.
	set map[string]bool
}

func newRunFlags(o *runOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("leaky run", flag.ContinueOnError)
	def := engine.DefaultNeuron()
	fs.IntVar(&o.steps, "steps", 5000, "number of time steps T")
	fs.IntVar(&o.nInputs, "n-inputs", 100, "number of Poisson inputs")
	fs.IntVar(&o.neurons, "neurons", 1000, "number of LIF neurons N")
	fs.IntVar(&o.batch, "batch", 1, "number of independent trials B")
	fs.Float64Var(&o.rate, "rate", 5, "Poisson input rate in Hz")
	fs.Float64Var(&o.dt, "dt", def.Dt, "time step in seconds")
	fs.Float64Var(&o.tauMem, "tau-mem", def.TauMem, "membrane time constant in seconds")
	fs.Float64Var(&o.tauSyn, "tau-syn", def.TauSyn[0], "synaptic time constant in seconds")
	fs.Float64Var(&o.theta, "threshold", def.Threshold, "firing threshold θ")
	fs.StringVar(&o.reset, "reset", "subtract", "reset after a spike: subtract or zero")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the Poisson inputs and default weights")
	fs.StringVar(&o.dtype, "dtype", "float32", "precision: float32 or float64")
	fs.StringVar(&o.inputs, "inputs", "", "input array `FILE.npy`, shape (T, n_in) or (T, B, n_in); 0/1 values are spikes, others analog (overrides --steps, --n-inputs, --batch)")
	fs.StringVar(&o.weights, "weights", "", "weight matrix `FILE.npy`, shape (n_in, N) (overrides --neurons)")
	fs.StringVar(&o.record, "record", "v,isyn,iinp,spikes", "what to write: comma list of v, isyn, iinp, spikes (empty: nothing)")
	fs.StringVar(&o.recordNeurons, "record-neurons", "", "neurons whose traces are written, e.g. 0,5,10-20 (default all)")
	fs.StringVar(&o.out, "out", "out", "output directory")
	fs.StringVar(&o.kernel, "kernel", "", "kernels: generic, avx2, avx512 or auto (default $LEAKY_KERNEL, else auto)")
	fs.IntVar(&o.threads, "threads", 0, "threads to step with (0: all cores)")
	fs.IntVar(&o.figureNeuron, "figure-neuron", 0, "neuron (of trial 0) whose traces the figure shows")
	fs.StringVar(&o.net, "net", "", "network `FILE` (YAML or JSON) to run instead of the feed-forward workload; see README \"Network files\"")
	fs.BoolVar(&o.procedural, "procedural-weights", false, "regenerate the default weights when an input spikes instead of storing n_in × N of them: identical results in O(N) memory, for populations whose weights do not fit (spiking input only)")
	addLongRunFlags(fs, &o.long)
	return fs
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	return cmdRunContext(context.Background(), args, stdout, stderr)
}

// cmdRunContext is leaky run under ctx: cancelling ctx with an
// interruptCause interrupts the run as that signal would (checkpoint,
// summary, exit status), which is how tests stop a run at a chosen step.
func cmdRunContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o runOptions
	fs := newRunFlags(&o)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: leaky run [flags]\n\nSimulates LIF neurons driven by inputs and writes v.npy, isyn.npy, iinp.npy,\nspikes.npy, summary.json and figure.png to --out.\n\nflags:")
			fs.PrintDefaults()
			return exitOK
		}
		return fail(stderr, badInput(fmt.Errorf("run: %w", err)))
	}
	if fs.NArg() > 0 {
		return fail(stderr, badInput(fmt.Errorf("run: unexpected argument %q (flags start with --)", fs.Arg(0))))
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if o.net != "" {
		if err := runNet(ctx, &o, stdout, stderr); err != nil {
			if st, ok := interruptStatus(err); ok {
				fmt.Fprintf(stderr, "leaky: %v\n", err)
				return st
			}
			return fail(stderr, err)
		}
		return exitOK
	}
	var err error
	switch o.dtype {
	case "float32":
		err = simulate[float32](ctx, &o, stdout, stderr)
	case "float64":
		err = simulate[float64](ctx, &o, stdout, stderr)
	default:
		err = badInput(fmt.Errorf("--dtype %q: want float32 or float64", o.dtype))
	}
	if st, ok := interruptStatus(err); ok {
		fmt.Fprintf(stderr, "leaky: %v\n", err)
		return st
	}
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// validate checks the flags that do not depend on files.
func (o *runOptions) validate() (engine.NeuronParams, error) {
	positive := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("--%s %v: must be a positive finite number", name, v)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"steps", o.steps}, {"n-inputs", o.nInputs}, {"neurons", o.neurons}, {"batch", o.batch}} {
		if c.v < 1 {
			return engine.NeuronParams{}, fmt.Errorf("--%s %d: must be at least 1", c.name, c.v)
		}
	}
	if err := positive("dt", o.dt); err != nil {
		return engine.NeuronParams{}, err
	}
	if err := positive("tau-mem", o.tauMem); err != nil {
		return engine.NeuronParams{}, err
	}
	if err := positive("tau-syn", o.tauSyn); err != nil {
		return engine.NeuronParams{}, err
	}
	if math.IsNaN(o.theta) || math.IsInf(o.theta, 0) {
		return engine.NeuronParams{}, fmt.Errorf("--threshold %v: must be finite", o.theta)
	}
	if !(o.rate >= 0) || math.IsInf(o.rate, 0) {
		return engine.NeuronParams{}, fmt.Errorf("--rate %v: must be a finite number of Hz ≥ 0", o.rate)
	}
	if o.inputs == "" && o.rate*o.dt > 1 {
		return engine.NeuronParams{}, fmt.Errorf("--rate %v × --dt %v = %v spikes per step; an input can spike at most once per step", o.rate, o.dt, o.rate*o.dt)
	}
	if o.threads < 0 {
		return engine.NeuronParams{}, fmt.Errorf("--threads %d: must be ≥ 0 (0 uses all cores)", o.threads)
	}
	if o.figureNeuron < 0 {
		return engine.NeuronParams{}, fmt.Errorf("--figure-neuron %d: must be ≥ 0", o.figureNeuron)
	}
	reset, err := engine.ParseReset(o.reset)
	if err != nil {
		return engine.NeuronParams{}, fmt.Errorf("--reset: %w", err)
	}
	if o.out == "" {
		return engine.NeuronParams{}, errors.New("--out: the output directory must not be empty")
	}
	p := engine.SeedNeuron(o.dt, o.tauMem, o.tauSyn, o.theta, reset)
	return p, p.Validate()
}

// recordSet is what --record asked for.
type recordSet struct {
	vars   []engine.Var
	spikes bool
}

func parseRecord(s string) (recordSet, error) {
	var r recordSet
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if seen[item] {
			return r, fmt.Errorf("--record %q: %s is listed twice", s, item)
		}
		seen[item] = true
		switch item {
		case "v":
			r.vars = append(r.vars, engine.VarV)
		case "isyn":
			r.vars = append(r.vars, engine.VarI)
		case "iinp":
			r.vars = append(r.vars, engine.VarIin)
		case "spikes":
			r.spikes = true
		default:
			return r, fmt.Errorf("--record %q: unknown item %q (want v, isyn, iinp or spikes)", s, item)
		}
	}
	return r, nil
}

// parseNeurons parses a list like "0,5,10-20" of indices below n, in the
// order given; an empty list means all (nil).
func parseNeurons(s string, n int) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	seen := map[int]bool{}
	add := func(i int) error {
		if i < 0 || i >= n {
			return fmt.Errorf("--record-neurons %q: neuron %d is outside 0..%d", s, i, n-1)
		}
		if seen[i] {
			return fmt.Errorf("--record-neurons %q: neuron %d is listed twice", s, i)
		}
		seen[i] = true
		out = append(out, i)
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("--record-neurons %q: %q is not a neuron index or a range like 10-20", s, item)
		}
		if !isRange {
			if err := add(a); err != nil {
				return nil, err
			}
			continue
		}
		b, err := strconv.Atoi(strings.TrimSpace(hi))
		if err != nil || b < a {
			return nil, fmt.Errorf("--record-neurons %q: %q is not a range like 10-20", s, item)
		}
		if b >= n {
			return nil, fmt.Errorf("--record-neurons %q: neuron %d is outside 0..%d", s, b, n-1)
		}
		for i := a; i <= b; i++ {
			if err := add(i); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// chooseKernel applies --kernel, or LEAKY_KERNEL when the flag is absent.
func chooseKernel(flagValue string) error {
	if flagValue == "" {
		if err := kernels.EnvError(); err != nil {
			return err
		}
		return nil
	}
	if err := kernels.Use(flagValue); err != nil {
		return fmt.Errorf("--kernel: %w", err)
	}
	return nil
}

// loadInputs reads --inputs as (T, B, n_in) and checks it against the
// flags given explicitly.
func loadInputs[T engine.Float](o *runOptions) (*engine.Array[T], int64, error) {
	a, err := npy.Read(o.inputs)
	if err != nil {
		return nil, 0, fmt.Errorf("--inputs: %w", err)
	}
	var steps, batch, nIn int
	switch len(a.Shape) {
	case 2:
		steps, batch, nIn = a.Shape[0], 1, a.Shape[1]
	case 3:
		steps, batch, nIn = a.Shape[0], a.Shape[1], a.Shape[2]
	default:
		return nil, 0, fmt.Errorf("--inputs %s: shape %s has %d dimensions; want (T, n_in) or (T, B, n_in)", o.inputs, a.ShapeString(), len(a.Shape))
	}
	if steps < 1 || batch < 1 || nIn < 1 {
		return nil, 0, fmt.Errorf("--inputs %s: shape %s is empty; every dimension must be at least 1", o.inputs, a.ShapeString())
	}
	for _, c := range []struct {
		flag      string
		flagValue int
		fileValue int
		what      string
	}{{"steps", o.steps, steps, "steps"}, {"n-inputs", o.nInputs, nIn, "inputs"}, {"batch", o.batch, batch, "trials"}} {
		if o.set[c.flag] && c.flagValue != c.fileValue {
			return nil, 0, fmt.Errorf("--%s %d disagrees with --inputs %s, which has %d %s (shape %s); drop the flag or change the file", c.flag, c.flagValue, o.inputs, c.fileValue, c.what, a.ShapeString())
		}
	}
	x := make([]T, len(a.Data))
	var spikes int64
	for i, v := range a.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t, rest := i/(batch*nIn), i%(batch*nIn)
			return nil, 0, fmt.Errorf("--inputs %s: value at step %d, trial %d, input %d is %v; inputs must be finite", o.inputs, t, rest/nIn, rest%nIn, v)
		}
		x[i] = T(v)
		if v == 1 {
			spikes++
		}
	}
	src, err := engine.NewArray("input", x, steps, batch, nIn)
	if err != nil {
		return nil, 0, fmt.Errorf("--inputs %s: %w", o.inputs, err)
	}
	o.steps, o.batch, o.nInputs = steps, batch, nIn
	return src, spikes, nil
}

// loadWeights reads --weights as (n_in, N).
func loadWeights[T engine.Float](o *runOptions) ([]T, error) {
	a, err := npy.Read(o.weights)
	if err != nil {
		return nil, fmt.Errorf("--weights: %w", err)
	}
	if len(a.Shape) != 2 {
		return nil, fmt.Errorf("--weights %s: shape %s has %d dimensions; want (n_in, N)", o.weights, a.ShapeString(), len(a.Shape))
	}
	nIn, n := a.Shape[0], a.Shape[1]
	if nIn < 1 || n < 1 {
		return nil, fmt.Errorf("--weights %s: shape %s is empty; want (n_in, N) with both at least 1", o.weights, a.ShapeString())
	}
	if nIn != o.nInputs {
		from := "--n-inputs"
		if o.inputs != "" {
			from = "--inputs " + o.inputs
		}
		return nil, fmt.Errorf("--weights %s: shape %s has %d rows, but %s gives %d inputs", o.weights, a.ShapeString(), nIn, from, o.nInputs)
	}
	if o.set["neurons"] && o.neurons != n {
		return nil, fmt.Errorf("--neurons %d disagrees with --weights %s, which has %d columns (shape %s); drop the flag or change the file", o.neurons, o.weights, n, a.ShapeString())
	}
	w := make([]T, len(a.Data))
	for i, v := range a.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("--weights %s: weight [%d, %d] is %v; weights must be finite", o.weights, i/n, i%n, v)
		}
		w[i] = T(v)
	}
	o.neurons = n
	return w, nil
}

// summary is written to summary.json.
type summary struct {
	Leaky       string  `json:"leaky_version"`
	Go          string  `json:"go_version"`
	Steps       int     `json:"steps"`
	Batch       int     `json:"batch"`
	Neurons     int     `json:"neurons"`
	Inputs      int     `json:"inputs"`
	InputFile   string  `json:"inputs_file,omitempty"`
	InputKind   string  `json:"input_kind"`
	WeightsFile string  `json:"weights_file,omitempty"`
	DType       string  `json:"dtype"`
	Seed        uint64  `json:"seed"`
	Rate        float64 `json:"rate_hz,omitempty"`
	Dt          float64 `json:"dt"`
	TauMem      float64 `json:"tau_mem"`
	TauSyn      float64 `json:"tau_syn"`
	Threshold   float64 `json:"threshold"`
	Reset       string  `json:"reset"`
	Alpha       float64 `json:"alpha"`
	Beta        float64 `json:"beta"`
	// InputSpikes is null for analog inputs, which are not spikes.
	InputSpikes   *int64   `json:"input_spikes"`
	OutputSpikes  int64    `json:"output_spikes"`
	MeanRate      float64  `json:"mean_rate_hz"`
	Recorded      []string `json:"recorded"`
	RecordNeurons []int    `json:"record_neurons,omitempty"`
	Kernel        string   `json:"kernel"`
	Threads       int      `json:"threads"`
	WallSeconds   float64  `json:"wall_seconds"`
	NeuronSteps   float64  `json:"neuron_steps_per_second"`
	Files         []string `json:"files"`
	// Memory is the estimate made before the run (limits.go).
	Memory memoryJSON `json:"memory"`
}

// simulate runs leaky run in precision T.
func simulate[T engine.Float](ctx context.Context, o *runOptions, stdout, stderr io.Writer) (err error) {
	params, err := o.validate()
	if err != nil {
		return badInput(err)
	}
	rec, err := parseRecord(o.record)
	if err != nil {
		return badInput(err)
	}
	if err := chooseKernel(o.kernel); err != nil {
		return badInput(err)
	}
	if o.procedural && o.weights != "" {
		return badInput(fmt.Errorf("--procedural-weights generates the weights from --seed; it cannot be combined with --weights %s", o.weights))
	}
	cfg := engine.FeedForwardConfig{Neuron: params, Batch: o.batch, Inputs: o.nInputs, Neurons: o.neurons, Rate: o.rate, Seed: o.seed, ProceduralWeights: o.procedural}
	var src engine.Source[T]
	var arr *engine.Array[T]
	var inputSpikes int64
	if o.inputs != "" {
		if arr, inputSpikes, err = loadInputs[T](o); err != nil {
			return badInput(err)
		}
		if o.procedural && !arr.Binary {
			return badInput(fmt.Errorf("--procedural-weights needs spiking (0/1) input, but --inputs %s is analog", o.inputs))
		}
		src = arr
		cfg.Batch, cfg.Inputs = o.batch, o.nInputs
	}
	var weights []T
	if o.weights != "" {
		if weights, err = loadWeights[T](o); err != nil {
			return badInput(err)
		}
		cfg.Neurons = o.neurons
	}
	subset, err := parseNeurons(o.recordNeurons, o.neurons)
	if err != nil {
		return badInput(err)
	}
	if o.figureNeuron >= o.neurons {
		return badInput(fmt.Errorf("--figure-neuron %d is outside 0..%d", o.figureNeuron, o.neurons-1))
	}
	mem, err := checkRunLimits[T](o, rec.spikes, len(rec.vars), subset)
	if err != nil {
		return err
	}
	ff, err := engine.NewFeedForward[T](cfg, src, weights)
	if err != nil {
		return badInput(err)
	}
	defer ff.Net.Close()
	ff.Net.SetThreads(o.threads)

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return badInput(fmt.Errorf("--out %s: %w", o.out, err))
	}
	desc, err := o.describe()
	if err != nil {
		return badInput(err)
	}
	lr, err := newLongRun(o, desc, o.steps, ff.Net)
	if err != nil {
		return err
	}
	defer lr.out.abort() // removes temporary files unless everything was closed
	var recorded []string
	for _, v := range rec.vars {
		if err := lr.streamTrace(ff.Pop, v, subset, filepath.Join(o.out, v.String()+".npy")); err != nil {
			return err
		}
		recorded = append(recorded, v.String())
	}
	if rec.spikes {
		if err := lr.streamSpikes(ff.Pop, filepath.Join(o.out, "spikes.npy"), "spikes/count"); err != nil {
			return err
		}
		recorded = append(recorded, "spikes")
	}
	fig := newNeuronFigure(ff.Pop, o.figureNeuron, o.steps)
	lr.addFigure(fig)
	wall, err := lr.run(ctx, stderr, mem)
	if err != nil {
		return err
	}

	nsteps := float64(o.steps) * float64(o.batch) * float64(o.neurons)
	s := summary{
		Leaky: engine.Version, Go: runtime.Version(),
		Steps: o.steps, Batch: o.batch, Neurons: o.neurons, Inputs: o.nInputs,
		InputFile: o.inputs, WeightsFile: o.weights, DType: engine.DType[T](), Seed: o.seed,
		Dt: params.Dt, TauMem: params.TauMem, TauSyn: params.TauSyn[0], Threshold: params.Threshold,
		Reset: o.reset, Alpha: params.Alpha(0), Beta: params.Beta(),
		OutputSpikes:  ff.Pop.SpikeCount(),
		MeanRate:      float64(ff.Pop.SpikeCount()) / (nsteps * params.Dt),
		Recorded:      recorded,
		RecordNeurons: subset,
		Kernel:        kernels.Active().Name, Threads: ff.Net.Threads(),
		WallSeconds: wall.Seconds(),
		NeuronSteps: nsteps / wall.Seconds(),
		Files:       lr.out.names(),
	}
	switch {
	case arr == nil:
		s.InputKind, s.Rate = "poisson", o.rate
		if p, ok := ff.Input.(*engine.Poisson[T]); ok {
			n := p.Emitted()
			s.InputSpikes = &n
		}
	case arr.Binary:
		s.InputKind, s.InputSpikes = "spikes", &inputSpikes
	default:
		s.InputKind = "analog"
	}

	figPath := filepath.Join(o.out, "figure.png")
	if err := figure.Draw(figPath, fig.data(params.Dt, params.Threshold, o.batch, o.neurons)); err != nil {
		return err
	}
	s.Files = append(s.Files, "figure.png", "summary.json")
	s.Memory = memoryReport(mem)
	if err := writeJSON(filepath.Join(o.out, "summary.json"), s); err != nil {
		return err
	}
	lr.finished()
	fmt.Fprintf(stdout, "leaky: %d steps × %d trials × %d neurons (%s, kernel %s, %d threads) in %.3g s: %d output spikes, mean rate %.3g Hz; wrote %s\n",
		o.steps, o.batch, o.neurons, s.DType, s.Kernel, s.Threads, s.WallSeconds, s.OutputSpikes, s.MeanRate, o.out)
	return nil
}

// sinkFor adapts a .npy writer to a trace stream of T.
func sinkFor[T engine.Float](w *npy.Writer) func([]T) error {
	return func(x []T) error {
		switch x := any(x).(type) {
		case []float32:
			return w.WriteFloat32(x)
		case []float64:
			return w.WriteFloat64(x)
		}
		return fmt.Errorf("unsupported element type %T", x)
	}
}

// outputs tracks the .npy writers of a run so that a failed run leaves no
// temporary files and no half-written results.
type outputs struct {
	writers []*npy.Writer
	check   []func() error
	closed  bool
	// open creates a writer; nil means npy.Create (a resumed run reopens
	// its .part files instead).
	open func(path, dtype string, trailing ...int) (*npy.Writer, error)
}

func newOutputs() *outputs { return &outputs{} }

func (o *outputs) create(path, dtype string, trailing ...int) (*npy.Writer, error) {
	open := npy.Create
	if o.open != nil {
		open = o.open
	}
	w, err := open(path, dtype, trailing...)
	if err != nil {
		return nil, badInput(fmt.Errorf("--out: %w", err))
	}
	o.writers = append(o.writers, w)
	return w, nil
}

// err returns the first error a recorder's stream has met.
func (o *outputs) err() error {
	for _, c := range o.check {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

func (o *outputs) closeAll() error {
	if err := o.err(); err != nil {
		return err
	}
	for _, w := range o.writers {
		if err := w.Close(); err != nil {
			return err
		}
	}
	o.closed = true
	return nil
}

func (o *outputs) abort() {
	if o.closed {
		return
	}
	for _, w := range o.writers {
		w.Abort()
	}
}

func (o *outputs) names() []string {
	var n []string
	for _, w := range o.writers {
		n = append(n, filepath.Base(w.Path()))
	}
	return n
}

// writeJSON writes v indented to path through a temporary name.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".part"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
