package engine

import (
	"math/bits"
	"slices"
	"time"

	"github.com/klauspost/cpuid/v2"
)

// Time-blocked stepping. A population whose input comes only from sources
// known ahead of the step (Poisson trains, 0/1 arrays) through dense
// projections, stored or procedural, and whose spikes nothing reads, does
// not need the rest of the network between its steps. Its neurons are
// then advanced a block of neurons at a time over many steps: for each
// step, kernels.LeakyRows sums the piece of each weight row of that step's
// input spikes that the block covers in registers and updates the block's
// neurons, whose V and I stay in L2 from step to step. Per step, the state
// is no longer read and written from the last-level cache or memory; what
// is left is reading the weight rows, the floor for stored weights. That
// pays only where the state would not stay in the last-level cache between
// steps (blockedMinState): below that, per-step stepping reads it from
// there almost for free, and a block's row pieces, each a stream the
// prefetchers pick up anew, cost more than it saves (BenchmarkBlocked).
// Procedural weights are regenerated into the block's input a chunk of
// procChunk neurons at a time (every spike's numbers of the chunk, in L1)
// and the chunk updated at once; streaming no rows, such blocks pay once
// the state leaves L2 (blockedMinStateProcedural).
//
// The bits are those of per-step stepping: every neuron's input is summed
// from zero over the same rows in the same order, and LeakyRows is
// clearing Iin, adding the rows and LeakyUpdate. The spikes of each step
// go to a mask per step; once the block has run, every step is replayed in
// order for the rest of the schedule — each recorder's RecordState (from
// the state staged per step inside the block when a recorder reads it: the
// named neurons' alone when every such recorder names the few it reads),
// the step's spikes into the bitmask and event lists, RecordSpikes — so
// recorders see every step as per-step stepping shows it. Checkpoints and
// interruptions act between blocks, which Run ends at every multiple of
// the alignment SetBlockAlign sets.

// stateReader is a recorder that says whether its RecordState reads the
// population's V, I or Iin. A recorder that does not say is taken to read
// them, and blocked stepping stages them for it at every step.
type stateReader interface{ ReadsState() bool }

// ReadsState reports whether the trace reads state in RecordState (not VarS).
func (r *Trace[T]) ReadsState() bool { return r.Var != VarS }

// ReadsState reports whether the stream reads state in RecordState (not VarS).
func (r *StreamTrace[T]) ReadsState() bool { return r.Var != VarS }

// ReadsState is false: spikes are read after the update.
func (r *SpikeRecorder[T]) ReadsState() bool { return false }

// ReadsState is false: spikes are read after the update.
func (r *StreamSpikes[T]) ReadsState() bool { return false }

// fewStateReader is a recorder whose RecordState reads V, I and Iin of a
// few neurons only, which it names as (trial, neuron) pairs (nil: it may
// read any). Blocked stepping then keeps those neurons' state of every
// step of a block, instead of staging the whole population's, and puts it
// in place while the recorder reads.
type fewStateReader interface{ StateNeurons() [][2]int }

// StateNeurons names the trace's neurons in every trial, when there are
// at most pickMax of them.
func (r *Trace[T]) StateNeurons() [][2]int { return traceCells(r.Pop.Batch, r.Neurons) }

// StateNeurons names the stream's neurons in every trial, when there are
// at most pickMax of them.
func (r *StreamTrace[T]) StateNeurons() [][2]int { return traceCells(r.Pop.Batch, r.Neurons) }

// traceCells returns the (trial, neuron) pairs of neurons in every one of
// batch trials, or nil when neurons is nil (all) or the pairs would number
// more than pickMax.
func traceCells(batch int, neurons []int) [][2]int {
	if StagesState(batch, neurons) {
		return nil
	}
	out := make([][2]int, 0, batch*len(neurons))
	for b := range batch {
		for _, i := range neurons {
			out = append(out, [2]int{b, i})
		}
	}
	return out
}

// pickMax is the most neurons (trial × neuron) whose state blocked
// stepping keeps step by step for recorders that name them; more, and it
// stages the whole population's.
const pickMax = 1024

