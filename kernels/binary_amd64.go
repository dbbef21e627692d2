//go:build !purego && !noasm

package kernels

// binaryMasksVia is BinaryMasks of one instruction set from its kernel of
// whole mask words: the words of whole 64 values in calls of updateChunk
// values, then a ragged last word from a copy padded with zeros (which are
// neither ones nor bad values).
func binaryMasksVia[T float32 | float64](words func(masks []uint64, x []T) int) func(masks []uint64, x []T) int {
	return func(masks []uint64, x []T) int {
		masks = masks[:MaskWords(len(x))]
		body := len(x) &^ 63
		for at := 0; at < body; at += updateChunk {
			end := min(at+updateChunk, body)
			if bad := words(masks[at>>6:end>>6], x[at:end]); bad >= 0 {
				return at + bad
			}
		}
		if body == len(x) {
			return -1
		}
		var last [64]T
		copy(last[:], x[body:])
		if bad := words(masks[body>>6:], last[:]); bad >= 0 {
			return body + bad
		}
		return -1
	}
}
