package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/npy"
)

// longRunOptions are the flags of leaky run for long runs: checkpoints,
// resuming and the memory check.
type longRunOptions struct {
	checkpoint string // checkpoint file; "" means OUT/checkpoint.lkc
	every      int    // save every this many steps; 0 only on interruption
	resume     string // checkpoint to continue from
	force      bool   // skip the memory and disk checks
}

func addLongRunFlags(fs *flag.FlagSet, l *longRunOptions) {
	fs.StringVar(&l.checkpoint, "checkpoint", "", "checkpoint `FILE` written every --checkpoint-every steps and on Ctrl-C/SIGTERM (default OUT/checkpoint.lkc)")
	fs.IntVar(&l.every, "checkpoint-every", 0, "save a checkpoint every `STEPS` steps (0: only when interrupted)")
	fs.StringVar(&l.resume, "resume", "", "continue the run saved in checkpoint `FILE`; give the same flags as the run that wrote it")
	fs.BoolVar(&l.force, "force", false, "run even when the memory or disk estimate exceeds what is available")
}

// checkpointPath is where this run saves its checkpoints.
func (o *runOptions) checkpointPath() string {
	if o.long.checkpoint != "" {
		return o.long.checkpoint
	}
	if o.long.resume != "" {
		return o.long.resume
	}
	return filepath.Join(o.out, "checkpoint.lkc")
}