// StagesState reports whether a recorder of the state of neurons (nil:
// all) in each of batch trials makes a population stepped in blocks stage
// its whole state (PopulationShape.StagedState).
func StagesState(batch int, neurons []int) bool {
	return neurons == nil || batch*len(neurons) > pickMax
}

const (
	// blockedWidth is the neurons of one block: V and I are 128 KiB each
	// in float32, so a block's state stays in L2 beside the rows passing
	// through, and a weight row's piece is 128 KiB, long enough for the
	// prefetchers.
	blockedWidth = 32768
	// blockedMaxSteps bounds the steps of a block: past 32, the state
	// traffic left (a 32nd of per-step stepping's) no longer shows.
	blockedMaxSteps = 32
	// stepsMaxRows bounds the rows of the steps LeakyRowsSteps takes
	// together, and stepsMax their number: every row is a stream read
	// side by side with the others and V and I.
	stepsMaxRows = 8
	stepsMax     = 16
	// blockedStage bounds the memory of the state staged for recorders.
	blockedStage = 64 << 20
	// blockedMasks bounds the memory of a block's spike masks, which the
	// memory estimate (Memory.AddPopulation) does not count: at 10^7
	// neurons, 32 steps' masks would be 40 MB, a quarter of the state,
	// and three steps still leave a third of the state traffic.
	blockedMasks = 4 << 20
	// blockedMinStateUnknown is blockedMinState where the CPU does not
	// report its last-level cache: a large one's, so that blocks are
	// taken only where they surely pay.
	blockedMinStateUnknown = 32 << 20
)

// blockedMinState is the least state (V, I and Iin of every population)
// for which blocks surely pay: half the last-level cache. Per-step
// stepping streams each step's weight rows through that cache beside the
// state, so from about there the rows evict the state between steps and
// it comes from memory. Below it the state stays in the cache, and
// whether the blocks' shorter weight-row pieces cost what they save
// depends on the cache (BenchmarkBlocked measures both sides): the trial
// (blockTrial) decides.
var blockedMinState = func() int {
	if l3 := cpuid.CPU.Cache.L3; l3 > 0 {
		return l3 / 2
	}
	return blockedMinStateUnknown
}()

// blockedMinWeights is the stored weights past which a network whose state
// stays in L2 may still be stepped in blocks (the trial decides): the
// last-level cache. Such weights stream from memory a few rows a step,
// which LeakyRowsSteps reads several steps side by side, and a block meets
// its threads once instead of every step (BenchmarkFF/n=10000: 40 MB of
// weights, 120 KB of state).
var blockedMinWeights = func() int {
	if l3 := cpuid.CPU.Cache.L3; l3 > 0 {
		return l3
	}
	return blockedMinStateUnknown
}()

// blockedWholeState is the most state (V, I and Iin of every population)
// for which a blocked population's units are whole rows a thread
// (blockedPop.wide): an eighth of the last-level cache. At workload d's
// 2.4 MB such units step faster than blocks of blockedWidth neurons
// (BenchmarkFF/n=200000); at 12 MB (BenchmarkBlocked at 10^6 neurons),
// where the rows streaming through evict the state, they do not.
var blockedWholeState = func() int {
	if l3 := cpuid.CPU.Cache.L3; l3 > 0 {
		return l3 / 8
	}
	return blockedMinStateUnknown / 8
}()

// blockedMinStateProcedural is blockedMinState of a network with
// procedural weights, per thread: the per-core L2. Such a block streams no
// weight rows (it draws them), so it costs nothing per-step stepping does
// not, and it saves reading the state from the last-level cache every
// step (BenchmarkBlockedProcedural). Where each thread's share of the
// state fits its L2, per-step stepping keeps it there, and the few
// 32768-neuron blocks would split unevenly over the threads.
var blockedMinStateProcedural = func() int {
	if l2 := cpuid.CPU.Cache.L2; l2 > 0 {
		return l2
	}
	return 1 << 20
}()

// blockTuning overrides blocked stepping's choices, for tests: width
// replaces blockedWidth when set, and always steps in blocks whatever the
// size of the state; with always, trial still runs the trial (blockTrial),
// pick (trialSteps or trialBlocks) deciding its outcome.
type blockTuning struct {
	width  int
	always bool
	trial  bool
	pick   int
}

