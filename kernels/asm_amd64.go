//go:build !purego && !noasm

package kernels

import (
	"math"
	"math/bits"
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
	// accumWork bounds the elements one AccumulateTrials call adds, as
	// accumRows rows of accumCols do.
	accumWork = accumRows * accumCols
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
	update      func(V, I, Iin []T, alpha, beta, theta T, reset Reset, spikes []uint64) int
	scan        func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, reset Reset, spikes []uint64, maskStride int) int
	matMul      func(m, n, k int, A []T, lda int, B []T, ldb int, C []T, ldc int, accumulate bool)
	accumTrials func(dst []T, dstStride int, W []T, stride int, rows [][]int32)
	accumMasks  func(dst []T, dstStride int, W []T, stride int, masks []uint64, words int)
}

var generic32 = genericKernels[float32]{leakyUpdateGeneric32, leakyScanGeneric32, matMulGeneric32, accumulateTrialsGeneric[float32], accumulateMasksGeneric[float32]}
var generic64 = genericKernels[float64]{leakyUpdateGeneric64, leakyScanGeneric64, matMulGeneric64, accumulateTrialsGeneric[float64], accumulateMasksGeneric[float64]}

// asmKernels is one instruction set's kernels for one element type, with the
// geometry the generator gave them; its values are generated
// (dispatch_gen_amd64.go).
type asmKernels[T float32 | float64] struct {
	updSub, updZero   func(V, I, Iin []T, alpha, beta, theta T, spikes []uint64) int
	scanSub, scanZero func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, spikes []uint64, maskStride int) int
	// scanBlock is the number of neurons a LeakyScan block keeps in
	// registers; the scan kernels need len(V) to be a multiple of it.
	scanBlock int
	// scanWordSub and scanWordZero, set when scanBlock is wider than 64,
	// scan blocks of 64 neurons: the whole words after the last block.
	scanWordSub, scanWordZero func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, spikes []uint64, maskStride int) int
	// rowsSub and rowsZero are LeakyRows over whole mask words.
	rowsSub, rowsZero func(V, I []T, rows [][]T, col int, alpha, beta, theta T, spikes []uint64) int
	// rowsStepsSub and rowsStepsZero are LeakyRowsSteps over whole mask
	// words.
	rowsStepsSub, rowsStepsZero func(V, I []T, rows [][]T, counts []int, col int, alpha, beta, theta T, spikes []uint64, stride int) int
	// accum is AccumulateRows.
	accum func(dst, W []T, stride int, rows []int32)
	// accumTrials is accum over trials, one row list each.
	accumTrials func(dst []T, dstStride int, W []T, stride int, rows [][]int32)
	// accumMasks is accumTrials with the rows as the set bits of words
	// mask words per trial.
	accumMasks func(dst []T, dstStride int, W []T, stride int, masks []uint64, words int)
	// add is AddTrials for trials ≥ 1.
	add func(dst []T, dstStride int, v []T, trials int)
	// scatter is ScatterTaps over a table's slices.
	scatter func(dst []T, m int, W []T, base int, events, start, pixel, index []int32, vals []T)
	// scale is ScaleTaps over a table's slices.
	scale func(dst []T, m int, W []T, base int, events, start, pixel, index []int32, vals []T)
	// cuba and coba are the CUBA and COBA updates; they take any length.
	cuba func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spikes []uint64) int
	coba func(V, G0, Gin0, G1, Gin1 []T, refrac []int32, a0, a1, gamma, vleak, e0, e1, theta, vreset T, hold int32, spikes []uint64) int
	// cubaAhead is cuba that also writes into next the spikes the step
	// after will find (CubaUpdateAhead).
	cubaAhead func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spikes, next []uint64) int
	// rule holds the RuleUpdate kernels, indexed by StepRule; they take
	// any length.
	rule [stepRules]ruleKernel[T]
	// rulePer holds them for per-neuron constants (RuleParams.Per).
	rulePer [stepRules]ruleKernel[T]
	// lanes is the number of elements per vector register.
	lanes int
	// gemm[mr-1] holds the mr-row micro-kernels: [0] gemmCols wide, [1]
	// one vector (lanes) wide.
	gemm [][2]gemmTile[T]
	// gemmCols is the number of columns of the wide tiles, gemm[.][0].
	gemmCols int
	generic  genericKernels[T]
}

