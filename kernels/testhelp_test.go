package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The helpers here serve both float widths: one generic test body runs
// float32 and float64 alike, each width's kernels reached through a kops.

// float is the element type of the float kernels.
type float interface{ float32 | float64 }

// is32 reports whether T is float32.
func is32[T float]() bool {
	_, ok := any(T(0)).(float32)
	return ok
}

// bitsOf returns x's bit pattern, in the low 32 bits for a float32.
func bitsOf[T float](x T) uint64 {
	if v, ok := any(x).(float32); ok {
		return uint64(math.Float32bits(v))
	}
	return math.Float64bits(any(x).(float64))
}

// fromBits returns the T whose bit pattern is b, its low 32 bits for a
// float32. No float conversion is involved, so NaN payloads are kept.
func fromBits[T float](b uint64) T {
	if is32[T]() {
		return any(math.Float32frombits(uint32(b))).(T)
	}
	return any(math.Float64frombits(b)).(T)
}

// nextAfter is math.Nextafter32 or math.Nextafter, as T is.
func nextAfter[T float](x, y T) T {
	if v, ok := any(x).(float32); ok {
		return any(math.Nextafter32(v, float32(y))).(T)
	}
	return any(math.Nextafter(float64(x), float64(y))).(T)
}

// guard fills the space past the end of a test slice; it must survive.
const guardLen = 16

const guardU = uint64(0xdeadbeefcafef00d)

// guardOf returns the float guard: a quiet NaN with a payload of its own
// (0x7fc0dead, 0x7ff8deaddeaddead), so that an overrun storing any value,
// another NaN included, shows in its bits.
func guardOf[T float]() T {
	if is32[T]() {
		return fromBits[T](0x7fc0dead)
	}
	return fromBits[T](0x7ff8deaddeaddead)
}

// guarded returns a slice of n values at element offset off within a
// larger array, every other element of which, guardLen of them after the
// slice, is g. fill, when not nil, gives the slice's values.
func guarded[E any](n, off int, g E, fill func(i int) E) []E {
	b := make([]E, off+n+guardLen)
	for i := range b {
		b[i] = g
	}
	s := b[off : off+n]
	if fill != nil {
		for i := range s {
			s[i] = fill(i)
		}
	}
	return s
}

// buf returns a slice of n values at element offset off within a larger
// array, with guard values after it, so misalignment and overruns are
// exercised.
func buf[T float](n, off int, fill func(i int) T) []T { return guarded(n, off, guardOf[T](), fill) }

// bufU is buf for spike masks: n guard words to be overwritten.
func bufU(n, off int) []uint64 { return guarded(n, off, guardU, nil) }

// full returns the slice extended over its guard region.
func full[E any](s []E) []E { return s[:cap(s)] }

// clone copies the slice together with its guard region.
func clone[E any](s []E) []E { return append(make([]E, 0, cap(s)), full(s)...)[:len(s)] }

// same compares two slices including their guard regions, bit for bit,
// except that any NaN matches any NaN inside the slice: NaN sign and
// payload are unspecified (see the package documentation). Guards must
// match bit for bit.
func same[T float](t *testing.T, what string, got, want []T) {
	t.Helper()
	g, w := full(got), full(want)
	digits := 16
	if is32[T]() {
		digits = 8
	}
	for i := range w {
		if bitsOf(g[i]) != bitsOf(w[i]) && !(i < len(want) && g[i] != g[i] && w[i] != w[i]) {
			where := "index"
			if i >= len(want) {
				where = "guard past the end, index"
			}
			t.Fatalf("%s: %s %d: got %v (%#0*x), want %v (%#0*x)", what, where, i, g[i], digits, bitsOf(g[i]), w[i], digits, bitsOf(w[i]))
		}
	}
}

// sameU is same for spike masks: every word, guards included, must match.
func sameU(t *testing.T, what string, got, want []uint64) {
	t.Helper()
	g, w := full(got), full(want)
	for i := range w {
		if g[i] != w[i] {
			t.Fatalf("%s: word %d: got %#016x, want %#016x", what, i, g[i], w[i])
		}
	}
}

// specials are the values every input mix includes: NaN, infinities, zeros
// of both signs, the smallest denormal of both signs and the largest, the
// threshold itself and its neighbours, ±1 and ±the largest finite value.
func specials[T float](theta T) []T {
	maxDenormal, maxFinite := fromBits[T](1<<52-1), fromBits[T](0x7fefffffffffffff)
	if is32[T]() {
		maxDenormal, maxFinite = fromBits[T](1<<23-1), fromBits[T](0x7f7fffff)
	}
	return []T{
		T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)), 0, T(math.Copysign(0, -1)),
		fromBits[T](1), -fromBits[T](1), maxDenormal,
		theta, nextAfter(theta, 10), nextAfter(theta, -10), 1, -1, maxFinite, -maxFinite,
	}
}

// input returns a fill function: mostly values around the threshold, with
// specials sprinkled in when special is set.
func input[T float](rng *rand.Rand, theta T, special bool) func(int) T {
	sp := specials(theta)
	return func(int) T {
		if special && rng.IntN(8) == 0 {
			return sp[rng.IntN(len(sp))]
		}
		return T(rng.NormFloat64()) * 1.5
	}
}

