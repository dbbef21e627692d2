package engine

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Team stepping. A network whose step is short — CUBA's 4000 neurons take
// about a microsecond — gains nothing from the pool: a phase handed to it
// costs a hand-off and barrier (BenchmarkPoolBarrier) that is a large
// part of the phase, since workers take items from a shared counter and
// report to another. Such a network steps as a team instead: each worker
// holds, for every population split across the team, one fixed range of
// it (worker w runs range w, the caller range 0), chosen once, and every
// phase the team shares is handed over by moving the waker's epoch and
// closed by each worker storing that epoch in a flag of its own cache line,
// on which the caller spins. A phase then costs two cache-line transfers
// on its critical path (BenchmarkTeamBarrier). Between phases the workers
// poll for the next one and park after teamSpin, as the pool's do after
// spinFor, so that a run's end leaves them parked.
//
// A worker that is not running — parked, or its virtual CPU taken by
// another process — must not stall the step: each worker claims its range
// of a phase before it runs it, and the caller, once its own range is done
// and the worker has not claimed its own within teamGrace polls, claims
// and runs it itself (at once, the next phase, for a worker it had to
// stand in for). A claim is a compare-and-swap on a line of the worker's
// own that the caller reads only then, so a present worker claims in its
// own cache. Which goroutine runs a range does not change its bits.
//
// A phase is either the team's — every worker runs its range, and the
// caller waits for all — or the caller's alone, which costs no hand-off:
// a population too small to split (below teamMinShare updates a worker)
// is stepped whole by the caller while the workers poll. The serial part
// of a step (sources, spike lists, recorders, the fused input's gather)
// runs on the caller between phases, as with the pool, so the step's
// order and its bits are those of one thread.
//
// prepareTeam chooses team stepping when the step is small (at most
// teamMaxWork neuron updates), and so the pool's fixed costs count: more
// than one thread, no more threads than processors (GOMAXPROCS; every
// team phase waits for every worker, and a worker without a processor
// would stall each one, where the pool's caller takes its items), no
// ranks, no time-blocked stepping, and sources and input blocks that need
// no more than one thread. Otherwise the pool steps the network.

// While every worker rests the caller runs each phase alone and whole
// (teamJob.solo), publishing nothing: one thread's work, without the
// team's ranges.

// teamMaxWork is the most neuron updates (Σ batch × neurons) a step may
// have for the network to step as a team. Above it a step's phases are
// several microseconds each, long enough for the pool's hand-off not to
// count and for its shared counter to balance cores that run at different
// speeds, which a team's fixed ranges cannot.
const teamMaxWork = 1 << 14

// teamMinShare is the fewest neuron updates per worker for which a
// population is split across the team. Each team phase costs a hand-off
// of some 50–100 ns, which a share of a few hundred updates (with its
// input) outweighs.
const teamMinShare = 256

// team is the workers of team stepping (see above).
type team struct {
	waker
	// j is the phase the current epoch publishes: the caller writes it
	// before moving the epoch, and every worker has reported the last
	// phase, so none still reads it.
	j job
	// done[w] is the last epoch worker w finished its range of;
	// claimed[w] the last epoch whose range w someone claimed (worker w,
	// or the caller standing in). Index 0, the caller's, is unused.
	done, claimed []teamFlag
	// stand[w] is the caller's record of worker w's presence; phase
	// counts the calls of run.
	stand  []standIn
	phase  uint64
	failed atomic.Pointer[workerPanic]
}

// teamJob is a phase a team runs: run(w) is worker w's range, solo the
// whole phase on one goroutine.
type teamJob interface {
	job
	solo()
}

// standIn is what the caller knows of a worker it may stand in for: whether
// it did the last phase (absent), for how many phases in a row (missed),
// and, for a worker it gave up waking, the phase from which it is woken
// again (wakeAt) and how many phases the next such rest lasts.
type standIn struct {
	absent       bool
	missed       int
	wakeAt, rest uint64
}

// teamFlag is an epoch alone on its cache line, so that storing one does
// not take the line another is polled on.
type teamFlag struct {
	_     [64]byte
	epoch atomic.Uint64
	_     [56]byte
}

// teamSpin is how long a team's worker polls for the next phase before it
// parks. A team's steps are short, and the gaps between its phases a few
// microseconds at most, so a longer wait means the caller is not running
// — on a loaded machine, its thread descheduled, perhaps on the worker's
// own core —, and the polling worker would only keep it from running.
// Parked, the worker is woken by the next phase, which the caller runs
// alone until the worker is back (see above).
const teamSpin = 50 * time.Microsecond

// A worker the caller stood in for teamMissLimit phases in a row, though
// woken, is left parked for a rest of teamRestMin phases, then woken
// again; each rest that ends the same way is twice as long, up to
// teamRestMax phases. On a loaded machine, the worker and the caller may
// share one core, where waking the worker only takes the caller's turns
// (its polls, and each wake through the OS): the network then steps on
// the caller alone, at one thread's speed, and takes the worker back
// once it claims its range again. In phases of about half a microsecond,
// the longest rest is some 30 ms.
const (
	teamMissLimit = 64
	teamRestMin   = 1 << 10
	teamRestMax   = 1 << 16
)

// teamGrace is how many polls the caller waits for a worker to claim its
// range, after finishing its own, before it claims it: about half a
// microsecond, far more than a running worker takes to see the phase.
const teamGrace = 256

func newTeam(n int) *team {
	tm := &team{done: make([]teamFlag, n), claimed: make([]teamFlag, n), stand: make([]standIn, n)}
	for w := range tm.stand {
		tm.stand[w].rest = teamRestMin
	}
	tm.init(n, teamSpin)
	for w := 1; w < n; w++ {
		go tm.loop(w)
	}
	return tm
}

