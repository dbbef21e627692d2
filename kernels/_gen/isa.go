package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa describes one instruction set. Only the differences that the kernels
// need are here; everything else is shared code. The geometry fields are
// also written into kernels/dispatch_gen_amd64.go, so the Go wrappers use
// the values the assembly was generated with.
type isa struct {
	name  string // suffix of the function names: "AVX2" or "AVX512"
	vbyte int    // bytes per vector register
	// scanVecs is the number of vectors of V (and of I) a LeakyScan block
	// keeps in registers; with the 4 constants and 3 temporaries it must fit
	// the register file (16 YMM, 32 ZMM).
	scanVecs int
	// gemmRows × gemmVecs vectors is the MatMul micro-tile: gemmRows·gemmVecs
	// accumulators, gemmVecs vectors of B and one broadcast of A.
	gemmRows, gemmVecs int
	// fmaChains is the number of independent accumulators of PeakFMA: enough
	// to cover FMA latency times the number of FMA pipes.
	fmaChains int
	// features are the CPU features the kernels use, in the order
	// Impl.Requires names them; the dispatch checks exactly these.
	features []feature
	// doc is the Impl's doc comment in kernels, after its Go name.
	doc string
}

// feature is a CPU feature as Impl.Requires names it and as
// golang.org/x/sys/cpu reports it (a field of cpu.X86).
type feature struct {
	name, field string
	// why, when set, is a comment on the dispatch check: why the feature
	// is needed, or what detecting it implies.
	why string
}

var (
	avx2 = &isa{
		name: "AVX2", vbyte: 32, scanVecs: 4, gemmRows: 6, gemmVecs: 2, fmaChains: 12,
		features: []feature{
			{name: "AVX2", field: "HasAVX2"},
			{name: "FMA", field: "HasFMA"},
			{name: "POPCNT", field: "HasPOPCNT"},
			{name: "BMI2", field: "HasBMI2", why: "LeakyUpdate's ragged tail uses the BMI2 SHLX and BZHI."},
		},
		doc: "runs on CPUs with AVX2 and FMA (Intel Haswell, AMD Zen and later).",
	}
	avx512 = &isa{
		name: "AVX512", vbyte: 64, scanVecs: 8, gemmRows: 8, gemmVecs: 2, fmaChains: 24,
		features: []feature{
			{name: "AVX512F", field: "HasAVX512F", why: "x/sys/cpu reports AVX512F only when the OS saves the ZMM and opmask state."},
			{name: "POPCNT", field: "HasPOPCNT"},
			{name: "BMI2", field: "HasBMI2", why: "LeakyUpdate's and RuleUpdate's ragged tails use the BMI2 SHLX and BZHI."},
		},
		doc: "runs on CPUs with AVX-512 Foundation (Intel Skylake-SP, AMD Zen 4 " +
			"and later). The kernels use only AVX512F instructions (opmask compares, " +
			"zero-masked moves, KMOVW), so no other AVX-512 subset is required; " +
			"the ragged tails use BMI2, which every AVX-512 CPU has.",
	}
	isas = []*isa{avx2, avx512}
)

func (s *isa) is512() bool { return s.vbyte == 64 }

// vec allocates a virtual vector register of the instruction set's width.
func (s *isa) vec() reg.VecVirtual {
	if s.is512() {
		return ZMM()
	}
	return YMM()
}

// zero clears a vector register. VXORPS on ZMM needs AVX512DQ, so AVX-512
// uses the integer form, which needs only AVX512F; both give +0.0.
func (s *isa) zero(x reg.VecVirtual) {
	if s.is512() {
		VPXORD(x, x, x)
	} else {
		VXORPS(x, x, x)
	}
}

// dtype describes one element type.
type dtype struct {
	name  string // "32" or "64"
	size  int    // bytes per element
	shift uint64 // log2(size), to turn element counts into byte counts
	gotyp string
}

var (
	f32    = &dtype{name: "32", size: 4, shift: 2, gotyp: "float32"}
	f64    = &dtype{name: "64", size: 8, shift: 3, gotyp: "float64"}
	dtypes = []*dtype{f32, f64}
)

func (d *dtype) lanes(s *isa) int { return s.vbyte / d.size }

func (d *dtype) movu(src, dst Op) {
	if d.size == 4 {
		VMOVUPS(src, dst)
	} else {
		VMOVUPD(src, dst)
	}
}

// maskLoad loads the elements of m selected by mask (AVX2 VMASKMOV) into
// dst, +0.0 elsewhere, without touching memory outside the selection.
func (d *dtype) maskLoad(m, mask, dst Op) {
	if d.size == 4 {
		VMASKMOVPS(m, mask, dst)
	} else {
		VMASKMOVPD(m, mask, dst)
	}
}

// maskStore stores the elements of src selected by mask to m.
func (d *dtype) maskStore(src, mask, m Op) {
	if d.size == 4 {
		VMASKMOVPS(src, mask, m)
	} else {
		VMASKMOVPD(src, mask, m)
	}
}

