package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The float32 Normals kernels (kernels.Normals32, AddNormals32): the same
// Philox4x32-10 counters as the float64 kernels, their words packed into
// 32-bit lanes, feeding a Box–Muller transform in float32 — twice the
// lanes of float64, and no division: the generic code is normalBlock32 and
// boxMuller32 in kernels/normal.go, every product rounded before its sum
// (no fused multiply-add), as here. A block is NormalBlock32 (64) columns
// from sixteen counters: one ZMM vector of float32 per Box–Muller pair, or
// two YMM, each storing sixteen or eight consecutive columns.

// The float32 polynomials, lowest coefficient first: Cephes' logf, sinf
// and cosf.
var (
	log32Coef = []float64{
		3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.6668057665e-1, 1.4249322787e-1,
		-1.2420140846e-1, 1.1676998740e-1, -1.1514610310e-1, 7.0376836292e-2,
	}
	sin32Coef = []float64{-1.6666654611e-1, 8.3321608736e-3, -1.9515295891e-4}
	cos32Coef = []float64{4.166664568298827e-2, -1.388731625493765e-3, 2.443315711809948e-5}
)

func lanesOfU32(v uint32) func(int) uint64  { return lanesOf(uint64(v)<<32 | uint64(v)) }
func lanesOfF32(v float32) func(int) uint64 { return lanesOfU32(math.Float32bits(v)) }

// normal32Consts are the float32 kernels' constants, a 32-bit value in
// every doubleword of a table entry (pack32's indices excepted).
func normal32Consts() []normalConst {
	c := []normalConst{
		{"c12", lanesOf(12)},
		// pack32's indices: doubleword 2i of the two tables, i = 0…15.
		{"pack32", func(l int) uint64 { return uint64(4*l) | uint64(4*l+2)<<32 }},
		{"inv31", lanesOfF32(0x1p-31)}, {"half32lsb", lanesOfF32(0x1p-32)},
		{"e127", lanesOfU32(127)}, {"mant32", lanesOfU32(1<<23 - 1)},
		{"one32", lanesOfF32(1)}, {"half32", lanesOfF32(0.5)}, {"mhalf32", lanesOfF32(-0.5)}, {"mtwo32", lanesOfF32(-2)},
		{"sqrt2f32", lanesOfF32(float32(1.4142135623730951))},
		{"ln2hi32", lanesOfF32(0.693359375)}, {"ln2lo32", lanesOfF32(-2.12194440e-4)},
		{"u29d", lanesOfU32(1 << 29)}, {"u30d", lanesOfU32(1 << 30)}, {"u31d", lanesOfU32(1 << 31)}, {"mask30d", lanesOfU32(1<<30 - 1)},
		{"angle32", lanesOfF32(float32(2 * 3.141592653589793 / (1 << 32)))},
	}
	for _, p := range []struct {
		prefix string
		coef   []float64
	}{{"log32_", log32Coef}, {"sin32_", sin32Coef}, {"cos32_", cos32Coef}} {
		for k, v := range p.coef {
			c = append(c, normalConst{fmt.Sprintf("%s%d", p.prefix, k), lanesOfF32(float32(v))})
		}
	}
	return c
}

// genNormals32 emits the float32 Normals kernel of s, or with add the
// AddNormals kernel.
func genNormals32(s *isa, add bool) string {
	g, name, dst, n, ctr := normalPrologue(s, f32, add)
	if s.is512() {
		g.pipeline32(name, ctr, dst, n)
	} else {
		// A pass is one block, sixteen counters in four vectors of four:
		// two at a time, the first's words parked on the stack while the
		// second's rounds run (AVX2's 16 registers hold no two chains),
		// then packed into one vector of eight counters per word.
		park := AllocLocal(4 * s.vbyte)
		Label(name + "_loop")
		for half := 0; half < 2; half++ {
			a := g.philox([]reg.VecVirtual{g.counters(ctr, normalVec{ctr: 8 * half})}, nop)[0]
			for j := range a {
				VMOVDQU(a[j], park.Offset(j*s.vbyte))
			}
			b := g.philox([]reg.VecVirtual{g.counters(ctr, normalVec{ctr: 8*half + 4})}, nop)[0]
			var w [4]reg.VecVirtual
			for j := range b {
				// [b0 b1 a0 a1 | b2 b3 a2 a3] (counter order), then the
				// quadwords reordered to a0 … a3 b0 … b3.
				VSHUFPS(U8(0x88), park.Offset(j*s.vbyte), b[j], b[j])
				VPERMQ(U8(0x8D), b[j], b[j])
				w[j] = b[j]
			}
			g.pair32(w[0], w[1], 8*half, dst, nop)
			g.pair32(w[2], w[3], 32+8*half, dst, nop)
		}
		VPADDQ(g.k("c16"), ctr, ctr)
		ADDQ(U32(normalPass(s, f32)*4), dst)
		DECQ(n)
		JNZ(LabelRef(name + "_loop"))
	}
	Label(name + "_done")
	end(s)
	return name
}

