package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// LeakyRows (kernels.LeakyRows32/64): the LIF update of LeakyUpdate with
// its input current summed in registers from weight rows instead of read
// from an array, in the order of leakyRowsGeneric in kernels/leakyrows.go.
// For each mask word of 64 neurons, a group of vectors at a time, the
// sums start at +0 and take each row's vector in the order of rows, one
// rounding per row as AccumulateRows does, and then go into the update
// (neuron, leaky.go) where LeakyUpdate's Iin would; each row's lines
// rowsAhead bytes on are prefetched as its vectors are added.

// rowsGroup is the number of vectors of sums a pass over the rows keeps in
// registers: a whole word where the registers allow (AVX-512: 4 float32
// or 8 float64 vectors), otherwise 4, which with the update's 4 constants
// and its temporaries fits AVX2's 16.
func rowsGroup(s *isa, d *dtype) int {
	if s.is512() {
		return 64 / d.lanes(s)
	}
	return 4
}

// rowsAhead is how far ahead of the sums each row is prefetched, in bytes:
// the loop's arithmetic on V and I keeps the out-of-order window too short
// to have enough of the rows' lines in flight from memory, and the
// prefetches cross the 4 KiB pages at which the hardware prefetchers stop.
// One page ahead: two made short rows (40 KB, ff at 10^4 neurons) slower,
// a fifth of each prefetched past its end, and gained nothing measurable
// on long ones. V and I, which come from the last-level cache, are not
// prefetched: doing so slowed every row count.
// A prefetch past a row's end is dropped harmlessly.
const rowsAhead = 4096

func genLeakyRows(s *isa, d *dtype, reset string) string {
	name := fmt.Sprintf("leakyRows%s%s%s", d.name, reset, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I []%[1]s, rows [][]%[1]s, col int, alpha, beta, theta %[1]s, spikes []uint64) int", d.gotyp))
	Doc(fmt.Sprintf("%s is LeakyRows%s with reset %s for any len(V),", name, d.name, map[string]string{"Sub": "by subtraction", "Zero": "to zero"}[reset]),
		fmt.Sprintf("writing (len(V)+63)/64 mask words; the sums of %d vectors at a time stay in registers.", rowsGroup(s, d)),
		"A partial last word is written whole, with zero bits past len(V).",
		"The caller checks every row's length and chunks long calls.")
	r := rowsPrologue(s, d)
	TESTQ(r.nw, r.nw)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_word")
	// The row headers are read from the arguments for each group, which
	// keeps two general registers free for the loop.
	word := rowsWord(s, d, reset, name, r, true, func() (reg.GPVirtual, reg.GPVirtual) {
		rp, nr := GP64(), GP64()
		Load(Param("rows").Base(), rp)
		Load(Param("rows").Len(), nr)
		return rp, nr
	})
	MOVQ(word, Mem{Base: r.sp})
	pc := GP64()
	POPCNTQ(word, pc)
	ADDQ(pc, r.count)
	ADDQ(U32(64*d.size), r.off)
	ADDQ(U8(8), r.sp)
	DECQ(r.nw)
	JNZ(LabelRef(name + "_word"))
	Label(name + "_tail")
	rowsTail(s, d, reset, name, r.vp, r.ip, r.sp, r.off, r.rem, r.count, r.k)
	Label(name + "_done")
	Store(r.count, ReturnIndex(0))
	end(s)
	return name
}

