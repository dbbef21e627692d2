package main

import (
	"fmt"
	"iter"
	"math"
	"math/bits"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Normals (kernels.Normals64): Philox4x32-10 counters feeding the
// Box–Muller transform, NormalBlock64 (32) columns per block, in float64;
// normal32.go has the float32 kernels. The generic code
// is normalBlock64 and boxMuller in kernels/normal.go; every operation here
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

// normalPoly is one of the Box–Muller polynomials, written into
// kernels/geometry_gen.go for the generic code as well as into the table
// of the assembly.
type normalPoly struct {
	name, doc string
	coef      []float64
	f32       bool // written as float32, each coefficient rounded
}

// The Box–Muller polynomials, lowest coefficient first: FreeBSD's minimax
// polynomial for ln and Cephes' for sin and cos, the ones Go's math package
// uses (math/log.go, math/sin.go).
var (
	logCoef = []float64{
		2,
		6.666666666666735130e-01,
		3.999999999940941908e-01,
		2.857142874366239149e-01,
		2.222219843214978396e-01,
		1.818357216161805012e-01,
		1.531383769920937332e-01,
		1.479819860511658591e-01,
	}
	sinCoef = []float64{
		-1.66666666666666307295e-1,
		8.33333333332211858878e-3,
		-1.98412698295895385996e-4,
		2.75573136213857245213e-6,
		-2.50507477628578072866e-8,
		1.58962301576546568060e-10,
	}
	cosCoef = []float64{
		-0.5,
		4.16666666666665929218e-2,
		-1.38888888888730564116e-3,
		2.48015872888517045348e-5,
		-2.75573141792967388112e-7,
		2.08757008419747316778e-9,
		-1.13585365213876817300e-11,
	}
	normalPolys = []normalPoly{
		{"logCoef", "are the coefficients, in s², of ln m = s·Σ logCoef[k]·s^2k, s = (m−1)/(m+1): 2, then FreeBSD's minimax polynomial for the rest of 2·atanh(s) on |s| ≤ 0.1716 (e_log.c, Go's math.Log; error below 2^-58.45).", logCoef, false},
		{"sinCoef", "are Cephes' coefficients of sin φ = φ + φ³·Σ sinCoef[k]·φ^2k on [−π/4, π/4] (Go's math.Sin).", sinCoef, false},
		{"cosCoef", "are those of cos φ = 1 + φ²·Σ cosCoef[k]·φ^2k: −1/2, then Cephes' (Go's math.Cos).", cosCoef, false},
		{"log32Coef", "are Cephes' logf coefficients of ln(1+f) = f − f²/2 + f³·Σ log32Coef[k]·f^k on √½ ≤ 1+f ≤ √2.", log32Coef, true},
		{"sin32Coef", "are Cephes' sinf coefficients of sin φ = φ + φ³·Σ sin32Coef[k]·φ^2k on [−π/4, π/4].", sin32Coef, true},
		{"cos32Coef", "are Cephes' cosf coefficients of cos φ = 1 − φ²/2 + φ⁴·Σ cos32Coef[k]·φ^2k on [−π/4, π/4].", cos32Coef, true},
	}
)

const two52 = 1 << 52

func normalConsts() []normalConst {
	c := []normalConst{
		{"m0", lanesOf(0xD2511F53)}, {"m1", lanesOf(0xCD9E8D57)},
		{"iota", func(l int) uint64 { return uint64(l) }},
		{"c4", lanesOf(4)}, {"c8", lanesOf(8)}, {"c16", lanesOf(16)}, {"c24", lanesOf(24)}, {"c32", lanesOf(32)},
		// The exponent of 2^52 in the upper half: or-ing a 32-bit integer
		// below it makes the float64 2^52 + integer.
		{"magic", lanesOf(0x43300000_00000000)},
		// The exponent of 2^20: under it a 32-bit integer a is the float64
		// 2^20 + a/2^32, less (2^20 − 2^-32) exactly x = (a + 1)/2^32.
		{"magic20", lanesOf(0x41300000_00000000)},
		{"aplus1", lanesOfF64(1<<20 - 0x1p-32)},
		{"ebias", lanesOfF64(two52 + 1023)}, // 2^52 + E − that = e
		{"mant", lanesOf(1<<52 - 1)},
		{"one", lanesOfF64(1)}, {"half", lanesOfF64(0.5)}, {"sqrt2", lanesOfF64(math.Sqrt2)},
		{"ln2x2", lanesOfF64(-2 * math.Ln2)},
		{"u29", lanesOf(1 << 29)}, {"u30", lanesOf(1 << 30)}, {"u31", lanesOf(1 << 31)}, {"mask30", lanesOf(1<<30 - 1)},
		{"tbias", lanesOfF64(two52 + 1<<29)}, // 2^52 + (u mod 2^30) − that = t
		{"angle", lanesOfF64(2 * math.Pi / (1 << 32))},
		{"sign", lanesOf(1 << 63)},
	}
	// ln's coefficients and ln 2 times −2, which the radius needs: the
	// scaling is exact, so this is −2 ln x as the generic code rounds it.
	for k, v := range logCoef {
		c = append(c, normalConst{fmt.Sprintf("log%d", k), lanesOfF64(-2 * v)})
	}
	for k, v := range sinCoef {
		c = append(c, normalConst{fmt.Sprintf("sin%d", k), lanesOfF64(v)})
	}
	for k, v := range cosCoef {
		c = append(c, normalConst{fmt.Sprintf("cos%d", k), lanesOfF64(v)})
	}
	return append(c, normal32Consts()...)
}

// normalTable is one instruction set's table of normalConsts, a vector
// per entry, so that every constant can be a full-width memory operand.
// No vector may cross a cache line — a split load costs a second one, and
// Box–Muller reads a constant every few instructions — but Go's linker
// aligns data to at most 32 bytes. So a ZMM table's entries lie 128 bytes
// apart, each constant repeated over the whole entry, and the kernel reads
// them from the table's address rounded up to 64: less than 64 bytes into
// the entry, the same vector wherever. Constants whose lanes differ (iota)
// are read once a call, from the entry's start.
type normalTable struct {
	s       *isa
	mem     Mem
	off     map[string]int
	varying map[string]bool
}

var normalTables = map[*isa]*normalTable{}

func normalTableOf(s *isa) *normalTable {
	if t := normalTables[s]; t != nil {
		return t
	}
	t := &normalTable{s: s, off: map[string]int{}, varying: map[string]bool{}}
	t.mem = GLOBL("normalConsts"+s.name, RODATA|NOPTR)
	lanes, stride := s.vbyte/8, s.vbyte
	if s.is512() {
		stride = 2 * s.vbyte
	}
	for i, c := range normalConsts() {
		t.off[c.name] = i * stride
		for l := 0; l < lanes; l++ {
			t.varying[c.name] = t.varying[c.name] || c.bits(l) != c.bits(0)
		}
		n := lanes
		if !t.varying[c.name] {
			n = stride / 8
		}
		for l := 0; l < n; l++ {
			DATA(i*stride+8*l, U64(c.bits(l)))
		}
	}
	normalTables[s] = t
	return t
}

// k returns the vector of constant name.
func (g *normalGen) k(name string) Mem {
	off, ok := g.t.off[name]
	if !ok {
		panic("no normal constant " + name)
	}
	if g.base == nil || g.t.varying[name] {
		return g.t.mem.Offset(off)
	}
	return Mem{Base: g.base, Disp: off}
}

// normalGen emits one kernel's code: the instruction set, the element type
// written, the constant table and the registers the whole loop shares.
type normalGen struct {
	s     *isa
	d     *dtype
	t     *normalTable
	keys  Mem            // the 20 round keys, k0 and k1 of round r at 16r and 16r+8
	words Mem            // the counter's upper words c1, c2, c3, at 0, 8 and 16
	scale reg.VecVirtual // scale in every lane
	odd   reg.Register   // AVX-512: the opmask of the odd doublewords
	base  reg.Register   // AVX-512: the table's address rounded up to 64
	add   bool           // add the numbers to dst (AddNormals)
}

// genNormals emits the Normals kernel of s and d, or with add the
// AddNormals kernel, which adds each number to dst instead of storing it.
func genNormals(s *isa, d *dtype, add bool) string {
	if d == f32 {
		return genNormals32(s, add)
	}
	g, name, dst, n, ctr := normalPrologue(s, d, add)
	if s.is512() {
		g.pipeline(name, ctr, dst, n)
	} else {
		// A pass is one block, two vectors of four counters, each vector
		// alone, its rounds and then its pairs: AVX2's 16 registers hold
		// no second chain.
		Label(name + "_loop")
		for _, v := range []normalVec{{ctr: 0, out: 0}, {ctr: 4, out: 4}} {
			w := g.philox([]reg.VecVirtual{g.counters(ctr, v)}, nop)[0]
			g.boxMuller([][4]reg.VecVirtual{w}, []normalVec{v}, dst, nop)
		}
		VPADDQ(g.k("c8"), ctr, ctr)
		ADDQ(U32(normalPass(s, d)*d.size), dst)
		DECQ(n)
		JNZ(LabelRef(name + "_loop"))
	}
	Label(name + "_done")
	end(s)
	return name
}

// normalPrologue emits the start of a Normals kernel of s and d: the round
// keys and the counter's upper words on the stack, scale in every lane (in
// d's type), the vector of the first pass's counters, and the number of
// passes, jumping to the end when there are none. It returns the kernel's
// generator and name, the registers of dst's address and of the passes
// left, and the counters.
func normalPrologue(s *isa, d *dtype, add bool) (g *normalGen, name string, dst, n reg.Register, ctr reg.VecVirtual) {
	op := "Normals"
	if add {
		op = "AddNormals"
	}
	name = fmt.Sprintf("%s%s%s", strings.ToLower(op[:1])+op[1:], d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst []%s, k0, k1, c1, c2, c3, ctr uint32, scale float64)", d.gotyp))
	Doc(fmt.Sprintf("%s is %s%s for len(dst) a multiple of %d, from the", name, op, d.name, normalPass(s, d)),
		"block whose first counter is ctr, under the key k0, k1 with the counter's upper",
		"words c1, c2, c3. The caller runs partial blocks and chunks long calls.")
	g = &normalGen{s: s, d: d, t: normalTableOf(s), add: add}
	if s.is512() {
		g.base = GP64()
		LEAQ(g.t.mem, g.base)
		ADDQ(U8(63), g.base)
		ANDQ(I32(-64), g.base)
	}
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
	g.scale = s.vec()
	if d == f32 {
		x := XMM()
		VMOVSD(paramAddr("scale"), x)
		VCVTSD2SS(x, x, x)
		VBROADCASTSS(x, g.scale)
	} else {
		VBROADCASTSD(paramAddr("scale"), g.scale)
	}
	if s.is512() && d != f32 {
		m := GP32()
		MOVL(U32(0xAAAA), m)
		g.odd = K()
		KMOVW(m, g.odd)
	}

	dst = Load(Param("dst").Base(), GP64())
	n = Load(Param("dst").Len(), GP64())
	SHRQ(U8(bits.TrailingZeros(uint(normalPass(s, d)))), n) // passes
	c := GP64()
	MOVL(paramAddr("ctr"), c.As32())
	cx := XMM()
	VMOVQ(c, cx)
	ctr = s.vec()
	VPBROADCASTQ(cx, ctr)
	VPADDQ(g.k("iota"), ctr, ctr)

	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	return
}

// pipeline emits the AVX-512 loop, software-pipelined: a pass is four
// blocks, a vector of counters each, and Philox's rounds for one half of
// them are emitted between the Box–Muller instructions of the other half,
// the previous pass's for the first. Both are chains of dependent
// operations — ten rounds of multiplies, a division, polynomials and a
// square root — which, one after the other, left the vector units waiting
// on latency: the out-of-order window is too short to find the next
// rounds behind a pass's Box–Muller by itself. The last pass computes one
// half's words that no pass uses.
func (g *normalGen) pipeline(name string, ctr reg.VecVirtual, dst, n reg.Register) {
	lo := []normalVec{{ctr: 0, out: 0}, {ctr: 8, out: NormalBlock64}}
	hi := []normalVec{{ctr: 16, out: 2 * NormalBlock64}, {ctr: 24, out: 3 * NormalBlock64}}
	rounds := func(vecs []normalVec, w *[][4]reg.VecVirtual) chain {
		return func(yield func()) {
			x0 := make([]reg.VecVirtual, len(vecs))
			for i, v := range vecs {
				x0[i] = g.counters(ctr, v)
			}
			*w = g.philox(x0, yield)
		}
	}
	// Philox's chain yields 20 times (two vectors, ten rounds), each
	// vector's pairs some 50 (two of 25 steps): each turn runs the rounds
	// to their next yield and each vector's pairs to their third.
	halves := func(r chain, w [][4]reg.VecVirtual, vecs []normalVec) {
		pairs := func(i int) chain {
			return func(yield func()) { g.boxMuller(w[i:i+1], vecs[i:i+1], dst, yield) }
		}
		interleave([]chain{r, pairs(0), pairs(1)}, []int{1, 3, 3})
	}
	var w, wh, next [][4]reg.VecVirtual
	rounds(lo, &w)(nop)
	Label(name + "_loop")
	halves(rounds(hi, &wh), w, lo)
	VPADDQ(g.k(fmt.Sprintf("c%d", 8*normalBlocks512)), ctr, ctr)
	halves(rounds(lo, &next), wh, hi)
	for i := range w {
		for j := range w[i] {
			g.mov(next[i][j], w[i][j])
		}
	}
	ADDQ(U32(normalPass(g.s, g.d)*g.d.size), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
}

// A chain emits a chain of dependent instructions, calling yield where
// another chain's instructions may come between; nop is the yield of a
// chain emitted alone.
type chain func(yield func())

func nop() {}

// interleave emits chains side by side: each turn runs chain i on to its
// steps[i]-th next yield, until every chain has ended.
func interleave(chains []chain, steps []int) {
	type coroutine struct {
		next func() (struct{}, bool)
		stop func()
		done bool
	}
	cs := make([]*coroutine, len(chains))
	for i, c := range chains {
		next, stop := iter.Pull(func(yield func(struct{}) bool) { c(func() { yield(struct{}{}) }) })
		cs[i] = &coroutine{next: next, stop: stop}
	}
	for live := true; live; {
		live = false
		for i, c := range cs {
			for k := 0; k < steps[i] && !c.done; k++ {
				_, ok := c.next()
				c.done = !ok
			}
			live = live || !c.done
		}
	}
	for _, c := range cs {
		c.stop()
	}
}

// normalBlocks512 is the number of blocks an AVX-512 pass makes, a power
// of two: two halves of two, see pipeline.
const normalBlocks512 = 4

// normalPass is the number of columns one pass of s's Normals kernels of
// d makes, and so the multiple of it their length must be: float64,
// normalBlocks512 blocks with AVX-512, one with AVX2; float32, two blocks
// with AVX-512, one with AVX2.
func normalPass(s *isa, d *dtype) int {
	switch {
	case d == f32 && s.is512():
		return 2 * NormalBlock32
	case d == f32:
		return NormalBlock32
	case s.is512():
		return normalBlocks512 * NormalBlock64
	}
	return NormalBlock64
}

// NormalBlock64 and NormalBlock32 are kernels.NormalBlock64 and
// NormalBlock32: the columns made from eight counters in float64 and from
// sixteen in float32.
const (
	NormalBlock64 = 32
	NormalBlock32 = 64
)

// normalVec is one vector of counters of a pass: the counter offset of its
// first lane from the pass's, and the element offset of its first column.
type normalVec struct{ ctr, out int }

// counters returns the counters of vector v of the pass whose first lane's
// counter is ctr.
func (g *normalGen) counters(ctr reg.VecVirtual, v normalVec) reg.VecVirtual {
	x := g.s.vec()
	if v.ctr == 0 {
		g.mov(ctr, x)
	} else {
		VPADDQ(g.k(fmt.Sprintf("c%d", v.ctr)), ctr, x)
	}
	return x
}

// boxMuller emits the Box–Muller pairs of the words w of vecs, one pair
// after another (words 0 and 1 of every vector, then words 2 and 3), and
// stores their numbers.
func (g *normalGen) boxMuller(w [][4]reg.VecVirtual, vecs []normalVec, dst reg.Register, yield func()) {
	for half := 0; half < 2; half++ {
		for i, v := range vecs {
			g.pair(normalPair{a: w[i][2*half], b: w[i][2*half+1], off: v.out + 16*half}, dst, yield)
		}
	}
}

// normalPair is a Box–Muller pair to emit: its two words and the element
// offset, within the pass, of its first column.
type normalPair struct {
	a, b reg.VecVirtual
	off  int
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

// philox runs the ten rounds on the counters x0 of each vector and the
// upper words, the vectors in lockstep, yielding after every round of a
// vector, and returns each vector's four words.
func (g *normalGen) philox(x0 []reg.VecVirtual, yield func()) [][4]reg.VecVirtual {
	s := g.s
	x := make([][4]reg.VecVirtual, len(x0))
	for i := range x {
		x[i][0] = x0[i]
		for j := 1; j < 4; j++ {
			x[i][j] = s.vec()
			VPBROADCASTQ(g.words.Offset(8*(j-1)), x[i][j])
		}
	}
	for r := 0; r < 10; r++ {
		var k0, k1 reg.VecVirtual
		if !s.is512() {
			k0, k1 = s.vec(), s.vec()
			VPBROADCASTQ(g.keys.Offset(16*r), k0)
			VPBROADCASTQ(g.keys.Offset(16*r+8), k1)
		}
		for i := range x {
			p0, p1 := s.vec(), s.vec()
			VPMULUDQ(g.k("m0"), x[i][0], p0)
			VPMULUDQ(g.k("m1"), x[i][2], p1)
			h0, h1 := s.vec(), s.vec()
			VPSRLQ(U8(32), p0, h0)
			VPSRLQ(U8(32), p1, h1)
			// x0 = hi1 ^ x1 ^ k0, x1 = lo1, x2 = hi0 ^ x3 ^ k1, x3 = lo0.
			if s.is512() {
				VPTERNLOGQ_BCST(U8(0x96), g.keys.Offset(16*r), x[i][1], h1)
				VPTERNLOGQ_BCST(U8(0x96), g.keys.Offset(16*r+8), x[i][3], h0)
			} else {
				VPXOR(x[i][1], h1, h1)
				VPXOR(k0, h1, h1)
				VPXOR(x[i][3], h0, h0)
				VPXOR(k1, h0, h0)
			}
			x[i] = [4]reg.VecVirtual{h1, p1, h0, p0}
			yield()
		}
	}
	return x
}

// toDouble turns x into the float64 2^52 + (x mod 2^32), in place: x's
// low half under the exponent of 2^52 (under 2^20's, 2^20 + (x mod
// 2^32)/2^32, for magic "magic20"). (Blending into a fresh register would
// be worse than a copy: avo counts a masked instruction as reading its
// destination, so a fresh one would be live around the whole loop.)
func (g *normalGen) toDouble(x reg.VecVirtual, magic string) reg.VecVirtual {
	if g.s.is512() {
		VPBLENDMD(g.k(magic), x, g.odd, x)
	} else {
		VPBLENDD(U8(0xAA), g.k(magic), x, x)
	}
	return x
}

// pair emits boxMuller of the pair's words, yielding between its steps,
// and stores the two numbers, times scale, at element offsets off and
// off+8 of the pass at dst.
func (g *normalGen) pair(p normalPair, dst reg.Register, yield func()) {
	s := g.s
	// x = (a + 1)/2^32 = 2^e·m, m ∈ [1, 2), exactly.
	x := g.toDouble(p.a, "magic20")
	VSUBPD(g.k("aplus1"), x, x)
	yield()
	e, m := s.vec(), s.vec()
	if s.is512() {
		// AVX-512's exponent and mantissa extraction: exact, and the
		// same numbers as the bit manipulation below.
		VGETEXPPD(x, e)
		VGETMANTPD(U8(0), x, m) // m ∈ [1, 2)
	} else {
		ex := s.vec()
		VPSRLQ(U8(52), x, ex)
		e = g.toDouble(ex, "magic")
		VSUBPD(g.k("ebias"), e, e)
		// m = x's mantissa under 1.0's exponent.
		g.and(g.k("mant"), x, m)
		g.or(g.k("one"), m, m)
	}
	yield()
	// m > √2: m/2, e + 1.
	if s.is512() {
		big := K()
		VCMPPD(U8(gtOQ), g.k("sqrt2"), m, big)
		VMULPD(g.k("half"), m, big, m)
		VADDPD(g.k("one"), e, big, e)
	} else {
		big, mh, inc := s.vec(), s.vec(), s.vec()
		VCMPPD(U8(gtOQ), g.k("sqrt2"), m, big)
		VMULPD(g.k("half"), m, mh)
		VBLENDVPD(big, mh, m, m)
		VANDPD(g.k("one"), big, inc)
		VADDPD(inc, e, e)
	}
	yield()
	// ln x = e·ln 2 + s·Q(s²), s = (m − 1)/(m + 1).
	sv, z, num, den := s.vec(), s.vec(), s.vec(), s.vec()
	VSUBPD(g.k("one"), m, num)
	VADDPD(g.k("one"), m, den)
	VDIVPD(den, num, sv)
	VMULPD(sv, sv, z)
	yield()
	q := g.horner("log", len(logCoef), z, yield)
	// −2 ln x = e·(−2 ln 2) + s·(−2 Q), then r·scale = √(−2 ln x)·scale.
	rs := s.vec()
	VMULPD(q, sv, q)
	VFMADD231PD(g.k("ln2x2"), e, q)
	VSQRTPD(q, rs)
	VMULPD(g.scale, rs, rs)
	yield()

	// u = b + 2^29; t = u mod 2^30 − 2^29; φ = t·2π/2^32.
	u, phi, w, tm := s.vec(), s.vec(), s.vec(), s.vec()
	VPADDD(g.k("u29"), p.b, u)
	g.and(g.k("mask30"), u, tm)
	td := g.toDouble(tm, "magic")
	VSUBPD(g.k("tbias"), td, td)
	VMULPD(g.k("angle"), td, phi)
	VMULPD(phi, phi, w)
	yield()
	sn := g.horner("sin", len(sinCoef), w, yield)
	cs := g.horner("cos", len(cosCoef), w, yield)
	pw := s.vec()
	VMULPD(w, phi, pw)
	VFMADD213PD(phi, sn, pw) // sin φ = (φ·w)·P + φ
	sn = pw
	VFMADD213PD(g.k("one"), w, cs) // cos φ = w·P + 1
	yield()

	// The quadrant: bit 30 of u swaps (cos φ, sin φ), bit 31 of u + 2^30
	// (bit 31 of u xor bit 30) negates the first, bit 31 of u the second.
	c1, s1 := s.vec(), s.vec()
	if s.is512() {
		swap, n1, n2 := K(), K(), K()
		VPTESTMQ(g.k("u30"), u, swap)
		VPTESTMQ(g.k("u31"), u, n2)
		KXORW(swap, n2, n1)
		g.mov(cs, c1)
		g.mov(sn, s1)
		VBLENDMPD(sn, c1, swap, c1)
		VBLENDMPD(cs, s1, swap, s1)
		VPXORQ(g.k("sign"), c1, n1, c1)
		VPXORQ(g.k("sign"), s1, n2, s1)
	} else {
		n1, n2 := s.vec(), s.vec()
		VPADDD(g.k("u30"), u, n1)
		VPSLLQ(U8(32), n1, n1)
		VPSLLQ(U8(32), u, n2)
		swap := s.vec()
		VPSLLQ(U8(33), u, swap)
		VBLENDVPD(swap, sn, cs, c1)
		VBLENDVPD(swap, cs, sn, s1)
		g.and(g.k("sign"), n1, n1)
		g.and(g.k("sign"), n2, n2)
		g.xor(n1, c1, c1)
		g.xor(n2, s1, s1)
	}
	VMULPD(rs, c1, c1)
	VMULPD(rs, s1, s1)
	g.store(c1, dst, p.off)
	g.store(s1, dst, p.off+8)
	yield()
}

// horner evaluates Σ coef_k·w^k for the n coefficients named prefix0 …
// prefix(n−1), from the highest: p = p·w + coef_k, fused, yielding after
// every step.
func (g *normalGen) horner(prefix string, n int, w reg.VecVirtual, yield func()) reg.VecVirtual {
	p := g.s.vec()
	VMOVUPD(g.k(fmt.Sprintf("%s%d", prefix, n-1)), p)
	for k := n - 2; k >= 0; k-- {
		VFMADD213PD(g.k(fmt.Sprintf("%s%d", prefix, k)), w, p)
		yield()
	}
	return p
}

// store writes the float64 lanes of v at element offset off of dst, as
// float32 (rounded to nearest) for a float32 kernel; an AddNormals kernel
// adds them to dst's, in dst's type, as AccumulateRows adds a row.
func (g *normalGen) store(v reg.VecVirtual, dst reg.Register, off int) {
	m := Mem{Base: dst, Disp: off * g.d.size}
	if g.d.size == 8 {
		if g.add {
			VADDPD(m, v, v)
		}
		VMOVUPD(v, m)
		return
	}
	var x reg.VecVirtual
	if g.s.is512() {
		x = YMM()
		VCVTPD2PS(v, x)
	} else {
		x = XMM()
		VCVTPD2PSY(v, x)
	}
	if g.add {
		VADDPS(m, x, x)
	}
	VMOVUPS(x, m)
}
