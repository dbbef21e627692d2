package engine

import "testing"

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
