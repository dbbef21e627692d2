package kernels

// BinaryMasks32 checks that the values x are spikes, each 0 or 1, and sets
// their bitmask: bit i of masks (bit i&63 of word i>>6) is set when x[i] is
// 1 and cleared when it is 0, either sign. It returns the index of the
// first value that is neither (NaN, ±Inf, a denormal, 1 + ulp, −1, …), or
// −1 when every value is 0 or 1. The scan stops at that value: the words
// before its word are written, its word keeps the ones before it (the bits
// from it on are clear), the words after are left as they were. Every word
// of x's values is written otherwise, the last one's bits past len(x)
// cleared; masks must hold MaskWords(len(x)) words. It runs the active
// implementation (see [Use]); all give the same bits.
func BinaryMasks32(masks []uint64, x []float32) int { return active.BinaryMasks32(masks, x) }

// BinaryMasks64 is BinaryMasks32 in float64.
func BinaryMasks64(masks []uint64, x []float64) int { return active.BinaryMasks64(masks, x) }

// binaryMasksGeneric is the reference of BinaryMasks32 and BinaryMasks64.
// Go's == is the rule: 1 only for 1.0 itself, 0 for +0 and −0 but not a
// denormal (Go never flushes them), neither for NaN.
func binaryMasksGeneric[T float32 | float64](masks []uint64, x []T) int {
	masks = masks[:MaskWords(len(x))]
	for w := range masks {
		var ones uint64
		for j, v := range x[w<<6 : min(w<<6+64, len(x))] {
			if v == 1 {
				ones |= 1 << j
			} else if v != 0 {
				masks[w] = ones
				return w<<6 + j
			}
		}
		masks[w] = ones
	}
	return -1
}
