package engine

import (
	"fmt"
	"math"

	"leaky/kernels"
)

// SeedNeuron is the seed notebook's neuron as NeuronParams: one receptor
// with time constant tauSyn, unit input gain, no leak potential and no
// refractory period, with v_reset chosen so that subtraction removes
// exactly 1 (θ − 1) or the reset is to 0. Times are in seconds; a neuron
// spikes at step t when V[t] > threshold. Populations of this form run the
// kernels.LeakyUpdate fast path (see NeuronParams.SeedForm).
func SeedNeuron(dt, tauMem, tauSyn, threshold float64, reset kernels.Reset) NeuronParams {
	n := NeuronParams{
		Kind: KindLIF, Dt: dt, TauMem: tauMem, TauSyn: []float64{tauSyn},
		R: 1, Scale: ScaleUnit, Threshold: threshold, Reset: reset,
	}
	if reset == kernels.ResetSubtract {
		n.VReset = threshold - 1
	}
	return n
}

// DefaultNeuron returns the seed notebook's neuron: dt 0.5 ms, τ_mem 10 ms,
// τ_syn 5 ms, θ 1, reset by subtraction.
func DefaultNeuron() NeuronParams {
	return SeedNeuron(0.5e-3, 10e-3, 5e-3, 1, kernels.ResetSubtract)
}

// ParseReset converts "subtract" or "zero" to a kernels.Reset.
func ParseReset(s string) (kernels.Reset, error) {
	switch s {
	case "subtract":
		return kernels.ResetSubtract, nil
	case "zero":
		return kernels.ResetZero, nil
	}
	return 0, fmt.Errorf("unknown reset mode %q (want subtract or zero)", s)
}

// DefaultWeightScale is the standard deviation of the default weights for a
// projection with nIn inputs onto neurons with membrane decay beta:
// 7(1−β)/√n_in, as in the seed notebook.
func DefaultWeightScale(beta float64, nIn int) float64 {
	return 7 * (1 - beta) / math.Sqrt(float64(nIn))
}
