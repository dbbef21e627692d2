//go:build !purego && !noasm

package kernels

import "sync"

// normalChunk is the most normal numbers one assembly call makes (a
// multiple of every pass): some microseconds, so that a long row does not
// hold up the Go scheduler.
const normalChunk = 1 << 14

// normalsVia wraps a generated Normals kernel, which makes whole passes of
// pass columns from a block's first counter (blocks of block columns from
// ctrs counters: NormalBlock32 from 16, or NormalBlock64 from 8), or an AddNormals kernel with
// add, which adds them (body is then the kernel of the same pass that
// writes them). Columns before the first block boundary, and a last part
// shorter than a pass, are made by running the writing kernel on a pass of
// scratch and copying, or adding, the columns asked for; the scratch comes
// from a pool because the kernel is called through a function value, so an
// array on the stack would escape to the heap.
func normalsVia[T float32 | float64](body, add func(dst []T, k0, k1, c1, c2, c3, ctr uint32, scale float64), pass, block, ctrs int) func(dst []T, key NormalKey, col int, scale float64) {
	scratch := sync.Pool{New: func() any { s := make([]T, pass); return &s }}
	whole := body
	if add != nil {
		whole = add
	}
	run := func(kernel func(dst []T, k0, k1, c1, c2, c3, ctr uint32, scale float64), dst []T, key *NormalKey, col int, scale float64) {
		kernel(dst, key.K0, key.K1, key.C1, key.C2, key.C3, uint32(col/block*ctrs), scale)
	}
	return func(dst []T, key NormalKey, col int, scale float64) {
		for len(dst) > 0 {
			if off := col % block; off != 0 || len(dst) < pass {
				s := scratch.Get().(*[]T)
				run(body, *s, &key, col-off, scale)
				k := min(len(dst), pass-off)
				if add != nil {
					for i, v := range (*s)[off : off+k] {
						dst[i] += v
					}
				} else {
					copy(dst, (*s)[off:off+k])
				}
				scratch.Put(s)
				dst, col = dst[k:], col+k
				continue
			}
			n := min(len(dst)/pass*pass, normalChunk)
			run(whole, dst[:n], &key, col, scale)
			dst, col = dst[n:], col+n
		}
	}
}
