// Command _gen generates leaky's SIMD kernels (kernels/leaky_amd64.s and the
// Go declarations in kernels/leaky_stubs_amd64.go) with avo.
//
// Regenerate from the kernels directory with
//
//	go generate ./kernels
//
// which runs, in kernels/_gen,
//
//	go run . -out ../leaky_amd64.s -stubs ../leaky_stubs_amd64.go -pkg kernels
//
// The output depends only on this program and the pinned avo version, so
// regenerating a clean tree must change nothing; CI checks that.
//
// Every kernel is written once, over an instruction set (AVX2 with YMM
// registers and VMOVMSK masks, or AVX-512 with ZMM registers and opmask
// registers) and a data type (float32 unfused, float64 fused), so the two
// instruction sets stay structurally identical: the AVX-512 code cannot be run
// on every development machine and relies on sharing its shape with the AVX2
// code that is tested everywhere.
//
// The arithmetic of each kernel follows the generic Go code in
// kernels/generic.go operation for operation; see the package comment of
// kernels for why that makes the results bit-identical.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("!purego,!noasm")
	genTailMask()
	for _, s := range isas {
		for _, d := range dtypes {
			for _, reset := range []string{"Sub", "Zero"} {
				genLeakyUpdate(s, d, reset)
			}
			for _, reset := range []string{"Sub", "Zero"} {
				genLeakyScan(s, d, reset)
			}
			genAccumulateRows(s, d)
			genCubaUpdate(s, d)
			for mr := 1; mr <= s.gemmRows; mr++ {
				for _, nv := range []int{s.gemmVecs, 1} {
					genGemmTile(s, d, mr, nv)
				}
			}
		}
		genPeakFMA(s)
		genReadStream(s)
		genAddStream(s)
	}
	Generate()
}

// isa describes one instruction set. Only the differences that the kernels
// need are here; everything else is shared code.
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
	// nativeTail is set when LeakyUpdate handles a ragged tail itself
	// (VMASKMOV and the BMI2 SHLX/BZHI, all present on every AVX2 CPU with
	// FMA that leaky dispatches to); otherwise its length must be a
	// multiple of 64 and the Go wrapper runs the tail.
	nativeTail bool
}

// streamLanes is the number of float32 partial sums ReadStream keeps, the
// same for every instruction set so that they all give generic's bits: 16
// YMM or 8 ZMM accumulators, enough to keep two loads per cycle in flight
// behind a 4-cycle add on either.
const streamLanes = 128

// streamSections is the number of sections of x that ReadStream reads at
// once, each into streamLanes/streamSections of the partial sums: one
// stream leaves DRAM bandwidth unused that the kernels, which read three or
// more arrays at once, do get. kernels.streamSections must equal it.
const streamSections = 4

// addBlock is the number of float32 elements per iteration of AddStream:
// four ZMM or eight YMM vectors, so the loop overhead is spread over several
// load-add-store triples. kernels.addBlock must equal it.
const addBlock = 64

