package main

import (
	"crypto/sha256"
	"encoding/hex"
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

// longRun carries a run's checkpoint state: what it saves beside the
// network, and where a resumed run starts.
type longRun[T engine.Float] struct {
	o      *runOptions
	path   string
	desc   checkpoint.Description
	header *checkpoint.Header // of the checkpoint resumed from, or nil
	start  int                // first step to run
	net    *engine.Network[T]
	fig    *figureRecorder[T]
	spikes *engine.StreamSpikes[T]
	out    *outputs
	// figSteps and figNeurons hold the figure's raster as int64 while a
	// checkpoint is written or read, since checkpoints hold no []int.
	figSteps, figNeurons []int64
}

// newLongRun prepares checkpoints for a run; when resuming, it reads and
// checks the checkpoint's header against the flags before any output file
// is touched.
func newLongRun[T engine.Float](o *runOptions) (*longRun[T], error) {
	lr := &longRun[T]{o: o, path: o.checkpointPath()}
	if o.long.every < 0 {
		return nil, badInput(fmt.Errorf("--checkpoint-every %d: want 0 (only on interruption) or a positive number of steps", o.long.every))
	}
	var err error
	if lr.desc, err = o.describe(); err != nil {
		return nil, badInput(err)
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
	if s := h.Step(); s < 0 || s > int64(o.steps) {
		return nil, badInput(fmt.Errorf("--resume: checkpoint %s is at step %d, outside the run's 0..%d", o.long.resume, s, o.steps))
	}
	lr.header, lr.start = h, int(h.Step())
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

// attach gives the long run the parts it saves beside the network.
func (lr *longRun[T]) attach(net *engine.Network[T], fig *figureRecorder[T], spikes *engine.StreamSpikes[T], out *outputs) {
	lr.net, lr.fig, lr.spikes, lr.out = net, fig, spikes, out
}

// runState is the network plus the figure's data, saved and restored as
// one.
type runState[T engine.Float] struct{ lr *longRun[T] }

func (s runState[T]) StateVars() []engine.StateVar {
	f := s.lr.fig
	return append(s.lr.net.StateVars(),
		engine.StateVar{Name: "figure/v", Data: f.v},
		engine.StateVar{Name: "figure/isyn", Data: f.isyn},
		engine.StateVar{Name: "figure/iinp", Data: f.iinp},
		engine.StateVar{Name: "figure/counts", Data: f.counts},
		engine.StateVar{Name: "figure/raster_steps", Data: s.lr.figSteps},
		engine.StateVar{Name: "figure/raster_neurons", Data: s.lr.figNeurons},
		engine.StateVar{Name: "figure/last_spikes", Data: &f.lastSpikes},
	)
}

func (s runState[T]) Restored() { s.lr.net.Restored() }

// restore loads the checkpoint being resumed into the network, the figure
// and the spike stream. The figure's slices are sized from the header
// first, within the bounds the figure keeps, so their lengths match.
func (lr *longRun[T]) restore() error {
	if lr.header == nil {
		return nil
	}
	f := lr.fig
	size := func(name string, limit int) (int, error) {
		for _, v := range lr.header.Vars {
			if v.Name == name {
				if v.Len < 0 || v.Len > int64(limit) {
					return 0, badInput(fmt.Errorf("--resume: checkpoint %s holds %d values of %s, more than the %d the figure keeps", lr.o.long.resume, v.Len, name, limit))
				}
				return int(v.Len), nil
			}
		}
		return 0, badInput(fmt.Errorf("--resume: checkpoint %s lacks %s", lr.o.long.resume, name))
	}
	n, err := size("figure/v", f.maxSteps)
	if err != nil {
		return err
	}
	f.v, f.isyn, f.iinp = make([]float64, n, f.maxSteps), make([]float64, n, f.maxSteps), make([]float64, n, f.maxSteps)
	if n, err = size("figure/counts", f.maxSteps); err != nil {
		return err
	}
	f.counts = make([]int64, n, f.maxSteps)
	if n, err = size("figure/raster_steps", rasterMaxSpikes); err != nil {
		return err
	}
	lr.figSteps, lr.figNeurons = make([]int64, n), make([]int64, n)
	if _, err := checkpoint.Load(lr.o.long.resume, runState[T]{lr}, engine.Version, lr.desc); err != nil {
		return badInput(fmt.Errorf("--resume: %w", err))
	}
	f.steps, f.neurons = make([]int, n), make([]int, n)
	for i := range n {
		f.steps[i], f.neurons[i] = int(lr.figSteps[i]), int(lr.figNeurons[i])
	}
	lr.figSteps, lr.figNeurons = nil, nil
	if lr.spikes != nil {
		c, ok := lr.header.Counter("spikes/count")
		if !ok || c < 0 {
			return badInput(fmt.Errorf("--resume: checkpoint %s lacks a valid spike count", lr.o.long.resume))
		}
		lr.spikes.Count = c
	}
	return nil
}

// save writes a checkpoint at the current step: it first makes every
// output's rows durable in its .part file, then saves the state with those
// row counts, so the checkpoint never claims rows the disk lacks.
func (lr *longRun[T]) save() error {
	var counters []checkpoint.Counter
	if lr.spikes != nil {
		if err := lr.spikes.Flush(); err != nil {
			return err
		}
		counters = append(counters, checkpoint.Counter{Name: "spikes/count", Value: lr.spikes.Count})
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
	f := lr.fig
	lr.figSteps, lr.figNeurons = make([]int64, len(f.steps)), make([]int64, len(f.neurons))
	for i := range f.steps {
		lr.figSteps[i], lr.figNeurons[i] = int64(f.steps[i]), int64(f.neurons[i])
	}
	defer func() { lr.figSteps, lr.figNeurons = nil, nil }()
	if dir := filepath.Dir(lr.path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--checkpoint %s: %w", lr.path, err)
		}
	}
	return checkpoint.Save(lr.path, runState[T]{lr}, engine.Version, lr.desc, counters)
}

// due reports whether a periodic checkpoint falls after done steps of
// this invocation.
func (lr *longRun[T]) due(done int) bool {
	step := lr.start + done
	return lr.o.long.every > 0 && step%lr.o.long.every == 0 && step < lr.o.steps
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
		StepReached: lr.net.StepIndex(), Steps: lr.o.steps,
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
