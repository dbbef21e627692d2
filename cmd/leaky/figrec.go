package main

import (
	"leaky/engine"
	"leaky/figure"
)

// Limits on what the figure keeps, so that its memory stays bounded on long
// runs: a figure cannot show more anyway.
const (
	// figureMaxSteps is the longest stretch of traces the figure keeps.
	figureMaxSteps = 1 << 20
	// rasterNeurons is the number of neurons (of trial 0) in the raster.
	rasterNeurons = 200
	// rasterMaxSpikes bounds the raster's points.
	rasterMaxSpikes = 1 << 20
)

// figureRecorder keeps what figure.png shows: one neuron's traces in trial
// 0, the spikes of the first neurons of trial 0 and the population's spike
// count at every step. It records independently of --record, so the figure
// is always complete.
type figureRecorder[T engine.Float] struct {
	pop            *engine.Population[T]
	neuron         int
	v, isyn, iinp  []float64
	counts         []int64
	steps, neurons []int
	maxSteps       int
	lastSpikes     int64
}

func newFigureRecorder[T engine.Float](pop *engine.Population[T], neuron, steps int) *figureRecorder[T] {
	keep := min(steps, figureMaxSteps)
	return &figureRecorder[T]{
		pop: pop, neuron: neuron, maxSteps: keep,
		v: make([]float64, 0, keep), isyn: make([]float64, 0, keep), iinp: make([]float64, 0, keep),
		counts: make([]int64, 0, keep),
	}
}

func (r *figureRecorder[T]) Population() *engine.Population[T] { return r.pop }

func (r *figureRecorder[T]) Reserve(int) error { return nil }

func (r *figureRecorder[T]) RecordState(t int) {
	if t >= r.maxSteps {
		return
	}
	p := r.pop
	r.v = append(r.v, float64(p.Row(p.V, 0)[r.neuron]))
	r.isyn = append(r.isyn, float64(p.Row(p.I, 0)[r.neuron]))
	r.iinp = append(r.iinp, float64(p.Row(p.Iin, 0)[r.neuron]))
}

func (r *figureRecorder[T]) RecordSpikes(t int) {
	total := r.pop.SpikeCount()
	if t >= r.maxSteps {
		r.lastSpikes = total
		return
	}
	r.counts = append(r.counts, total-r.lastSpikes)
	r.lastSpikes = total
	for _, i := range r.pop.Events(0) {
		if int(i) >= rasterNeurons || len(r.steps) >= rasterMaxSpikes {
			break
		}
		r.steps = append(r.steps, t)
		r.neurons = append(r.neurons, int(i))
	}
}

func (r *figureRecorder[T]) data(p engine.Params, batch, n int) figure.Data {
	d := figure.Data{
		Dt: p.Dt, Threshold: p.Threshold, Neuron: r.neuron, Trial: 0,
		V: r.v, Isyn: r.isyn, Iinp: r.iinp, N: n, Batch: batch,
		SpikeSteps: r.steps, SpikeNeurons: r.neurons, RasterNeurons: min(n, rasterNeurons),
		Counts: r.counts,
	}
	title := "neuron " + itoa(r.neuron)
	if batch > 1 {
		title += " of trial 0"
	}
	if len(r.v) < len(r.counts) || len(r.v) == figureMaxSteps {
		title += " (first " + itoa(len(r.v)) + " steps)"
	}
	d.Title = title
	return d
}
