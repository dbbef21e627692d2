package engine

import (
	"math"
	"slices"
	"sort"
	"testing"
)

// ksDistance is the Kolmogorov–Smirnov distance of the sample x (sorted in
// place) from the standard normal distribution, whose CDF is computed with
// math.Erfc.
func ksDistance(x []float64) float64 {
	sort.Float64s(x)
	n := float64(len(x))
	d := 0.0
	for i, v := range x {
		cdf := 0.5 * math.Erfc(-v/math.Sqrt2)
		d = max(d, math.Abs(cdf-float64(i)/n), math.Abs(cdf-float64(i+1)/n))
	}
	return d
}

// TestFillWeightsNormal: weights from Normal(A, B) are A + B·z with z
// standard normal (Kolmogorov–Smirnov below the 0.1% critical value), and
// a sign folds them onto one side.
func TestFillWeightsNormal(t *testing.T) {
	const rows, cols, a, b = 200, 1000, 0.5, 2.0
	w := make([]float64, rows*cols)
	if err := FillWeights(w, rows, cols, Normal(a, b), SignAsGiven, 3, 1, 0); err != nil {
		t.Fatal(err)
	}
	z := make([]float64, len(w))
	for i, v := range w {
		z[i] = (v - a) / b
	}
	if d, crit := ksDistance(z), 1.95/math.Sqrt(float64(len(z))); d > crit {
		t.Fatalf("Kolmogorov–Smirnov distance %v from Normal(%v, %v) exceeds %v", d, a, b, crit)
	}
	neg := make([]float64, len(w))
	if err := FillWeights(neg, rows, cols, Normal(a, b), SignInhibitory, 3, 1, 0); err != nil {
		t.Fatal(err)
	}
	for i := range neg {
		if neg[i] != -math.Abs(w[i]) {
			t.Fatalf("weight %d: inhibitory %v, as given %v", i, neg[i], w[i])
		}
	}
}

// TestNormalRowsIndependent: rows of different kinds, streams, seeds and
// indices are different numbers; any part of a row is the same part of the
// whole row; and neighbouring rows do not correlate.
func TestNormalRowsIndependent(t *testing.T) {
	const n = 4096
	row := func(seed, stream, kind uint64, r int) []float64 {
		x := make([]float64, n)
		fill(newNormalRows(seed, stream, kind, 1), x, r, 0)
		return x
	}
	ref := row(1, 5, kindRow, 0)
	for _, other := range [][]float64{row(2, 5, kindRow, 0), row(1, 6, kindRow, 0), row(1, 5, kindSparse, 0), row(1, 5, kindDist, 0), row(1, 5, kindRow, 1)} {
		same := 0
		for i := range ref {
			if other[i] == ref[i] {
				same++
			}
		}
		if same > 0 {
			t.Fatalf("%d of %d numbers shared between differently keyed rows", same, n)
		}
	}
	part := make([]float64, 100)
	fill(newNormalRows(1, 5, kindRow, 1), part, 0, 1234)
	if !slices.Equal(part, ref[1234:1334]) {
		t.Fatal("columns 1234… drawn alone differ from the same columns of the whole row")
	}
	next := row(1, 5, kindRow, 1)
	s := 0.0
	for i := range ref {
		s += ref[i] * next[i]
	}
	if z := s / math.Sqrt(n); math.Abs(z) > 5 {
		t.Fatalf("rows 0 and 1 correlate: %.2f standard errors", z)
	}
}
