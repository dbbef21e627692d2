// Package suite is leaky's CPU benchmark suite: a fixed, versioned list of
// measurements that `leaky bench` runs and that `make bench` turns into
// BENCHMARKS.md, so the command and the document are always the same code.
//
// The suite has three sections. Ceilings are what the machine can do at all:
// memory bandwidth at each working-set size (Go's copy, and each kernel
// implementation's ReadStream32 and AddStream32 loops, kernels.Instruments)
// and peak multiply-add throughput (their PeakFMA32), each the best over
// implementations and repetitions; and, for CubaUpdate and CobaUpdate, which
// read and write all six of their arrays, each implementation's
// InPlaceStream32 over six arrays at those kernels' own working sets, which
// holds each implementation's kernel to its own like-for-like stream. The
// ceilings are measured again
// between the repetitions of every kernel held to them, so a burst of load
// on a shared machine cannot leave a kernel above its roof. Kernels are the
// micro-benchmarks of package kernels (LeakyUpdate, LeakyScan, CubaUpdate,
// CobaUpdate, AccumulateRows, MatMul, float32, one thread) for every implementation the
// CPU has plus a naive plain-loop twin, from L1-sized to DRAM-sized working
// sets; each is reported as a fraction of its roofline, min(bandwidth/bytes
// per item, peak/flops per item). Workloads are whole networks stepped by
// package engine, at one thread and at all threads.
//
// Every figure is the median of several timed repetitions after a warm-up,
// with its min and max; a figure whose spread (max−min)/median exceeds
// NoiseThreshold is flagged, and so is the machine when many are.
//
// Results are JSON following schema.json (embedded as Schema); Validate
// checks a document against it. Changing what is measured, or how, changes
// SuiteVersion, and Compare refuses to compare results of different
// versions.
package suite
