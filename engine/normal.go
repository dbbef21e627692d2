package engine

import (
	"math/rand/v2"

	"leaky/kernels"
)

// Normal numbers for weights and initial states come from kernels.Normals:
// Philox4x32-10 counters feeding the Box–Muller transform, vectorised in
// AVX2 and AVX-512 with the generic Go's bits. A row of numbers is named by
// a kernels.NormalKey made here from (seed, stream, kind) and the row's
// index; number c of the row depends on the key and c alone, so any range
// of columns is drawn on its own — by a thread's share of a stored matrix,
// or by a procedural projection regenerating one input's weights onto a
// block of neurons — and equals the same columns of the whole row.
// BenchmarkProceduralRow (engine) and BenchmarkNormals (kernels) time it.

// Kinds of rows within one stream, the last part of a row's key, so that
// two consumers keyed by the same seed and stream never share numbers.
const (
	// kindRow is a row of a stream of its own: the notebook's weights of a
	// projection, a trial's initial V.
	kindRow uint64 = iota
	// kindSparse is NewRandomSparse's weights, a row per input.
	kindSparse
	// kindDist is FillWeights' rows.
	kindDist
)

// normalRow is a stream of rows of Normal(0, scale) numbers: the key of
// every row but its index, and the scale.
type normalRow struct {
	key   kernels.NormalKey
	scale float64
}

// newNormalRows keys rows by (seed, stream, kind): the Philox key from one
// hash, the counter's two top words from another.
func newNormalRows(seed, stream, kind uint64, scale float64) normalRow {
	h := mix(seed ^ mix(stream^mix(kind)))
	g := mix(h ^ 0x4f1bbcdcbfa53e0b)
	return normalRow{key: kernels.NormalKey{K0: uint32(h), K1: uint32(h >> 32), C2: uint32(g), C3: uint32(g >> 32)}, scale: scale}
}

// newNormalRow is the notebook's weights of projection stream stream.
func newNormalRow(seed, stream uint64, scale float64) normalRow {
	return newNormalRows(seed, streamWeights+stream<<8, kindRow, scale)
}

// fill writes numbers [lo, lo+len(dst)) of row r into dst.
func fill[T Float](g normalRow, dst []T, r, lo int) {
	rowNumbers(g, dst, r, lo, kernels.Normals32, kernels.Normals64)
}

// addRow adds numbers [lo, lo+len(dst)) of row r to dst: dst[i] += number
// lo+i, the bits of fill into a buffer and accumulateRows of it.
func addRow[T Float](g normalRow, dst []T, r, lo int) {
	rowNumbers(g, dst, r, lo, kernels.AddNormals32, kernels.AddNormals64)
}

// rowNumbers runs the kernel of T's width (Normals or AddNormals) on
// numbers [lo, lo+len(dst)) of row r.
func rowNumbers[T Float](g normalRow, dst []T, r, lo int, k32 func([]float32, kernels.NormalKey, int, float64), k64 func([]float64, kernels.NormalKey, int, float64)) {
	k := g.key
	k.C1 = uint32(r)
	if is32[T]() {
		k32(f32(dst), k, lo, g.scale)
		return
	}
	k64(f64(dst), k, lo, g.scale)
}

// fillDist writes the first len(dst) values of row r of d, keyed by
// (seed, stream, kind), into dst, sign imposed: constants as they are,
// uniform values in order from a PCG keyed by (seed, stream, r, kind),
// normal ones A + z·B with z·B from the normal row. scratch holds the normal numbers
// before they are shifted and signed; it grows as needed.
func fillDist[T Float](dst []T, d Dist, sign Sign, seed, stream, kind uint64, r int, scratch *[]float64) {
	fillDistAt(dst, d, sign, seed, stream, kind, r, 0, scratch)
}

// fillDistAt is fillDist of the row's values lo… (a rank's columns, or
// the synapses onto its block): the normal row is counter-based, and a
// uniform value takes one PCG output, so the lo before are skipped.
func fillDistAt[T Float](dst []T, d Dist, sign Sign, seed, stream, kind uint64, r, lo int, scratch *[]float64) {
	switch d.Kind {
	case DistConst:
		v := T(sign.Apply(d.A))
		for i := range dst {
			dst[i] = v
		}
		return
	case DistUniform:
		src := keyedPCG(seed, stream, uint64(r), kind)
		for range lo {
			src.Uint64() // rand's Float64 takes one
		}
		rng := rand.New(&src)
		for i := range dst {
			dst[i] = T(sign.Apply(d.A + rng.Float64()*(d.B-d.A)))
		}
		return
	}
	if cap(*scratch) < len(dst) {
		*scratch = make([]float64, len(dst))
	}
	z := (*scratch)[:len(dst)]
	fill(newNormalRows(seed, stream, kind, d.B), z, r, lo)
	for i, v := range z {
		dst[i] = T(sign.Apply(d.A + v))
	}
}
