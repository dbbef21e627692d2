package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The MatMul micro-kernels (kernels.MatMul32/64): register tiles of C,
// gemmRows or fewer rows by one or gemmVecs vectors, which the Go wrapper in
// kernels/asm_amd64.go blocks and calls.

// gemmTileName is the name of the mr × (nv vectors) MatMul micro-kernel.
func gemmTileName(s *isa, d *dtype, mr, nv int) string {
	return fmt.Sprintf("gemm%s%s_%dx%d", d.name, s.name, mr, nv*d.lanes(s))
}

func genGemmTile(s *isa, d *dtype, mr, nv int) string {
	name := gemmTileName(s, d, mr, nv)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(k int, a []%[1]s, lda int, b []%[1]s, ldb int, c []%[1]s, ldc int, accumulate bool)", d.gotyp))
	Doc(fmt.Sprintf("%s computes the %d×%d tile at the start of c: c = (c or 0) + a·b,", name, mr, nv*d.lanes(s)),
		"with a k columns wide and b k rows deep, summing over p = 0..k−1 in order",
		map[int]string{4: "(product rounded, then added).", 8: "(fused multiply-add)."}[d.size],
		"Only the slices' base pointers are used: the caller checks bounds.")
	ap := GP64()
	Load(Param("a").Base(), ap)
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(d.shift), lda)
	bp := Load(Param("b").Base(), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(d.shift), ldb)

	acc := make([][]reg.VecVirtual, mr)
	for r := range acc {
		acc[r] = make([]reg.VecVirtual, nv)
		for v := range acc[r] {
			acc[r][v] = s.vec()
		}
	}
	// Start from zero, not from the first product, because the generic code
	// clears C and adds: +0 + (−0) is +0.
	accum := Load(Param("accumulate"), GP8())
	TESTB(accum, accum)
	JNZ(LabelRef(name + "_loadc"))
	for r := range acc {
		for v := range acc[r] {
			s.zero(acc[r][v])
		}
	}
	JMP(LabelRef(name + "_start"))
	Label(name + "_loadc")
	{
		cp := Load(Param("c").Base(), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(d.shift), ldc)
		for r := range acc {
			for v := range acc[r] {
				d.movu(Mem{Base: cp, Disp: v * s.vbyte}, acc[r][v])
			}
			if r+1 < mr {
				ADDQ(ldc, cp)
			}
		}
	}
	Label(name + "_start")
	k := Load(Param("k"), GP64())
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))

	// Row r of A is at aBase[r/4] + (0, lda, 2·lda, 3·lda)[r%4]; the bases
	// advance by one element per step of p.
	var lda3 reg.GPVirtual
	if mr >= 4 {
		lda3 = GP64()
		LEAQ(Mem{Base: lda, Index: lda, Scale: 2}, lda3)
	}
	aBase := []reg.GPVirtual{ap}
	for r := 4; r < mr; r += 4 {
		b := GP64()
		LEAQ(Mem{Base: aBase[len(aBase)-1], Index: lda, Scale: 4}, b)
		aBase = append(aBase, b)
	}
	aAddr := func(r int) Mem {
		base := aBase[r/4]
		switch r % 4 {
		case 1:
			return Mem{Base: base, Index: lda, Scale: 1}
		case 2:
			return Mem{Base: base, Index: lda, Scale: 2}
		case 3:
			return Mem{Base: base, Index: lda3, Scale: 1}
		}
		return Mem{Base: base}
	}

	Label(name + "_loop")
	bv := make([]reg.VecVirtual, nv)
	for v := range bv {
		bv[v] = s.vec()
		d.movu(Mem{Base: bp, Disp: v * s.vbyte}, bv[v])
	}
	for r := 0; r < mr; r++ {
		a := s.vec()
		d.broadcast(aAddr(r), a)
		for v := range bv {
			if d.size == 4 {
				t := s.vec()
				d.mul(bv[v], a, t)
				d.add(t, acc[r][v], acc[r][v])
			} else {
				d.fma(bv[v], a, acc[r][v])
			}
		}
	}
	for _, b := range aBase {
		ADDQ(U8(d.size), b)
	}
	ADDQ(ldb, bp)
	DECQ(k)
	JNZ(LabelRef(name + "_loop"))

	Label(name + "_store")
	cp := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(d.shift), ldc)
	for r := range acc {
		for v := range acc[r] {
			d.movu(acc[r][v], Mem{Base: cp, Disp: v * s.vbyte})
		}
		if r+1 < mr {
			ADDQ(ldc, cp)
		}
	}
	end(s)
	return name
}
