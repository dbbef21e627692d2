package main

import (
	"fmt"

	"leaky/checkpoint"
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

// stateVars lists the figure's data for checkpoints.
func (r *figureRecorder[T]) stateVars() []engine.StateVar {
	var vars []engine.StateVar
	for i := range r.traces {
		vars = append(vars, engine.StateVar{Name: r.prefix + r.traces[i].name, Data: r.traces[i].data})
	}
	return append(vars,
		engine.StateVar{Name: r.prefix + "counts", Data: r.counts},
		engine.StateVar{Name: r.prefix + "raster_steps", Data: r.steps},
		engine.StateVar{Name: r.prefix + "raster_neurons", Data: r.neurons},
		engine.StateVar{Name: r.prefix + "last_spikes", Data: &r.lastSpikes},
	)
}

// sizeFrom gives the figure's slices the lengths the checkpoint h holds,
// within the bounds the figure keeps, so that loading fills them in place.
func (r *figureRecorder[T]) sizeFrom(h *checkpoint.Header, file string) error {
	size := func(name string, limit int) (int, error) {
		for _, v := range h.Vars {
			if v.Name == name {
				if v.Len < 0 || v.Len > int64(limit) {
					return 0, fmt.Errorf("checkpoint %s holds %d values of %s, more than the %d the figure keeps", file, v.Len, name, limit)
				}
				return int(v.Len), nil
			}
		}
		return 0, fmt.Errorf("checkpoint %s lacks %s", file, name)
	}
	for i := range r.traces {
		n, err := size(r.prefix+r.traces[i].name, r.maxSteps)
		if err != nil {
			return err
		}
		r.traces[i].data = make([]float64, n, r.maxSteps)
	}
	n, err := size(r.prefix+"counts", r.maxSteps)
	if err != nil {
		return err
	}
	r.counts = make([]int64, n, r.maxSteps)
	if n, err = size(r.prefix+"raster_steps", rasterMaxSpikes); err != nil {
		return err
	}
	r.steps, r.neurons = make([]int64, n), make([]int64, n)
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

func (r *figureRecorder[T]) data(p engine.Params, batch, n int) figure.Data {
	neuron := r.traces[0].neuron
	d := figure.Data{
		Dt: p.Dt, Threshold: p.Threshold, Neuron: neuron, Trial: 0,
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
