package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"
	"unsafe"

	"leaky/internal/hugepage"
	"leaky/kernels"
)

// Exchange is what a network split over ranks needs from its
// communicator (package mpi's World satisfies it): the rank, the number of
// ranks, and collectives over bytes in which rank r's counts[r] bytes
// land at displs[r]. Iallgatherv starts an Allgatherv that Wait
// completes; until then neither buffer is touched and no other
// collective starts.
type Exchange interface {
	Rank() int
	Size() int
	Allgatherv(send, recv []byte, counts, displs []int) error
	Iallgatherv(send, recv []byte, counts, displs []int) error
	Wait() error
	Gatherv(send, recv []byte, counts, displs []int, root int) error
}

// ranks is a network's share of a run over several processes. Every
// population is cut into contiguous blocks of whole 64-neuron words, one
// per rank in rank order (see BlockOf); a rank steps only its own block of
// each population, as if its threads were given only those ranges, and
// after each population's update every rank's spikes (each trial's block
// as spike indices, or as its words when those are fewer bytes; a
// non-spiking population's V) are gathered onto every rank in rank order.
// Every rank then holds the step's whole bitmask and event lists, exactly
// as one process would — the lists are read off the gathered blocks in
// rank order, so they come out in increasing order as one process lists
// them — and the next population's projections sum them in the
// one-process order. Sources draw every input on every rank: they are
// keyed by step and trial, so each rank draws the same ones.
//
// Exchange ahead. A population whose update spikes on the state it
// starts the step from — V above θ and, with a refractory period, not
// held: CUBA's and COBA's kernels, LeakyUpdate, the general neuron in
// leaky's and Spyx's order (threshold, kernels.ThresholdMask32) — has
// spikes of step t+1 that are known at the end of step t, before any
// input of step t+1. When every population is such (and min-delay
// exchange does not apply), the ranks exchange once before each step:
// each reads its blocks' spikes of the step off their state
// (ThresholdMask) — or, for a CUBA population, takes those its update of
// the step before wrote (kernels.CubaUpdateAhead, the same bits in the
// same pass, which spares a second pass over V and the counters; only
// within one Run, whose first step reads the state, since between Runs
// the state may be loaded or changed) — and one collective carries every population's, with
// the vote, so that the step itself has no sync point. It is an
// Iallgatherv that the first population's input and update overlap —
// they read only spikes of the step before, complete on every rank — and
// that completes before its spikes are taken (an Allgatherv when that
// population's state is gathered to rank 0, a collective of its own,
// before its update). After each population's update the rank checks
// that its block spiked as read (an error otherwise, never other spikes
// on other ranks) and takes the other blocks from what was gathered. For
// spikes an update wrote ahead, the check compares two passes of the
// kernel a step apart: it catches a next mask the update's own spike rule
// disagrees with, and a state changed between the steps (a progress
// callback writing V), which the mask would not have seen. A rank's share of the collective
// is its spikes' length, the spikes and the vote, in at most slot bytes
// (64 spikes to start with); when some rank's spikes do not fit, every
// rank sees it in the lengths, grows slot and gathers again.
//
// Overlap. Otherwise, each receptor's input is a sum of its own, its
// projections added in the order added. While population i's spikes
// are in flight (Iallgatherv), population i+1 delivers its delayed input
// due now (clearInput) and runs, for each receptor, the projections into
// it that come before its first projection reading population i — from
// sources, from populations already exchanged this step, or from the
// last step's spikes (phaseEarly) — and the rest once the spikes
// arrived. A
// projection of another kind than those incoming knows (receptorOf) is
// taken to write every receptor. So every (target, receptor) sum takes
// the same terms in the same order as in one process, and the bits do
// not change; only the last population's exchange, which the step's
// vote rides on, has nothing to overlap and blocks.
//
// A rank holds only its blocks' state (NewHeldPopulation, holdBlocks):
// V, I, Iin and every other per-neuron array, the per-neuron parameters
// and the delay rings, each trial's block from neuron lo at index 0.
// Spike bitmasks and event lists, the exchange's result, and a
// non-spiking population's output stay whole. Rank 0 gathers V, I and Iin
// of the neurons its recorders trace into a copy of their own (seen)
// before they read them (Trial).
//
// Min-delay exchange. When every projection out of a population has a
// delay of at least k steps (and the network has no non-spiking
// population and no delayed projection from a source), a spike of step t
// is first added to its targets' rings at step t+k at the earliest, so
// the ranks exchange once every `window` = min(k, maxWindow) steps: each
// steps its blocks with the projections from sources alone, keeping its
// own spikes (each trial's block as spike indices, or as its words when
// those are fewer bytes); one Allgatherv of their sizes and one of the
// spikes then carry every population's spikes of those steps, and each
// rank replays them step by step — every
// population in order takes its step's whole bitmask, the projections
// out of populations add into the rings' slots of that step, and the
// recorders read the spikes. The rings' slots are filled in the
// one-process order (by step, then by projection) before they are due,
// so the bits do not change.
type ranks[T Float] struct {
	ex         Exchange
	rank, size int
	pops       []*rankPop
	// took is the time spent in the collectives.
	took time.Duration
	// at[r] is where rank r's block of a population's step is read from
	// in the collective's receive buffer (takeSpikes).
	at []int

	// window is the steps between exchanges, 0 when the ranks exchange
	// after every population's update; deferred[i] are the projections
	// into population i out of populations, propagated in the replay.
	window   int
	deferred [][]Projection[T]
	// pending is the steps stepped since the last exchange, from step
	// t0; runEnd the step the current Run ends at, where the ranks
	// exchange whatever is pending.
	pending, t0, runEnd int
	// steps carries pending steps of spikes: rank r's are, step by step,
	// every population's block of every trial (packSpikes), which the
	// replay reads from at[r] on. sizes carries their byte counts.
	steps collective
	sizes collective
	// prev holds every population's whole bitmask of the step before t0.
	prev [][]uint64

	// ahead is set when every population spikes by a threshold on the
	// state it starts the step from (threshold): one collective before
	// each step, before, then carries every population's spikes of the
	// step, next[i] being this rank's block of population i's, every
	// trial (see ranks). Rank r's share is at most min(worst[r], slot)
	// bytes; a step whose spikes take more on some rank grows slot and
	// gathers again (exchangeAhead).
	ahead  bool
	before collective
	next   [][]uint64
	worst  []int
	slot   int
	// spill is this rank's share of a collective whose spikes do not fit.
	spill []byte
	// inflight is set while the collective before a step is in flight
	// (Iallgatherv), which the first population's update overlaps.
	inflight bool
	// fused[i] is where population i's update writes its block's spikes
	// of the step after, when it is CUBA's (Population.ahead; it then
	// trades places with next[i] once the step's check is done), and
	// nextAt[i] the step whose spikes an update left in next[i], −1 for
	// none. inRun is set inside Run, the only place they are taken from:
	// outside it the state may change between steps.
	fused  [][]uint64
	nextAt []int
	inRun  bool
	// readState makes every step read the spikes ahead off the state,
	// for the benchmarks that compare the two ways.
	readState bool
	// fromUpdate and fromState count the populations' steps whose spikes
	// ahead were written by the update before and read off the state.
	fromUpdate, fromState int

	// vote is this rank's vote, sampled for the last collective of each
	// exchange and carried in it (see SetVote); voted is the largest vote
	// of any rank it carried, fresh whether one came since Vote read it.
	vote  func() int64
	voted int64
	fresh bool
}

