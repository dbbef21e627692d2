//go:build !purego && !noasm

package kernels

// flushSubnormalsVia is FlushSubnormals of one instruction set from its
// kernel of whole passes of pass values, the rest by the generic loop.
func flushSubnormalsVia[T float32 | float64](body func(x []T), pass int) func(x []T) {
	return func(x []T) {
		n := len(x) - len(x)%pass
		if n > 0 {
			body(x[:n])
		}
		flushSubnormalsGeneric(x[n:])
	}
}