func (k *asmKernels[T]) leakyUpdate(V, I, Iin []T, alpha, beta, theta T, reset Reset, spikes []uint64) int {
	n := len(V)
	// Fail on short arguments before writing anything, as generic does.
	I, Iin, spikes = I[:n], Iin[:n], spikes[:MaskWords(n)]
	upd := k.updSub
	if reset != ResetSubtract {
		upd = k.updZero
	}
	// The assembly runs the ragged last word itself.
	count := 0
	for lo := 0; lo < n; lo += updateChunk {
		hi := min(lo+updateChunk, n)
		count += upd(V[lo:hi], I[lo:hi], Iin[lo:hi], alpha, beta, theta, spikes[lo>>6:])
	}
	return count
}

func (k *asmKernels[T]) leakyScan(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, reset Reset, spikes []uint64, maskStride int) int {
	n := len(V)
	words := MaskWords(n)
	blk := max(k.scanBlock, 64)
	body := n - n%blk
	// Whole words after the last block run through the word kernel.
	wordEnd := body
	if k.scanWordSub != nil {
		wordEnd = n &^ 63
	}
	// The blocked kernel writes each block's masks for all steps before the
	// next block; that equals the generic step-by-step order only when the
	// masks of different steps do not overlap. Anything unusual (and every
	// out-of-range argument, for which generic panics in the same place) goes
	// to the generic code.
	if wordEnd == 0 || steps <= 0 || len(I) < n ||
		steps > 1 && (inStride < 0 || maskStride < words ||
			inStride > 0 && steps-1 > (len(Iin)-n)/inStride ||
			steps-1 > (len(spikes)-words)/maskStride) ||
		len(Iin) < n || len(spikes) < words {
		return k.generic.scan(V, I, Iin, inStride, steps, alpha, beta, theta, reset, spikes, maskStride)
	}
	scan, word := k.scanSub, k.scanWordSub
	if reset != ResetSubtract {
		scan, word = k.scanZero, k.scanWordZero
	}
	count := 0
	run := func(scan func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, spikes []uint64, maskStride int) int, lo, end, blk int) {
		if end <= lo {
			return
		}
		nc := min(end-lo, max(blk, scanWork/steps/blk*blk))
		tc := min(steps, max(1, scanWork/nc))
		for ; lo < end; lo += nc {
			hi := min(lo+nc, end)
			for t0 := 0; t0 < steps; t0 += tc {
				tn := min(tc, steps-t0)
				count += scan(V[lo:hi], I[lo:hi], Iin[t0*inStride+lo:], inStride, tn, alpha, beta, theta, spikes[t0*maskStride+lo>>6:], maskStride)
			}
		}
	}
	run(scan, 0, body, blk)
	run(word, body, wordEnd, 64)
	if wordEnd < n {
		count += k.generic.scan(V[wordEnd:], I[wordEnd:n], Iin[wordEnd:], inStride, steps, alpha, beta, theta, reset, spikes[wordEnd>>6:], maskStride)
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

// accumulateTrials checks every index, then runs column strips of
// accumCols (so that a strip of the trials' rows stays in L1 while the
// weight rows stream past) and calls of at most accumWork elements, a trial
// with more split over several calls, since assembly is not preemptible.
func (k *asmKernels[T]) accumulateTrials(dst []T, dstStride int, W []T, stride int, rows [][]int32) {
	n := len(dst)
	if n == 0 || len(rows) == 0 {
		return
	}
	// Check everything before touching dst: the assembly trusts it, and
	// generic would panic on the same index.
	_ = dst[:(len(rows)-1)*dstStride+n]
	if dstStride < 0 || len(rows) > 1 && dstStride < n {
		// Overlapping trials: the order of trials decides the sums.
		k.generic.accumTrials(dst, dstStride, W, stride, rows)
		return
	}
	// The largest row as unsigned, so that a negative one is largest, and
	// the number of rows.
	top, total := uint32(0), 0
	for _, rs := range rows {
		for _, r := range rs {
			top = max(top, uint32(r))
		}
		total += len(rs)
	}
	if total == 0 {
		return
	}
	if top > math.MaxInt32 {
		_ = W[int(int32(top))*stride:] // negative: panics as generic does
	}
	_ = W[int(top)*stride : int(top)*stride+n]
	if n <= accumCols && total*n <= accumWork {
		// One call: a batch of small layers' few events.
		k.accumTrials(dst, dstStride, W, stride, rows)
		return
	}
	for lo := 0; lo < n; lo += accumCols {
		hi := min(lo+accumCols, n)
		d, w := dst[lo:hi], W[lo:]
		for t0 := 0; t0 < len(rows); {
			// Whole trials while they add at most accumWork elements
			// together; a longer trial alone, in pieces of accumRows rows.
			t1, total := t0, 0
			for t1 < len(rows) && (t1 == t0 || (total+len(rows[t1]))*(hi-lo) <= accumWork) {
				total += len(rows[t1])
				t1++
			}
			at := d[t0*dstStride : t0*dstStride+hi-lo]
			if t1 == t0+1 && total*(hi-lo) > accumWork {
				rs := rows[t0]
				for r0 := 0; r0 < len(rs); r0 += accumRows {
					k.accum(at, w, stride, rs[r0:min(r0+accumRows, len(rs))])
				}
			} else {
				k.accumTrials(at, dstStride, w, stride, rows[t0:t1])
			}
			t0 = t1
		}
	}
}

// accumulateMasks checks dst and the highest set bit of any trial's mask
// against W — a scan of the mask words, which cost a few per trial — then
// runs column strips of accumCols in calls of at most accumWork elements at
// worst (every bit up to the highest set), a trial with more split by mask
// words, since assembly is not preemptible.
func (k *asmKernels[T]) accumulateMasks(dst []T, dstStride int, W []T, stride int, masks []uint64, words int) {
	trials := maskTrials(masks, words)
	n := len(dst)
	if n == 0 || trials == 0 {
		return
	}
	// Check everything before touching dst: the assembly trusts it, and
	// generic would panic on the same index.
	_ = dst[:(trials-1)*dstStride+n]
	if dstStride < 0 || trials > 1 && dstStride < n {
		// Overlapping trials: the order of trials decides the sums.
		k.generic.accumMasks(dst, dstStride, W, stride, masks, words)
		return
	}
	// top is one past the highest set bit of any trial, found from the
	// last word position with one; the words past it are all zero, and the
	// kernel only steps its row pointer over them.
	top := 0
	for w := words - 1; w >= 0 && top == 0; w-- {
		var or uint64
		for i := w; i < len(masks); i += words {
			or |= masks[i]
		}
		if or != 0 {
			top = w<<6 + bits.Len64(or)
		}
	}
	if top == 0 {
		return
	}
	_ = W[(top-1)*stride : (top-1)*stride+n]
	used := (top + 63) >> 6 // the words that hold a set bit in some trial
	for lo := 0; lo < n; lo += accumCols {
		hi := min(lo+accumCols, n)
		d, wl := dst[lo:hi], W[lo:]
		if per := top * (hi - lo); per <= accumWork {
			// Whole trials, as many as every bit up to top allows.
			tc := accumWork / per
			for t0 := 0; t0 < trials; t0 += tc {
				t1 := min(t0+tc, trials)
				k.accumMasks(d[t0*dstStride:t0*dstStride+hi-lo], dstStride, wl, stride, masks[t0*words:t1*words], words)
			}
			continue
		}
		// A trial at a time, in pieces of whole words up to top.
		wc := max(1, accumWork/(64*(hi-lo)))
		for b := range trials {
			at := d[b*dstStride : b*dstStride+hi-lo]
			for w0 := 0; w0 < used; w0 += wc {
				w1 := min(w0+wc, used)
				k.accumMasks(at, 0, wl[w0*64*stride:], stride, masks[b*words+w0:b*words+w1], w1-w0)
			}
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

// receptorUpdate runs a two-receptor update (CUBA, COBA) of n neurons
// through body(lo, hi), the assembly, in chunks like leakyUpdate; the
// assembly runs the ragged tail itself, with masked loads and stores. The
// caller has resliced every argument to n, so that a short one panics
// before anything is written: the assembly checks nothing.
func receptorUpdate(n int, body func(lo, hi int) int) int {
	count := 0
	for lo := 0; lo < n; lo += updateChunk {
		count += body(lo, min(lo+updateChunk, n))
	}
	return count
}

// cubaUpdate is CubaUpdate, or with ahead set CubaUpdateAhead, which writes
// next too: one wrapper for both kernels, so that their checks and chunks
// cannot drift apart.
func (k *asmKernels[T]) cubaUpdate(V, I0, Iin0, I1, Iin1 []T, refrac []int32, q *cubaConsts[T], spikes, next []uint64, ahead bool) int {
	n := len(V)
	I0, Iin0, I1, Iin1, refrac, spikes = I0[:n], Iin0[:n], I1[:n], Iin1[:n], refrac[:n], spikes[:MaskWords(n)]
	if ahead {
		next = next[:MaskWords(n)]
	}
	return receptorUpdate(n, func(lo, hi int) int {
		if ahead {
			return k.cubaAhead(V[lo:hi], I0[lo:hi], Iin0[lo:hi], I1[lo:hi], Iin1[lo:hi], refrac[lo:hi],
				q.a0, q.a1, q.beta, q.vl, q.gain, q.theta, q.vr, q.hold, spikes[lo>>6:], next[lo>>6:])
		}
		return k.cuba(V[lo:hi], I0[lo:hi], Iin0[lo:hi], I1[lo:hi], Iin1[lo:hi], refrac[lo:hi],
			q.a0, q.a1, q.beta, q.vl, q.gain, q.theta, q.vr, q.hold, spikes[lo>>6:])
	})
}

func (k *asmKernels[T]) cobaUpdate(V, G0, Gin0, G1, Gin1 []T, refrac []int32, q *cobaConsts[T], spikes []uint64) int {
	n := len(V)
	G0, Gin0, G1, Gin1, refrac, spikes = G0[:n], Gin0[:n], G1[:n], Gin1[:n], refrac[:n], spikes[:MaskWords(n)]
	return receptorUpdate(n, func(lo, hi int) int {
		return k.coba(V[lo:hi], G0[lo:hi], Gin0[lo:hi], G1[lo:hi], Gin1[lo:hi], refrac[lo:hi],
			q.a0, q.a1, q.gamma, q.vl, q.e0, q.e1, q.theta, q.vr, q.hold, spikes[lo>>6:])
	})
}

// cuba32 and cuba64 give CubaUpdate32 and CubaUpdate64 of an instruction set.
func cuba32(k *asmKernels[float32]) func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
		q := p.consts()
		return k.cubaUpdate(V, I0, Iin0, I1, Iin1, refrac, &q, spikes, nil, false)
	}
}

func cuba64(k *asmKernels[float64]) func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
		q := p.consts()
		return k.cubaUpdate(V, I0, Iin0, I1, Iin1, refrac, &q, spikes, nil, false)
	}
}

