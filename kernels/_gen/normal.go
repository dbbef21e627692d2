package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Normals (kernels.Normals32/64): Philox4x32-10 counters feeding the
// Box–Muller transform, NormalBlock (32) columns per pass. The generic code
// is normalBlock and boxMuller in kernels/normal.go; every operation here
// is one of its operations, rounded the same way (fused where it calls
// math.FMA, nowhere else), so the bits agree.
//
// A vector lane is 64 bits holding one 32-bit Philox word in its low half;
// VPMULUDQ then gives the full 32×32→64 product of each lane, whose high
// half is the round's hi word and whose low half its lo word. The upper
// halves of the words carry garbage that no later step reads: products use
// only the low halves, and the conversions to float64 replace the upper
// half with the exponent of 2^52. The eight counters of a block are one
// ZMM vector (AVX-512) or two YMM vectors (AVX2, lanes 0–3 and 4–7), and
// the four normals of each counter go to columns l, l+8, l+16 and l+24 of
// the block, so stores are whole vectors.

// normalConst is a named constant of the normal kernels, repeated in every
// 64-bit lane of a vector-wide table entry (lane i of iota is i).
type normalConst struct {
	name string
	bits func(lane int) uint64
}

func lanesOf(v uint64) func(int) uint64     { return func(int) uint64 { return v } }
func lanesOfF64(v float64) func(int) uint64 { return lanesOf(math.Float64bits(v)) }

// The Box–Muller coefficients are the generic code's (kernels/normal.go):
// the series of 2·atanh(s) for ln, Taylor series for sin and cos.
var (
	logCoef = []float64{2, 2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15, 2.0 / 17, 2.0 / 19}
	sinCoef = []float64{-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800, 1.0 / 6227020800, -1.0 / 1307674368000}
	cosCoef = []float64{-1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200, 1.0 / 20922789888000}
)

const two52 = 1 << 52

func normalConsts() []normalConst {
	c := []normalConst{
		{"m0", lanesOf(0xD2511F53)}, {"m1", lanesOf(0xCD9E8D57)},
		{"iota", func(l int) uint64 { return uint64(l) }},
		{"four", lanesOf(4)}, {"eight", lanesOf(8)},
		// The exponent of 2^52 in the upper half: or-ing a 32-bit integer
		// below it makes the float64 2^52 + integer.
		{"magic", lanesOf(0x43300000_00000000)},
		{"aplus1", lanesOfF64(two52 - 1)},        // 2^52 + a − (2^52 − 1) = a + 1
		{"ebias", lanesOfF64(two52 + 1023 + 32)}, // 2^52 + E − that = e − 32
		{"mant", lanesOf(1<<52 - 1)},
		{"one", lanesOfF64(1)}, {"half", lanesOfF64(0.5)}, {"sqrt2", lanesOfF64(math.Sqrt2)},
		{"ln2", lanesOfF64(math.Ln2)}, {"minus2", lanesOfF64(-2)},
		{"u29", lanesOf(1 << 29)}, {"u30", lanesOf(1 << 30)}, {"mask30", lanesOf(1<<30 - 1)},
		{"tbias", lanesOfF64(two52 + 1<<29)}, // 2^52 + (u mod 2^30) − that = t
		{"angle", lanesOfF64(2 * math.Pi / (1 << 32))},
		{"sign", lanesOf(1 << 63)},
	}
	for k, v := range logCoef {
		c = append(c, normalConst{fmt.Sprintf("log%d", k), lanesOfF64(v)})
	}
	for k, v := range sinCoef {
		c = append(c, normalConst{fmt.Sprintf("sin%d", k), lanesOfF64(v)})
	}
	for k, v := range cosCoef {
		c = append(c, normalConst{fmt.Sprintf("cos%d", k), lanesOfF64(v)})
	}
	return c
}

// normalTable is one instruction set's table of normalConsts, a vector
// per entry, so that every constant can be a full-width memory operand.
type normalTable struct {
	s   *isa
	mem Mem
	off map[string]int
}

var normalTables = map[*isa]*normalTable{}

