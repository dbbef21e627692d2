//go:build !purego && !noasm

package kernels

// thresholdMaskVia is ThresholdMask of one instruction set from its
// kernels of whole mask words, without counters (free) and with them
// (held): the words of whole 64 neurons in calls of updateChunk neurons,
// then a ragged last word by the generic loop.
func thresholdMaskVia[T float32 | float64](free func(spikes []uint64, V []T, theta T) int, held func(spikes []uint64, V []T, refrac []int32, theta T) int) func(spikes []uint64, V []T, refrac []int32, theta T) int {
	return func(spikes []uint64, V []T, refrac []int32, theta T) int {
		spikes = spikes[:MaskWords(len(V))]
		if refrac != nil {
			refrac = refrac[:len(V)]
		}
		body := len(V) &^ 63
		count := 0
		for at := 0; at < body; at += updateChunk {
			end := min(at+updateChunk, body)
			if refrac == nil {
				count += free(spikes[at>>6:end>>6], V[at:end], theta)
			} else {
				count += held(spikes[at>>6:end>>6], V[at:end], refrac[at:end], theta)
			}
		}
		if body < len(V) {
			var tail []int32
			if refrac != nil {
				tail = refrac[body:]
			}
			count += thresholdMaskGeneric(spikes[body>>6:], V[body:], tail, theta)
		}
		return count
	}
}
