package engine

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkProceduralRow measures regenerating one input's weights onto
// 10^5 neurons, the inner cost of a procedural projection per spike.
func BenchmarkProceduralRow(b *testing.B) {
	const n = 100000
	g := newNormalRow(1, 0, 0.1)
	dst := make([]float32, n)
	b.SetBytes(4 * n)
	for b.Loop() {
		fill(g, dst, 7, 0)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "weights/s")
}

// BenchmarkProceduralStep steps the procedural scale workload of `leaky
// bench` (1000 Poisson inputs at 5 Hz onto n seed neurons, weights
// regenerated on every spike) on one thread, 32 steps per iteration after
// 20 of warm-up, in neuron-steps/s.
func BenchmarkProceduralStep(b *testing.B) {
	const nIn, steps = 1000, 32
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			p := DefaultNeuron()
			src, err := NewPoisson[float32]("in", 1, nIn, 5, p.Dt, 1, 0)
			if err != nil {
				b.Fatal(err)
			}
			pop, err := NewPopulation[float32]("lif", 1, n, p)
			if err != nil {
				b.Fatal(err)
			}
			pr, err := NewProcedural[float32]("w", src, pop, DefaultWeightScale(p.Beta(), nIn), 1, 0)
			if err != nil {
				b.Fatal(err)
			}
			net := oneProjection(b, src, pop, pr, 1)
			defer net.Close()
			if err := net.Run(context.Background(), 20, nil); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := net.Run(context.Background(), steps, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*steps*float64(b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
		})
	}
}

// oneProjection is the network of src projecting through pr onto pop,
// stepped on threads threads.
func oneProjection(tb testing.TB, src Source[float32], pop *Population[float32], pr Projection[float32], threads int) *Network[float32] {
	tb.Helper()
	net := NewNetwork[float32]()
	net.AddSource(src)
	net.AddPopulation(pop)
	if err := net.AddProjection(pr); err != nil {
		tb.Fatal(err)
	}
	net.SetThreads(threads)
	return net
}
