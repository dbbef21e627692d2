// Command _gen generates leaky's SIMD kernels with avo: the assembly
// (kernels/leaky_amd64.s), its Go declarations (kernels/leaky_stubs_amd64.go)
// and the Go tables that dispatch to it (kernels/dispatch_gen_amd64.go, and
// kernels/geometry_gen.go for the geometry the generic code shares), so that
// every kernel's name and geometry is stated once, here.
//
// Regenerate from the kernels directory with
//
//	go generate ./kernels
//
// which runs, in kernels/_gen,
//
//	go run . -out ../leaky_amd64.s -stubs ../leaky_stubs_amd64.go -pkg kernels
//
// The Go tables are written beside the stubs. The output depends only on
// this program and the pinned avo version, so regenerating a clean tree must
// change nothing; CI checks that.
//
// Every kernel is written once, over an instruction set (AVX2 with YMM
// registers and VMOVMSK masks, or AVX-512 with ZMM registers and opmask
// registers) and a data type (float32 unfused, float64 fused), so the two
// instruction sets stay structurally identical: the AVX-512 code cannot be run
// on every development machine and relies on sharing its shape with the AVX2
// code that is tested everywhere. The kernel families have a file each:
// leaky.go (LeakyUpdate, LeakyScan), leakyrows.go (LeakyRows), rows.go
// (AccumulateRows, AccumulateMasks), matmul.go (MatMul tiles), cuba.go
// (CubaUpdate, CubaUpdateAhead), coba.go (CobaUpdate), rule.go
// (RuleUpdate), normal.go (Normals), binary.go (BinaryMasks), threshold.go (ThresholdMask), flush.go (FlushSubnormals) and
// instruments.go (the measuring loops); isa.go has what they share and
// dispatch.go writes the Go tables.
//
// The arithmetic of each kernel follows the generic Go code in
// kernels/generic.go operation for operation; see the package comment of
// kernels for why that makes the results bit-identical.
package main

import (
	"flag"
	"fmt"
	"os"

	. "github.com/mmcloughlin/avo/build"
)

func main() {
	// avo's flags, parsed here so that the Go tables can go beside -stubs.
	flag.Parse()
	ConstraintExpr("!purego,!noasm")
	genTailMask()
	var gen []*isaKernels
	for _, s := range isas {
		gen = append(gen, genISA(s))
	}
	Generate()
	if err := writeDispatch(gen); err != nil {
		fmt.Fprintln(os.Stderr, "_gen:", err)
		os.Exit(1)
	}
}

// genISA emits every kernel of one instruction set, in the order of the .s,
// and returns their names for the dispatch tables.
func genISA(s *isa) *isaKernels {
	k := &isaKernels{isa: s}
	for _, d := range dtypes {
		t := &typeKernels{dtype: d}
		t.updSub = genLeakyUpdate(s, d, "Sub")
		t.updZero = genLeakyUpdate(s, d, "Zero")
		t.scanSub = genLeakyScan(s, d, "Sub", false)
		t.scanZero = genLeakyScan(s, d, "Zero", false)
		if scanWide(s, d) {
			t.scanWordSub = genLeakyScan(s, d, "Sub", true)
			t.scanWordZero = genLeakyScan(s, d, "Zero", true)
		}
		t.rowsSub = genLeakyRows(s, d, "Sub")
		t.rowsZero = genLeakyRows(s, d, "Zero")
		t.rowsStepsSub = genLeakyRowsSteps(s, d, "Sub")
		t.rowsStepsZero = genLeakyRowsSteps(s, d, "Zero")
		t.accum = genAccumulateRows(s, d, false)
		t.accumTrials = genAccumulateRows(s, d, true)
		t.accumMasks = genAccumulateMasks(s, d)
		t.scatterTaps = genScatterTaps(s, d, false)
		t.scaleTaps = genScatterTaps(s, d, true)
		t.addTrials = genAddTrials(s, d)
		t.cuba = genCubaUpdate(s, d, false)
		t.cubaAhead = genCubaUpdate(s, d, true)
		t.coba = genCobaUpdate(s, d)
		for _, r := range ruleRules {
			t.rule = append(t.rule, genRuleUpdate(s, d, r, false))
		}
		for _, r := range ruleRules {
			t.rulePer = append(t.rulePer, genRuleUpdate(s, d, r, true))
		}
		t.normals = genNormals(s, d, false)
		t.addNormals = genNormals(s, d, true)
		t.binary = genBinaryMasks(s, d)
		t.thresholdFree = genThresholdMask(s, d, false)
		t.thresholdHeld = genThresholdMask(s, d, true)
		t.flush = genFlushSubnormals(s, d)
		for mr := 1; mr <= s.gemmRows; mr++ {
			t.gemm = append(t.gemm, [2]string{genGemmTile(s, d, mr, s.gemmVecs), genGemmTile(s, d, mr, 1)})
		}
		k.types = append(k.types, t)
	}
	k.nonzero = genNonzeroWords(s)
	k.peakFMA = genPeakFMA(s)
	k.readStream = genReadStream(s)
	k.addStream = genAddStream(s)
	k.inPlaceStream = genInPlaceStream(s)
	return k
}
