package session

import (
	"fmt"
	"path/filepath"
	"strconv"

	"leaky/engine"
	"leaky/figure"
	"leaky/netfile"
)

// Limits on what the figure keeps, so that its memory stays bounded on long
// runs: a figure cannot show more anyway.
const (
	// figureMaxSteps is the longest stretch of traces the figure keeps.
	figureMaxSteps = 1 << 20
	// neuronRaster is the number of neurons (of trial 0) in the raster of
	// the notebook figure, networkRaster of each population's raster.
	neuronRaster  = 200
	networkRaster = 400
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
// population's spike count at every step. Its data is part of every
// checkpoint, so a resumed run draws the figure an uninterrupted one
// would.
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
	spiking        bool // the raster and rate are drawn
}

func newFigureRecorder[T engine.Float](pop *engine.Population[T], prefix string, steps, raster int, traces []figureTrace) *figureRecorder[T] {
	keep := min(steps, figureMaxSteps)
	for i := range traces {
		traces[i].data = make([]float64, 0, keep)
	}
	return &figureRecorder[T]{pop: pop, prefix: prefix, traces: traces, maxSteps: keep, rasterNeurons: raster, counts: make([]int64, 0, keep)}
}

func (r *figureRecorder[T]) Population() *engine.Population[T] { return r.pop }

func (r *figureRecorder[T]) Reserve(int) error { return nil }

func (r *figureRecorder[T]) RecordState(t int) error {
	if t >= r.maxSteps {
		return nil
	}
	p := r.pop
	for i := range r.traces {
		tr := &r.traces[i]
		if tr.v == engine.VarIin {
			tr.data = append(tr.data, float64(p.InputOf(0, tr.neuron)))
			continue
		}
		tr.data = append(tr.data, float64(p.Trial(tr.v, 0)[tr.neuron]))
	}
	return nil
}

// ReadsState reports whether RecordState reads the population's state:
// when the figure shows traces.
func (r *figureRecorder[T]) ReadsState() bool { return len(r.traces) > 0 }

// StateNeurons names the traced neurons of trial 0, so that a population
// stepped in blocks keeps their state step by step (engine/blocked.go)
// instead of staging the whole population's.
func (r *figureRecorder[T]) StateNeurons() [][2]int {
	out := make([][2]int, len(r.traces))
	for i, tr := range r.traces {
		out[i] = [2]int{0, tr.neuron}
	}
	return out
}

// ReadsInput is false: the notebook's figure reads its neuron's input
// current through Population.InputOf, so the population may step fused
// (engine/fused.go), without writing Iin, as workload d's does.
func (r *figureRecorder[T]) ReadsInput() bool { return false }

