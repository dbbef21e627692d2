package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The LIF update (kernels.LeakyUpdate32/64) and its temporally blocked scan
// (kernels.LeakyScan32/64), one neuron per lane, in the order of
// leakyUpdateGeneric and leakyScanGeneric in kernels/generic.go.

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
func genLeakyUpdate(s *isa, d *dtype, reset string) string {
	name := fmt.Sprintf("leakyUpdate%s%s%s", d.name, reset, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I, Iin []%[1]s, alpha, beta, theta %[1]s, spikes []uint64) int", d.gotyp))
	resetDoc := map[string]string{"Sub": "by subtraction", "Zero": "to zero"}[reset]
	Doc(fmt.Sprintf("%s is LeakyUpdate%s with reset %s for any len(V),", name, d.name, resetDoc),
		"writing (len(V)+63)/64 mask words; a partial last word is written whole, with",
		"zero bits past len(V). The caller checks lengths and chunks long calls.")
	vp := Load(Param("V").Base(), GP64())
	ip := Load(Param("I").Base(), GP64())
	inp := Load(Param("Iin").Base(), GP64())
	sp := Load(Param("spikes").Base(), GP64())
	n := Load(Param("V").Len(), GP64())
	rem := GP64()
	MOVQ(n, rem)
	ANDQ(U8(63), rem)
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
	updateTail(s, d, reset, name, vp, ip, inp, sp, rem, count, k)
	Label(name + "_done")
	Store(count, ReturnIndex(0))
	end(s)
	return name
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

// updateTail emits the last rem (< 64) neurons of LeakyUpdate in place:
// whole vectors first, then the last rem mod lanes elements with masked
// loads and stores (laneMask: VMASKMOV on AVX2, an opmask on AVX-512),
// which neither read nor write past the end of the slices. Masked-off lanes load as +0.0 and their results are discarded;
// their comparison bits are cleared, so a threshold below zero adds no bits.
// The word of tail bits is written whole, zero past rem, as generic does.
func updateTail(s *isa, d *dtype, reset, name string, vp, ip, inp, sp reg.Register, rem, count reg.GPVirtual, k *consts) {
	neuronTail(s, d, reset, name, vp, ip, sp, rem, count, k,
		func(base reg.Register) Mem { return Mem{Base: base} },
		func(part *laneMask) Op {
			if part == nil {
				return Mem{Base: inp}
			}
			in := s.vec()
			receptorAddrs{part: part}.load(s, d, Mem{Base: inp}, in)
			return in
		},
		func() {
			ADDQ(U8(s.vbyte), vp)
			ADDQ(U8(s.vbyte), ip)
			ADDQ(U8(s.vbyte), inp)
		})
}

// neuronTail emits the ragged last word of a LIF kernel, updateTail's and
// rowsTail's: at addresses the vector of V and I at base vp and ip, input
// emits the input current of the vector (of part's lanes, when set, +0.0
// in the others) and advance moves the addresses on by a vector.
func neuronTail(s *isa, d *dtype, reset, name string, vp, ip, sp reg.Register, rem, count reg.GPVirtual, k *consts,
	at func(base reg.Register) Mem, input func(part *laneMask) Op, advance func()) {
	lanes := d.lanes(s)
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_done"))
	word, shift := GP64(), GP64()
	XORQ(word, word)
	XORQ(shift, shift)

	wholeVectors(name, rem, lanes, func() {
		v, c := s.vec(), s.vec()
		d.movu(at(vp), v)
		d.movu(at(ip), c)
		bits := neuron(s, d, reset, v, c, input(nil), k).As64()
		d.movu(v, at(vp))
		d.movu(c, at(ip))
		SHLXQ(shift, bits, bits)
		ORQ(bits, word)
		ADDQ(U8(lanes), shift)
		advance()
	})
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_tailstore"))
	{
		a := receptorAddrs{part: makeLaneMask(s, d, rem)}
		v, c := s.vec(), s.vec()
		a.load(s, d, at(vp), v)
		a.load(s, d, at(ip), c)
		bits := neuron(s, d, reset, v, c, input(a.part), k).As64()
		a.store(s, d, v, at(vp))
		a.store(s, d, c, at(ip))
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

// scanWide reports whether the instruction set's LeakyScan block for d is
// wider than a mask word (AVX-512 float32: 128 neurons), in which case a
// 64-neuron kernel (genLeakyScan with narrow) runs the whole words a call
// ends with; without it those, and every call of fewer than 128 neurons,
// fell to the generic code (989 M neuron-steps/s at n=64 against AVX2's
// 14.5 G in BENCHMARKS.md).
func scanWide(s *isa, d *dtype) bool { return scanBlock(s, d) > 64 }

// genLeakyScan writes the LeakyScan kernel of blocks of scanVecs vectors,
// or of one mask word (64 neurons) when narrow.
func genLeakyScan(s *isa, d *dtype, reset string, narrow bool) string {
	name := fmt.Sprintf("leakyScan%s%s%s", d.name, reset, s.name)
	block, vecs := scanBlock(s, d), s.scanVecs
	if narrow {
		name += "Word"
		block, vecs = 64, 64/d.lanes(s)
	}
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
	v := make([]reg.VecVirtual, vecs)
	c := make([]reg.VecVirtual, vecs)
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
	return name
}

// wholeVectors emits a tail's loop over its whole vectors: body while rem
// holds at least lanes neurons, each pass taking lanes off rem; it ends at
// name_tailpart, where the partial vector's code follows.
func wholeVectors(name string, rem reg.Register, lanes int, body func()) {
	Label(name + "_tailvec")
	CMPQ(rem, U8(lanes))
	JB(LabelRef(name + "_tailpart"))
	body()
	SUBQ(U8(lanes), rem)
	JMP(LabelRef(name + "_tailvec"))
	Label(name + "_tailpart")
}
