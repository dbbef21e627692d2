package netfile

import (
	"fmt"
	"math"

	"leaky/engine"
	"leaky/npy"
)

// Recording is one thing a network file asks to record: a population's
// spikes, or one state variable of some of its neurons.
type Recording struct {
	// Pop is the population's index in the file.
	Pop int
	// Spikes is set for spike recording; otherwise Var (named VarName)
	// of Neurons (nil: all) is recorded.
	Spikes  bool
	Var     engine.Var
	VarName string
	Neurons []int
	// File is the name of its output file (see Recorder.File).
	File string
}

// Recordings lists what the file's recorders ask for, in file order, with
// a population's spikes once however often they are listed. Build records
// them in memory; leaky run streams them to files.
func (f *File) Recordings() []Recording {
	var out []Recording
	spikes := map[int]bool{}
	for _, rec := range f.Recorders {
		pi := f.population(rec.Population)
		for _, v := range rec.Vars {
			if v == "spikes" {
				if !spikes[pi] {
					spikes[pi] = true
					out = append(out, Recording{Pop: pi, Spikes: true, VarName: v, File: outputName(rec.File, v, rec.Population)})
				}
				continue
			}
			out = append(out, Recording{Pop: pi, Var: varNames[v], VarName: v, Neurons: rec.Neurons, File: outputName(rec.File, v, rec.Population)})
		}
	}
	return out
}

// DataFile is a .npy file a network file refers to, or an HDF5 file (a
// NIR graph) it reads a dataset of.
type DataFile struct {
	// Key is the key path naming it, e.g. projections[2].synapses.pre.
	Key string
	// Path is the file, resolved against the network file's directory.
	Path string
	// Dataset is the object path read from an HDF5 file, "" for a .npy.
	Dataset string
}

// DataFiles lists the .npy (and HDF5) files the network refers to, in file order, so
// that a description of the run can cover their contents.
func (f *File) DataFiles() []DataFile {
	var out []DataFile
	add := func(key, p, dataset string) {
		if p != "" {
			out = append(out, DataFile{Key: key, Path: f.resolve(p), Dataset: dataset})
		}
	}
	for i, s := range f.Sources {
		if s.Array != nil {
			add(fmt.Sprintf("sources[%d].array.file", i), s.Array.File, "")
		}
	}
	for i := range f.Populations {
		for _, q := range f.Populations[i].Params.params() {
			if q.p != nil {
				add(fmt.Sprintf("populations[%d].params.%s.file", i, q.key), q.p.File, q.p.Dataset)
			}
		}
	}
	for k, p := range f.Projections {
		at := fmt.Sprintf("projections[%d]", k)
		if p.Weight != nil {
			add(at+".weight.file", p.Weight.File, p.Weight.Dataset)
		}
		if p.Bias != nil {
			add(at+".bias.file", p.Bias.File, p.Bias.Dataset)
		}
		if s := p.Synapses; s != nil {
			add(at+".synapses.pre", s.Pre, "")
			add(at+".synapses.post", s.Post, "")
			add(at+".synapses.weight", s.Weight, "")
			add(at+".synapses.delay", s.Delay, "")
		}
	}
	return out
}

// Memory estimates what the network holds in memory once built, from the
// file and the shapes in the headers of its .npy files, before anything
// large is allocated: every population's state (extra receptors,
// refractory counters, delay rings), dense weights, sparse projections'
// CSR arrays (the expected synapse count plus four standard deviations for
// random ones), sources' inputs, and in-memory recorders when inMemory is
// set (leaky run streams them instead and adds its own buffers). elem is 4
// or 8 bytes per value.
func (f *File) Memory(elem int, inMemory bool) (engine.Memory, error) {
	return f.MemoryOfRank(elem, inMemory, 0, 1)
}

