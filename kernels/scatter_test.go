package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestScatterAdd compares both widths with a plain loop over random
// indices, repeats included, and checks that the guard values around the
// destination are untouched.
func TestScatterAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const guard = 12345.5
	for _, n := range []int{1, 2, 7, 64, 67, 1000} {
		for _, m := range []int{0, 1, 5, 67, 300} {
			idx := make([]int32, m)
			w64 := make([]float64, m)
			w32 := make([]float32, m)
			for k := range idx {
				idx[k] = int32(rng.IntN(n))
				w64[k] = rng.NormFloat64()
				w32[k] = float32(rng.NormFloat64())
			}
			buf64 := make([]float64, n+2)
			buf32 := make([]float32, n+2)
			want64 := make([]float64, n)
			want32 := make([]float32, n)
			for i := 0; i < n; i++ {
				v := rng.Float64()
				buf64[i+1], want64[i] = v, v
				buf32[i+1], want32[i] = float32(v), float32(v)
			}
			buf64[0], buf64[n+1], buf32[0], buf32[n+1] = guard, guard, guard, guard
			for k, i := range idx {
				want64[i] = want64[i] + w64[k]
				want32[i] = want32[i] + w32[k]
			}
			ScatterAdd64(buf64[1:n+1], idx, w64)
			ScatterAdd32(buf32[1:n+1], idx, w32)
			if buf64[0] != guard || buf64[n+1] != guard || buf32[0] != guard || buf32[n+1] != guard {
				t.Fatalf("n=%d m=%d: guard overwritten", n, m)
			}
			for i := 0; i < n; i++ {
				if buf64[i+1] != want64[i] || buf32[i+1] != want32[i] {
					t.Fatalf("n=%d m=%d: dst[%d] = %v/%v, want %v/%v", n, m, i, buf64[i+1], buf32[i+1], want64[i], want32[i])
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
