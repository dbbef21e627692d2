package engine

import (
	"fmt"
	"math/bits"

	"leaky/kernels"
)

// Population is a group of Batch × N neurons sharing one parameter set, or
// values per neuron for some of its parameters (see [PerNeuron]).
// Trial b's neuron i lives at index b*Stride+i of V, I and Iin; Stride is N
// rounded up to a whole cache line so every trial's row starts aligned. A
// rank of a network split over processes holds only its block lo…hi−1 of
// every trial (see NewHeldPopulation): neuron i then lives at b*Stride+i−lo, Stride
// being hi−lo so rounded, in V, I, Iin and every other per-neuron array.
type Population[T Float] struct {
	// Name identifies the population in networks, files and errors.
	Name string
	// Batch is the number of independent trials, N the neurons per trial.
	Batch, N int
	// Stride is the distance between trials in V, I and Iin.
	Stride int
	// off is the first neuron the state holds: 0, or a rank's block's lo
	// (NewHeldPopulation). Neuron i of trial b is at index b*Stride+i−off (at).
	off int

	// V is the membrane potential, I the synaptic current and Iin the input
	// current of the current step. Between steps Iin holds the last step's
	// input, or zeros where the update consumed it (see ConsumesInput);
	// a population stepped fused (fused.go) leaves it unwritten inside a
	// Run, which writes it where it can be seen.
	V, I, Iin []T
	// Spikes holds s of the last step as a bitmask, MaskWords(N) words per
	// trial: bit i%64 of Spikes[b*Words+i/64] is neuron i of trial b.
	Spikes []uint64
	// Words is the number of mask words per trial.
	Words int
	// Neuron holds the neuron parameters; change them only through
	// SetNeuron.
	Neuron NeuronParams
	// Refrac counts, per neuron and trial (laid out like V), the steps its
	// potential is still held after a spike; nil without a refractory
	// period.
	Refrac []int32

	// extraI and extraIin are the currents of receptors 1, 2, …
	extraI, extraIin [][]T
	// rings[k] holds receptor k's delayed input, ringDepth slots of
	// Batch×Stride (nil when nothing delayed targets k); slot ringHead is
	// delivered at the next step. See delay.go.
	rings               [][]T
	ringDepth, ringHead int
	// gen is nil for the seed form, which runs the LeakyUpdate kernel,
	// and for COBA, which runs coba.
	gen *general[T]
	// coba is the COBA update's constants, nil for the other kinds.
	coba *cobaNeuron[T]

	alpha, beta, theta T
	// lists holds per trial the indices that spiked at the last step,
	// listed by update and finishStep while a projection reads them (all),
	// otherwise by Events; listed marks the trials update listed.
	lists  spikeLists
	listed []bool
	// inputZero is set when the last step's kernel consumed every
	// receptor's Iin, leaving it zero (see ConsumesInput), so that phase 2
	// adds into it without clearing it first. Restoring state unsets it.
	inputZero bool
	// out is a non-spiking population's output, its V after the last
	// step, Batch rows of N: see Values.
	out        []T
	spikeCount int64
	steppedAt  int // the step whose spikes Spikes holds, −1 before the first
	// hold is the block of neurons projections onto p draw weights for
	// and the state holds, nil for all of them (see NewHeldPopulation,
	// ranks.go).
	hold *[2]int
	// seen, on rank 0 of a network split over ranks, holds the traced
	// neurons' V, I and Iin gathered from every rank, which its recorders
	// read (see Trial, ranks.go); nil elsewhere.
	seen *seenState[T]
	// ahead, on a rank exchanging spikes before each step whose update is
	// kernels.CubaUpdate, is where the update also writes its block's
	// spikes of the step after (ranks.go); nil elsewhere.
	ahead *aheadMask
	// inputStale is set when the last step ran fused (fused.go) and Iin
	// does not hold its input.
	inputStale bool
	// inputRows, while the recorders of a step that runs fused read its
	// state, are each trial's weight rows of the step (fusedInput.rows),
	// from which InputOf sums a neuron's input; nil otherwise.
	inputRows [][][]T
}

// NewPopulation allocates a population of batch trials of n neurons np
// with zero state: the receptor currents np.TauSyn asks for and, for a
// spiking neuron with a refractory period, its counters. A neuron in the
// seed form (see [NeuronParams.SeedForm], [SeedNeuron]) runs the kernels'
// fast path.
func NewPopulation[T Float](name string, batch, n int, np NeuronParams) (*Population[T], error) {
	return newPopulation[T](name, batch, n, np, nil)
}

