package engine

import (
	"fmt"
	"math"
	"math/bits"

	"leaky/kernels"
)

// Presynaptic is anything a projection can read from: a source or a
// population. Its output for the current step is either spike events or
// dense values.
type Presynaptic[T Float] interface {
	// Size is the number of outputs per trial.
	Size() int
	// BatchSize is the number of trials.
	BatchSize() int
	// Events lists, in increasing order, the outputs of trial b that are
	// active (spiking) in the current step. Only valid when Values is nil.
	Events(b int) []int32
	// Values returns the dense output of the current step, BatchSize rows of
	// Size values, or nil when the output is spike events.
	Values() []T
}

// Source produces the external input x[t] of a network.
type Source[T Float] interface {
	Presynaptic[T]
	// Name identifies the source in networks and errors.
	SourceName() string
	// Emit prepares the output of step t. Steps are emitted in increasing
	// order, but a source must not depend on that beyond the step index
	// (resuming from a checkpoint emits from the middle).
	Emit(t int) error
	// Len is the number of steps the source can emit, or −1 if unbounded.
	Len() int
}

// Poisson emits independent Poisson spike trains: each of N inputs of each
// trial spikes in a step with probability Rate·dt. Spikes are generated as
// events by geometric skipping, costing O(spikes) per step rather than one
// random number per input, and each (step, trial) pair has its own keyed
// generator so any step can be produced on its own.
type Poisson[T Float] struct {
	// Name identifies the source.
	Name string
	// N is the number of inputs per trial, Batch the number of trials.
	N, Batch int
	// Rate is the firing rate in Hz, Dt the step in seconds.
	Rate, Dt float64
	// Seed keys the random numbers.
	Seed uint64

	prob      float64 // spike probability per step
	logq      float64 // log(1 − prob), for geometric gaps
	events    [][]int32
	emitted   int64
	streamKey uint64
	// silent is (1 − prob)^N less a margin far above the rounding of
	// the logarithm and division: a first uniform below it is a gap past
	// the last input, a silent trial, without the logarithm.
	silent float64
}

// NewPoisson returns a Poisson source of batch × n inputs firing at rate Hz
// with step dt seconds. stream distinguishes several sources with one seed.
func NewPoisson[T Float](name string, batch, n int, rate, dt float64, seed, stream uint64) (*Poisson[T], error) {
	if n < 1 {
		return nil, fmt.Errorf("source %q: inputs must be at least 1, got %d", name, n)
	}
	if batch < 1 {
		return nil, fmt.Errorf("source %q: batch must be at least 1, got %d", name, batch)
	}
	if !(rate >= 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("source %q: rate must be a finite number of Hz ≥ 0, got %v", name, rate)
	}
	if !(dt > 0) || math.IsInf(dt, 0) {
		return nil, fmt.Errorf("source %q: dt must be positive and finite, got %v", name, dt)
	}
	prob := rate * dt
	if prob > 1 {
		return nil, fmt.Errorf("source %q: rate %v Hz × dt %v s = %v spikes per step; a Bernoulli input can spike at most once per step", name, rate, dt, prob)
	}
	s := &Poisson[T]{Name: name, N: n, Batch: batch, Rate: rate, Dt: dt, Seed: seed, prob: prob, streamKey: streamPoisson + stream<<8}
	s.logq = math.Log1p(-prob)
	s.silent = math.Exp(float64(n)*s.logq) * (1 - 1e-9)
	s.events = make([][]int32, batch)
	for b := range s.events {
		s.events[b] = make([]int32, 0, n)
	}
	return s, nil
}

// SourceName returns the source's name.
func (s *Poisson[T]) SourceName() string { return s.Name }

// Size is the number of inputs per trial.
func (s *Poisson[T]) Size() int { return s.N }

// BatchSize is the number of trials.
func (s *Poisson[T]) BatchSize() int { return s.Batch }

// Len is −1: a Poisson source never runs out.
func (s *Poisson[T]) Len() int { return -1 }

// Events lists the inputs of trial b that spike in the current step.
func (s *Poisson[T]) Events(b int) []int32 { return s.events[b] }

// eventLists is every trial's Events, for accumulateEvents.
func (s *Poisson[T]) eventLists() [][]int32 { return s.events }

// Values is nil: the output is spikes.
func (s *Poisson[T]) Values() []T { return nil }

// Emitted is the number of spikes emitted so far.
func (s *Poisson[T]) Emitted() int64 { return s.emitted }

// Emit draws the spikes of step t for every trial.
func (s *Poisson[T]) Emit(t int) error {
	s.EmitTrials(t, 0, s.Batch)
	s.FinishEmit()
	return nil
}

// EmitTrials draws the spikes of step t for trials b0..b1−1. Calls for
// disjoint trial ranges may run concurrently: each trial has its own keyed
// generator and event list, so the network splits emission over its
// threads and the spikes do not depend on the split. FinishEmit must follow
// once every trial of the step is drawn.
func (s *Poisson[T]) EmitTrials(t, b0, b1 int) {
	for b := b0; b < b1; b++ {
		ev := s.events[b][:0]
		switch {
		case s.prob <= 0:
		case s.prob >= 1:
			for j := 0; j < s.N; j++ {
				ev = append(ev, int32(j))
			}
		default:
			hi, lo := pcgKey(s.Seed, s.streamKey, uint64(t), uint64(b))
			src := wyStream{s: hi ^ lo}
			// The gap to the next spike is geometric: the number of
			// failures before a success, floor(log(U)/log(1−p)) with U in
			// (0, 1). One logarithm per spike, none per silent input.
			for j := -1; ; {
				u := src.uniform()
				if j < 0 && u < s.silent {
					break
				}
				gap := math.Floor(math.Log(u) / s.logq)
				if gap >= float64(s.N-j-1) {
					break
				}
				j += 1 + int(gap)
				ev = append(ev, int32(j))
			}
		}
		s.events[b] = ev
	}
}