var (
	avx2   = &isa{name: "AVX2", vbyte: 32, scanVecs: 4, gemmRows: 6, gemmVecs: 2, fmaChains: 12, nativeTail: true}
	avx512 = &isa{name: "AVX512", vbyte: 64, scanVecs: 8, gemmRows: 8, gemmVecs: 2, fmaChains: 24}
	isas   = []*isa{avx2, avx512}
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

// threshold compares v > theta and returns the spike value s (1.0 or +0.0 in
// every lane) and the lanes' comparison bits in the low bits of a 32-bit
// register.
func threshold(s *isa, d *dtype, v, theta, one reg.VecVirtual) (reg.VecVirtual, reg.GPVirtual) {
	sv := s.vec()
	bits := GP32()
	if s.is512() {
		k := K()
		if d.size == 4 {
			VCMPPS(U8(gtOQ), theta, v, k)
		} else {
			VCMPPD(U8(gtOQ), theta, v, k)
		}
		// Compares into an opmask clear the bits above the lane count,
		// so KMOVW is exact for 8 float64 lanes too, and needs only
		// AVX512F.
		KMOVW(k, bits)
		if d.size == 4 {
			VMOVAPS_Z(one, k, sv)
		} else {
			VMOVAPD_Z(one, k, sv)
		}
		return sv, bits
	}
	m := s.vec()
	if d.size == 4 {
		VCMPPS(U8(gtOQ), theta, v, m)
		VMOVMSKPS(m, bits)
		VANDPS(one, m, sv)
	} else {
		VCMPPD(U8(gtOQ), theta, v, m)
		VMOVMSKPD(m, bits)
		VANDPD(one, m, sv)
	}
	return sv, bits
}

// neuron emits one vector of the LIF update in the order of the generic code:
//
//	s   = v > theta
//	vn  = float32(beta*v) + c     (float64: FMA(beta, v, c))
//	vn -= s                        (or vn *= 1 - s)
//	cn  = float32(alpha*c) + in    (float64: FMA(alpha, c, in))
//
// v and c are updated in place (the 213 form of FMA overwrites the multiplied
// operand, so no copies are needed); in is a memory operand. It returns the
// spike bits of the vector's lanes.
func neuron(s *isa, d *dtype, reset string, v, c reg.VecVirtual, in Op, k *consts) reg.GPVirtual {
	sv, bits := threshold(s, d, v, k.theta, k.one)
	if d.size == 4 {
		d.mul(k.beta, v, v)
		d.add(c, v, v)
	} else {
		d.fma213(c, k.beta, v)
	}
	if reset == "Sub" {
		d.sub(sv, v, v)
	} else {
		// 1 − s, computed as the generic code does: exact, and +0.0
		// where s is 1.
		d.sub(sv, k.one, sv)
		d.mul(sv, v, v)
	}
	if d.size == 4 {
		d.mul(k.alpha, c, c)
		d.add(in, c, c)
	} else {
		d.fma213(in, k.alpha, c)
	}
	return bits
}

// consts are the broadcast parameters of the LIF update.
type consts struct{ alpha, beta, theta, one reg.VecVirtual }

func loadConsts(s *isa, d *dtype) *consts {
	k := &consts{alpha: s.vec(), beta: s.vec(), theta: s.vec(), one: s.vec()}
	d.broadcast(paramAddr("alpha"), k.alpha)
	d.broadcast(paramAddr("beta"), k.beta)
	d.broadcast(paramAddr("theta"), k.theta)
	oneBits := GP64()
	if d.size == 4 {
		MOVL(U32(0x3f800000), oneBits.As32())
		tmp := XMM()
		VMOVQ(oneBits, tmp)
		VBROADCASTSS(tmp, k.one)
	} else {
		MOVQ(U64(0x3ff0000000000000), oneBits)
		tmp := XMM()
		VMOVQ(oneBits, tmp)
		VBROADCASTSD(tmp, k.one)
	}
	return k
}

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

func genLeakyUpdate(s *isa, d *dtype, reset string) {
	name := fmt.Sprintf("leakyUpdate%s%s%s", d.name, reset, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I, Iin []%[1]s, alpha, beta, theta %[1]s, spikes []uint64) int", d.gotyp))
	resetDoc := map[string]string{"Sub": "by subtraction", "Zero": "to zero"}[reset]
	if s.nativeTail {
		Doc(fmt.Sprintf("%s is LeakyUpdate%s with reset %s for any len(V),", name, d.name, resetDoc),
			"writing (len(V)+63)/64 mask words; a partial last word is written whole, with",
			"zero bits past len(V). The caller checks lengths and chunks long calls.")
	} else {
		Doc(fmt.Sprintf("%s is LeakyUpdate%s with reset %s for len(V) a multiple of 64,", name, d.name, resetDoc),
			"writing len(V)/64 mask words. The caller checks lengths and chunks long calls.")
	}
	vp := Load(Param("V").Base(), GP64())
	ip := Load(Param("I").Base(), GP64())
	inp := Load(Param("Iin").Base(), GP64())
	sp := Load(Param("spikes").Base(), GP64())
	n := Load(Param("V").Len(), GP64())
	rem := GP64()
	if s.nativeTail {
		MOVQ(n, rem)
		ANDQ(U8(63), rem)
	}
	SHRQ(U8(6), n)
	k := loadConsts(s, d)
	count := GP64()
	XORQ(count, count)
	lanes := d.lanes(s)
	nvec := 64 / lanes

	TESTQ(n, n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	word := GP64()
	for j := 0; j < nvec; j++ {
		off := j * s.vbyte
		v, c := s.vec(), s.vec()
		d.movu(Mem{Base: vp, Disp: off}, v)
		d.movu(Mem{Base: ip, Disp: off}, c)
		bits := neuron(s, d, reset, v, c, Mem{Base: inp, Disp: off}, k)
		d.movu(v, Mem{Base: vp, Disp: off})
		d.movu(c, Mem{Base: ip, Disp: off})
		orBits(word, bits, j*lanes)
	}
	MOVQ(word, Mem{Base: sp})
	pc := GP64()
	POPCNTQ(word, pc)
	ADDQ(pc, count)
	ADDQ(U32(64*d.size), vp)
	ADDQ(U32(64*d.size), ip)
	ADDQ(U32(64*d.size), inp)
	ADDQ(U8(8), sp)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_tail")
	if s.nativeTail {
		updateTail(s, d, reset, name, vp, ip, inp, sp, rem, count, k)
	}
	Label(name + "_done")
	Store(count, ReturnIndex(0))
	end(s)
}

// tailMask is 32 bytes of ones followed by 32 of zeros: the 32 bytes at
// offset 32−r·size are a VMASKMOV mask selecting the first r elements.
var tailMask Mem

func genTailMask() {
	tailMask = GLOBL("leakyTailMask", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(4*i, U32(0xffffffff))
	}
	for i := 8; i < 16; i++ {
		DATA(4*i, U32(0))
	}
}

// updateTail emits the last rem (< 64) neurons of LeakyUpdate in place, for
// AVX2: whole vectors first, then the last rem mod lanes elements with
// VMASKMOV loads and stores, which neither read nor write past the end of
// the slices. Masked-off lanes load as +0.0 and their results are discarded;
// their comparison bits are cleared, so a threshold below zero adds no bits.
// The word of tail bits is written whole, zero past rem, as generic does.
func updateTail(s *isa, d *dtype, reset, name string, vp, ip, inp, sp reg.Register, rem, count reg.GPVirtual, k *consts) {
	lanes := d.lanes(s)
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_done"))
	word, shift := GP64(), GP64()
	XORQ(word, word)
	XORQ(shift, shift)

	Label(name + "_tailvec")
	CMPQ(rem, U8(lanes))
	JB(LabelRef(name + "_tailpart"))
	{
		v, c := s.vec(), s.vec()
		d.movu(Mem{Base: vp}, v)
		d.movu(Mem{Base: ip}, c)
		bits := neuron(s, d, reset, v, c, Mem{Base: inp}, k).As64()
		d.movu(v, Mem{Base: vp})
		d.movu(c, Mem{Base: ip})
		SHLXQ(shift, bits, bits)
		ORQ(bits, word)
		ADDQ(U8(lanes), shift)
		ADDQ(U8(s.vbyte), vp)
		ADDQ(U8(s.vbyte), ip)
		ADDQ(U8(s.vbyte), inp)
		SUBQ(U8(lanes), rem)
		JMP(LabelRef(name + "_tailvec"))
	}

	Label(name + "_tailpart")
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_tailstore"))
	{
		// mask = the 32 bytes at leakyTailMask + 32 − rem·size.
		off, base := GP64(), GP64()
		MOVQ(U32(s.vbyte), off)
		lr := GP64()
		MOVQ(rem, lr)
		SHLQ(U8(d.shift), lr)
		SUBQ(lr, off)
		LEAQ(tailMask, base)
		mask := s.vec()
		VMOVDQU(Mem{Base: base, Index: off, Scale: 1}, mask)
		v, c, in := s.vec(), s.vec(), s.vec()
		d.maskLoad(Mem{Base: vp}, mask, v)
		d.maskLoad(Mem{Base: ip}, mask, c)
		d.maskLoad(Mem{Base: inp}, mask, in)
		bits := neuron(s, d, reset, v, c, in, k).As64()
		d.maskStore(v, mask, Mem{Base: vp})
		d.maskStore(c, mask, Mem{Base: ip})
		BZHIQ(rem, bits, bits)
		SHLXQ(shift, bits, bits)
		ORQ(bits, word)
	}

	Label(name + "_tailstore")
	MOVQ(word, Mem{Base: sp})
	pc := GP64()
	POPCNTQ(word, pc)
	ADDQ(pc, count)
}

// scanBlock returns the neurons per LeakyScan block: scanVecs vectors, kept
// in registers over all steps.
func scanBlock(s *isa, d *dtype) int { return s.scanVecs * d.lanes(s) }

func genLeakyScan(s *isa, d *dtype, reset string) {
	name := fmt.Sprintf("leakyScan%s%s%s", d.name, reset, s.name)
	block := scanBlock(s, d)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I, Iin []%[1]s, inStride, steps int, alpha, beta, theta %[1]s, spikes []uint64, maskStride int) int", d.gotyp))
	Doc(fmt.Sprintf("%s is LeakyScan%s with reset %s for len(V) a multiple of %d and of 64", name, d.name, map[string]string{"Sub": "by subtraction", "Zero": "to zero"}[reset], block),
		fmt.Sprintf("and steps ≥ 1. Blocks of %d neurons keep V and I in registers over all steps.", block),
		"The caller checks lengths and strides and chunks long calls.")
	vp := Load(Param("V").Base(), GP64())
	ip := Load(Param("I").Base(), GP64())
	inBase := Load(Param("Iin").Base(), GP64())
	spBase := Load(Param("spikes").Base(), GP64())
	nblk := GP64()
	Load(Param("V").Len(), nblk)
	inStride := Load(Param("inStride"), GP64())
	SHLQ(U8(d.shift), inStride)
	maskStride := Load(Param("maskStride"), GP64())
	SHLQ(U8(3), maskStride)
	k := loadConsts(s, d)
	count := GP64()
	XORQ(count, count)
	lanes := d.lanes(s)
	// Mask pieces narrower than a word are stored with a narrower move at
	// their byte offset within the little-endian word.
	pieceBits := min(block, 64)

	// nblk = len(V) / block
	divide(nblk, block)
	TESTQ(nblk, nblk)
	JZ(LabelRef(name + "_done"))

	Label(name + "_block")
	v := make([]reg.VecVirtual, s.scanVecs)
	c := make([]reg.VecVirtual, s.scanVecs)
	for j := range v {
		v[j], c[j] = s.vec(), s.vec()
		d.movu(Mem{Base: vp, Disp: j * s.vbyte}, v[j])
		d.movu(Mem{Base: ip, Disp: j * s.vbyte}, c[j])
	}
	steps := Load(Param("steps"), GP64())
	inp := GP64()
	MOVQ(inBase, inp)
	sp := GP64()
	MOVQ(spBase, sp)

	Label(name + "_step")
	var word reg.GPVirtual
	for j := range v {
		bit := (j * lanes) % pieceBits
		if bit == 0 {
			word = GP64()
		}
		bits := neuron(s, d, reset, v[j], c[j], Mem{Base: inp, Disp: j * s.vbyte}, k)
		orBits(word, bits, bit)
		if bit+lanes == pieceBits {
			// The piece is complete: store and count it.
			dst := Mem{Base: sp, Disp: (j*lanes + lanes - pieceBits) / 8}
			switch pieceBits {
			case 64:
				MOVQ(word, dst)
			case 32:
				MOVL(word.As32(), dst)
			case 16:
				MOVW(word.As16(), dst)
			default:
				panic("unsupported mask piece")
			}
			pc := GP64()
			POPCNTQ(word, pc)
			ADDQ(pc, count)
		}
	}
	ADDQ(inStride, inp)
	ADDQ(maskStride, sp)
	DECQ(steps)
	JNZ(LabelRef(name + "_step"))

	for j := range v {
		d.movu(v[j], Mem{Base: vp, Disp: j * s.vbyte})
		d.movu(c[j], Mem{Base: ip, Disp: j * s.vbyte})
	}
	ADDQ(U32(block*d.size), vp)
	ADDQ(U32(block*d.size), ip)
	ADDQ(U32(block*d.size), inBase)
	ADDQ(U32(block/8), spBase)
	DECQ(nblk)
	JNZ(LabelRef(name + "_block"))
	Label(name + "_done")
	Store(count, ReturnIndex(0))
	end(s)
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

func genAccumulateRows(s *isa, d *dtype) {
	name := fmt.Sprintf("accumulateRows%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, W []%s, stride int, rows []int32)", d.gotyp))
	Doc(fmt.Sprintf("%s is AccumulateRows%s for len(dst) a multiple of %d.", name, d.name, d.lanes(s)),
		"Rows are added four per pass over dst, each element summed in the order of rows.",
		"The caller checks every row index and chunks long calls.")
	dst := Load(Param("dst").Base(), GP64())
	w := Load(Param("W").Base(), GP64())
	nbytes := Load(Param("dst").Len(), GP64())
	SHLQ(U8(d.shift), nbytes)
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(d.shift), stride)
	rp := Load(Param("rows").Base(), GP64())
	nrows := Load(Param("rows").Len(), GP64())

	rowPtr := func(i int) reg.GPVirtual {
		r := GP64()
		MOVLQSX(Mem{Base: rp, Disp: 4 * i}, r)
		IMULQ(stride, r)
		ADDQ(w, r)
		return r
	}
	TESTQ(nbytes, nbytes)
	JZ(LabelRef(name + "_done"))

	const fuse = 4
	Label(name + "_quad")
	CMPQ(nrows, U8(fuse))
	JB(LabelRef(name + "_single"))
	{
		ptrs := make([]reg.GPVirtual, fuse)
		for i := range ptrs {
			ptrs[i] = rowPtr(i)
		}
		off := GP64()
		XORQ(off, off)
		Label(name + "_quadloop")
		acc := s.vec()
		d.movu(Mem{Base: dst, Index: off, Scale: 1}, acc)
		for _, p := range ptrs {
			d.add(Mem{Base: p, Index: off, Scale: 1}, acc, acc)
		}
		d.movu(acc, Mem{Base: dst, Index: off, Scale: 1})
		ADDQ(U8(s.vbyte), off)
		CMPQ(off, nbytes)
		JNE(LabelRef(name + "_quadloop"))
		ADDQ(U8(4*fuse), rp)
		SUBQ(U8(fuse), nrows)
		JMP(LabelRef(name + "_quad"))
	}

	Label(name + "_single")
	TESTQ(nrows, nrows)
	JZ(LabelRef(name + "_done"))
	{
		p := rowPtr(0)
		off := GP64()
		XORQ(off, off)
		Label(name + "_singleloop")
		acc := s.vec()
		d.movu(Mem{Base: dst, Index: off, Scale: 1}, acc)
		d.add(Mem{Base: p, Index: off, Scale: 1}, acc, acc)
		d.movu(acc, Mem{Base: dst, Index: off, Scale: 1})
		ADDQ(U8(s.vbyte), off)
		CMPQ(off, nbytes)
		JNE(LabelRef(name + "_singleloop"))
		ADDQ(U8(4), rp)
		DECQ(nrows)
		JMP(LabelRef(name + "_single"))
	}
	Label(name + "_done")
	end(s)
}

