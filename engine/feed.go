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
// spikes of every step, as bitmasks where a dense projection reads them
// so (readMasks), otherwise, while some projection reads event lists
// (listEvery), as lists, which Emit then only hands out (scanInput). The
// spikes of the step emitted last outlive a later Set.
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
	// bufs hold the spikes of the values of the last two Sets, bufs[cur]
	// those of the values kept now; a Set fills the other one, so that a
	// refused Set leaves the values kept and their spikes as they were.
	bufs [2]feedSpikes
	cur  int
	// shown are the masks of the step emitted last, every trial (nil for
	// analog values, and for spikes Set listed without masks, listedShown).
	// Its spikes, masks and lists, are in bufs[shownIn], or (shownIn −1)
	// in kept and own, where a Set was about to refill that buffer before
	// another step was emitted.
	shown       []uint64
	shownIn     int
	listedShown bool
	kept        []uint64
	// view[b] is trial b's event list as of the emission numbered
	// seen[b] (emits counts them); own[b] is the memory of the lists
	// made from masks, the others are in a buffer's lists.
	view, own [][]int32
	seen      []int64
	emits     int64
	// all lists every trial at Emit, for the projections that read lists
	// while steps run; otherwise Events lists a trial when asked. With all
	// and no masksRead, Set's scan lists the spikes and makes no masks of
	// the steps it lists.
	all, masksRead bool
	emitted        int64
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
		m := s.masks[r*words : (r+1)*words]
		for _, j := range s.lists.spikes[off[r]:off[r+1]] {
			m[j>>6] |= 1 << (j & 63)
		}
	}
	s.masked = true
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
	f := &Feed[T]{Name: name, Batch: batch, N: n, t: -1, words: kernels.MaskWords(n), shownIn: -1, all: true, masksRead: true,
		view: make([][]int32, batch), own: make([][]int32, batch), seen: make([]int64, batch)}
	for b := range f.seen {
		f.seen[b] = -1
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
	next := 1 - f.cur
	if f.shownIn == next {
		f.keepShown()
	}
	buf := &f.bufs[next]
	buf.found, buf.masked = 0, true // until the scan is through
	buf.masks = slices.Grow(buf.masks[:0], steps*f.Batch*f.words)[:steps*f.Batch*f.words]
	clear(buf.masks)
	var lists *inputLists
	if f.all && !f.masksRead {
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
	f.cur = next
	return nil
}

// keepShown copies the spikes of the step emitted last out of the buffer
// they are in, which a Set is about to refill: the masks into kept, the
// lists handed out into own.
func (f *Feed[T]) keepShown() {
	if f.shown != nil {
		f.kept = append(f.kept[:0], f.shown...)
		f.shown = f.kept
	}
	f.shownIn = -1
	for b, ev := range f.view {
		if f.seen[b] == f.emits {
			f.own[b] = append(f.own[b][:0], ev...)
			f.view[b] = f.own[b]
		}
	}
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
func (f *Feed[T]) Events(b int) []int32 {
	if f.seen[b] != f.emits {
		f.list(b)
	}
	return f.view[b]
}

// list lists trial b's spikes from its mask.
func (f *Feed[T]) list(b int) {
	f.own[b] = spikeIndices(f.own[b][:0], f.trialMask(b))
	f.view[b], f.seen[b] = f.own[b], f.emits
}

// eventLists is every trial's Events, for accumulateEvents, which runs
// only where the Feed lists them all (all).
func (f *Feed[T]) eventLists() [][]int32 { return f.view }

// masked is true: whenever the values are spikes (Values nil), they are
// in bitmasks. See spikeMasker.
func (f *Feed[T]) masked() bool { return true }

// spikeMasks returns the bitmasks of trials b0 … b1−1 in the step emitted
// last.
func (f *Feed[T]) spikeMasks(b0, b1 int) ([]uint64, int) {
	return f.shown[b0*f.words : b1*f.words], f.words
}

// trialMask is trial b's bitmask of the step emitted last, none before
// the first or for analog values.
func (f *Feed[T]) trialMask(b int) []uint64 {
	if f.shown == nil {
		return nil
	}
	return f.shown[b*f.words : (b+1)*f.words]
}

// listEvery switches between listing every trial's events at Emit (and in
// Set's scan, unless masks are read) and listing them when asked.
func (f *Feed[T]) listEvery(every bool) {
	f.all = every
	if every {
		for b := range f.view {
			f.Events(b)
		}
	}
}

// readMasks says whether a dense projection reads the masks (spikeMasks):
// otherwise a Feed that lists every step makes none of the steps it lists.
// Masks read from now on are made from the lists where there are none.
func (f *Feed[T]) readMasks(read bool) {
	f.masksRead = read
	if !read {
		return
	}
	for i := range f.bufs {
		f.bufs[i].maskLists(f.Batch, f.words)
	}
	if f.listedShown {
		// The step emitted last, from its lists, which are current; they
		// stay where they are (shownIn).
		f.kept = slices.Grow(f.kept[:0], f.Batch*f.words)[:f.Batch*f.words]
		clear(f.kept)
		for b, ev := range f.view {
			for _, j := range ev {
				f.kept[b*f.words+int(j>>6)] |= 1 << (j & 63)
			}
		}
		f.shown, f.listedShown = f.kept, false
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
	f.emits++
	f.shown, f.shownIn, f.listedShown = nil, -1, false
	if !f.binary {
		return nil
	}
	buf, s := &f.bufs[f.cur], t-f.t0
	f.shownIn = f.cur
	if s >= buf.found || buf.masked {
		f.shown = buf.masks[s*f.Batch*f.words : (s+1)*f.Batch*f.words]
	}
	if s < buf.found {
		// Listed by Set's scan.
		off := buf.lists.off[s*f.Batch : (s+1)*f.Batch+1]
		for b := range f.view {
			f.view[b], f.seen[b] = buf.lists.spikes[off[b]:off[b+1]:off[b+1]], f.emits
		}
		f.emitted += int64(off[f.Batch] - off[0])
		f.listedShown = f.shown == nil
		return nil
	}
	for _, w := range f.shown {
		f.emitted += int64(bits.OnesCount64(w))
	}
	if f.all {
		for b := range f.view {
			f.list(b)
		}
	}
	return nil
}

// StateVars lists the source's state: the spikes emitted. The values are
// the caller's and are not saved.
func (f *Feed[T]) StateVars() []StateVar {
	return []StateVar{Int64Var("source/"+f.Name+"/emitted", &f.emitted)}
}
