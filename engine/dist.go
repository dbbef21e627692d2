package engine

import (
	"fmt"
	"math"
)

// DistKind names a distribution family.
type DistKind uint8

const (
	// DistConst is the constant A.
	DistConst DistKind = iota
	// DistUniform is uniform on [A, B).
	DistUniform
	// DistNormal is normal with mean A and standard deviation B.
	DistNormal
)

// Dist is a distribution of initial values or weights.
type Dist struct {
	Kind DistKind
	// A and B are the parameters, as the kind says.
	A, B float64
}

// Const returns the constant distribution at v.
func Const(v float64) Dist { return Dist{DistConst, v, 0} }

// Uniform returns the uniform distribution on [lo, hi).
func Uniform(lo, hi float64) Dist { return Dist{DistUniform, lo, hi} }

// Normal returns the normal distribution with the given mean and standard
// deviation.
func Normal(mean, std float64) Dist { return Dist{DistNormal, mean, std} }

// Validate reports parameters that are not finite or out of order.
func (d Dist) Validate() error {
	if math.IsNaN(d.A) || math.IsInf(d.A, 0) || math.IsNaN(d.B) || math.IsInf(d.B, 0) {
		return fmt.Errorf("distribution parameters must be finite, got %v and %v", d.A, d.B)
	}
	switch d.Kind {
	case DistConst:
	case DistUniform:
		if d.B < d.A {
			return fmt.Errorf("uniform range [%v, %v) is empty: the upper bound must be ≥ the lower", d.A, d.B)
		}
	case DistNormal:
		if d.B < 0 {
			return fmt.Errorf("normal standard deviation must be ≥ 0, got %v", d.B)
		}
	default:
		return fmt.Errorf("unknown distribution kind %d", d.Kind)
	}
	return nil
}

// InitV sets the membrane potential of every neuron of every trial from d.
// Trial b's N values are row b of d keyed by (seed, stream) (see
// fillDist), so populations initialised with different streams are
// independent and a trial's values do not depend on the batch size. Trials
// are drawn on threads threads (< 1: DefaultThreads), with the same bits on
// any number.
func (p *Population[T]) InitV(d Dist, seed, stream uint64, threads int) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("population %q: initial V: %w", p.Name, err)
	}
	p.initial(p.V, d, seed, stream, 0, threads)
	return nil
}

// InitCurrent sets receptor k's synaptic state — its current I_k, or its
// conductance g_k for a COBA population — of every neuron of every trial
// from d, drawn as InitV draws V but from rows of its own, so that
// initialising the receptors leaves V's draws unchanged.
func (p *Population[T]) InitCurrent(k int, d Dist, seed, stream uint64, threads int) error {
	if k < 0 || k >= p.Receptors() {
		return fmt.Errorf("population %q: initial state of receptor %d: it has receptors 0…%d", p.Name, k, p.Receptors()-1)
	}
	if p.Neuron.TauSyn[k] == 0 {
		return fmt.Errorf("population %q: initial state of receptor %d: it has no current (tau_syn 0), so it keeps none", p.Name, k)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("population %q: initial state of receptor %d: %w", p.Name, k, err)
	}
	p.initial(p.Current(k), d, seed, stream, uint64(k)+1, threads)
	return nil
}

// initial fills x (V, or a receptor's state: part 0, or k+1) of every
// trial from d, trial b's N values being row b of d keyed by (seed,
// stream, part) (see fillDist), trials drawn on threads threads (< 1:
// DefaultThreads) with the same bits on any number.
func (p *Population[T]) initial(x []T, d Dist, seed, stream, part uint64, threads int) {
	lo, hi := p.Held() // a rank draws its block's part of each row (NewHeldPopulation)
	forChunks(threads, p.Batch, perChunk(hi-lo), func(b0, b1 int) {
		var scratch []float64
		for b := b0; b < b1; b++ {
			fillDistAt(p.Row(x, b), d, SignAsGiven, seed, streamInitial+stream<<8, part, b, lo, &scratch)
		}
	})
}

// FillWeights fills W (rows × cols, row-major) from d with the sign
// imposed. Row r is row r of d keyed by (seed, stream) (see fillDist), so
// any row can be generated on its own; rows are drawn on threads threads
// (< 1: DefaultThreads), with the same bits on any number.
func FillWeights[T Float](W []T, rows, cols int, d Dist, sign Sign, seed, stream uint64, threads int) error {
	return FillWeightColumns(W, rows, cols, 0, cols, d, sign, seed, stream, threads)
}
