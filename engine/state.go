package engine

// StateVar is one piece of simulation state that a checkpoint must save and
// restore in place. Data is a pointer to a counter (*int, *int64) or a slice
// ([]float32, []float64, []int32, []int64, []uint64) whose length is fixed
// by the network's shape.
type StateVar struct {
	// Name is unique within the network, e.g. "pop/lif/V".
	Name string
	// Data points at the state.
	Data any
}

// Stateful is implemented by every part of a network that carries state
// from one step to the next. Parts whose behaviour depends only on the step
// index (keyed random sources, recorded arrays) need not implement it.
type Stateful interface {
	// StateVars lists the part's state.
	StateVars() []StateVar
}

// StateVars lists the population's state: V, I, Iin, the last step's spike
// bitmask and the spike count, then what a general neuron or delayed input
// adds (extra receptor currents, refractory counters, delay rings).
func (p *Population[T]) StateVars() []StateVar {
	pre := "pop/" + p.Name + "/"
	return append([]StateVar{
		{pre + "V", p.V}, {pre + "I", p.I}, {pre + "Iin", p.Iin},
		{pre + "spikes", p.Spikes}, {pre + "spike_count", &p.spikeCount},
		{pre + "stepped_at", &p.steppedAt},
	}, p.extraStateVars()...)
}

// restored recomputes what is derived from the saved state.
func (p *Population[T]) restored() {
	for b := 0; b < p.Batch; b++ {
		// Bits past N in the last word would become out-of-range neuron
		// indices; a restored mask could hold them, a stepped one cannot.
		if tail := p.N % 64; tail != 0 {
			p.Spikes[(b+1)*p.Words-1] &= 1<<tail - 1
		}
		p.events[b] = spikeIndices(p.events[b][:0], p.Spikes[b*p.Words:(b+1)*p.Words])
	}
}

// StateVars lists the source's state: the number of spikes emitted. The
// spikes themselves are keyed by step and need no saving.
func (s *Poisson[T]) StateVars() []StateVar {
	return []StateVar{{"source/" + s.Name + "/emitted", &s.emitted}}
}

// StateVars lists the whole network's state in a fixed order: the step
// counter, then every source, population and projection that has state, in
// the order added. A checkpoint written from one network restores into
// another built the same way.
func (n *Network[T]) StateVars() []StateVar {
	vars := []StateVar{{"network/step", &n.step}}
	for _, s := range n.sources {
		if st, ok := s.(Stateful); ok {
			vars = append(vars, st.StateVars()...)
		}
	}
	for _, p := range n.pops {
		vars = append(vars, p.StateVars()...)
	}
	for _, pr := range n.projs {
		if st, ok := pr.(Stateful); ok {
			vars = append(vars, st.StateVars()...)
		}
	}
	return vars
}

// Restored must be called after the values behind StateVars have been
// overwritten (by a checkpoint reader), to rebuild derived data.
func (n *Network[T]) Restored() {
	for _, p := range n.pops {
		p.restored()
	}
}
