package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// NonzeroWords, the summary SpikeIndices walks instead of every mask word
// (spikeIndicesVia in kernels/spikes_amd64.go): bit j of summary word i is
// set when mask word 64i+j is nonzero. Eight words at a time give eight
// bits without a branch (AVX-512: VPTESTMQ into an opmask; AVX2: VPCMPEQQ
// against zero and VMOVMSKPD of each half, complemented), so that the
// spikes of a sparse mask cost a branch per spike no longer.

// genNonzeroWords writes NonzeroWords for len(mask) a multiple of 64.
func genNonzeroWords(s *isa) string {
	name := "nonzeroWords" + s.name
	TEXT(name, NOSPLIT, "func(summary, mask []uint64)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets bit j of summary[i] when mask[64i+j] is nonzero, for len(mask) a", name),
		"multiple of 64. The caller checks len(summary) ≥ len(mask)/64.")
	mp := Load(Param("mask").Base(), GP64())
	sp := Load(Param("summary").Base(), GP64())
	n := Load(Param("mask").Len(), GP64())
	SHRQ(U8(6), n)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	zero := s.vec()
	if !s.is512() {
		s.zero(zero)
	}
	Label(name + "_word")
	acc := GP64()
	for g := 0; g < 8; g++ {
		bits := GP64()
		if s.is512() {
			v, k := s.vec(), K()
			VMOVDQU64(Mem{Base: mp, Disp: 64 * g}, v)
			VPTESTMQ(v, v, k)
			// VPTESTMQ clears the opmask's upper bits: KMOVW is exact.
			KMOVW(k, bits.As32())
		} else {
			lo, hi := s.vec(), s.vec()
			VPCMPEQQ(Mem{Base: mp, Disp: 64 * g}, zero, lo)
			VPCMPEQQ(Mem{Base: mp, Disp: 64*g + 32}, zero, hi)
			h := GP64()
			VMOVMSKPD(lo, bits.As32())
			VMOVMSKPD(hi, h.As32())
			SHLQ(U8(4), h)
			ORQ(h, bits)
		}
		orBits(acc, bits, 8*g)
	}
	if !s.is512() {
		// acc holds the zero words: their complement is the nonzero ones.
		NOTQ(acc)
	}
	MOVQ(acc, Mem{Base: sp})
	ADDQ(U32(512), mp)
	ADDQ(U8(8), sp)
	DECQ(n)
	JNZ(LabelRef(name + "_word"))
	Label(name + "_done")
	end(s)
	return name
}
