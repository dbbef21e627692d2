package kernels

import "math/bits"

// ThresholdMask32 sets the bitmask of the neurons that the next update of
// a threshold-before-integrate neuron will find spiking: bit i of spikes
// (bit i&63 of word i>>6) is set when V[i] > theta and, when refrac is
// not nil, refrac[i] ≤ 0 (not held), and cleared otherwise; a NaN
// potential never spikes. It is the spike rule of CubaUpdate32,
// CobaUpdate32, LeakyUpdate32 and RuleUpdate32's StepBefore and StepSpyx,
// each of which reads only V and the counters before the step, so that
// applied to the state after step t it gives step t+1's spikes before any
// of step t+1's input is known. The whole of spikes[:MaskWords(len(V))]
// is written, the last word's bits past len(V) cleared; refrac, when not
// nil, must hold len(V) counters. It returns the number of spikes. It
// runs the active implementation (see [Use]); all give the same bits.
func ThresholdMask32(spikes []uint64, V []float32, refrac []int32, theta float32) int {
	return active.ThresholdMask32(spikes, V, refrac, theta)
}

// ThresholdMask64 is ThresholdMask32 in float64.
func ThresholdMask64(spikes []uint64, V []float64, refrac []int32, theta float64) int {
	return active.ThresholdMask64(spikes, V, refrac, theta)
}

// thresholdMaskGeneric is the reference of ThresholdMask32 and
// ThresholdMask64, written as the update kernels test their lanes.
func thresholdMaskGeneric[T float32 | float64](spikes []uint64, V []T, refrac []int32, theta T) int {
	spikes = spikes[:MaskWords(len(V))]
	if refrac != nil {
		refrac = refrac[:len(V)]
	}
	count := 0
	for w := range spikes {
		var word uint64
		for j, x := range V[w<<6 : min(w<<6+64, len(V))] {
			if x > theta && (refrac == nil || refrac[w<<6+j] <= 0) {
				word |= 1 << j
			}
		}
		spikes[w] = word
		count += bits.OnesCount64(word)
	}
	return count
}