func normalTableOf(s *isa) *normalTable {
	if t := normalTables[s]; t != nil {
		return t
	}
	t := &normalTable{s: s, off: map[string]int{}}
	t.mem = GLOBL("normalConsts"+s.name, RODATA|NOPTR)
	lanes := s.vbyte / 8
	for i, c := range normalConsts() {
		t.off[c.name] = i * s.vbyte
		for l := 0; l < lanes; l++ {
			DATA(i*s.vbyte+8*l, U64(c.bits(l)))
		}
	}
	normalTables[s] = t
	return t
}

// k returns the vector of constant name.
func (t *normalTable) k(name string) Mem {
	off, ok := t.off[name]
	if !ok {
		panic("no normal constant " + name)
	}
	return t.mem.Offset(off)
}

// normalGen emits one kernel's code: the instruction set, the element type
// written, the constant table and the registers the whole loop shares.
type normalGen struct {
	s     *isa
	d     *dtype
	t     *normalTable
	keys  Mem // the 20 round keys, k0 and k1 of round r at 16r and 16r+8
	words Mem // the counter's upper words c1, c2, c3, at 0, 8 and 16
	scale Mem
	odd   reg.Register // AVX-512: the opmask of the odd doublewords
}

func genNormals(s *isa, d *dtype) string {
	name := fmt.Sprintf("normals%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst []%s, k0, k1, c1, c2, c3, ctr uint32, scale float64)", d.gotyp))
	Doc(fmt.Sprintf("%s is Normals%s for len(dst) a multiple of NormalBlock, from the", name, d.name),
		"block whose first counter is ctr, under the key k0, k1 with the counter's upper",
		"words c1, c2, c3. The caller runs partial blocks and chunks long calls.")
	g := &normalGen{s: s, d: d, t: normalTableOf(s)}
	// Round r's key, in the low half of a 64-bit slot, for broadcasts.
	g.keys = AllocLocal(16 * 10)
	{
		k0, k1 := GP64(), GP64()
		MOVL(paramAddr("k0"), k0.As32())
		MOVL(paramAddr("k1"), k1.As32())
		for r := 0; r < 10; r++ {
			if r > 0 {
				ADDL(U32(0x9E3779B9), k0.As32())
				ADDL(U32(0xBB67AE85), k1.As32())
			}
			MOVQ(k0, g.keys.Offset(16*r))
			MOVQ(k1, g.keys.Offset(16*r+8))
		}
	}
	g.words = AllocLocal(24)
	for i, p := range []string{"c1", "c2", "c3"} {
		w := GP64()
		MOVL(paramAddr(p), w.As32())
		MOVQ(w, g.words.Offset(8*i))
	}
	g.scale = paramAddr("scale")
	if s.is512() {
		m := GP32()
		MOVL(U32(0xAAAA), m)
		g.odd = K()
		KMOVW(m, g.odd)
	}

	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	SHRQ(U8(5), n) // blocks of NormalBlock
	c := GP64()
	MOVL(paramAddr("ctr"), c.As32())
	cx := XMM()
	VMOVQ(c, cx)
	ctr := s.vec()
	VPBROADCASTQ(cx, ctr)
	VPADDQ(g.t.k("iota"), ctr, ctr)

	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	lanes := s.vbyte / 8
	for v := 0; v < 8/lanes; v++ {
		x0 := s.vec()
		if v == 0 {
			g.mov(ctr, x0)
		} else {
			VPADDQ(g.t.k("four"), ctr, x0)
		}
		w := g.philox(x0)
		g.pair(w[0], w[1], dst, v*lanes)
		g.pair(w[2], w[3], dst, v*lanes+16)
	}
	VPADDQ(g.t.k("eight"), ctr, ctr)
	ADDQ(U32(32*d.size), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	end(s)
	return name
}

// mov copies a vector register.
func (g *normalGen) mov(src, dst reg.VecVirtual) {
	if g.s.is512() {
		VMOVDQU64(src, dst)
	} else {
		VMOVDQU(src, dst)
	}
}

// and, or and xor are the bitwise operations of the instruction set's
// width (AVX-512 has only the element-sized forms).
func (g *normalGen) and(a, b, dst Op) {
	if g.s.is512() {
		VPANDQ(a, b, dst)
	} else {
		VPAND(a, b, dst)
	}
}

