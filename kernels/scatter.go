package kernels

// ScatterAdd32 adds w[k] to dst[idx[k]] for k = 0, 1, … in increasing order:
// the sparse (CSR) event-driven input of one presynaptic neuron, idx holding
// its targets and w its weights. Targets may repeat; they are then added in
// order. Every idx[k] must be a valid index of dst and len(w) ≥ len(idx).
//
// Only the generic loop exists: a scatter's cost is the random access into
// dst, which vector gathers and scatters do not speed up on AVX2.
func ScatterAdd32(dst []float32, idx []int32, w []float32) {
	w = w[:len(idx)]
	for k, i := range idx {
		dst[i] += w[k]
	}
}

// ScatterAdd64 is ScatterAdd32 in float64.
func ScatterAdd64(dst []float64, idx []int32, w []float64) {
	w = w[:len(idx)]
	for k, i := range idx {
		dst[i] += w[k]
	}
}
