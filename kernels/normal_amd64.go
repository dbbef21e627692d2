//go:build !purego && !noasm

package kernels

// normalChunk is the most normal numbers one assembly call makes (a
// multiple of NormalBlock): some microseconds, so that a long row does not
// hold up the Go scheduler.
const normalChunk = 1 << 14

// normalsVia wraps a generated Normals kernel, which makes whole blocks
// from a block's first counter: the partial blocks at either end of dst
// are made by the generic code, which gives the same bits.
func normalsVia[T float32 | float64](body func(dst []T, k0, k1, c1, c2, c3, ctr uint32, scale float64)) func(dst []T, key NormalKey, col int, scale float64) {
	return func(dst []T, key NormalKey, col int, scale float64) {
		head := min(len(dst), -col&(NormalBlock-1))
		if head > 0 {
			normalsGeneric(dst[:head], key, col, scale)
		}
		dst, col = dst[head:], col+head
		whole := len(dst) &^ (NormalBlock - 1)
		for lo := 0; lo < whole; lo += normalChunk {
			hi := min(whole, lo+normalChunk)
			body(dst[lo:hi], key.K0, key.K1, key.C1, key.C2, key.C3, uint32((col+lo)/NormalBlock*8), scale)
		}
		if whole < len(dst) {
			normalsGeneric(dst[whole:], key, col+whole, scale)
		}
	}
}
