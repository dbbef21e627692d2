package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"

	"leaky/engine"
	"leaky/netfile"
	"leaky/nir"
	"leaky/session"
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
	figureNeuron                    int
	procedural                      bool
	net                             string
	nir, semantics, scheme          string
	printNet                        bool
	cpuProfile                      string
	session                         session.Options
	// netFile is the network file the run's description comes from, and
	// nirRun says it is a NIR graph's — --net's or --nir's, or, resuming
	// with neither, the checkpoint's — so that messages name its keys as
	// theirs; graph is the graph's file ("" when the description reads
	// nothing from it) and graphKeys the key paths of what it reads there,
	// which --nir names.
	netFile, graph string
	nirRun         bool
	graphKeys      []string
	// set records which flags were given on the command line.
	set map[string]bool
	fs  *flag.FlagSet
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
	fs.StringVar(&o.record, "record", "v,isyn,iinp,spikes", "what to write: comma list of v, isyn, iinp, spikes (the (step, trial, neuron) list), s (the same as a dense 0/1 raster) (empty: nothing)")
	fs.StringVar(&o.recordNeurons, "record-neurons", "", "neurons whose traces are written, e.g. 0,5,10-20 (default all)")
	fs.IntVar(&o.figureNeuron, "figure-neuron", 0, "neuron (of trial 0) whose traces the figure shows")
	fs.BoolVar(&o.procedural, "procedural-weights", false, "regenerate the default weights when an input spikes instead of storing n_in × N of them: identical results in O(N) memory, for populations whose weights do not fit (spiking input only)")
	fs.StringVar(&o.net, "net", "", "network `FILE` (YAML or JSON) to run instead of the feed-forward workload; see README \"Network files\"")
	fs.StringVar(&o.nir, "nir", "", "NIR graph `FILE` (a model exported by snnTorch, Norse, Spyx, Rockpool, Sinabs…) to run on --inputs, with --dt; see README \"NIR graphs\"")
	fs.StringVar(&o.semantics, "semantics", "norse", "with --nir: whose step the neurons follow and how r, w_in and θ are read: "+strings.Join(nir.Semantics(), ", ")+"; see README \"NIR graphs\"")
	fs.StringVar(&o.scheme, "scheme", "", "with --nir: euler (1 − dt/τ) or exact (exp(−dt/τ)) decays (default: the semantics' own)")
	fs.BoolVar(&o.printNet, "print-net", false, "print the network description the flags make, as YAML, and exit: `leaky run --net` of it runs the same")
	s := &o.session
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (setup, steps, files) to `FILE`, for go tool pprof; under mpirun each rank writes FILE.rankR")
	fs.StringVar(&s.Out, "out", "out", "output directory (with --resume: the checkpoint's)")
	fs.StringVar(&s.Kernel, "kernel", "", "kernels: generic, avx2, avx512 or auto (default $LEAKY_KERNEL, else auto)")
	fs.IntVar(&s.Threads, "threads", 0, "threads to step with (0: all cores; under mpirun, the cores divided among the ranks on each machine)")
	fs.StringVar(&s.Checkpoint, "checkpoint", "", "checkpoint `FILE` written every --checkpoint-every steps and on Ctrl-C/SIGTERM (default OUT/checkpoint.lkc)")
	fs.IntVar(&s.CheckpointEvery, "checkpoint-every", 0, "save a checkpoint every `STEPS` steps (0: only when interrupted)")
	fs.StringVar(&s.Resume, "resume", "", "continue the run saved in checkpoint `FILE`; flags given must agree with it")
	fs.BoolVar(&s.Force, "force", false, "run even when the memory or disk estimate exceeds what is available")
	return fs
}

// runFlags are the flags that say how to run, not what: they apply to
// every run and change no bit of the results.
var runFlags = map[string]bool{
	"out": true, "kernel": true, "threads": true, "checkpoint": true, "checkpoint-every": true,
	"resume": true, "force": true, "print-net": true, "net": true, "cpuprofile": true,
}

// netFlags are the description flags that apply with --net: they override
// the file's run settings.
var netFlags = map[string]bool{"steps": true, "seed": true, "dtype": true}