// pipeline32 is pipeline for the float32 kernels: a pass is two blocks,
// four vectors of eight counters, one half's rounds emitted between the
// other's Box–Muller instructions.
func (g *normalGen) pipeline32(name string, ctr reg.VecVirtual, dst, n reg.Register) {
	lo := []normalVec{{ctr: 0}, {ctr: 8}}
	hi := []normalVec{{ctr: 16}, {ctr: 24}}
	rounds := func(vecs []normalVec, w *[][4]reg.VecVirtual) chain {
		return func(yield func()) {
			x0 := make([]reg.VecVirtual, len(vecs))
			for i, v := range vecs {
				x0[i] = g.counters(ctr, v)
			}
			*w = g.philox(x0, yield)
		}
	}
	idx := g.s.vec()
	VMOVDQU64(g.k("pack32"), idx)
	// A block's Box–Muller: words (0, 1) packed and their pair, then
	// words (2, 3) and theirs, as two chains.
	halves := func(r chain, w [][4]reg.VecVirtual, block int) {
		pairs := func(j int) chain {
			return func(yield func()) {
				for _, k := range []int{2 * j, 2*j + 1} {
					VPERMT2D(w[1][k], idx, w[0][k])
				}
				g.pair32(w[0][2*j], w[0][2*j+1], 64*block+32*j, dst, yield)
			}
		}
		interleave([]chain{r, pairs(0), pairs(1)}, []int{1, 1, 1})
	}
	var w, wh, next [][4]reg.VecVirtual
	rounds(lo, &w)(nop)
	Label(name + "_loop")
	halves(rounds(hi, &wh), w, 0)
	VPADDQ(g.k("c32"), ctr, ctr)
	halves(rounds(lo, &next), wh, 1)
	for i := range w {
		for j := range w[i] {
			g.mov(next[i][j], w[i][j])
		}
	}
	ADDQ(U32(normalPass(g.s, f32)*4), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
}

// pair32 emits boxMuller32 of the packed words a and b, one counter per
// 32-bit lane, yielding between its steps, and stores the two numbers,
// times scale, at element offsets off (the cosines) and off+16 (the
// sines) of the pass at dst.
func (g *normalGen) pair32(a, b reg.VecVirtual, off int, dst reg.Register, yield func()) {
	s := g.s
	mul := func(x, y, z Op) { VMULPS(x, y, z) }
	addk := func(name string, x reg.VecVirtual) { VADDPS(g.k(name), x, x) }
	// x = float32(a>>1)·2^-31 + 2^-32 = 2^e·m.
	x := s.vec()
	VPSRLD(U8(1), a, x)
	VCVTDQ2PS(x, x)
	mul(g.k("inv31"), x, x)
	addk("half32lsb", x)
	yield()
	e, m := s.vec(), s.vec()
	if s.is512() {
		VGETEXPPS(x, e)
		VGETMANTPS(U8(0), x, m) // m ∈ [1, 2)
	} else {
		VPSRLD(U8(23), x, e)
		VPSUBD(g.k("e127"), e, e)
		VCVTDQ2PS(e, e)
		VPAND(g.k("mant32"), x, m)
		VPOR(g.k("one32"), m, m)
	}
	yield()
	// m > √2: m/2, e + 1.
	if s.is512() {
		big := K()
		VCMPPS(U8(gtOQ), g.k("sqrt2f32"), m, big)
		VMULPS(g.k("half32"), m, big, m)
		VADDPS(g.k("one32"), e, big, e)
	} else {
		big, mh, inc := s.vec(), s.vec(), s.vec()
		VCMPPS(U8(gtOQ), g.k("sqrt2f32"), m, big)
		VMULPS(g.k("half32"), m, mh)
		VBLENDVPS(big, mh, m, m)
		VANDPS(g.k("one32"), big, inc)
		VADDPS(inc, e, e)
	}
	yield()
	// f = m − 1, z = f²; y = P(f)·f·z + e·ln2lo − z/2; l = f + y +
	// e·ln2hi; r·scale = √(−2l)·scale.
	f, z := s.vec(), s.vec()
	VSUBPS(g.k("one32"), m, f)
	mul(f, f, z)
	yield()
	p := g.horner32("log32_", len(log32Coef), f, yield)
	mul(f, p, p)
	mul(z, p, p)
	t := s.vec()
	mul(g.k("ln2lo32"), e, t)
	VADDPS(t, p, p)
	mul(g.k("mhalf32"), z, t)
	VADDPS(t, p, p)
	VADDPS(f, p, p)
	yield()
	mul(g.k("ln2hi32"), e, t)
	VADDPS(t, p, p)
	mul(g.k("mtwo32"), p, p)
	rs := s.vec()
	VSQRTPS(p, rs)
	mul(g.scale, rs, rs)
	yield()

	// u = b + 2^29; φ = float32(u mod 2^30 − 2^29)·2π/2^32.
	u, phi, w := s.vec(), s.vec(), s.vec()
	VPADDD(g.k("u29d"), b, u)
	g.and(g.k("mask30d"), u, phi)
	VPSUBD(g.k("u29d"), phi, phi)
	VCVTDQ2PS(phi, phi)
	mul(g.k("angle32"), phi, phi)
	mul(phi, phi, w)
	yield()
	// sin φ = ((S(w)·w)·φ) + φ; cos φ = ((C(w)·w)·w − w/2) + 1.
	sn := g.horner32("sin32_", len(sin32Coef), w, yield)
	mul(w, sn, sn)
	mul(phi, sn, sn)
	VADDPS(phi, sn, sn)
	cs := g.horner32("cos32_", len(cos32Coef), w, yield)
	mul(w, cs, cs)
	mul(w, cs, cs)
	h := s.vec()
	mul(g.k("half32"), w, h)
	VSUBPS(h, cs, cs)
	addk("one32", cs)
	yield()

	// The quadrant, as in pair: bit 30 of u swaps, bit 31 of u + 2^30
	// negates the cosine's place, bit 31 of u the sine's.
	c1, s1 := s.vec(), s.vec()
	if s.is512() {
		swap, n1, n2 := K(), K(), K()
		VPTESTMD(g.k("u30d"), u, swap)
		VPTESTMD(g.k("u31d"), u, n2)
		KXORW(swap, n2, n1)
		g.mov(cs, c1)
		g.mov(sn, s1)
		VBLENDMPS(sn, c1, swap, c1)
		VBLENDMPS(cs, s1, swap, s1)
		VPXORD(g.k("u31d"), c1, n1, c1)
		VPXORD(g.k("u31d"), s1, n2, s1)
	} else {
		n1, n2, swap := s.vec(), s.vec(), s.vec()
		VPADDD(g.k("u30d"), u, n1)
		VPAND(g.k("u31d"), n1, n1)
		VPAND(g.k("u31d"), u, n2)
		VPSLLD(U8(1), u, swap)
		VBLENDVPS(swap, sn, cs, c1)
		VBLENDVPS(swap, cs, sn, s1)
		VPXOR(n1, c1, c1)
		VPXOR(n2, s1, s1)
	}
	mul(rs, c1, c1)
	mul(rs, s1, s1)
	g.store32(c1, dst, off)
	g.store32(s1, dst, off+16)
	yield()
}

// horner32 evaluates Σ coef_k·w^k for the n coefficients named prefix0 …
// prefix(n−1), from the highest: p = p·w + coef_k, the product rounded,
// yielding after every step.
func (g *normalGen) horner32(prefix string, n int, w reg.VecVirtual, yield func()) reg.VecVirtual {
	p := g.s.vec()
	VMOVUPS(g.k(fmt.Sprintf("%s%d", prefix, n-1)), p)
	for k := n - 2; k >= 0; k-- {
		VMULPS(w, p, p)
		VADDPS(g.k(fmt.Sprintf("%s%d", prefix, k)), p, p)
		yield()
	}
	return p
}

// store32 writes v's float32 lanes at element offset off of dst, or adds
// them to dst's for an AddNormals kernel.
func (g *normalGen) store32(v reg.VecVirtual, dst reg.Register, off int) {
	m := Mem{Base: dst, Disp: 4 * off}
	if g.add {
		VADDPS(m, v, v)
	}
	VMOVUPS(v, m)
}
