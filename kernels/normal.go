package kernels

import (
	"math"
	"math/bits"
)

// Normal numbers for weights: a counter-based generator, Philox4x32-10
// (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
// feeding the Box–Muller transform. Counter-based means that number c of a
// row is a function of the key and c alone, so any range of columns can be
// drawn on its own, by any thread, in any order, and eight lanes of a
// vector draw eight counters at once; Box–Muller has no rejection step, so
// every lane does the same work. Logarithm, sine and cosine are the
// polynomials below, evaluated with the same fused multiply-adds in Go as
// in the assembly, so every implementation gives the same bits.

// NormalKey names one row of normal numbers: Philox's key (K0, K1) and the
// three upper words of its counter (C1, C2, C3); the lowest word counts
// along the row.
type NormalKey struct{ K0, K1, C1, C2, C3 uint32 }

// NormalBlock64 is the number of columns whose float64 normals one pass
// of the generator makes: eight Philox counters, four 32-bit words each,
// two words per Box–Muller pair, two normals per pair. Column c of a row
// is made from counter 8·(c/32) + c%8, the pair (words 0, 1) for c%32 <
// 16, else (words 2, 3), and the pair's cosine for (c%32)/8 even, its sine
// for odd; so each group of eight consecutive columns is one vector of
// eight counters, whatever the vector width.
const NormalBlock64 = 32

// NormalBlock32 is NormalBlock64 for float32 normals, whose Box–Muller
// runs in float32 on sixteen counters at once (a ZMM vector of float32, or
// two YMM): column c is made from counter 16·(c/64) + c%16, the pair
// (words 0, 1) for c%64 < 32, else (words 2, 3), its cosine for (c%64)/16
// even, its sine for odd.
const NormalBlock32 = 64

// Normals32 writes the normal numbers of key's row at columns col …
// col+len(dst)−1, times scale, into dst: dst[i] = z·float32(scale) for the
// float32 standard normal number z of column col+i (boxMuller32), the
// product rounded in float32. col must be in [0, 2^34). It runs the active
// implementation (see [Use]); all give the same bits.
func Normals32(dst []float32, key NormalKey, col int, scale float64) {
	active.Normals32(dst, key, col, scale)
}

// Normals64 is Normals32 in float64: dst[i] = z·scale for the float64
// standard normal number z of column col+i (boxMuller): other numbers than
// Normals32's, from the same distribution.
func Normals64(dst []float64, key NormalKey, col int, scale float64) {
	active.Normals64(dst, key, col, scale)
}

// AddNormals32 adds what Normals32 writes: dst[i] += float32(z·scale), the
// same bits as Normals32 into a buffer and AccumulateRows32 of it, without
// the buffer — a procedural projection's row, regenerated straight into
// the input current.
func AddNormals32(dst []float32, key NormalKey, col int, scale float64) {
	active.AddNormals32(dst, key, col, scale)
}

// AddNormals64 is AddNormals32 in float64: dst[i] += z·scale.
func AddNormals64(dst []float64, key NormalKey, col int, scale float64) {
	active.AddNormals64(dst, key, col, scale)
}

// The Philox4x32 constants: the two multipliers and the two Weyl
// increments of the key schedule.
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
	// philoxRounds is the number of rounds: Philox4x32-10, the variant
	// the authors recommend (it passes TestU01's BigCrush with margin).
	philoxRounds = 10
)

// philox returns the four words of Philox4x32-10 for counter (c0, c1, c2,
// c3) under key (k0, k1).
func philox(c0, c1, c2, c3, k0, k1 uint32) (uint32, uint32, uint32, uint32) {
	for r := 0; r < philoxRounds; r++ {
		if r > 0 {
			k0 += philoxW0
			k1 += philoxW1
		}
		hi0, lo0 := bits.Mul32(philoxM0, c0)
		hi1, lo1 := bits.Mul32(philoxM1, c2)
		c0, c1, c2, c3 = hi1^c1^k0, lo1, hi0^c3^k1, lo0
	}
	return c0, c1, c2, c3
}

// The Box–Muller constants. A pair of words (a, b) gives the radius
// r = √(−2 ln x) of x = (a+1)/2^32 ∈ (0, 1] and the angle θ = 2π·b/2^32.
//
// ln x: x = 2^e·m with m ∈ [√½, √2], ln x = e·ln 2 + ln m, and ln m =
// s·Σ logCoef[k]·s^2k with s = (m−1)/(m+1), |s| ≤ 0.1716.
//
// θ: the top two bits of u = b + 2^29 are the quadrant q, and the rest is
// φ = t·2π/2^32 with t = u mod 2^30 − 2^29, so θ = q·π/2 + φ, φ ∈ [−π/4,
// π/4), where sin φ = φ + φ³·Σ sinCoef[k]·φ^2k and cos φ = 1 + φ²·Σ
// cosCoef[k]·φ^2k. The coefficients (geometry_gen.go) are written by the
// generator, which puts the same numbers into the assembly's table.