// blockTrial times the two ways of stepping a network that may be stepped
// in blocks where neither surely wins: the state is larger than every
// thread's L2 but smaller than blockedMinState, where which is faster
// depends on the cache in ways its sizes do not tell (BenchmarkBlocked).
// Both give the same bits, so the choice changes nothing but the time: the
// first trialUnits runs of a block's steps alternate between per-step
// stepping and blocks, and the faster per step is kept.
type blockTrial struct {
	units int              // runs done: even ones per step, odd ones in blocks
	took  [2]time.Duration // time per way
	steps [2]int           // steps per way
}

// trialUnits is the runs of the trial, half of them each way.
const trialUnits = 4

// The trial's outcomes, forced by blockTuning.pick.
const (
	trialTimed = iota
	trialSteps
	trialBlocks
)

// blockedNet steps the whole network a block of steps at a time. It exists
// only when every population qualifies (see prepareBlocked).
type blockedNet[T Float] struct {
	net  *Network[T]
	k    int // most steps per block
	pops []*blockedPop[T]
	// trial, while set, times per-step stepping against blocks on the
	// first steps (blockTrial). Where per-step stepping is the faster,
	// the network drops its blockedNet, and with it the masks and staged
	// state, and steps per step from then on.
	trial *blockTrial
	// inputs are the sources feeding the populations, with their events
	// of every step of the block.
	inputs []*blockedInput[T]
}

// blockedInput keeps a source's events for the steps of a block:
// lists[s*batch+b] holds step s's events of trial b.
type blockedInput[T Float] struct {
	src   Source[T]
	batch int
	lists [][]int32
}

// blockedPop is one population's part of a block, split over the workers in
// items of whole blocks of neurons.
type blockedPop[T Float] struct {
	pop *Population[T]
	in  []blockedProj[T]
	// items[i] is a run of units u0 ≤ u < u1, unit u being trial
	// u/perRow's neurons width·(u%perRow) … (+width).
	items         [][2]int
	width, perRow int
	// scratch[i] holds item i's input current for a step that sums it
	// in memory (see run).
	scratch [][]T
	// group[i] and counts[i] are item i's rows of the steps LeakyRowsSteps
	// takes together and their number a step (runSteps).
	group  [][][]T
	counts [][]int
	// rows[s*Batch+b] are the weight rows of step s's input spikes of
	// trial b, from column 0 of W, in the order they add.
	rows [][][]T
	// masks holds the block's spikes: step s's mask of trial b at
	// (s*Batch + b)*Words.
	masks []uint64
	// stage, when a recorder reads state, holds V, I and Iin of every
	// step of the block, Batch×Stride each: stage[3s+v].
	stage [][]T
	// picks, when every recorder that reads state names the few neurons
	// it reads (fewStateReader), are their offsets b·Stride + i, sorted,
	// and pickState their V, I and Iin at every step s of the block, at
	// 3·(s·len(picks) + j).
	picks     []int
	pickState []T
	recs      []Recorder[T]
	task      task
	workers   int
	steps     int // of the current block
	// iin is set when the block's last step must write Iin (run).
	iin      bool
	t0       int // the network's step the block starts at
	stateful bool
	// procedural is whether a projection in is procedural: its steps are
	// summed and updated a chunk at a time (see run).
	procedural bool
}

// blockedProj is a dense projection into a blocked population, stored (d)
// or procedural (pc, its weights regenerated from g), and the events it
// adds.
type blockedProj[T Float] struct {
	d  *Dense[T]
	pc *Procedural[T]
	g  normalRow
	in *blockedInput[T]
}

// SetBlockAlign makes blocks of time-blocked stepping end at every multiple
// of every steps (0: no alignment), so that what a caller does after those
// steps — a checkpoint — sees the network between blocks.
func (n *Network[T]) SetBlockAlign(every int) { n.blockAlign = max(every, 0) }