// voteBytes is what a vote adds to a rank's share of a collective.
const voteBytes = 8

// maxWindow bounds the steps between exchanges of a network whose
// populations do not project onto each other (only rank 0's recorders
// need their spikes): the buffers stay small and the output current.
const maxWindow = 64

// rankPop is one population's blocks and the buffers that carry them.
type rankPop struct {
	// lo[r], hi[r] are rank r's neurons.
	lo, hi []int
	// traced are the neurons whose state rank 0 reads, in increasing
	// order; traced[tracedAt[r]:tracedAt[r+1]] are those of rank r.
	traced, tracedAt []int
	// mask carries the spikes (packSpikes), out a non-spiking population's V and
	// state V, I and Iin to rank 0 when traced.
	mask, out, state collective
}

// collective is one Allgatherv or Gatherv layout and its buffers.
type collective struct {
	counts, displs []int
	send, recv     []byte
}

// newCollective lays out blocks of per[r] bytes in rank order.
func newCollective(per []int) collective {
	c := collective{counts: per, displs: make([]int, len(per))}
	total := 0
	for r, n := range per {
		c.displs[r] = total
		total += n
	}
	c.recv = make([]byte, total)
	return c
}

// BlockOf is rank r's block of n neurons among k ranks: whole words of 64,
// split as evenly as the words allow (a rank gets none when there are
// fewer words than ranks).
func BlockOf(n, r, k int) (lo, hi int) {
	words := (n + 63) / 64
	return min(n, words*r/k*64), min(n, words*(r+1)/k*64)
}

// SetRanks splits the network over ex's ranks, this process stepping rank
// ex.Rank()'s block of every population; traced[i] lists, in increasing
// order, the neurons of population i whose V, I or Iin rank 0's recorders
// read (nil: none), which are then gathered to it before they do. Call it
// before the first step, with the same network and traced on every rank,
// and once: the rank then holds only its blocks' state and the weights
// onto them (holdBlocks). A single rank changes nothing.
func (n *Network[T]) SetRanks(ex Exchange, traced [][]int) error {
	if len(traced) != len(n.pops) {
		return fmt.Errorf("ranks: %d traced lists for %d populations", len(traced), len(n.pops))
	}
	for i, list := range traced {
		for k, j := range list {
			if j < 0 || j >= n.pops[i].N || k > 0 && j <= list[k-1] {
				return fmt.Errorf("ranks: traced neuron %d of %q is out of order or outside 0…%d", j, n.pops[i].Name, n.pops[i].N-1)
			}
		}
	}
	if n.ranks != nil {
		return fmt.Errorf("ranks: the network is split over %d ranks already and holds only rank %d's weights", n.ranks.size, n.ranks.rank)
	}
	for _, p := range n.pops {
		if p.hold == nil {
			continue
		}
		if lo, hi := BlockOf(p.N, ex.Rank(), ex.Size()); p.hold[0] != lo || p.hold[1] != hi {
			return fmt.Errorf("ranks: population %q was built holding neurons %d…%d, not rank %d of %d's block %d…%d", p.Name, p.hold[0], p.hold[1]-1, ex.Rank(), ex.Size(), lo, hi-1)
		}
	}
	n.phases = nil
	if ex.Size() <= 1 {
		n.ranks = nil
		return nil
	}
	rk := &ranks[T]{ex: ex, rank: ex.Rank(), size: ex.Size(), at: make([]int, ex.Size())}
	elem := sizeOf[T]()
	for i, p := range n.pops {
		rp := &rankPop{lo: make([]int, rk.size), hi: make([]int, rk.size), traced: traced[i], tracedAt: make([]int, rk.size+1)}
		words, vals, three := make([]int, rk.size), make([]int, rk.size), make([]int, rk.size)
		for r := range rk.size {
			lo, hi := BlockOf(p.N, r, rk.size)
			rp.lo[r], rp.hi[r] = lo, hi
			rp.tracedAt[r+1], _ = slices.BinarySearch(rp.traced, hi)
			three[r] = 3 * p.Batch * (rp.tracedAt[r+1] - rp.tracedAt[r]) * elem
			words[r] = rp.wordBytes(p.Batch, r) + 4*p.Batch // packSpikes' most
			if i == len(n.pops)-1 {
				words[r] += voteBytes // the step's last collective
			}
			vals[r] = p.Batch * (hi - lo) * elem
			if words[r] > math.MaxInt32 || 3*vals[r] > math.MaxInt32 {
				return fmt.Errorf("ranks: population %q's block on rank %d is %d bytes, more than one MPI call carries; use more ranks", p.Name, r, 3*vals[r])
			}
		}
		rp.mask = newCollective(words)
		rp.mask.send = make([]byte, words[rk.rank])
		if p.valued() {
			rp.out = newCollective(vals)
			rp.out.send = make([]byte, vals[rk.rank])
		}
		if len(rp.traced) > 0 {
			rp.state = newCollective(three)
			rp.state.send = make([]byte, three[rk.rank])
		}
		rk.pops = append(rk.pops, rp)
	}
	n.ranks = rk
	n.holdBlocks()
	if rk.rank == 0 {
		for i, p := range n.pops {
			if t := traced[i]; len(t) > 0 {
				p.seen = newSeen[T](p.Batch, t)
			}
		}
	}
	rk.setWindow(n)
	if rk.window == 0 {
		rk.setAhead(n)
	}
	return nil
}

