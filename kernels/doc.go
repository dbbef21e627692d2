// Package kernels holds the numerical inner loops of leaky. It knows only
// slices and numbers, never engine types. The kernels, each in float32 and
// float64:
//
//   - neuron updates: the leaky integrate-and-fire update (LeakyUpdate), its
//     temporally blocked scan over many steps (LeakyScan), the update with
//     its input current summed from weight rows in the same pass
//     (LeakyRows) and over several steps a mask word at a time
//     (LeakyRowsSteps), the two-receptor CUBA (current-based) and COBA
//     (conductance-based) updates with reset to a value and refractoriness
//     (CubaUpdate, CobaUpdate), and the general one-receptor neuron of
//     every step rule (RuleUpdate, RuleUpdateTrials for a batch of small
//     rows, its constants per neuron packed by PackRule: leaky's general
//     order and those of Norse, snnTorch and Spyx, which NIR graphs run);
//   - event-driven input: the weight rows of one trial's events added into
//     its current (AccumulateRows), of every trial's events
//     (AccumulateTrials) or of the set bits of every trial's spike bitmask
//     (AccumulateMasks); a convolution's taps of each event onto a
//     channel-last buffer, spikes or values (ScatterTaps, ScaleTaps, with
//     the [Taps] that NewTaps checks); a bias over a batch (AddTrials);
//   - the dense matrix product (MatMul);
//   - spikes: a row's values checked to be 0 or 1 and kept as a bitmask in
//     the same pass (BinaryMasks);
//   - normal random numbers for weights (Normals: counter-based
//     Philox4x32-10 feeding Box–Muller, so any columns of a row can be
//     drawn alone; AddNormals adds them straight into a current).
//
// Beside them, in Go only: ScatterAdd, the sparse input of one presynaptic
// neuron (a scatter's cost is its random access, which vector scatters do
// not speed up), SpikeIndices, which lists a bitmask's set bits, and
// MaskWords, a bitmask's length in words.
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
// machine rather than simulate (peak multiply-add rate, read, add-to and
// in-place bandwidth) and that `leaky bench` holds the kernels to; they are kept out
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
