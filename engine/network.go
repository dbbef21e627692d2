package engine

import (
	"context"
	"errors"
	"fmt"
)

// Network is a set of sources, populations and projections stepped together
// under the fixed schedule described in the package documentation.
type Network[T Float] struct {
	sources   []Source[T]
	pops      []*Population[T]
	projs     []Projection[T]
	recorders []Recorder[T]
	// incoming[i] lists the projections into pops[i], in the order added.
	incoming [][]Projection[T]
	step     int

	threads int
	pool    *pool
	// phases[i] holds the prepared parallel phases of pops[i].
	phases []*popPhase[T]
	// emit holds the prepared parallel emission of the sources; plain
	// lists the sources that emit whole (not TrialSources).
	emit  *emitPhase[T]
	plain []Source[T]
	// blocks are the projections' precomputed input blocks (block.go).
	blocks []*inputBlock[T]
	// blocked, when the whole network can be, steps it many steps at a
	// time (blocked.go); blockAlign is where blocks must end.
	blocked    *blockedNet[T]
	blockAlign int
	// tuning overrides blocked stepping's choices, for tests.
	tuning blockTuning
	// noBlocks turns blocks and blocked stepping off, for tests that
	// compare against the step-by-step product; noMasks turns off dense
	// projections' reading of spike bitmasks (bindMasks), for tests that
	// compare against the event lists; noFuse turns fused stepping
	// (fused.go) off, for tests that compare against the unfused phases.
	noBlocks, noMasks, noFuse bool
	// fusing is set while Run steps a step that may run fused.
	fusing bool
	// ranks, when the network is split over processes, is this rank's
	// share (ranks.go).
	ranks *ranks[T]
}

// emitPhase draws the step's input of every TrialSource, split by trial.
type emitPhase[T Float] struct {
	sources []TrialSource
	// ranges are trial ranges, taken by workers in turn like a
	// population's (see popPhase.work); workers is how many take part.
	ranges  [][2]int
	workers int
	task    task
	t       int
}

func (e *emitPhase[T]) run(i int) {
	for _, s := range e.sources {
		s.EmitTrials(e.t, e.ranges[i][0], e.ranges[i][1])
	}
}

// prepareEmit splits the trials of the sources that allow it over the
// threads, when there is enough input for it to pay: about one random
// draw per input and trial at worst. Like a population's, the trials are
// cut into up to chunksPerWorker ranges per worker.
func (n *Network[T]) prepareEmit(threads int) *emitPhase[T] {
	e := &emitPhase[T]{}
	batch, work := 0, 0
	for _, s := range n.sources {
		if ts, ok := s.(TrialSource); ok {
			e.sources = append(e.sources, ts)
			batch = max(batch, s.BatchSize())
			work += s.BatchSize() * s.Size()
		}
	}
	k, c := shares(work, threads, batch)
	for i := 0; i < c; i++ {
		e.ranges = append(e.ranges, [2]int{batch * i / c, batch * (i + 1) / c})
	}
	e.workers = k
	e.task.set(e, len(e.ranges), k)
	return e
}

// popPhase is the parallel work of one population in one step, prepared
// once so that stepping allocates nothing.
type popPhase[T Float] struct {
	net    *Network[T]
	pop    *Population[T]
	in     []Projection[T]
	ranges []Range
	// workers is how many workers take ranges, through task.
	workers int
	task    task
	counts  []int
	mode    int // phaseAll, phaseInput, phaseUpdate, phaseDeferred, phaseFused or phaseEarly
	// deferred are the projections into pop that the ranks propagate
	// when they exchange (ranks.go), left out of in; early, when begun,
	// those that run with the clear while the population before pop
	// exchanges its spikes (ranks.go, phaseEarly), also left out of in.
	deferred, early []Projection[T]
	begun           bool
	// recs are the recorders of pop, bound once instead of searched every
	// step; readers is whether any of them reads the state in
	// RecordState (stateReader), which then runs between the input and
	// the update, a phase and a barrier more a step.
	recs    []Recorder[T]
	readers bool
	// fused, when pop may step fused (fused.go), is its input.
	fused *fusedInput[T]
	// zero is set for a step whose update ends with zeroSubnormals.
	zero bool
}

const (
	phaseAll = iota
	phaseInput
	phaseUpdate
	phaseDeferred
	phaseFused
	phaseEarly
)

