//go:build !purego && !noasm

package kernels

import (
	"math/bits"
	"slices"
)

// summaryWords is the summary words spikeIndicesVia keeps on its stack: a
// chunk of 64·summaryWords mask words (4096: 2.6·10^5 neurons).
const summaryWords = 64

// spikeIndicesVia is SpikeIndices of one instruction set from its
// NonzeroWords kernel: a chunk of the mask at a time, the nonzero words
// summarised without a branch, then, where they are fewer than a
// sparseWords-th of the chunk's words, only those words visited, by the
// summary's set bits, counted and then listed; a denser chunk is listed by
// the branch-free loop over every word. The indices are generic's.
func spikeIndicesVia(nonzero func(summary, mask []uint64)) func(dst []int32, mask []uint64, base int32) []int32 {
	return func(dst []int32, mask []uint64, base int32) []int32 {
		if len(mask) < 64 {
			// No whole summary word: generic's loops, without the
			// summary's overhead (BenchmarkSpikeIndices at SHD's 4 words).
			return spikeIndicesGeneric(dst, mask, base)
		}
		var sum [summaryWords]uint64
		for c0 := 0; c0 < len(mask); c0 += 64 * summaryWords {
			chunk := mask[c0:min(c0+64*summaryWords, len(mask))]
			whole := len(chunk) &^ 63
			nonzero(sum[:], chunk[:whole])
			ns := (len(chunk) + 63) >> 6
			if whole < len(chunk) {
				var s uint64
				for j, w := range chunk[whole:] {
					s |= (w | -w) >> 63 << j
				}
				sum[ns-1] = s
			}
			b := base + int32(c0<<6)
			nz, n := 0, 0
			for _, s := range sum[:ns] {
				nz += bits.OnesCount64(s)
			}
			if nz == 0 {
				continue
			}
			if nz*sparseWords >= len(chunk) {
				for _, w := range chunk {
					n += bits.OnesCount64(w)
				}
				at := len(dst)
				dst = slices.Grow(dst, n+2)[:at+n+2]
				denseIndices(dst[at:], chunk, b)
				dst = dst[:at+n]
				continue
			}
			for i, s := range sum[:ns] {
				for ; s != 0; s &= s - 1 {
					n += bits.OnesCount64(chunk[i<<6+bits.TrailingZeros64(s)])
				}
			}
			at := len(dst)
			dst = slices.Grow(dst, n)[:at+n]
			k := at
			for i, s := range sum[:ns] {
				for ; s != 0; s &= s - 1 {
					w := i<<6 + bits.TrailingZeros64(s)
					word, wb := chunk[w], b+int32(w<<6)
					for ; word != 0; word &= word - 1 {
						dst[k] = wb + int32(bits.TrailingZeros64(word))
						k++
					}
				}
			}
		}
		return dst
	}
}
