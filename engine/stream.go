package engine

import "fmt"

// StreamTrace records one state variable like Trace, but hands each step's
// values to Sink as soon as they are read instead of keeping them, so a run
// of any length records in memory of one step. Sink receives Batch ×
// width values, trial-major, for steps in order; it typically appends them
// to a file. The slice is reused: Sink must copy what it keeps. An error
// from Sink stops the run at that step.
type StreamTrace[T Float] struct {
	// Pop is the population observed, Var the variable.
	Pop *Population[T]
	Var Var
	// Neurons are the recorded neuron indices; nil records all.
	Neurons []int
	// Sink receives each step's values.
	Sink func(values []T) error
	// Steps is the number of steps passed to Sink.
	Steps int

	row []T
}

// NewStreamTrace streams v of the given neurons of pop (nil: all) to sink.
// It refuses neuron indices outside the population.
func NewStreamTrace[T Float](pop *Population[T], v Var, neurons []int, sink func([]T) error) (*StreamTrace[T], error) {
	if sink == nil {
		return nil, fmt.Errorf("stream of %s in %q: no sink", v, pop.Name)
	}
	for _, i := range neurons {
		if i < 0 || i >= pop.N {
			return nil, fmt.Errorf("stream of %s in %q: neuron %d is outside 0..%d", v, pop.Name, i, pop.N-1)
		}
	}
	r := &StreamTrace[T]{Pop: pop, Var: v, Neurons: neurons, Sink: sink}
	r.row = make([]T, 0, pop.Batch*r.Width())
	return r, nil
}

// Population returns the observed population.
func (r *StreamTrace[T]) Population() *Population[T] { return r.Pop }

// Width is the number of neurons recorded per trial.
func (r *StreamTrace[T]) Width() int {
	if r.Neurons == nil {
		return r.Pop.N
	}
	return len(r.Neurons)
}

// Reserve does nothing: a stream needs only its one-step row.
func (r *StreamTrace[T]) Reserve(int) error { return r.Pop.readable(r.Var, r.Neurons) }

// RecordState passes the variable's values at step t to Sink (for VarS,
// after the update: see RecordSpikes).
func (r *StreamTrace[T]) RecordState(t int) error {
	if r.Var == VarS {
		return nil
	}
	r.row = appendRow(r.row[:0], r.Pop, r.Var, r.Neurons)
	return r.pass(t)
}

// RecordSpikes passes s[t] to Sink when the variable is VarS.
func (r *StreamTrace[T]) RecordSpikes(t int) error {
	if r.Var != VarS {
		return nil
	}
	r.row = appendSpikes(r.row[:0], r.Pop, r.Neurons)
	return r.pass(t)
}

func (r *StreamTrace[T]) pass(t int) error {
	if err := r.Sink(r.row); err != nil {
		return fmt.Errorf("recording %s of %q at step %d: %w", r.Var, r.Pop.Name, t, err)
	}
	r.Steps++
	return nil
}

// StreamSpikes records every spike of a population as (step, trial,
// neuron) triples, like SpikeRecorder, but passes them to Sink in blocks of
// at most Block triples, so memory stays bounded however many spikes a run
// makes. Call Flush after the run to pass on the last partial block. An
// error from Sink stops the run at that step.
type StreamSpikes[T Float] struct {
	// Pop is the population observed.
	Pop *Population[T]
	// Sink receives flattened triples (step, trial, neuron, step, …); the
	// slice is reused.
	Sink func(triples []int64) error
	// Block is the number of triples buffered before Sink is called.
	Block int
	// Count is the number of spikes recorded.
	Count int64

	buf []int64
}

// DefaultSpikeBlock is the number of spikes StreamSpikes buffers: 1.5 MiB.
const DefaultSpikeBlock = 1 << 16

// NewStreamSpikes streams the spikes of pop to sink in blocks of block
// triples (block < 1: DefaultSpikeBlock).
func NewStreamSpikes[T Float](pop *Population[T], block int, sink func([]int64) error) (*StreamSpikes[T], error) {
	if sink == nil {
		return nil, fmt.Errorf("spike stream of %q: no sink", pop.Name)
	}
	if block < 1 {
		block = DefaultSpikeBlock
	}
	return &StreamSpikes[T]{Pop: pop, Sink: sink, Block: block, buf: make([]int64, 0, 3*block)}, nil
}

// Population returns the observed population.
func (r *StreamSpikes[T]) Population() *Population[T] { return r.Pop }

// Reserve does nothing: the buffer was sized at creation.
func (r *StreamSpikes[T]) Reserve(int) error { return nil }

// RecordState does nothing: spikes are read after the update.
func (r *StreamSpikes[T]) RecordState(int) error { return nil }

// RecordSpikes buffers the spikes of step t, passing full blocks to Sink.
func (r *StreamSpikes[T]) RecordSpikes(t int) error {
	p := r.Pop
	for b := 0; b < p.Batch; b++ {
		for _, i := range p.Events(b) {
			if len(r.buf) == cap(r.buf) {
				if err := r.Flush(); err != nil {
					return fmt.Errorf("at step %d: %w", t, err)
				}
			}
			r.buf = append(r.buf, int64(t), int64(b), int64(i))
			r.Count++
		}
	}
	return nil
}

// Flush passes any buffered spikes to Sink.
func (r *StreamSpikes[T]) Flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	err := r.Sink(r.buf)
	r.buf = r.buf[:0]
	if err != nil {
		return fmt.Errorf("recording spikes of %q: %w", r.Pop.Name, err)
	}
	return nil
}