// The kernels of one float width, as the types the generic tests call.
type (
	updateFn[T float]           func(V, I, Iin []T, alpha, beta, theta T, reset Reset, spikes []uint64) int
	scanFn[T float]             func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, reset Reset, spikes []uint64, maskStride int) int
	accumulateFn[T float]       func(dst, W []T, stride int, rows []int32)
	accumulateTrialsFn[T float] func(dst []T, dstStride int, W []T, stride int, rows [][]int32)
	accumulateMasksFn[T float]  func(dst []T, dstStride int, W []T, stride int, masks []uint64, words int)
	matMulFn[T float]           func(m, n, k int, A []T, lda int, B []T, ldb int, C []T, ldc int, accumulate bool)
	// receptorFn is a two-receptor update (CubaUpdate, CobaUpdate) taking
	// the float64 parameters P; the float32 kernel gets them rounded by
	// to32.
	receptorFn[T float, P any] func(V, A0, Ain0, A1, Ain1 []T, refrac []int32, p P, spikes []uint64) int
)

// kops picks one width's kernels out of an Impl, so that one test body
// written over T runs an implementation's float32 and float64 kernels.
type kops[T float] struct {
	update           func(*Impl) updateFn[T]
	scan             func(*Impl) scanFn[T]
	accumulate       func(*Impl) accumulateFn[T]
	accumulateTrials func(*Impl) accumulateTrialsFn[T]
	accumulateMasks  func(*Impl) accumulateMasksFn[T]
	scatterTaps      func(*Impl) func(dst []T, m int, W []T, base int, events []int32, t *Taps)
	addTrials        func(*Impl) func(dst []T, dstStride int, v []T, trials int)
	scaleTaps        func(*Impl) func(dst []T, m int, W []T, base int, events []int32, vals []T, t *Taps)
	matMul           func(*Impl) matMulFn[T]
	cuba             func(*Impl) receptorFn[T, CubaParams64]
	coba             func(*Impl) receptorFn[T, CobaParams64]
}

var ops32 = kops[float32]{
	update:           func(m *Impl) updateFn[float32] { return m.LeakyUpdate32 },
	scan:             func(m *Impl) scanFn[float32] { return m.LeakyScan32 },
	accumulate:       func(m *Impl) accumulateFn[float32] { return m.AccumulateRows32 },
	accumulateTrials: func(m *Impl) accumulateTrialsFn[float32] { return m.AccumulateTrials32 },
	accumulateMasks:  func(m *Impl) accumulateMasksFn[float32] { return m.AccumulateMasks32 },
	scatterTaps: func(m *Impl) func(dst []float32, mm int, W []float32, base int, events []int32, t *Taps) {
		return m.ScatterTaps32
	},
	addTrials: func(m *Impl) func(dst []float32, dstStride int, v []float32, trials int) { return m.AddTrials32 },
	scaleTaps: func(m *Impl) func(dst []float32, mm int, W []float32, base int, events []int32, vals []float32, t *Taps) {
		return m.ScaleTaps32
	},
	matMul: func(m *Impl) matMulFn[float32] { return m.MatMul32 },
	cuba: func(m *Impl) receptorFn[float32, CubaParams64] {
		return func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p CubaParams64, spikes []uint64) int {
			return m.CubaUpdate32(V, I0, Iin0, I1, Iin1, refrac, p.to32(), spikes)
		}
	},
	coba: func(m *Impl) receptorFn[float32, CobaParams64] {
		return func(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p CobaParams64, spikes []uint64) int {
			return m.CobaUpdate32(V, G0, Gin0, G1, Gin1, refrac, p.to32(), spikes)
		}
	},
}

var ops64 = kops[float64]{
	update:           func(m *Impl) updateFn[float64] { return m.LeakyUpdate64 },
	scan:             func(m *Impl) scanFn[float64] { return m.LeakyScan64 },
	accumulate:       func(m *Impl) accumulateFn[float64] { return m.AccumulateRows64 },
	accumulateTrials: func(m *Impl) accumulateTrialsFn[float64] { return m.AccumulateTrials64 },
	accumulateMasks:  func(m *Impl) accumulateMasksFn[float64] { return m.AccumulateMasks64 },
	scatterTaps: func(m *Impl) func(dst []float64, mm int, W []float64, base int, events []int32, t *Taps) {
		return m.ScatterTaps64
	},
	addTrials: func(m *Impl) func(dst []float64, dstStride int, v []float64, trials int) { return m.AddTrials64 },
	scaleTaps: func(m *Impl) func(dst []float64, mm int, W []float64, base int, events []int32, vals []float64, t *Taps) {
		return m.ScaleTaps64
	},
	matMul: func(m *Impl) matMulFn[float64] { return m.MatMul64 },
	cuba: func(m *Impl) receptorFn[float64, CubaParams64] {
		return func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p CubaParams64, spikes []uint64) int {
			return m.CubaUpdate64(V, I0, Iin0, I1, Iin1, refrac, &p, spikes)
		}
	},
	coba: func(m *Impl) receptorFn[float64, CobaParams64] {
		return func(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p CobaParams64, spikes []uint64) int {
			return m.CobaUpdate64(V, G0, Gin0, G1, Gin1, refrac, &p, spikes)
		}
	},
}
