package engine

import (
	"math"
	"sort"
	"testing"
)

// TestNormalStreamDistribution compares two million draws with the standard
// normal distribution computed another way (math.Erf): the Kolmogorov–
// Smirnov distance, the moments, and the tail beyond the ziggurat's base
// layer, which a wrong tail branch would get wrong while leaving the bulk
// right.
func TestNormalStreamDistribution(t *testing.T) {
	const n = 2_000_000
	g := normalStream{s: 12345}
	x := make([]float64, n)
	var sum, sq, quad float64
	tail := 0
	for i := range x {
		v := g.norm()
		x[i] = v
		sum += v
		sq += v * v
		quad += v * v * v * v
		if math.Abs(v) > zigR {
			tail++
		}
	}
	mean, variance := sum/n, sq/n
	if math.Abs(mean) > 5/math.Sqrt(n) {
		t.Errorf("mean %v, want 0 ± %v", mean, 5/math.Sqrt(n))
	}
	if math.Abs(variance-1) > 5*math.Sqrt(2.0/n) {
		t.Errorf("variance %v, want 1 ± %v", variance, 5*math.Sqrt(2.0/n))
	}
	if k := quad / n; math.Abs(k-3) > 5*math.Sqrt(96.0/n) {
		t.Errorf("fourth moment %v, want 3", k)
	}
	pTail := math.Erfc(zigR / math.Sqrt2)
	if want, sd := pTail*n, math.Sqrt(pTail*n); math.Abs(float64(tail)-want) > 5*sd {
		t.Errorf("%d draws beyond ±%v, want %.0f ± %.0f", tail, zigR, want, sd)
	}
	sort.Float64s(x)
	d := 0.0
	for i, v := range x {
		cdf := 0.5 * math.Erfc(-v/math.Sqrt2)
		d = max(d, math.Abs(cdf-float64(i)/n), math.Abs(cdf-float64(i+1)/n))
	}
	// 1.95/√n is the 0.1% critical value of the KS distance.
	if d > 1.95/math.Sqrt(n) {
		t.Errorf("Kolmogorov–Smirnov distance %v exceeds %v", d, 1.95/math.Sqrt(n))
	}
}

// TestFillMatchesNorm checks that fill's written-out draw loop gives exactly
// the numbers of normalStream.norm, the plain form of the same algorithm,
// over enough blocks that the wedge and tail paths are taken many times.
func TestFillMatchesNorm(t *testing.T) {
	const scale = 0.37
	g := newNormalRow(5, 2, scale)
	dst := make([]float64, 40*weightBlock)
	slow := 0
	for r := 0; r < 50; r++ {
		fill(g, dst, r, 0)
		for k := 0; k < len(dst); k += weightBlock {
			hi, l := pcgKey(g.seed, g.stream, uint64(r), uint64(k/weightBlock))
			src := normalStream{s: hi ^ l}
			for j := k; j < k+weightBlock; j++ {
				// Count the draws that leave the fast path.
				probe := src
				if _, ok := zigRect(probe.uint64()); !ok {
					slow++
				}
				want := src.norm() * scale
				if math.Float64bits(dst[j]) != math.Float64bits(want) {
					t.Fatalf("row %d weight %d: fill %v, norm %v", r, j, dst[j], want)
				}
			}
		}
	}
	if slow < 500 {
		t.Fatalf("only %d of %d draws left the rectangle path; the test does not exercise normSlow", slow, 50*len(dst))
	}
}
