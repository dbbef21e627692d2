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
	Doc(fmt.Sprintf("%s is AccumulateRows%s for any len(dst).", name, d.name),
		"Rows are added four per pass over dst, each element summed in the order of rows;",
		"the last len(dst) mod lanes elements are loaded and stored under a mask.",
		"The caller checks every row index and chunks long calls.")
	dst := Load(Param("dst").Base(), GP64())
	w := Load(Param("W").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	rem := GP64()
	MOVQ(n, rem)
	ANDQ(U8(d.lanes(s)-1), rem)
	nbytes := GP64()
	MOVQ(n, nbytes)
	SUBQ(rem, nbytes)
	SHLQ(U8(d.shift), nbytes)
	tail := newTail(s, d, rem)
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
	TESTQ(n, n)
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
	JZ(LabelRef(name + "_done"))
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
	Label(name + "_done")
	end(s)
	return name
}

// rowTail is the masked last vector of a row: the first rem elements at a
// byte offset, under an opmask (AVX-512) or a VMASKMOV mask (AVX2), made
// once per call, so that nothing past the slices is read or written.
type rowTail struct {
	s    *isa
	d    *dtype
	rem  reg.GPVirtual
	k    reg.Register // AVX-512
	mask reg.VecVirtual
}

func newTail(s *isa, d *dtype, rem reg.GPVirtual) *rowTail {
	t := &rowTail{s: s, d: d, rem: rem}
	if s.is512() {
		m := GP32()
		MOVL(U32(0xffff), m)
		BZHIL(rem.As32(), m, m)
		t.k = K()
		KMOVW(m, t.k)
		return t
	}
	// mask = the 32 bytes at leakyTailMask + 32 − rem·size.
	off, base := GP64(), GP64()
	MOVQ(U32(s.vbyte), off)
	lr := GP64()
	MOVQ(rem, lr)
	SHLQ(U8(d.shift), lr)
	SUBQ(lr, off)
	LEAQ(tailMask, base)
	t.mask = s.vec()
	VMOVDQU(Mem{Base: base, Index: off, Scale: 1}, t.mask)
	return t
}

func (t *rowTail) load(m Mem) reg.VecVirtual {
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

func (t *rowTail) store(r reg.VecVirtual, m Mem) {
	switch {
	case t.s.is512() && t.d.size == 4:
		VMOVUPS(r, t.k, m)
	case t.s.is512():
		VMOVUPD(r, t.k, m)
	default:
		t.d.maskStore(r, t.mask, m)
	}
}

// add adds the tails of the rows at off into dst's, in order, unless rem
// is 0 (skip is the label past it).
func (t *rowTail) add(skip string, dst reg.Register, rows []reg.GPVirtual, off reg.GPVirtual) {
	TESTQ(t.rem, t.rem)
	JZ(LabelRef(skip))
	acc := t.load(Mem{Base: dst, Index: off, Scale: 1})
	for _, p := range rows {
		t.d.add(t.load(Mem{Base: p, Index: off, Scale: 1}), acc, acc)
	}
	t.store(acc, Mem{Base: dst, Index: off, Scale: 1})
	Label(skip)
}
