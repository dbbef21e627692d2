package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// BinaryMasks (kernels.BinaryMasks32/64), the check that a source's values
// are spikes and their bitmasks, binaryMasksGeneric in kernels/binary.go:
// one mask word per 64 values. The values' bits are compared as integers,
// so that no MXCSR setting (denormals as zero) can change the result: a
// value is 1 when its bits are those of 1.0, 0 when they are zero under
// the sign, and neither otherwise (a nonzero under the sign that is not
// 1). Each vector gives a lane mask of its ones and one of its nonzeros
// (AVX-512: VPCMPEQ and VPTESTM into opmasks; AVX2: VPCMPEQ and VMOVMSK of
// the ones and of the zeros, complemented); a word whose nonzeros are not
// all ones holds the first value that is neither.

// binaryAhead is how far ahead of the values it reads BinaryMasks
// prefetches, one PREFETCHT0 a cache line: a caller's values (a step of
// SHD is 256 rows of 700 float32, 700 KB) are read once, from DRAM, and
// the hardware prefetcher alone leaves a core at about half the bandwidth
// it gets with them requested 16 KB (several rows) early. Prefetches past
// the end of x are hints, never faults.
const binaryAhead = 16384

// genBinaryMasks writes BinaryMasks for whole words of values.
func genBinaryMasks(s *isa, d *dtype) string {
	name := fmt.Sprintf("binaryMasks%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(masks []uint64, x []%s) int", d.gotyp))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is BinaryMasks%s for len(x) a multiple of 64: masks[w] is set from", name, d.name),
		"x[64w : 64w+64], word after word, until a word holds a value that is neither 0 nor 1;",
		"that word keeps the ones before it, and the value's index is returned (−1: none).",
		"The caller checks len(masks) and chunks long calls.")
	xp := Load(Param("x").Base(), GP64())
	mp := Load(Param("masks").Base(), GP64())
	words := Load(Param("x").Len(), GP64())
	SHRQ(U8(6), words)
	w := GP64()
	XORQ(w, w)
	// one holds 1.0's bits in every lane, abs the bits under the sign.
	one, abs := s.vec(), s.vec()
	{
		t := GP64()
		var oneBits, absBits uint64 = math.Float64bits(1), math.MaxInt64
		if d.size == 4 {
			oneBits = uint64(math.Float32bits(1)) * (1<<32 + 1)
			absBits = math.MaxInt32 * (1<<32 + 1)
		}
		broadcastBits(oneBits, t, one)
		broadcastBits(absBits, t, abs)
	}
	var zero reg.VecVirtual
	if !s.is512() {
		zero = s.vec()
		s.zero(zero)
	}
	lanes := d.lanes(s)
	CMPQ(w, words)
	JE(LabelRef(name + "_none"))
	Label(name + "_word")
	ones, nz := GP64(), GP64()
	for j := range 64 / lanes {
		v := s.vec()
		if j*s.vbyte%64 == 0 {
			PREFETCHT0(Mem{Base: xp, Disp: j*s.vbyte + binaryAhead})
		}
		d.movu(Mem{Base: xp, Disp: j * s.vbyte}, v)
		o, z := GP32(), GP32()
		if s.is512() {
			ko, kz := K(), K()
			if d.size == 4 {
				VPCMPEQD(one, v, ko)
				VPTESTMD(abs, v, kz)
			} else {
				VPCMPEQQ(one, v, ko)
				VPTESTMQ(abs, v, kz)
			}
			// The compares clear the opmasks' upper bits, so KMOVW is
			// exact for 8 float64 lanes too.
			KMOVW(ko, o)
			KMOVW(kz, z)
		} else {
			e, a := s.vec(), s.vec()
			VPAND(abs, v, a)
			if d.size == 4 {
				VPCMPEQD(one, v, e)
				VPCMPEQD(zero, a, a)
				VMOVMSKPS(e, o)
				VMOVMSKPS(a, z)
			} else {
				VPCMPEQQ(one, v, e)
				VPCMPEQQ(zero, a, a)
				VMOVMSKPD(e, o)
				VMOVMSKPD(a, z)
			}
		}
		orBits(ones, o, j*lanes)
		orBits(nz, z, j*lanes)
	}
	if !s.is512() {
		// nz holds the zeros: their complement is the nonzeros.
		NOTQ(nz)
	}
	// bad: the nonzeros that are not 1.
	XORQ(ones, nz)
	JNZ(LabelRef(name + "_bad"))
	MOVQ(ones, Mem{Base: mp, Index: w, Scale: 8})
	ADDQ(U32(64*d.size), xp)
	INCQ(w)
	CMPQ(w, words)
	JNE(LabelRef(name + "_word"))
	Label(name + "_none")
	r := GP64()
	MOVQ(I64(-1), r)
	Store(r, ReturnIndex(0))
	end(s)

	Label(name + "_bad")
	// The word keeps the ones below the first bad value: ones &
	// (lowest bit of bad − 1).
	at, low := GP64(), GP64()
	BSFQ(nz, at)
	MOVQ(nz, low)
	NEGQ(low)
	ANDQ(nz, low)
	DECQ(low)
	ANDQ(low, ones)
	MOVQ(ones, Mem{Base: mp, Index: w, Scale: 8})
	SHLQ(U8(6), w)
	ADDQ(at, w)
	Store(w, ReturnIndex(0))
	end(s)
	return name
}