func (g *normalGen) or(a, b, dst Op) {
	if g.s.is512() {
		VPORQ(a, b, dst)
	} else {
		VPOR(a, b, dst)
	}
}

func (g *normalGen) xor(a, b, dst Op) {
	if g.s.is512() {
		VPXORQ(a, b, dst)
	} else {
		VPXOR(a, b, dst)
	}
}

// philox runs the ten rounds on counters x0 and the upper words, and
// returns the four words.
func (g *normalGen) philox(x0 reg.VecVirtual) [4]reg.VecVirtual {
	s := g.s
	x1, x2, x3 := s.vec(), s.vec(), s.vec()
	VPBROADCASTQ(g.words.Offset(0), x1)
	VPBROADCASTQ(g.words.Offset(8), x2)
	VPBROADCASTQ(g.words.Offset(16), x3)
	for r := 0; r < 10; r++ {
		p0, p1 := s.vec(), s.vec()
		VPMULUDQ(g.t.k("m0"), x0, p0)
		VPMULUDQ(g.t.k("m1"), x2, p1)
		h0, h1 := s.vec(), s.vec()
		VPSRLQ(U8(32), p0, h0)
		VPSRLQ(U8(32), p1, h1)
		// x0 = hi1 ^ x1 ^ k0, x1 = lo1, x2 = hi0 ^ x3 ^ k1, x3 = lo0.
		if s.is512() {
			VPTERNLOGQ_BCST(U8(0x96), g.keys.Offset(16*r), x1, h1)
			VPTERNLOGQ_BCST(U8(0x96), g.keys.Offset(16*r+8), x3, h0)
		} else {
			k0, k1 := s.vec(), s.vec()
			VPBROADCASTQ(g.keys.Offset(16*r), k0)
			VPBROADCASTQ(g.keys.Offset(16*r+8), k1)
			VPXOR(x1, h1, h1)
			VPXOR(k0, h1, h1)
			VPXOR(x3, h0, h0)
			VPXOR(k1, h0, h0)
		}
		x0, x1, x2, x3 = h1, p1, h0, p0
	}
	return [4]reg.VecVirtual{x0, x1, x2, x3}
}

// toDouble returns the float64 2^52 + (x mod 2^32): x's low half under the
// exponent of 2^52.
func (g *normalGen) toDouble(x reg.VecVirtual) reg.VecVirtual {
	r := g.s.vec()
	if g.s.is512() {
		VPBLENDMD(g.t.k("magic"), x, g.odd, r)
	} else {
		VPBLENDD(U8(0xAA), g.t.k("magic"), x, r)
	}
	return r
}

