package engine

import (
	"fmt"
	"sync"
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
	nIn, nOut := pre.Size(), post.N
	if pre.BatchSize() != post.Batch {
		return nil, fmt.Errorf("projection %q: source has %d trials but target %q has %d", name, pre.BatchSize(), post.Name, post.Batch)
	}
	if len(w) != nIn*nOut {
		return nil, fmt.Errorf("projection %q: weights hold %d values, want %d inputs × %d neurons = %d", name, len(w), nIn, nOut, nIn*nOut)
	}
	if i := firstNonFinite(w); i >= 0 {
		return nil, fmt.Errorf("projection %q: weight [%d, %d] is %v; weights must be finite", name, i/nOut, i%nOut, float64(w[i]))
	}
	return &Dense[T]{Name: name, Pre: pre, Post: post, W: w, NIn: nIn, NOut: nOut, ldw: nOut}, nil
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
		matMul(r.B1-r.B0, hi-lo, d.NIn, rows, d.NIn, d.W[lo-d.w0:], d.ldw, iin[r.B0*post.Stride+lo:], post.Stride, true)
		return
	}
	accumulateEvents(iin, post.Stride, lo, hi, d.W[lo-d.w0:], d.ldw, d.Pre, r.B0, r.B1)
}

// eventLister is a presynaptic group that keeps its trials' events as
// one list per trial, which accumulateEvents hands the kernel as they are.
type eventLister interface{ eventLists() [][]int32 }

// eventLists pools *[][]int32, the event lists of one range's trials that
// accumulateEvents hands the kernel (concurrent ranges take one each).
var eventLists sync.Pool

// accumulateEvents adds, for each trial b of b0 … b1−1, the rows of W of
// pre's events of b to dst[b·stride+lo : b·stride+hi], in one kernel call.
func accumulateEvents[T Float](dst []T, stride, lo, hi int, W []T, wStride int, pre Presynaptic[T], b0, b1 int) {
	if el, ok := pre.(eventLister); ok {
		accumulateTrials(dst[b0*stride+lo:b0*stride+hi], stride, W, wStride, el.eventLists()[b0:b1])
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
	accumulateTrials(dst[b0*stride+lo:b0*stride+hi], stride, W, wStride, ls)
	clear(ls) // drop the references until the next call
	*lists = ls
	eventLists.Put(lists)
}