// genLeakyRowsSteps emits LeakyRowsSteps over whole mask words: for each
// word, the steps one after another, each step's sums over its own rows
// and its update exactly as in LeakyRows, so that the word's V and I stay
// in L1 from step to step and go to and from the caches once for all the
// steps, while every step's rows stream side by side. It does not prefetch
// the rows: with the other steps' streams beside them, the prefetches
// only crowd the misses the loads already keep in flight.
func genLeakyRowsSteps(s *isa, d *dtype, reset string) string {
	name := fmt.Sprintf("leakyRowsSteps%s%s%s", d.name, reset, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I []%[1]s, rows [][]%[1]s, counts []int, col int, alpha, beta, theta %[1]s, spikes []uint64, stride int) int", d.gotyp))
	Doc(fmt.Sprintf("%s is LeakyRowsSteps%s with reset %s for len(V) a multiple of 64:", name, d.name, map[string]string{"Sub": "by subtraction", "Zero": "to zero"}[reset]),
		"for each mask word, len(counts) steps in turn, step k summing the next counts[k] rows",
		"and writing its word at spikes[k·stride + w]. The caller checks every length.")
	r := rowsPrologue(s, d)
	TESTQ(r.nw, r.nw)
	JZ(LabelRef(name + "_done"))
	Label(name + "_word")
	// rp walks the rows step by step, cp the counts, wp the step's mask
	// word; left counts the steps down.
	rp, cp, left := GP64(), GP64(), GP64()
	Load(Param("rows").Base(), rp)
	Load(Param("counts").Base(), cp)
	Load(Param("counts").Len(), left)
	wp := GP64()
	MOVQ(r.sp, wp)
	TESTQ(left, left)
	JZ(LabelRef(name + "_next"))
	Label(name + "_step")
	// Each group takes copies of the step's row pointer and count, the
	// count read again from counts so that it is not held meanwhile.
	word := rowsWord(s, d, reset, name, r, false, func() (reg.GPVirtual, reg.GPVirtual) {
		p, c := GP64(), GP64()
		MOVQ(rp, p)
		MOVQ(Mem{Base: cp}, c)
		return p, c
	})
	MOVQ(word, Mem{Base: wp})
	pc := GP64()
	POPCNTQ(word, pc)
	ADDQ(pc, r.count)
	// The next step's rows follow this one's: 24 bytes a slice header.
	nr := GP64()
	MOVQ(Mem{Base: cp}, nr)
	LEAQ(Mem{Base: nr, Index: nr, Scale: 2}, nr)
	LEAQ(Mem{Base: rp, Index: nr, Scale: 8}, rp)
	stride := GP64()
	Load(Param("stride"), stride)
	LEAQ(Mem{Base: wp, Index: stride, Scale: 8}, wp)
	ADDQ(U8(8), cp)
	DECQ(left)
	JNZ(LabelRef(name + "_step"))
	Label(name + "_next")
	ADDQ(U32(64*d.size), r.off)
	ADDQ(U8(8), r.sp)
	DECQ(r.nw)
	JNZ(LabelRef(name + "_word"))
	Label(name + "_done")
	Store(r.count, ReturnIndex(0))
	end(s)
	return name
}

// rowsRegs are the registers LeakyRows and LeakyRowsSteps keep across
// their words.
type rowsRegs struct {
	off, vp, ip, sp reg.GPVirtual
	nw, rem, count  reg.GPVirtual
	k               *consts
}

// rowsPrologue loads the arguments LeakyRows and LeakyRowsSteps share.
// off addresses element col+i of a row at the row's base + off; the bases
// of V and I are moved back by col elements so that the same off
// addresses their element i.
func rowsPrologue(s *isa, d *dtype) rowsRegs {
	r := rowsRegs{off: GP64(), vp: GP64(), ip: GP64(), sp: GP64(), nw: GP64(), rem: GP64()}
	Load(Param("col"), r.off)
	SHLQ(U8(d.shift), r.off)
	Load(Param("V").Base(), r.vp)
	SUBQ(r.off, r.vp)
	Load(Param("I").Base(), r.ip)
	SUBQ(r.off, r.ip)
	Load(Param("spikes").Base(), r.sp)
	Load(Param("V").Len(), r.nw)
	MOVQ(r.nw, r.rem)
	ANDQ(U8(63), r.rem)
	SHRQ(U8(6), r.nw)
	r.k = loadConsts(s, d)
	r.count = GP64()
	XORQ(r.count, r.count)
	return r
}