// run runs the phase's part of the step over range i. Each worker takes its
// own block of ranges first and then what is left of the others' (task),
// so faster cores take more; which worker runs a range does not change its
// result.
func (ph *popPhase[T]) run(i int) {
	r := ph.ranges[i]
	if ph.mode == phaseDeferred {
		for _, pr := range ph.deferred {
			pr.Propagate(r)
		}
		return
	}
	if ph.mode == phaseEarly {
		ph.pop.clearInput(r)
		for _, pr := range ph.early {
			pr.Propagate(r)
		}
		return
	}
	if ph.mode == phaseFused {
		ph.counts[i] = ph.pop.updateFused(r, ph.fused.rows)
		if ph.zero {
			ph.pop.zeroSubnormals(r)
		}
		return
	}
	if ph.mode != phaseUpdate {
		if !ph.begun {
			ph.pop.clearInput(r)
		}
		for _, pr := range ph.in {
			pr.Propagate(r)
		}
	}
	if ph.mode != phaseInput {
		ph.counts[i] = ph.pop.update(r)
		if ph.zero {
			ph.pop.zeroSubnormals(r)
		}
	}
}

// NewNetwork returns an empty network.
func NewNetwork[T Float]() *Network[T] { return &Network[T]{} }

// AddSource adds an input source.
func (n *Network[T]) AddSource(s Source[T]) {
	n.sources = append(n.sources, s)
	n.phases = nil
}

// AddPopulation adds a population; populations step in the order added.
func (n *Network[T]) AddPopulation(p *Population[T]) {
	n.pops = append(n.pops, p)
	n.incoming = append(n.incoming, nil)
	n.phases = nil
}

// AddProjection adds a projection; its target must already be in the
// network. Projections into one population add in the order added.
func (n *Network[T]) AddProjection(pr Projection[T]) error {
	for i, p := range n.pops {
		if p == pr.Target() {
			n.projs = append(n.projs, pr)
			n.incoming[i] = append(n.incoming[i], pr)
			n.phases = nil
			return nil
		}
	}
	return fmt.Errorf("projection target %q is not in the network", pr.Target().Name)
}

// AddRecorder adds a recorder; recorders run in the order added.
func (n *Network[T]) AddRecorder(r Recorder[T]) {
	n.recorders = append(n.recorders, r)
	n.phases = nil
}

// Populations returns the populations in stepping order.
func (n *Network[T]) Populations() []*Population[T] { return n.pops }

// Sources returns the sources.
func (n *Network[T]) Sources() []Source[T] { return n.sources }

// Projections returns the projections in the order added.
func (n *Network[T]) Projections() []Projection[T] { return n.projs }

// StepIndex is the index of the next step to run.
func (n *Network[T]) StepIndex() int { return n.step }

// prepareBlocks gives a precomputed input block to each dense projection
// that reads an analog array and writes its target's Iin first in the step
// (no delay ring feeding it, no earlier projection into receptor 0), the
// condition under which the block's values equal the step-by-step ones.
func (n *Network[T]) prepareBlocks(threads int) {
	n.blocks = n.blocks[:0]
	if n.noBlocks {
		return
	}
	for i, p := range n.pops {
		ringed := p.ringDepth > 0 && len(p.rings) > 0 && p.rings[0] != nil
		first := true
		for _, pr := range n.incoming[i] {
			d, dense := pr.(*Dense[T])
			if dense {
				d.block = nil
				if d.Receptor != 0 || d.Delay != 0 {
					continue // writes another current or a ring, not Iin now
				}
				// A block computes every column, so a rank holding only
				// its own (ranks.go) steps without one.
				if first && !ringed && d.ldw == d.NOut {
					if b := newInputBlock(d, threads); b != nil {
						d.block = b
						n.blocks = append(n.blocks, b)
					}
				}
			}
			// Any other projection may write Iin: later ones are not first.
			first = false
		}
	}
}

// SetThreads sets the number of threads later steps use (n < 1: all
// cores). Results are bit-identical for every thread count.
func (n *Network[T]) SetThreads(threads int) {
	if threads < 1 {
		threads = DefaultThreads()
	}
	n.threads = threads
	n.phases = nil
	if n.pool != nil && n.pool.n < threads {
		n.pool.close()
		n.pool = nil
	}
}

// Threads is the number of threads steps use.
func (n *Network[T]) Threads() int {
	if n.threads < 1 {
		return 1
	}
	return n.threads
}

// PopulationThreads returns, for each population in stepping order, the
// number of threads that step it: at most Threads, fewer for a population
// too small to share (see the package documentation).
func (n *Network[T]) PopulationThreads() []int {
	n.prepare()
	out := make([]int, len(n.phases))
	for i, ph := range n.phases {
		out[i] = ph.workers
	}
	return out
}

