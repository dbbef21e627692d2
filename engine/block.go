package engine

// inputBlock holds x[t]·W precomputed for a block of steps of an analog
// array source. An array's input is known ahead of time, so instead of one
// skinny product per step (Batch rows against all of W, reading W from
// memory every step) the block is one matrix product of K·Batch rows, which
// reads W once per K steps and runs at the kernel's GEMM speed. Each step
// then copies its rows into Iin.
//
// The bits are those of the step-by-step product: each value is summed from
// zero over the inputs in the same order in both. That only holds when the
// projection is the first to write its target's Iin in the step (Iin is
// then zero), which prepare checks before it sets a block up.
type inputBlock[T Float] struct {
	d    *Dense[T]
	arr  *Array[T]
	k    int // steps per block
	buf  []T // k·Batch rows of NOut values
	t0   int // first step held; −1 when empty
	cols []Range
	task task
}

// blockBytes bounds a block's buffer: large enough that W is read once per
// many steps, small enough to stay in the last-level cache.
const blockBytes = 4 << 20

// newInputBlock returns a block for d when its input is an analog array and
// blocking pays (at least 8 steps per block), else nil.
func newInputBlock[T Float](d *Dense[T], threads int) *inputBlock[T] {
	arr, ok := d.Pre.(*Array[T])
	if !ok || arr.Binary {
		return nil
	}
	row := arr.Batch * d.NOut * sizeOf[T]()
	k := min(blockBytes/max(row, 1), 1024, arr.Steps)
	if k < 8 {
		return nil
	}
	// Columns are split over the threads in whole cache lines: a block is
	// k·Batch·NIn·NOut multiply-adds, always worth sharing.
	b := &inputBlock[T]{d: d, arr: arr, k: k, buf: alignedSlice[T](k * arr.Batch * d.NOut), t0: -1, cols: splitRangesN(d.NOut, threads)}
	b.task.set(b, len(b.cols), len(b.cols))
	return b
}

// covers reports whether step t's rows are in the buffer.
func (b *inputBlock[T]) covers(t int) bool { return b.t0 >= 0 && t >= b.t0 && t < b.t0+b.k }

// fill computes the block starting at step t (up to k steps, fewer at the
// end of the array), split over the pool's workers by columns.
func (b *inputBlock[T]) fill(t int, p *pool) {
	b.t0 = t
	if p != nil {
		p.run(&b.task)
		return
	}
	for i := range b.cols {
		b.run(i)
	}
}

// run computes column range i of the block.
func (b *inputBlock[T]) run(i int) {
	c := b.cols[i]
	a, d := b.arr, b.d
	steps := min(b.k, a.Steps-b.t0)
	rows := steps * a.Batch
	matMul(rows, c.Hi-c.Lo, d.NIn, a.X[b.t0*a.Batch*a.N:], a.N, d.W[c.Lo:], d.NOut, b.buf[c.Lo:], d.NOut, false)
}

// propagate copies the current step's rows for r into Iin, which is zero.
func (b *inputBlock[T]) propagate(iin []T, stride int, r Range) {
	base := (b.arr.t - b.t0) * b.arr.Batch
	for tr := r.B0; tr < r.B1; tr++ {
		src := b.buf[(base+tr)*b.d.NOut:]
		copy(iin[tr*stride+r.Lo:tr*stride+r.Hi], src[r.Lo:r.Hi])
	}
}