// nirFlags are the description flags that apply with --nir.
var nirFlags = map[string]bool{
	"nir": true, "dt": true, "inputs": true, "steps": true, "batch": true, "seed": true, "dtype": true,
	"semantics": true, "scheme": true, "reset": true, "record": true,
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	return cmdRunContext(context.Background(), args, stdout, stderr)
}

// afterStep, when set, is called after every step: tests use it to
// interrupt a run at a chosen step.
var afterStep func(step int)

// cmdRunContext is leaky run under ctx: cancelling ctx with
// session.Interrupt's cause interrupts the run as that signal would.
func cmdRunContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cmdRunRanks(ctx, args, stdout, stderr)
}

// runStatus is leaky run on this process, its share of a run over the
// ranks of comm when comm is not nil.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer, comm session.Comm) (status int) {
	var o runOptions
	fs := newRunFlags(&o)
	o.fs = fs
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: leaky run [flags]\n\nSimulates LIF neurons driven by inputs and writes v.npy, isyn.npy, iinp.npy,\nspikes.npy, summary.json and figure.png to --out; with --net FILE, the network\nthe file describes.\n\nflags:")
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
	d, err := o.description()
	if err != nil {
		return fail(stderr, o.explain(err))
	}
	if o.printNet {
		if err := d.Check(); err != nil {
			return fail(stderr, o.explain(err))
		}
		b, err := d.Marshal()
		if err != nil {
			return fail(stderr, err)
		}
		stdout.Write(b)
		return exitOK
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile, comm)
		if err != nil {
			return fail(stderr, badInput(fmt.Errorf("run: --cpuprofile: %w", err)))
		}
		defer func() {
			if err := stop(); err != nil && status == exitOK {
				status = fail(stderr, fmt.Errorf("run: --cpuprofile: %w", err))
			}
		}()
	}
	so := o.session
	so.Signals, so.Progress, so.AfterStep, so.Name = true, stderr, afterStep, o.flagName
	so.Comm = comm
	if so.Resume != "" && !o.set["out"] {
		so.Out = "" // the checkpoint's
	}
	s, err := session.Run(ctx, d, so)
	var ie *session.InterruptedError
	if errors.As(err, &ie) {
		fmt.Fprintf(stderr, "leaky: %v\n", err)
		return ie.ExitStatus()
	}
	var se *session.StartError
	if errors.As(err, &se) {
		// Every rank stops with status 2; the lowest failing one says why.
		if se.Err != nil {
			fail(stderr, o.explain(se.Err))
		}
		return exitUsage
	}
	if err != nil {
		return fail(stderr, o.explain(err))
	}
	name := s.Net
	switch {
	case o.nirRun && o.graph != "":
		name = o.graph
	case o.nirRun:
		name = "NIR graph"
	case name == "":
		name = "feed-forward"
	}
	threads := fmt.Sprintf("%d threads", s.Threads)
	if s.Ranks > 1 {
		threads += fmt.Sprintf(" × %d ranks", s.Ranks)
	}
	fmt.Fprintf(stdout, "leaky: %s: %d steps × %d trials × %d neurons (%s, kernel %s, %s) in %.3g s (%.3g s per simulated s) after %.3g s of setup: %d spikes, mean rate %.3g Hz; wrote %s\n",
		name, s.Steps, s.Batch, neuronCount(s), s.DType, s.Kernel, threads, s.WallSeconds, s.RealTimeFactor, s.SetupSeconds, s.OutputSpikes, s.MeanRate, s.Out)
	for _, p := range s.Populations {
		if p.PerNeuron != nil {
			fmt.Fprintf(stdout, "leaky: %s: per neuron: %s\n", p.Name, perNeuron(p.PerNeuron))
		}
	}
	return exitOK
}