// describe lists everything that determines a run's outputs, for the
// checkpoint's description hash: a checkpoint resumes only under the same
// description. Files are identified by the SHA-256 of their contents, not
// their names, so moving an input is fine but changing it is not. Threads,
// kernel, the output directory and --procedural-weights (regenerated weights
// equal stored ones bit for bit) change no bit and are left out.
func (o *runOptions) describe() (checkpoint.Description, error) {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	d := checkpoint.Description{
		{Key: "model", Value: "feedforward"},
		{Key: "dtype", Value: o.dtype},
		{Key: "steps", Value: strconv.Itoa(o.steps)},
		{Key: "n-inputs", Value: strconv.Itoa(o.nInputs)},
		{Key: "neurons", Value: strconv.Itoa(o.neurons)},
		{Key: "batch", Value: strconv.Itoa(o.batch)},
		{Key: "rate", Value: g(o.rate)},
		{Key: "dt", Value: g(o.dt)},
		{Key: "tau-mem", Value: g(o.tauMem)},
		{Key: "tau-syn", Value: g(o.tauSyn)},
		{Key: "threshold", Value: g(o.theta)},
		{Key: "reset", Value: o.reset},
		{Key: "seed", Value: strconv.FormatUint(o.seed, 10)},
		{Key: "record", Value: o.record},
		{Key: "record-neurons", Value: o.recordNeurons},
		{Key: "figure-neuron", Value: strconv.Itoa(o.figureNeuron)},
	}
	for _, f := range []struct{ flag, path string }{{"inputs", o.inputs}, {"weights", o.weights}} {
		if f.path == "" {
			continue
		}
		sum, err := fileDigest(f.path)
		if err != nil {
			return nil, fmt.Errorf("--%s %s: %w", f.flag, f.path, err)
		}
		d = append(d, checkpoint.Field{Key: f.flag + "-sha256", Value: sum})
	}
	return d, nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// rowsCounter names the checkpoint counter holding the rows of an output.
func rowsCounter(file string) string { return "rows/" + file }

// longRun carries a run's checkpoint state — what it saves beside the
// network, and where a resumed run starts — and drives the run: one
// implementation for feed-forward and network runs.
type longRun[T engine.Float] struct {
	o      *runOptions
	steps  int // the whole run's steps
	path   string
	desc   checkpoint.Description
	header *checkpoint.Header // of the checkpoint resumed from, or nil
	start  int                // first step to run
	net    *engine.Network[T]
	figs   []*figureRecorder[T]
	spikes []spikeStream[T]
	out    *outputs
}

// spikeStream is a spike recorder and the checkpoint counter holding its
// spike count.
type spikeStream[T engine.Float] struct {
	counter string
	s       *engine.StreamSpikes[T]
}

// newLongRun prepares checkpoints for a run of steps steps described by
// desc; when resuming, it reads and checks the checkpoint's header before
// any output file is touched.
func newLongRun[T engine.Float](o *runOptions, desc checkpoint.Description, steps int, net *engine.Network[T]) (*longRun[T], error) {
	lr := &longRun[T]{o: o, steps: steps, path: o.checkpointPath(), desc: desc, net: net}
	lr.out = &outputs{open: lr.createOutput}
	if o.long.every < 0 {
		return nil, badInput(fmt.Errorf("--checkpoint-every %d: want 0 (only on interruption) or a positive number of steps", o.long.every))
	}
	if o.long.resume == "" {
		return lr, nil
	}
	h, err := checkpoint.Read(o.long.resume)
	if err != nil {
		return nil, badInput(fmt.Errorf("--resume: %w", err))
	}
	if err := h.Matches(engine.Version, lr.desc); err != nil {
		return nil, badInput(fmt.Errorf("--resume: checkpoint %s %w; run with the flags that wrote it", o.long.resume, err))
	}
	if s := h.Step; s < 0 || s > int64(steps) {
		return nil, badInput(fmt.Errorf("--resume: checkpoint %s is at step %d, outside the run's 0..%d", o.long.resume, s, steps))
	}
	lr.header, lr.start = h, int(h.Step)
	return lr, nil
}

// resumeRows returns the rows the checkpoint recorded for an output file,
// and whether the run is resuming at all.
func (lr *longRun[T]) resumeRows(file string) (int64, bool, error) {
	if lr.header == nil {
		return 0, false, nil
	}
	rows, ok := lr.header.Counter(rowsCounter(file))
	if !ok {
		return 0, true, badInput(fmt.Errorf("--resume: checkpoint %s records no rows for %s", lr.o.long.resume, file))
	}
	return rows, true, nil
}

// createOutput creates an output file, or reopens its .part file at the
// checkpoint's row count when resuming.
func (lr *longRun[T]) createOutput(path, dtype string, trailing ...int) (*npy.Writer, error) {
	rows, resuming, err := lr.resumeRows(filepath.Base(path))
	if err != nil {
		return nil, err
	}
	if resuming {
		return npy.Resume(path, dtype, rows, trailing...)
	}
	return npy.Create(path, dtype, trailing...)
}

// streamTrace records v of pop's neurons (nil: all) into the .npy file at
// path as the run goes.
func (lr *longRun[T]) streamTrace(pop *engine.Population[T], v engine.Var, neurons []int, path string) error {
	width := pop.N
	if neurons != nil {
		width = len(neurons)
	}
	w, err := lr.out.create(path, engine.DType[T](), pop.Batch, width)
	if err != nil {
		return err
	}
	tr, err := engine.NewStreamTrace(pop, v, neurons, sinkFor[T](w))
	if err != nil {
		return badInput(err)
	}
	lr.out.check = append(lr.out.check, tr.Err)
	lr.net.AddRecorder(tr)
	return nil
}

// streamSpikes records pop's spikes into the .npy file at path as the run
// goes; counter names its spike count in checkpoints.
func (lr *longRun[T]) streamSpikes(pop *engine.Population[T], path, counter string) error {
	w, err := lr.out.create(path, "int64", 3)
	if err != nil {
		return err
	}
	s, err := engine.NewStreamSpikes(pop, 0, w.WriteInt64)
	if err != nil {
		return err
	}
	lr.out.check = append(lr.out.check, s.Err)
	lr.net.AddRecorder(s)
	lr.spikes = append(lr.spikes, spikeStream[T]{counter, s})
	return nil
}

// addFigure records what a population's part of the figure shows.
func (lr *longRun[T]) addFigure(f *figureRecorder[T]) {
	lr.net.AddRecorder(f)
	lr.figs = append(lr.figs, f)
}

// runState is the network plus the figures' data, saved and restored as
// one.
type runState[T engine.Float] struct{ lr *longRun[T] }

func (s runState[T]) StateVars() []engine.StateVar {
	vars := s.lr.net.StateVars()
	for _, f := range s.lr.figs {
		vars = append(vars, f.stateVars()...)
	}
	return vars
}

func (s runState[T]) Restored() { s.lr.net.Restored() }

func (s runState[T]) StepIndex() int { return s.lr.net.StepIndex() }

// restore loads the checkpoint being resumed into the network, the figures
// and the spike streams.
func (lr *longRun[T]) restore() error {
	if lr.header == nil {
		return nil
	}
	if _, err := checkpoint.Load(lr.o.long.resume, runState[T]{lr}, engine.Version, lr.desc); err != nil {
		return badInput(fmt.Errorf("--resume: %w", err))
	}
	for _, f := range lr.figs {
		if err := f.restored(lr.o.long.resume); err != nil {
			return badInput(fmt.Errorf("--resume: %w", err))
		}
	}
	for _, sp := range lr.spikes {
		c, ok := lr.header.Counter(sp.counter)
		if !ok || c < 0 {
			return badInput(fmt.Errorf("--resume: checkpoint %s lacks a valid %s", lr.o.long.resume, sp.counter))
		}
		sp.s.Count = c
	}
	return nil
}

// save writes a checkpoint at the current step: it first makes every
// output's rows durable in its .part file, then saves the state with those
// row counts, so the checkpoint never claims rows the disk lacks.
func (lr *longRun[T]) save() error {
	var counters []checkpoint.Counter
	for _, sp := range lr.spikes {
		if err := sp.s.Flush(); err != nil {
			return err
		}
		counters = append(counters, checkpoint.Counter{Name: sp.counter, Value: sp.s.Count})
	}
	if err := lr.out.err(); err != nil {
		return err
	}
	for _, w := range lr.out.writers {
		rows, err := w.Checkpoint()
		if err != nil {
			return err
		}
		counters = append(counters, checkpoint.Counter{Name: rowsCounter(filepath.Base(w.Path())), Value: rows})
	}
	if dir := filepath.Dir(lr.path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--checkpoint %s: %w", lr.path, err)
		}
	}
	return checkpoint.Save(lr.path, runState[T]{lr}, engine.Version, lr.desc, counters)
}