const (
	// normalLn2 is ln 2, rounded to float64.
	normalLn2 = math.Ln2
	// normalSqrt2 is the largest m kept in [1, 2): above it m is halved
	// and e incremented, so that m ∈ [√½, √2].
	normalSqrt2 = math.Sqrt2
	// normalAngle is 2π/2^32, the angle of one step of b.
	normalAngle = 2 * math.Pi / (1 << 32)
)

// boxMuller returns the two normal numbers of words a and b times scale:
// r·scale·cos θ and r·scale·sin θ, each operation rounded as the assembly
// rounds it.
func boxMuller(a, b uint32, scale float64) (float64, float64) {
	x := float64(a) + 1
	xb := math.Float64bits(x)
	e := float64(int(xb>>52) - 1023 - 32)
	m := math.Float64frombits(xb&(1<<52-1) | 1023<<52)
	if m > normalSqrt2 {
		m *= 0.5
		e++
	}
	s := (m - 1) / (m + 1)
	z := s * s
	// −2 ln x, with −2 folded into the coefficients: scaling by a power
	// of two is exact, so this is −2 times ln x as rounded.
	q := -2 * logCoef[len(logCoef)-1]
	for k := len(logCoef) - 2; k >= 0; k-- {
		q = math.FMA(q, z, -2*logCoef[k])
	}
	r2 := math.FMA(e, -2*normalLn2, s*q)
	rs := math.Sqrt(r2) * scale

	u := b + 1<<29
	t := float64(u&(1<<30-1)) - 1<<29
	phi := t * normalAngle
	w := phi * phi
	ps := sinCoef[len(sinCoef)-1]
	for k := len(sinCoef) - 2; k >= 0; k-- {
		ps = math.FMA(ps, w, sinCoef[k])
	}
	sn := math.FMA(phi*w, ps, phi)
	pc := cosCoef[len(cosCoef)-1]
	for k := len(cosCoef) - 2; k >= 0; k-- {
		pc = math.FMA(pc, w, cosCoef[k])
	}
	cs := math.FMA(w, pc, 1)
	cs, sn = quadrant(u, cs, sn)
	return rs * cs, rs * sn
}

// The float32 Box–Muller constants. A pair of words (a, b) gives the
// radius r = √(−2 ln x) of x = float32(a>>1)·2^-31 + 2^-32 ∈ [2^-32, 1]
// (the conversion rounded to nearest, as every operation here) and the
// angle θ = q·π/2 + φ of boxMuller, its t converted to float32.
//
// ln x: x = 2^e·m with m ∈ [√½, √2], f = m − 1 (exact), and ln x =
// e·ln2hi + (f + (f³·Σ log32Coef[k]·f^k + e·ln2lo − f²/2)) with ln 2 =
// ln2hi + ln2lo, ln2hi short enough that e·ln2hi is exact: Cephes' logf.
// sin φ = φ + φ³·Σ sin32Coef[k]·φ^2k and cos φ = 1 − φ²/2 + φ⁴·Σ
// cos32Coef[k]·φ^2k: Cephes' sinf and cosf. Every product is rounded
// before it is added — no fused multiply-add, which Go has only in
// float64, and a float64 one rounded to float32 can differ from float32's
// — so generic Go and the assembly agree.
const (
	normalLn2Hi32   float32 = 0.693359375
	normalLn2Lo32   float32 = -2.12194440e-4
	normalSqrt2_32  float32 = math.Sqrt2
	normalAngle32   float32 = 2 * math.Pi / (1 << 32)
	normalInvTwo31  float32 = 0x1p-31
	normalHalfTwo31 float32 = 0x1p-32
)

// horner32 evaluates Σ c[k]·w^k from the highest coefficient, each
// product rounded before its sum.
func horner32(c []float32, w float32) float32 {
	p := c[len(c)-1]
	for k := len(c) - 2; k >= 0; k-- {
		p = float32(p*w) + c[k]
	}
	return p
}