// gemmTileName is the name of the mr × (nv vectors) MatMul micro-kernel.
func gemmTileName(s *isa, d *dtype, mr, nv int) string {
	return fmt.Sprintf("gemm%s%s_%dx%d", d.name, s.name, mr, nv*d.lanes(s))
}

func genGemmTile(s *isa, d *dtype, mr, nv int) {
	name := gemmTileName(s, d, mr, nv)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(k int, a []%[1]s, lda int, b []%[1]s, ldb int, c []%[1]s, ldc int, accumulate bool)", d.gotyp))
	Doc(fmt.Sprintf("%s computes the %d×%d tile at the start of c: c = (c or 0) + a·b,", name, mr, nv*d.lanes(s)),
		"with a k columns wide and b k rows deep, summing over p = 0..k−1 in order",
		map[int]string{4: "(product rounded, then added).", 8: "(fused multiply-add)."}[d.size],
		"Only the slices' base pointers are used: the caller checks bounds.")
	ap := GP64()
	Load(Param("a").Base(), ap)
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(d.shift), lda)
	bp := Load(Param("b").Base(), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(d.shift), ldb)

	acc := make([][]reg.VecVirtual, mr)
	for r := range acc {
		acc[r] = make([]reg.VecVirtual, nv)
		for v := range acc[r] {
			acc[r][v] = s.vec()
		}
	}
	// Start from zero, not from the first product, because the generic code
	// clears C and adds: +0 + (−0) is +0.
	accum := Load(Param("accumulate"), GP8())
	TESTB(accum, accum)
	JNZ(LabelRef(name + "_loadc"))
	for r := range acc {
		for v := range acc[r] {
			s.zero(acc[r][v])
		}
	}
	JMP(LabelRef(name + "_start"))
	Label(name + "_loadc")
	{
		cp := Load(Param("c").Base(), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(d.shift), ldc)
		for r := range acc {
			for v := range acc[r] {
				d.movu(Mem{Base: cp, Disp: v * s.vbyte}, acc[r][v])
			}
			if r+1 < mr {
				ADDQ(ldc, cp)
			}
		}
	}
	Label(name + "_start")
	k := Load(Param("k"), GP64())
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))

	// Row r of A is at aBase[r/4] + (0, lda, 2·lda, 3·lda)[r%4]; the bases
	// advance by one element per step of p.
	var lda3 reg.GPVirtual
	if mr >= 4 {
		lda3 = GP64()
		LEAQ(Mem{Base: lda, Index: lda, Scale: 2}, lda3)
	}
	aBase := []reg.GPVirtual{ap}
	for r := 4; r < mr; r += 4 {
		b := GP64()
		LEAQ(Mem{Base: aBase[len(aBase)-1], Index: lda, Scale: 4}, b)
		aBase = append(aBase, b)
	}
	aAddr := func(r int) Mem {
		base := aBase[r/4]
		switch r % 4 {
		case 1:
			return Mem{Base: base, Index: lda, Scale: 1}
		case 2:
			return Mem{Base: base, Index: lda, Scale: 2}
		case 3:
			return Mem{Base: base, Index: lda3, Scale: 1}
		}
		return Mem{Base: base}
	}

	Label(name + "_loop")
	bv := make([]reg.VecVirtual, nv)
	for v := range bv {
		bv[v] = s.vec()
		d.movu(Mem{Base: bp, Disp: v * s.vbyte}, bv[v])
	}
	for r := 0; r < mr; r++ {
		a := s.vec()
		d.broadcast(aAddr(r), a)
		for v := range bv {
			if d.size == 4 {
				t := s.vec()
				d.mul(bv[v], a, t)
				d.add(t, acc[r][v], acc[r][v])
			} else {
				d.fma(bv[v], a, acc[r][v])
			}
		}
	}
	for _, b := range aBase {
		ADDQ(U8(d.size), b)
	}
	ADDQ(ldb, bp)
	DECQ(k)
	JNZ(LabelRef(name + "_loop"))

	Label(name + "_store")
	cp := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(d.shift), ldc)
	for r := range acc {
		for v := range acc[r] {
			d.movu(acc[r][v], Mem{Base: cp, Disp: v * s.vbyte})
		}
		if r+1 < mr {
			ADDQ(ldc, cp)
		}
	}
	end(s)
}