// MemoryOfRank is Memory for rank of ranks: a rank holds only its own
// block of each population (engine.BlockOf; see BuildRank) — its state,
// delay rings and per-neuron parameters, and the weights onto it — so
// these, dense weights, drawn or read from a file (of which it reads only
// its columns), random sparse synapses and the synapses of a list onto its
// block (counted by reading the list's post file in spans) count for its
// block alone. Spike bitmasks and lists, the exchange's result, are whole
// on every rank, and so are the weights of convolutions, gains and biases,
// which count in full; rank 0 adds the copy of the neurons its recorders
// trace, up to the last (engine's Trial).
func (f *File) MemoryOfRank(elem int, inMemory bool, rank, ranks int) (engine.Memory, error) {
	var m engine.Memory
	steps, batch := *f.Run.Steps, *f.Run.Batch
	// Delay depth and delayed receptors per population, from the
	// projections' delay keys. A per-synapse delay file would have to be
	// read to know its longest delay, so its ring is not counted.
	depth := make([]int, len(f.Populations))
	delayed := make([]map[string]bool, len(f.Populations))
	for _, p := range f.Projections {
		ti := f.population(p.Target)
		if p.Delay == 0 {
			continue
		}
		depth[ti] = max(depth[ti], p.Delay)
		if delayed[ti] == nil {
			delayed[ti] = map[string]bool{}
		}
		r := p.Receptor
		if r == "" {
			r = f.receptorNames(ti)[0]
		}
		delayed[ti][r] = true
	}
	nps := make([]engine.NeuronParams, len(f.Populations))
	for i := range f.Populations {
		var err error
		if nps[i], err = f.neuron(i); err != nil {
			return m, err
		}
	}
	blocked := ranks <= 1 && f.mayStepInBlocks(nps)
	staged := make([]bool, len(f.Populations))
	for _, r := range f.Recordings() {
		staged[r.Pop] = staged[r.Pop] || !r.Spikes && engine.StagesState(batch, r.Neurons)
	}
	for i, p := range f.Populations {
		np := nps[i]
		s := engine.PopulationShape{
			Name: p.Name, Elem: elem, Batch: batch, N: p.Size, Receptors: len(np.TauSyn),
			Refractory: np.Kind.Spiking() && np.Refractory > 1,
			DelayDepth: depth[i], DelayedReceptors: len(delayed[i]), Spiking: np.Kind.Spiking(),
			Blocked: blocked, StagedState: staged[i],
		}
		held := p.Size
		if ranks > 1 {
			lo, hi := engine.BlockOf(p.Size, rank, ranks)
			s.Block, held = &[2]int{lo, hi}, hi-lo
		}
		if err := m.AddNeurons(s); err != nil {
			return m, fmt.Errorf("populations[%d]: %w", i, err)
		}
		if np.PerNeuron != nil && held > 0 {
			// β, v_leak, g, θ, v_reset and σ, and α_k and h_k per
			// receptor, one of each per neuron held.
			if err := m.AddWeights(p.Name+"/params", elem, 6+2*len(np.TauSyn), held); err != nil {
				return m, fmt.Errorf("populations[%d].params: %w", i, err)
			}
		}
	}
	for i, s := range f.Sources {
		at := fmt.Sprintf("sources[%d]", i)
		if s.Poisson != nil || s.Input != nil {
			// One spike list per trial that can hold every input; a fed
			// source's values are the caller's.
			size := s.size()
			if err := m.AddInput(s.Name, int64(batch)*int64(size), 4); err != nil {
				return m, fmt.Errorf("%s: %w", at, err)
			}
			continue
		}
		n, dims, err := f.npyCount(s.Array.File)
		if err != nil {
			return m, fmt.Errorf("%s.array.file: %w", at, err)
		}
		if dims == 1+max(len(s.Array.Shape), 1) {
			n = satMul(n, int64(batch)) // one array for every trial
		}
		// Read decodes to float64 and the source keeps T: both live at
		// the peak.
		if err := m.AddInput(s.Name, n, 8+int64(elem)); err != nil {
			return m, fmt.Errorf("%s: %w", at, err)
		}
	}
	for k, p := range f.Projections {
		at := fmt.Sprintf("projections[%d]", k)
		ti := f.population(p.Target)
		nIn := f.presynapticSize(p.Source)
		nOut := f.Populations[ti].Size
		lo, hi := engine.BlockOf(nOut, rank, ranks)
		nOut = hi - lo
		switch {
		case p.Type == "dense" && p.Procedural, p.Type == "identity", p.Type == "sum_pool2d", p.Type == "avg_pool2d":
			// No weights are stored: regenerated on every spike, or none.
		case p.Type == "conv2d" || p.Type == "conv1d":
			g, outC, err := f.layerGeometry(k)
			if err != nil {
				return m, err
			}
			if err := m.AddWeights(p.Name, elem, outC, g.InC/max(g.Groups, 1)*g.KH*g.KW); err != nil {
				return m, fmt.Errorf("%s: %w", at, err)
			}
		case p.Type == "dense":
			if err := m.AddWeights(p.Name, elem, nIn, nOut); err != nil {
				return m, fmt.Errorf("%s: %w", at, err)
			}
		case p.P != nil:
			pairs := float64(nIn) * float64(nOut)
			if p.Source == p.Target && p.Autapses != nil && !*p.Autapses {
				pairs -= float64(min(nIn, nOut))
			}
			mean := *p.P * pairs
			syn := math.Min(pairs, math.Ceil(mean+4*math.Sqrt(mean*(1-*p.P))))
			// A constant weight is shared by every synapse, not stored.
			shared := p.Weight != nil && !p.Weight.Default && !p.Weight.Notebook && p.Weight.File == "" && p.Weight.Dist.engine().Kind == engine.DistConst
			if err := m.AddSparse(p.Name, elem, nIn, nOut, int64(math.Min(syn, math.MaxInt64/2)), 1, shared); err != nil {
				return m, fmt.Errorf("%s: %w", at, err)
			}
		default:
			n, _, err := f.npyCount(p.Synapses.Pre)
			if err != nil {
				return m, fmt.Errorf("%s.synapses.pre: %w", at, err)
			}
			if ranks > 1 {
				if n, err = f.synapsesOnto(k, lo, hi); err != nil {
					return m, fmt.Errorf("%s.synapses.post: %w", at, err)
				}
			}
			// Per-synapse delays split the synapses into groups of one
			// delay each; their number is unknown until the file is read,
			// so one group is counted.
			if err := m.AddSparse(p.Name, elem, nIn, nOut, n, 1, false); err != nil {
				return m, fmt.Errorf("%s: %w", at, err)
			}
		}
	}
	for k, p := range f.Projections {
		if p.Bias != nil {
			if err := m.AddWeights(p.Name+"/bias", elem, 1, f.Populations[f.population(p.Target)].Size); err != nil {
				return m, fmt.Errorf("projections[%d].bias: %w", k, err)
			}
		}
	}
	if ranks > 1 && rank == 0 {
		if err := f.addSeen(&m, elem); err != nil {
			return m, err
		}
	}
	if inMemory {
		held := map[string]bool{} // a variable recorded into two files is held once
		for _, r := range f.Recordings() {
			pop := f.Populations[r.Pop]
			if held[pop.Name+"/"+r.VarName] {
				continue
			}
			held[pop.Name+"/"+r.VarName] = true
			if r.Spikes {
				// Per-step counts; the spikes themselves grow as they come.
				if err := m.AddRecorder(pop.Name+"/spikes", int64(steps), 8); err != nil {
					return m, err
				}
				continue
			}
			width := pop.Size
			if r.Neurons != nil {
				width = len(r.Neurons)
			}
			if err := m.AddRecorderSteps(pop.Name+"/"+r.VarName, steps, batch, width, elem); err != nil {
				return m, err
			}
		}
	}
	return m, nil
}

