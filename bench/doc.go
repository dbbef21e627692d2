// Package bench holds leaky's workloads and the naive reference they are
// measured and checked against. The reference is the seed notebook
// transcribed literally: float64, plain loops, a dense matrix product, no
// kernels and no cleverness, so that it is obviously the notebook.
package bench
