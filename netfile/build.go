package netfile

import (
	"fmt"
	"path/filepath"

	"leaky/engine"
	"leaky/internal/hugepage"
	"leaky/npy"
)

// Net is a network built from a file, with handles to its parts.
type Net[T engine.Float] struct {
	// File is the description it was built from.
	File *File
	// Net is the engine network.
	Net *engine.Network[T]
	// Pops are the populations and Sources the sources, in file order.
	Pops    []*engine.Population[T]
	Sources []engine.Source[T]
	// Projections are in file order.
	Projections []engine.Projection[T]
	// Spikes and Traces are the recorders, by population name; Traces is
	// keyed by population name then variable name (v, isyn, iinp).
	Spikes map[string]*engine.SpikeRecorder[T]
	Traces map[string]map[string]*engine.Trace[T]
}

// Build builds the network f describes, with in-memory recorders (Spikes,
// Traces) for what its recorders ask, drawing its random parts on all
// cores.
func Build[T engine.Float](f *File) (*Net[T], error) {
	n, err := BuildNetwork[T](f, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Recordings() {
		pop := n.Pops[r.Pop]
		if r.Spikes {
			n.Spikes[pop.Name] = engine.NewSpikeRecorder(pop)
			n.Net.AddRecorder(n.Spikes[pop.Name])
			continue
		}
		if n.Traces[pop.Name] == nil {
			n.Traces[pop.Name] = map[string]*engine.Trace[T]{}
		}
		if n.Traces[pop.Name][r.VarName] != nil {
			continue // recorded into another file too: the same values (Check)
		}
		tr, err := engine.NewTrace(pop, r.Var, r.Neurons)
		if err != nil {
			return nil, f.errorf("recorders of %q: %w", pop.Name, err)
		}
		n.Traces[pop.Name][r.VarName] = tr
		n.Net.AddRecorder(tr)
	}
	return n, nil
}

// BuildNetwork builds the network f describes without recorders, for a
// caller that records in its own way (leaky run streams to files). Random
// draws are keyed by the run seed and by position in the file: population
// i's initial V uses stream i, source i's Poisson spikes stream i, and
// projection k's connectivity and weights stream k, so a network built in
// Go with the same streams is identical bit for bit. The draws — initial
// states, weights, sparse connectivity — run on threads threads (< 1: all
// cores), with the same bits on any number; the network steps on as many
// as its SetThreads says.
func BuildNetwork[T engine.Float](f *File, threads int) (*Net[T], error) {
	return BuildRank[T](f, threads, 0, 1)
}

// BuildRank builds rank's share of the network f describes split over
// ranks ranks (BuildNetwork for one): every population holds only the
// rank's block (engine's NewHeldPopulation), so its random sparse and dense
// projections draw only the weights onto that block, with the bits the
// whole network has there. Split the network with SetRanks before
// stepping it.
func BuildRank[T engine.Float](f *File, threads, rank, ranks int) (*Net[T], error) {
	dt, batch, seed := *f.Run.Dt, *f.Run.Batch, f.Run.Seed
	n := &Net[T]{File: f, Net: engine.NewNetwork[T](), Spikes: map[string]*engine.SpikeRecorder[T]{}, Traces: map[string]map[string]*engine.Trace[T]{}}
	for i, p := range f.Populations {
		np, err := f.neuron(i)
		if err != nil {
			return nil, f.errorf("%w", err)
		}
		var pop *engine.Population[T]
		if ranks > 1 {
			lo, hi := engine.BlockOf(p.Size, rank, ranks)
			pop, err = engine.NewHeldPopulation[T](p.Name, batch, p.Size, np, lo, hi)
		} else {
			pop, err = engine.NewPopulation[T](p.Name, batch, p.Size, np)
		}
		if err != nil {
			return nil, f.errorf("populations[%d]: %w", i, err)
		}
		if p.Init != nil && p.Init.V != nil {
			if err := pop.InitV(p.Init.V.engine(), seed, uint64(i), threads); err != nil {
				return nil, f.errorf("populations[%d].init.v: %w", i, err)
			}
		}
		if err := initReceptors(f, i, pop, threads); err != nil {
			return nil, f.errorf("%w", err)
		}
		n.Pops = append(n.Pops, pop)
		n.Net.AddPopulation(pop)
	}
	for i, s := range f.Sources {
		var src engine.Source[T]
		switch {
		case s.Poisson != nil:
			p, err := engine.NewPoisson[T](s.Name, batch, s.Poisson.Size, s.Poisson.Rate, dt, seed, uint64(i))
			if err != nil {
				return nil, f.errorf("sources[%d].poisson: %w", i, err)
			}
			src = p
		case s.Input != nil:
			fd, err := engine.NewFeed[T](s.Name, batch, s.Input.Size)
			if err != nil {
				return nil, f.errorf("sources[%d].input: %w", i, err)
			}
			src = fd
		default:
			a, err := arraySource[T](f, i, batch)
			if err != nil {
				return nil, err
			}
			src = a
		}
		n.Sources = append(n.Sources, src)
		n.Net.AddSource(src)
	}
	for k := range f.Projections {
		pr, err := buildProjection(f, n, k, threads)
		if err != nil {
			return nil, err
		}
		if err := n.Net.AddProjection(pr); err != nil {
			return nil, f.errorf("projections[%d]: %w", k, err)
		}
		n.Projections = append(n.Projections, pr)
		if p := f.Projections[k]; p.Bias != nil {
			post := n.Pops[f.population(p.Target)]
			v, err := biasValues(f, post, k)
			if err != nil {
				return nil, err
			}
			b, err := engine.NewBias(p.Name+"/bias", post, f.receptorIndex(k), v, p.BiasFrom)
			if err != nil {
				return nil, f.errorf("projections[%d].bias: %w", k, err)
			}
			if err := n.Net.AddProjection(b); err != nil {
				return nil, f.errorf("projections[%d].bias: %w", k, err)
			}
		}
	}
	return n, nil
}

// errorf reports a problem found while building, at the key path its
// message starts with.
func (f *File) errorf(format string, args ...any) error {
	return keyed(f.Path, fmt.Errorf(format, args...))
}

// resolve makes a .npy path in the file relative to the file's directory.
func (f *File) resolve(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(f.Path), p)
}

