package suite

import "leaky/kernels"

// The naive twins are the kernels written the obvious way: one neuron, one
// element or one dot product at a time, indexing the full slices, with none
// of the blocking the real kernels do. They give every kernel figure a
// "× naive" ratio measured in the same run. They compute the same values as
// the generic kernels (the tests check this), so the comparison is fair.

// naive is the implementation name the twins are reported under.
const naive = "naive"

func naiveLeakyUpdate32(V, I, Iin []float32, alpha, beta, theta float32, reset kernels.Reset, spikes []uint64) int {
	count := 0
	for w := range spikes[:kernels.MaskWords(len(V))] {
		spikes[w] = 0
	}
	for i := range V {
		spiked := V[i] > theta
		v := float32(beta*V[i]) + I[i]
		if spiked {
			count++
			spikes[i/64] |= 1 << uint(i%64)
			if reset == kernels.ResetSubtract {
				v--
			} else {
				v = 0 * v
			}
		}
		I[i] = float32(alpha*I[i]) + Iin[i]
		V[i] = v
	}
	return count
}

func naiveLeakyScan32(V, I, Iin []float32, inStride, steps int, alpha, beta, theta float32, reset kernels.Reset, spikes []uint64, maskStride int) int {
	count := 0
	for t := 0; t < steps; t++ {
		count += naiveLeakyUpdate32(V, I, Iin[t*inStride:], alpha, beta, theta, reset, spikes[t*maskStride:])
	}
	return count
}

func naiveAccumulateRows32(dst, W []float32, stride int, rows []int32) {
	for _, r := range rows {
		for i := range dst {
			dst[i] += W[int(r)*stride+i]
		}
	}
}

func naiveMatMul32(m, n, k int, A []float32, lda int, B []float32, ldb int, C []float32, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var sum float32
			if accumulate {
				sum = C[i*ldc+j]
			}
			for p := 0; p < k; p++ {
				sum += float32(A[i*lda+p] * B[p*ldb+j])
			}
			C[i*ldc+j] = sum
		}
	}
}

// naiveImpl wraps the twins as a kernels.Impl so the suite can treat it like
// any other implementation's kernels. It has no kernels.Instruments: a naive
// loop is not a ceiling.
var naiveImpl = &kernels.Impl{
	Name:             naive,
	Requires:         "none",
	LeakyUpdate32:    naiveLeakyUpdate32,
	LeakyScan32:      naiveLeakyScan32,
	AccumulateRows32: naiveAccumulateRows32,
	MatMul32:         naiveMatMul32,
}