func genPeakFMA(s *isa) {
	name := "peakFMA32" + s.name
	TEXT(name, NOSPLIT, "func(iters int)")
	Doc(fmt.Sprintf("%s runs iters rounds of %d independent float32 fused multiply-adds on", name, s.fmaChains),
		"full vectors, to measure the peak arithmetic rate. The results are discarded.")
	n := Load(Param("iters"), GP64())
	x, y := s.vec(), s.vec()
	s.zero(x)
	s.zero(y)
	acc := make([]reg.VecVirtual, s.fmaChains)
	for i := range acc {
		acc[i] = s.vec()
		s.zero(acc[i])
	}
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for i := range acc {
		VFMADD231PS(x, y, acc[i])
	}
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	end(s)
}

func genReadStream(s *isa) {
	name := "readStream32" + s.name
	sec := streamLanes / streamSections
	TEXT(name, NOSPLIT, fmt.Sprintf("func(x []float32, stride, n, passes int, p *[%d]float32)", streamLanes))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds %d sections of x, x[s·stride : s·stride+n] for n a multiple of %d,", name, streamSections, sec),
		fmt.Sprintf("to the partial sums p, passes times over: p[%d·s+k] += x[s·stride+i] for i ≡ k (mod %d),", sec, sec),
		"in increasing i, pass after pass. It is the read-bandwidth ceiling: full-width loads,",
		"no stores, independent accumulators so the adds never hold the loads back, and",
		"several streams at once, as the kernels read them, so DRAM is kept busy.",
		"Only x's base pointer is used: the caller checks bounds and chunks long calls.")
	f32lanes := f32.lanes(s)
	perSec := sec / f32lanes
	pp := Load(Param("p"), GP64())
	acc := make([]reg.VecVirtual, streamLanes/f32lanes)
	for i := range acc {
		acc[i] = s.vec()
		VMOVUPS(Mem{Base: pp, Disp: i * s.vbyte}, acc[i])
	}
	base := Load(Param("x").Base(), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	stop := Load(Param("n"), GP64())
	SHLQ(U8(2), stop)
	TESTQ(stop, stop)
	JLE(LabelRef(name + "_done"))
	ADDQ(base, stop)
	// Sections 1, 2 and 3 are addressed as off + stride·{1, 2} and off +
	// 3·stride, so one pointer walks all four (streamSections is 4).
	stride3 := GP64()
	LEAQ(Mem{Base: stride, Index: stride, Scale: 2}, stride3)
	passes := Load(Param("passes"), GP64())
	TESTQ(passes, passes)
	JLE(LabelRef(name + "_done"))
	Label(name + "_pass")
	off := GP64()
	MOVQ(base, off)
	Label(name + "_loop")
	// Section by section: the sections of an L1-sized x are 4 KiB apart,
	// and two loads in one cycle at the same offset within a page could
	// meet in one L1 bank.
	for sc := 0; sc < streamSections; sc++ {
		for j := 0; j < perSec; j++ {
			m := Mem{Base: off, Disp: j * s.vbyte}
			switch sc {
			case 0:
			case 1:
				m.Index, m.Scale = stride, 1
			case 2:
				m.Index, m.Scale = stride, 2
			case 3:
				m.Index, m.Scale = stride3, 1
			default:
				panic("readStream addresses at most four sections")
			}
			a := acc[sc*perSec+j]
			VADDPS(m, a, a)
		}
	}
	ADDQ(U32(sec*4), off)
	CMPQ(off, stop)
	JNE(LabelRef(name + "_loop"))
	DECQ(passes)
	JNZ(LabelRef(name + "_pass"))
	Label(name + "_done")
	for i := range acc {
		VMOVUPS(acc[i], Mem{Base: pp, Disp: i * s.vbyte})
	}
	end(s)
}

