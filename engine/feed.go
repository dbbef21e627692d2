package engine

import (
	"fmt"
	"math"
	"slices"
	"unsafe"
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
// Set reads the values once: the pass that checks them also lists the
// spikes of every step, which Emit then only hands out.
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
	// spikes holds the inputs that are 1 in the first found steps of the
	// values Set gave, as Set's pass found them: those of step t0+s, trial
	// b are spikes[off[s·Batch+b]:off[s·Batch+b+1]]. Steps from found on
	// (past feedSpikesKept) are scanned by Emit, into scan.
	spikes  []int32
	off     []int32
	found   int
	scan    [][]int32
	events  [][]int32
	emitted int64
}

// feedSpikesKept bounds the spikes and offsets (int32s) a Feed keeps from
// one Set, 16 MiB: a long Run of dense spikes then costs the Feed a bounded
// amount of memory beyond the caller's values, and Emit finds the spikes of
// the steps past it by a scan of its own.
const feedSpikesKept = 1 << 22

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
	return &Feed[T]{Name: name, Batch: batch, N: n, t: -1, events: make([][]int32, batch)}, nil
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
	// The spikes of the values held now are rebuilt by this pass; until
	// it succeeds, Emit scans those values itself.
	f.found = 0
	f.spikes, f.off = f.spikes[:0], append(f.off[:0], 0)
	keep, binary := true, true
	var scratch []int32
	for s := 0; s < steps; s++ {
		for b := 0; b < f.Batch; b++ {
			r := x[s*row+b*f.N : s*row+(b+1)*f.N]
			from := 0 // where the check of finiteness starts
			if binary {
				bad := -1
				if keep {
					f.spikes, bad = appendOnes(f.spikes, r)
				} else {
					scratch, bad = appendOnes(scratch[:0], r)
				}
				if bad < 0 {
					if keep {
						f.off = append(f.off, int32(len(f.spikes)))
					}
					continue
				}
				v := float64(r[bad])
				if !math.IsNaN(v) && !math.IsInf(v, 0) && f.SpikesOnly {
					return fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; a procedural projection reads this source, so its values must be spikes, 0 or 1", f.Name, t0+s, b, bad, v)
				}
				// Analog from here on: the spikes are of no use, and
				// only finiteness is left to check.
				binary, keep = false, false
				f.spikes, f.off = f.spikes[:0], f.off[:1]
				from = bad
			}
			for j := from; j < len(r); j++ {
				if g := float64(r[j]); math.IsNaN(g) || math.IsInf(g, 0) {
					return fmt.Errorf("source %q: value at step %d, trial %d, input %d is %v; inputs must be finite", f.Name, t0+s, b, j, g)
				}
			}
		}
		if keep {
			if len(f.spikes)+len(f.off) > feedSpikesKept {
				// This step's spikes are past the bound: Emit scans
				// it and the ones after it.
				f.spikes, f.off = f.spikes[:f.off[s*f.Batch]], f.off[:s*f.Batch+1]
				keep = false
			} else {
				f.found = s + 1
			}
		}
	}
	if !binary {
		f.found = 0
	}
	f.x, f.t0, f.k, f.binary = x, t0, steps, binary
	return nil
}

// appendOnes appends to dst the indexes of the values of row that are 1,
// and returns it with the index of the first value that is neither 0 nor 1
// (the scan stops there), or −1 when every value is 0 or 1: the scan of a
// 0/1 row for its spikes, a Feed's and an Array's. It tests the values'
// bits, eight at a time: eight zeros (±0), most of a sparse spike input,
// cost one test, and within a group every index is stored and the count
// moves only past ones, so a dense random input has no branch to
// mispredict (the test for a value that is not a spike is never taken on
// 0/1 input).
func appendOnes[T Float](dst []int32, row []T) ([]int32, int) {
	p := unsafe.Pointer(unsafe.SliceData(row))
	if is32[T]() {
		return onesIn(dst, unsafe.Slice((*uint32)(p), len(row)), math.MaxInt32, math.Float32bits(1))
	}
	return onesIn(dst, unsafe.Slice((*uint64)(p), len(row)), math.MaxInt64, math.Float64bits(1))
}

// onesIn is appendOnes on the values' bits u: abs masks off the sign, one
// is the bits of 1 (a value is nonzero when its bits under abs are, and
// every 1 is nonzero: a nonzero that is not 1 is no spike).
func onesIn[U uint32 | uint64](dst []int32, u []U, abs, one U) ([]int32, int) {
	dst = slices.Grow(dst, len(u))
	k := len(dst)
	dst = dst[:k+len(u)]
	i := 0
	for ; i+8 <= len(u); i += 8 {
		g := u[i : i+8 : i+8]
		if (g[0]|g[1]|g[2]|g[3]|g[4]|g[5]|g[6]|g[7])&abs == 0 {
			continue
		}
		for j, w := range g {
			dst[k] = int32(i + j)
			isOne := w == one
			if isOne {
				k++
			}
			if (w&abs != 0) != isOne {
				return dst[:k], i + j
			}
		}
	}
	for ; i < len(u); i++ {
		w := u[i]
		dst[k] = int32(i)
		isOne := w == one
		if isOne {
			k++
		}
		if (w&abs != 0) != isOne {
			return dst[:k], i
		}
	}
	return dst[:k], -1
}

// Clear drops the values Set gave, so the source keeps no reference to the
// caller's memory.
func (f *Feed[T]) Clear() { f.x, f.k, f.found = nil, 0, 0 }

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

// eventLists is every trial's Events, for accumulateEvents.
func (f *Feed[T]) eventLists() [][]int32 { return f.events }

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
	if !f.binary {
		clear(f.events)
		return nil
	}
	s := t - f.t0
	if f.scan == nil && s >= f.found {
		f.scan = make([][]int32, f.Batch)
	}
	for b := range f.events {
		var ev []int32
		if s < f.found {
			i := s*f.Batch + b
			ev = f.spikes[f.off[i]:f.off[i+1]:f.off[i+1]]
		} else {
			i := (s*f.Batch + b) * f.N
			ev, _ = appendOnes(f.scan[b][:0], f.x[i:i+f.N])
			f.scan[b] = ev
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