// prepareBlocked sets n.blocked when the whole network can be stepped in
// blocks, and its state is large enough for that to pay: no ranks, every
// population in the seed form with one receptor and no delays, fed only
// through dense projections (stored or procedural) from Poisson sources or
// 0/1 arrays, and read by no projection.
func (n *Network[T]) prepareBlocked(threads int) {
	n.blocked = nil
	if n.noBlocks || n.ranks != nil || len(n.pops) == 0 {
		return
	}
	bn := &blockedNet[T]{net: n, k: blockedMaxSteps}
	width := blockedWidth
	if n.tuning.width > 0 {
		width = n.tuning.width
	}
	state, weights := 0, 0
	inputs := map[Presynaptic[T]]*blockedInput[T]{}
	for _, pr := range n.projs {
		for _, p := range n.pops {
			if pr.Source() == Presynaptic[T](p) {
				return // a population's spikes are read within the step
			}
		}
	}
	for i, p := range n.pops {
		if p.gen != nil || p.coba != nil || p.extraI != nil || p.Refrac != nil || p.ringDepth > 0 || len(n.incoming[i]) == 0 {
			return
		}
		bp := &blockedPop[T]{pop: p, width: width, perRow: (p.N + width - 1) / width}
		for _, pr := range n.incoming[i] {
			var bj blockedProj[T]
			switch d := pr.(type) {
			case *Dense[T]:
				if d.Receptor != 0 || d.Delay != 0 {
					return
				}
				bj.d = d
				weights += len(d.W) * sizeOf[T]()
			case *Procedural[T]:
				bj.pc, bj.g = d, newNormalRow(d.Seed, d.Stream, d.Scale)
				bp.procedural = true
			default:
				return
			}
			if !knownAhead(pr.Source()) {
				return
			}
			src := pr.Source().(Source[T])
			in := inputs[pr.Source()]
			if in == nil {
				in = &blockedInput[T]{src: src, batch: src.BatchSize()}
				inputs[pr.Source()] = in
				bn.inputs = append(bn.inputs, in)
			}
			bj.in = in
			bp.in = append(bp.in, bj)
		}
		var picks []int
		for _, r := range n.recorders {
			if r.Population() != p {
				continue
			}
			bp.recs = append(bp.recs, r)
			if sr, ok := r.(stateReader); ok && !sr.ReadsState() {
				continue
			}
			var cells [][2]int
			if fr, ok := r.(fewStateReader); ok {
				cells = fr.StateNeurons()
			}
			if cells == nil {
				bp.stateful = true
			}
			for _, c := range cells {
				picks = append(picks, c[0]*p.Stride+c[1])
			}
		}
		slices.Sort(picks)
		if picks = slices.Compact(picks); len(picks) > pickMax {
			bp.stateful = true
		}
		if !bp.stateful {
			bp.picks = picks
		}
		bn.k = min(bn.k, blockSpan(sizeOf[T](), p.Batch, p.Stride, p.Words, bp.stateful))
		bn.pops = append(bn.pops, bp)
		state += 3 * p.Batch * p.Stride * sizeOf[T]()
	}
	least := blockedMinState
	for _, bp := range bn.pops {
		if bp.procedural {
			least = blockedMinStateProcedural * max(threads, 1)
		}
	}
	// Below every thread's L2 the state stays there between steps, and
	// blocks cannot pay unless stored weights past the last-level cache
	// stream from memory, whose rows LeakyRowsSteps reads several steps
	// side by side; between that and least, the trial decides.
	floor := min(least, blockedMinStateProcedural*max(threads, 1))
	if bn.k < 2 || state < floor && weights <= blockedMinWeights && !n.tuning.always {
		return
	}
	if state < least && !n.tuning.always || n.tuning.trial {
		bn.trial = &blockTrial{}
	}
	for _, in := range bn.inputs {
		in.lists = make([][]int32, bn.k*in.batch)
	}
	for _, bp := range bn.pops {
		if state <= blockedWholeState && !bp.procedural && n.tuning.width == 0 {
			bp.wide(threads)
		}
		bp.split(threads, bn.k)
	}
	n.blocked = bn
}

// wide makes each unit of the population a thread's share of a trial's
// neurons (whole mask words), instead of blockedWidth: where the state
// stays in the last-level cache beside the rows (blockedWholeState), a
// unit's V and I coming from there once per call of LeakyRowsSteps costs
// less than cutting every weight row into blockedWidth pieces, each a
// stream the prefetchers pick up anew.
func (bp *blockedPop[T]) wide(threads int) {
	threads = max(threads, 1)
	w := (bp.pop.N + threads - 1) / threads
	bp.width = max(64, (w+63)&^63)
	bp.perRow = (bp.pop.N + bp.width - 1) / bp.width
}

