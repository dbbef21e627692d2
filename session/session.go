package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/figure"
	"leaky/kernels"
	"leaky/netfile"
	"leaky/npy"
)

// Options say how to run a description. None of them changes a bit of the
// results.
type Options struct {
	// Out is the output directory. When resuming it defaults to the one
	// the checkpoint's run wrote to.
	Out string
	// Threads caps the threads that step the network (0: all cores, or
	// over several ranks the cores divided among the ranks on this
	// machine).
	Threads int
	// Kernel is generic, avx2, avx512 or auto ("": $LEAKY_KERNEL, else
	// auto).
	Kernel string
	// Checkpoint is where checkpoints are saved ("": Resume when resuming,
	// else Out/checkpoint.lkc); CheckpointEvery saves one every so many
	// steps (0: only when interrupted).
	Checkpoint      string
	CheckpointEvery int
	// Resume continues the run saved in this checkpoint.
	Resume string
	// Force runs even when the memory or disk estimate exceeds what is
	// available.
	Force bool
	// Signals makes SIGINT and SIGTERM interrupt the run as Interrupt's
	// cause does: the CLI sets it; a library caller may prefer its own
	// handling.
	Signals bool
	// Progress, when a terminal, shows a progress bar.
	Progress io.Writer
	// AfterStep, when set, is called after every step with the steps done
	// in the whole run.
	AfterStep func(step int)
	// Comm, when it has more than one rank, splits the run over them
	// (see Comm); every rank calls Run with the same description and
	// options. Only Run takes it; nil runs in this process alone.
	Comm Comm
	// Name renames a description key path (run.steps) or an option
	// (force, threads) in messages, so a caller can speak its own terms
	// (the CLI: --steps, --force); nil leaves them as they are.
	Name func(key string) string
}

func (o *Options) name(key string) string {
	if o.Name != nil {
		return o.Name(key)
	}
	return key
}

// ErrBadInput is wrapped by every error caused by the description, the
// options, the files they name or a checkpoint that does not fit, as
// opposed to a failure while running (a full disk).
var ErrBadInput = errors.New("bad input")

type inputError struct{ err error }

func (e inputError) Error() string   { return e.err.Error() }
func (e inputError) Unwrap() []error { return []error{e.err, ErrBadInput} }
func badInput(err error) error       { return inputError{err} }
func optionf(o *Options, opt, format string, args ...any) error {
	return badInput(fmt.Errorf("%s %s", o.name(opt), fmt.Sprintf(format, args...)))
}

// check refuses options out of range and selects the kernel (for the
// whole process: kernels change no bit). Run and Open share it.
func (o *Options) check() error {
	if o.Threads < 0 {
		return optionf(o, "threads", "%d: must be ≥ 0 (0 uses all cores)", o.Threads)
	}
	if o.CheckpointEvery < 0 {
		return optionf(o, "checkpoint-every", "%d: want 0 (only on interruption) or a positive number of steps", o.CheckpointEvery)
	}
	if o.Kernel == "" {
		if err := kernels.EnvError(); err != nil {
			return badInput(err)
		}
	} else if err := kernels.Use(o.Kernel); err != nil {
		return optionf(o, "kernel", "%s: %v", o.Kernel, err)
	}
	return nil
}

// Run runs the description d with options o and returns what it wrote to
// summary.json. With o.Resume set it continues the saved run instead; d
// may then be nil to run the checkpoint's own description, and otherwise
// must describe the same run.
//
// Over several ranks (o.Comm) the ranks agree before the first step
// whether every one of them is ready (see StartError): a rank that fails
// to start stops every rank, instead of leaving them waiting in the first
// exchange.
func Run(ctx context.Context, d *netfile.File, o Options) (*Summary, error) {
	agreed := false
	start := func(err error) error {
		agreed = true
		return AgreeStart(o.Comm, err)
	}
	s, err := runOnRank(ctx, d, o, time.Now(), start)
	if !agreed {
		err = start(err) // every path that has not agreed failed
	}
	return s, err
}

