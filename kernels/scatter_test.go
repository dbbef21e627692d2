package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestScatterAdd compares both widths with a plain loop over random
// indices, repeats included, and checks that the guard values around the
// destination are untouched.
func TestScatterAdd(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testScatterAdd(t, ScatterAdd32, 3) })
	t.Run("float64", func(t *testing.T) { testScatterAdd(t, ScatterAdd64, 5) })
}

// testScatterAdd is TestScatterAdd for one width, with generator seeds seed
// and seed+1.
func testScatterAdd[T float](t *testing.T, scatterAdd func(dst []T, idx []int32, w []T), seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	const guard = 12345.5
	for _, n := range []int{1, 2, 7, 64, 67, 1000} {
		for _, m := range []int{0, 1, 5, 67, 300} {
			idx := make([]int32, m)
			w := make([]T, m)
			for k := range idx {
				idx[k] = int32(rng.IntN(n))
				w[k] = T(rng.NormFloat64())
			}
			dst := make([]T, n+2)
			want := make([]T, n)
			for i := 0; i < n; i++ {
				v := T(rng.Float64())
				dst[i+1], want[i] = v, v
			}
			dst[0], dst[n+1] = guard, guard
			for k, i := range idx {
				want[i] = want[i] + w[k]
			}
			scatterAdd(dst[1:n+1], idx, w)
			if dst[0] != guard || dst[n+1] != guard {
				t.Fatalf("n=%d m=%d: guard overwritten", n, m)
			}
			for i := 0; i < n; i++ {
				if dst[i+1] != want[i] {
					t.Fatalf("n=%d m=%d: dst[%d] = %v, want %v", n, m, i, dst[i+1], want[i])
				}
			}
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
		ScatterAdd32(dst, idx, w)
	}
	b.ReportMetric(float64(len(idx))*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
}