// setWindow sets up the min-delay exchange when the network allows it.
func (rk *ranks[T]) setWindow(n *Network[T]) {
	window := maxWindow
	for _, p := range n.pops {
		if p.valued() {
			return
		}
	}
	deferred := make([][]Projection[T], len(n.pops))
	for i, in := range n.incoming {
		for _, pr := range in {
			lo, hi := delays(pr)
			if _, ok := pr.Source().(*Population[T]); !ok {
				if hi > 0 {
					return // writes the rings at its step, before the replay
				}
				continue
			}
			if lo < 1 {
				return
			}
			window = min(window, lo)
			deferred[i] = append(deferred[i], pr)
		}
	}
	rk.window, rk.deferred = window, deferred
	// A step's block of a trial takes at most its words and a header.
	worst := make([]int, rk.size)
	for r := range rk.size {
		for i, rp := range rk.pops {
			worst[r] += rp.wordBytes(n.pops[i].Batch, r) + 4*n.pops[i].Batch
		}
	}
	rk.steps = newCollective(worst)
	rk.steps.recv = make([]byte, 0, window*len(rk.steps.recv))
	rk.steps.send = make([]byte, 0, window*worst[rk.rank])
	sized := make([]int, rk.size)
	for r := range sized {
		sized[r] = 8 + voteBytes
	}
	rk.sizes = newCollective(sized)
	rk.sizes.send = make([]byte, 8, 8+voteBytes)
	rk.prev = make([][]uint64, len(n.pops))
	for i, p := range n.pops {
		rk.prev[i] = make([]uint64, len(p.Spikes))
	}
}

// delays are the shortest and longest delay a projection adds with (0, 0
// for the kinds without delays).
func delays[T Float](pr Projection[T]) (lo, hi int) {
	switch p := pr.(type) {
	case *Dense[T]:
		return p.Delay, p.Delay
	case *Identity[T]:
		return p.Delay, p.Delay
	case *Sparse[T]:
		lo, hi = MaxDelay, 0
		for _, g := range p.Groups {
			lo, hi = min(lo, g.Delay), max(hi, g.Delay)
		}
		return lo, hi
	}
	return 0, 0
}

// setAhead sets up the exchange of each step's spikes before the step
// when every population's spikes allow it (threshold).
func (rk *ranks[T]) setAhead(n *Network[T]) {
	for _, p := range n.pops {
		if _, _, ok := p.threshold(); !ok {
			return
		}
	}
	rk.worst = make([]int, rk.size)
	headers := aheadHeader + voteBytes
	for i := range rk.pops {
		headers += 4 * n.pops[i].Batch
	}
	for r := range rk.size {
		rk.worst[r] = aheadHeader + voteBytes
		for i, rp := range rk.pops {
			rk.worst[r] += rp.wordBytes(n.pops[i].Batch, r) + 4*n.pops[i].Batch // packBlock's most
		}
	}
	rk.ahead, rk.slot = true, headers+4*aheadSpikes
	rk.before = newCollective(make([]int, rk.size))
	rk.before.send = make([]byte, rk.worst[rk.rank])
	rk.spill = make([]byte, rk.worst[rk.rank])
	rk.sizeAhead()
	rk.next = make([][]uint64, len(n.pops))
	rk.fused, rk.nextAt = make([][]uint64, len(n.pops)), make([]int, len(n.pops))
	for i, rp := range rk.pops {
		p, bw := n.pops[i], rp.blockWords(rk.rank)
		rk.next[i] = make([]uint64, p.Batch*bw)
		// Every population gets one: SetNeuron may make it CUBA later.
		rk.fused[i] = make([]uint64, p.Batch*bw)
		p.ahead = &aheadMask{words: rk.fused[i], w0: rp.lo[rk.rank] / 64, bw: bw}
		rk.nextAt[i] = -1
	}
}

// aheadMask is a rank's block of a population's spikes of a step, every
// trial: trial b's words at words[b·bw:], the first of them word w0 of
// the trial's bitmask (kernels.CubaUpdateAhead's next).
type aheadMask struct {
	words  []uint64
	w0, bw int
}

// writesAhead reports whether p's update writes its spikes of the step
// after into p.ahead: a CUBA update (updateCUBA) on a rank exchanging
// ahead.
func (p *Population[T]) writesAhead() bool {
	return p.ahead != nil && p.coba == nil && p.gen != nil && p.gen.per == nil && p.gen.cuba
}

// running marks the steps of one Run (see ranks.fused): on, it forgets
// the spikes the steps before it wrote ahead.
func (rk *ranks[T]) running(on bool) {
	rk.inRun = on
	for i := range rk.nextAt {
		rk.nextAt[i] = -1
	}
}

// aheadHeader is the length of a rank's spikes at the head of its share
// of the collective before a step; aheadSpikes the spikes per rank that
// the first steps' shares hold (slot then grows to what the spikes need).
const (
	aheadHeader = 4
	aheadSpikes = 64
)

// sizeAhead lays the collective before a step out for shares of at most
// slot bytes.
func (rk *ranks[T]) sizeAhead() {
	c := &rk.before
	total := 0
	for r := range rk.size {
		c.counts[r], c.displs[r] = min(rk.worst[r], rk.slot), total
		total += c.counts[r]
	}
	c.recv = slices.Grow(c.recv[:0], total)[:total]
}

// threshold is the rule p's update spikes by when it reads only the
// state the step starts from — V above theta and, when refrac is not
// nil, the counter not holding it (kernels.ThresholdMask32) — and false
// when p spikes otherwise (on the integrated potential, per-neuron
// thresholds) or not at all.
func (p *Population[T]) threshold() (theta T, refrac []int32, ok bool) {
	switch g := p.gen; {
	case p.valued():
		return 0, nil, false
	case p.coba != nil:
		if p.coba.refracts {
			refrac = p.Refrac
		}
		return p.coba.theta, refrac, true
	case g == nil:
		return p.theta, nil, true // LeakyUpdate: s = V > θ
	case g.per != nil:
		return 0, nil, false
	case g.refracts:
		return g.theta, p.Refrac, true
	case g.step.Rule == kernels.StepBefore || g.step.Rule == kernels.StepSpyx:
		return g.step.Theta, nil, true
	}
	return 0, nil, false
}

// predict writes this rank's block of population i's spikes of the step
// about to run into rk.next[i], every trial, from the state it starts
// from (threshold).
func (rk *ranks[T]) predict(i int, p *Population[T]) {
	lo, hi := rk.pops[i].lo[rk.rank], rk.pops[i].hi[rk.rank]
	bw := rk.pops[i].blockWords(rk.rank)
	theta, refrac, _ := p.threshold()
	for b := range p.Batch {
		a, e := p.at(b, lo), p.at(b, hi)
		mask := rk.next[i][b*bw : (b+1)*bw]
		var held []int32
		if refrac != nil {
			held = refrac[a:e]
		}
		if is32[T]() {
			kernels.ThresholdMask32(mask, f32(p.V[a:e]), held, float32(theta))
		} else {
			kernels.ThresholdMask64(mask, f64(p.V[a:e]), held, float64(theta))
		}
	}
}