// blockSpan is the most steps a block of a population of batch trials,
// stride values and words mask words a trial, of elem bytes a value, may
// span within blockedMasks and, when its whole state is staged,
// blockedStage.
func blockSpan(elem, batch, stride, words int, staged bool) int {
	k := blockedMaxSteps
	if staged {
		k = min(k, blockedStage/(3*batch*stride*elem))
	}
	return min(k, blockedMasks/(batch*words*8))
}

// blockedBytes is what stepping in blocks holds for such a population
// besides its state, at most: the spike masks of every step of a block and,
// staged, V, I and Iin of each step; 0 where blocks would not span two
// steps, which leaves the network stepped step by step.
func blockedBytes(elem, batch, stride, words int, staged bool) int64 {
	k := int64(blockSpan(elem, batch, stride, words, staged))
	if k < 2 {
		return 0
	}
	b := k * int64(batch) * int64(words) * 8
	if staged {
		b += 3 * k * int64(batch) * int64(stride) * int64(elem)
	}
	return b
}

// knownAhead reports whether pre is a source whose spikes of any step are
// known before the network reaches it: Poisson trains and 0/1 arrays.
func knownAhead[T Float](pre Presynaptic[T]) bool {
	switch s := pre.(type) {
	case *Poisson[T]:
		return true
	case *Array[T]:
		return s.Binary
	}
	return false
}

// split cuts the population's units into items for up to threads workers,
// a few per worker so that faster cores take more, and allocates what the
// items and the replay need for blocks of up to k steps.
func (bp *blockedPop[T]) split(threads, k int) {
	p := bp.pop
	units := p.Batch * bp.perRow
	bp.workers = max(1, min(threads, units, p.Batch*p.N*k/minWorkPerThread))
	c := 1
	if bp.workers > 1 {
		c = min(units, 4*bp.workers)
	}
	bp.items = make([][2]int, c)
	bp.scratch = make([][]T, c)
	bp.group, bp.counts = make([][][]T, c), make([][]int, c)
	for i := range c {
		bp.items[i] = [2]int{units * i / c, units * (i + 1) / c}
		bp.scratch[i] = alignedSlice[T](bp.width)
	}
	bp.rows = make([][][]T, k*p.Batch)
	bp.masks = make([]uint64, k*p.Batch*p.Words)
	if bp.stateful {
		bp.stage = make([][]T, 3*k)
		for i := range bp.stage {
			bp.stage[i] = alignedSlice[T](p.Batch * p.Stride)
		}
	}
	bp.pickState = make([]T, 3*k*len(bp.picks))
	bp.task.set(bp, c, bp.workers)
}

// blockSteps is how many steps the block starting at step t runs when left
// steps remain in the Run call: up to k, ending at the next multiple of the
// alignment.
func (n *Network[T]) blockSteps(t, left int) int {
	m := min(left, n.blocked.k)
	if a := n.blockAlign; a > 0 {
		m = min(m, a-t%a)
	}
	return m
}

// advance runs the next steps of a Run call with left steps to go: a block
// when the network is blocked and more than one step fits, else one Step.
// It returns the steps done; on an error, the network is part-way through
// the block and continues correctly only from a restored state.
func (n *Network[T]) advance(left int) (int, error) {
	n.prepare()
	bn := n.blocked
	if bn == nil {
		return 1, n.stepOne(left)
	}
	m := n.blockSteps(n.step, left)
	if m < 2 {
		return 1, n.Step()
	}
	if bn.trial != nil {
		return m, bn.runTrial(m, left)
	}
	return m, bn.run(n.step, m, left)
}

// stepOne runs one step of a Run call with left steps to go, fused where
// Iin may go unwritten (fused.go): not the call's last step, nor one that
// ends at the alignment.
func (n *Network[T]) stepOne(left int) error {
	n.fusing = left > 1 && (n.blockAlign == 0 || (n.step+1)%n.blockAlign != 0)
	err := n.Step()
	n.fusing = false
	return err
}

