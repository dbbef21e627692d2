package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// AccumulateRows (kernels.AccumulateRows32/64), the event-driven input of a
// dense projection: the rows of the presynaptic neurons that spiked, added
// to dst in the order given.

func genAccumulateRows(s *isa, d *dtype) string {
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
	return name
}