// incoming splits population i's projections into those its phase
// propagates each step and those the replay does (min-delay exchange),
// or, when the ranks exchange every step, into those that run while
// population i−1's spikes are exchanged (early, with the clear: begun)
// and the rest (see ranks).
func (rk *ranks[T]) incoming(i int, in []Projection[T], pops []*Population[T]) (now, early, later []Projection[T], begun bool) {
	if rk.window == 0 {
		if i == 0 || rk.ahead {
			return in, nil, nil, false
		}
		now, early = overlap(in, pops[i-1])
		return now, early, nil, true
	}
	for _, pr := range in {
		if !slices.Contains(rk.deferred[i], pr) {
			now = append(now, pr)
		}
	}
	return now, nil, rk.deferred[i], false
}

// overlap splits in, the projections into a population in the order
// added, into those that may run before pending's spikes of the step are
// known and the rest: for each receptor, those before the first that
// reads pending. Each receptor's sum thus keeps its order.
func overlap[T Float](in []Projection[T], pending *Population[T]) (late, early []Projection[T]) {
	waits := map[int]bool{} // receptors whose next projection must wait
	all := false            // every receptor must
	for _, pr := range in {
		k, known := receptorOf(pr)
		src, _ := pr.Source().(*Population[T])
		if all || waits[k] || src == pending || !known {
			late = append(late, pr)
			waits[k], all = true, all || !known
			continue
		}
		early = append(early, pr)
	}
	return late, early
}

// receptorOf is the receptor pr adds to, and false for a kind of
// projection it does not know.
func receptorOf[T Float](pr Projection[T]) (int, bool) {
	switch p := pr.(type) {
	case *Dense[T]:
		return p.Receptor, true
	case *Sparse[T]:
		return p.Receptor, true
	case *Identity[T]:
		return p.Receptor, true
	case *Bias[T]:
		return p.Receptor, true
	case *Conv2d[T]:
		return p.Receptor, true
	case *Pool2d[T]:
		return p.Receptor, true
	case *Procedural[T]:
		return 0, true
	}
	return 0, false
}

// defers reports whether the ranks exchange every window steps, the
// recorders reading spikes in the replay; false without ranks.
func (rk *ranks[T]) defers() bool { return rk != nil && rk.window > 0 }

// stepped is called after each step: with min-delay exchange it counts
// the step and exchanges when the window is full or the run ends.
func (rk *ranks[T]) stepped(n *Network[T]) error {
	if rk.window == 0 {
		return nil
	}
	rk.pending++
	if rk.pending < rk.window && n.step < rk.runEnd {
		return nil
	}
	return n.Flush()
}

// Exchanged reports whether every rank holds every spike of the steps
// run so far: always without ranks, and with min-delay exchange only
// after an exchange. The ranks agree, stop and checkpoint at such steps.
func (n *Network[T]) Exchanged() bool { return n.ranks == nil || n.ranks.pending == 0 }

// Flush exchanges the spikes of the steps since the last exchange now, on
// every rank at the same step, and replays them (see ranks): after it the
// network is in the state one process would be in. Without ranks, or with
// nothing pending, it does nothing.
func (n *Network[T]) Flush() error {
	rk := n.ranks
	if rk == nil || rk.pending == 0 {
		return nil
	}
	began := time.Now()
	c, z := &rk.steps, &rk.sizes
	binary.LittleEndian.PutUint64(z.send, uint64(len(c.send)))
	err := rk.ex.Allgatherv(rk.appendVote(z.send[:8]), z.recv, z.counts, z.displs)
	if err == nil {
		rk.readVotes(z)
		total := 0
		for r := range rk.size {
			c.counts[r], c.displs[r] = int(binary.LittleEndian.Uint64(z.recv[z.displs[r]:])), total
			rk.at[r] = total
			total += c.counts[r]
		}
		c.recv = c.recv[:total]
		err = rk.ex.Allgatherv(c.send, c.recv, c.counts, c.displs)
	}
	rk.took += time.Since(began)
	if err != nil {
		return fmt.Errorf("exchanging the spikes of steps %d…%d: %w", rk.t0, rk.t0+rk.pending-1, err)
	}
	// Every population starts from its whole bitmask of step t0−1.
	for i, p := range n.pops {
		copy(p.Spikes, rk.prev[i])
		p.listEvents()
	}
	for s := range rk.pending {
		t := rk.t0 + s
		for i, ph := range n.phases {
			p := ph.pop
			if len(ph.deferred) > 0 {
				head := p.ringHead
				p.ringHead = ((head-(rk.pending-s))%p.ringDepth + p.ringDepth) % p.ringDepth
				n.runPhase(ph, phaseDeferred)
				p.ringHead = head
			}
			p.spikeCount += int64(rk.takeSpikes(p, rk.pops[i], c.recv, -1))
			for _, rec := range ph.recs {
				if err := rec.RecordSpikes(t); err != nil {
					return err
				}
			}
		}
	}
	rk.pending = 0
	c.send = c.send[:0]
	return nil
}

// begin is called before each step: the first step of a window saves
// every population's whole bitmask, which the replay starts from; with
// the exchange ahead, the ranks exchange the step's spikes.
func (rk *ranks[T]) begin(n *Network[T]) error {
	if rk.ahead {
		return rk.exchangeAhead(n)
	}
	if rk.window == 0 || rk.pending > 0 {
		return nil
	}
	rk.t0 = n.step
	for i, p := range n.pops {
		copy(rk.prev[i], p.Spikes)
	}
	return nil
}

// exchangeAhead starts gathering every population's spikes of the step
// about to run, which each rank reads off its blocks' state (predict),
// onto every rank in one collective, with the vote; takeAhead completes
// it after the first population's update and takes each population's
// spikes from it after its update. A rank's share is its spikes' length,
// the spikes (packBlock) and the vote at its end, in at most slot
// bytes; when some rank's spikes do not fit — every rank sees its length
// — every rank grows slot to twice the longest and gathers the spikes
// again (gathered), so that a burst costs one collective more and the
// steps after it none.
func (rk *ranks[T]) exchangeAhead(n *Network[T]) error {
	began := time.Now()
	c := &rk.before
	send := c.send[:aheadHeader]
	for i, p := range n.pops {
		rp := rk.pops[i]
		bw, w0 := rp.blockWords(rk.rank), rp.lo[rk.rank]/64
		if rk.inRun && rk.nextAt[i] == n.step && !rk.readState {
			rk.fromUpdate++
		} else {
			rk.predict(i, p)
			rk.fromState++
		}
		send = packBlock(send, rk.next[i], bw, 0, bw, p.Batch, w0)
	}
	binary.LittleEndian.PutUint32(send, uint32(len(send)))
	mine := c.counts[rk.rank]
	var vote [voteBytes]byte
	rk.appendVote(vote[:0])
	if len(send)+voteBytes <= mine {
		send = send[:mine]
		copy(send[mine-voteBytes:], vote[:])
	} else {
		// The spikes stay where they are for the second collective; the
		// first carries their length and the vote.
		send = rk.spill[:mine]
		copy(send, c.send[:aheadHeader])
		copy(send[mine-voteBytes:], vote[:])
	}
	var err error
	if rk.gathers(0) {
		// The first population's state is gathered before its update, a
		// collective of its own: this one must be done by then.
		if err = rk.ex.Allgatherv(send, c.recv, c.counts, c.displs); err == nil {
			err = rk.gathered()
		}
	} else {
		err = rk.ex.Iallgatherv(send, c.recv, c.counts, c.displs)
		rk.inflight = err == nil
	}
	rk.took += time.Since(began)
	if err != nil {
		return fmt.Errorf("exchanging the spikes of step %d: %w", n.step, err)
	}
	return nil
}

