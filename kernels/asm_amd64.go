//go:build !purego && !noasm

package kernels

import (
	"math"
	"sync"
	"unsafe"
)

// The assembly kernels handle the vector body of each call; the wrappers here
// check lengths and strides, do the ragged tails with the generic code (which
// gives the same bits), and split long calls into chunks, because assembly
// cannot be preempted and one call must not hold up the Go scheduler or the
// garbage collector for long.

// Chunk sizes bound the work of one assembly call to some tens of
// microseconds.
const (
	// updateChunk is the number of neurons per LeakyUpdate call (a
	// multiple of 64).
	updateChunk = 1 << 16
	// scanWork is the number of neuron-steps per LeakyScan call.
	scanWork = 1 << 18
	// accumCols is the width of the column strip AccumulateRows works on at
	// once: small enough that the strip of dst stays in L1 while the rows
	// stream past it.
	accumCols = 2048
	// accumRows is the number of rows per AccumulateRows call.
	accumRows = 128
	// gemmKC is the depth of one MatMul pass: the kc×n block of B stays in
	// L2 while every row block of A passes over it. Later passes reload C
	// and keep adding in order, so blocking does not change the bits.
	gemmKC = 256
)

// gemmTile is a generated MatMul micro-kernel; see gemm32AVX2_4x16.
type gemmTile[T float32 | float64] func(k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool)

// genericKernels are the reference kernels of one element type, for the
// wrappers' tails and fallbacks.
type genericKernels[T float32 | float64] struct {
	update func(V, I, Iin []T, alpha, beta, theta T, reset Reset, spikes []uint64) int
	scan   func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, reset Reset, spikes []uint64, maskStride int) int
	accum  func(dst, W []T, stride int, rows []int32)
	matMul func(m, n, k int, A []T, lda int, B []T, ldb int, C []T, ldc int, accumulate bool)
}

var generic32 = genericKernels[float32]{leakyUpdateGeneric32, leakyScanGeneric32, accumulateRowsGeneric32, matMulGeneric32}
var generic64 = genericKernels[float64]{leakyUpdateGeneric64, leakyScanGeneric64, accumulateRowsGeneric64, matMulGeneric64}

// asmKernels is one instruction set's kernels for one element type, with the
// geometry the generator gave them; its values are generated
// (dispatch_gen_amd64.go).
type asmKernels[T float32 | float64] struct {
	updSub, updZero   func(V, I, Iin []T, alpha, beta, theta T, spikes []uint64) int
	scanSub, scanZero func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, spikes []uint64, maskStride int) int
	// scanBlock is the number of neurons a LeakyScan block keeps in
	// registers; the scan kernels need len(V) to be a multiple of it.
	scanBlock int
	accum     func(dst, W []T, stride int, rows []int32)
	// cuba is the CUBA update of whole mask words.
	cuba func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spikes []uint64) int
	// rule holds the RuleUpdate kernels, indexed by StepRule; they take
	// any length.
	rule [stepRules]ruleKernel[T]
	// lanes is the number of elements per vector register.
	lanes int
	// nativeTail is set when updSub and updZero take any length, running
	// the ragged last mask word themselves; otherwise their length must be
	// a multiple of 64 and leakyUpdate runs the tail.
	nativeTail bool
	// gemm[mr-1] holds the mr-row micro-kernels: [0] gemmCols wide, [1]
	// one vector (lanes) wide.
	gemm [][2]gemmTile[T]
	// gemmCols is the number of columns of the wide tiles, gemm[.][0].
	gemmCols int
	generic  genericKernels[T]
	// tails pools *tailBuf[T] for updateTail.
	tails sync.Pool
}

func (k *asmKernels[T]) leakyUpdate(V, I, Iin []T, alpha, beta, theta T, reset Reset, spikes []uint64) int {
	n := len(V)
	// Fail on short arguments before writing anything, as generic does.
	I, Iin, spikes = I[:n], Iin[:n], spikes[:MaskWords(n)]
	upd := k.updSub
	if reset != ResetSubtract {
		upd = k.updZero
	}
	// body is what the assembly runs: everything when it finishes the
	// ragged last word itself, else the whole words.
	body := n
	if !k.nativeTail {
		body = n &^ 63
	}
	count := 0
	for lo := 0; lo < body; lo += updateChunk {
		hi := min(lo+updateChunk, body)
		count += upd(V[lo:hi], I[lo:hi], Iin[lo:hi], alpha, beta, theta, spikes[lo>>6:])
	}
	if r := n - body; r >= tailMin {
		count += k.updateTail(upd, V[body:], I[body:], Iin[body:], alpha, beta, theta, &spikes[body>>6])
	} else if r > 0 {
		count += k.generic.update(V[body:], I[body:], Iin[body:], alpha, beta, theta, reset, spikes[body>>6:])
	}
	return count
}

