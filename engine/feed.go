package engine

import (
	"fmt"
	"math"
)

// Feed is a source whose values its caller gives, a few steps at a time,
// before the network runs those steps: the input of a network stepped from
// Go, Python or C (session.Sim). Set hands it the values of steps t0 …
// t0+k−1; they are read in place, not copied, until Clear or the next Set,
// so the caller keeps them unchanged while those steps run, and calls
// Clear before it frees them (memory of a foreign caller must not outlive
// its call).
//
// Values that are all 0 or 1 in one Set are propagated as spikes
// (event-driven), others as analog values through the dense product, as
// for an Array; a 0/1 input gives the same bits either way (see Dense).
type Feed[T Float] struct {
	// Name identifies the source.
	Name string
	// Batch is the number of trials, N the inputs per trial.
	Batch, N int
	// SpikesOnly refuses analog values: set when a projection that needs
	// events (a Procedural one) reads the source.
	SpikesOnly bool

	x       []T
	t0, k   int
	binary  bool
	t       int
	events  [][]int32
	emitted int64
}

// NewFeed returns a caller-fed source of batch trials of n inputs, with no
// values yet.
func NewFeed[T Float](name string, batch, n int) (*Feed[T], error) {
	if n < 1 {
		return nil, fmt.Errorf("source %q: inputs must be at least 1, got %d", name, n)
	}
	if batch < 1 {
		return nil, fmt.Errorf("source %q: batch must be at least 1, got %d", name, batch)
	}
	if n > maxElements/batch {
		return nil, fmt.Errorf("source %q: %d trials × %d inputs is too large to address", name, batch, n)
	}
	f := &Feed[T]{Name: name, Batch: batch, N: n, t: -1, events: make([][]int32, batch)}
	for b := range f.events {
		f.events[b] = make([]int32, 0, min(n, 1024))
	}
	return f, nil
}

// Set gives the values of steps t0 … t0+steps−1: steps × Batch × N of them,
// step-major, then trial, then input (a C-contiguous array of shape
// (steps, Batch, N)). It refuses a wrong length and non-finite values, and
// with SpikesOnly values other than 0 and 1, and then keeps the values it
// had.
func (f *Feed[T]) Set(x []T, t0, steps int) error {
	if steps < 0 || t0 < 0 {
		return fmt.Errorf("source %q: steps %d from step %d", f.Name, steps, t0)
	}
	row := f.Batch * f.N
	if steps > 0 && row > math.MaxInt/steps || len(x) != steps*row {
		return fmt.Errorf("source %q: %d values for %d steps × %d trials × %d inputs; want %d", f.Name, len(x), steps, f.Batch, f.N, steps*row)
	}
	binary := true
	for i, v := range x {
		if v == 0 || v == 1 {
			continue
		}
		if g := float64(v); math.IsNaN(g) || math.IsInf(g, 0) {
			t, rest := i/row, i%row
			return fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; inputs must be finite", f.Name, t0+t, rest/f.N, rest%f.N, g)
		}
		if f.SpikesOnly {
			t, rest := i/row, i%row
			return fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; a procedural projection reads this source, so its values must be spikes, 0 or 1", f.Name, t0+t, rest/f.N, rest%f.N, float64(v))
		}
		binary = false
	}
	f.x, f.t0, f.k, f.binary = x, t0, steps, binary
	return nil
}

// Clear drops the values Set gave, so the source keeps no reference to the
// caller's memory.
func (f *Feed[T]) Clear() { f.x, f.k = nil, 0 }

// SourceName returns the source's name.
func (f *Feed[T]) SourceName() string { return f.Name }

// Size is the number of inputs per trial.
func (f *Feed[T]) Size() int { return f.N }

// BatchSize is the number of trials.
func (f *Feed[T]) BatchSize() int { return f.Batch }

// Len is the step after the last one whose values were given: a run may not
// go past what the caller fed.
func (f *Feed[T]) Len() int { return f.t0 + f.k }

// Binary reports whether the values given last are spikes (all 0 or 1).
func (f *Feed[T]) Binary() bool { return f.binary }

// Emitted is the number of spikes emitted so far (steps fed with analog
// values count none).
func (f *Feed[T]) Emitted() int64 { return f.emitted }

// Events lists the inputs of trial b that spike in the current step.
func (f *Feed[T]) Events(b int) []int32 { return f.events[b] }

// Values returns the current step's rows for analog input, nil for spikes.
func (f *Feed[T]) Values() []T {
	if f.binary || f.x == nil {
		return nil
	}
	row := f.Batch * f.N
	i := f.t - f.t0
	return f.x[i*row : (i+1)*row]
}

// Emit selects step t, which must be among the steps given.
func (f *Feed[T]) Emit(t int) error {
	if t < f.t0 || t >= f.t0+f.k {
		return fmt.Errorf("source %q: no values were given for step %d", f.Name, t)
	}
	f.t = t
	row := f.Batch * f.N
	if !f.binary {
		for b := range f.events {
			f.events[b] = f.events[b][:0]
		}
		return nil
	}
	base := (t - f.t0) * row
	for b := range f.events {
		ev := f.events[b][:0]
		for j, v := range f.x[base+b*f.N : base+(b+1)*f.N] {
			if v != 0 {
				ev = append(ev, int32(j))
			}
		}
		f.events[b] = ev
		f.emitted += int64(len(ev))
	}
	return nil
}

// StateVars lists the source's state: the spikes emitted. The values are
// the caller's and are not saved.
func (f *Feed[T]) StateVars() []StateVar {
	return []StateVar{Int64Var("source/"+f.Name+"/emitted", &f.emitted)}
}
