//go:build !purego && !noasm

package kernels

// cubaAheadKernel is a generated CubaUpdateAhead kernel (cubaUpdateAhead…),
// which takes any length and checks nothing.
type cubaAheadKernel[T float32 | float64] func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spikes, next []uint64) int

// cubaAhead32 and cubaAhead64 give CubaUpdateAhead32 and CubaUpdateAhead64
// of an instruction set from its kernel.
func cubaAhead32(k cubaAheadKernel[float32]) func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
		q := p.consts()
		return k.update(V, I0, Iin0, I1, Iin1, refrac, &q, spikes, next)
	}
}

func cubaAhead64(k cubaAheadKernel[float64]) func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
	return func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
		q := p.consts()
		return k.update(V, I0, Iin0, I1, Iin1, refrac, &q, spikes, next)
	}
}

// update is asmKernels.cubaUpdate with the mask of the step after: every
// slice resliced to len(V) first, so that a short one panics before
// anything is written, then the kernel in chunks.
func (k cubaAheadKernel[T]) update(V, I0, Iin0, I1, Iin1 []T, refrac []int32, q *cubaConsts[T], spikes, next []uint64) int {
	n := len(V)
	I0, Iin0, I1, Iin1, refrac = I0[:n], Iin0[:n], I1[:n], Iin1[:n], refrac[:n]
	spikes, next = spikes[:MaskWords(n)], next[:MaskWords(n)]
	return receptorUpdate(n, func(lo, hi int) int {
		return k(V[lo:hi], I0[lo:hi], Iin0[lo:hi], I1[lo:hi], Iin1[lo:hi], refrac[lo:hi],
			q.a0, q.a1, q.beta, q.vl, q.gain, q.theta, q.vr, q.hold, spikes[lo>>6:], next[lo>>6:])
	})
}