// perNeuron lists the ranges of the parameters that differ between a
// population's neurons, as summary.json's per_neuron holds them:
// "tau_mem 0.0005…0.003, threshold 0.05…0.3".
func perNeuron(p *session.PerNeuronRanges) string {
	var parts []string
	one := func(name string, r *session.Range) {
		if r != nil {
			parts = append(parts, fmt.Sprintf("%s %.4g…%.4g", name, r.Min, r.Max))
		}
	}
	each := func(name string, rs []session.Range) {
		for k, r := range rs {
			if r.Min == r.Max {
				continue
			}
			if len(rs) > 1 {
				one(fmt.Sprintf("%s[%d]", name, k), &r)
			} else {
				one(name, &r)
			}
		}
	}
	one("tau_mem", p.TauMem)
	each("tau_syn", p.TauSyn)
	each("alpha", p.Alpha)
	one("beta", p.Beta)
	one("gain", p.Gain)
	one("r", p.R)
	each("w_in", p.WIn)
	one("v_leak", p.VLeak)
	one("threshold", p.Threshold)
	one("v_reset", p.VReset)
	return strings.Join(parts, ", ")
}

func neuronCount(s *session.Summary) int {
	n := 0
	for _, p := range s.Populations {
		n += p.Size
	}
	return n
}

// description is what the flags ask to run: the network file of --net
// with --steps, --seed and --dtype applied, the feed-forward network the
// other flags describe, or, with --resume and no description flags, nil:
// the checkpoint's own.
func (o *runOptions) description() (*netfile.File, error) {
	var descFlags []string
	for name := range o.set {
		if !runFlags[name] && (o.net == "" || !netFlags[name]) {
			descFlags = append(descFlags, "--"+name)
		}
	}
	sort.Strings(descFlags)
	if o.nir != "" {
		o.graph, o.nirRun = o.nir, true
		d, err := o.nirDescription()
		if err == nil {
			o.from(d)
		}
		return d, err
	}
	if o.set["semantics"] || o.set["scheme"] {
		return nil, badInput(errors.New("--semantics and --scheme apply to --nir runs"))
	}
	if o.net != "" {
		o.netFile = o.net
		if len(descFlags) > 0 {
			return nil, badInput(fmt.Errorf("--net %s: %v do not apply to a network file (only --steps, --seed, --dtype and the flags of how to run do)", o.net, descFlags))
		}
		f, err := netfile.Load(o.net)
		if err != nil {
			return nil, badInput(err)
		}
		if o.set["steps"] {
			if o.steps < 1 {
				return nil, badInput(fmt.Errorf("--steps %d: must be at least 1", o.steps))
			}
			*f.Run.Steps = o.steps
		}
		if o.set["seed"] {
			f.Run.Seed = o.seed
		}
		if o.set["dtype"] {
			f.Run.DType = o.dtype
		}
		return f, nil
	}
	if o.session.Resume != "" {
		saved, err := session.ReadSaved(o.session.Resume)
		if err != nil {
			return nil, badInput(fmt.Errorf("--resume: %w", err))
		}
		o.from(saved.Description)
		if len(descFlags) == 0 && !o.set["steps"] && !o.set["seed"] && !o.set["dtype"] {
			return nil, nil
		}
		switch {
		case o.netFile != "":
			return nil, badInput(fmt.Errorf("--resume: checkpoint %s is of the network file %s; give --net %s, or no description flags", o.session.Resume, o.netFile, o.netFile))
		case o.nirRun:
			return nil, badInput(fmt.Errorf("--resume: checkpoint %s is of a NIR graph%s; give --nir and the flags that ran it, or no description flags", o.session.Resume, o.ofGraph()))
		}
		if err := o.fromDescription(saved.Description); err != nil {
			return nil, badInput(fmt.Errorf("--resume: %w", err))
		}
	}
	return o.feedForward()
}

// from notes where the description d comes from, when neither --net nor
// --nir says: a network file (its path), a NIR graph (the HDF5 file its
// datasets are read from, if any) or the flags; and which of its keys read
// a NIR graph's file.
func (o *runOptions) from(d *netfile.File) {
	o.graphKeys = nil
	for _, df := range d.DataFiles() {
		if df.Dataset != "" {
			o.graphKeys = append(o.graphKeys, df.Key)
			if o.graph == "" {
				o.graph = df.Path
			}
		}
	}
	if o.nirRun || o.netFile != "" {
		return
	}
	_, flags := netfile.FeedForwardOf(d)
	switch {
	case d.Path != "":
		o.netFile = d.Path
	case !flags:
		// Flags and network files make the others; --nir this one.
		o.nirRun = true
	}
}