// tailMin is the shortest ragged tail that LeakyUpdate runs through an
// assembly kernel without a native tail (AVX-512) on a padded copy;
// shorter tails are cheaper in generic Go.
const tailMin = 8

// tailBuf holds the padded copies of a ragged LeakyUpdate tail. The buffers
// come from a pool because the assembly is called through a function value,
// so arrays on the stack would escape to the heap on every call.
type tailBuf[T float32 | float64] struct {
	v, i, in [64]T
	w        [1]uint64
}

// updateTail runs the last, partial mask word through the assembly on
// 64-element copies. The padding potentials are NaN, which never exceeds the
// threshold, so the padding adds no spike bits and no count; the real lanes
// get exactly the operations they would get in place.
func (k *asmKernels[T]) updateTail(upd func(V, I, Iin []T, alpha, beta, theta T, spikes []uint64) int, V, I, Iin []T, alpha, beta, theta T, word *uint64) int {
	b, _ := k.tails.Get().(*tailBuf[T])
	if b == nil {
		b = new(tailBuf[T])
	}
	nan := T(math.NaN())
	r := copy(b.v[:], V)
	for i := r; i < len(b.v); i++ {
		b.v[i] = nan
	}
	copy(b.i[:], I)
	copy(b.in[:], Iin)
	count := upd(b.v[:], b.i[:], b.in[:], alpha, beta, theta, b.w[:])
	copy(V, b.v[:r])
	copy(I, b.i[:r])
	*word = b.w[0]
	k.tails.Put(b)
	return count
}

func (k *asmKernels[T]) leakyScan(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, reset Reset, spikes []uint64, maskStride int) int {
	n := len(V)
	words := MaskWords(n)
	blk := max(k.scanBlock, 64)
	body := n - n%blk
	// The blocked kernel writes each block's masks for all steps before the
	// next block; that equals the generic step-by-step order only when the
	// masks of different steps do not overlap. Anything unusual (and every
	// out-of-range argument, for which generic panics in the same place) goes
	// to the generic code.
	if body == 0 || steps <= 0 || len(I) < n ||
		steps > 1 && (inStride < 0 || maskStride < words ||
			inStride > 0 && steps-1 > (len(Iin)-n)/inStride ||
			steps-1 > (len(spikes)-words)/maskStride) ||
		len(Iin) < n || len(spikes) < words {
		return k.generic.scan(V, I, Iin, inStride, steps, alpha, beta, theta, reset, spikes, maskStride)
	}
	scan := k.scanSub
	if reset != ResetSubtract {
		scan = k.scanZero
	}
	nc := min(body, max(blk, scanWork/steps/blk*blk))
	tc := min(steps, max(1, scanWork/nc))
	count := 0
	for lo := 0; lo < body; lo += nc {
		hi := min(lo+nc, body)
		for t0 := 0; t0 < steps; t0 += tc {
			tn := min(tc, steps-t0)
			count += scan(V[lo:hi], I[lo:hi], Iin[t0*inStride+lo:], inStride, tn, alpha, beta, theta, spikes[t0*maskStride+lo>>6:], maskStride)
		}
	}
	if body < n {
		count += k.generic.scan(V[body:], I[body:n], Iin[body:], inStride, steps, alpha, beta, theta, reset, spikes[body>>6:], maskStride)
	}
	return count
}

func (k *asmKernels[T]) accumulateRows(dst, W []T, stride int, rows []int32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	// Check every row before touching dst: the assembly trusts them, and
	// generic would panic on the same row.
	for _, r := range rows {
		_ = W[int(r)*stride : int(r)*stride+n]
	}
	for lo := 0; lo < n; lo += accumCols {
		hi := min(lo+accumCols, n)
		for r0 := 0; r0 < len(rows); r0 += accumRows {
			k.accum(dst[lo:hi], W[lo:], stride, rows[r0:min(r0+accumRows, len(rows))])
		}
	}
}

// gemmPanelBytes is the size of the block of B the MatMul wrapper keeps
// in cache while the rows of A pass over it: half a typical 512 KiB L2.
const gemmPanelBytes = 256 << 10

