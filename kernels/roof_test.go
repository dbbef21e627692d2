package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkReceptorRoof measures the CUBA and COBA updates' fraction of
// their in-place roof (the bench suite's "of roof") with the kernel and
// its ceiling, InPlaceStream32 over six arrays at the same n, run in
// alternate windows of a few calls each: on a shared machine the speed
// drifts by tens of percent between separate runs, which a ratio of two
// medians taken a second apart inherits, while two windows a few
// microseconds apart see the same machine. Each b.Loop iteration is one
// pair of windows; "of-roof" is the median over pairs of ceiling time ÷
// kernel time, scaled by 48 ÷ (48 + 1/8) (the suite's roof counts the
// spike mask's bits too), "of-roof-fast" the same ratio of the two
// windows' 10th percentiles (the machine's quiet moments: a neighbour on
// the core's other hardware thread slows the kernel's many vector
// instructions more than the stream's few), and "ns/call" the median
// kernel call.
func BenchmarkReceptorRoof(b *testing.B) {
	const n, calls = 4000, 32
	type update func(impl *Impl, V, X0, Xin0, X1, Xin1 []float32, refrac []int32, spikes []uint64)
	cuba, coba := cubaBenchParams.to32(), cobaBenchParams.to32()
	kernels := []struct {
		name  string
		state func(rng *rand.Rand, n int) (V, X0, Xin0, X1, Xin1 []float64, refrac []int32)
		step  update
	}{
		{"cuba", cubaState, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float32, refrac []int32, spikes []uint64) {
			impl.CubaUpdate32(V, I0, Iin0, I1, Iin1, refrac, cuba, spikes)
		}},
		{"coba", cobaState, func(impl *Impl, V, G0, Gin0, G1, Gin1 []float32, refrac []int32, spikes []uint64) {
			impl.CobaUpdate32(V, G0, Gin0, G1, Gin1, refrac, coba, spikes)
		}},
	}
	for _, k := range kernels {
		for _, impl := range Known() {
			b.Run(fmt.Sprintf("kernel=%s/impl=%s/n=%d", k.name, impl.Name, n), func(b *testing.B) {
				skipUnsupported(b, impl)
				V, X0, Xin0, X1, Xin1, refrac := k.state(rand.New(rand.NewPCG(3, n)), n)
				f32 := func(s []float64) []float32 {
					out := make([]float32, len(s))
					for i, v := range s {
						out[i] = float32(v)
					}
					return out
				}
				v, x0, xin0, x1, xin1 := f32(V), f32(X0), f32(Xin0), f32(X1), f32(Xin1)
				spikes := make([]uint64, MaskWords(n))
				xs := InPlaceBuffers(n)
				stream := instrumentsOf[impl].InPlaceStream32
				var ratios, kernelNs, ceilNs []float64
				for b.Loop() {
					t0 := time.Now()
					for range calls {
						k.step(impl, v, x0, xin0, x1, xin1, refrac, spikes)
					}
					t1 := time.Now()
					for range calls {
						stream(xs, 1)
					}
					tk, tc := t1.Sub(t0).Seconds(), time.Since(t1).Seconds()
					ratios = append(ratios, tc/tk*48/(48+1.0/8))
					kernelNs = append(kernelNs, tk*1e9/calls)
					ceilNs = append(ceilNs, tc*1e9/calls)
				}
				quantile := func(x []float64, q float64) float64 {
					slices.Sort(x)
					return x[int(q*float64(len(x)-1))]
				}
				b.ReportMetric(quantile(ratios, 0.5), "of-roof")
				b.ReportMetric(quantile(ceilNs, 0.1)/quantile(kernelNs, 0.1)*48/(48+1.0/8), "of-roof-fast")
				b.ReportMetric(quantile(kernelNs, 0.5), "ns/call")
			})
		}
	}
}
