package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/kernels"
	"leaky/netfile"
)

// Sim is a network stepped by its caller — the Python and C bindings'
// network — built, checked and limited by the same code as Run, with
// in-memory recorders instead of files. Its precision is the
// description's dtype; values cross its boundary as []float32 or
// []float64 and are converted only when the caller's are of the other
// one. The description's run.steps is the length the memory estimate
// plans for; a Sim runs as many steps as its caller asks.
//
// A Sim is not safe for concurrent use; separate Sims are independent
// (the kernel choice, Options.Kernel, is the process's).
type Sim struct {
	// d is the Sim's own copy of the description: recorders added by
	// Record join it, so that a checkpoint rebuilds them.
	d    *netfile.File
	impl simImpl
	// weights names the projections whose weights the caller set, which
	// a checkpoint could not rebuild.
	weights []string
	closed  bool
}

// Input is the values of one caller-fed source for the steps of one Run
// or Step.
type Input struct {
	// Source names the source: one the description gives as input.
	Source string
	// Data holds steps × batch × size values, step-major, then trial, then
	// input (a C-contiguous array of shape (steps, batch, size)), as a
	// []float32 or []float64. Values of the run's dtype are read in place,
	// and only during the call; the other dtype is converted.
	Data any
}

// Array is values a Sim hands out: a []float32 or []float64 in the run's
// dtype, or []int64 for spikes, row-major in Shape.
type Array struct {
	Shape []int
	Data  any
}

// Recording is what one of a Sim's in-memory recorders holds.
type Recording struct {
	Population string `json:"population"`
	// Var is spikes, v, isyn or iinp.
	Var string `json:"var"`
	// Neurons are a trace's neurons, nil for all.
	Neurons []int `json:"neurons,omitempty"`
	// Start is the step of its first row: the step it was added at.
	Start int `json:"start"`
	// Shape is (steps, batch, neurons) for a state variable, (spikes, 3)
	// for spikes, whose rows are (step, trial, neuron).
	Shape []int `json:"shape"`
}

// Info describes a Sim to a caller that did not build its description.
type Info struct {
	DType string  `json:"dtype"`
	Batch int     `json:"batch"`
	Dt    float64 `json:"dt"`
	// Step is the next step to run; Steps the description's run.steps.
	Step    int    `json:"step"`
	Steps   int    `json:"steps"`
	Threads int    `json:"threads"`
	Kernel  string `json:"kernel"`
	// Populations, Sources and Projections are in description order.
	Populations []PartInfo  `json:"populations"`
	Sources     []PartInfo  `json:"sources"`
	Projections []PartInfo  `json:"projections"`
	Recordings  []Recording `json:"recordings"`
}

// PartInfo is one population (kind lif or li), source (kind poisson,
// array or input) or projection (kind dense or sparse, with its Source
// and Target) of a Sim.
type PartInfo struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Size   int    `json:"size,omitempty"`
	Source string `json:"source,omitempty"`
	Target string `json:"target,omitempty"`
}

// simImpl is a Sim's network in its precision; *sim[T] implements it.
type simImpl interface {
	step(ctx context.Context, steps int, inputs []Input) error
	stepIndex() int
	setThreads(n int)
	threads() int
	record(d *netfile.File) error
	recordings() []Recording
	readRecorded(i int, dst any) error
	readState(pop int, v engine.Var, dst any) error
	consumesInput(pop int) bool
	spikes(pop int) []int64
	setWeights(k int, w any) error
	save(path string, desc checkpoint.Description) error
	restore(path string, desc checkpoint.Description) error
	close()
}

