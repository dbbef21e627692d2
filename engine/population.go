package engine

import (
	"fmt"

	"leaky/kernels"
)

// Population is a group of Batch × N LIF neurons sharing one parameter set.
// Trial b's neuron i lives at index b*Stride+i of V, I and Iin; Stride is N
// rounded up to a whole cache line so every trial's row starts aligned.
type Population[T Float] struct {
	// Name identifies the population in networks, files and errors.
	Name string
	// Batch is the number of independent trials, N the neurons per trial.
	Batch, N int
	// Stride is the distance between trials in V, I and Iin.
	Stride int
	// Params are the model parameters; change them only through SetParams.
	Params Params

	// V is the membrane potential, I the synaptic current and Iin the input
	// current of the current step.
	V, I, Iin []T
	// Spikes holds s of the last step as a bitmask, MaskWords(N) words per
	// trial: bit i%64 of Spikes[b*Words+i/64] is neuron i of trial b.
	Spikes []uint64
	// Words is the number of mask words per trial.
	Words int

	alpha, beta, theta T
	events             [][]int32 // per trial: indices that spiked at the last step
	spikeCount         int64
	steppedAt          int // the step whose spikes Spikes holds, −1 before the first
}

// NewPopulation allocates a population of batch trials of n neurons with
// zero state.
func NewPopulation[T Float](name string, batch, n int, p Params) (*Population[T], error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("population %q: %w", name, err)
	}
	if batch < 1 {
		return nil, fmt.Errorf("population %q: batch must be at least 1, got %d", name, batch)
	}
	if n < 1 {
		return nil, fmt.Errorf("population %q: neurons must be at least 1, got %d", name, n)
	}
	line := 64 / sizeOf[T]()
	stride := (n + line - 1) / line * line
	if stride > maxElements/batch {
		return nil, fmt.Errorf("population %q: %d trials × %d neurons is too large to address", name, batch, n)
	}
	pop := &Population[T]{
		Name: name, Batch: batch, N: n, Stride: stride,
		V:         alignedSlice[T](batch * stride),
		I:         alignedSlice[T](batch * stride),
		Iin:       alignedSlice[T](batch * stride),
		Words:     kernels.MaskWords(n),
		events:    make([][]int32, batch),
		steppedAt: -1,
	}
	pop.Spikes = make([]uint64, batch*pop.Words)
	for b := range pop.events {
		pop.events[b] = make([]int32, 0, min(n, 1024))
	}
	pop.SetParams(p)
	return pop, nil
}

// maxElements bounds a single state array so that index arithmetic cannot
// overflow int on any platform Go supports.
const maxElements = 1 << 31

func sizeOf[T Float]() int {
	if is32[T]() {
		return 4
	}
	return 8
}

// SetParams changes the model parameters and recomputes α, β and θ in T.
func (p *Population[T]) SetParams(params Params) {
	p.Params = params
	p.alpha = T(params.Alpha())
	p.beta = T(params.Beta())
	p.theta = T(params.Threshold)
}

// Row returns the n values of trial b in x, one of V, I or Iin.
func (p *Population[T]) Row(x []T, b int) []T { return x[b*p.Stride : b*p.Stride+p.N] }

// Size is the number of neurons per trial.
func (p *Population[T]) Size() int { return p.N }

// BatchSize is the number of trials.
func (p *Population[T]) BatchSize() int { return p.Batch }

// Events lists the neurons of trial b that spiked at the last step.
func (p *Population[T]) Events(b int) []int32 { return p.events[b] }

// Values is nil: a population's output is spikes.
func (p *Population[T]) Values() []T { return nil }

// SpikeCount is the number of spikes since the population was created.
func (p *Population[T]) SpikeCount() int64 { return p.spikeCount }

// update runs phase 4 of the schedule for step t: threshold, update, reset.
func (p *Population[T]) update(t int) {
	for b := 0; b < p.Batch; b++ {
		mask := p.Spikes[b*p.Words : (b+1)*p.Words]
		n := leakyUpdate(p.Row(p.V, b), p.Row(p.I, b), p.Row(p.Iin, b), p.alpha, p.beta, p.theta, p.Params.Reset, mask)
		p.spikeCount += int64(n)
		p.events[b] = kernels.SpikeIndices(p.events[b][:0], mask, 0)
	}
	p.steppedAt = t
}

// clearInput zeroes Iin before the projections add into it.
func (p *Population[T]) clearInput() { clear(p.Iin) }
