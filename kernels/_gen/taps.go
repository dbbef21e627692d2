package main

import (
	"fmt"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// ScatterTaps (kernels.ScatterTaps32/64), a convolution's spikes onto a
// channel-last buffer: for each event, for each of its taps, one row of m
// weights added to the m channels of one output pixel, in the order of
// scatterTapsGeneric in kernels/taps.go. Vectorised across the channels,
// whose last m mod lanes go under a mask; the sums are those of the
// generic loop, each element taking its terms in the same order.

// genScatterTaps writes ScatterTaps, or with scaled ScaleTaps, whose
// events carry values: each row times its event's value (rounded, then
// added, as the generic code's F(w·x)).
func genScatterTaps(s *isa, d *dtype, scaled bool) string {
	kind := "scatterTaps"
	if scaled {
		kind = "scaleTaps"
	}
	name := fmt.Sprintf("%s%s%s", kind, d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst []%[1]s, m int, W []%[1]s, base int, events, start, pixel, index []int32, vals []%[1]s)", d.gotyp))
	Doc(fmt.Sprintf("%s is %s%s over the table's slices (vals unused unless scaled).", name, strings.ToUpper(kind[:1])+kind[1:], d.name),
		"The caller checks every event and the buffers against the table's largest entries.")
	dst := Load(Param("dst").Base(), GP64())
	w := Load(Param("W").Base(), GP64())
	ep := Load(Param("events").Base(), GP64())
	ne := Load(Param("events").Len(), GP64())
	start := Load(Param("start").Base(), GP64())
	pixel := Load(Param("pixel").Base(), GP64())
	index := Load(Param("index").Base(), GP64())
	// Row bytes, and the whole vectors' bytes of a row, kept in the frame.
	rowBytes, bodyBytes := AllocLocal(8), AllocLocal(8)
	m := Load(Param("m"), GP64())
	rem := GP64()
	MOVQ(m, rem)
	ANDQ(U8(d.lanes(s)-1), rem)
	{
		t := GP64()
		MOVQ(m, t)
		SHLQ(U8(d.shift), t)
		MOVQ(t, rowBytes)
		SUBQ(rem, m)
		SHLQ(U8(d.shift), m)
		MOVQ(m, bodyBytes)
		// W from row base on.
		b := Load(Param("base"), GP64())
		IMULQ(t, b)
		ADDQ(b, w)
	}
	tail := newTail(s, d, rem)
	eend := GP64()
	LEAQ(Mem{Base: ep, Index: ne, Scale: 4}, eend)

	CMPQ(ep, eend)
	JE(LabelRef(name + "_done"))
	Label(name + "_event")
	j, j1 := GP64(), GP64()
	{
		q := GP64()
		MOVLQSX(Mem{Base: ep}, q)
		MOVLQSX(Mem{Base: start, Index: q, Scale: 4}, j)
		MOVLQSX(Mem{Base: start, Index: q, Scale: 4, Disp: 4}, j1)
	}
	CMPQ(j, j1)
	JE(LabelRef(name + "_next"))
	var x reg.VecVirtual
	if scaled {
		// The event's value, at the event's index in vals.
		t, vb := GP64(), GP64()
		MOVQ(ep, t)
		eb, err := Param("events").Base().Resolve()
		if err != nil {
			panic(err)
		}
		SUBQ(eb.Addr, t)
		if d.size == 8 {
			SHLQ(U8(1), t)
		}
		Load(Param("vals").Base(), vb)
		x = s.vec()
		d.broadcast(Mem{Base: vb, Index: t, Scale: 1}, x)
	}
	// row returns the weights at m, times the event's value when scaled.
	row := func(w reg.VecVirtual) Op {
		if !scaled {
			return w
		}
		d.mul(x, w, w)
		return w
	}
	Label(name + "_tap")
	dp, wp := GP64(), GP64()
	MOVLQSX(Mem{Base: pixel, Index: j, Scale: 4}, dp)
	IMULQ(rowBytes, dp)
	ADDQ(dst, dp)
	MOVLQSX(Mem{Base: index, Index: j, Scale: 4}, wp)
	IMULQ(rowBytes, wp)
	ADDQ(w, wp)
	off := GP64()
	XORQ(off, off)
	CMPQ(off, bodyBytes)
	JE(LabelRef(name + "_tail"))
	Label(name + "_vec")
	acc := s.vec()
	d.movu(Mem{Base: dp, Index: off, Scale: 1}, acc)
	if scaled {
		wv := s.vec()
		d.movu(Mem{Base: wp, Index: off, Scale: 1}, wv)
		d.add(row(wv), acc, acc)
	} else {
		d.add(Mem{Base: wp, Index: off, Scale: 1}, acc, acc)
	}
	d.movu(acc, Mem{Base: dp, Index: off, Scale: 1})
	ADDQ(U8(s.vbyte), off)
	CMPQ(off, bodyBytes)
	JNE(LabelRef(name + "_vec"))
	Label(name + "_tail")
	if scaled {
		TESTQ(tail.rem, tail.rem)
		JZ(LabelRef(name + "_notail"))
		a := tail.load(Mem{Base: dp, Index: off, Scale: 1})
		d.add(row(tail.load(Mem{Base: wp, Index: off, Scale: 1})), a, a)
		tail.store(a, Mem{Base: dp, Index: off, Scale: 1})
		Label(name + "_notail")
	} else {
		tail.add(name+"_notail", dp, []reg.GPVirtual{wp}, off)
	}
	INCQ(j)
	CMPQ(j, j1)
	JNE(LabelRef(name + "_tap"))
	Label(name + "_next")
	ADDQ(U8(4), ep)
	CMPQ(ep, eend)
	JNE(LabelRef(name + "_event"))
	Label(name + "_done")
	end(s)
	return name
}