// runOnRank is Run on this rank, called at began; start is the start-up
// agreement, which it calls once with its setup's error before the first
// step, unless it fails before it gets there.
func runOnRank(ctx context.Context, d *netfile.File, o Options, began time.Time, start func(error) error) (*Summary, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	var saved *Saved
	if !o.writes() {
		o.Progress = nil
	}
	if o.Resume != "" {
		var err error
		path := RankPath(o.Resume, o.rank())
		if saved, err = ReadSaved(path); err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", o.name("resume"), err))
		}
		if err := saved.checkRanks(&o, path); err != nil {
			return nil, badInput(err)
		}
		if d == nil {
			d = saved.Description
		}
		if o.Out == "" {
			o.Out = saved.Out
		}
	}
	if d == nil {
		return nil, badInput(errors.New("no network description to run"))
	}
	if err := d.Check(); err != nil {
		return nil, badInput(err)
	}
	for i, s := range d.Sources {
		if s.Input != nil {
			return nil, badInput(fmt.Errorf("%s: source %q is fed by its caller step by step, and a run to files has no caller to feed it; step it through session.Open (the Python or C binding), or give it poisson or array", o.name(fmt.Sprintf("sources[%d].input", i)), s.Name))
		}
	}
	if o.Out == "" {
		return nil, optionf(&o, "out", ": the output directory must not be empty")
	}
	switch d.Run.DType {
	case "float64":
		return run[float64](ctx, d, o, saved, began, start)
	default:
		return run[float32](ctx, d, o, saved, began, start)
	}
}

// runner is one run to files in precision T: the live network with its
// output streams, figure and checkpoints.
type runner[T engine.Float] struct {
	*live[T]
	saved    *Saved
	ckpt     string // this rank's; base is rank 0's (see RankPath)
	base     string
	desc     checkpoint.Description
	outputs  []output[T]
	fig      *figurePlan[T]
	start    int
	saves    int // checkpoints written by this invocation
	lastSave int // the step of the last one
	// exchange is the time each rank spent exchanging (nil for one
	// process) and rankWeights the most weight bytes a rank held, for the
	// summary.
	exchange    []float64
	rankWeights int64
	// began is when Run was called, setup the time from then to the
	// first step.
	began time.Time
	setup time.Duration
}

func run[T engine.Float](ctx context.Context, d *netfile.File, o Options, saved *Saved, began time.Time, start func(error) error) (*Summary, error) {
	r := &runner[T]{saved: saved, began: began}
	r.base = CheckpointPath(o)
	r.ckpt = RankPath(r.base, o.rank())
	desc, err := describe(d, o.Out)
	if err != nil {
		return nil, badInput(err)
	}
	r.desc = append(desc, o.rankFields()...)
	if saved != nil {
		if err := saved.matches(d, desc, &o); err != nil {
			return nil, badInput(err)
		}
		if s := saved.Header.Step; s < 0 || s > int64(*d.Run.Steps) {
			return nil, badInput(fmt.Errorf("%s: checkpoint %s is at step %d, outside the run's 0..%d", o.name("resume"), o.Resume, s, *d.Run.Steps))
		}
		r.start = int(saved.Header.Step)
	}
	m, disk, err := streamedEstimate[T](d, &o)
	if err != nil {
		return nil, err
	}
	l, err := build[T](d, o, m, disk)
	if err != nil {
		return nil, err
	}
	r.live = l
	defer l.close()
	if err := r.splitRanks(); err != nil {
		return nil, err
	}
	if err := r.addRecorders(); err != nil {
		return nil, err
	}
	if !o.writes() {
		// Neither recorders nor a directory: rank 0 writes the files.
	} else if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, optionf(&r.o, "out", "%s: %v", o.Out, err)
	}
	if err := r.restore(); err != nil {
		return nil, err
	}
	kept := false
	defer func() {
		if !kept {
			for _, out := range r.outputs {
				out.abort()
			}
		}
	}()
	if err := start(r.openOutputs()); err != nil {
		var se *StartError
		// Another rank failed: the .part files this one reopened belong to
		// the checkpoint and stay for the next resume.
		kept = saved != nil && errors.As(err, &se) && se.Err == nil
		return nil, err
	}
	sum, err := r.loop(ctx)
	var ie *InterruptedError
	switch {
	case errors.As(err, &ie):
		kept = true // the checkpoint needs the .part files it counts rows of
	case err != nil && r.saves > 0:
		kept = true
		err = fmt.Errorf("%w; the checkpoint %s of step %d and the outputs up to it are kept: --resume %s once the problem is fixed", err, r.base, r.lastSave, r.base)
	}
	return sum, err
}