func (r *figureRecorder[T]) RecordSpikes(t int) error {
	total := r.pop.SpikeCount()
	if t >= r.maxSteps {
		r.lastSpikes = total
		return nil
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
	return nil
}

// StateVars lists the figure's data for checkpoints: slices that grow
// with the run, restored to their saved lengths within what the figure
// keeps.
func (r *figureRecorder[T]) StateVars() []engine.StateVar {
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

// raster returns the raster's points as the figure takes them.
func (r *figureRecorder[T]) raster() *figure.Raster {
	// A restored checkpoint sets both lengths; a crafted one could make
	// them differ.
	n := min(len(r.steps), len(r.neurons))
	out := &figure.Raster{Steps: make([]int, n), Neurons: make([]int, n), Rows: min(r.pop.N, r.rasterNeurons)}
	for i := range n {
		out.Steps[i], out.Neurons[i] = int(r.steps[i]), int(r.neurons[i])
	}
	return out
}

// figurePlan is what figure.png shows: one recorder per population drawn,
// and how to lay out their panels.
type figurePlan[T engine.Float] struct {
	notebook bool // the seed notebook's figure of one neuron
	title    string
	dt       float64
	steps    int
	recs     []*figureRecorder[T]
}

// planFigure decides the figure from the description: the notebook's
// figure of one neuron when d.Figure says so, otherwise every recorded
// population's raster and rate (when its spikes are recorded, as a list or
// as s) and V of up to three of its recorded neurons. It returns nil when there is nothing
// to draw.
func planFigure[T engine.Float](d *netfile.File, pops []*engine.Population[T]) *figurePlan[T] {
	steps, dt := *d.Run.Steps, *d.Run.Dt
	plan := &figurePlan[T]{dt: dt, steps: steps, title: filepath.Base(d.Path)}
	if fig := d.Figure; fig != nil {
		plan.notebook = true
		var pop *engine.Population[T]
		for _, p := range pops {
			if p.Name == fig.Population {
				pop = p
			}
		}
		r := newFigureRecorder(pop, "figure/", steps, neuronRaster, []figureTrace{
			{name: "v", v: engine.VarV, neuron: *fig.Neuron},
			{name: "isyn", v: engine.VarI, neuron: *fig.Neuron},
			{name: "iinp", v: engine.VarIin, neuron: *fig.Neuron},
		})
		r.spiking = pop.N > 1
		plan.recs = append(plan.recs, r)
		return plan
	}
	recs := d.Recordings()
	for i, pop := range pops {
		spiking := false
		var neurons []int
		for _, r := range recs {
			switch {
			case r.Pop != i:
			case r.Spikes || r.Var == engine.VarS:
				spiking = true
			case r.Var == engine.VarV && neurons == nil:
				neurons = r.Neurons
				if neurons == nil {
					neurons = []int{0, 1, 2}[:min(pop.N, 3)]
				}
				neurons = neurons[:min(len(neurons), 3)]
			}
		}
		if !spiking && neurons == nil {
			continue
		}
		var traces []figureTrace
		for k, n := range neurons {
			traces = append(traces, figureTrace{name: "v" + strconv.Itoa(k), v: engine.VarV, neuron: n})
		}
		r := newFigureRecorder(pop, "figure/"+pop.Name+"/", steps, networkRaster, traces)
		r.spiking = spiking
		plan.recs = append(plan.recs, r)
	}
	if len(plan.recs) == 0 {
		return nil
	}
	return plan
}

// memory is what the figure's recorders hold: a float64 per kept step for
// each trace and the spike count.
func (p *figurePlan[T]) memory(m *engine.Memory) error {
	for _, r := range p.recs {
		if err := m.AddRecorder("figure", int64(r.maxSteps), 8*int64(1+len(r.traces))); err != nil {
			return err
		}
	}
	return nil
}

// figure lays out the panels.
func (p *figurePlan[T]) figure() figure.Figure {
	if p.notebook {
		r := p.recs[0]
		pop := r.pop
		v := r.traces[0].data
		vm := make([]float64, len(v))
		theta := pop.Neuron.Threshold
		for i, x := range v {
			// As the notebook's Vm[Vm > θ] = 5θ: a spike is drawn as a
			// spike.
			if pop.Neuron.Kind.Spiking() && x > theta {
				x = 5 * theta
			}
			vm[i] = x
		}
		title := "neuron " + strconv.Itoa(r.traces[0].neuron)
		if pop.Batch > 1 {
			title += " of trial 0"
		}
		if len(v) < len(r.counts) || len(v) == figureMaxSteps {
			title += " (first " + strconv.Itoa(len(v)) + " steps)"
		}
		f := figure.Figure{Title: title, Dt: p.dt, Steps: len(v), RowHeight: 1.6, DPI: 110, Panels: []figure.Panel{
			{Label: "Vm", Traces: [][]float64{vm}},
			{Label: "I_syn", Traces: [][]float64{r.traces[1].data}},
			{Label: "I_inp", Traces: [][]float64{r.traces[2].data}},
		}}
		if r.spiking {
			f.Panels = append(f.Panels,
				figure.Panel{Label: "neuron", Raster: r.raster()},
				figure.Panel{Label: "rate (Hz)", Rate: &figure.Rate{Counts: r.counts, Neurons: pop.N * pop.Batch}})
		}
		return f
	}
	f := figure.Figure{Title: p.title, Dt: p.dt, Steps: p.steps, RowHeight: 1.4, DPI: 100}
	for _, r := range p.recs {
		pop := r.pop
		if r.spiking {
			f.Panels = append(f.Panels,
				figure.Panel{Label: pop.Name + " neuron", Raster: r.raster()},
				figure.Panel{Label: pop.Name + " rate (Hz)", Rate: &figure.Rate{Counts: r.counts, Neurons: pop.N * pop.Batch}})
		}
		if len(r.traces) > 0 {
			pn := figure.Panel{Label: pop.Name + " V"}
			for _, tr := range r.traces {
				pn.Traces = append(pn.Traces, tr.data)
				pn.Legend = append(pn.Legend, fmt.Sprintf("neuron %d", tr.neuron))
			}
			f.Panels = append(f.Panels, pn)
		}
	}
	return f
}