func (tm *team) loop(w int) {
	tm.serve(w, func(e uint64) {
		// Every earlier phase's range was claimed before e was
		// published, so claimed[w] is e−1 unless the caller took this one.
		if tm.claimed[w].epoch.CompareAndSwap(e-1, e) {
			tm.share(w)
			tm.done[w].epoch.Store(e)
		}
	})
}

// share runs worker w's range of the current phase, turning a panic into
// tm.failed.
func (tm *team) share(w int) {
	defer catch(&tm.failed, w)
	tm.j.run(w)
}

// run runs j.run(w) for every worker w, the caller's share (w = 0) on the
// calling goroutine, and returns when all are done. The caller runs a
// worker's share too where the worker has not claimed it in time (see
// above); the phase is over only once every share has been claimed and
// run, so j is not read after run returns.
func (tm *team) run(j teamJob) {
	tm.phase++
	if tm.resting() {
		j.solo()
		return
	}
	tm.j = j
	e := tm.epoch.Add(1)
	for w := 1; w < tm.n; w++ {
		if tm.phase >= tm.stand[w].wakeAt {
			tm.wakeWorker(w)
		}
	}
	tm.share(0)
	// The caller polls as the pool's does (callerSpinner): it may be a
	// thread locked by C, for which a yield is dear.
	var s callerSpinner
	for w := 1; w < tm.n; w++ {
		st := &tm.stand[w]
		stood := false
		for polls := 0; !stood && tm.done[w].epoch.Load() != e; polls++ {
			if (polls == 0 && st.absent || polls == teamGrace) && tm.claimed[w].epoch.CompareAndSwap(e-1, e) {
				tm.share(w)
				stood = true
				continue
			}
			s.poll()
		}
		st.absent = stood
		switch {
		case !stood:
			st.missed, st.rest = 0, teamRestMin
		case st.missed+1 < teamMissLimit:
			st.missed++
		default:
			st.missed, st.wakeAt, st.rest = 0, tm.phase+st.rest, min(2*st.rest, teamRestMax)
		}
	}
	if f := tm.failed.Swap(nil); f != nil {
		panic(f.String())
	}
}

// resting reports whether every worker rests this phase.
func (tm *team) resting() bool {
	for w := 1; w < tm.n; w++ {
		if tm.phase < tm.stand[w].wakeAt {
			continue
		}
		return false
	}
	return true
}

// teamSize is how many workers a team on threads threads has: one per
// thread, up to the processors Go runs on (see above).
func teamSize(threads int) int { return min(threads, runtime.GOMAXPROCS(0)) }

// prepareTeam decides whether the network steps as a team of threads
// threads (see above), which it does only if some population is worth
// splitting, and if so gives each population its team ranges; others is
// the most workers the sources, input blocks and time blocks take. It
// returns whether the team steps.
func (n *Network[T]) prepareTeam(threads, others int) bool {
	k := teamSize(threads)
	work := 0
	for _, p := range n.pops {
		work += p.Batch * p.N
	}
	ranges := make([][]Range, len(n.phases))
	split := false
	if k >= 2 && !n.noTeam && n.ranks == nil && n.blocked == nil && others <= 1 && work <= teamMaxWork {
		for i, ph := range n.phases {
			ranges[i] = teamRanges(ph.pop, k, wantsTrials(n.incoming[i]))
			split = split || ranges[i] != nil
		}
	}
	if !split {
		// Nothing to share (or not small): the pool's ranges stand.
		if n.team != nil {
			n.team.close()
			n.team = nil
		}
		n.cutRanges(false)
		return false
	}
	for i, ph := range n.phases {
		ph.ranges, ph.workers = ranges[i], k
		if ph.ranges == nil {
			ph.ranges, ph.workers = []Range{ph.pop.All()}, 1
		}
		ph.counts = make([]int, len(ph.ranges))
		ph.task.set(ph, len(ph.ranges), ph.workers)
	}
	n.cutRanges(true)
	if n.team == nil || n.team.n != k {
		if n.team != nil {
			n.team.close()
		}
		n.team = newTeam(k)
	}
	return true
}

// rangeCutter is a projection that can precompute where its rows meet the
// fixed boundaries of its target's ranges (Sparse.cutAt), so that a
// team's range finds its part of a row without a search.
type rangeCutter interface{ cutAt(bounds []int) }

// cutRanges gives every rangeCutter its target's inner range boundaries
// under team stepping, and none otherwise (the pool's ranges are many
// and each is worth its searches).
func (n *Network[T]) cutRanges(team bool) {
	for i, ph := range n.phases {
		var bounds []int
		for _, r := range ph.ranges {
			if team && r.Lo > 0 {
				bounds = append(bounds, r.Lo)
			}
		}
		for _, pr := range n.incoming[i] {
			if c, ok := pr.(rangeCutter); ok {
				c.cutAt(bounds)
			}
		}
	}
}

// teamRanges cuts pop into k ranges, one per worker of a team, or returns
// nil when it is too small to share (teamMinShare): by trials where
// splitRanges would, else by 64-neuron blocks, else by trials if it has
// enough.
func teamRanges[T Float](pop *Population[T], k int, byTrial bool) []Range {
	if pop.Batch*pop.N < k*teamMinShare {
		return nil
	}
	blocks := (pop.N + 63) / 64
	switch {
	case trialSplit(pop, k, byTrial) || blocks < k && pop.Batch >= k:
		return cutTrials(pop, k)
	case blocks >= k:
		return cutNeurons(pop, k)
	}
	return nil
}