// openOutputs opens the output streams, reopening their .part files when
// resuming.
func (r *runner[T]) openOutputs() error {
	resuming := r.saved != nil
	for _, out := range r.outputs {
		if err := out.open(resuming); err != nil {
			if resuming {
				return badInput(fmt.Errorf("%s: %w", r.o.name("resume"), err))
			}
			return optionf(&r.o, "out", ": %v", err)
		}
	}
	return nil
}

// streamedEstimate is what a run to files holds in memory, estimated
// from the description before the network is built — the network, the
// output streams' buffers and the figure — and a guess at the bytes it
// writes.
func streamedEstimate[T engine.Float](d *netfile.File, o *Options) (m engine.Memory, disk float64, err error) {
	elem := elemSize[T]()
	steps, batch := *d.Run.Steps, *d.Run.Batch
	if m, err = networkEstimate(d, o, elem, false); err != nil {
		return m, 0, err
	}
	rate := 0.0
	for _, s := range d.Sources {
		if s.Poisson != nil {
			rate = max(rate, s.Poisson.Rate)
		}
	}
	for _, rec := range d.Recordings() {
		pop := d.Populations[rec.Pop]
		buf := int64(npyStreamBuffer + 24*engine.DefaultSpikeBlock)
		if rec.Spikes {
			// A guess for the disk check only: neurons firing at the
			// sources' rate.
			disk += 24 * float64(steps) * float64(batch) * float64(pop.Size) * rate * *d.Run.Dt
		} else {
			width := pop.Size
			if rec.Neurons != nil {
				width = len(rec.Neurons)
			}
			buf = npyStreamBuffer + int64(batch)*int64(width)*int64(elem)
			disk += float64(steps) * float64(batch) * float64(width) * float64(elem)
		}
		if err := m.AddRecorder("stream", 1, buf); err != nil {
			return m, 0, badInput(err)
		}
	}
	pops := make([]*engine.Population[T], len(d.Populations))
	for i, p := range d.Populations {
		// Stand-ins with the names and sizes the figure plan needs.
		pops[i] = &engine.Population[T]{Name: p.Name, N: p.Size, Batch: batch}
	}
	if plan := planFigure(d, pops); plan != nil {
		if err := plan.memory(&m); err != nil {
			return m, 0, badInput(err)
		}
	}
	return m, disk, nil
}

// networkEstimate is the memory of d's network built in values of elem
// bytes, with its recorders held in memory when inMemory is set (a Sim's),
// from the description and the headers of its .npy files.
func networkEstimate(d *netfile.File, o *Options, elem int, inMemory bool) (engine.Memory, error) {
	m, err := d.Memory(elem, inMemory)
	if err != nil {
		return m, badInput(fmt.Errorf("%w; %s", err, shrinkHint(d, o, m)))
	}
	return m, nil
}