// afterStep, when set, is called after every step with the steps done in
// the whole run: tests use it to interrupt a run at a chosen step.
var afterStep func(step int)

// run restores the checkpoint being resumed, then steps the network to the
// end of the run, saving checkpoints when due and stopping early when the
// streams fail. A SIGINT or SIGTERM — or ctx cancelled with a signal as
// its cause — stops it at the end of a step, saves a checkpoint and writes
// the interrupted summary.json, and the error carries the exit status. On
// success every output is final; the caller writes the figure and summary.
func (lr *longRun[T]) run(ctx context.Context, stderr io.Writer, mem engine.Memory) (time.Duration, error) {
	if err := lr.restore(); err != nil {
		return 0, err
	}
	sigCtx, caught, stopSignals := interruptible(ctx)
	defer stopSignals()
	ctx, cancel := context.WithCancel(sigCtx)
	defer cancel()
	bar := newRunProgress(stderr, lr.steps)
	var streamErr, saveErr error
	start := time.Now()
	runErr := lr.net.Run(ctx, lr.steps-lr.start, func(done int) {
		step := lr.start + done
		bar.update(step)
		if afterStep != nil {
			afterStep(step)
		}
		// Check the streams now and then: a full disk should stop the run,
		// not let it compute hours of results that cannot be written.
		if step%256 == 0 || step == lr.steps {
			if streamErr = lr.out.err(); streamErr != nil {
				cancel()
				return
			}
		}
		if saveErr == nil && lr.due(done) {
			if saveErr = lr.save(); saveErr != nil {
				cancel()
			}
		}
	})
	wall := time.Since(start)
	bar.finish()
	switch {
	case streamErr != nil:
		return wall, streamErr
	case saveErr != nil:
		return wall, saveErr
	}
	if sig := caught(); sig != nil && errors.Is(runErr, engine.ErrInterrupted) {
		return wall, lr.interrupted(sig, mem, wall)
	}
	if runErr != nil {
		return wall, runErr
	}
	for _, sp := range lr.spikes {
		if err := sp.s.Flush(); err != nil {
			return wall, err
		}
	}
	return wall, lr.out.closeAll()
}

