package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestScatterAdd compares both widths with a plain loop over random
// indices, repeats included, from base 0 and from a rank's block's first
// neuron on, and checks that the guard values around the destination are
// untouched; with targets as uint16 (narrow) from bases whose targets fit.
func TestScatterAdd(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testScatterAdd(t, ScatterAdd32[int32], 3, false, 1<<20) })
	t.Run("float64", func(t *testing.T) { testScatterAdd(t, ScatterAdd64[int32], 5, false, 1<<20) })
	t.Run("float32/uint16", func(t *testing.T) { testScatterAdd(t, narrow(ScatterAdd32[uint16]), 11, false, narrowTop) })
	t.Run("float64/uint16", func(t *testing.T) { testScatterAdd(t, narrow(ScatterAdd64[uint16]), 13, false, narrowTop) })
}

// narrow calls a scatter over uint16 targets as the tests call one over
// int32 targets, whose targets must then lie below 65536 (testScatterAdd's
// top).
func narrow[T float, W any](f func(dst []T, idx []uint16, w W, base int32)) func(dst []T, idx []int32, w W, base int32) {
	return func(dst []T, idx []int32, w W, base int32) {
		short := make([]uint16, len(idx))
		for k, i := range idx {
			short[k] = uint16(i)
		}
		f(dst, short, w, base)
	}
}

// TestScatterAddUniform: ScatterAddUniform adds what ScatterAdd adds with
// every weight the same, bit for bit (checked against the plain loop the
// same way), including a weight of −0, which leaves a +0 target +0.
func TestScatterAddUniform(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testScatterAdd(t, uniformAsScatter(ScatterAddUniform32[int32]), 7, true, 1<<20) })
	t.Run("float64", func(t *testing.T) { testScatterAdd(t, uniformAsScatter(ScatterAddUniform64[int32]), 9, true, 1<<20) })
	t.Run("float32/uint16", func(t *testing.T) {
		testScatterAdd(t, uniformAsScatter(narrow(ScatterAddUniform32[uint16])), 15, true, narrowTop)
	})
	t.Run("float64/uint16", func(t *testing.T) {
		testScatterAdd(t, uniformAsScatter(narrow(ScatterAddUniform64[uint16])), 17, true, narrowTop)
	})
	dst := []float32{0, 1}
	ScatterAddUniform32(dst, []int32{0, 1}, float32(math.Copysign(0, -1)), 0)
	if math.Signbit(float64(dst[0])) || dst[1] != 1 {
		t.Errorf("adding −0: %v (sign %v), want +0 and 1", dst, math.Signbit(float64(dst[0])))
	}
}

// uniformAsScatter calls a uniform scatter as ScatterAdd's tests call
// ScatterAdd, with the weight of the (uniform) weights array.
func uniformAsScatter[T float](f func(dst []T, idx []int32, w T, base int32)) func(dst []T, idx []int32, w []T, base int32) {
	return func(dst []T, idx []int32, w []T, base int32) {
		var u T
		if len(w) > 0 {
			u = w[0]
		}
		f(dst, idx, u, base)
	}
}

// narrowTop is the largest base whose targets (up to 1000 values on) the
// uint16 scatters can hold: the last is 65535.
const narrowTop = 1<<16 - 1000

// testScatterAdd is TestScatterAdd for one width, with generator seeds seed
// and seed+1, from bases 0, 64 and top; uniform gives every synapse of a
// call the same weight.
func testScatterAdd[T float](t *testing.T, scatterAdd func(dst []T, idx []int32, w []T, base int32), seed uint64, uniform bool, top int32) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for _, base := range []int32{0, 64, top} {
		for _, n := range []int{1, 2, 7, 64, 67, 1000} {
			for _, m := range []int{0, 1, 5, 67, 300} {
				testScatterAddOnce(t, scatterAdd, rng, base, n, m, uniform)
			}
		}
	}
}

// testScatterAddOnce adds m random weights into n values from neuron base on.
func testScatterAddOnce[T float](t *testing.T, scatterAdd func(dst []T, idx []int32, w []T, base int32), rng *rand.Rand, base int32, n, m int, uniform bool) {
	const guard = 12345.5
	idx := make([]int32, m)
	w := make([]T, m)
	for k := range idx {
		idx[k] = base + int32(rng.IntN(n))
		w[k] = T(rng.NormFloat64())
		if uniform && k > 0 {
			w[k] = w[0]
		}
	}
	dst := make([]T, n+2)
	want := make([]T, n)
	for i := 0; i < n; i++ {
		v := T(rng.Float64())
		dst[i+1], want[i] = v, v
	}
	dst[0], dst[n+1] = guard, guard
	for k, i := range idx {
		want[i-base] = want[i-base] + w[k]
	}
	scatterAdd(dst[1:n+1], idx, w, base)
	if dst[0] != guard || dst[n+1] != guard {
		t.Fatalf("base=%d n=%d m=%d: guard overwritten", base, n, m)
	}
	for i := 0; i < n; i++ {
		if dst[i+1] != want[i] {
			t.Fatalf("base=%d n=%d m=%d: dst[%d] = %v, want %v", base, n, m, i, dst[i+1], want[i])
		}
	}
}

// BenchmarkScatterAdd32 measures one CSR row of 80 synapses into 4000
// neurons, CUBA's shape.
func BenchmarkScatterAdd32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	dst := make([]float32, 4000)
	idx := make([]int32, 80)
	w := make([]float32, 80)
	for k := range idx {
		idx[k] = int32(rng.IntN(len(dst)))
		w[k] = 0.1
	}
	for b.Loop() {
		ScatterAdd32(dst, idx, w, 0)
	}
	b.ReportMetric(float64(len(idx))*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
}