// shrinkHint says which values of the description to make smaller when
// the run does not fit, in the caller's names.
func shrinkHint(d *netfile.File, o *Options, m engine.Memory) string {
	hint := ""
	var keys []string
	for i := range d.Populations {
		keys = append(keys, fmt.Sprintf("populations[%d].size", i))
	}
	keys = append(keys, "run.batch")
	for i, s := range d.Sources {
		switch {
		case s.Poisson != nil:
			keys = append(keys, fmt.Sprintf("sources[%d].poisson.size", i))
		case s.Input != nil:
			keys = append(keys, fmt.Sprintf("sources[%d].input.size", i))
		}
	}
	for k, p := range d.Projections {
		switch {
		case p.P != nil:
			keys = append(keys, fmt.Sprintf("projections[%d].p", k))
		case p.Weight != nil && p.Weight.Notebook && !p.Procedural && m.Weights > m.Total()/2:
			hint = fmt.Sprintf("the weights alone take %s: %s regenerates them instead (same results), or ", FormatBytes(float64(m.Weights)), o.name(fmt.Sprintf("projections[%d].procedural", k)))
		}
	}
	for i := range keys {
		keys[i] = o.name(keys[i])
	}
	list := ""
	for i, k := range keys {
		switch {
		case i == 0:
			list = k
		case i == len(keys)-1:
			list += " or " + k
		default:
			list += ", " + k
		}
	}
	where := ""
	if d.Path != "" && o.Name == nil {
		where = " in " + d.Path
	}
	if d.Run.DType == "float64" {
		list += ", or " + o.name("run.dtype") + " float32"
	}
	return hint + "use fewer " + list + where
}

// addRecorders streams what the description records and keeps what the
// figure shows.
func (r *runner[T]) addRecorders() error {
	if !r.o.writes() {
		return nil
	}
	n := r.net
	for _, rec := range r.d.Recordings() {
		pop := n.Pops[rec.Pop]
		path := filepath.Join(r.o.Out, rec.File)
		var out output[T]
		var err error
		if rec.Spikes {
			out, err = newSpikeFile(pop, path)
		} else {
			out, err = newTraceFile(pop, rec.Var, rec.Neurons, path)
		}
		if err != nil {
			return badInput(err)
		}
		r.outputs = append(r.outputs, out)
		n.Net.AddRecorder(out)
	}
	r.fig = planFigure(r.d, n.Pops)
	if r.fig != nil {
		for _, f := range r.fig.recs {
			n.Net.AddRecorder(f)
		}
	}
	return nil
}

// restore loads the checkpoint being resumed into the network and its
// recorders.
func (r *runner[T]) restore() error {
	if r.saved == nil {
		return nil
	}
	if _, err := checkpoint.Load(RankPath(r.o.Resume, r.o.rank()), r.net.Net, engine.Version, r.saved.Header.Description); err != nil {
		return badInput(fmt.Errorf("%s: %w", r.o.name("resume"), err))
	}
	return nil
}

// save writes a checkpoint at the current step: every output first makes
// its rows durable and records how many, then the state is saved with
// those counts, so the checkpoint never claims rows the disk lacks.
func (r *runner[T]) save() error {
	// Ranks exchanging every few steps first exchange what is pending,
	// all at this step, so that each saves the one-process state.
	if err := r.net.Net.Flush(); err != nil {
		return err
	}
	for _, out := range r.outputs {
		if err := out.sync(); err != nil {
			return err
		}
	}
	if dir := filepath.Dir(r.ckpt); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("%s %s: %w", r.o.name("checkpoint"), r.ckpt, err)
		}
	}
	if err := checkpoint.Save(r.ckpt, r.net.Net, engine.Version, r.desc, nil); err != nil {
		return err
	}
	r.saves++
	r.lastSave = r.net.Net.StepIndex()
	return nil
}

