package engine

import (
	"fmt"
	"math"
	"sync"

	"leaky/internal/hugepage"
	"leaky/kernels"
)

// Projection adds a presynaptic group's output to a population's input
// current. Implementations add in a fixed order so results never depend on
// scheduling.
type Projection[T Float] interface {
	// Target is the population whose Iin the projection adds to.
	Target() *Population[T]
	// Source is what the projection reads.
	Source() Presynaptic[T]
	// Propagate adds the contribution of the presynaptic group's current
	// output to Target().Iin for the trials and neurons of r. The sum into
	// each neuron must be taken in the same order whatever the range, so
	// that splitting the work over threads changes no bit. Calls for
	// disjoint ranges run concurrently.
	Propagate(r Range)
}

// Dense is an all-to-all projection with weights W (NIn × NOut, row-major,
// row j holding input j's weights onto every neuron). Spiking input adds
// the rows of the inputs that spiked (event-driven); analog input goes
// through the dense matrix product. Both sum over inputs in increasing
// order, so a 0/1 input gives the same bits either way.
type Dense[T Float] struct {
	// Name identifies the projection.
	Name string
	// Pre and Post are the groups it connects.
	Pre  Presynaptic[T]
	Post *Population[T]
	// W holds the weights, NIn rows of NOut.
	W         []T
	NIn, NOut int
	// Receptor is the target's input current added to and Delay the
	// synaptic delay in steps; set them with SetInput.
	Receptor, Delay int
	// w0 is the first target column W holds and ldw the length of its
	// rows: 0 and NOut, unless the network is split over ranks and this
	// rank holds only its block's columns (holdColumns, ranks.go).
	w0, ldw   int
	synEvents int64
	// block, set up by the network when the input is an analog array and
	// this projection writes Iin first, holds x·W for many steps at once.
	block *inputBlock[T]
	// masks, set up by the network (bindMasks) when the source keeps its
	// spikes as bitmasks that are safe to read during the target's
	// update, is that source: the rows are then the masks' set bits.
	masks spikeMasker
}

// SetInput routes the projection into receptor k of the target with the
// given delay in steps (0: none), reserving the delay's ring buffer.
func (d *Dense[T]) SetInput(k, delay int) error {
	if err := d.Post.ReserveDelay(k, delay); err != nil {
		return fmt.Errorf("projection %q: %w", d.Name, err)
	}
	d.Receptor, d.Delay = k, delay
	return nil
}

// NewDense connects pre to post with the weights w (pre.Size() × post.N,
// row-major). It refuses mismatched sizes and non-finite weights.
func NewDense[T Float](name string, pre Presynaptic[T], post *Population[T], w []T) (*Dense[T], error) {
	d, err := denseOf(name, pre, post, w)
	if err != nil {
		return nil, err
	}
	if i := firstNonFinite(w); i >= 0 {
		return nil, fmt.Errorf("projection %q: weight [%d, %d] is %v; weights must be finite", name, i/d.ldw, d.w0+i%d.ldw, float64(w[i]))
	}
	return d, nil
}

// normalBound bounds the magnitude of the notebook's standard normal
// numbers: Box–Muller's radius √(−2 ln x) for x ≥ 2^-32 is below 6.67.
const normalBound = 6.67

// NewNotebookDense connects pre to post with the notebook's weights:
// NormalWeights(seed, stream, scale), drawn on threads threads, of the
// columns post holds (all of them in one process). Drawn weights are
// finite whenever 6.67·|scale| is, so NewDense's scan of every weight,
// which took a third of workload d's setup on two threads, is left out
// then. scale must be finite.
func NewNotebookDense[T Float](name string, pre Presynaptic[T], post *Population[T], scale float64, seed, stream uint64, threads int) (*Dense[T], error) {
	if math.IsNaN(scale) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("projection %q: weight scale %v; it must be finite", name, scale)
	}
	if err := sameBatch(name, pre, post); err != nil {
		return nil, err // before drawing the weights
	}
	lo, hi := post.Held()
	w := hugepage.Make[T](pre.Size() * (hi - lo))
	NormalWeightColumns(w, pre.Size(), lo, hi, scale, seed, stream, threads)
	if !(math.Abs(scale)*normalBound <= maxFinite[T]()) {
		return NewDense(name, pre, post, w) // large enough to overflow: scanned
	}
	return denseOf(name, pre, post, w)
}

