package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// FlushSubnormals (kernels.FlushSubnormals32/64), flushSubnormalsGeneric
// in kernels/flush.go: every value whose exponent bits are all zero, a
// subnormal or a zero, becomes the zero of its sign, its sign bit alone.
// AVX-512: VPTESTNM against the exponent bits selects those lanes, and a
// VPAND under that opmask keeps their sign bit alone. AVX2: VPAND and
// VPCMPEQ give −1 in those lanes, VPAND with the bits under the sign makes
// it the bits to clear, and VPANDN clears them. flushVecs vectors a pass.

const flushVecs = 4

// genFlushSubnormals writes FlushSubnormals for len(x) a multiple of
// flushVecs vectors.
func genFlushSubnormals(s *isa, d *dtype) string {
	name := fmt.Sprintf("flushSubnormals%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(x []%s)", d.gotyp))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is FlushSubnormals%s for len(x) a multiple of %d vectors.", name, d.name, flushVecs),
		"The caller checks the length.")
	xp := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	// exp holds the exponent bits of every lane; low the sign bit
	// (AVX-512: what a tiny lane keeps) or the bits under it (AVX2: what
	// it loses).
	expBits, sign := uint64(0x7ff0000000000000), uint64(1)<<63
	if d.size == 4 {
		expBits, sign = 0x7f800000*(1<<32+1), 0x80000000*(1<<32+1)
	}
	lowBits := sign
	if !s.is512() {
		lowBits = ^sign
	}
	exp, low, t := s.vec(), s.vec(), GP64()
	broadcastBits(expBits, t, exp)
	broadcastBits(lowBits, t, low)
	var zero reg.VecVirtual
	if !s.is512() {
		zero = s.vec()
		s.zero(zero)
	}
	stop := GP64()
	MOVQ(n, stop)
	SHLQ(U8(d.shift), stop)
	ADDQ(xp, stop)
	CMPQ(xp, stop)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	for j := range flushVecs {
		m := Mem{Base: xp, Disp: j * s.vbyte}
		x := s.vec()
		d.movu(m, x)
		if s.is512() {
			tiny := K()
			if d.size == 4 {
				VPTESTNMD(exp, x, tiny)
				VPANDD(low, x, tiny, x)
			} else {
				VPTESTNMQ(exp, x, tiny)
				VPANDQ(low, x, tiny, x)
			}
		} else {
			t := s.vec()
			VPAND(exp, x, t)
			if d.size == 4 {
				VPCMPEQD(zero, t, t)
			} else {
				VPCMPEQQ(zero, t, t)
			}
			VPAND(low, t, t)
			VPANDN(x, t, x)
		}
		d.movu(x, m)
	}
	ADDQ(U32(flushVecs*s.vbyte), xp)
	CMPQ(xp, stop)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	end(s)
	return name
}