// pair emits boxMuller of words a and b and stores its two numbers, times
// scale, at element offsets off and off+8 of the block at dst.
func (g *normalGen) pair(a, b reg.VecVirtual, dst reg.Register, off int) {
	s, t := g.s, g.t
	// x = a + 1 = 2^e·m, m ∈ [1, 2); e − 32 as a float64.
	x := g.toDouble(a)
	VSUBPD(t.k("aplus1"), x, x)
	ex := s.vec()
	VPSRLQ(U8(52), x, ex)
	e := g.toDouble(ex)
	VSUBPD(t.k("ebias"), e, e)
	m := s.vec()
	g.and(t.k("mant"), x, m)
	g.or(t.k("one"), m, m)
	// m > √2: m/2, e + 1.
	if s.is512() {
		big := K()
		VCMPPD(U8(gtOQ), t.k("sqrt2"), m, big)
		VMULPD(t.k("half"), m, big, m)
		VADDPD(t.k("one"), e, big, e)
	} else {
		big, mh, inc := s.vec(), s.vec(), s.vec()
		VCMPPD(U8(gtOQ), t.k("sqrt2"), m, big)
		VMULPD(t.k("half"), m, mh)
		VBLENDVPD(big, mh, m, m)
		VANDPD(t.k("one"), big, inc)
		VADDPD(inc, e, e)
	}
	// ln x = e·ln 2 + s·Q(s²), s = (m − 1)/(m + 1).
	num, den := s.vec(), s.vec()
	VSUBPD(t.k("one"), m, num)
	VADDPD(t.k("one"), m, den)
	sv := s.vec()
	VDIVPD(den, num, sv)
	z := s.vec()
	VMULPD(sv, sv, z)
	q := g.horner("log", len(logCoef), z)
	VMULPD(q, sv, q)
	VFMADD231PD(t.k("ln2"), e, q)
	// r·scale = √(−2 ln x)·scale.
	VMULPD(t.k("minus2"), q, q)
	rs := s.vec()
	VSQRTPD(q, rs)
	sc := s.vec()
	VBROADCASTSD(g.scale, sc)
	VMULPD(sc, rs, rs)

	// u = b + 2^29; t = u mod 2^30 − 2^29; φ = t·2π/2^32.
	u := s.vec()
	VPADDD(t.k("u29"), b, u)
	tm := s.vec()
	g.and(t.k("mask30"), u, tm)
	td := g.toDouble(tm)
	VSUBPD(t.k("tbias"), td, td)
	phi := s.vec()
	VMULPD(t.k("angle"), td, phi)
	w := s.vec()
	VMULPD(phi, phi, w)
	sn := g.horner("sin", len(sinCoef), w)
	pw := s.vec()
	VMULPD(w, phi, pw)
	VFMADD213PD(phi, sn, pw) // sin φ = (φ·w)·P + φ
	sn = pw
	cs := g.horner("cos", len(cosCoef), w)
	VFMADD213PD(t.k("one"), w, cs) // cos φ = w·P + 1

	// The quadrant: bit 30 of u swaps (cos φ, sin φ), bit 31 of u + 2^30
	// negates the first, bit 31 of u the second.
	c1, s1 := s.vec(), s.vec()
	n1, n2 := s.vec(), s.vec()
	VPADDD(t.k("u30"), u, n1)
	VPSLLQ(U8(32), n1, n1)
	VPSLLQ(U8(32), u, n2)
	if s.is512() {
		swap := K()
		VPTESTMQ(t.k("u30"), u, swap)
		VBLENDMPD(sn, cs, swap, c1)
		VBLENDMPD(cs, sn, swap, s1)
		// c ^= n & sign.
		VPTERNLOGQ(U8(0x78), t.k("sign"), n1, c1)
		VPTERNLOGQ(U8(0x78), t.k("sign"), n2, s1)
	} else {
		swap := s.vec()
		VPSLLQ(U8(33), u, swap)
		VBLENDVPD(swap, sn, cs, c1)
		VBLENDVPD(swap, cs, sn, s1)
		g.and(t.k("sign"), n1, n1)
		g.and(t.k("sign"), n2, n2)
		g.xor(n1, c1, c1)
		g.xor(n2, s1, s1)
	}
	VMULPD(rs, c1, c1)
	VMULPD(rs, s1, s1)
	g.store(c1, dst, off)
	g.store(s1, dst, off+8)
}

// horner evaluates Σ coef_k·w^k for the n coefficients named prefix0 …
// prefix(n−1), from the highest: p = p·w + coef_k, fused.
func (g *normalGen) horner(prefix string, n int, w reg.VecVirtual) reg.VecVirtual {
	p := g.s.vec()
	VMOVUPD(g.t.k(fmt.Sprintf("%s%d", prefix, n-1)), p)
	for k := n - 2; k >= 0; k-- {
		VFMADD213PD(g.t.k(fmt.Sprintf("%s%d", prefix, k)), w, p)
	}
	return p
}

// store writes the float64 lanes of v at element offset off of dst, as
// float32 (rounded to nearest) for a float32 kernel.
func (g *normalGen) store(v reg.VecVirtual, dst reg.Register, off int) {
	m := Mem{Base: dst, Disp: off * g.d.size}
	if g.d.size == 8 {
		VMOVUPD(v, m)
		return
	}
	if g.s.is512() {
		y := YMM()
		VCVTPD2PS(v, y)
		VMOVUPS(y, m)
		return
	}
	x := XMM()
	VCVTPD2PSY(v, x)
	VMOVUPS(x, m)
}
