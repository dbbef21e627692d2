package engine

import (
	"unsafe"

	"leaky/kernels"
)

// Float is the element type of a simulation: float32 (the default) or
// float64.
type Float interface{ float32 | float64 }

// is32 reports whether T is float32.
func is32[T Float]() bool { var z T; return unsafe.Sizeof(z) == 4 }

// DType returns "float32" or "float64" for T.
func DType[T Float]() string {
	if is32[T]() {
		return "float32"
	}
	return "float64"
}

// f32 and f64 reinterpret a []T as the concrete slice type the kernels take.
// They are only called after is32 has told which one T is, so the memory
// layout is identical and no copy or allocation happens.
func f32[T Float](x []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(x))), cap(x))[:len(x)]
}

func f64[T Float](x []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(x))), cap(x))[:len(x)]
}

func leakyUpdate[T Float](V, I, Iin []T, alpha, beta, theta T, reset kernels.Reset, spikes []uint64) int {
	if is32[T]() {
		return kernels.LeakyUpdate32(f32(V), f32(I), f32(Iin), float32(alpha), float32(beta), float32(theta), reset, spikes)
	}
	return kernels.LeakyUpdate64(f64(V), f64(I), f64(Iin), float64(alpha), float64(beta), float64(theta), reset, spikes)
}

func ruleUpdate[T Float](V, I, Iin []T, p *kernels.RuleParams[T], spikes []uint64) int {
	if is32[T]() {
		return kernels.RuleUpdate32(f32(V), f32(I), f32(Iin), (*kernels.RuleParams[float32])(unsafe.Pointer(p)), spikes)
	}
	return kernels.RuleUpdate64(f64(V), f64(I), f64(Iin), (*kernels.RuleParams[float64])(unsafe.Pointer(p)), spikes)
}

func ruleUpdateTrials[T Float](V, I, Iin []T, stride, trials int, p *kernels.RuleParams[T], spikes []uint64, words int) int {
	if is32[T]() {
		return kernels.RuleUpdateTrials32(f32(V), f32(I), f32(Iin), stride, trials, (*kernels.RuleParams[float32])(unsafe.Pointer(p)), spikes, words)
	}
	return kernels.RuleUpdateTrials64(f64(V), f64(I), f64(Iin), stride, trials, (*kernels.RuleParams[float64])(unsafe.Pointer(p)), spikes, words)
}

func accumulateRows[T Float](dst, W []T, stride int, rows []int32) {
	if is32[T]() {
		kernels.AccumulateRows32(f32(dst), f32(W), stride, rows)
		return
	}
	kernels.AccumulateRows64(f64(dst), f64(W), stride, rows)
}

func accumulateTrials[T Float](dst []T, dstStride int, W []T, stride int, rows [][]int32) {
	if is32[T]() {
		kernels.AccumulateTrials32(f32(dst), dstStride, f32(W), stride, rows)
		return
	}
	kernels.AccumulateTrials64(f64(dst), dstStride, f64(W), stride, rows)
}

func accumulateMasks[T Float](dst []T, dstStride int, W []T, stride int, masks []uint64, words int) {
	if is32[T]() {
		kernels.AccumulateMasks32(f32(dst), dstStride, f32(W), stride, masks, words)
		return
	}
	kernels.AccumulateMasks64(f64(dst), dstStride, f64(W), stride, masks, words)
}

func addTrials[T Float](dst []T, dstStride int, v []T, trials int) {
	if is32[T]() {
		kernels.AddTrials32(f32(dst), dstStride, f32(v), trials)
		return
	}
	kernels.AddTrials64(f64(dst), dstStride, f64(v), trials)
}

func scatterTaps[T Float](dst []T, m int, W []T, base int, events []int32, t *kernels.Taps) {
	if is32[T]() {
		kernels.ScatterTaps32(f32(dst), m, f32(W), base, events, t)
		return
	}
	kernels.ScatterTaps64(f64(dst), m, f64(W), base, events, t)
}

func scaleTaps[T Float](dst []T, m int, W []T, base int, events []int32, vals []T, t *kernels.Taps) {
	if is32[T]() {
		kernels.ScaleTaps32(f32(dst), m, f32(W), base, events, f32(vals), t)
		return
	}
	kernels.ScaleTaps64(f64(dst), m, f64(W), base, events, f64(vals), t)
}

func matMul[T Float](m, n, k int, A []T, lda int, B []T, ldb int, C []T, ldc int, accumulate bool) {
	if is32[T]() {
		kernels.MatMul32(m, n, k, f32(A), lda, f32(B), ldb, f32(C), ldc, accumulate)
		return
	}
	kernels.MatMul64(m, n, k, f64(A), lda, f64(B), ldb, f64(C), ldc, accumulate)
}

// alignedSlice returns a zeroed slice of n elements whose first element lies
// on a 64-byte boundary, so vector loads of a row never straddle a cache line
// more than they must.
func alignedSlice[T Float](n int) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	pad := 64 / size
	buf := make([]T, n+pad)
	off := 0
	if addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf))); addr%64 != 0 {
		off = int((64 - addr%64) / uintptr(size))
	}
	return buf[off : off+n : off+n]
}

func flushSubnormals[T Float](x []T) {
	if is32[T]() {
		kernels.FlushSubnormals32(f32(x))
		return
	}
	kernels.FlushSubnormals64(f64(x))
}