// arraySource loads source i's .npy file: (steps, batch, size), or (steps,
// size) repeated for every trial.
func arraySource[T engine.Float](f *File, i, batch int) (engine.Source[T], error) {
	s := f.Sources[i]
	at := fmt.Sprintf("sources[%d].array.file", i)
	a, err := npy.Read(f.resolve(s.Array.File))
	if err != nil {
		return nil, f.errorf("%s: %w", at, err)
	}
	steps, size, repeat, err := s.Array.layout(a.Shape, batch)
	if err != nil {
		return nil, f.errorf("%s: %s %w", at, s.Array.File, err)
	}
	x := make([]T, 0, steps*batch*size)
	for t := 0; t < steps; t++ {
		for b := 0; b < batch; b++ {
			row := a.Data[(t*batch+b)*size:]
			if repeat {
				row = a.Data[t*size:]
			}
			for _, v := range row[:size] {
				x = append(x, T(v))
			}
		}
	}
	src, err := engine.NewArray(s.Name, x, steps, batch, size)
	if err != nil {
		return nil, f.errorf("%s: %w", at, err)
	}
	return src, nil
}

// maxElements is the most values one slice may hold here, as in engine.
const maxElements = 1<<31 - 1

// receptorIndex is the index of projection k's target receptor.
func (f *File) receptorIndex(k int) int {
	p := f.Projections[k]
	for j, name := range f.receptorNames(f.population(p.Target)) {
		if name == p.Receptor {
			return j
		}
	}
	return 0
}

// presynaptic finds a projection's source by name.
func (n *Net[T]) presynaptic(name string) engine.Presynaptic[T] {
	if i := n.File.population(name); i >= 0 {
		return n.Pops[i]
	}
	return n.Sources[n.File.source(name)]
}

// defaultScale is the seed's weight scale 7(1−β)/√rows onto post, which
// needs one β for all its neurons.
func defaultScale[T engine.Float](f *File, post *engine.Population[T], rows int, at string) (float64, error) {
	if pn := post.Neuron.PerNeuron; pn != nil && pn.TauMem != nil {
		return 0, f.errorf("%s.weight: default and notebook weights are drawn with 7(1−β)/√n_in, and β differs between the neurons of %q; give the weights", at, post.Name)
	}
	return engine.DefaultWeightScale(post.Neuron.Beta(), rows), nil
}