// denseOf is the projection of pre onto post with the weights w, of the
// columns post holds, once their number and the trials are checked.
func denseOf[T Float](name string, pre Presynaptic[T], post *Population[T], w []T) (*Dense[T], error) {
	if err := sameBatch(name, pre, post); err != nil {
		return nil, err
	}
	nIn, nOut := pre.Size(), post.N
	lo, hi := post.Held() // a rank's columns (NewHeldPopulation, ranks.go)
	if len(w) != nIn*(hi-lo) {
		return nil, fmt.Errorf("projection %q: weights hold %d values, want %d inputs × %d neurons = %d", name, len(w), nIn, hi-lo, nIn*(hi-lo))
	}
	return &Dense[T]{Name: name, Pre: pre, Post: post, W: w, NIn: nIn, NOut: nOut, w0: lo, ldw: hi - lo}, nil
}

// sameBatch refuses a source whose trials are not the target's.
func sameBatch[T Float](name string, pre Presynaptic[T], post *Population[T]) error {
	if pre.BatchSize() != post.Batch {
		return fmt.Errorf("projection %q: source has %d trials but target %q has %d", name, pre.BatchSize(), post.Name, post.Batch)
	}
	return nil
}

// maxFinite is the largest finite T.
func maxFinite[T Float]() float64 {
	if is32[T]() {
		return math.MaxFloat32
	}
	return math.MaxFloat64
}

// Target returns the postsynaptic population.
func (d *Dense[T]) Target() *Population[T] { return d.Post }

// Source returns the presynaptic group.
func (d *Dense[T]) Source() Presynaptic[T] { return d.Pre }

// Propagate adds x[t]·W to the target's input current over r. A column
// range of W is a sub-slice with the same stride, so each neuron's sum is the
// same whatever the range.
func (d *Dense[T]) Propagate(r Range) {
	post := d.Post
	lo, hi := r.Lo, r.Hi
	if hi <= lo || r.B1 <= r.B0 {
		return
	}
	iin := post.InputFor(d.Receptor, d.Delay)
	if d.block != nil {
		d.block.propagate(iin, post.Stride, r)
		return
	}
	if x := d.Pre.Values(); x != nil {
		rows := x[r.B0*d.NIn:]
		matMul(r.B1-r.B0, hi-lo, d.NIn, rows, d.NIn, d.W[lo-d.w0:], d.ldw, iin[post.at(r.B0, lo):], post.Stride, true)
		return
	}
	if d.masks != nil {
		m, words := d.masks.spikeMasks(r.B0, r.B1)
		accumulateMasks(iin[post.at(r.B0, lo):post.at(r.B0, hi)], post.Stride, d.W[lo-d.w0:], d.ldw, m, words)
		return
	}
	accumulateEvents(iin[post.at(r.B0, lo):post.at(r.B0, hi)], post.Stride, d.W[lo-d.w0:], d.ldw, d.Pre, r.B0, r.B1)
}

// spikeMasker is a presynaptic group that keeps the spikes of the current
// step as a bitmask per trial — a population, an Array, a Feed — which a
// dense projection reads as it stands (kernels.AccumulateMasks) rather
// than through event lists. Its lists are then built only for whoever asks
// for them.
type spikeMasker interface {
	// masked reports whether the output, whenever Values is nil, is
	// spikes in bitmasks, for the group's life: true for a spiking
	// population, a binary Array and a Feed (whose Set may give analog
	// values, which Dense takes through Values first).
	masked() bool
	// spikeMasks returns the spikes of trials b0 … b1−1: words mask words
	// per trial, bit j%64 of word j/64 for output j.
	spikeMasks(b0, b1 int) (masks []uint64, words int)
	// listEvery says whether a projection reads the event lists during
	// steps, concurrently: they are then listed as each step's spikes are
	// found. Otherwise Events lists a trial when first asked, which is
	// safe for what runs between steps or on the stepping goroutine
	// (recorders, callers).
	listEvery(every bool)
}

// spikeLists are the event lists of a spikeMasker's trials: listed every
// step as the spikes are found while some projection reads them during
// steps (all), and otherwise a trial's when first asked, at[b] being the
// step events[b] lists.
type spikeLists struct {
	events [][]int32
	at     []int
	all    bool
}

// newSpikeLists returns the empty lists of batch trials of n outputs,
// listed every step until the network finds that none of its projections
// reads them.
func newSpikeLists(batch, n int) spikeLists {
	l := spikeLists{events: make([][]int32, batch), at: make([]int, batch), all: true}
	for b := range l.events {
		l.events[b] = make([]int32, 0, min(n, 1024))
		l.at[b] = -1
	}
	return l
}

