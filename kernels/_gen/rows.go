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
	nbytes, tail := dstLengths(s, d)
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
		rowPass(s, d, name+"_quad", dst, ptrs, nbytes, tail)
		ADDQ(U8(4*fuse), rp)
		SUBQ(U8(fuse), nrows)
		JMP(LabelRef(name + "_quad"))
	}

	Label(name + "_single")
	TESTQ(nrows, nrows)
	JZ(LabelRef(name + "_next"))
	{
		rowPass(s, d, name+"_single", dst, []reg.GPVirtual{rowPtr(0)}, nbytes, tail)
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

// genAccumulateMasks writes AccumulateMasks: AccumulateTrials with each
// trial's rows given by the set bits of its words mask words, found with
// BSF and cleared with m &= m−1 (both base x86-64), four rows per pass while
// POPCNT sees four left in the word, then two while there are two, then the
// last. (A pass of three as well leaves avo's allocator short of registers.)
// The rows of a word are added in increasing order, each rounded in turn,
// so the sums are AccumulateTrials' with the bits as the list.
func genAccumulateMasks(s *isa, d *dtype) string {
	name := fmt.Sprintf("accumulateMasks%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst []%[1]s, dstStride int, W []%[1]s, stride int, masks []uint64, words int)", d.gotyp))
	Doc(fmt.Sprintf("%s is AccumulateMasks%s for any len(dst) (n) and words ≥ 1 dividing", name, d.name),
		"len(masks): for each trial b, the rows of the set bits of its words mask words, in",
		"increasing order, are added to the n elements at dst[b·dstStride], up to four per pass;",
		"the last n mod lanes elements are loaded and stored under a mask. The caller checks",
		"the highest bit against W and chunks long calls.")
	dst := Load(Param("dst").Base(), GP64())
	nbytes, tail := dstLengths(s, d)
	mp := Load(Param("masks").Base(), GP64())
	// atEnd compares mp with one past the last mask word, computed where
	// it is needed so that no register holds it through the passes.
	atEnd := func() {
		end := Load(Param("masks").Len(), GP64())
		SHLQ(U8(3), end)
		base, err := Param("masks").Base().Resolve()
		if err != nil {
			panic(err)
		}
		ADDQ(base.Addr, end)
		CMPQ(mp, end)
	}
	atEnd()
	JE(LabelRef(name + "_done"))
	Label(name + "_trial")
	// base is row 0 of the current word: W advanced by 64 rows a word.
	base := Load(Param("W").Base(), GP64())
	left := Load(Param("words"), GP64())
	Label(name + "_word")
	m := GP64()
	MOVQ(Mem{Base: mp}, m)
	// next takes the lowest set bit of m as a row pointer and clears it.
	next := func() reg.GPVirtual {
		r := GP64()
		BSFQ(m, r)
		IMULQ(paramAddr("stride"), r)
		SHLQ(U8(d.shift), r)
		ADDQ(base, r)
		t := GP64()
		LEAQ(Mem{Base: m, Disp: -1}, t)
		ANDQ(t, m)
		return r
	}

	const fuse = 4
	Label(name + "_quad")
	cnt := GP64()
	POPCNTQ(m, cnt)
	CMPQ(cnt, U8(fuse))
	JB(LabelRef(name + "_rest"))
	{
		ptrs := make([]reg.GPVirtual, fuse)
		for i := range ptrs {
			ptrs[i] = next()
		}
		rowPass(s, d, name+"_quad", dst, ptrs, nbytes, tail)
		JMP(LabelRef(name + "_quad"))
	}

	// Fewer than four rows left in the word: two in a pass while there
	// are two, then the last one, so that dst is loaded and stored once
	// per pair.
	Label(name + "_rest")
	rest := GP64()
	POPCNTQ(m, rest)
	CMPQ(rest, U8(2))
	JB(LabelRef(name + "_one"))
	rowPass(s, d, name+"_pair", dst, []reg.GPVirtual{next(), next()}, nbytes, tail)
	JMP(LabelRef(name + "_rest"))
	Label(name + "_one")
	TESTQ(m, m)
	JZ(LabelRef(name + "_nextword"))
	rowPass(s, d, name+"_one", dst, []reg.GPVirtual{next()}, nbytes, tail)
	Label(name + "_nextword")
	ADDQ(U8(8), mp)
	wb := GP64()
	MOVQ(paramAddr("stride"), wb)
	SHLQ(U8(6+d.shift), wb)
	ADDQ(wb, base)
	DECQ(left)
	JNZ(LabelRef(name + "_word"))
	ds := GP64()
	MOVQ(paramAddr("dstStride"), ds)
	SHLQ(U8(d.shift), ds)
	ADDQ(ds, dst)
	atEnd()
	JNE(LabelRef(name + "_trial"))
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

// rowPass adds the rows at ptrs, in order, to the nbytes of whole vectors at
// dst and then to the masked tail; labels start with label.
func rowPass(s *isa, d *dtype, label string, dst reg.Register, ptrs []reg.GPVirtual, nbytes reg.Register, tail *maskedTail) {
	off := GP64()
	XORQ(off, off)
	CMPQ(off, nbytes)
	JE(LabelRef(label + "tail"))
	Label(label + "loop")
	acc := s.vec()
	d.movu(Mem{Base: dst, Index: off, Scale: 1}, acc)
	for _, p := range ptrs {
		d.add(Mem{Base: p, Index: off, Scale: 1}, acc, acc)
	}
	d.movu(acc, Mem{Base: dst, Index: off, Scale: 1})
	ADDQ(U8(s.vbyte), off)
	CMPQ(off, nbytes)
	JNE(LabelRef(label + "loop"))
	Label(label + "tail")
	tail.add(label+"notail", dst, ptrs, off)
}

// genAddTrials writes AddTrials: one row added to every trial's row, the
// bias of a layer over a batch.
func genAddTrials(s *isa, d *dtype) string {
	name := fmt.Sprintf("addTrials%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst []%[1]s, dstStride int, v []%[1]s, trials int)", d.gotyp))
	Doc(fmt.Sprintf("%s is AddTrials%s for any len(dst) (n) and trials ≥ 1: v[:n] added", name, d.name),
		"to the n elements at dst[b·dstStride] for each trial b. The caller checks lengths",
		"and chunks long calls.")
	dst := Load(Param("dst").Base(), GP64())
	v := Load(Param("v").Base(), GP64())
	nbytes, tail := dstLengths(s, d)
	trials := Load(Param("trials"), GP64())
	ds := Load(Param("dstStride"), GP64())
	SHLQ(U8(d.shift), ds)
	Label(name + "_trial")
	rowPass(s, d, name+"_row", dst, []reg.GPVirtual{v.(reg.GPVirtual)}, nbytes, tail)
	ADDQ(ds, dst)
	DECQ(trials)
	JNZ(LabelRef(name + "_trial"))
	end(s)
	return name
}

// dstLengths splits len(dst) into the bytes of its whole vectors and the
// masked tail of the rest.
func dstLengths(s *isa, d *dtype) (reg.GPVirtual, *maskedTail) {
	nbytes := GP64()
	Load(Param("dst").Len(), nbytes)
	rem := GP64()
	MOVQ(nbytes, rem)
	ANDQ(U8(d.lanes(s)-1), rem)
	SUBQ(rem, nbytes)
	SHLQ(U8(d.shift), nbytes)
	return nbytes, newTail(s, d, rem)
}