// Stepping returns, for each population in stepping order, how it steps:
// "blocked" (several steps at a time, neuron block by neuron block,
// blocked.go), "fused" (its input added inside the update, on the steps
// that allow it, fused.go), "phases" (its input current, then the
// update, every step) or "trial" (timing blocks against per-step stepping
// on its first steps, undecided yet: blockTrial). Which one a population
// can take depends on its neuron, its inputs and its recorders: one that
// may read Iin keeps it from fused stepping (fused.go), and blocked.go
// lists what blocks need.
func (n *Network[T]) Stepping() []string {
	n.prepare()
	out := make([]string, len(n.phases))
	for i, ph := range n.phases {
		switch {
		case n.blocked != nil && n.blocked.trial != nil:
			out[i] = "trial"
		case n.blocked != nil:
			out[i] = "blocked"
		case ph.fused != nil:
			out[i] = "fused"
		default:
			out[i] = "phases"
		}
	}
	return out
}

// Close stops the network's worker threads; a later step starts them again.
func (n *Network[T]) Close() {
	if n.pool != nil {
		n.pool.close()
		n.pool = nil
	}
	// The phases were split for the pool; the next step prepares them,
	// and a new pool, again.
	n.phases = nil
}

// prepare builds the per-population phases and the worker pool for the
// current thread count, once, so that stepping allocates nothing.
func (n *Network[T]) prepare() {
	if n.phases != nil && len(n.phases) == len(n.pops) {
		return
	}
	threads := n.Threads()
	n.phases = make([]*popPhase[T], len(n.pops))
	n.emit = n.prepareEmit(threads)
	n.plain = n.plain[:0]
	for _, s := range n.sources {
		if _, ok := s.(TrialSource); !ok {
			n.plain = append(n.plain, s)
		}
	}
	maxRanges := n.emit.workers
	n.prepareBlocks(threads)
	for _, b := range n.blocks {
		maxRanges = max(maxRanges, len(b.cols))
	}
	for i, p := range n.pops {
		ph := &popPhase[T]{net: n, pop: p, in: n.incoming[i]}
		limit := rangeLimit(n.incoming[i], threads)
		ph.ranges, ph.workers = splitRanges(p, threads, wantsTrials(n.incoming[i]), limit)
		if n.ranks != nil {
			ph.ranges, ph.workers = n.ranks.split(i, p, threads, limit)
			ph.in, ph.early, ph.deferred, ph.begun = n.ranks.incoming(i, ph.in, n.pops)
		}
		ph.counts = make([]int, len(ph.ranges))
		ph.task.set(ph, len(ph.ranges), ph.workers)
		for _, r := range n.recorders {
			if r.Population() == p {
				ph.recs = append(ph.recs, r)
				sr, ok := r.(stateReader)
				ph.readers = ph.readers || !ok || sr.ReadsState()
			}
		}
		n.prepareFused(i, ph)
		maxRanges = max(maxRanges, ph.workers)
		n.phases[i] = ph
	}
	n.bindMasks()
	n.prepareBlocked(threads)
	if n.blocked != nil {
		for _, bp := range n.blocked.pops {
			maxRanges = max(maxRanges, bp.workers)
		}
	}
	if maxRanges > 1 && (n.pool == nil || n.pool.n < maxRanges) {
		if n.pool != nil {
			n.pool.close()
		}
		n.pool = newPool(threads)
	}
}

// runPhase runs ph in the given mode. A phase of one worker runs its
// ranges in order on the calling goroutine, without touching the task's
// counters: their atomic stores and adds were a tenth of the single
// neuron's step (BenchmarkSingle in bench/).
func (n *Network[T]) runPhase(ph *popPhase[T], mode int) {
	ph.mode = mode
	if ph.workers == 1 {
		for i := range ph.ranges {
			ph.run(i)
		}
		return
	}
	n.pool.run(&ph.task)
}

// Step runs one step of the schedule below. A recorder's error stops it
// where it occurs and is returned; the network is then part-way through
// step t and continues correctly only from a restored state.
//
//  1. every source emits x[t];
//  2. for each population in order: Iin is cleared and every projection into
//     it propagates, in the order added;
//  3. recorders read the population's V[t], I[t] and Iin[t];
//  4. the population thresholds, updates and resets (s[t] into its bitmask),
//     and recorders read s[t].
func (n *Network[T]) Step() error {
	t := n.step
	n.prepare()
	if n.ranks != nil {
		if err := n.ranks.begin(n); err != nil {
			return err
		}
	}
	if err := n.emitStep(t); err != nil {
		return err
	}
	for _, b := range n.blocks {
		if !b.covers(t) {
			b.fill(t, n.pool)
		}
	}
	if err := n.stepPops(t); err != nil {
		return err
	}
	n.step++
	if n.ranks != nil {
		return n.ranks.stepped(n)
	}
	return nil
}