// rowsWord emits one mask word of one step, a group of vectors at a time:
// rows() gives a pointer to the step's first row header and the number of
// rows (fresh registers, consumed by the row loop), the sums start at +0
// and take the rows in order, and the update runs on V and I in memory;
// with prefetch, each row's lines rowsAhead bytes on are prefetched. It
// returns the word's spike bits.
func rowsWord(s *isa, d *dtype, reset, name string, r rowsRegs, prefetch bool, rows func() (reg.GPVirtual, reg.GPVirtual)) reg.GPVirtual {
	lanes := d.lanes(s)
	nvec, group := 64/lanes, rowsGroup(s, d)
	word := GP64()
	for g0 := 0; g0 < nvec; g0 += group {
		acc := make([]reg.VecVirtual, group)
		for j := range acc {
			acc[j] = s.vec()
			s.zero(acc[j])
		}
		rp, nr := rows()
		rowLoop, summed := fmt.Sprintf("%s_row%d", name, g0), fmt.Sprintf("%s_sum%d", name, g0)
		TESTQ(nr, nr)
		JZ(LabelRef(summed))
		Label(rowLoop)
		row := GP64()
		MOVQ(Mem{Base: rp}, row)
		for j := range acc {
			d.add(Mem{Base: row, Index: r.off, Scale: 1, Disp: (g0 + j) * s.vbyte}, acc[j], acc[j])
		}
		for b := 0; b < group*s.vbyte && prefetch; b += 64 {
			PREFETCHT0(Mem{Base: row, Index: r.off, Scale: 1, Disp: g0*s.vbyte + b + rowsAhead})
		}
		ADDQ(U8(24), rp)
		DECQ(nr)
		JNZ(LabelRef(rowLoop))
		Label(summed)
		for j := range acc {
			at := func(base reg.Register) Mem {
				return Mem{Base: base, Index: r.off, Scale: 1, Disp: (g0 + j) * s.vbyte}
			}
			v, c := s.vec(), s.vec()
			d.movu(at(r.vp), v)
			d.movu(at(r.ip), c)
			bits := neuron(s, d, reset, v, c, acc[j], r.k)
			d.movu(v, at(r.vp))
			d.movu(c, at(r.ip))
			orBits(word, bits, (g0+j)*lanes)
		}
	}
	return word
}

// rowsTail emits the last rem (< 64) neurons of LeakyRows (neuronTail):
// each vector's sum starts at +0 and takes the rows in order, as the
// words' sums do, a partial vector's with masked loads that read no row
// past its end.
func rowsTail(s *isa, d *dtype, reset, name string, vp, ip, sp, off reg.Register, rem, count reg.GPVirtual, k *consts) {
	vectors := 0
	neuronTail(s, d, reset, name, vp, ip, sp, rem, count, k,
		func(base reg.Register) Mem { return Mem{Base: base, Index: off, Scale: 1} },
		func(part *laneMask) Op {
			label := fmt.Sprintf("%s_tail%d", name, vectors)
			vectors++
			acc := s.vec()
			s.zero(acc)
			rp := Load(Param("rows").Base(), GP64())
			nr := Load(Param("rows").Len(), GP64())
			TESTQ(nr, nr)
			JZ(LabelRef(label + "_summed"))
			Label(label + "_row")
			row := GP64()
			MOVQ(Mem{Base: rp}, row)
			at := Mem{Base: row, Index: off, Scale: 1}
			if part == nil {
				d.add(at, acc, acc)
			} else {
				x := s.vec()
				receptorAddrs{part: part}.load(s, d, at, x)
				d.add(x, acc, acc)
			}
			ADDQ(U8(24), rp)
			DECQ(nr)
			JNZ(LabelRef(label + "_row"))
			Label(label + "_summed")
			return acc
		},
		func() { ADDQ(U8(s.vbyte), off) })
}
