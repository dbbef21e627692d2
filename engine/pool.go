package engine

import (
	"runtime"
	"sync"
)

// job is one phase of a step, split over the workers of a pool: work(w)
// does worker w's share.
type job interface{ work(w int) }

// pool is a fixed set of worker goroutines created once per run. Each phase
// hands every worker the same job and waits for all of them (a barrier);
// the calling goroutine does worker 0's share itself, so a one-worker pool
// costs nothing.
type pool struct {
	n     int
	start []chan job
	done  sync.WaitGroup
	quit  chan struct{}
}

func newPool(n int) *pool {
	p := &pool{n: n, quit: make(chan struct{})}
	p.start = make([]chan job, n)
	for w := 1; w < n; w++ {
		p.start[w] = make(chan job, 1)
		go p.loop(w)
	}
	return p
}

func (p *pool) loop(w int) {
	for {
		select {
		case j := <-p.start[w]:
			j.work(w)
			p.done.Done()
		case <-p.quit:
			return
		}
	}
}

// run does j on workers 0..k−1 (k ≤ n) and returns when all are done.
func (p *pool) run(j job, k int) {
	if k <= 1 {
		j.work(0)
		return
	}
	p.done.Add(k - 1)
	for w := 1; w < k; w++ {
		p.start[w] <- j
	}
	j.work(0)
	p.done.Wait()
}

func (p *pool) close() { close(p.quit) }

// DefaultThreads is the number of threads a run uses unless told otherwise:
// GOMAXPROCS, which is the number of available cores unless limited.
func DefaultThreads() int { return runtime.GOMAXPROCS(0) }

// minWorkPerThread is the fewest neuron updates per step worth giving a
// thread of its own: below it, waking a worker and meeting at the barrier
// (a few microseconds) costs more than the work saved.
const minWorkPerThread = 16384

// splitRanges divides pop's work for up to threads workers. Large
// populations are split by neurons, in blocks aligned to 64 neurons (whole
// bitmask words, whole cache lines); small populations with many trials are
// split by trial. Either way every neuron of every trial is in exactly one
// range and its arithmetic is the same as in one piece.
func splitRanges[T Float](pop *Population[T], threads int) []Range {
	work := pop.Batch * pop.N
	k := min(threads, max(1, work/minWorkPerThread))
	if k <= 1 {
		return []Range{pop.All()}
	}
	blocks := (pop.N + 63) / 64
	if pop.Batch >= k && blocks < 4*k {
		out := make([]Range, 0, k)
		for w := 0; w < k; w++ {
			b0, b1 := pop.Batch*w/k, pop.Batch*(w+1)/k
			if b1 > b0 {
				out = append(out, Range{b0, b1, 0, pop.N})
			}
		}
		return out
	}
	k = min(k, blocks)
	out := make([]Range, 0, k)
	for w := 0; w < k; w++ {
		lo, hi := blocks*w/k*64, min(pop.N, blocks*(w+1)/k*64)
		if hi > lo {
			out = append(out, Range{0, pop.Batch, lo, hi})
		}
	}
	return out
}