func (d *dtype) add(a, b, dst Op) {
	if d.size == 4 {
		VADDPS(a, b, dst)
	} else {
		VADDPD(a, b, dst)
	}
}

// sub computes dst = b − a (Go assembler operand order).
func (d *dtype) sub(a, b, dst Op) {
	if d.size == 4 {
		VSUBPS(a, b, dst)
	} else {
		VSUBPD(a, b, dst)
	}
}

func (d *dtype) mul(a, b, dst Op) {
	if d.size == 4 {
		VMULPS(a, b, dst)
	} else {
		VMULPD(a, b, dst)
	}
}

// fma computes dst = b·a + dst, rounded once.
func (d *dtype) fma(a, b, dst Op) {
	if d.size == 4 {
		VFMADD231PS(a, b, dst)
	} else {
		VFMADD231PD(a, b, dst)
	}
}

// fma213 computes dst = b·dst + a, rounded once.
func (d *dtype) fma213(a, b, dst Op) {
	if d.size == 4 {
		VFMADD213PS(a, b, dst)
	} else {
		VFMADD213PD(a, b, dst)
	}
}

func (d *dtype) broadcast(src, dst Op) {
	if d.size == 4 {
		VBROADCASTSS(src, dst)
	} else {
		VBROADCASTSD(src, dst)
	}
}

// gtOQ is the VCMPPS/VCMPPD predicate "greater than, ordered, quiet": false
// when either operand is NaN, exactly like Go's v > theta.
const gtOQ = 0x1E

// neqUQ is "not equal, unordered, quiet": true when either operand is
// NaN, exactly like Go's a != b.
const neqUQ = 0x04

func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

func end(s *isa) {
	// Leave the upper register halves clean so that following SSE code
	// (the Go runtime's, the generic kernels') pays no transition penalty.
	VZEROUPPER()
	RET()
}

// orBits merges the lane bits of vector j (lanes bits wide) into word.
func orBits(word reg.GPVirtual, bits reg.GPVirtual, shift int) {
	b := bits.As64()
	if shift == 0 {
		// Writes to a 32-bit register clear the upper half.
		MOVQ(b, word)
		return
	}
	SHLQ(U8(shift), b)
	ORQ(b, word)
}

// divide sets r = r / p for a power of two p.
func divide(r reg.GPVirtual, p int) {
	sh := 0
	for 1<<sh < p {
		sh++
	}
	if 1<<sh != p {
		panic("block size must be a power of two")
	}
	SHRQ(U8(sh), r)
}

// maskedTail is the masked last vector of a kernel's slices: the first rem
// elements at an address, under an opmask (AVX-512) or a VMASKMOV mask (AVX2), made
// once per call, so that nothing past the slices is read or written.
type maskedTail struct {
	s    *isa
	d    *dtype
	rem  reg.GPVirtual
	k    reg.Register // AVX-512
	mask reg.VecVirtual
}

func newTail(s *isa, d *dtype, rem reg.GPVirtual) *maskedTail {
	t := &maskedTail{s: s, d: d, rem: rem}
	if s.is512() {
		m := GP32()
		MOVL(U32(0xffff), m)
		BZHIL(rem.As32(), m, m)
		t.k = K()
		KMOVW(m, t.k)
		return t
	}
	t.mask = tailMaskVec(s, d, rem)
	return t
}

func (t *maskedTail) load(m Mem) reg.VecVirtual {
	r := t.s.vec()
	switch {
	case t.s.is512() && t.d.size == 4:
		VMOVUPS_Z(m, t.k, r)
	case t.s.is512():
		VMOVUPD_Z(m, t.k, r)
	default:
		t.d.maskLoad(m, t.mask, r)
	}
	return r
}

func (t *maskedTail) store(r reg.VecVirtual, m Mem) {
	switch {
	case t.s.is512() && t.d.size == 4:
		VMOVUPS(r, t.k, m)
	case t.s.is512():
		VMOVUPD(r, t.k, m)
	default:
		t.d.maskStore(r, t.mask, m)
	}
}

// tailMaskVec returns the AVX2 VMASKMOV mask that selects the first rem
// (< lanes) elements: the 32 bytes at leakyTailMask + 32 − rem·size.
func tailMaskVec(s *isa, d *dtype, rem reg.GPVirtual) reg.VecVirtual {
	off, base := GP64(), GP64()
	MOVQ(U32(s.vbyte), off)
	lr := GP64()
	MOVQ(rem, lr)
	SHLQ(U8(d.shift), lr)
	SUBQ(lr, off)
	LEAQ(tailMask, base)
	mask := s.vec()
	VMOVDQU(Mem{Base: base, Index: off, Scale: 1}, mask)
	return mask
}

// broadcastBits fills every 64-bit lane of dst with bits, through t.
func broadcastBits(bits uint64, t reg.GPVirtual, dst reg.VecVirtual) {
	MOVQ(U64(bits), t)
	VMOVQ(t, dst.AsX())
	VPBROADCASTQ(dst.AsX(), dst)
}