// buildProjection builds projection k, drawing its weights on threads
// threads.
func buildProjection[T engine.Float](f *File, n *Net[T], k, threads int) (engine.Projection[T], error) {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d]", k)
	pre := n.presynaptic(p.Source)
	ti := f.population(p.Target)
	post := n.Pops[ti]
	receptor := f.receptorIndex(k)
	switch p.Type {
	case "identity":
		id, err := engine.NewIdentity(p.Name, pre, post, receptor)
		if err != nil {
			return nil, f.errorf("%s: %w", at, err)
		}
		if err := id.SetInput(receptor, p.Delay); err != nil {
			return nil, f.errorf("%s: %w", at, err)
		}
		if p.Weight != nil {
			g, err := gainValues[T](f, post, k)
			if err != nil {
				return nil, err
			}
			if err := id.SetGain(g); err != nil {
				return nil, f.errorf("%s.weight: %w", at, err)
			}
		}
		return id, nil
	case "conv1d", "conv2d", "sum_pool2d", "avg_pool2d":
		return buildLayer(f, pre, post, receptor, k)
	}
	sign, _ := engine.ParseSign(p.Sign)
	seed := f.Run.Seed
	if p.Type == "dense" {
		rows, cols := pre.Size(), post.N
		if p.Procedural {
			if a, ok := pre.(*engine.Array[T]); ok && !a.Binary {
				return nil, f.errorf("%s.procedural: needs spiking (0/1) input, but source %q is analog", at, p.Source)
			}
			if fd, ok := pre.(*engine.Feed[T]); ok {
				fd.SpikesOnly = true
			}
			scale, err := defaultScale(f, post, rows, at)
			if err != nil {
				return nil, err
			}
			pr, err := engine.NewProcedural[T](p.Name, pre, post, scale, seed, uint64(k))
			if err != nil {
				return nil, f.errorf("%s: %w", at, err)
			}
			return pr, nil
		}
		if rows > 0 && cols > maxElements/rows {
			return nil, f.errorf("%s: %d × %d weights is more than one array can address", at, rows, cols)
		}
		var d *engine.Dense[T]
		if p.Weight.Notebook {
			scale, err := defaultScale(f, post, rows, at)
			if err != nil {
				return nil, err
			}
			d, err = engine.NewNotebookDense(p.Name, pre, post, scale, seed, uint64(k), threads)
			if err != nil {
				return nil, f.errorf("%s: %w", at, err)
			}
		} else {
			w, err := denseWeights(f, p, post, rows, cols, sign, seed, k, threads, at)
			if err != nil {
				return nil, err
			}
			if d, err = engine.NewDense(p.Name, pre, post, w); err != nil {
				return nil, f.errorf("%s: %w", at, err)
			}
		}
		if err := d.SetInput(receptor, p.Delay); err != nil {
			return nil, f.errorf("%s: %w", at, err)
		}
		return d, nil
	}
	if p.P != nil {
		autapses := p.Autapses == nil || *p.Autapses
		sp, err := engine.NewRandomSparse(p.Name, pre, post, engine.RandomSparse{
			P: *p.P, NoSelf: !autapses && p.Source == p.Target, Weight: p.Weight.Dist.engine(), Sign: sign,
			Receptor: receptor, Delay: p.Delay, Seed: seed, Stream: uint64(k), Threads: threads,
		})
		if err != nil {
			return nil, f.errorf("%s: %w", at, err)
		}
		return sp, nil
	}
	lo, hi := post.Held()
	pres, posts, w, delay, all, err := readSynapses[T](f, k, pre.Size(), post.N, lo, hi)
	if err != nil {
		return nil, err
	}
	sp, err := engine.NewSparse(p.Name, pre, post, receptor, pres, posts, w, delay)
	if err != nil {
		return nil, f.errorf("%s.synapses: %w", at, err)
	}
	if err := sameDelayGroups(sp, post, receptor, all); err != nil {
		return nil, f.errorf("%s.synapses: %w", at, err)
	}
	return sp, nil
}

// denseWeights reads or draws the weights of dense projection p (neither
// procedural nor the notebook's) for the columns post holds.
func denseWeights[T engine.Float](f *File, p Projection, post *engine.Population[T], rows, cols int, sign engine.Sign, seed uint64, k, threads int, at string) ([]T, error) {
	lo, hi := post.Held() // a rank's columns
	w := hugepage.Make[T](rows * (hi - lo))
	switch {
	case p.Weight.File != "":
		// Only the rank's columns are read (columns.read).
		c, err := f.openColumns(p.Weight)
		if err != nil {
			return nil, f.errorf("%s.weight.file: %w", at, err)
		}
		defer c.Close()
		if len(c.Shape) != 2 || c.Shape[0] != rows || c.Shape[1] != cols {
			return nil, f.errorf("%s.weight.file: %s has shape %s; want (%d, %d) for %q → %q", at, p.Weight.File, npy.FormatShape(c.Shape), rows, cols, p.Source, p.Target)
		}
		var bad firstBad
		err = c.read(lo, hi, func(i, j int, v float64) {
			bad.check(i, j, v)
			w[i*(hi-lo)+j-lo] = T(sign.Apply(v))
		})
		if err != nil {
			return nil, f.errorf("%s.weight.file: %w", at, err)
		}
		if bad.set {
			return nil, f.errorf("%s.weight.file: %s: weight [%d, %d] is %v; weights must be finite", at, p.Weight.File, bad.i, bad.j, bad.v)
		}
	default:
		d := p.Weight.Dist.engine()
		if p.Weight.Default {
			scale, err := defaultScale(f, post, rows, at)
			if err != nil {
				return nil, err
			}
			d = engine.Normal(0, scale)
		}
		if err := engine.FillWeightColumns(w, rows, cols, lo, hi, d, sign, seed, uint64(k), threads); err != nil {
			return nil, f.errorf("%s.weight: %w", at, err)
		}
	}
	return w, nil
}
