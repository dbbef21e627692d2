package engine

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// setupChunk is about how many random numbers a setup task draws before it
// takes the next: enough that taking one (an atomic add) costs nothing
// next to it, few enough that two threads finish within a few microseconds
// of each other.
const setupChunk = 1 << 16

// forChunks calls f(lo, hi) for [0, n) cut into ranges of chunk items, on
// threads goroutines (threads < 1: DefaultThreads), and returns once every
// range is done. Threads take ranges in turn, so the split depends on the
// timing; setup that draws through it keys its generators by row, trial or
// input, never by range, and so gives the same bits on any number of
// threads. A panic in f is raised again in the caller, whose recover (the C
// ABI's) then sees it, as the step pool does.
func forChunks(threads, n, chunk int, f func(lo, hi int)) {
	if threads < 1 {
		threads = DefaultThreads()
	}
	chunk = max(chunk, 1)
	tasks := (n + chunk - 1) / chunk
	threads = min(threads, tasks)
	if threads <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	var next atomic.Int64
	var failed atomic.Pointer[workerPanic]
	work := func(w int) {
		defer func() {
			if r := recover(); r != nil {
				failed.CompareAndSwap(nil, &workerPanic{w: w, val: r, stack: debug.Stack()})
			}
		}()
		for {
			i, ok := take(&next, tasks)
			if !ok || failed.Load() != nil {
				return
			}
			f(i*chunk, min(n, (i+1)*chunk))
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < threads; w++ {
		wg.Go(func() { work(w) })
	}
	work(0)
	wg.Wait()
	if p := failed.Load(); p != nil {
		panic(p.String())
	}
}

// perChunk is how many items of cost each (random numbers per row, per
// trial or per input) make up a setupChunk.
func perChunk(each int) int { return max(1, setupChunk/max(each, 1)) }

// firstNonFinite returns the index of the first NaN or ±Inf in w, or -1.
// Checking the weights a dense projection is built with scans every one of
// them (2·10^8 for 1000 inputs onto 2·10^5 neurons), so it runs without a
// branch per value: v·0 is 0 for a finite v and NaN otherwise, and NaN
// survives a sum; a block whose sums are NaN is searched for the culprit.
func firstNonFinite[T Float](w []T) int {
	const block = 1024
	for lo := 0; lo < len(w); lo += block {
		b := w[lo:min(lo+block, len(w))]
		var s0, s1, s2, s3 T
		i := 0
		for ; i+4 <= len(b); i += 4 {
			s0 += b[i] * 0
			s1 += b[i+1] * 0
			s2 += b[i+2] * 0
			s3 += b[i+3] * 0
		}
		for ; i < len(b); i++ {
			s0 += b[i] * 0
		}
		if s := s0 + s1 + s2 + s3; s != s {
			for k, v := range b {
				if v*0 != 0 {
					return lo + k
				}
			}
		}
	}
	return -1
}

// take returns the next index below n from the shared counter next, and
// whether one was left: how setup's workers take chunks in turn.
func take(next *atomic.Int64, n int) (int, bool) {
	i := int(next.Add(1)) - 1
	return i, i < n
}

// FillWeightColumns fills W (rows × (hi−lo), row-major) with columns
// lo…hi−1 of the rows × cols weights FillWeights draws, the same bits: a
// rank draws only its block's columns of a dense projection (see NewHeldPopulation).
func FillWeightColumns[T Float](W []T, rows, cols, lo, hi int, d Dist, sign Sign, seed, stream uint64, threads int) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if lo < 0 || hi > cols || lo > hi || len(W) != rows*(hi-lo) {
		return fmt.Errorf("weights hold %d values, want %d × columns %d…%d of %d", len(W), rows, lo, hi-1, cols)
	}
	w := hi - lo
	forChunks(threads, rows, perChunk(w), func(r0, r1 int) {
		var scratch []float64
		for r := r0; r < r1; r++ {
			fillDistAt(W[r*w:(r+1)*w], d, sign, seed, streamWeights+stream<<8, kindDist, r, lo, &scratch)
		}
	})
	return nil
}

// NormalWeightColumns fills W (rows × (hi−lo), row-major) with columns
// lo…hi−1 of the weights NormalWeights draws, the same bits.
func NormalWeightColumns[T Float](W []T, rows, lo, hi int, scale float64, seed uint64, stream uint64, threads int) {
	g := newNormalRow(seed, stream, scale)
	// A task is a row's segment of at most setupChunk columns, so that a
	// single long row is drawn on every thread too.
	w := hi - lo
	seg := (w + setupChunk - 1) / setupChunk
	forChunks(threads, rows*seg, perChunk(min(w, setupChunk)), func(a, b int) {
		for t := a; t < b; t++ {
			r, c0 := t/seg, t%seg*setupChunk
			c1 := min(w, c0+setupChunk)
			fill(g, W[r*w+c0:r*w+c1], r, lo+c0)
		}
	})
}