// cubaAhead32 and cubaAhead64 give CubaUpdateAhead32 and CubaUpdateAhead64
// of an instruction set.
func cubaAhead32(k *asmKernels[float32]) func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
		q := p.consts()
		return k.cubaUpdate(V, I0, Iin0, I1, Iin1, refrac, &q, spikes, next, true)
	}
}

func cubaAhead64(k *asmKernels[float64]) func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
		q := p.consts()
		return k.cubaUpdate(V, I0, Iin0, I1, Iin1, refrac, &q, spikes, next, true)
	}
}

// coba32 and coba64 give CobaUpdate32 and CobaUpdate64 of an instruction set.
func coba32(k *asmKernels[float32]) func(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p *CobaParams32, spikes []uint64) int {
	return func(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p *CobaParams32, spikes []uint64) int {
		q := p.consts()
		return k.cobaUpdate(V, G0, Gin0, G1, Gin1, refrac, &q, spikes)
	}
}

func coba64(k *asmKernels[float64]) func(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p *CobaParams64, spikes []uint64) int {
	return func(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p *CobaParams64, spikes []uint64) int {
		q := p.consts()
		return k.cobaUpdate(V, G0, Gin0, G1, Gin1, refrac, &q, spikes)
	}
}

// ruleKernel is one rule's RuleUpdateTrials in assembly; the flags are
// all-ones or zero.
type ruleKernel[T float32 | float64] func(V, I, Iin []T, stride, trials int, alpha, h, leak, beta, vleak, gain, theta, vreset, sub, rest T,
	instant, addLeak, old, subtract, current uint64, spikes []uint64, words int, per []T) int