// gathered reads the votes and the spikes' lengths off the collective
// before a step once it is done, and gathers the spikes again, in a
// slot grown to fit them, when some rank's did not fit.
func (rk *ranks[T]) gathered() error {
	c := &rk.before
	rk.readVotes(c)
	longest := 0
	for r := range rk.size {
		longest = max(longest, int(binary.LittleEndian.Uint32(c.recv[c.displs[r]:])))
	}
	if longest+voteBytes > rk.slot {
		rk.slot = 2 * (longest + voteBytes)
		rk.sizeAhead()
		if err := rk.ex.Allgatherv(c.send[:c.counts[rk.rank]], c.recv, c.counts, c.displs); err != nil {
			return err
		}
	}
	for r := range rk.size {
		rk.at[r] = c.displs[r] + aheadHeader
	}
	return nil
}

// takeAhead sets population i's bitmask and lists of the step from what
// exchangeAhead gathered, after checking that its update found the
// spikes predict read off its state: a rule threshold misjudged would
// otherwise give other ranks other spikes than this one's.
func (rk *ranks[T]) takeAhead(n *Network[T], i int, p *Population[T]) (int, error) {
	began := time.Now()
	if rk.inflight {
		rk.inflight = false
		err := rk.ex.Wait()
		if err == nil {
			err = rk.gathered()
		}
		if err != nil {
			return 0, fmt.Errorf("exchanging the spikes of step %d: %w", n.step, err)
		}
	}
	rp := rk.pops[i]
	w0, bw := rp.lo[rk.rank]/64, rp.blockWords(rk.rank)
	for b := range p.Batch {
		if !slices.Equal(p.Spikes[b*p.Words+w0:][:bw], rk.next[i][b*bw:(b+1)*bw]) {
			return 0, fmt.Errorf("ranks: population %q's update on rank %d spiked at step %d otherwise than its state before the step said (trial %d); its neuron's spike rule does not allow exchanging spikes ahead", p.Name, rk.rank, n.step, b)
		}
	}
	if p.writesAhead() {
		// The update wrote the next step's spikes into fused[i].
		rk.next[i], rk.fused[i] = rk.fused[i], rk.next[i]
		p.ahead.words = rk.fused[i]
		rk.nextAt[i] = n.step + 1
	}
	count := rk.takeSpikes(p, rp, rk.before.recv, rk.rank)
	for b := range p.listed {
		p.listed[b] = p.lists.all // finishStep need not list them again
	}
	rk.took += time.Since(began)
	return count, nil
}

// listEvents lists every trial's spikes from the bitmask as it is now:
// at once when the network lists them every step, otherwise when asked.
func (p *Population[T]) listEvents() {
	for b := 0; b < p.Batch; b++ {
		p.listed[b] = false
		if p.lists.all {
			p.lists.events[b] = spikeIndices(p.lists.events[b][:0], p.trialSpikes(b))
		} else {
			p.lists.at[b] = -1
		}
	}
}

// packSpikes appends p's spikes in rank r's block, trial by trial, to
// dst (packBlock).
func packSpikes[T Float](dst []byte, p *Population[T], rp *rankPop, r int) []byte {
	w0 := rp.lo[r] / 64
	return packBlock(dst, p.Spikes, p.Words, w0, rp.blockWords(r), p.Batch, w0)
}

// packBlock appends a block of spike words, trial by trial, to dst:
// trial b's words mask[b·stride+from:][:words], the first holding
// neurons 64·w0 on (packTrial, what takeSpikes reads).
func packBlock(dst []byte, mask []uint64, stride, from, nw, batch, w0 int) []byte {
	for b := 0; b < batch; b++ {
		dst = packTrial(dst, mask[b*stride+from:][:nw], w0)
	}
	return dst
}

// packTrial appends one trial's words, the first word neurons 64·w0 on:
// a uint32 count and the spiking neurons' indices, or, when those would
// take more bytes than the words, ^0 and the words. The indices are read
// off in one pass that skips eight silent words at a time and turns to
// the words before the indices would outgrow them, so dst never grows
// past the words' form, the size the send buffers are made for.
func packTrial(dst []byte, words []uint64, w0 int) []byte {
	limit := 8 * len(words)
	at0 := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	base := len(dst)
	for i := 0; i < len(words); i += 8 {
		if i+8 <= len(words) {
			g := words[i : i+8 : i+8]
			if g[0]|g[1]|g[2]|g[3]|g[4]|g[5]|g[6]|g[7] == 0 {
				continue
			}
		}
		for j, w := range words[i:min(i+8, len(words))] {
			if w == 0 {
				continue
			}
			if len(dst)-base+4*bits.OnesCount64(w) > limit {
				return appendWords(dst[:at0], words)
			}
			for b := uint32((w0 + i + j) << 6); w != 0; w &= w - 1 {
				dst = binary.LittleEndian.AppendUint32(dst, b+uint32(bits.TrailingZeros64(w)))
			}
		}
	}
	binary.LittleEndian.PutUint32(dst[at0:], uint32((len(dst)-base)/4))
	return dst
}

// appendWords appends ^0 and words, packTrial's form of a trial whose
// spikes' indices would take more bytes than its words.
func appendWords(dst []byte, words []uint64) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, ^uint32(0))
	return append(dst, wordBytes(words)...)
}

