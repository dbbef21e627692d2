package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// AccumulateTrials (kernels.AccumulateTrials32/64, and AccumulateRows32/64
// as its one-trial case), the event-driven input of a dense projection: for
// each trial, the rows of the presynaptic neurons that spiked, added to the
// trial's input current in the order given. One call covers many trials,
// so that small layers (a NIR graph's tens of neurons over a batch of
// hundreds) do not pay a call per trial.

// genAccumulateRows writes the kernel of one trial (rows []int32) when
// trials is false, and of many (rows [][]int32, one list per trial) when it
// is set: the same passes, the second inside a loop over trials.
func genAccumulateRows(s *isa, d *dtype, trials bool) string {
	var name string
	var hdr, hdrEnd reg.GPVirtual
	if trials {
		name = fmt.Sprintf("accumulateTrials%s%s", d.name, s.name)
		TEXT(name, NOSPLIT, fmt.Sprintf("func(dst []%[1]s, dstStride int, W []%[1]s, stride int, rows [][]int32)", d.gotyp))
		Doc(fmt.Sprintf("%s is AccumulateTrials%s for any len(dst) (n): for each trial b,", name, d.name),
			"the rows of rows[b] are added to the n elements at dst[b·dstStride], four per pass,",
			"each element summed in the order of rows; the last n mod lanes elements are loaded",
			"and stored under a mask. The caller checks every index and chunks long calls.")
	} else {
		name = fmt.Sprintf("accumulateRows%s%s", d.name, s.name)
		TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, W []%s, stride int, rows []int32)", d.gotyp))
		Doc(fmt.Sprintf("%s is AccumulateRows%s for any len(dst).", name, d.name),
			"Rows are added four per pass over dst, each element summed in the order of rows;",
			"the last len(dst) mod lanes elements are loaded and stored under a mask.",
			"The caller checks every row index and chunks long calls.")
	}
	dst := Load(Param("dst").Base(), GP64())
	w := Load(Param("W").Base(), GP64())
	nbytes := Load(Param("dst").Len(), GP64())
	rem := GP64()
	MOVQ(nbytes, rem)
	ANDQ(U8(d.lanes(s)-1), rem)
	SUBQ(rem, nbytes)
	SHLQ(U8(d.shift), nbytes)
	tail := newTail(s, d, rem)
	rp, nrows := GP64(), GP64()
	if trials {
		hdr = GP64()
		Load(Param("rows").Base(), hdr)
		n := Load(Param("rows").Len(), GP64())
		// hdrEnd is one past the last slice header (24 bytes each).
		hdrEnd = GP64()
		IMUL3Q(U8(24), n, hdrEnd)
		ADDQ(hdr, hdrEnd)
		CMPQ(hdr, hdrEnd)
		JE(LabelRef(name + "_done"))
		Label(name + "_trial")
		MOVQ(Mem{Base: hdr}, rp)
		MOVQ(Mem{Base: hdr, Disp: 8}, nrows)
	} else {
		Load(Param("rows").Base(), rp)
		Load(Param("rows").Len(), nrows)
	}
	rowPtr := func(i int) reg.GPVirtual {
		r := GP64()
		MOVLQSX(Mem{Base: rp, Disp: 4 * i}, r)
		IMULQ(paramAddr("stride"), r)
		SHLQ(U8(d.shift), r)
		ADDQ(w, r)
		return r
	}

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
		CMPQ(off, nbytes)
		JE(LabelRef(name + "_quadtail"))
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
		Label(name + "_quadtail")
		tail.add(name+"_quadnotail", dst, ptrs, off)
		ADDQ(U8(4*fuse), rp)
		SUBQ(U8(fuse), nrows)
		JMP(LabelRef(name + "_quad"))
	}

	Label(name + "_single")
	TESTQ(nrows, nrows)
	JZ(LabelRef(name + "_next"))
	{
		p := rowPtr(0)
		off := GP64()
		XORQ(off, off)
		CMPQ(off, nbytes)
		JE(LabelRef(name + "_singletail"))
		Label(name + "_singleloop")
		acc := s.vec()
		d.movu(Mem{Base: dst, Index: off, Scale: 1}, acc)
		d.add(Mem{Base: p, Index: off, Scale: 1}, acc, acc)
		d.movu(acc, Mem{Base: dst, Index: off, Scale: 1})
		ADDQ(U8(s.vbyte), off)
		CMPQ(off, nbytes)
		JNE(LabelRef(name + "_singleloop"))
		Label(name + "_singletail")
		tail.add(name+"_singlenotail", dst, []reg.GPVirtual{p}, off)
		ADDQ(U8(4), rp)
		DECQ(nrows)
		JMP(LabelRef(name + "_single"))
	}
	Label(name + "_next")
	if trials {
		ds := GP64()
		MOVQ(paramAddr("dstStride"), ds)
		SHLQ(U8(d.shift), ds)
		ADDQ(ds, dst)
		ADDQ(U8(24), hdr)
		CMPQ(hdr, hdrEnd)
		JNE(LabelRef(name + "_trial"))
	}
	Label(name + "_done")
	end(s)
	return name
}

// add adds the tails of the rows at off into dst's, in order, unless rem
// is 0 (skip is the label past it).
func (t *maskedTail) add(skip string, dst reg.Register, rows []reg.GPVirtual, off reg.GPVirtual) {
	TESTQ(t.rem, t.rem)
	JZ(LabelRef(skip))
	acc := t.load(Mem{Base: dst, Index: off, Scale: 1})
	for _, p := range rows {
		t.d.add(t.load(Mem{Base: p, Index: off, Scale: 1}), acc, acc)
	}
	t.store(acc, Mem{Base: dst, Index: off, Scale: 1})
	Label(skip)
}