// ofGraph is " (FILE)", the NIR graph's file, or "" when unknown.
func (o *runOptions) ofGraph() string {
	if o.graph == "" {
		return ""
	}
	return " (" + o.graph + ")"
}

// explain renames the key paths of the description in err to the flags
// that set them.
func (o *runOptions) explain(err error) error {
	var ne *netfile.Error
	if errors.As(err, &ne) && ne.Key != "" {
		if f := o.flagFor(ne.Key); f != "" {
			return badInput(fmt.Errorf("--%s %s: %s", f, o.flagValue(f), ne.Msg))
		}
	}
	if errors.Is(err, session.ErrBadInput) {
		return badInput(err)
	}
	return err
}

// flagValue is a flag's value as the user gave it, quoted unless a number.
func (o *runOptions) flagValue(name string) string {
	v := o.fs.Lookup(name).Value.String()
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v
	}
	return strconv.Quote(v)
}

// flagFor is the flag that sets key, or "".
func (o *runOptions) flagFor(key string) string {
	if o.nirRun {
		for _, k := range o.graphKeys {
			if strings.HasPrefix(key, k) { // the value, or its file's digest
				return "nir"
			}
		}
		for k, f := range map[string]string{"run.dt": "dt", "run.steps": "steps", "run.batch": "batch", "run.seed": "seed", "run.dtype": "dtype", "sources[0].array": "inputs"} {
			if key == k || strings.HasPrefix(key, k+".") {
				return f
			}
		}
		return ""
	}
	if o.netFile != "" {
		if k, ok := strings.CutPrefix(key, "run."); ok && netFlags[k] && o.set[k] {
			return k
		}
		return ""
	}
	return netfile.FeedForwardOption(key)
}

// flagName names a key path or option in session's messages.
func (o *runOptions) flagName(key string) string {
	if runFlags[key] {
		return "--" + key
	}
	if f := o.flagFor(key); f != "" {
		return "--" + f
	}
	switch {
	case o.netFile != "":
		return key + " in " + o.netFile
	case o.nir != "":
		return key + " of the description of " + o.nir + " (see --print-net)"
	case o.nirRun:
		return key + " of the description of the NIR graph" + o.ofGraph() + " in " + o.session.Resume
	}
	return key
}

// feedForward is the description the flags make (netfile.FeedForward):
// a size a file gives is taken from it unless its flag is set.
func (o *runOptions) feedForward() (*netfile.File, error) {
	rec, err := netfile.ParseRecord("--record", o.record)
	if err != nil {
		return nil, badInput(err)
	}
	ff := netfile.FeedForward{
		Steps: o.steps, Batch: o.batch, Inputs: o.nInputs, Neurons: o.neurons, Rate: o.rate,
		Dt: o.dt, TauMem: o.tauMem, TauSyn: o.tauSyn, Threshold: o.theta, Reset: o.reset, Seed: o.seed, DType: o.dtype,
		InputsFile: o.inputs, WeightsFile: o.weights, Procedural: o.procedural, Record: rec, FigureNeuron: o.figureNeuron,
	}
	for _, c := range []struct {
		flag string
		size *int
	}{{"steps", &ff.Steps}, {"batch", &ff.Batch}, {"n-inputs", &ff.Inputs}} {
		if o.inputs != "" && !o.set[c.flag] {
			*c.size = 0
		}
	}
	if o.weights != "" && !o.set["neurons"] {
		ff.Neurons = 0
	}
	if ff.RecordNeurons, err = netfile.ParseNeurons("--record-neurons", o.recordNeurons); err != nil {
		return nil, badInput(err)
	}
	f, err := ff.File(func(opt string) string { return "--" + opt })
	if err != nil {
		return nil, badInput(err)
	}
	return f, nil
}