// NewHeldPopulation is NewPopulation for rank r of K, built as its share
// before SetRanks: the population holds the state of neurons lo…hi−1
// alone — the rank's block, BlockOf(n, r, K) — and is never allocated
// whole. Projections built onto it then draw and hold only their weights
// onto those neurons, with the bits those neurons get drawing them all: a
// random sparse projection (NewRandomSparse) the synapses onto them, a
// dense one (NewDense) the block's columns of W, drawn by
// FillWeightColumns or NormalWeightColumns; initial states (InitV,
// InitCurrent) draw the block's part of each trial's row. A rank's setup
// time and memory then fall as 1/K. SetRanks refuses a network whose
// populations hold another rank's block; one process must not hold one.
func NewHeldPopulation[T Float](name string, batch, n int, np NeuronParams, lo, hi int) (*Population[T], error) {
	if lo < 0 || hi > n || lo > hi || lo%64 != 0 {
		return nil, fmt.Errorf("population %q: cannot hold neurons %d…%d of %d (a block starts at a multiple of 64)", name, lo, hi-1, n)
	}
	return newPopulation[T](name, batch, n, np, &[2]int{lo, hi})
}

// newPopulation is NewPopulation holding the block hold, nil for every
// neuron.
func newPopulation[T Float](name string, batch, n int, np NeuronParams, hold *[2]int) (*Population[T], error) {
	if err := np.Validate(); err != nil {
		return nil, fmt.Errorf("population %q: %w", name, err)
	}
	if batch < 1 {
		return nil, fmt.Errorf("population %q: batch must be at least 1, got %d", name, batch)
	}
	if n < 1 {
		return nil, fmt.Errorf("population %q: neurons must be at least 1, got %d", name, n)
	}
	if err := np.PerNeuron.fits(n); err != nil {
		return nil, fmt.Errorf("population %q: %w", name, err)
	}
	if n > maxElements {
		return nil, fmt.Errorf("population %q: %d neurons is more than the %d one array can address", name, n, maxElements)
	}
	if strideFor(n) > maxElements/batch {
		return nil, fmt.Errorf("population %q: %d trials × %d neurons is too large to address", name, batch, n)
	}
	off, stride := 0, strideFor(n)
	if hold != nil {
		off, stride = hold[0], strideFor(hold[1]-hold[0])
	}
	pop := &Population[T]{
		Name: name, Batch: batch, N: n, Stride: stride, off: off, hold: hold,
		V:         alignedSlice[T](batch * stride),
		I:         alignedSlice[T](batch * stride),
		Iin:       alignedSlice[T](batch * stride),
		Words:     kernels.MaskWords(n),
		lists:     newSpikeLists(batch, n),
		steppedAt: -1,
	}
	pop.Spikes = make([]uint64, batch*pop.Words)
	pop.listed = make([]bool, batch)
	for range np.TauSyn[1:] {
		pop.extraI = append(pop.extraI, alignedSlice[T](len(pop.V)))
		pop.extraIin = append(pop.extraIin, alignedSlice[T](len(pop.V)))
	}
	if np.refracts() {
		pop.Refrac = make([]int32, len(pop.V))
	}
	pop.setNeuron(np)
	if pop.valued() {
		pop.out = make([]T, batch*n)
	}
	return pop, nil
}

// strideFor returns the row length for n neurons: n rounded up to 64, so
// every row starts on a cache line and a whole mask word, and the rows of
// a batch form one contiguous run that a single kernel call can update
// (see update). The padding neurons see no input and stay at zero.
func strideFor(n int) int { return (n + 63) &^ 63 }

// maxElements bounds a single state array so that index arithmetic cannot
// overflow int on any platform Go supports.
const maxElements = 1 << 31

func sizeOf[T Float]() int {
	if is32[T]() {
		return 4
	}
	return 8
}

// Row returns the values of trial b in x, one of V, I or Iin (or another
// array laid out like them): of every neuron in one process, of the
// neurons Held, lo…hi−1, on a rank, from neuron lo at index 0.
func (p *Population[T]) Row(x []T, b int) []T {
	lo, hi := p.Held()
	return x[b*p.Stride : b*p.Stride+hi-lo]
}

// at is the index of trial b's neuron i in the state arrays.
func (p *Population[T]) at(b, i int) int { return b*p.Stride + i - p.off }

// Size is the number of neurons per trial.
func (p *Population[T]) Size() int { return p.N }

// BatchSize is the number of trials.
func (p *Population[T]) BatchSize() int { return p.Batch }

// Events lists the neurons of trial b that spiked at the last step.
func (p *Population[T]) Events(b int) []int32 { return p.lists.get(b, p.steppedAt, p.trialSpikes(b)) }

// trialSpikes is trial b's words of Spikes.
func (p *Population[T]) trialSpikes(b int) []uint64 { return p.Spikes[b*p.Words : (b+1)*p.Words] }

// eventLists is every trial's Events, for accumulateEvents, which runs
// only where the network lists them all (lists.all).
func (p *Population[T]) eventLists() [][]int32 { return p.lists.events }

