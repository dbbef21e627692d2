package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// flushOf is impl's FlushSubnormals of element type T.
func flushOf[T float](impl *Impl) func(x []T) {
	var f any = impl.FlushSubnormals64
	if is32[T]() {
		f = impl.FlushSubnormals32
	}
	return f.(func([]T))
}

// tinyMix is value i of a flush test: raw bits, subnormals of both signs,
// the least normal and its neighbours, zeros of both signs, NaNs and
// infinities among ordinary values.
func tinyMix[T float](rng *rand.Rand) func(i int) T {
	least := float64(leastNormal[T]())
	return func(i int) T {
		sign := float64(1 - 2*rng.IntN(2))
		switch rng.IntN(9) {
		case 0:
			return fromBits[T](rng.Uint64())
		case 1, 2:
			return T(sign*rng.Float64()) * T(least)
		case 3:
			return T(sign * least)
		case 4:
			return T(math.Nextafter(sign*least, 0)) // the largest subnormal
		case 5:
			return T(math.Copysign(0, sign))
		case 6:
			return []T{T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1))}[rng.IntN(3)]
		default:
			return T(sign * rng.ExpFloat64())
		}
	}
}

// TestFlushSubnormals runs every implementation against the definition
// (a value with all exponent bits zero becomes its sign bit alone, every
// other value keeps its bits, NaN payloads included) and against Generic,
// at every size of sizes and four offsets, the guards past the slice
// untouched.
func TestFlushSubnormals(t *testing.T) {
	t.Run("float32", func(t *testing.T) { forEachImpl(t, testFlushAgainst[float32]) })
	t.Run("float64", func(t *testing.T) { forEachImpl(t, testFlushAgainst[float64]) })
}

func testFlushAgainst[T float](t *testing.T, impl *Impl) {
	got, want := flushOf[T](impl), flushOf[T](Generic)
	expBits, signBits := uint64(0x7ff0000000000000), uint64(1)<<63
	if is32[T]() {
		expBits, signBits = 0x7f800000, 1<<31
	}
	rng := rand.New(rand.NewPCG(16, 40001))
	for _, n := range sizes() {
		for off := range 4 {
			x := buf(n, off, tinyMix[T](rng))
			before := clone(x)
			y := clone(x)
			got(x)
			want(y)
			what := fmt.Sprintf("n=%d off=%d", n, off)
			for i, v := range full(x) {
				b, b0 := bitsOf(v), bitsOf(full(before)[i])
				keep := b0
				if i < n && b0&expBits == 0 {
					keep = b0 & signBits
				}
				if b != keep || b != bitsOf(full(y)[i]) {
					t.Fatalf("%s: index %d (of %d with guards): %#x became %#x, want %#x (Generic %#x)", what, i, len(full(x)), b0, b, keep, bitsOf(full(y)[i]))
				}
			}
		}
	}
}

// TestFlushSubnormalsEndsTheDecay shows what the flush is for: a current
// decaying without input from 1 by α = 0.98 reaches the subnormals and
// stops in them, at a few units of the least, where α times it rounds
// back to it; flushed, it is zero from then on.
func TestFlushSubnormalsEndsTheDecay(t *testing.T) {
	x := []float32{1}
	steps := 0
	for ; math.Float32bits(x[0])&0x7f800000 != 0; steps++ {
		x[0] *= 0.98
	}
	for range 2000 {
		x[0] *= 0.98
	}
	if stuck := x[0]; stuck == 0 || stuck*0.98 != stuck || math.Float32bits(stuck)&0x7f800000 != 0 {
		t.Fatalf("after %d steps to the subnormals and 2000 more the current is %g, not a subnormal stuck", steps, stuck)
	}
	FlushSubnormals32(x)
	if math.Float32bits(x[0]) != 0 {
		t.Fatalf("flushed, the stuck current is %g", x[0])
	}
}

func fuzzFlush[T float](t *testing.T, data []byte) {
	d := &decoder{data}
	n := d.u8() + d.u8()
	x := make([]T, n, n+guardLen)
	for i := range x {
		x[i] = raw[T](d)
	}
	want := clone(x)
	flushOf[T](Generic)(want)
	for _, impl := range fuzzImpls(t) {
		got := clone(x)
		flushOf[T](impl)(got)
		for i := range got {
			if bitsOf(got[i]) != bitsOf(want[i]) {
				t.Fatalf("%s n=%d index %d: %#x, Generic %#x", impl.Name, n, i, bitsOf(got[i]), bitsOf(want[i]))
			}
		}
	}
}

func FuzzFlushSubnormals32(f *testing.F) {
	f.Add([]byte{70, 0, 1, 0, 0, 0, 0, 0, 128, 0, 0, 0x80, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFlush[float32](t, data) })
}

func FuzzFlushSubnormals64(f *testing.F) {
	f.Add([]byte{70, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFlush[float64](t, data) })
}