// loop steps the network to the end of the run, saving checkpoints when
// due; a SIGINT or SIGTERM — or ctx cancelled with Interrupt's cause —
// stops it at the end of a step with a checkpoint and the interrupted
// summary. On success every output is final, the figure and summary are
// written and the checkpoint is removed.
func (r *runner[T]) loop(ctx context.Context) (*Summary, error) {
	steps := *r.d.Run.Steps
	sigCtx, caught, stopSignals := interruptible(ctx, r.o.Signals)
	defer stopSignals()
	ctx, cancel := context.WithCancel(sigCtx)
	defer cancel()
	agree, stepCtx := newAgreement(ctx, &r.o, caught, r.net.Net)
	defer agree.close()
	bar := newProgress(r.o.Progress, steps)
	var saveErr error
	began := time.Now()
	r.setup = began.Sub(r.began)
	runErr := r.step(stepCtx, steps-r.start, nil, func(done int) {
		step := r.start + done
		bar.update(step)
		if r.o.AfterStep != nil {
			r.o.AfterStep(step)
		}
		saved := r.o.CheckpointEvery > 0 && step%r.o.CheckpointEvery == 0 && step < steps
		if saved {
			saveErr = r.save()
		}
		if saveErr == nil && !r.net.Net.Exchanged() {
			return // ranks agree where they have exchanged (min-delay)
		}
		failed, err := agree.after(saved, saveErr != nil)
		switch {
		case saveErr != nil:
		case err != nil:
			saveErr = err
		case failed:
			saveErr = fmt.Errorf("another rank's checkpoint of step %d failed", step)
		}
		if saveErr != nil {
			cancel()
		}
	})
	wall := time.Since(began)
	bar.finish()
	if saveErr != nil {
		return nil, saveErr
	}
	var err error
	if r.exchange, r.rankWeights, err = r.rankFigures(agree); err != nil {
		return nil, err
	}
	sig := caught()
	if sig == nil {
		sig = agree.signal // another rank's
	}
	if sig != nil && errors.Is(runErr, engine.ErrInterrupted) {
		return r.interrupted(sig, wall)
	}
	if runErr != nil {
		return nil, runErr
	}
	for _, out := range r.outputs {
		if err := out.close(); err != nil {
			return nil, err
		}
	}
	s := r.summary(wall)
	if !r.o.writes() {
		_ = os.Remove(r.ckpt)
		return s, nil
	}
	if r.fig != nil {
		if err := figure.Draw(filepath.Join(r.o.Out, "figure.png"), r.fig.figure()); err != nil {
			return nil, err
		}
		s.Files = append(s.Files, "figure.png")
	}
	s.Files = append(s.Files, "summary.json")
	if err := writeSummary(filepath.Join(r.o.Out, "summary.json"), s); err != nil {
		return nil, err
	}
	// The checkpoint describes a run whose outputs are final; resuming it
	// would find no .part files. Failing to remove it is harmless.
	_ = os.Remove(r.ckpt)
	return s, nil
}

// interrupted saves a checkpoint after a signal stopped the run, keeps the
// .part files and writes the interrupted summary.
func (r *runner[T]) interrupted(sig os.Signal, wall time.Duration) (*Summary, error) {
	step := r.net.Net.StepIndex()
	if err := r.save(); err != nil {
		return nil, fmt.Errorf("interrupted by %v at step %d, but the checkpoint could not be saved: %w", sig, step, err)
	}
	s := r.summary(wall)
	s.Interrupted, s.Signal = true, sig.String()
	s.Checkpoint = r.base
	s.Resume = "leaky run --resume " + r.base
	if r.o.ranks() > 1 {
		s.Resume = launchWords(r.o.ranks()) + " " + s.Resume
	}
	s.Files = nil
	for _, out := range r.outputs {
		s.PartFiles = append(s.PartFiles, out.name()+npy.TempSuffix)
	}
	if r.o.writes() {
		if err := writeSummary(filepath.Join(r.o.Out, "summary.json"), s); err != nil {
			return nil, err
		}
	}
	return s, &InterruptedError{Signal: sig, Step: step, Checkpoint: r.base, Summary: s}
}

