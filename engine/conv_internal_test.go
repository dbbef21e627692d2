package engine

import (
	"math"
	"testing"
)

// TestAllZero: every length up to past a block, a nonzero value at every
// position (tiny, huge, NaN), and −0 (which counts as zero).
func TestAllZero(t *testing.T) {
	testAllZero[float32](t)
	testAllZero[float64](t)
}

func testAllZero[T Float](t *testing.T) {
	for n := 0; n <= 37; n++ {
		x := make([]T, n)
		if !allZero(x) {
			t.Fatalf("%d zeros: not all zero", n)
		}
		for i := range x {
			x[i] = T(math.Copysign(0, -1))
			if !allZero(x) {
				t.Fatalf("n=%d: −0 at %d counts as nonzero", n, i)
			}
			for _, v := range []float64{math.SmallestNonzeroFloat64, 1e-45, -1, math.NaN(), math.Inf(1)} {
				if T(v) == 0 {
					continue // underflows in float32
				}
				x[i] = T(v)
				if allZero(x) {
					t.Fatalf("n=%d: %v at %d missed", n, v, i)
				}
			}
			x[i] = 0
		}
	}
}
