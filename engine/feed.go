package engine

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

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
// spikes of every step (feedSpikes), as bitmasks where a dense projection
// reads them so (readMasks), otherwise, while some projection reads event
// lists (listEvery), as lists (scanInput). Emit copies the step's spikes
// into the emitted step (feedStep), which owns them, so that they outlive
// a later Set.
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
	words  int
	// given are the spikes of the values kept; a Set scans into spare and
	// swaps the two once it takes the values, so that a refused Set leaves
	// the values kept and their spikes as they were.
	given, spare feedSpikes
	// shown is the step emitted last.
	shown feedStep
	// masksRead: a dense projection reads the masks. Without it, while
	// every step is listed (shown.lists.all), Set's scan lists the spikes
	// and makes no masks of the steps it lists.
	masksRead bool
	emitted   int64
}

// feedSpikes are the spikes of one Set's values: masks of every step and
// trial, words per trial as an Array's, and the event lists of the first
// found steps, which Set's scan made where the Feed lists every step
// without masks; their masks are all zero unless masked.
type feedSpikes struct {
	masks  []uint64
	lists  inputLists
	found  int
	masked bool
}

// maskLists sets the masks of the listed steps, of batch trials each,
// from their lists.
func (s *feedSpikes) maskLists(batch, words int) {
	if s.masked {
		return
	}
	off := s.lists.off
	for r := range s.found * batch {
		setBits(s.masks[r*words:(r+1)*words], s.lists.spikes[off[r]:off[r+1]])
	}
	s.masked = true
}

// setBits sets in m the bits of the inputs listed in ev.
func setBits(m []uint64, ev []int32) {
	for _, j := range ev {
		m[j>>6] |= 1 << (j & 63)
	}
}

// feedStep is the step a Feed emitted last, every trial's spikes, in
// memory of its own: the masks, words per trial (none for analog values,
// nor where Set's scan listed the step without masks: listed), and the
// event lists, made at Emit while a projection reads them (lists.all),
// otherwise by Events when first asked. A step that Set's scan listed is
// copied in one piece into spikes, and its lists are views of that; the
// lists made from masks at Emit go into own, each trial's memory, which
// views do not touch. emits numbers the emissions, the step of lists.get.
type feedStep struct {
	masks  []uint64
	listed bool
	spikes []int32
	own    [][]int32
	lists  spikeLists
	emits  int
}

// newFeedStep returns the step before the first of batch trials of n
// inputs: no spikes.
func newFeedStep(batch, n int) feedStep {
	st := feedStep{lists: newSpikeLists(batch, n)}
	st.own = slices.Clone(st.lists.events)
	return st
}

// show makes st step s of g, whose values are spikes if binary, of batch
// trials of words mask words each, and returns its number of spikes.
func (st *feedStep) show(g *feedSpikes, s int, binary bool, batch, words int) int64 {
	st.emits++
	st.masks, st.listed = st.masks[:0], false
	l := &st.lists
	if !binary {
		for b := range l.events {
			l.events[b], l.at[b] = l.events[b][:0], st.emits
		}
		return 0
	}
	var n int64
	if s < g.found {
		// Listed by Set's scan.
		off := g.lists.off[s*batch : (s+1)*batch+1]
		st.spikes = append(st.spikes[:0], g.lists.spikes[off[0]:off[batch]]...)
		for b := range l.events {
			lo, hi := off[b]-off[0], off[b+1]-off[0]
			l.events[b], l.at[b] = st.spikes[lo:hi:hi], st.emits
		}
		n, st.listed = int64(off[batch]-off[0]), !g.masked
		if st.listed {
			return n
		}
	}
	st.masks = append(st.masks, g.masks[s*batch*words:(s+1)*batch*words]...)
	if s < g.found {
		return n
	}
	for _, w := range st.masks {
		n += int64(bits.OnesCount64(w))
	}
	if l.all {
		for b := range l.events {
			st.own[b] = spikeIndices(st.own[b], st.masks[b*words:(b+1)*words])
			l.events[b] = st.own[b]
		}
	}
	return n
}

// maskLists makes the masks of a step listed without them from its lists.
func (st *feedStep) maskLists(batch, words int) {
	if !st.listed {
		return
	}
	st.masks = slices.Grow(st.masks[:0], batch*words)[:batch*words]
	clear(st.masks)
	for b, ev := range st.lists.events {
		setBits(st.masks[b*words:(b+1)*words], ev)
	}
	st.listed = false
}

// feedSpikesKept bounds the spikes and offsets (int32s) a Feed lists in one
// Set's scan, 16 MiB: a long Run of dense spikes then costs a bounded
// amount of memory beyond the caller's values, and Emit lists the steps
// past the bound from their masks.
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
	return &Feed[T]{Name: name, Batch: batch, N: n, t: -1, words: kernels.MaskWords(n), masksRead: true,
		shown: newFeedStep(batch, n)}, nil
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
	buf := &f.spare
	buf.masks = slices.Grow(buf.masks[:0], steps*f.Batch*f.words)[:steps*f.Batch*f.words]
	clear(buf.masks)
	var lists *inputLists
	if f.shown.lists.all && !f.masksRead {
		lists = &buf.lists
		lists.limit = feedSpikesKept
	}
	analog, bad := scanInput(x, f.N, buf.masks, f.words, lists)
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
	buf.found, buf.masked = 0, lists == nil
	if lists != nil {
		buf.found = (len(lists.off) - 1) / f.Batch
	}
	f.x, f.t0, f.k, f.binary = x, t0, steps, analog < 0
	f.given, f.spare = f.spare, f.given
	return nil
}

