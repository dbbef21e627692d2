// Package kernels holds the numerical inner loops of leaky: the leaky
// integrate-and-fire update, its temporally blocked scan, the update with its
// input current summed from weight rows in the same pass (LeakyRows), the
// two-receptor CUBA (current-based) and COBA (conductance-based) updates with
// reset to a value and refractoriness, the general one-receptor neuron of
// every step rule (RuleUpdate: leaky's general order and those of Norse,
// snnTorch and Spyx, which NIR graphs run), the event-driven input
// accumulation of one trial or a batch of trials, the dense matrix product,
// and normal random numbers for weights (Normals: counter-based Philox4x32-10
// feeding Box–Muller, so any columns of a row can be drawn alone; AddNormals adds
// them straight into a current). It knows
// only slices and numbers, never engine types.
//
// Every kernel exists as generic Go (generic.go, always compiled, the
// reference) and, on amd64, as assembly generated with avo from kernels/_gen
// for AVX2+FMA and for AVX-512. The generator also writes the Go tables that
// dispatch to the assembly (dispatch_gen_amd64.go: each instruction set's
// [Impl], [Instruments], kernel geometry and CPU check) and the geometry the
// generic code shares with it (geometry_gen.go), so that a kernel's name or a
// block size is stated once. The implementation is chosen once at init from
// CPU feature detection and may be overridden with the LEAKY_KERNEL
// environment variable or [Use]; one whose kernels disagree with generic on
// a small fixed input (selfcheck.go) is never used, and [Fallbacks] says so.
// Every implementation returns the same bits as
// the generic one for the same input:
//
//   - float32 arithmetic is unfused: a product is rounded to float32 before it
//     is added (the Go code writes float32(a*b) + c, which the compiler may not
//     fuse; the assembly uses VMULPS then VADDPS).
//   - float64 arithmetic is fused where it says so: the Go code calls math.FMA
//     and the assembly uses VFMADD231PD, both rounding once.
//   - sums over inputs are taken in increasing input order, starting from zero
//     (or from the destination when accumulating), in every implementation;
//     vectorisation runs across neurons, never across the sum.
//
// "The same bits" holds for every value that is not a NaN. A NaN result is
// a NaN in every implementation, but its sign and payload are unspecified:
// when both operands of an addition are NaNs, x86 returns the first one, and
// Go's compiler, like any, is free to order the operands of a commutative
// operation. Tests therefore let any NaN match any NaN.
//
// Float32 products are not fused because Go has no exact float32 FMA: emulating
// one in float64 rounds twice. LeakyUpdate and AccumulateRows are bound by
// memory bandwidth (`leaky bench` reports each kernel's bound and fraction of
// its roof), so the separate multiply is not what limits them; MatMul pays
// for it, and is measured against OpenBLAS in BENCHMARKS.md.
//
// Each implementation also has [Instruments], the loops that measure the
// machine rather than simulate (peak multiply-add rate, read and add-to
// bandwidth) and that `leaky bench` holds the kernels to; they are kept out
// of [Impl], whose table lists only the kernels.
//
// The per-neuron update, for reset by subtraction, is
//
//	s     = V > θ
//	I'    = α·I + Iin
//	V'    = β·V + I − s
//
// and for reset to zero V' = (β·V + I)·(1 − s). The engine package documents
// where this sits in a simulation step.
package kernels
