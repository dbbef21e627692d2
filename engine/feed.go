package engine

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unsafe"

	"leaky/kernels"
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
// Set reads the values once: the pass that checks them also keeps the
// spikes of every step as bitmasks (scanInput), which dense projections
// read as they stand and Emit lists for the projections that read lists.
type Feed[T Float] struct {
	// Name identifies the source.
	Name string
	// Batch is the number of trials, N the inputs per trial.
	Batch, N int
	// SpikesOnly refuses analog values: set when a projection that needs
	// events (a Procedural one) reads the source.
	SpikesOnly bool

	x      []T
	t0, k  int
	binary bool
	t      int
	// masks holds the spikes of the values Set gave, words per trial and
	// step as an Array's; spare is the buffer the next Set fills, so that
	// a refused Set leaves the masks of the values kept.
	masks, spare []uint64
	words        int
	// lists are the current step's events, listed at Emit while a
	// projection reads them (all), otherwise by Events.
	lists   spikeLists
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
	return &Feed[T]{Name: name, Batch: batch, N: n, t: -1, words: kernels.MaskWords(n), lists: newSpikeLists(batch, n)}, nil
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
	masks := slices.Grow(f.spare[:0], steps*f.Batch*f.words)[:steps*f.Batch*f.words]
	clear(masks)
	analog, bad := scanInput(x, f.N, masks, f.words)
	at := func(i int) (int, int, int) { return t0 + i/row, i % row / f.N, i % f.N }
	if analog >= 0 && f.SpikesOnly {
		if v := float64(x[analog]); !math.IsNaN(v) && !math.IsInf(v, 0) {
			s, b, j := at(analog)
			return fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; a procedural projection reads this source, so its values must be spikes, 0 or 1", f.Name, s, b, j, v)
		}
	}
	if bad >= 0 {
		s, b, j := at(bad)
		return fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; inputs must be finite", f.Name, s, b, j, float64(x[bad]))
	}
	if !f.lists.all {
		// The lists of the step emitted last, asked for or not, must
		// outlive its masks.
		for b := range f.lists.events {
			f.Events(b)
		}
	}
	f.x, f.t0, f.k, f.binary = x, t0, steps, analog < 0
	f.masks, f.spare = masks, f.masks
	return nil
}

// scanInput is the one pass over a source's values, an Array's or a
// Feed's, rows of n values: it sets in masks (zeroed, words per row) the
// bits of the values that are 1 while every value is 0 or 1, and returns
// the index of the first that is neither (−1: none, the input is spikes)
// and of the first that is not finite (−1: none), where it stops.
func scanInput[T Float](x []T, n int, masks []uint64, words int) (analog, bad int) {
	analog = -1
	for at := 0; at < len(x); at += n {
		r := x[at : at+n]
		from := 0
		if analog < 0 {
			j := onesMask(masks[at/n*words:][:words], r)
			if j < 0 {
				continue
			}
			analog, from = at+j, j
		}
		for j := from; j < n; j++ {
			if v := float64(r[j]); math.IsNaN(v) || math.IsInf(v, 0) {
				return analog, at + j
			}
		}
	}
	return analog, -1
}

// onesMask sets in m the bits of the values of row that are 1 and returns
// the index of the first value that is neither 0 nor 1 (the scan stops
// there), or −1 when every value is 0 or 1. It tests the values' bits,
// eight at a time: eight zeros (±0), most of a sparse spike input, cost one
// test, and within a group every bit is set from a comparison, with no
// branch to mispredict on a dense random input (the test for a value that
// is not a spike is never taken on 0/1 input).
func onesMask[T Float](m []uint64, row []T) int {
	p := unsafe.Pointer(unsafe.SliceData(row))
	if is32[T]() {
		return onesIn(m, unsafe.Slice((*uint32)(p), len(row)), math.MaxInt32, math.Float32bits(1))
	}
	return onesIn(m, unsafe.Slice((*uint64)(p), len(row)), math.MaxInt64, math.Float64bits(1))
}

// onesIn is onesMask on the values' bits u: abs masks off the sign, one
// is the bits of 1 (a value is nonzero when its bits under abs are, and
// every 1 is nonzero: a nonzero that is not 1 is no spike).
func onesIn[U uint32 | uint64](m []uint64, u []U, abs, one U) int {
	m = m[:(len(u)+63)>>6]
	i := 0
	for ; i+8 <= len(u); i += 8 {
		g := u[i : i+8 : i+8]
		if (g[0]|g[1]|g[2]|g[3]|g[4]|g[5]|g[6]|g[7])&abs == 0 {
			continue
		}
		var ones uint64
		for j, w := range g {
			isOne := w == one
			if (w&abs != 0) != isOne {
				return i + j
			}
			ones |= uint64(b2u(isOne)) << j
		}
		// A group of eight never straddles a word.
		m[i>>6] |= ones << (i & 63)
	}
	for ; i < len(u); i++ {
		w := u[i]
		isOne := w == one
		if (w&abs != 0) != isOne {
			return i
		}
		m[i>>6] |= uint64(b2u(isOne)) << (i & 63)
	}
	return -1
}

// b2u is 1 for true, 0 for false (a SETcc, not a branch).
func b2u(b bool) uint8 {
	var u uint8
	if b {
		u = 1
	}
	return u
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
func (f *Feed[T]) Events(b int) []int32 { return f.lists.get(b, f.t, f.trialMask(b)) }

// eventLists is every trial's Events, for accumulateEvents, which runs
// only where the network lists them all (lists.all).
func (f *Feed[T]) eventLists() [][]int32 { return f.lists.events }

// masked is true: whenever the values are spikes (Values nil), they are
// in bitmasks. See spikeMasker.
func (f *Feed[T]) masked() bool { return true }

// spikeMasks returns the current step's bitmasks of trials b0 … b1−1.
func (f *Feed[T]) spikeMasks(b0, b1 int) ([]uint64, int) {
	at := (f.t - f.t0) * f.Batch
	return f.masks[(at+b0)*f.words : (at+b1)*f.words], f.words
}

// trialMask is trial b's bitmask of the current step, none before the
// first or for analog values.
func (f *Feed[T]) trialMask(b int) []uint64 {
	if f.t < 0 || !f.binary {
		return nil
	}
	m, _ := f.spikeMasks(b, b+1)
	return m
}

// listEvery switches between listing every trial's events at Emit and
// listing them when asked.
func (f *Feed[T]) listEvery(every bool) { f.lists.setAll(every, f.t, f.trialMask) }

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
	if f.binary {
		m, _ := f.spikeMasks(0, f.Batch)
		for _, w := range m {
			f.emitted += int64(bits.OnesCount64(w))
		}
	}
	if f.lists.all {
		for b := range f.lists.events {
			f.lists.events[b] = spikeIndices(f.lists.events[b][:0], f.trialMask(b))
		}
	}
	return nil
}

// StateVars lists the source's state: the spikes emitted. The values are
// the caller's and are not saved.
func (f *Feed[T]) StateVars() []StateVar {
	return []StateVar{Int64Var("source/"+f.Name+"/emitted", &f.emitted)}
}
