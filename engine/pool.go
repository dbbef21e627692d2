package engine

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// job is one phase of a step, cut into items (ranges of neurons, trials or
// columns): run(i) does item i. Items are independent, and which worker
// runs one does not change its result.
type job interface{ run(i int) }

// task is a job prepared for the pool: its n items, cut into k blocks of
// consecutive items, one block per worker. Each phase owns its task,
// reused every step, so stepping allocates nothing.
//
// Worker w takes the items of its own block first, then takes what is
// left of the others' blocks. A worker thus runs the same items step after
// step while the cores keep pace, and the neuron state of its ranges stays
// in its own core's caches, where with one counter for all items a range
// went to whichever worker came first and its state moved between cores
// from step to step (BenchmarkFF at 200 000 neurons on two threads shows
// the difference). A core that runs slower than the other — a shared
// virtual CPU, an efficiency core — still takes fewer: the others finish
// its block.
//
// A task's counters are its publication: the caller writes everything the
// job reads, then zeroes done and resets each block's counter. Taking an
// item of a block below its end is therefore valid whenever it happens — a
// worker that was descheduled while the task ran last, and takes from it
// only now, takes an item of the current publication, and the caller
// waits for it through done — and a take at or past the end takes
// nothing. No worker has to report a job it took no part in, so the
// caller never waits for a worker that is not running: a phase whose
// worker's vCPU was taken by another process costs what the caller alone
// needs for it.
type task struct {
	j    job
	n, k int
	// blocks[w] is worker w's block; each sits on a cache line of its
	// own, written by the takes of its owner and of any worker finishing it.
	blocks []taskBlock
	// done counts finished items, on a cache line of its own: the caller
	// spins on it while workers take items.
	_    [64]byte
	done atomic.Int64
	_    [56]byte
}

// taskBlock is one worker's block of a task: items lo to hi−1, of which
// next is the next to take.
type taskBlock struct {
	next   atomic.Int64
	lo, hi int64
	_      [40]byte
}

// set makes t the task of n items of j for up to k workers.
func (t *task) set(j job, n, k int) {
	t.j, t.n, t.k = j, n, max(1, min(k, n))
	if cap(t.blocks) < t.k {
		t.blocks = make([]taskBlock, t.k)
	}
	t.blocks = t.blocks[:t.k]
	for w := range t.blocks {
		b := &t.blocks[w]
		b.lo, b.hi = int64(n*w/t.k), int64(n*(w+1)/t.k)
		b.next.Store(b.hi)
	}
}

// pool is a fixed set of worker goroutines created once per run. Each phase
// publishes its task to every worker and takes items itself until none is
// left, then waits until every item is done (a barrier); the calling
// goroutine does its share itself, so a one-worker pool costs nothing.
//
// A step has a few phases, some only a microsecond long, and parking and
// waking a goroutine through the OS for each costs more than the phase.
// Workers therefore spin for a while on an epoch counter after finishing a
// phase and only then park; the caller spins on the task's done counter; a
// parked worker is woken through its channel. BenchmarkPoolBarrier times
// a hand-off and barrier.
type pool struct {
	n     int
	epoch atomic.Uint64 // incremented to publish a new task
	cur   atomic.Pointer[task]
	// sleeping[w] is 1 while worker w is parked or about to park.
	sleeping []atomic.Int32
	wake     []chan struct{}
	quit     atomic.Bool
	// failed holds the first panic of a worker in the current task, which
	// run raises again in its caller: a goroutine's panic cannot be
	// recovered anywhere else, and would end a host process that called
	// leaky through its C ABI.
	failed atomic.Pointer[workerPanic]
}

// workerPanic is a panic of a pool worker, with the worker's stack.
type workerPanic struct {
	w     int
	val   any
	stack []byte
}

func (e *workerPanic) String() string {
	return fmt.Sprintf("engine worker %d: %v\n%s", e.w, e.val, e.stack)
}

// work takes and runs t's items on worker w, its own block's first, until
// none is left, turning a panic into p.failed. An item counts as done even
// when it panicked, so that the caller stops waiting and raises the panic.
func (p *pool) work(t *task, w int) {
	for d := range t.k {
		b := &t.blocks[(w+d)%t.k]
		for {
			i := b.next.Add(1) - 1
			if i >= b.hi {
				break
			}
			p.runItem(t, int(i), w)
		}
	}
}

func (p *pool) runItem(t *task, i, w int) {
	defer func() {
		if r := recover(); r != nil {
			p.failed.CompareAndSwap(nil, &workerPanic{w: w, val: r, stack: debug.Stack()})
		}
		t.done.Add(1)
	}()
	t.j.run(i)
}