func (k *asmKernels[T]) ruleUpdate(V, I, Iin []T, p *RuleParams[T], spikes []uint64) int {
	n := len(V)
	if n == 0 {
		_ = spikes[:0]
		return 0
	}
	return k.ruleUpdateTrials(V, I, Iin, n, 1, p, spikes, MaskWords(n))
}

// ruleUpdateTrials checks every row, then runs RuleUpdate over trials in
// calls of about updateChunk neurons (assembly is not preemptible), a
// longer row alone in pieces of whole mask words; the kernels run the
// ragged tails themselves.
func (k *asmKernels[T]) ruleUpdateTrials(V, I, Iin []T, stride, trials int, p *RuleParams[T], spikes []uint64, words int) int {
	n := len(V)
	if trials <= 0 || n == 0 {
		return 0
	}
	// Fail on short arguments before writing anything, as generic does:
	// the assembly checks nothing.
	last := (trials-1)*stride + n
	_, _, _, _ = V[:last], I[:last], Iin[:last], spikes[:(trials-1)*words+MaskWords(n)]
	if p.Rule >= stepRules || trials > 1 && (stride < n || words < MaskWords(n)) {
		return ruleTrialsGeneric(V, I, Iin, stride, trials, p, spikes, words)
	}
	f := k.rule[p.Rule]
	if p.Per != nil {
		_ = p.Per[:MaskWords(n)*PackedWord]
		f = k.rulePer[p.Rule]
	}
	ones := func(b bool) uint64 {
		if b {
			return ^uint64(0)
		}
		return 0
	}
	instant, addLeak, old, subtract, current := ones(p.Instant), ones(p.AddLeak), ones(p.Old), ones(p.Subtract), ones(p.Current)
	call := func(v, i, in []T, trials int, spikes []uint64, per []T) int {
		return f(v, i, in, stride, trials, p.Alpha, p.InGain, p.Leak, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Sub, p.Rest,
			instant, addLeak, old, subtract, current, spikes, words, per)
	}
	count := 0
	if n > updateChunk {
		for b := 0; b < trials; b++ {
			o := b * stride
			for lo := 0; lo < n; lo += updateChunk {
				hi := min(lo+updateChunk, n)
				var per []T
				if p.Per != nil {
					per = p.Per[lo>>6*PackedWord:]
				}
				count += call(V[o+lo:o+hi], I[o+lo:o+hi], Iin[o+lo:o+hi], 1, spikes[b*words+lo>>6:], per)
			}
		}
		return count
	}
	per := max(updateChunk/n, 1)
	for b0 := 0; b0 < trials; b0 += per {
		o := b0 * stride
		count += call(V[o:o+n], I[o:o+n], Iin[o:o+n], min(per, trials-b0), spikes[b0*words:], p.Per)
	}
	return count
}