// get returns trial b's list at step, first listing the set bits of mask,
// the trial's bitmask at step, unless it is listed already.
func (l *spikeLists) get(b, step int, mask []uint64) []int32 {
	if !l.all && l.at[b] != step {
		l.events[b] = spikeIndices(l.events[b][:0], mask)
		l.at[b] = step
	}
	return l.events[b]
}

// setAll switches between listing every step and on demand at step, when
// mask(b) is trial b's bitmask, bringing the lists up to date first.
func (l *spikeLists) setAll(all bool, step int, mask func(b int) []uint64) {
	switch {
	case all && !l.all:
		for b := range l.events {
			l.get(b, step, mask(b))
		}
	case !all && l.all:
		for b := range l.at {
			l.at[b] = step
		}
	}
	l.all = all
}

// maskReadWords is the widest scanLister (a Feed), in mask words per
// trial, whose spikes dense projections read from the bitmasks; a wider
// one is read as event lists, which its scan makes for less than masks. A
// mask read pays for every word, set or not, and adds the rows of one word
// per pass over the trial's row, while a list adds four rows a pass
// wherever they lie: masks win where a trial is one word, a small layer's
// (no list is made at all), and where the lists would cost a pass of
// their own, as they would a population's or an array's, which are read
// as masks at any width. A variable so that tests can widen it and cover
// both paths on one shape.
var maskReadWords = 1

// bindMasks lets each dense projection read its source's spike bitmasks
// where that pays (see maskReadWords) and they are safe to read: the
// source is another group, or the target itself and its ranges are whole
// trials or one range (ranges of some of the neurons of the same trials,
// run concurrently, would overwrite bits another range still reads). A
// source that some projection reads as event lists lists them every step;
// the others list a trial's only when asked (see spikeMasker).
func (n *Network[T]) bindMasks() {
	lists, read := map[spikeMasker]bool{}, map[spikeMasker]bool{}
	for i, p := range n.pops {
		whole := true
		for _, r := range n.phases[i].ranges {
			whole = whole && r.Lo == 0 && r.Hi == p.N
		}
		whole = whole || len(n.phases[i].ranges) == 1
		for _, pr := range n.incoming[i] {
			m, ok := pr.Source().(spikeMasker)
			ok = ok && m.masked()
			d, dense := pr.(*Dense[T])
			if dense {
				d.masks = nil
				_, lister := m.(scanLister)
				pays := !lister || kernels.MaskWords(d.NIn) <= maskReadWords
				if ok && pays && !n.noMasks && (whole || any(m) != any(p)) {
					d.masks, read[m] = m, true
					continue
				}
			}
			if ok {
				lists[m] = true
			}
		}
	}
	for _, s := range n.sources {
		if m, ok := s.(spikeMasker); ok {
			m.listEvery(lists[m])
			if r, ok := m.(scanLister); ok {
				r.readMasks(read[m])
			}
		}
	}
	for _, p := range n.pops {
		p.listEvery(lists[p])
	}
}

// scanLister is a source that lists its spikes in the pass that finds
// them for less than it masks them (a Feed, see maskReadWords), and that
// bindMasks tells whether a dense projection reads its masks: otherwise it
// need make none where it lists.
type scanLister interface{ readMasks(read bool) }

// eventLister is a presynaptic group that keeps its trials' events as
// one list per trial, which accumulateEvents hands the kernel as they are.
type eventLister interface{ eventLists() [][]int32 }

// eventLists pools *[][]int32, the event lists of one range's trials that
// accumulateEvents hands the kernel (concurrent ranges take one each).
var eventLists sync.Pool

// accumulateEvents adds, for each trial b of b0 … b1−1, the rows of W of
// pre's events of b to dst[(b−b0)·stride:][:len(dst)], in one kernel call.
func accumulateEvents[T Float](dst []T, stride int, W []T, wStride int, pre Presynaptic[T], b0, b1 int) {
	if el, ok := pre.(eventLister); ok {
		accumulateTrials(dst, stride, W, wStride, el.eventLists()[b0:b1])
		return
	}
	lists, _ := eventLists.Get().(*[][]int32)
	if lists == nil {
		lists = new([][]int32)
	}
	ls := (*lists)[:0]
	for b := b0; b < b1; b++ {
		ls = append(ls, pre.Events(b))
	}
	accumulateTrials(dst, stride, W, wStride, ls)
	clear(ls) // drop the references until the next call
	*lists = ls
	eventLists.Put(lists)
}