// runTrial runs the next unit of the trial, steps steps from the
// network's step per step (with left steps of the Run call to go) or in a
// block, and times it; after the last it keeps the faster way.
func (bn *blockedNet[T]) runTrial(steps, left int) error {
	n, tr := bn.net, bn.trial
	way := tr.units % 2
	began := time.Now()
	var err error
	if way == 0 {
		for i := 0; i < steps && err == nil; i++ {
			err = n.stepOne(left - i)
		}
	} else {
		err = bn.run(n.step, steps, left)
	}
	tr.took[way] += time.Since(began)
	tr.steps[way] += steps
	if tr.units++; tr.units == trialUnits {
		perStep := tr.took[0].Seconds()/float64(tr.steps[0]) <= tr.took[1].Seconds()/float64(tr.steps[1])
		switch n.tuning.pick {
		case trialSteps:
			perStep = true
		case trialBlocks:
			perStep = false
		}
		bn.trial = nil
		if perStep {
			n.blocked = nil
		}
	}
	return err
}

// run advances the network by steps steps from step t0, with left steps
// of the Run call to go from t0. Iin is written at the block's last step
// only where it is seen from outside Run (the call's last step, the
// alignment) as fused stepping writes it (fused.go); elsewhere it is left
// stale, and syncInput recomputes it if asked.
func (bn *blockedNet[T]) run(t0, steps, left int) error {
	n := bn.net
	iin := steps == left || n.blockAlign > 0 && (t0+steps)%n.blockAlign == 0
	for _, bp := range bn.pops {
		bp.iin = iin
		bp.pop.inputStale = !iin
	}
	for s := range steps {
		if err := n.emitStep(t0 + s); err != nil {
			return err
		}
		for _, in := range bn.inputs {
			for b := range in.batch {
				l := &in.lists[s*in.batch+b]
				*l = append((*l)[:0], in.src.Events(b)...)
			}
		}
	}
	for _, bp := range bn.pops {
		bp.steps, bp.t0 = steps, t0
		bp.gather(steps)
		if bp.workers > 1 {
			n.pool.run(&bp.task)
		} else {
			for i := range bp.items {
				bp.run(i)
			}
		}
	}
	for s := range steps {
		t := t0 + s
		for _, bp := range bn.pops {
			if err := bp.replay(s, t); err != nil {
				n.step = t
				return err
			}
		}
		n.step = t + 1
	}
	return nil
}

// gather lists the weight rows of every step and trial of the block.
func (bp *blockedPop[T]) gather(steps int) {
	for s := range steps {
		for b := range bp.pop.Batch {
			l := bp.rows[s*bp.pop.Batch+b][:0]
			for _, pr := range bp.in {
				if pr.d == nil {
					continue // procedural: regenerated in run
				}
				for _, j := range pr.in.lists[s*pr.in.batch+b] {
					l = append(l, pr.d.W[int(j)*pr.d.NOut:])
				}
			}
			bp.rows[s*bp.pop.Batch+b] = l
		}
	}
}

// run advances item i's units over the block's steps, one step after
// another on each unit's V and I, which stay in L2 meanwhile (in the
// last-level cache for a unit of whole rows, blockedPop.wide). A step's
// input is summed in registers, as a fused step does (fused.go), unless
// something must see it: the stage, for a recorder that reads state; Iin,
// at the block's last step where it is written (iin); or a step of more
// than fusedMaxRows rows, whose side-by-side reads outrun the prefetching.
// Such a step clears its input, adds the rows into it and updates from it,
// as per-step stepping does. Consecutive summed steps go through
// kernels.LeakyRowsSteps together (runSteps) where no recorder picks a
// neuron of the unit, else through LeakyRows one by one.
func (bp *blockedPop[T]) run(i int) {
	p := bp.pop
	for u := bp.items[i][0]; u < bp.items[i][1]; u++ {
		b := u / bp.perRow
		lo := u % bp.perRow * bp.width
		hi := min(lo+bp.width, p.N)
		// The picks within the unit, picks[j0:j1].
		j0, _ := slices.BinarySearch(bp.picks, b*p.Stride+lo)
		j1, _ := slices.BinarySearch(bp.picks, b*p.Stride+hi)
		if j0 == j1 || bp.procedural {
			bp.runSpan(i, b, lo, hi, j0, j1)
			continue
		}
		// The mask words holding picks step one step at a time, their
		// picks' state kept at every step; the words between them take
		// several steps together.
		at := lo
		for j := j0; j < j1; {
			w0 := (bp.picks[j] - b*p.Stride) &^ 63
			w1 := min(w0+64, hi)
			k := j
			for k < j1 && bp.picks[k]-b*p.Stride < w1 {
				k++
			}
			if at < w0 {
				bp.runSpan(i, b, at, w0, j, j)
			}
			bp.runSpan(i, b, w0, w1, j, k)
			at, j = w1, k
		}
		if at < hi {
			bp.runSpan(i, b, at, hi, j1, j1)
		}
	}
}