func (k *asmKernels[T]) matMul(m, n, kk int, A []T, lda int, B []T, ldb int, C []T, ldc int, accumulate bool) {
	body := n - n%k.lanes
	// Overlapping rows of C make the result depend on the order of rows;
	// out-of-range arguments must panic as generic does. Both go to the
	// generic code, as do shapes with nothing for the vector kernels.
	if m <= 0 || kk <= 0 || body == 0 || lda < 0 || ldb < 0 ||
		m > 1 && ldc < n ||
		len(A) < (m-1)*lda+kk || len(B) < (kk-1)*ldb+n || len(C) < (m-1)*ldc+n {
		k.generic.matMul(m, n, kk, A, lda, B, ldb, C, ldc, accumulate)
		return
	}
	mr, nr := len(k.gemm), k.gemmCols
	var z T
	size := int(unsafe.Sizeof(z))
	for p0 := 0; p0 < kk; p0 += gemmKC {
		kc := min(gemmKC, kk-p0)
		acc := accumulate || p0 > 0
		// Column panels of B small enough to stay in L2 while every row
		// tile of A passes over them; without them a wide B is streamed
		// from memory once per row tile. Each C element is still summed
		// over p in order, by one tile per K block: the bits do not change.
		nc := max(nr, gemmPanelBytes/(kc*size)/nr*nr)
		for j0 := 0; j0 < body; j0 += nc {
			j1 := min(j0+nc, body)
			for i0 := 0; i0 < m; i0 += mr {
				tiles := &k.gemm[min(mr, m-i0)-1]
				a := A[i0*lda+p0:]
				j := j0
				for ; j+nr <= j1; j += nr {
					tiles[0](kc, a, lda, B[p0*ldb+j:], ldb, C[i0*ldc+j:], ldc, acc)
				}
				for ; j < j1; j += k.lanes {
					tiles[1](kc, a, lda, B[p0*ldb+j:], ldb, C[i0*ldc+j:], ldc, acc)
				}
			}
		}
	}
	if body < n {
		k.generic.matMul(m, n-body, kk, A, lda, B[body:], ldb, C[body:], ldc, accumulate)
	}
}

// cubaUpdate runs whole mask words of the CUBA update in assembly, chunked
// like leakyUpdate, and the ragged tail in the generic code, which gives the
// same bits.
func (k *asmKernels[T]) cubaUpdate(V, I0, Iin0, I1, Iin1 []T, refrac []int32, q *cubaConsts[T], spikes []uint64) int {
	n := len(V)
	// Fail on short arguments before writing anything, as generic does:
	// the assembly checks nothing.
	I0, Iin0, I1, Iin1, refrac, spikes = I0[:n], Iin0[:n], I1[:n], Iin1[:n], refrac[:n], spikes[:MaskWords(n)]
	body := n &^ 63
	count := 0
	for lo := 0; lo < body; lo += updateChunk {
		hi := min(lo+updateChunk, body)
		count += k.cuba(V[lo:hi], I0[lo:hi], Iin0[lo:hi], I1[lo:hi], Iin1[lo:hi], refrac[lo:hi],
			q.a0, q.a1, q.beta, q.vl, q.gain, q.theta, q.vr, q.hold, spikes[lo>>6:])
	}
	if body < n {
		count += cubaGeneric(V[body:], I0[body:], Iin0[body:], I1[body:], Iin1[body:], refrac[body:], q, spikes[body>>6:])
	}
	return count
}

// cuba32 and cuba64 give CubaUpdate32 and CubaUpdate64 of an instruction set.
func cuba32(k *asmKernels[float32]) func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
		q := p.consts()
		return k.cubaUpdate(V, I0, Iin0, I1, Iin1, refrac, &q, spikes)
	}
}

func cuba64(k *asmKernels[float64]) func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
		q := p.consts()
		return k.cubaUpdate(V, I0, Iin0, I1, Iin1, refrac, &q, spikes)
	}
}

// ruleKernel is one rule's RuleUpdate in assembly; the flags are all-ones
// or zero.
type ruleKernel[T float32 | float64] func(V, I, Iin []T, alpha, h, leak, beta, vleak, gain, theta, vreset, sub, rest T,
	instant, addLeak, old, subtract, current uint64, spikes []uint64) int

// ruleUpdate runs RuleUpdate in assembly, chunked like leakyUpdate; the
// kernels run the ragged tail themselves.
func (k *asmKernels[T]) ruleUpdate(V, I, Iin []T, p *RuleParams[T], spikes []uint64) int {
	n := len(V)
	// Fail on short arguments before writing anything, as generic does:
	// the assembly checks nothing.
	I, Iin, spikes = I[:n], Iin[:n], spikes[:MaskWords(n)]
	if p.Rule >= stepRules {
		return ruleGeneric(V, I, Iin, p, spikes)
	}
	f := k.rule[p.Rule]
	ones := func(b bool) uint64 {
		if b {
			return ^uint64(0)
		}
		return 0
	}
	instant, addLeak, old, subtract, current := ones(p.Instant), ones(p.AddLeak), ones(p.Old), ones(p.Subtract), ones(p.Current)
	count := 0
	for lo := 0; lo < n; lo += updateChunk {
		hi := min(lo+updateChunk, n)
		count += f(V[lo:hi], I[lo:hi], Iin[lo:hi], p.Alpha, p.InGain, p.Leak, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Sub, p.Rest,
			instant, addLeak, old, subtract, current, spikes[lo>>6:])
	}
	if n == 0 {
		clear(spikes)
	}
	return count
}