func genAddStream(s *isa) {
	name := "addStream32" + s.name
	TEXT(name, NOSPLIT, "func(dst, src []float32, passes int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds src to dst (dst[i] += src[i]), passes times over, for len(dst) a", name),
		fmt.Sprintf("multiple of %d and len(src) ≥ len(dst). It is the read-modify-write bandwidth ceiling:", addBlock),
		"AccumulateRows's loop with one row and no row indexing. The caller chunks long calls.")
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	nbytes := Load(Param("dst").Len(), GP64())
	SHLQ(U8(2), nbytes)
	TESTQ(nbytes, nbytes)
	JZ(LabelRef(name + "_done"))
	passes := Load(Param("passes"), GP64())
	TESTQ(passes, passes)
	JLE(LabelRef(name + "_done"))
	Label(name + "_pass")
	off := GP64()
	XORQ(off, off)
	Label(name + "_loop")
	for u := 0; u < addBlock*4/s.vbyte; u++ {
		v := s.vec()
		VMOVUPS(Mem{Base: dp, Index: off, Scale: 1, Disp: u * s.vbyte}, v)
		VADDPS(Mem{Base: sp, Index: off, Scale: 1, Disp: u * s.vbyte}, v, v)
		VMOVUPS(v, Mem{Base: dp, Index: off, Scale: 1, Disp: u * s.vbyte})
	}
	ADDQ(U32(addBlock*4), off)
	CMPQ(off, nbytes)
	JNE(LabelRef(name + "_loop"))
	DECQ(passes)
	JNZ(LabelRef(name + "_pass"))
	Label(name + "_done")
	end(s)
}