// runSpan advances neurons lo … hi−1 of trial b (whole mask words from lo)
// over the block's steps, picks[j0:j1] being the picks among them.
func (bp *blockedPop[T]) runSpan(i, b, lo, hi, j0, j1 int) {
	p := bp.pop
	steps := bp.steps
	w := hi - lo
	off := b*p.Stride + lo
	V, I := p.V[off:off+w], p.I[off:off+w]
	for s := 0; s < steps; s++ {
		mask := bp.masks[(s*p.Batch+b)*p.Words+lo>>6:][:(w+63)>>6]
		rows := bp.rows[s*p.Batch+b]
		last := s == steps-1
		fused := !bp.stateful && !(last && bp.iin) && !bp.procedural && len(rows) <= fusedMaxRows
		if fused && j0 == j1 {
			s = bp.runSteps(i, s, b, lo, V, I) - 1
			continue
		}
		bp.pickStep(s, j0, j1, off, V, I)
		if fused {
			for j := j0; j < j1; j++ {
				// Iin as the unfused step sums it: the rows from +0, in order.
				var x T
				for _, row := range rows {
					x += row[lo+bp.picks[j]-off]
				}
				bp.pickState[3*(s*len(bp.picks)+j)+2] = x
			}
			leakyRows(V, I, rows, lo, p.alpha, p.beta, p.theta, p.Neuron.Reset, mask)
			zeroSubnormalsAfter(bp.t0+s, V, I)
			continue
		}
		var in []T
		switch {
		case bp.stateful:
			in = bp.stage[3*s+2][off : off+w]
			copy(bp.stage[3*s][off:off+w], V)
			copy(bp.stage[3*s+1][off:off+w], I)
		case last:
			in = p.Iin[off : off+w]
		default:
			in = bp.scratch[i][:w]
		}
		clear(in)
		if bp.procedural {
			bp.chunks(V, I, in, mask, s, b, lo)
		} else {
			for _, pr := range bp.in {
				k := s*pr.in.batch + b
				accumulateTrials(in, w, pr.d.W[lo:], pr.d.NOut, pr.in.lists[k:k+1])
			}
			leakyUpdate(V, I, in, p.alpha, p.beta, p.theta, p.Neuron.Reset, mask)
		}
		for j := j0; j < j1; j++ {
			bp.pickState[3*(s*len(bp.picks)+j)+2] = in[bp.picks[j]-off]
		}
		if bp.stateful && last {
			copy(p.Iin[off:off+w], in)
		}
		zeroSubnormalsAfter(bp.t0+s, V, I)
	}
}

// runSteps advances a unit of trial b from neuron lo, whose state is V and
// I, by the steps from s on that LeakyRowsSteps can take together, and
// returns the step after them: each of at most fusedMaxRows rows, together
// of at most stepsMaxRows (one step at least), ending before the block's
// last step where that writes Iin (iin) and at the first step after which
// subnormals are flushed.
func (bp *blockedPop[T]) runSteps(i, s, b, lo int, V, I []T) int {
	p := bp.pop
	group, counts := bp.group[i][:0], bp.counts[i][:0]
	end := bp.steps
	if bp.iin {
		end--
	}
	e := s
	for e < end && e-s < stepsMax {
		rows := bp.rows[e*p.Batch+b]
		if len(rows) > fusedMaxRows || e > s && len(group)+len(rows) > stepsMaxRows {
			break
		}
		group, counts = append(group, rows...), append(counts, len(rows))
		e++
		if zeroesAfter(bp.t0 + e - 1) {
			break
		}
	}
	bp.group[i], bp.counts[i] = group, counts
	leakyRowsSteps(V, I, group, counts, lo, p.alpha, p.beta, p.theta, p.Neuron.Reset, bp.masks[(s*p.Batch+b)*p.Words+lo>>6:], p.Batch*p.Words)
	zeroSubnormalsAfter(bp.t0+e-1, V, I)
	return e
}

