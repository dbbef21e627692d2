package engine

import (
	"fmt"
	"math"

	"leaky/kernels"
)

// Params are the parameters of the LIF neuron model, in SI units.
type Params struct {
	// Dt is the time step in seconds.
	Dt float64
	// TauMem is the membrane time constant in seconds.
	TauMem float64
	// TauSyn is the synaptic time constant in seconds.
	TauSyn float64
	// Threshold is θ: a neuron spikes at step t when V[t] > θ.
	Threshold float64
	// Reset is how V is reset after a spike.
	Reset kernels.Reset
}

// DefaultParams returns the seed notebook's parameters: dt 0.5 ms, τ_mem
// 10 ms, τ_syn 5 ms, θ 1, reset by subtraction.
func DefaultParams() Params {
	return Params{Dt: 0.5e-3, TauMem: 10e-3, TauSyn: 5e-3, Threshold: 1, Reset: kernels.ResetSubtract}
}

// Alpha is the synaptic decay per step, exp(−dt/τ_syn).
func (p Params) Alpha() float64 { return math.Exp(-p.Dt / p.TauSyn) }

// Beta is the membrane decay per step, exp(−dt/τ_mem).
func (p Params) Beta() float64 { return math.Exp(-p.Dt / p.TauMem) }

// Validate reports the first invalid field, naming it and its value.
func (p Params) Validate() error {
	if !(p.Dt > 0) || math.IsInf(p.Dt, 0) {
		return fmt.Errorf("dt must be a positive finite number of seconds, got %v", p.Dt)
	}
	if !(p.TauMem > 0) || math.IsInf(p.TauMem, 0) {
		return fmt.Errorf("tau-mem must be a positive finite number of seconds, got %v", p.TauMem)
	}
	if !(p.TauSyn > 0) || math.IsInf(p.TauSyn, 0) {
		return fmt.Errorf("tau-syn must be a positive finite number of seconds, got %v", p.TauSyn)
	}
	if math.IsNaN(p.Threshold) || math.IsInf(p.Threshold, 0) {
		return fmt.Errorf("threshold must be finite, got %v", p.Threshold)
	}
	if p.Reset != kernels.ResetSubtract && p.Reset != kernels.ResetZero {
		return fmt.Errorf("reset must be subtract or zero, got %v", p.Reset)
	}
	return nil
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