// fromDescription sets the flags not given from the feed-forward
// description of a checkpoint, so that a resumed run takes them from it
// and the flags given are checked against it.
func (o *runOptions) fromDescription(d *netfile.File) error {
	ff, ok := netfile.FeedForwardOf(d)
	if !ok {
		return errors.New("the checkpoint's network is not one that flags describe; resume it without description flags")
	}
	set := func(name string, f func()) {
		if !o.set[name] {
			f()
		}
	}
	set("steps", func() { o.steps = ff.Steps })
	set("dt", func() { o.dt = ff.Dt })
	set("batch", func() { o.batch = ff.Batch })
	set("seed", func() { o.seed = ff.Seed })
	set("dtype", func() { o.dtype = ff.DType })
	set("n-inputs", func() { o.nInputs = ff.Inputs })
	set("rate", func() { o.rate = ff.Rate })
	set("inputs", func() { o.inputs = ff.InputsFile })
	set("neurons", func() { o.neurons = ff.Neurons })
	set("tau-mem", func() { o.tauMem = ff.TauMem })
	set("tau-syn", func() { o.tauSyn = ff.TauSyn })
	set("threshold", func() { o.theta = ff.Threshold })
	set("reset", func() { o.reset = ff.Reset })
	set("weights", func() { o.weights = ff.WeightsFile })
	set("procedural-weights", func() { o.procedural = ff.Procedural })
	set("record", func() { o.record = strings.Join(ff.Record, ",") })
	set("record-neurons", func() {
		var s []string
		for _, n := range ff.RecordNeurons {
			s = append(s, strconv.Itoa(n))
		}
		o.recordNeurons = strings.Join(s, ",")
	})
	set("figure-neuron", func() { o.figureNeuron = ff.FigureNeuron })
	return nil
}

// nirDescription is the description of --nir: the graph with the time
// step, the semantics and the inputs the flags give.
func (o *runOptions) nirDescription() (*netfile.File, error) {
	var extra []string
	for name := range o.set {
		if !runFlags[name] && !nirFlags[name] {
			extra = append(extra, "--"+name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, badInput(fmt.Errorf("--nir %s: %v do not apply to a NIR graph (--dt, --inputs, --steps, --batch, --seed, --dtype, --semantics, --scheme, --reset, --record and the flags of how to run do)", o.nir, extra))
	}
	if o.net != "" {
		return nil, badInput(errors.New("give --nir or --net, not both"))
	}
	if !o.set["dt"] {
		return nil, badInput(fmt.Errorf("--nir %s: a NIR graph holds no time step; give --dt (seconds)", o.nir))
	}
	m, err := nir.Open(o.nir)
	if err != nil {
		return nil, badInput(err)
	}
	reset := "" // the semantics' own
	if o.set["reset"] {
		reset = o.reset
	}
	opt := nir.Options{Dt: o.dt, Rule: o.semantics, Decay: o.scheme, Reset: reset, Inputs: o.inputs, Seed: o.seed, DType: o.dtype}
	if o.set["steps"] {
		opt.Steps = o.steps
	}
	if o.set["batch"] {
		opt.Batch = o.batch
	}
	if o.set["record"] {
		for _, item := range strings.FieldsFunc(o.record, func(r rune) bool { return r == ';' || r == ' ' }) {
			if !strings.Contains(item, ":") {
				return nil, badInput(fmt.Errorf("--record %q: with --nir, list NODE:VARS items separated by ';', e.g. lif1:spikes,v", o.record))
			}
			opt.Record = append(opt.Record, item)
		}
	}
	d, err := m.Description(opt)
	if err != nil {
		return nil, badInput(err)
	}
	return d, nil
}

// startCPUProfile starts profiling this process's CPU into path (under
// ranks, rank r's into path.rankR, so that the ranks do not write one
// file) and returns what stops it and closes the file.
func startCPUProfile(path string, comm session.Comm) (func() error, error) {
	if comm != nil && comm.Size() > 1 {
		path = fmt.Sprintf("%s.rank%d", path, comm.Rank())
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