// takeSpikes sets p's bitmask from one step of every rank's block in
// recv (what packSpikes appended), rank r's read from recv[at[r]:], which
// it advances past it — except rank skip's (−1: none), which this rank's
// own update wrote. When p lists its spikes every step it lists them from
// the same bytes, rank after rank, so each trial's list comes out in
// increasing order, as spikeIndices makes it; otherwise the lists are
// left to be made when asked. It returns the step's spikes.
func (rk *ranks[T]) takeSpikes(p *Population[T], rp *rankPop, recv []byte, skip int) int {
	all := p.lists.all
	for b := 0; b < p.Batch; b++ {
		if all {
			p.lists.events[b] = p.lists.events[b][:0]
		} else {
			p.lists.at[b] = -1
		}
	}
	count := 0
	for r := range rk.size {
		w0, w1 := rp.lo[r]/64, (rp.hi[r]+63)/64
		in := recv[rk.at[r]:]
		read := 0
		for b := 0; b < p.Batch; b++ {
			words := p.Spikes[b*p.Words+w0 : b*p.Words+w1]
			k := binary.LittleEndian.Uint32(in[read:])
			read += 4
			if k == ^uint32(0) {
				if r != skip {
					copy(wordBytes(words), in[read:read+8*len(words)])
				}
				read += 8 * len(words)
				for _, w := range words {
					count += bits.OnesCount64(w)
				}
				if all {
					p.lists.events[b] = kernels.SpikeIndices(p.lists.events[b], words, int32(w0<<6))
				}
				continue
			}
			if r != skip {
				clear(words)
			}
			list := p.lists.events[b]
			for range k {
				j := int32(binary.LittleEndian.Uint32(in[read:]))
				read += 4
				if r != skip {
					words[int(j)>>6-w0] |= 1 << (j & 63)
				}
				if all {
					list = append(list, j)
				}
			}
			if all {
				p.lists.events[b] = list
			}
			count += int(k)
		}
		rk.at[r] += read
	}
	return count
}

// holdBlocks drops the state of neurons outside this rank's blocks and
// the weights onto them, which it never steps: each population keeps its
// block's state (holdState), a dense projection its target block's
// columns, a sparse one the synapses onto its block (every row's targets
// in the block, in their order). Procedural weights are regenerated per
// range and hold nothing. What is kept sums in the one-process order, so
// the bits do not change; the rest is left to the collector.
func (n *Network[T]) holdBlocks() {
	rk := n.ranks
	for i, in := range n.incoming {
		lo, hi := rk.pops[i].lo[rk.rank], rk.pops[i].hi[rk.rank]
		n.pops[i].holdState(lo, hi)
		for _, pr := range in {
			switch p := pr.(type) {
			case *Dense[T]:
				p.holdColumns(lo, hi)
			case *Sparse[T]:
				p.holdTargets(lo, hi)
			}
		}
	}
}

// holdState lays every per-neuron array of a population built whole out
// for neurons lo…hi−1 alone (see Population), keeping their values there:
// the state, the delay rings, the per-neuron parameters' constants.
func (p *Population[T]) holdState(lo, hi int) {
	if p.hold != nil {
		return // built holding it: SetRanks checks that it is this block
	}
	from := p.layout()
	to := layout{batch: p.Batch, off: lo, stride: strideFor(hi - lo)}
	for _, x := range []*[]T{&p.V, &p.I, &p.Iin} {
		*x = relay(*x, from, to, lo, hi, alignedSlice[T])
	}
	for k := range p.extraI {
		p.extraI[k] = relay(p.extraI[k], from, to, lo, hi, alignedSlice[T])
		p.extraIin[k] = relay(p.extraIin[k], from, to, lo, hi, alignedSlice[T])
	}
	if p.Refrac != nil {
		p.Refrac = relay(p.Refrac, from, to, lo, hi, func(n int) []int32 { return make([]int32, n) })
	}
	for k, ring := range p.rings {
		if ring == nil {
			continue
		}
		was, size := p.Batch*from.stride, p.Batch*to.stride
		held := alignedSlice[T](p.ringDepth * size)
		for s := range p.ringDepth {
			copy(held[s*size:(s+1)*size], relay(ring[s*was:(s+1)*was], from, to, lo, hi, alignedSlice[T]))
		}
		p.rings[k] = held
	}
	p.Stride, p.off, p.hold = to.stride, lo, &[2]int{lo, hi}
	if p.gen != nil && p.gen.per != nil {
		p.setPerNeuron()
	}
}

// relay copies neurons lo…hi−1 of every trial of x, laid out as from,
// into a new array laid out as to, which alloc makes.
func relay[E any](x []E, from, to layout, lo, hi int, alloc func(int) []E) []E {
	out := alloc(to.batch * to.stride)
	for b := range to.batch {
		copy(out[to.at(b, lo):to.at(b, hi)], x[from.at(b, lo):from.at(b, hi)])
	}
	return out
}

// layout places neuron i of trial b of an array at b*stride+i−off: a
// population's state (at), its whole output (0, N), rank 0's seen copy.
type layout struct{ batch, off, stride int }

func (l layout) at(b, i int) int { return b*l.stride + i - l.off }

// layout is the layout of p's state arrays.
func (p *Population[T]) layout() layout { return layout{p.Batch, p.off, p.Stride} }

// seenState is what rank 0's recorders read of a population of a network
// split over ranks: V, I and Iin (by Var) of neurons 0…n−1, up to the
// last traced, in rows of n per trial; gatherState writes the traced
// neurons' values from every rank into it before the recorders read them.
type seenState[T Float] struct {
	v [3][]T
	n int
	// traced[i] says whether neuron i is gathered (the others read 0).
	traced []bool
}

func newSeen[T Float](batch int, traced []int) *seenState[T] {
	n := traced[len(traced)-1] + 1
	s := &seenState[T]{n: n, traced: make([]bool, n)}
	for v := range s.v {
		s.v[v] = make([]T, batch*n)
	}
	for _, i := range traced {
		s.traced[i] = true
	}
	return s
}

func (s *seenState[T]) layout(batch int) layout { return layout{batch, 0, s.n} }

// Trial is trial b's values of v (VarV, VarI or VarIin) as recorders read
// them, neuron i at index i: the state's row (Row) in one process; on
// rank 0 of a network split over ranks, the values of the neurons it
// traces gathered from every rank (SetRanks), up to the last traced.
func (p *Population[T]) Trial(v Var, b int) []T {
	if s := p.seen; s != nil {
		return s.v[v][b*s.n : (b+1)*s.n]
	}
	return p.Row(p.State(v), b)
}