// masked reports whether the output is spikes: see spikeMasker.
func (p *Population[T]) masked() bool { return !p.valued() }

// spikeMasks returns the last step's spike bitmask of trials b0 … b1−1.
func (p *Population[T]) spikeMasks(b0, b1 int) ([]uint64, int) {
	return p.Spikes[b0*p.Words : b1*p.Words], p.Words
}

// listEvery switches between listing every trial's events each step and
// listing them when asked.
func (p *Population[T]) listEvery(every bool) { p.lists.setAll(every, p.steppedAt, p.trialSpikes) }

// Values is nil for a spiking population, whose output is its spikes
// (Events); a non-spiking one (LI, I) outputs V as it stands after its last
// step, Batch rows of N values — a readout that other layers can read.
func (p *Population[T]) Values() []T { return p.out }

// valued reports whether the population outputs values rather than
// spikes.
func (p *Population[T]) valued() bool { return !p.Neuron.Kind.Spiking() }

// keepOutput copies V into the output once every range has been updated,
// so that projections reading it mid-step see one step's values.
func (p *Population[T]) keepOutput() {
	lo, _ := p.Held()
	for b := 0; b < p.Batch; b++ {
		copy(p.out[b*p.N+lo:], p.Row(p.V, b))
	}
}

// SpikeCount is the number of spikes since the population was created.
func (p *Population[T]) SpikeCount() int64 { return p.spikeCount }

// Range is a block of work within a population: trials B0 ≤ b < B1 and
// neurons Lo ≤ i < Hi. Lo is a multiple of 64, so a range owns whole words
// of the spike bitmask.
type Range struct{ B0, B1, Lo, Hi int }

// All returns the range covering the whole population.
func (p *Population[T]) All() Range { return Range{0, p.Batch, 0, p.N} }

// clearInput zeroes Iin over r before the projections add into it, unless
// the last step's kernel left it zero. Delayed input due at this step is
// moved in from the ring buffers.
func (p *Population[T]) clearInput(r Range) {
	if p.ringDepth == 0 && p.inputZero {
		return
	}
	if p.extraI == nil && p.ringDepth == 0 {
		if r.Lo == 0 && r.Hi == p.N {
			// Whole trials: one clear, the padding (which no projection
			// writes) included, rather than a short one per trial.
			clear(p.Iin[r.B0*p.Stride : r.B1*p.Stride])
			return
		}
		for b := r.B0; b < r.B1; b++ {
			clear(p.Iin[p.at(b, r.Lo):p.at(b, r.Hi)])
		}
		return
	}
	p.deliverInput(r)
}

// update runs phase 4 of the schedule over r: threshold, update, reset. It
// returns the number of spikes.
func (p *Population[T]) update(r Range) int { return p.listRange(r, p.step(r)) }

// zeroesAfter reports whether the update of step t ends with
// zeroSubnormals: every step t with t+1 a multiple of kernels.FlushEvery,
// whichever path stepped it, so that threads, ranks, blocks and resumed
// runs keep one another's bits. A state decaying without input stops among
// the subnormals (kernels.FlushSubnormals32), where on Intel cores every
// multiply takes a microcode assist; 64 steps bound that to 63 steps of
// each decay at the cost of a 64th of a pass over the state.
func zeroesAfter(t int) bool { return (t+1)%kernels.FlushEvery == 0 }

// zeroSubnormals sets the subnormal values of V and of every receptor's
// current over r to the zero of their sign (kernels.FlushSubnormals32).
// On a rank writing its spikes of the next step ahead (ranks.go) it
// thresholds the flushed V again into them, as the update would have.
func (p *Population[T]) zeroSubnormals(r Range) {
	zero := func(lo, hi int) {
		flushSubnormals(p.V[lo:hi])
		flushSubnormals(p.I[lo:hi])
		for _, x := range p.extraI {
			flushSubnormals(x[lo:hi])
		}
	}
	ahead := p.writesAhead()
	if r.Lo == 0 && r.Hi == p.N && !ahead {
		zero(r.B0*p.Stride, r.B1*p.Stride)
		return
	}
	for b := r.B0; b < r.B1; b++ {
		lo, hi := p.at(b, r.Lo), p.at(b, r.Hi)
		zero(lo, hi)
		if !ahead {
			continue
		}
		a := p.ahead
		next := a.words[b*a.bw+r.Lo>>6-a.w0:][:(r.Hi-r.Lo+63)>>6]
		if is32[T]() {
			kernels.ThresholdMask32(next, f32(p.V[lo:hi]), p.Refrac[lo:hi], p.gen.cuba32.Theta)
		} else {
			kernels.ThresholdMask64(next, f64(p.V[lo:hi]), p.Refrac[lo:hi], p.gen.cuba64.Theta)
		}
	}
}