// spinFor is how long a worker polls for the next phase before parking.
// Within a run a worker waits between phases while the caller finishes the
// last range of the phase and runs the step's serial part, up to a range's
// length (tens of microseconds to a millisecond for large procedural
// steps). A parked worker is woken through the OS, several microseconds
// (BenchmarkPoolWakeAfterGap), and its idle vCPU can be handed to another
// guest. A millisecond of polling covers the waits of a run, as OpenMP
// runtimes poll for comparable times (libgomp's GOMP_SPINCOUNT default is
// 300,000 polls); a worker still parks between runs.
const spinFor = time.Millisecond

// callerSpin is how long the goroutine that runs a task polls for its
// workers before it yields between polls. Workers normally have
// processors of their own and finish an item within microseconds; the
// yield is for more threads than processors, where a worker that took an
// item may be waiting for the caller's processor.
const callerSpin = 50 * time.Microsecond

func newPool(n int) *pool {
	p := &pool{n: n, sleeping: make([]atomic.Int32, n), wake: make([]chan struct{}, n)}
	for w := 1; w < n; w++ {
		p.wake[w] = make(chan struct{}, 1)
		go p.loop(w)
	}
	return p
}

func (p *pool) loop(w int) {
	var seen uint64
	for {
		e := p.await(w, seen)
		if p.quit.Load() {
			return
		}
		seen = e
		if t := p.cur.Load(); t != nil && w < t.k {
			p.work(t, w)
		}
	}
}

// await returns once the epoch has moved past seen, spinning first and
// then parking on the worker's channel.
func (p *pool) await(w int, seen uint64) uint64 {
	// The clock is read only once a wait has lasted 256 polls, so a quick
	// hand-off costs no clock reads.
	var start time.Time
	for i := 0; ; i++ {
		if e := p.epoch.Load(); e != seen || p.quit.Load() {
			return e
		}
		if i&255 == 255 {
			if i == 255 {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				break
			}
			runtime.Gosched()
		}
	}
	for {
		p.sleeping[w].Store(1)
		// Re-check after announcing the sleep: a task published in
		// between must not be missed.
		if e := p.epoch.Load(); e != seen || p.quit.Load() {
			if p.sleeping[w].CompareAndSwap(1, 0) {
				return e
			}
			// The caller saw us asleep and is sending a token: take it.
			<-p.wake[w]
			return p.epoch.Load()
		}
		<-p.wake[w]
		if e := p.epoch.Load(); e != seen || p.quit.Load() {
			return e
		}
	}
}

// run does t's items on up to t.k workers, the caller among them, and
// returns when every item is done.
func (p *pool) run(t *task) {
	if t.k <= 1 {
		for i := 0; i < t.n; i++ {
			t.j.run(i)
		}
		return
	}
	t.done.Store(0)
	for w := range t.blocks {
		t.blocks[w].next.Store(t.blocks[w].lo)
	}
	p.cur.Store(t)
	p.epoch.Add(1)
	p.wakeSleepers(t.k)
	// The caller's items are recovered too, so that it waits for the
	// workers before the panic goes on: no worker may still be in the
	// task when its caller unwinds.
	p.work(t, 0)
	// The caller polls without yielding for callerSpin: a goroutine that C
	// called into (the C ABI, Python) is locked to its thread, and each
	// yield of a locked goroutine hands its processor over through the OS,
	// far dearer than the barrier (bench/peers/python_binding.py shows it).
	var start time.Time
	for i := 0; t.done.Load() != int64(t.n); i++ {
		if i&255 == 255 {
			if i == 255 {
				start = time.Now()
			} else if time.Since(start) > callerSpin {
				runtime.Gosched()
			}
		}
	}
	if e := p.failed.Swap(nil); e != nil {
		panic(e.String())
	}
}

// wakeSleepers sends a token to every parked worker below k.
func (p *pool) wakeSleepers(k int) {
	for w := 1; w < min(k, p.n); w++ {
		if p.sleeping[w].CompareAndSwap(1, 0) {
			p.wake[w] <- struct{}{}
		}
	}
}

func (p *pool) close() {
	p.quit.Store(true)
	p.epoch.Add(1)
	p.wakeSleepers(p.n)
}

// DefaultThreads is the number of threads a run uses unless told otherwise:
// GOMAXPROCS, which is the number of available cores unless limited.
func DefaultThreads() int { return runtime.GOMAXPROCS(0) }