// readable says whether Trial holds v's values of the neurons (nil:
// every neuron): always in one process; on a network split over ranks,
// only on rank 0 and only for the neurons SetRanks was told it traces.
// Recorders check it before a run, so that a recorder the traced list
// does not cover stops the run with an error instead of reading another
// rank's neurons as zeros or past its block.
func (p *Population[T]) readable(v Var, neurons []int) error {
	if v == VarS {
		return nil
	}
	s := p.seen
	if s == nil {
		if lo, hi := p.Held(); lo == 0 && hi == p.N {
			return nil
		}
		return fmt.Errorf("population %q is split over ranks and its %s is not gathered to this process: only rank 0 reads state, of the neurons SetRanks lists as traced", p.Name, v)
	}
	if neurons == nil {
		if s.n < p.N || slices.Contains(s.traced, false) {
			return fmt.Errorf("population %q: a recorder reads the %s of every neuron but SetRanks' traced list gathers only some of them to rank 0", p.Name, v)
		}
		return nil
	}
	for _, i := range neurons {
		if i < 0 || i >= s.n || !s.traced[i] {
			return fmt.Errorf("population %q: a recorder reads neuron %d's %s, which SetRanks' traced list does not gather to rank 0", p.Name, i, v)
		}
	}
	return nil
}

// Held is the block of neurons p holds the state of and projections onto
// p draw and hold weights for (see NewHeldPopulation, SetRanks): 0, N
// unless it holds one.
func (p *Population[T]) Held() (lo, hi int) {
	if p.hold == nil {
		return 0, p.N
	}
	return p.hold[0], p.hold[1]
}

// holdColumns keeps only W's columns lo … hi−1 of the NOut it holds.
func (d *Dense[T]) holdColumns(lo, hi int) {
	if d.w0 == lo && d.ldw == hi-lo {
		return // built holding them (NewHeldPopulation)
	}
	w := hugepage.Make[T](d.NIn * (hi - lo))
	for j := range d.NIn {
		copy(w[j*(hi-lo):(j+1)*(hi-lo)], d.W[j*d.ldw+lo-d.w0:])
	}
	d.W, d.w0, d.ldw = w, lo, hi-lo
}

// holdTargets keeps only the synapses onto neurons lo … hi−1.
func (s *Sparse[T]) holdTargets(lo, hi int) {
	held := true
	for _, g := range s.Groups {
		for k := range g.Synapses() {
			held = held && g.Target(k) >= lo && g.Target(k) < hi
		}
	}
	if held {
		return // built holding them (NewHeldPopulation), or none outside
	}
	r := Range{Lo: lo, Hi: hi}
	for gi := range s.Groups {
		g := &s.Groups[gi]
		kept := 0
		for j := range s.NIn {
			a, e := g.span(j, r, false)
			kept += e - a
		}
		h := SparseGroup[T]{Delay: g.Delay, RowPtr: make([]int, s.NIn+1), Uniform: g.Uniform}
		if g.Col16 != nil {
			h.Col16 = make([]uint16, 0, kept)
		} else {
			h.Col = make([]int32, 0, kept)
		}
		if g.W != nil {
			h.W = make([]T, 0, kept)
		}
		for j := range s.NIn {
			a, e := g.span(j, r, false)
			if g.Col16 != nil {
				h.Col16 = append(h.Col16, g.Col16[a:e]...)
			} else {
				h.Col = append(h.Col, g.Col[a:e]...)
			}
			if g.W != nil {
				h.W = append(h.W, g.W[a:e]...)
			}
			h.RowPtr[j+1] = h.Synapses()
		}
		*g = h
	}
}

// WeightBytes is the memory of the dense and sparse weights this process
// holds (a sparse projection's targets and row offsets included): over
// ranks, only those onto its blocks.
func (n *Network[T]) WeightBytes() int64 {
	elem := int64(sizeOf[T]())
	total := int64(0)
	for _, pr := range n.projs {
		switch p := pr.(type) {
		case *Dense[T]:
			total += int64(len(p.W)) * elem
		case *Sparse[T]:
			for _, g := range p.Groups {
				total += g.IndexBytes() + int64(len(g.W))*elem + int64(len(g.RowPtr))*8
			}
		}
	}
	return total
}

// Ranks is the number of ranks the network is split over (1 when not).
func (n *Network[T]) Ranks() int {
	if n.ranks == nil {
		return 1
	}
	return n.ranks.size
}

// ExchangeEvery is the steps between spike exchanges: 1 when the ranks
// exchange after every population's update (and without ranks), more
// with min-delay exchange, a run's last window being shorter.
func (n *Network[T]) ExchangeEvery() int {
	if n.ranks == nil || n.ranks.window == 0 {
		return 1
	}
	return n.ranks.window
}

// ExchangeTime is the time this rank spent exchanging spikes and
// gathering state.
func (n *Network[T]) ExchangeTime() time.Duration {
	if n.ranks == nil {
		return 0
	}
	return n.ranks.took
}

// split is population i's work on this rank for threads workers: its
// block cut into at most limit 64-aligned ranges over every trial, like
// splitRanges' cut by neurons. A rank with no neurons of p gets no ranges.
func (rk *ranks[T]) split(i int, p *Population[T], threads, limit int) ([]Range, int) {
	lo, hi := rk.pops[i].lo[rk.rank], rk.pops[i].hi[rk.rank]
	if hi <= lo {
		return nil, 1
	}
	k, c := shares(p.Batch*(hi-lo), threads, math.MaxInt)
	c = max(k, min(c, limit))
	out := splitRangesN(hi-lo, c)
	for j := range out {
		out[j] = Range{0, p.Batch, out[j].Lo + lo, out[j].Hi + lo}
	}
	return out, max(1, min(k, len(out)))
}

// gathers reports whether population i's state is gathered to rank 0
// before its recorders read it; false without ranks.
func (rk *ranks[T]) gathers(i int) bool { return rk != nil && len(rk.pops[i].traced) > 0 }

// gatherState gathers the traced neurons' V, I and Iin of population i
// to rank 0.
func (rk *ranks[T]) gatherState(i int, p *Population[T]) error {
	rp := rk.pops[i]
	began := time.Now()
	c := &rp.state
	send := c.send[:0]
	for _, x := range [][]T{p.V, p.I, p.Iin} {
		send = packAt(send, x, p.layout(), rp.tracedOn(rk.rank))
	}
	if err := rk.ex.Gatherv(send, c.recv, c.counts, c.displs, 0); err != nil {
		return fmt.Errorf("gathering the state of %q: %w", p.Name, err)
	}
	if s := p.seen; s != nil {
		for r := range rk.size {
			in := c.recv[c.displs[r] : c.displs[r]+c.counts[r]]
			for _, x := range s.v {
				in = unpackAt(x, in, s.layout(p.Batch), rp.tracedOn(r))
			}
		}
	}
	rk.took += time.Since(began)
	return nil
}