// due reports whether a periodic checkpoint falls after done steps of
// this invocation.
func (lr *longRun[T]) due(done int) bool {
	step := lr.start + done
	return lr.o.long.every > 0 && step%lr.o.long.every == 0 && step < lr.steps
}

// interruptedSummary is summary.json for a run stopped by a signal.
type interruptedSummary struct {
	Leaky       string     `json:"leaky_version"`
	Interrupted bool       `json:"interrupted"`
	Signal      string     `json:"signal"`
	StepReached int        `json:"step_reached"`
	Steps       int        `json:"steps"`
	Checkpoint  string     `json:"checkpoint"`
	Resume      string     `json:"resume"`
	PartFiles   []string   `json:"part_files"`
	Memory      memoryJSON `json:"memory"`
	WallSeconds float64    `json:"wall_seconds"`
}

// memoryJSON is the memory estimate as summary.json reports it.
type memoryJSON struct {
	StateBytesPerNeuron float64 `json:"state_bytes_per_neuron"`
	StateBytes          int64   `json:"state_bytes"`
	WeightBytes         int64   `json:"weight_bytes"`
	InputBytes          int64   `json:"input_bytes"`
	RecorderBytes       int64   `json:"recorder_bytes"`
	TotalBytes          int64   `json:"total_bytes"`
}

func memoryReport(m engine.Memory) memoryJSON {
	return memoryJSON{m.StatePerNeuron(), m.State, m.Weights, m.Inputs, m.Recorders, m.Total()}
}

// interrupted saves a checkpoint after a signal stopped the run, keeps the
// .part files, writes summary.json and returns the error that carries the
// exit status.
func (lr *longRun[T]) interrupted(sig os.Signal, mem engine.Memory, wall time.Duration) error {
	if err := lr.save(); err != nil {
		return fmt.Errorf("interrupted by %v at step %d, but the checkpoint could not be saved: %w", sig, lr.net.StepIndex(), err)
	}
	lr.out.keep()
	var parts []string
	for _, w := range lr.out.writers {
		parts = append(parts, filepath.Base(w.Path())+npy.TempSuffix)
	}
	s := interruptedSummary{
		Leaky: engine.Version, Interrupted: true, Signal: sig.String(),
		StepReached: lr.net.StepIndex(), Steps: lr.steps,
		Checkpoint: lr.path, Resume: "leaky run --resume " + lr.path + " (with the same flags)",
		PartFiles: parts, Memory: memoryReport(mem), WallSeconds: wall.Seconds(),
	}
	if err := writeJSON(filepath.Join(lr.o.out, "summary.json"), s); err != nil {
		return err
	}
	return &interruptedError{sig: sig, step: lr.net.StepIndex(), checkpoint: lr.path}
}

// finished removes the checkpoint once the run has completed: it describes
// a run whose outputs are final, and resuming it would find no .part files.
// A failure to remove it is harmless, so it is not reported.
func (lr *longRun[T]) finished() { _ = os.Remove(lr.path) }

// keep marks the outputs as kept: their .part files survive the run's
// deferred abort, for a later --resume.
func (o *outputs) keep() { o.closed = true }