// inputLists are the event lists a source makes as it scans its values
// (scanInput), row after row: row r's are spikes[off[r]:off[r+1]]. The scan
// stops listing once spikes and off together pass limit, at the end of a
// row, so len(off)−1 rows are listed. row is the mask of the row being
// listed.
type inputLists struct {
	spikes, off []int32
	limit       int
	row         []uint64
}

// scanInput is the one pass over a source's values, an Array's or a
// Feed's, rows of n values: it sets in masks (words per row) the bits of
// the values that are 1 while every value is 0 or 1 (kernels.BinaryMasks
// per row), and returns the index of the first that is neither (−1: none,
// the input is spikes) and of the first that is not finite (−1: none),
// where it stops. With lists it lists the ones of the first rows instead,
// from each row's mask, as many as lists.limit allows (none once a value
// is not a spike), and sets the masks of the rows after them only.
func scanInput[T Float](x []T, n int, masks []uint64, words int, lists *inputLists) (analog, bad int) {
	analog = -1
	listing := lists != nil
	if listing {
		lists.spikes, lists.off = lists.spikes[:0], append(lists.off[:0], 0)
		lists.row = slices.Grow(lists.row[:0], words)[:words]
	}
	for at := 0; at < len(x); at += n {
		r := x[at : at+n]
		from := 0
		if analog < 0 {
			m := masks[at/n*words:][:words]
			if listing {
				m = lists.row
			}
			j := binaryMasks(m, r)
			if j < 0 {
				if listing {
					lists.spikes = kernels.SpikeIndices(lists.spikes, m, 0)
					lists.off = append(lists.off, int32(len(lists.spikes)))
					listing = len(lists.spikes)+len(lists.off) <= lists.limit
				}
				continue
			}
			if lists != nil {
				lists.spikes, lists.off = lists.spikes[:0], lists.off[:1]
			}
			analog, from, listing = at+j, j, false
		}
		for j := from; j < n; j++ {
			if v := float64(r[j]); math.IsNaN(v) || math.IsInf(v, 0) {
				return analog, at + j
			}
		}
	}
	return analog, -1
}

// binaryMasks is kernels.BinaryMasks of T: it writes m, the mask of row's
// ones, and returns the index of the first value that is neither 0 nor 1,
// or −1.
func binaryMasks[T Float](m []uint64, row []T) int {
	if is32[T]() {
		return kernels.BinaryMasks32(m, f32(row))
	}
	return kernels.BinaryMasks64(m, f64(row))
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

// Events lists the inputs of trial b that spike in the step emitted last.
func (f *Feed[T]) Events(b int) []int32 { return f.shown.lists.get(b, f.shown.emits, f.trialMask(b)) }

// eventLists is every trial's Events, for accumulateEvents, which runs
// only where the Feed lists them all (shown.lists.all).
func (f *Feed[T]) eventLists() [][]int32 { return f.shown.lists.events }

// masked is true: whenever the values are spikes (Values nil), they are
// in bitmasks. See spikeMasker.
func (f *Feed[T]) masked() bool { return true }

// spikeMasks returns the bitmasks of trials b0 … b1−1 in the step emitted
// last.
func (f *Feed[T]) spikeMasks(b0, b1 int) ([]uint64, int) {
	return f.shown.masks[b0*f.words : b1*f.words], f.words
}

// trialMask is trial b's bitmask of the step emitted last, none before
// the first, for analog values or where the step was listed without masks
// (its lists are then current).
func (f *Feed[T]) trialMask(b int) []uint64 {
	if len(f.shown.masks) == 0 {
		return nil
	}
	return f.shown.masks[b*f.words : (b+1)*f.words]
}

// listEvery switches between listing every trial's events at Emit (and in
// Set's scan, unless masks are read) and listing them when asked.
func (f *Feed[T]) listEvery(every bool) { f.shown.lists.setAll(every, f.shown.emits, f.trialMask) }

// readMasks says whether a dense projection reads the masks (spikeMasks):
// otherwise a Feed that lists every step makes none of the steps it lists.
// Masks read from now on are made from the lists where there are none.
func (f *Feed[T]) readMasks(read bool) {
	f.masksRead = read
	if read {
		f.given.maskLists(f.Batch, f.words)
		f.shown.maskLists(f.Batch, f.words)
	}
}

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
	f.emitted += f.shown.show(&f.given, t-f.t0, f.binary, f.Batch, f.words)
	return nil
}

// StateVars lists the source's state: the spikes emitted. The values are
// the caller's and are not saved.
func (f *Feed[T]) StateVars() []StateVar {
	return []StateVar{Int64Var("source/"+f.Name+"/emitted", &f.emitted)}
}