// boxMuller32 returns the two float32 normal numbers of words a and b
// times scale: r·scale·cos θ and r·scale·sin θ, each operation rounded as
// the assembly rounds it.
func boxMuller32(a, b uint32, scale float32) (float32, float32) {
	x := float32(float32(int32(a>>1))*normalInvTwo31) + normalHalfTwo31
	xb := math.Float32bits(x)
	e := float32(int32(xb>>23) - 127)
	m := math.Float32frombits(xb&(1<<23-1) | 127<<23)
	if m > normalSqrt2_32 {
		m *= 0.5
		e++
	}
	f := m - 1
	z := float32(f * f)
	y := float32(horner32(log32Coef[:], f) * f)
	y = float32(y * z)
	y += float32(e * normalLn2Lo32)
	y += float32(-0.5 * z)
	l := f + y
	l += float32(e * normalLn2Hi32)
	rs := float32(float32(math.Sqrt(float64(-2*l))) * scale)

	u := b + 1<<29
	phi := float32(float32(int32(u&(1<<30-1))-1<<29) * normalAngle32)
	w := float32(phi * phi)
	sn := float32(float32(horner32(sin32Coef[:], w)*w)*phi) + phi
	cs := float32(float32(float32(horner32(cos32Coef[:], w)*w)*w)-float32(0.5*w)) + 1
	cs, sn = quadrant(u, cs, sn)
	return float32(rs * cs), float32(rs * sn)
}

// quadrant rotates (cos φ, sin φ) by the quadrant q, the top two bits of
// u: q = 1 swaps them and negates the first, q = 2 negates both, q = 3
// swaps them and negates the second.
func quadrant[F float32 | float64](u uint32, cs, sn F) (F, F) {
	if u&(1<<30) != 0 {
		cs, sn = sn, cs
	}
	if (u+1<<30)&(1<<31) != 0 {
		cs = -cs
	}
	if u&(1<<31) != 0 {
		sn = -sn
	}
	return cs, sn
}

// normalBlock64 writes the NormalBlock64 numbers of the block whose first
// counter is ctr (8 × the block's index) into out, times scale.
func normalBlock64(out *[NormalBlock64]float64, key *NormalKey, ctr uint32, scale float64) {
	for l := uint32(0); l < 8; l++ {
		w0, w1, w2, w3 := philox(ctr+l, key.C1, key.C2, key.C3, key.K0, key.K1)
		out[l], out[8+l] = boxMuller(w0, w1, scale)
		out[16+l], out[24+l] = boxMuller(w2, w3, scale)
	}
}

// normalBlock32 writes the NormalBlock32 numbers of the block whose first
// counter is ctr (16 × the block's index) into out, times scale.
func normalBlock32(out *[NormalBlock32]float32, key *NormalKey, ctr uint32, scale float32) {
	for l := uint32(0); l < 16; l++ {
		w0, w1, w2, w3 := philox(ctr+l, key.C1, key.C2, key.C3, key.K0, key.K1)
		out[l], out[16+l] = boxMuller32(w0, w1, scale)
		out[32+l], out[48+l] = boxMuller32(w2, w3, scale)
	}
}

// normals32 and normals64 are the references of the Normals and, with
// add, AddNormals kernels: whole blocks made and the columns asked for
// copied out, or added.
func normals32(dst []float32, key NormalKey, col int, scale float64, add bool) {
	var blk [NormalBlock32]float32
	s := float32(scale)
	for i := 0; i < len(dst); {
		c := col + i
		normalBlock32(&blk, &key, uint32(c/NormalBlock32*16), s)
		i += emitBlock(dst[i:], blk[c%NormalBlock32:], add)
	}
}

func normals64(dst []float64, key NormalKey, col int, scale float64, add bool) {
	var blk [NormalBlock64]float64
	for i := 0; i < len(dst); {
		c := col + i
		normalBlock64(&blk, &key, uint32(c/NormalBlock64*8), scale)
		i += emitBlock(dst[i:], blk[c%NormalBlock64:], add)
	}
}

// emitBlock copies, or with add adds, what of src fits into dst, and
// returns how many.
func emitBlock[T float32 | float64](dst, src []T, add bool) int {
	n := min(len(dst), len(src))
	if !add {
		return copy(dst, src[:n])
	}
	for i, v := range src[:n] {
		dst[i] += v
	}
	return n
}

func normalsGeneric32(dst []float32, key NormalKey, col int, scale float64) {
	normals32(dst, key, col, scale, false)
}

func normalsGeneric64(dst []float64, key NormalKey, col int, scale float64) {
	normals64(dst, key, col, scale, false)
}

func addNormalsGeneric32(dst []float32, key NormalKey, col int, scale float64) {
	normals32(dst, key, col, scale, true)
}

func addNormalsGeneric64(dst []float64, key NormalKey, col int, scale float64) {
	normals64(dst, key, col, scale, true)
}
