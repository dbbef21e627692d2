package engine

import (
	"fmt"
	"math"
	"reflect"
	"slices"
)

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

// CloneState returns a deep copy of vars: the same names, with the data
// copied into new memory. It is a snapshot that CopyState can put back.
func CloneState(vars []StateVar) ([]StateVar, error) {
	out := make([]StateVar, len(vars))
	for i, v := range vars {
		var c any
		switch d := v.Data.(type) {
		case *int:
			x := *d
			c = &x
		case *int64:
			x := *d
			c = &x
		case []float32:
			c = slices.Clone(d)
		case []float64:
			c = slices.Clone(d)
		case []int32:
			c = slices.Clone(d)
		case []int64:
			c = slices.Clone(d)
		case []uint64:
			c = slices.Clone(d)
		default:
			return nil, fmt.Errorf("state %q holds a %T, which cannot be copied", v.Name, v.Data)
		}
		out[i] = StateVar{Name: v.Name, Data: c}
	}
	return out, nil
}

// CopyState copies the data of src into dst in place. The two lists must
// describe the same state: the same names in the same order, each with the
// same kind and length of data; otherwise it returns an error and changes
// nothing. After copying into a network's StateVars, call the network's
// Restored.
func CopyState(dst, src []StateVar) error {
	if len(dst) != len(src) {
		return fmt.Errorf("copying state: %d variables into %d", len(src), len(dst))
	}
	// Check everything first, then copy, so a refused copy leaves dst as
	// it was.
	for _, write := range []bool{false, true} {
		for i, d := range dst {
			s := src[i]
			if d.Name != s.Name {
				return fmt.Errorf("copying state: variable %d is %q, not %q", i, d.Name, s.Name)
			}
			var ok bool
			switch x := d.Data.(type) {
			case *int:
				ok = copyScalar(x, s.Data, write)
			case *int64:
				ok = copyScalar(x, s.Data, write)
			case []float32:
				ok = copySlice(x, s.Data, write)
			case []float64:
				ok = copySlice(x, s.Data, write)
			case []int32:
				ok = copySlice(x, s.Data, write)
			case []int64:
				ok = copySlice(x, s.Data, write)
			case []uint64:
				ok = copySlice(x, s.Data, write)
			}
			if !ok {
				return fmt.Errorf("copying state %q: cannot copy a %s into a %s", d.Name, describeData(s.Data), describeData(d.Data))
			}
		}
	}
	return nil
}

// SameState compares two state lists bit for bit (floats by their bit
// patterns, so a NaN equals the same NaN and +0 differs from −0) and
// returns an error naming the first difference.
func SameState(a, b []StateVar) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d state variables against %d", len(a), len(b))
	}
	for i, x := range a {
		y := b[i]
		if x.Name != y.Name {
			return fmt.Errorf("variable %d is %q against %q", i, x.Name, y.Name)
		}
		idx := -2
		switch d := x.Data.(type) {
		case *int:
			idx = diffScalar(d, y.Data)
		case *int64:
			idx = diffScalar(d, y.Data)
		case []float32:
			idx = diffSlice(d, y.Data, func(v float32) uint64 { return uint64(math.Float32bits(v)) })
		case []float64:
			idx = diffSlice(d, y.Data, math.Float64bits)
		case []int32:
			idx = diffSlice(d, y.Data, func(v int32) uint64 { return uint64(v) })
		case []int64:
			idx = diffSlice(d, y.Data, func(v int64) uint64 { return uint64(v) })
		case []uint64:
			idx = diffSlice(d, y.Data, func(v uint64) uint64 { return v })
		}
		switch {
		case idx == -2:
			return fmt.Errorf("state %q: a %s against a %s", x.Name, describeData(x.Data), describeData(y.Data))
		case idx >= 0:
			return fmt.Errorf("state %q differs at element %d", x.Name, idx)
		}
	}
	return nil
}

// copyScalar reports whether src is a *E, and copies it into dst if write.
func copyScalar[E any](dst *E, src any, write bool) bool {
	s, ok := src.(*E)
	if ok && write {
		*dst = *s
	}
	return ok
}

// copySlice reports whether src is a []E as long as dst, and copies it into
// dst if write.
func copySlice[E any](dst []E, src any, write bool) bool {
	s, ok := src.([]E)
	if !ok || len(s) != len(dst) {
		return false
	}
	if write {
		copy(dst, s)
	}
	return true
}

// diffScalar returns -1 when *a equals *b, 0 when they differ, and -2 when b
// is not a *E.
func diffScalar[E comparable](a *E, b any) int {
	p, ok := b.(*E)
	switch {
	case !ok:
		return -2
	case *a != *p:
		return 0
	}
	return -1
}

// diffSlice returns the first index at which a and b differ in bits, -1
// when they are identical, and -2 when b is not a []E of a's length.
func diffSlice[E any](a []E, b any, bits func(E) uint64) int {
	s, ok := b.([]E)
	if !ok || len(s) != len(a) {
		return -2
	}
	for i := range a {
		if bits(a[i]) != bits(s[i]) {
			return i
		}
	}
	return -1
}

// describeData names a StateVar's data kind and length for error messages.
func describeData(d any) string {
	v := reflect.ValueOf(d)
	if v.Kind() == reflect.Slice {
		return fmt.Sprintf("%T of %d", d, v.Len())
	}
	return fmt.Sprintf("%T", d)
}