// addSeen adds rank 0's copy of the state its recorders trace, over
// ranks: V, I and Iin of every trial's neurons up to the last traced of
// each population, whose values the other ranks hold.
func (f *File) addSeen(m *engine.Memory, elem int) error {
	last := make([]int, len(f.Populations)) // 1 + the last traced neuron
	for _, r := range f.Recordings() {
		if r.Spikes || r.Var == engine.VarS {
			continue
		}
		if r.Neurons == nil {
			last[r.Pop] = f.Populations[r.Pop].Size
		}
		for _, j := range r.Neurons {
			last[r.Pop] = max(last[r.Pop], j+1)
		}
	}
	if fig := f.Figure; fig != nil && fig.Neuron != nil {
		if i := f.population(fig.Population); i >= 0 {
			last[i] = max(last[i], *fig.Neuron+1)
		}
	}
	for i, n := range last {
		if n > 0 {
			if err := m.AddRecorder(f.Populations[i].Name+"/traced", 3*int64(*f.Run.Batch)*int64(n), int64(elem)); err != nil {
				return err
			}
		}
	}
	return nil
}

// npyCount reads the header of the .npy file at p (relative to the
// network file) and returns its number of elements, saturated at
// MaxInt64, and of dimensions.
func (f *File) npyCount(p string) (n int64, dims int, err error) {
	shape, err := npy.ReadShape(f.resolve(p))
	if err != nil {
		return 0, 0, err
	}
	n = 1
	for _, d := range shape {
		n = satMul(n, int64(d))
	}
	return n, len(shape), nil
}

// satMul multiplies non-negative sizes, saturating instead of overflowing,
// so that a huge shape reaches the estimate's own overflow check.
func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// presynapticSize is the size of the population or source called name.
// mayStepInBlocks reports whether the engine may step the network in
// blocks as far as the file tells (engine.PopulationShape.Blocked): every
// population, of neurons nps, in the seed form and fed only by undelayed
// dense projections from Poisson and array sources, and no projection
// reading a population.
func (f *File) mayStepInBlocks(nps []engine.NeuronParams) bool {
	fed := make([]bool, len(f.Populations))
	for _, p := range f.Projections {
		if f.population(p.Source) >= 0 || p.Type != "dense" || p.Delay != 0 {
			return false
		}
		if s := f.Sources[f.source(p.Source)]; s.Poisson == nil && s.Array == nil {
			return false
		}
		fed[f.population(p.Target)] = true
	}
	for i, np := range nps {
		if !fed[i] || !np.SeedForm() {
			return false
		}
	}
	return true
}

func (f *File) presynapticSize(name string) int {
	if i := f.population(name); i >= 0 {
		return f.Populations[i].Size
	}
	s := f.Sources[f.source(name)]
	if s.Array == nil {
		return s.size()
	}
	if len(s.Array.Shape) > 0 {
		n := 1
		for _, d := range s.Array.Shape {
			n *= d
		}
		return n
	}
	if shape, err := npy.ReadShape(f.resolve(s.Array.File)); err == nil && len(shape) > 0 {
		return shape[len(shape)-1]
	}
	return 0
}

// size is the number of inputs of a Poisson or caller-fed source (an
// array's is in its file).
func (s *Source) size() int {
	switch {
	case s.Poisson != nil:
		return s.Poisson.Size
	case s.Input != nil:
		return s.Input.Size
	}
	return 0
}