// summary reports the run up to the current step.
func (r *runner[T]) summary(wall time.Duration) *Summary {
	d, n := r.d, r.net
	step := n.Net.StepIndex()
	done := step - r.start
	dt, batch := *d.Run.Dt, *d.Run.Batch
	sim := float64(step) * dt
	s := &Summary{
		Schema: SchemaVersion, Leaky: engine.Version, Go: runtime.Version(), Net: d.Path, Out: r.o.Out,
		StepReached: step, Steps: *d.Run.Steps, Dt: dt, Batch: batch, Seed: d.Run.Seed, DType: engine.DType[T](),
		Kernel: kernels.Active().Name, KernelFallbacks: kernelFallbacks(), Threads: n.Net.Threads(),
		Ranks: r.o.ranks(), ExchangeSeconds: slices.Max(append([]float64{0}, r.exchange...)), RankExchangeSeconds: r.exchange, ExchangeEvery: n.Net.ExchangeEvery(), RankWeightBytes: r.rankWeights,
		SimSeconds: sim, WallSeconds: wall.Seconds(), SetupSeconds: r.setup.Seconds(), Memory: memoryReport(r.mem),
		Populations: []PopulationSummary{}, Sources: []SourceSummary{}, Recorded: []RecordedFile{}, Files: []string{},
	}
	if sim > 0 {
		s.RealTimeFactor = wall.Seconds() / sim
	}
	threads, stepping := n.Net.PopulationThreads(), n.Net.Stepping()
	neurons, spiking := 0, 0
	for i, pop := range n.Pops {
		np := pop.Neuron
		ps := PopulationSummary{Name: pop.Name, Kind: np.Kind.String(), Size: pop.N, Threads: threads[i], Stepping: stepping[i], Spikes: pop.SpikeCount(),
			TauMem: np.TauMem, TauSyn: np.TauSyn, Beta: np.Beta(), Gain: np.Gain(), VLeak: np.VLeak, Refractory: np.Refractory,
			PerNeuron: perNeuronRanges(np, pop.N)}
		for k := range np.TauSyn {
			ps.Alpha = append(ps.Alpha, np.Alpha(k))
		}
		if np.Kind.Spiking() {
			th, vr := np.Threshold, np.VReset
			ps.Threshold, ps.VReset = &th, &vr
			ps.Reset = "subtract"
			if np.Reset == kernels.ResetZero {
				ps.Reset = "value"
			}
		}
		if sim > 0 {
			ps.SpikesPerSecond = float64(ps.Spikes) / sim
			ps.MeanRate = ps.SpikesPerSecond / float64(pop.N*batch)
		}
		neurons += pop.N * batch
		if np.Kind.Spiking() {
			s.OutputSpikes += ps.Spikes
			spiking += pop.N * batch
		}
		s.Populations = append(s.Populations, ps)
	}
	if sim > 0 {
		s.SpikesPerSecond = float64(s.OutputSpikes) / sim
		if spiking > 0 {
			s.MeanRate = s.SpikesPerSecond / float64(spiking)
		}
	}
	if wall > 0 {
		s.NeuronSteps = float64(done) * float64(neurons) / wall.Seconds()
	}
	for i, src := range n.Sources {
		ss := SourceSummary{Name: d.Sources[i].Name, Size: src.Size()}
		switch x := src.(type) {
		case *engine.Poisson[T]:
			ss.Kind, ss.Rate = "poisson", d.Sources[i].Poisson.Rate
			e := x.Emitted()
			ss.Spikes = &e
		case *engine.Array[T]:
			ss.Kind = "analog"
			if x.Binary {
				ss.Kind = "spikes"
				e := x.SpikesBefore(step)
				ss.Spikes = &e
			}
		}
		s.Sources = append(s.Sources, ss)
	}
	recs := d.Recordings()
	for i, out := range r.outputs {
		rec := recs[i]
		rf := RecordedFile{File: out.name(), Population: d.Populations[rec.Pop].Name, Var: rec.VarName}
		if !rec.Spikes {
			rf.Neurons = rec.Neurons
		}
		s.Recorded = append(s.Recorded, rf)
		s.Files = append(s.Files, out.name())
	}
	for _, f := range []*float64{&s.RealTimeFactor, &s.NeuronSteps} {
		if math.IsInf(*f, 0) || math.IsNaN(*f) {
			*f = 0
		}
	}
	return s
}
