package bench

import "math"

// NaiveParams are the seed notebook's parameters.
type NaiveParams struct {
	// Dt, TauMem and TauSyn are in seconds; Threshold is θ.
	Dt, TauMem, TauSyn, Threshold float64
	// ZeroReset selects the tutorial's first form, V[t+1] = (β·V[t] +
	// I[t])·(1 − s[t]), instead of reset by subtraction.
	ZeroReset bool
}

// NaiveResult holds the traces of a naive run, each Steps × Batch × N
// (step-major), where index t holds the value at the start of step t, and
// the spikes as (step, trial, neuron) triples in time order.
type NaiveResult struct {
	Steps, Batch, N int
	V, Isyn, Iinp   []float64
	Spikes          [][3]int
}

// Naive runs the seed notebook: Iinp = inputs @ weights, then for each step
// reset = heaviside(V[t]−θ), Isyn[t+1] = α·Isyn[t] + Iinp[t], V[t+1] =
// β·V[t] + Isyn[t] − reset. inputs is steps × batch × nIn, weights nIn × n.
// Unlike the notebook's loop, which stops one step early, spikes are listed
// for every recorded step, including the last.
func Naive(inputs []float64, steps, batch, nIn int, weights []float64, n int, p NaiveParams) NaiveResult {
	alpha := math.Exp(-p.Dt / p.TauSyn)
	beta := math.Exp(-p.Dt / p.TauMem)
	r := NaiveResult{Steps: steps, Batch: batch, N: n}
	size := steps * batch * n
	r.V, r.Isyn, r.Iinp = make([]float64, size), make([]float64, size), make([]float64, size)
	at := func(t, b, i int) int { return (t*batch+b)*n + i }

	// Iinp = inputs @ weights
	for t := 0; t < steps; t++ {
		for b := 0; b < batch; b++ {
			for i := 0; i < n; i++ {
				sum := 0.0
				for j := 0; j < nIn; j++ {
					sum += inputs[(t*batch+b)*nIn+j] * weights[j*n+i]
				}
				r.Iinp[at(t, b, i)] = sum
			}
		}
	}
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			for t := 0; t < steps-1; t++ {
				reset := 0.0
				if r.V[at(t, b, i)]-p.Threshold > 0 {
					reset = 1
				}
				r.Isyn[at(t+1, b, i)] = alpha*r.Isyn[at(t, b, i)] + r.Iinp[at(t, b, i)]
				if p.ZeroReset {
					r.V[at(t+1, b, i)] = (beta*r.V[at(t, b, i)] + r.Isyn[at(t, b, i)]) * (1 - reset)
				} else {
					r.V[at(t+1, b, i)] = beta*r.V[at(t, b, i)] + r.Isyn[at(t, b, i)] - reset
				}
			}
		}
	}
	for t := 0; t < steps; t++ {
		for b := 0; b < batch; b++ {
			for i := 0; i < n; i++ {
				if r.V[at(t, b, i)]-p.Threshold > 0 {
					r.Spikes = append(r.Spikes, [3]int{t, b, i})
				}
			}
		}
	}
	return r
}
