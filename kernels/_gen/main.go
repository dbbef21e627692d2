// Command _gen generates leaky's SIMD kernels (kernels/leaky_amd64.s and the
// Go declarations in kernels/leaky_stubs_amd64.go) with avo.
//
// Regenerate from the kernels directory with
//
//	go generate ./kernels
//
// which runs, in kernels/_gen,
//
//	go run . -out ../leaky_amd64.s -stubs ../leaky_stubs_amd64.go -pkg kernels
//
// The output depends only on this program and the pinned avo version, so
// regenerating a clean tree must change nothing; CI checks that.
//
// Every kernel is written once, over an instruction set (AVX2 with YMM
// registers and VMOVMSK masks, or AVX-512 with ZMM registers and opmask
// registers) and a data type (float32 unfused, float64 fused), so the two
// instruction sets stay structurally identical: the AVX-512 code cannot be run
// on every development machine and relies on sharing its shape with the AVX2
// code that is tested everywhere. The kernel families have a file each:
// leaky.go (LeakyUpdate, LeakyScan), rows.go (AccumulateRows), matmul.go
// (MatMul tiles), cuba.go (CubaUpdate) and instruments.go (the measuring
// loops); isa.go has what they share.
//
// The arithmetic of each kernel follows the generic Go code in
// kernels/generic.go operation for operation; see the package comment of
// kernels for why that makes the results bit-identical.
package main

import . "github.com/mmcloughlin/avo/build"

func main() {
	ConstraintExpr("!purego,!noasm")
	genTailMask()
	for _, s := range isas {
		for _, d := range dtypes {
			for _, reset := range []string{"Sub", "Zero"} {
				genLeakyUpdate(s, d, reset)
			}
			for _, reset := range []string{"Sub", "Zero"} {
				genLeakyScan(s, d, reset)
			}
			genAccumulateRows(s, d)
			genCubaUpdate(s, d)
			for mr := 1; mr <= s.gemmRows; mr++ {
				for _, nv := range []int{s.gemmVecs, 1} {
					genGemmTile(s, d, mr, nv)
				}
			}
		}
		genPeakFMA(s)
		genReadStream(s)
		genAddStream(s)
	}
	Generate()
}