// scatterTaps checks the events and buffers against the table, then runs
// the assembly in calls of at most accumRows events (it is not
// preemptible).
func (k *asmKernels[T]) scatterTaps(dst []T, m int, W []T, base int, events []int32, t *Taps) {
	t.check(len(dst), m, len(W), base, events)
	if m == 0 {
		return
	}
	for e0 := 0; e0 < len(events); e0 += accumRows {
		k.scatter(dst, m, W, base, events[e0:min(e0+accumRows, len(events))], t.start, t.pixel, t.index, nil)
	}
}

// scaleTaps is scatterTaps for events with values.
func (k *asmKernels[T]) scaleTaps(dst []T, m int, W []T, base int, events []int32, vals []T, t *Taps) {
	t.check(len(dst), m, len(W), base, events)
	vals = vals[:len(events)]
	if m == 0 {
		return
	}
	for e0 := 0; e0 < len(events); e0 += accumRows {
		e1 := min(e0+accumRows, len(events))
		k.scale(dst, m, W, base, events[e0:e1], t.start, t.pixel, t.index, vals[e0:e1])
	}
}

// addTrials checks the rows, then adds v in calls of about updateChunk
// elements.
func (k *asmKernels[T]) addTrials(dst []T, dstStride int, v []T, trials int) {
	n := len(dst)
	if n == 0 || trials <= 0 {
		return
	}
	_, _ = dst[:(trials-1)*dstStride+n], v[:n]
	if dstStride < n && trials > 1 {
		addTrialsGeneric(dst, dstStride, v, trials)
		return
	}
	per := max(updateChunk/n, 1)
	for b0 := 0; b0 < trials; b0 += per {
		k.add(dst[b0*dstStride:b0*dstStride+n], dstStride, v, min(per, trials-b0))
	}
}