// updateFused runs phases 2 and 4 over r in one pass, trial b's input the
// sum of rows[b] (stepRows, fused.go). It returns the number of spikes.
func (p *Population[T]) updateFused(r Range, rows [][][]T) int {
	return p.listRange(r, p.stepRows(r, rows))
}

// listRange finishes the update of r, which found count spikes, and
// returns count.
func (p *Population[T]) listRange(r Range, count int) int {
	if p.lists.all && r.Lo == 0 && r.Hi == p.N {
		// Whole trials: list their spikes here, on this range's thread,
		// rather than in finishStep on the caller's.
		// Without spikes (most steps of a small, sparsely firing
		// population) there are no bits to look for.
		for b := r.B0; b < r.B1; b++ {
			if count == 0 {
				p.lists.events[b] = p.lists.events[b][:0]
			} else {
				p.lists.events[b] = spikeIndices(p.lists.events[b][:0], p.trialSpikes(b))
			}
			p.listed[b] = true
		}
	}
	return count
}

// step advances the neurons of r by one step and returns their spikes.
func (p *Population[T]) step(r Range) int {
	if p.coba != nil {
		return p.updateCOBA(r)
	}
	if p.gen != nil {
		return p.updateGeneral(r)
	}
	if r.Lo == 0 && r.Hi == p.N && p.theta >= 0 {
		return p.updateRows(r.B0, r.B1)
	}
	count := 0
	for b := r.B0; b < r.B1; b++ {
		off := p.at(b, 0)
		mask := p.Spikes[b*p.Words+r.Lo>>6 : b*p.Words+(r.Hi+63)>>6]
		count += leakyUpdate(p.V[off+r.Lo:off+r.Hi], p.I[off+r.Lo:off+r.Hi], p.Iin[off+r.Lo:off+r.Hi], p.alpha, p.beta, p.theta, p.Neuron.Reset, mask)
	}
	return count
}

// updateRows updates whole trials b0..b1−1, padding included, in one kernel
// call: with rows a multiple of 64 long, trial b's mask words are exactly
// words b·Words… of the call's mask. Small populations with large batches
// (a 200-neuron layer over 256 trials) then cost one call and no ragged
// tails. The padding neurons have no input and, with θ ≥ 0, never spike
// from rest; their bits are cleared anyway, so state restored from a
// damaged checkpoint cannot make neurons past N appear.
func (p *Population[T]) updateRows(b0, b1 int) int {
	lo, hi := b0*p.Stride, b1*p.Stride
	mask := p.Spikes[b0*p.Words : b1*p.Words]
	count := leakyUpdate(p.V[lo:hi], p.I[lo:hi], p.Iin[lo:hi], p.alpha, p.beta, p.theta, p.Neuron.Reset, mask)
	if tail := uint(p.N & 63); tail != 0 {
		keep := uint64(1)<<tail - 1
		for w := p.Words - 1; w < len(mask); w += p.Words {
			count -= bits.OnesCount64(mask[w] &^ keep)
			mask[w] &= keep
		}
	}
	return count
}

// finishStep lists the step's spikes per trial once every range has been
// updated, for outgoing projections that read the lists (lists.all;
// otherwise Events lists them on demand).
func (p *Population[T]) finishStep(t int, count int) {
	p.spikeCount += int64(count)
	for b := 0; b < p.Batch && p.lists.all; b++ {
		switch {
		case p.listed[b]:
			p.listed[b] = false
		case count == 0:
			p.lists.events[b] = p.lists.events[b][:0]
		default:
			p.lists.events[b] = spikeIndices(p.lists.events[b][:0], p.trialSpikes(b))
		}
	}
	p.steppedAt = t
	p.inputZero = p.ConsumesInput()
	if p.out != nil {
		p.keepOutput()
	}
	if p.ringDepth > 0 {
		p.ringHead = (p.ringHead + 1) % p.ringDepth
	}
}

// ConsumesInput reports whether the population's update is one of the
// kernels that zero the input they read (kernels.CubaUpdate, CobaUpdate),
// for every receptor and every neuron of the ranges it updates. Between
// steps Iin then holds zeros (delayed input due next stays in its ring
// slot), not the last step's input: recorders, which read Iin[t] in phase
// 3, before the update, see the same values either way, and a checkpoint
// holds the zeros, which resume to the same bits.
func (p *Population[T]) ConsumesInput() bool {
	if p.coba != nil {
		return p.coba.kernel
	}
	return p.gen != nil && p.gen.per == nil && p.gen.cuba
}

// spikeIndices sets dst to the indices of mask's set bits.
func spikeIndices(dst []int32, mask []uint64) []int32 { return kernels.SpikeIndices(dst[:0], mask, 0) }
