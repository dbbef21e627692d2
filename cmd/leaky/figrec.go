package main

import (
	"fmt"

	"leaky/engine"
	"leaky/figure"
)

// Limits on what the figure keeps, so that its memory stays bounded on long
// runs: a figure cannot show more anyway.
const (
	// figureMaxSteps is the longest stretch of traces the figure keeps.
	figureMaxSteps = 1 << 20
	// rasterNeurons is the number of neurons (of trial 0) in the raster of
	// a feed-forward run, netRasterNeurons of each network population.
	rasterNeurons    = 200
	netRasterNeurons = 400
	// rasterMaxSpikes bounds the raster's points.
	rasterMaxSpikes = 1 << 20
)

// figureTrace is one neuron's variable in trial 0, kept for the figure.
type figureTrace struct {
	name   string // in checkpoints, after the recorder's prefix
	v      engine.Var
	neuron int
	data   []float64
}

// figureRecorder keeps what a population's part of figure.png shows: some
// traces of trial 0, the spikes of the first neurons of trial 0 and the
// population's spike count at every step. It is the same for feed-forward
// and network runs, and its data is part of every checkpoint, so a resumed
// run draws the figure an uninterrupted one would.
type figureRecorder[T engine.Float] struct {
	pop    *engine.Population[T]
	prefix string // names its state in checkpoints
	traces []figureTrace
	counts []int64
	// steps and neurons are the raster's points, int64 as checkpoints
	// hold them.
	steps, neurons []int64
	maxSteps       int
	rasterNeurons  int
	lastSpikes     int64
}

func newFigureRecorder[T engine.Float](pop *engine.Population[T], prefix string, steps, raster int, traces []figureTrace) *figureRecorder[T] {
	keep := min(steps, figureMaxSteps)
	for i := range traces {
		traces[i].data = make([]float64, 0, keep)
	}
	return &figureRecorder[T]{pop: pop, prefix: prefix, traces: traces, maxSteps: keep, rasterNeurons: raster, counts: make([]int64, 0, keep)}
}

// newNeuronFigure keeps V, I and Iin of one neuron: the feed-forward
// figure.
func newNeuronFigure[T engine.Float](pop *engine.Population[T], neuron, steps int) *figureRecorder[T] {
	return newFigureRecorder(pop, "figure/", steps, rasterNeurons, []figureTrace{
		{name: "v", v: engine.VarV, neuron: neuron},
		{name: "isyn", v: engine.VarI, neuron: neuron},
		{name: "iinp", v: engine.VarIin, neuron: neuron},
	})
}

func (r *figureRecorder[T]) Population() *engine.Population[T] { return r.pop }

func (r *figureRecorder[T]) Reserve(int) error { return nil }

func (r *figureRecorder[T]) RecordState(t int) {
	if t >= r.maxSteps {
		return
	}
	p := r.pop
	for i := range r.traces {
		tr := &r.traces[i]
		tr.data = append(tr.data, float64(p.Row(p.State(tr.v), 0)[tr.neuron]))
	}
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
		if int(i) >= r.rasterNeurons || len(r.steps) >= rasterMaxSpikes {
			break
		}
		r.steps = append(r.steps, int64(t))
		r.neurons = append(r.neurons, int64(i))
	}
}

// stateVars lists the figure's data for checkpoints. Its slices grow with
// the run, so a restore gives them the saved lengths, within the bounds
// the figure keeps.
func (r *figureRecorder[T]) stateVars() []engine.StateVar {
	var vars []engine.StateVar
	for i := range r.traces {
		vars = append(vars, engine.GrowVar(r.prefix+r.traces[i].name, &r.traces[i].data, r.maxSteps))
	}
	return append(vars,
		engine.GrowVar(r.prefix+"counts", &r.counts, r.maxSteps),
		engine.GrowVar(r.prefix+"raster_steps", &r.steps, rasterMaxSpikes),
		engine.GrowVar(r.prefix+"raster_neurons", &r.neurons, rasterMaxSpikes),
		engine.Int64Var(r.prefix+"last_spikes", &r.lastSpikes),
	)
}

// restored checks what the checkpoint cannot: that the raster's steps and
// neurons pair up.
func (r *figureRecorder[T]) restored(file string) error {
	if len(r.steps) != len(r.neurons) {
		return fmt.Errorf("checkpoint %s holds %d raster steps but %d raster neurons for %s", file, len(r.steps), len(r.neurons), r.prefix)
	}
	return nil
}

// raster returns the raster's points as the figure takes them.
func (r *figureRecorder[T]) raster() (steps, neurons []int) {
	steps, neurons = make([]int, len(r.steps)), make([]int, len(r.neurons))
	for i := range r.steps {
		steps[i], neurons[i] = int(r.steps[i]), int(r.neurons[i])
	}
	return steps, neurons
}

func (r *figureRecorder[T]) data(dt, threshold float64, batch, n int) figure.Data {
	neuron := r.traces[0].neuron
	d := figure.Data{
		Dt: dt, Threshold: threshold, Neuron: neuron, Trial: 0,
		V: r.traces[0].data, Isyn: r.traces[1].data, Iinp: r.traces[2].data, N: n, Batch: batch,
		RasterNeurons: min(n, r.rasterNeurons), Counts: r.counts,
	}
	d.SpikeSteps, d.SpikeNeurons = r.raster()
	title := "neuron " + itoa(neuron)
	if batch > 1 {
		title += " of trial 0"
	}
	if len(d.V) < len(r.counts) || len(d.V) == figureMaxSteps {
		title += " (first " + itoa(len(d.V)) + " steps)"
	}
	d.Title = title
	return d
}