// exchange gathers population i's step onto every rank: its spikes,
// and a non-spiking population's V, into its whole output.
// While the spikes are in flight, population i+1 runs its early part
// (see ranks). It returns the step's spike count over every rank. With
// min-delay exchange it only keeps this rank's spikes for the next
// Flush, and returns 0; with the exchange ahead it takes them from the
// collective before the step (takeAhead).
func (rk *ranks[T]) exchange(n *Network[T], i int, p *Population[T]) (int, error) {
	rp := rk.pops[i]
	if rk.window > 0 {
		rk.steps.send = packSpikes(rk.steps.send, p, rp, rk.rank)
		return 0, nil
	}
	if rk.ahead {
		return rk.takeAhead(n, i, p)
	}
	began := time.Now()
	c := &rp.mask
	send := packSpikes(c.send[:0], p, rp, rk.rank)
	last := i == len(rk.pops)-1
	if last {
		send = rk.appendVote(send[:c.counts[rk.rank]-voteBytes])
	} else {
		send = send[:c.counts[rk.rank]]
	}
	var err error
	if !last && n.phases[i+1].begun {
		if err = rk.ex.Iallgatherv(send, c.recv, c.counts, c.displs); err == nil {
			rk.took += time.Since(began)
			n.runPhase(n.phases[i+1], phaseEarly)
			began = time.Now()
			err = rk.ex.Wait()
		}
	} else {
		err = rk.ex.Allgatherv(send, c.recv, c.counts, c.displs)
	}
	if err != nil {
		return 0, fmt.Errorf("exchanging the spikes of %q: %w", p.Name, err)
	}
	if last {
		rk.readVotes(c)
	}
	copy(rk.at, c.displs)
	count := rk.takeSpikes(p, rp, c.recv, rk.rank)
	for b := range p.listed {
		p.listed[b] = p.lists.all // finishStep need not list them again
	}
	if p.valued() {
		c := &rp.out
		send := packRows(c.send[:0], p.V, p.layout(), rp.lo[rk.rank], rp.hi[rk.rank])
		if err := rk.ex.Allgatherv(send, c.recv, c.counts, c.displs); err != nil {
			return 0, fmt.Errorf("exchanging the values of %q: %w", p.Name, err)
		}
		for r := range rk.size {
			unpackRows(p.out, c.recv[c.displs[r]:c.displs[r]+c.counts[r]], layout{p.Batch, 0, p.N}, rp.lo[r], rp.hi[r])
		}
	}
	rk.took += time.Since(began)
	return count, nil
}

// SetVote makes the exchanges of a run over ranks carry a vote from every
// rank, for an agreement that would otherwise cost a collective of its
// own (the session's: whether to stop at this step). vote is called on
// every rank just before the last collective of each exchange — the
// collective before each step when the ranks exchange ahead, the last
// population's spike words of each step, or each Flush of min-delay
// exchange — and Vote then returns the largest of the ranks' votes.
// Without ranks it does nothing.
func (n *Network[T]) SetVote(vote func() int64) {
	if n.ranks != nil {
		n.ranks.vote = vote
	}
}

// Vote returns the largest vote of any rank that the last exchange
// carried (see SetVote), and whether an exchange carried one since Vote
// was last called: the same on every rank. Without ranks it returns
// false.
func (n *Network[T]) Vote() (int64, bool) {
	rk := n.ranks
	if rk == nil || !rk.fresh {
		return 0, false
	}
	rk.fresh = false
	return rk.voted, true
}

// appendVote appends this rank's vote (0 without SetVote) to send.
func (rk *ranks[T]) appendVote(send []byte) []byte {
	v := int64(0)
	if rk.vote != nil {
		v = rk.vote()
	}
	return binary.LittleEndian.AppendUint64(send, uint64(v))
}

// readVotes keeps the largest of the votes at the end of every rank's
// block of c.
func (rk *ranks[T]) readVotes(c *collective) {
	rk.voted, rk.fresh = math.MinInt64, true
	for r := range rk.size {
		end := c.displs[r] + c.counts[r]
		rk.voted = max(rk.voted, int64(binary.LittleEndian.Uint64(c.recv[end-voteBytes:end])))
	}
}

// wordBytes is the size of rank r's block of p's spike words, every
// trial.
func (rp *rankPop) wordBytes(batch, r int) int { return batch * rp.blockWords(r) * 8 }

// blockWords is the number of spike words of a trial in rank r's block.
func (rp *rankPop) blockWords(r int) int { return (rp.hi[r]+63)/64 - rp.lo[r]/64 }

// tracedOn are the traced neurons in rank r's block.
func (rp *rankPop) tracedOn(r int) []int { return rp.traced[rp.tracedAt[r]:rp.tracedAt[r+1]] }

// packAt appends x's values of the given neurons (increasing) of every
// trial, x laid out as l, to dst: a run of consecutive neurons as one row
// piece.
func packAt[T Float](dst []byte, x []T, l layout, neurons []int) []byte {
	switch {
	case len(neurons) == 0:
		return dst
	case neurons[len(neurons)-1]-neurons[0] == len(neurons)-1:
		return packRows(dst, x, l, neurons[0], neurons[len(neurons)-1]+1)
	}
	for b := range l.batch {
		for _, j := range neurons {
			dst = append(dst, valueBytes(x[l.at(b, j):][:1])...)
		}
	}
	return dst
}

// unpackAt copies what packAt appended from in back into x, laid out as
// l, and returns the rest of in.
func unpackAt[T Float](x []T, in []byte, l layout, neurons []int) []byte {
	switch {
	case len(neurons) == 0:
		return in
	case neurons[len(neurons)-1]-neurons[0] == len(neurons)-1:
		return unpackRows(x, in, l, neurons[0], neurons[len(neurons)-1]+1)
	}
	for b := range l.batch {
		for _, j := range neurons {
			in = in[copy(valueBytes(x[l.at(b, j):][:1]), in):]
		}
	}
	return in
}

// packRows appends x's neurons lo..hi−1 of every trial, x laid out as l,
// to dst.
func packRows[T Float](dst []byte, x []T, l layout, lo, hi int) []byte {
	for b := range l.batch {
		dst = append(dst, valueBytes(x[l.at(b, lo):l.at(b, hi)])...)
	}
	return dst
}

// unpackRows copies what packRows appended from in back into x, laid out
// as l, and returns the rest of in.
func unpackRows[T Float](x []T, in []byte, l layout, lo, hi int) []byte {
	for b := range l.batch {
		row := valueBytes(x[l.at(b, lo):l.at(b, hi)])
		copy(row, in)
		in = in[len(row):]
	}
	return in
}

// wordBytes and valueBytes view a slice's memory as bytes, the unit the
// collectives carry; every rank is the same machine type.
func wordBytes(x []uint64) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 8*len(x))
}

func valueBytes[T Float](x []T) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), len(x)*sizeOf[T]())
}