// FinishEmit adds the step's spikes to the emitted count.
func (s *Poisson[T]) FinishEmit() {
	for _, ev := range s.events {
		s.emitted += int64(len(ev))
	}
}

// TrialSource is a source whose trials can be drawn independently and
// concurrently; the network splits their emission over its threads.
type TrialSource interface {
	// EmitTrials prepares step t for trials b0..b1−1.
	EmitTrials(t, b0, b1 int)
	// FinishEmit runs once per step after every trial is drawn.
	FinishEmit()
}

// Array replays recorded inputs: X holds Steps × Batch × N values. When every
// value is 0 or 1 the input is treated as spikes and propagated event-driven;
// otherwise it is analog and goes through the dense matrix product. Either
// way Iin[t] = x[t]·W.
//
// The pass of NewArray that checks the values also keeps binary input as
// spike bitmasks, a 32nd of X's size in float32, which dense projections
// read as they stand; Emit then only lists events for the projections that
// read lists (see spikeMasker).
type Array[T Float] struct {
	// Name identifies the source.
	Name string
	// Steps, Batch and N are the array's shape.
	Steps, Batch, N int
	// X holds the values, step-major then trial then input.
	X []T
	// Binary reports whether X holds only 0 and 1.
	Binary bool

	t int
	// masks holds a binary X as bits, words per trial and step: bit j%64
	// of masks[(t·Batch+b)·words+j/64] is input j of trial b at step t.
	masks []uint64
	words int
	// lists are the current step's events, listed at Emit while a
	// projection reads them (all), otherwise by Events.
	lists spikeLists
}

// NewArray wraps x (steps × batch × n, step-major) as a source. It refuses
// non-finite values.
func NewArray[T Float](name string, x []T, steps, batch, n int) (*Array[T], error) {
	if steps < 1 || batch < 1 || n < 1 {
		return nil, fmt.Errorf("source %q: shape (%d, %d, %d) must be positive in every dimension", name, steps, batch, n)
	}
	if len(x) != steps*batch*n {
		return nil, fmt.Errorf("source %q: %d values do not fill shape (%d, %d, %d)", name, len(x), steps, batch, n)
	}
	words := kernels.MaskWords(n)
	masks := make([]uint64, steps*batch*words)
	analog, bad := scanInput(x, n, masks, words, nil)
	if bad >= 0 {
		t, rest := bad/(batch*n), bad%(batch*n)
		return nil, fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; inputs must be finite", name, t, rest/n, rest%n, float64(x[bad]))
	}
	if analog >= 0 {
		masks = nil
	}
	a := &Array[T]{Name: name, Steps: steps, Batch: batch, N: n, X: x, Binary: masks != nil, t: -1}
	if a.Binary {
		a.masks, a.words = masks, words
		a.lists = newSpikeLists(batch, n)
	}
	return a, nil
}

// SourceName returns the source's name.
func (a *Array[T]) SourceName() string { return a.Name }

// SpikesBefore counts the ones in steps 0 … t−1 of every trial: the spikes
// a binary array has emitted once t steps have run (0 for an analog one).
func (a *Array[T]) SpikesBefore(t int) int64 {
	if !a.Binary {
		return 0
	}
	var n int64
	for _, m := range a.masks[:min(max(t, 0), a.Steps)*a.Batch*a.words] {
		n += int64(bits.OnesCount64(m))
	}
	return n
}

// Size is the number of inputs per trial.
func (a *Array[T]) Size() int { return a.N }

// BatchSize is the number of trials.
func (a *Array[T]) BatchSize() int { return a.Batch }

// Len is the number of recorded steps.
func (a *Array[T]) Len() int { return a.Steps }

// Events lists the inputs of trial b that spike in the current step.
func (a *Array[T]) Events(b int) []int32 { return a.lists.get(b, a.t, a.trialMask(b)) }

// eventLists is every trial's Events, for accumulateEvents, which runs
// only where the network lists them all (lists.all).
func (a *Array[T]) eventLists() [][]int32 { return a.lists.events }

// masked reports whether the output is spikes: see spikeMasker.
func (a *Array[T]) masked() bool { return a.Binary }

// spikeMasks returns the current step's bitmasks of trials b0 … b1−1.
func (a *Array[T]) spikeMasks(b0, b1 int) ([]uint64, int) {
	at := a.t * a.Batch
	return a.masks[(at+b0)*a.words : (at+b1)*a.words], a.words
}

// trialMask is trial b's bitmask of the current step, none before the
// first.
func (a *Array[T]) trialMask(b int) []uint64 {
	if a.t < 0 {
		return nil
	}
	m, _ := a.spikeMasks(b, b+1)
	return m
}

// listEvery switches between listing every trial's events at Emit and
// listing them when asked.
func (a *Array[T]) listEvery(every bool) {
	if a.Binary {
		a.lists.setAll(every, a.t, a.trialMask)
	}
}

// Values returns the current step's rows for analog input, nil for spikes.
func (a *Array[T]) Values() []T {
	if a.Binary {
		return nil
	}
	return a.X[a.t*a.Batch*a.N : (a.t+1)*a.Batch*a.N]
}

// Emit selects step t.
func (a *Array[T]) Emit(t int) error {
	if t < 0 || t >= a.Steps {
		return fmt.Errorf("source %q: step %d is past the %d recorded steps", a.Name, t, a.Steps)
	}
	a.t = t
	if a.Binary && a.lists.all {
		for b := range a.lists.events {
			a.lists.events[b] = spikeIndices(a.lists.events[b][:0], a.trialMask(b))
		}
	}
	return nil
}