// Open builds the network d describes, checked and refused as Run checks
// and refuses it (the options that concern files — Out, checkpoints,
// Signals, Progress — are not used), with the recorders the description
// asks for held in memory. o.AfterStep, when set, is called after every
// step with the network's step.
func Open(d *netfile.File, o Options) (*Sim, error) {
	if o.ranks() > 1 {
		return nil, badInput(fmt.Errorf("a Sim steps in one process; run over %d MPI ranks through Run", o.ranks()))
	}
	s, err := open(d, o)
	if err != nil {
		return nil, err
	}
	if err := s.impl.record(s.d); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func open(d *netfile.File, o Options) (*Sim, error) {
	if d == nil {
		return nil, badInput(errors.New("no network description to open"))
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := d.Check(); err != nil {
		return nil, badInput(err)
	}
	c := *d
	c.Recorders = slices.Clone(d.Recorders)
	s := &Sim{d: &c}
	var err error
	switch c.Run.DType {
	case "float64":
		s.impl, err = openSim[float64](&c, o)
	default:
		s.impl, err = openSim[float32](&c, o)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Load opens the network a checkpoint carries, written by Sim.Save, and
// restores its state: it continues where the saved Sim was, with the
// description's recorders (those Record added included) recording from
// the saved step on. Like Resume, it refuses a checkpoint of another leaky
// version, a damaged one, and one whose .npy files have changed since.
func Load(path string, o Options) (*Sim, error) {
	saved, err := ReadSaved(path)
	if err != nil {
		return nil, badInput(err)
	}
	s, err := open(saved.Description, o)
	if err != nil {
		return nil, err
	}
	desc, err := describe(s.d, saved.Out)
	if err == nil {
		o.Resume = path
		err = saved.matches(s.d, desc, &o)
	}
	if err == nil {
		err = s.impl.restore(path, saved.Header.Description)
	}
	if err == nil {
		err = s.impl.record(s.d)
	}
	if err != nil {
		s.Close()
		return nil, badInput(err)
	}
	return s, nil
}

func openSim[T engine.Float](d *netfile.File, o Options) (*sim[T], error) {
	m, err := networkEstimate(d, &o, elemSize[T](), true)
	if err != nil {
		return nil, err
	}
	l, err := build[T](d, o, m, 0)
	if err != nil {
		return nil, err
	}
	return &sim[T]{live: l}, nil
}

// errClosed is returned by a Sim used after Close.
var errClosed = errors.New("the network is closed")

func (s *Sim) usable() error {
	if s == nil || s.closed {
		return errClosed
	}
	return nil
}

// Description is the Sim's description, with the recorders Record added.
// It must not be changed.
func (s *Sim) Description() *netfile.File { return s.d }

// DType is the run's precision, float32 or float64.
func (s *Sim) DType() string { return s.d.Run.DType }

// StepIndex is the next step to run.
func (s *Sim) StepIndex() int { return s.impl.stepIndex() }

// SetThreads sets the threads later steps use (0: all cores); results are
// the same bits at every count.
func (s *Sim) SetThreads(n int) error {
	if err := s.usable(); err != nil {
		return err
	}
	if n < 0 {
		return badInput(fmt.Errorf("threads %d: must be ≥ 0 (0 uses all cores)", n))
	}
	s.impl.setThreads(n)
	return nil
}

// Run advances the network by steps steps, the caller-fed sources taking
// their values from inputs (each of them exactly once when steps > 0).
// Cancelling ctx (nil: never) stops it at the end of a step with an error
// wrapping engine.ErrInterrupted; the Sim stays usable, at the step
// reached. Errors caused by the arguments wrap ErrBadInput and leave the
// Sim as it was.
func (s *Sim) Run(ctx context.Context, steps int, inputs ...Input) error {
	if err := s.usable(); err != nil {
		return err
	}
	return s.impl.step(ctx, steps, inputs)
}

// Step runs one step: Run(nil, 1, inputs...).
func (s *Sim) Step(inputs ...Input) error { return s.Run(nil, 1, inputs...) }

// Record records vars (spikes, v, isyn, iinp) of the population from the
// next step on, in memory, of the given neurons (nil: all) for state
// variables. It is checked as a recorder of the description is, and
// joins the description, so a checkpoint records it too.
func (s *Sim) Record(population string, vars []string, neurons []int) error {
	if err := s.usable(); err != nil {
		return err
	}
	prev := s.d.Recorders
	s.d.Recorders = append(slices.Clone(prev), netfile.Recorder{Population: population, Vars: vars, Neurons: neurons})
	if err := s.d.Check(); err != nil {
		s.d.Recorders = prev
		return badInput(err)
	}
	return s.impl.record(s.d)
}

// Recordings lists what the Sim records, with the shape of what each
// holds now.
func (s *Sim) Recordings() []Recording { return s.impl.recordings() }

// recording finds the recorder of v of population.
func (s *Sim) recording(population, v string) (int, Recording, error) {
	if err := s.usable(); err != nil {
		return 0, Recording{}, err
	}
	var vars []string
	for i, r := range s.impl.recordings() {
		if r.Population == population {
			if r.Var == v {
				return i, r, nil
			}
			vars = append(vars, r.Var)
		}
	}
	if s.d.PopulationIndex(population) < 0 {
		return 0, Recording{}, badInput(fmt.Errorf("no population named %q", population))
	}
	return 0, Recording{}, badInput(fmt.Errorf("%s of %q is not recorded (recorded: %v); Record it first", v, population, vars))
}

// Recorded returns a copy of what the recorder of v (spikes, v, isyn or
// iinp) of population holds.
func (s *Sim) Recorded(population, v string) (Recording, Array, error) {
	i, r, err := s.recording(population, v)
	if err != nil {
		return r, Array{}, err
	}
	a := Array{Shape: r.Shape, Data: s.alloc(v, product(r.Shape))}
	return r, a, s.impl.readRecorded(i, a.Data)
}

// ReadRecorded copies what the recorder of v of population holds into
// dst — a []float32 or []float64 for a state variable, converted when not
// of the run's dtype, or []int64 for spikes — which must hold exactly the
// product of its Shape values; with dst nil it only returns the
// recording, so a caller can size its buffer first.
func (s *Sim) ReadRecorded(population, v string, dst any) (Recording, error) {
	i, r, err := s.recording(population, v)
	if err != nil || dst == nil {
		return r, err
	}
	return r, s.impl.readRecorded(i, dst)
}

// stateVars are the state variables State reads.
var stateVars = map[string]engine.Var{"v": engine.VarV, "isyn": engine.VarI, "iinp": engine.VarIin}

// population finds a population's index and size.
func (s *Sim) population(name string) (int, []int, error) {
	if err := s.usable(); err != nil {
		return 0, nil, err
	}
	i := s.d.PopulationIndex(name)
	if i < 0 {
		var names []string
		for _, p := range s.d.Populations {
			names = append(names, p.Name)
		}
		return 0, nil, badInput(fmt.Errorf("no population named %q (the network has %q)", name, names))
	}
	return i, []int{*s.d.Run.Batch, s.d.Populations[i].Size}, nil
}

// State returns v, isyn (the first receptor's current) or iinp of every
// neuron of population now, shape (batch, size): after a step, the values
// the next step starts from.
func (s *Sim) State(population, v string) (Array, error) {
	shape, err := s.ReadState(population, v, nil)
	if err != nil {
		return Array{}, err
	}
	a := Array{Shape: shape, Data: s.alloc(v, product(shape))}
	_, err = s.ReadState(population, v, a.Data)
	return a, err
}

// ReadState copies State's values into dst, a []float32 or []float64 of
// batch × size values (converted when not of the run's dtype), and
// returns their shape; with dst nil it only returns the shape.
func (s *Sim) ReadState(population, v string, dst any) ([]int, error) {
	i, shape, err := s.population(population)
	if err != nil {
		return nil, err
	}
	sv, ok := stateVars[v]
	if !ok {
		return nil, badInput(fmt.Errorf("state variable %q: want v, isyn or iinp", v))
	}
	if sv == engine.VarIin && s.impl.consumesInput(i) {
		return nil, badInput(fmt.Errorf("iinp of %q is not kept after a step: its update (two-receptor CUBA or COBA) consumes the input; record iinp to see it", population))
	}
	if dst == nil {
		return shape, nil
	}
	return shape, s.impl.readState(i, sv, dst)
}

// Spikes returns the spikes of population's last step as rows of (trial,
// neuron), shape (spikes, 2).
func (s *Sim) Spikes(population string) (Array, error) {
	i, _, err := s.population(population)
	if err != nil {
		return Array{}, err
	}
	x := s.impl.spikes(i)
	return Array{Shape: []int{len(x) / 2, 2}, Data: x}, nil
}

// SetWeights replaces the weights of the dense projection named name
// (default SOURCE->TARGET) with w, a []float32 or []float64 of
// n_source × n_target values, row-major. The Sim can then no longer be
// saved: a checkpoint rebuilds the weights from the description.
func (s *Sim) SetWeights(name string, w any) error {
	if err := s.usable(); err != nil {
		return err
	}
	k := -1
	var names []string
	for i, p := range s.d.Projections {
		names = append(names, p.Name)
		if p.Name == name {
			k = i
		}
	}
	if k < 0 {
		return badInput(fmt.Errorf("no projection named %q (the network has %q)", name, names))
	}
	if err := s.impl.setWeights(k, w); err != nil {
		return badInput(fmt.Errorf("%s: %w", s.name(fmt.Sprintf("projections[%d].weight", k)), err))
	}
	if !slices.Contains(s.weights, name) {
		s.weights = append(s.weights, name)
	}
	return nil
}

// Save writes the Sim's state to a checkpoint at path, in the format of
// leaky run's checkpoints, carrying the description (with the recorders
// Record added): Load continues from it. Recorded data is not saved; read
// it first.
func (s *Sim) Save(path string) error {
	if err := s.usable(); err != nil {
		return err
	}
	if len(s.weights) > 0 {
		return badInput(fmt.Errorf("checkpoint %s: the weights of %q were set from memory, and a checkpoint rebuilds weights from the description; give them as {file: W.npy} in the description instead", path, s.weights))
	}
	desc, err := describe(s.d, "")
	if err != nil {
		return badInput(err)
	}
	return s.impl.save(path, desc)
}

// Info describes the Sim now.
func (s *Sim) Info() Info {
	d := s.d
	in := Info{DType: d.Run.DType, Batch: *d.Run.Batch, Dt: *d.Run.Dt, Step: s.impl.stepIndex(), Steps: *d.Run.Steps,
		Threads: s.impl.threads(), Kernel: kernels.Active().Name, Recordings: s.impl.recordings(),
		Populations: []PartInfo{}, Sources: []PartInfo{}, Projections: []PartInfo{}}
	for _, p := range d.Populations {
		kind := p.Kind
		if kind == "" {
			kind = "lif"
		}
		in.Populations = append(in.Populations, PartInfo{Name: p.Name, Kind: kind, Size: p.Size})
	}
	for i, src := range d.Sources {
		pi := PartInfo{Name: src.Name, Size: s.sourceSize(i)}
		switch {
		case src.Poisson != nil:
			pi.Kind = "poisson"
		case src.Array != nil:
			pi.Kind = "array"
		default:
			pi.Kind = "input"
		}
		in.Sources = append(in.Sources, pi)
	}
	for _, p := range d.Projections {
		in.Projections = append(in.Projections, PartInfo{Name: p.Name, Kind: p.Type, Source: p.Source, Target: p.Target})
	}
	return in
}

func (s *Sim) sourceSize(i int) int {
	switch x := s.impl.(type) {
	case *sim[float32]:
		return x.net.Sources[i].Size()
	case *sim[float64]:
		return x.net.Sources[i].Size()
	}
	return 0
}

// Close stops the Sim's worker threads; it may not be used afterwards.
// Closing twice does nothing.
func (s *Sim) Close() {
	if s == nil || s.closed {
		return
	}
	s.closed = true
	s.impl.close()
}

func (s *Sim) name(key string) string {
	switch x := s.impl.(type) {
	case *sim[float32]:
		return x.o.name(key)
	case *sim[float64]:
		return x.o.name(key)
	}
	return key
}

// alloc makes room for n values of variable v in the run's dtype.
func (s *Sim) alloc(v string, n int) any {
	switch {
	case v == "spikes":
		return make([]int64, n)
	case s.DType() == "float64":
		return make([]float64, n)
	}
	return make([]float32, n)
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// sim is a Sim's network in precision T, with its recorders.
type sim[T engine.Float] struct {
	*live[T]
	recs []*memRecorder[T]
}

// memRecorder is one in-memory recorder of a Sim: a trace or a spike
// recorder that holds steps from start on.
type memRecorder[T engine.Float] struct {
	rec   Recording
	start int
	// plan is the steps from start to the description's run.steps.
	plan   int
	trace  *engine.Trace[T]
	spikes *engine.SpikeRecorder[T]
}

// The engine recorders the network runs: they reserve for the steps from
// their start on, not from step 0, and at least double what they hold
// when they grow, so that a caller stepping one step per call does not
// copy the whole recording at every step.
type (
	memTrace[T engine.Float]  struct{ *memRecorder[T] }
	memSpikes[T engine.Float] struct{ *memRecorder[T] }
)

// reserveSteps is the steps to reserve room for: those up to total, or,
// when that needs more than the room held (capacity steps), at least
// twice what is recorded and what the description's run.steps plans for
// (plan steps from the recorder's start), which the memory estimate
// admitted.
func reserveSteps(total, start, recorded, capacity, plan int) int {
	steps := total - start
	if steps > capacity {
		steps = max(steps, 2*recorded, plan)
	}
	return steps
}

func (r memTrace[T]) Population() *engine.Population[T] { return r.trace.Pop }
func (r memTrace[T]) Reserve(total int) error {
	row := r.trace.Pop.Batch * r.trace.Width()
	return r.trace.Reserve(reserveSteps(total, r.start, r.trace.Steps, cap(r.trace.Data)/max(row, 1), r.plan))
}
func (r memTrace[T]) RecordState(t int) error  { return r.trace.RecordState(t) }
func (r memTrace[T]) RecordSpikes(t int) error { return r.trace.RecordSpikes(t) }
func (r memTrace[T]) ReadsState() bool         { return r.trace.ReadsState() }
func (r memTrace[T]) ReadsInput() bool         { return r.trace.ReadsInput() }
func (r memTrace[T]) StateNeurons() [][2]int   { return r.trace.StateNeurons() }

func (r memSpikes[T]) Population() *engine.Population[T] { return r.spikes.Pop }
func (r memSpikes[T]) Reserve(total int) error {
	s := r.spikes
	return s.Reserve(reserveSteps(total, r.start, len(s.PerStep), cap(s.PerStep), r.plan))
}
func (r memSpikes[T]) RecordState(t int) error  { return nil }
func (r memSpikes[T]) RecordSpikes(t int) error { return r.spikes.RecordSpikes(t) }
func (r memSpikes[T]) ReadsState() bool         { return false }
func (r memSpikes[T]) ReadsInput() bool         { return false }

// record adds a recorder for each recording of d not yet recorded.
func (s *sim[T]) record(d *netfile.File) error {
	s.d = d
	for _, rec := range d.Recordings() {
		pop := s.net.Pops[rec.Pop]
		known := false
		for _, r := range s.recs {
			known = known || r.rec.Population == pop.Name && r.rec.Var == rec.VarName
		}
		if known {
			continue
		}
		r := &memRecorder[T]{rec: Recording{Population: pop.Name, Var: rec.VarName, Neurons: rec.Neurons}, start: s.net.Net.StepIndex()}
		r.plan = max(0, *d.Run.Steps-r.start)
		r.rec.Start = r.start
		if rec.Spikes {
			r.spikes = engine.NewSpikeRecorder(pop)
			s.net.Net.AddRecorder(memSpikes[T]{r})
		} else {
			tr, err := engine.NewTrace(pop, rec.Var, rec.Neurons)
			if err != nil {
				return badInput(err)
			}
			r.trace = tr
			s.net.Net.AddRecorder(memTrace[T]{r})
		}
		s.recs = append(s.recs, r)
	}
	return nil
}

func (s *sim[T]) recordings() []Recording {
	out := make([]Recording, len(s.recs))
	batch := *s.d.Run.Batch
	for i, r := range s.recs {
		out[i] = r.rec
		if r.trace != nil {
			out[i].Shape = []int{r.trace.Steps, batch, r.trace.Width()}
		} else {
			out[i].Shape = []int{len(r.spikes.Events) / 3, 3}
		}
	}
	return out
}

func (s *sim[T]) readRecorded(i int, dst any) error {
	r := s.recs[i]
	if r.trace != nil {
		return copyOut(dst, r.trace.Data[:r.trace.Steps*r.trace.Pop.Batch*r.trace.Width()])
	}
	d, ok := dst.([]int64)
	if !ok {
		return badInput(fmt.Errorf("spikes of %q: want []int64 for (step, trial, neuron) rows, got %T", r.rec.Population, dst))
	}
	if len(d) != len(r.spikes.Events) {
		return badInput(fmt.Errorf("spikes of %q: room for %d values, want %d", r.rec.Population, len(d), len(r.spikes.Events)))
	}
	copy(d, r.spikes.Events)
	return nil
}

func (s *sim[T]) consumesInput(i int) bool { return s.net.Pops[i].ConsumesInput() }

func (s *sim[T]) readState(i int, v engine.Var, dst any) error {
	p := s.net.Pops[i]
	x := p.State(v)
	n := p.Batch * p.N
	if err := checkLen(dst, n); err != nil {
		return err
	}
	for b := 0; b < p.Batch; b++ {
		if err := copyOut(sub(dst, b*p.N, (b+1)*p.N), p.Row(x, b)); err != nil {
			return err
		}
	}
	return nil
}

func (s *sim[T]) spikes(i int) []int64 {
	p := s.net.Pops[i]
	n := 0
	for b := 0; b < p.Batch; b++ {
		n += len(p.Events(b))
	}
	out := make([]int64, 0, 2*n)
	for b := 0; b < p.Batch; b++ {
		for _, j := range p.Events(b) {
			out = append(out, int64(b), int64(j))
		}
	}
	return out
}

func (s *sim[T]) setWeights(k int, w any) error {
	d, ok := s.net.Projections[k].(*engine.Dense[T])
	if !ok {
		return fmt.Errorf("only a dense projection with stored weights takes weights, and %q is not one", s.d.Projections[k].Name)
	}
	src, err := s.values(w)
	if err != nil {
		return err
	}
	if len(src) != len(d.W) {
		return fmt.Errorf("%d weights; want %d × %d = %d, shape (n_source, n_target)", len(src), d.NIn, d.NOut, len(d.W))
	}
	for j, v := range src {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("weight [%d, %d] is %v; weights must be finite", j/d.NOut, j%d.NOut, f)
		}
	}
	copy(d.W, src)
	return nil
}

func (s *sim[T]) stepIndex() int   { return s.net.Net.StepIndex() }
func (s *sim[T]) setThreads(n int) { s.net.Net.SetThreads(n) }
func (s *sim[T]) threads() int     { return s.net.Net.Threads() }
func (s *sim[T]) close()           { s.live.close() }
func (s *sim[T]) save(path string, desc checkpoint.Description) error {
	return checkpoint.Save(path, s.net.Net, engine.Version, desc, nil)
}

func (s *sim[T]) restore(path string, desc checkpoint.Description) error {
	_, err := checkpoint.Load(path, s.net.Net, engine.Version, desc)
	return err
}

// step checks that the recorders' growth fits in memory, then steps.
func (s *sim[T]) step(ctx context.Context, steps int, inputs []Input) error {
	if steps > 0 {
		if err := s.checkGrowth(steps); err != nil {
			return err
		}
	}
	var after func(int)
	if s.o.AfterStep != nil {
		t0 := s.net.Net.StepIndex()
		after = func(done int) { s.o.AfterStep(t0 + done) }
	}
	return s.live.step(ctx, steps, inputs, after)
}

// checkGrowth refuses steps more steps when the traces would need more
// memory than is available, unless Force.
func (s *sim[T]) checkGrowth(steps int) error {
	var m engine.Memory
	var have int64
	elem := elemSize[T]()
	for _, r := range s.recs {
		if r.trace == nil {
			continue
		}
		tr := r.trace
		row := tr.Pop.Batch * tr.Width()
		if tr.Steps+steps <= cap(tr.Data)/max(row, 1) {
			continue // the room is there
		}
		grown := reserveSteps(tr.Steps+steps, 0, tr.Steps, cap(tr.Data)/max(row, 1), r.plan)
		if err := m.AddRecorderSteps(r.rec.Population+"/"+r.rec.Var, grown, tr.Pop.Batch, tr.Width(), elem); err != nil {
			return badInput(fmt.Errorf("%w: record fewer neurons, or read the recording and start a new one", err))
		}
		have += int64(cap(tr.Data)) * int64(elem)
	}
	need := m.Recorders - have
	if s.o.Force || need <= 0 {
		return nil
	}
	if avail, source, ok := MemoryLimit(MeminfoPath, CgroupMaxPath, CgroupCurrentPath); ok && need > avail {
		return badInput(fmt.Errorf("%w: recording %d more steps needs about %s more memory but only %s is available (%s); run fewer steps at a time, record fewer neurons, or %s to try anyway",
			ErrTooLarge, steps, FormatBytes(float64(need)), FormatBytes(float64(avail)), source, s.o.name("force")))
	}
	return nil
}

// copyOut copies src into dst, a []float32 or []float64 of the same
// length, converting when it is not []T.
func copyOut[T engine.Float](dst any, src []T) error {
	if err := checkLen(dst, len(src)); err != nil {
		return err
	}
	switch d := dst.(type) {
	case []T:
		copy(d, src)
	case []float32:
		for i, v := range src {
			d[i] = float32(v)
		}
	case []float64:
		for i, v := range src {
			d[i] = float64(v)
		}
	}
	return nil
}

// checkLen refuses dst unless it is a []float32 or []float64 of n values.
func checkLen(dst any, n int) error {
	var got int
	switch d := dst.(type) {
	case []float32:
		got = len(d)
	case []float64:
		got = len(d)
	default:
		return badInput(fmt.Errorf("buffer is %T; want []float32 or []float64", dst))
	}
	if got != n {
		return badInput(fmt.Errorf("buffer holds %d values, want %d", got, n))
	}
	return nil
}

// sub is dst[lo:hi] for a []float32 or []float64.
func sub(dst any, lo, hi int) any {
	switch d := dst.(type) {
	case []float32:
		return d[lo:hi]
	case []float64:
		return d[lo:hi]
	}
	return dst
}