// minWorkPerThread is the fewest neuron updates (neurons × trials) per step
// worth giving a thread of its own. 2048 updates take about half a
// microsecond with the AVX2 kernel, more than a hand-off and barrier
// (BenchmarkPoolBarrier), and a population's phase also carries its
// projections' work. A larger threshold keeps SHD's readout (20 neurons ×
// 256 trials) on one thread, long enough for the idle worker to park, and
// loses SHD's two-thread gain (`leaky bench --filter workload/shd`).
// CUBA's 3200 excitatory neurons stay on one thread: split in two, they
// ran slower on two threads than whole on one.
const minWorkPerThread = 2048

// chunksPerWorker is how many ranges splitRanges makes per worker, when the
// work allows (each range keeps at least minWorkPerThread updates): a
// worker that has finished its own block of ranges takes what is left of
// the others' (see task), so a core that runs slower than the other — a shared virtual CPU, an efficiency
// core — takes fewer, and the last range to finish leaves the others
// waiting for less than its own length. Shared virtual CPUs do run at
// different speeds at times; `leaky bench --filter 'workload/scale'`
// shows the gain of 16 ranges per worker over 4.
const chunksPerWorker = 16

// shares returns how many workers (k) and how many ranges (c) a phase of
// work updates is worth on threads threads, with at most limit of either:
// a worker per minWorkPerThread updates, and up to chunksPerWorker ranges
// per worker, each still worth a hand-off.
func shares(work, threads, limit int) (k, c int) {
	k = max(1, min(threads, limit, work/minWorkPerThread))
	if k == 1 {
		return 1, 1
	}
	return k, min(chunksPerWorker*k, limit, max(k, work/minWorkPerThread))
}

// splitRanges divides pop's work into at most limit ranges for up to
// threads workers and returns them with the number of workers worth using. Large populations
// are split by neurons, in blocks aligned to 64 neurons (whole bitmask
// words, whole cache lines); small populations with many trials, and those
// fed by a projection that asks for whole trials (byTrial) when there are
// at least two trials per worker, are split by trial. Either way every neuron of every
// trial is in exactly one range and its arithmetic is the same as in one
// piece, whichever worker runs it.
func splitRanges[T Float](pop *Population[T], threads int, byTrial bool, limit int) ([]Range, int) {
	work := pop.Batch * pop.N
	k, c := shares(work, threads, math.MaxInt)
	c = max(k, min(c, limit))
	if k <= 1 {
		return []Range{pop.All()}, 1
	}
	blocks := (pop.N + 63) / 64
	if pop.Batch >= k && blocks < 4*k || byTrial && pop.Batch >= 2*k {
		c = min(c, pop.Batch)
		out := make([]Range, 0, c)
		for w := 0; w < c; w++ {
			b0, b1 := pop.Batch*w/c, pop.Batch*(w+1)/c
			if b1 > b0 {
				out = append(out, Range{b0, b1, 0, pop.N})
			}
		}
		return out, min(k, len(out))
	}
	out := splitRangesN(pop.N, c)
	for i := range out {
		out[i].B0, out[i].B1 = 0, pop.Batch
	}
	return out, min(k, len(out))
}

// trialSplitter is a projection whose work is least in ranges of whole
// trials: a convolution's or a pooling's input reaches neurons across its
// target, so every range of neurons would scan all of a trial's spikes.
type trialSplitter interface{ wholeTrials() bool }

// wantsTrials reports whether any of the projections asks for whole trials.
func wantsTrials[T Float](in []Projection[T]) bool {
	for _, pr := range in {
		if t, ok := pr.(trialSplitter); ok && t.wholeTrials() {
			return true
		}
	}
	return false
}

// rangeLimit is the most ranges worth cutting a population fed by in into
// for threads workers: one per worker when a sparse projection feeds it,
// whose every spiking row a range takes its part of by binary search
// (SparseGroup.span) and adds apart — at chunksPerWorker ranges a worker,
// CUBA at 40 000 neurons ran slower on two threads than on one
// (BenchmarkCUBALarge) —, and no limit otherwise.
func rangeLimit[T Float](in []Projection[T], threads int) int {
	for _, pr := range in {
		if _, ok := pr.(*Sparse[T]); ok {
			return max(threads, 1)
		}
	}
	return math.MaxInt
}

// splitRangesN splits n neurons (or columns) into up to k ranges aligned to
// 64, for trial 0; splitRanges widens them to every trial.
func splitRangesN(n, k int) []Range {
	blocks := (n + 63) / 64
	k = max(1, min(k, blocks))
	out := make([]Range, 0, k)
	for w := 0; w < k; w++ {
		lo, hi := blocks*w/k*64, min(n, blocks*(w+1)/k*64)
		if hi > lo {
			out = append(out, Range{0, 1, lo, hi})
		}
	}
	return out
}