// zeroSubnormalsAfter is Population.zeroSubnormals for a unit's V and I
// after its update of step t, the network's.
func zeroSubnormalsAfter[T Float](t int, V, I []T) {
	if zeroesAfter(t) {
		flushSubnormals(V)
		flushSubnormals(I)
	}
}

// pickStep keeps V and I of picks[j0:j1], within the unit whose state from
// offset off is V and I, as step s finds them.
func (bp *blockedPop[T]) pickStep(s, j0, j1, off int, V, I []T) {
	for j := j0; j < j1; j++ {
		o, k := bp.picks[j]-off, 3*(s*len(bp.picks)+j)
		bp.pickState[k], bp.pickState[k+1] = V[o], I[o]
	}
}

// chunks sums step s's input of trial b into in, the zeroed input of the
// unit's neurons lo … lo+len(in)−1, and updates them, procChunk neurons at
// a time: each projection's events of the chunk in order, a procedural one's
// weights regenerated (addRow, the bits of its Propagate), then the chunk's
// LeakyUpdate while its input is still in L1. Every neuron takes the terms
// of per-step stepping in its order, and the update is neuron by neuron.
func (bp *blockedPop[T]) chunks(V, I, in []T, mask []uint64, s, b, lo int) {
	p := bp.pop
	for c0 := 0; c0 < len(in); c0 += procChunk {
		c1 := min(c0+procChunk, len(in))
		x := in[c0:c1]
		for _, pr := range bp.in {
			k := s*pr.in.batch + b
			if pr.pc != nil {
				for _, j := range pr.in.lists[k] {
					addRow(pr.g, x, int(j), lo+c0)
				}
				continue
			}
			accumulateTrials(x, c1-c0, pr.d.W[lo+c0:], pr.d.NOut, pr.in.lists[k:k+1])
		}
		leakyUpdate(V[c0:c1], I[c0:c1], x, p.alpha, p.beta, p.theta, p.Neuron.Reset, mask[c0>>6:(c1+63)>>6])
	}
}

// replay finishes step s of the block, step t of the network, as per-step
// stepping's phases 3 and 4 would: the recorders' RecordState on the staged
// state, the spikes into the bitmask and event lists, RecordSpikes.
func (bp *blockedPop[T]) replay(s, t int) error {
	p := bp.pop
	if len(bp.recs) > 0 {
		V, I, Iin := p.V, p.I, p.Iin
		if bp.stateful {
			p.V, p.I, p.Iin = bp.stage[3*s], bp.stage[3*s+1], bp.stage[3*s+2]
		}
		// The picks' state of step s in place, the block's end state set
		// aside meanwhile in the step's slots, which are then done with.
		swap := func() {
			for j, o := range bp.picks {
				k := 3 * (s*len(bp.picks) + j)
				ps := bp.pickState[k : k+3]
				ps[0], p.V[o] = p.V[o], ps[0]
				ps[1], p.I[o] = p.I[o], ps[1]
				ps[2], p.Iin[o] = p.Iin[o], ps[2]
			}
		}
		swap()
		var err error
		for _, r := range bp.recs {
			if err = r.RecordState(t); err != nil {
				break
			}
		}
		swap()
		p.V, p.I, p.Iin = V, I, Iin
		if err != nil {
			return err
		}
	}
	mask := bp.masks[s*p.Batch*p.Words : (s+1)*p.Batch*p.Words]
	copy(p.Spikes, mask)
	count := 0
	for _, w := range mask {
		count += bits.OnesCount64(w)
	}
	p.finishStep(t, count)
	for _, r := range bp.recs {
		if err := r.RecordSpikes(t); err != nil {
			return err
		}
	}
	return nil
}
