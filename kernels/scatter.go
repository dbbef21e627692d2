package kernels

// ScatterAdd32 adds w[k] to dst[idx[k]−base] for k = 0, 1, … in increasing
// order: the sparse (CSR) event-driven input of one presynaptic neuron, idx
// holding its targets and w its weights, dst the targets' inputs from
// neuron base on (0, or the first of a rank's block). Targets may repeat;
// they are then added in order. Every idx[k]−base must be a valid index of
// dst and len(w) ≥ len(idx).
//
// Only the generic loop exists: a scatter's cost is the random access into
// dst, which vector gathers and scatters do not speed up on AVX2.
func ScatterAdd32[C Index](dst []float32, idx []C, w []float32, base int32) {
	w = w[:len(idx)]
	for k, i := range idx {
		dst[int32(i)-base] += w[k]
	}
}

// Index is the type of a sparse row's targets: int32, or uint16 where
// every target lies below 65536, which halves the bytes of a synapse that
// shares its weight and so the cache lines a spike's row takes.
type Index interface{ ~int32 | ~uint16 }

// ScatterAdd64 is ScatterAdd32 in float64.
func ScatterAdd64[C Index](dst []float64, idx []C, w []float64, base int32) {
	w = w[:len(idx)]
	for k, i := range idx {
		dst[int32(i)-base] += w[k]
	}
}

// ScatterAddUniform32 is ScatterAdd32 with every weight w: it adds w to
// dst[idx[k]−base] for k = 0, 1, … in increasing order, reading no weight
// array (a projection whose synapses share one weight, as the CUBA and
// COBA benchmarks' do, stores none).
func ScatterAddUniform32[C Index](dst []float32, idx []C, w float32, base int32) {
	for _, i := range idx {
		dst[int32(i)-base] += w
	}
}

// ScatterAddUniform64 is ScatterAddUniform32 in float64.
func ScatterAddUniform64[C Index](dst []float64, idx []C, w float64, base int32) {
	for _, i := range idx {
		dst[int32(i)-base] += w
	}
}