// emitStep runs phase 1 of step t: every source emits x[t]. Sources that
// draw trials independently are split over the threads; the others emit
// whole.
func (n *Network[T]) emitStep(t int) error {
	n.emit.t = t
	if len(n.emit.sources) > 0 {
		if n.emit.workers > 1 {
			n.pool.run(&n.emit.task)
		} else {
			for i := range n.emit.ranges {
				n.emit.run(i)
			}
		}
		for _, s := range n.emit.sources {
			s.FinishEmit()
		}
	}
	for _, s := range n.plain {
		if err := s.Emit(t); err != nil {
			return err
		}
	}
	return nil
}

// stepPops runs phases 2 to 4 of step t for every population.
func (n *Network[T]) stepPops(t int) error {
	for i, ph := range n.phases {
		p := ph.pop
		clear(ph.counts)
		ph.zero = zeroesAfter(t)
		fuse := n.fusing && ph.fused != nil && ph.fused.spiking() && ph.fused.gather() <= fusedMaxRows
		p.inputStale = fuse
		if fuse {
			// Phase 3 reads V and I, which phase 2 does not change, and
			// no recorder here reads Iin but through InputOf.
			p.inputRows = ph.fused.rows
			for _, r := range ph.recs {
				if err := r.RecordState(t); err != nil {
					p.inputRows = nil
					return err
				}
			}
			p.inputRows = nil
			n.runPhase(ph, phaseFused)
		} else if ph.readers || n.ranks.gathers(i) {
			n.runPhase(ph, phaseInput)
			if n.ranks.gathers(i) {
				if err := n.ranks.gatherState(i, p); err != nil {
					return err
				}
			}
			for _, r := range ph.recs {
				if err := r.RecordState(t); err != nil {
					return err
				}
			}
			n.runPhase(ph, phaseUpdate)
		} else {
			n.runPhase(ph, phaseAll)
			// These recorders read no state: their RecordState may run
			// once the update has.
			for _, r := range ph.recs {
				if err := r.RecordState(t); err != nil {
					return err
				}
			}
		}
		count := 0
		for _, c := range ph.counts {
			count += c
		}
		if n.ranks != nil {
			var err error
			if count, err = n.ranks.exchange(n, i, p); err != nil {
				return err
			}
		}
		p.finishStep(t, count)
		if n.ranks.defers() {
			continue // the recorders read s[t] when the ranks exchange it
		}
		for _, r := range ph.recs {
			if err := r.RecordSpikes(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrInterrupted is returned by Run when its context is cancelled; the
// network stopped at the end of a whole step.
var ErrInterrupted = errors.New("run interrupted")

// Run advances the network by steps steps. It checks first that every source
// can supply them and lets recorders reserve their memory, so the loop
// itself allocates nothing. progress, if not nil, is called after each step
// with the number of steps done in this call. When ctx is cancelled Run stops
// after the current step and returns an error wrapping ErrInterrupted. A
// network stepped in blocks (blocked.go) calls progress for each step of a
// block once the block is done, and stops only between blocks. A
// population stepped fused (fused.go) holds its Iin, inside progress,
// only after steps that end at the block alignment; StateVars recomputes
// it, and Run leaves it written when it returns. Over ranks exchanging
// spikes ahead (ranks.go), progress must not change V or the refractory
// counters: the next step's spikes were taken from the update before it,
// and the step fails its check; between Runs the state may change.
func (n *Network[T]) Run(ctx context.Context, steps int, progress func(done int)) error {
	if steps < 0 {
		return fmt.Errorf("steps must be ≥ 0, got %d", steps)
	}
	for _, s := range n.sources {
		if l := s.Len(); l >= 0 && n.step+steps > l {
			return fmt.Errorf("source %q has %d steps, but the run needs %d", s.SourceName(), l, n.step+steps)
		}
	}
	for _, r := range n.recorders {
		if err := r.Reserve(n.step + steps); err != nil {
			return err
		}
	}
	// Blocks computed before this call may predate changed weights.
	for _, b := range n.blocks {
		b.t0 = -1
	}
	if n.ranks != nil {
		n.ranks.runEnd = n.step + steps
		if n.ranks.ahead {
			n.ranks.running(true)
			defer n.ranks.running(false)
		}
	}
	for k := 0; k < steps; {
		if ctx != nil {
			if err := ctx.Err(); err != nil {
				// Over ranks every rank's ctx ends at the same step (the
				// session's agreement), so all exchange what is pending.
				if ferr := n.Flush(); ferr != nil {
					return ferr
				}
				n.syncInput()
				return fmt.Errorf("%w at step %d: %w", ErrInterrupted, n.step, err)
			}
		}
		m, err := n.advance(steps - k)
		if err != nil {
			// The state is part-way through a step, and Iin no better.
			for _, p := range n.pops {
				p.inputStale = false
			}
			return err
		}
		for end := k + m; k < end; {
			k++
			if progress != nil {
				progress(k)
			}
		}
	}
	return nil
}
