package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The measuring instruments (kernels.Instruments): not kernels of a
// simulation but the ceilings `leaky bench` holds the kernels to, at each
// instruction set's full vector width.

// The instruments' geometry: instrumentConsts says what each value is, and
// writes it into kernels/geometry_gen.go, because the generic loops must
// sum in the assembly's order to give its bits.
const (
	streamLanes    = 128
	streamSections = 4
	addBlock       = 64
	inPlaceBlock   = 32
	inPlaceArrays  = 6
)

var instrumentConsts = []goConst{
	{"streamLanes", streamLanes, "is the number of float32 partial sums ReadStream32 keeps, " +
		"the same for every implementation so that all give generic's bits: 16 YMM or 8 ZMM " +
		"accumulators, enough independent adds to keep two loads per cycle in flight behind a " +
		"4-cycle add on either."},
	{"streamSections", streamSections, "is the number of sections of x that ReadStream32 reads " +
		"at once, each into streamLanes/streamSections of the partial sums: one stream leaves " +
		"DRAM bandwidth unused that the kernels, which read three or more arrays at once, do get."},
	{"addBlock", addBlock, "is the number of float32 elements per iteration of the assembly " +
		"AddStream32 loops: four ZMM or eight YMM vectors, so the loop overhead is spread over " +
		"several load-add-store triples. The Go wrapper leaves the elements past the last whole " +
		"block to the generic loop."},
	{"inPlaceBlock", inPlaceBlock, "is the number of float32 elements of each array per iteration " +
		"of the assembly InPlaceStream32 loops: two cache lines, four YMM or two ZMM vectors. The Go " +
		"wrapper leaves the elements past the last whole block to the generic loop."},
	{"inPlaceArrays", inPlaceArrays, "is the number of arrays InPlaceStream32 streams: " +
		"CubaUpdate's and CobaUpdate's six (V, two receptors, their inputs, refrac), which the " +
		"assembly keeps in six base registers as the kernels do."},
}

func genPeakFMA(s *isa) string {
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
	return name
}

func genReadStream(s *isa) string {
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
	return name
}

func genAddStream(s *isa) string {
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
	streamPasses(name, nbytes, addBlock*4, func(off reg.GPVirtual) {
		for u := 0; u < addBlock*4/s.vbyte; u++ {
			v := s.vec()
			VMOVUPS(Mem{Base: dp, Index: off, Scale: 1, Disp: u * s.vbyte}, v)
			VADDPS(Mem{Base: sp, Index: off, Scale: 1, Disp: u * s.vbyte}, v, v)
			VMOVUPS(v, Mem{Base: dp, Index: off, Scale: 1, Disp: u * s.vbyte})
		}
	})
	end(s)
	return name
}

// streamPasses emits the loops of AddStream and InPlaceStream: the passes
// parameter times over (none when it is not positive), a byte offset off
// from 0 to nbytes, a positive multiple of step, with body at each step.
// It ends on the label name_done, which the caller's checks may jump to.
func streamPasses(name string, nbytes reg.Register, step int, body func(off reg.GPVirtual)) {
	passes := Load(Param("passes"), GP64())
	TESTQ(passes, passes)
	JLE(LabelRef(name + "_done"))
	Label(name + "_pass")
	off := GP64()
	XORQ(off, off)
	Label(name + "_loop")
	body(off)
	ADDQ(U32(step), off)
	CMPQ(off, nbytes)
	JNE(LabelRef(name + "_loop"))
	DECQ(passes)
	JNZ(LabelRef(name + "_pass"))
	Label(name + "_done")
}

func genInPlaceStream(s *isa) string {
	name := "inPlaceStream32" + s.name
	TEXT(name, NOSPLIT, fmt.Sprintf("func(xs *[%d]*float32, n, passes int, inc float32)", inPlaceArrays))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds inc to x[i] for the first n elements of each of the %d arrays", name, inPlaceArrays),
		fmt.Sprintf("whose bases are xs, passes times over, for n a multiple of %d. It is the in-place", inPlaceBlock),
		"bandwidth ceiling of the kernels that read and write their own arrays (CubaUpdate,",
		"CobaUpdate), shaped like them: the arrays' bases in registers, one vector of each",
		"array at a time, all its loads before its stores. The caller chunks long calls.")
	xs := Load(Param("xs"), GP64())
	base := make([]reg.GPVirtual, inPlaceArrays)
	for a := range base {
		base[a] = GP64()
		MOVQ(Mem{Base: xs, Disp: 8 * a}, base[a])
	}
	nbytes := Load(Param("n"), GP64())
	SHLQ(U8(2), nbytes)
	TESTQ(nbytes, nbytes)
	JZ(LabelRef(name + "_done"))
	inc := s.vec()
	f32.broadcast(paramAddr("inc"), inc)
	streamPasses(name, nbytes, inPlaceBlock*4, func(off reg.GPVirtual) {
		for u := 0; u < inPlaceBlock*4/s.vbyte; u++ {
			vs := make([]reg.VecVirtual, inPlaceArrays)
			at := func(a int) Mem { return Mem{Base: base[a], Index: off, Scale: 1, Disp: u * s.vbyte} }
			for a := range vs {
				vs[a] = s.vec()
				VADDPS(at(a), inc, vs[a])
			}
			for a, v := range vs {
				VMOVUPS(v, at(a))
			}
		}
	})
	end(s)
	return name
}
