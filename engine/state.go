package engine

import (
	"fmt"
	"slices"
	"unsafe"
)

// StateVar is one piece of simulation state that a checkpoint must save and
// restore in place: a named counter or slice. The set of kinds is closed —
// a StateVar is made only by IntVar, Int64Var, SliceVar or GrowVar — so the
// one encoding (EncodeState, DecodeState) and CloneState, CopyState and
// SameState handle every StateVar there can be.
type StateVar struct {
	name string
	data stateData
}

// Elem is an element type a state slice may hold.
type Elem interface {
	float32 | float64 | int32 | int64 | uint64
}

// IntVar is the counter *p. It is saved as an int64 and refused on restore
// where the value does not fit in an int.
func IntVar(name string, p *int) StateVar { return scalarVar(name, p) }

// Int64Var is the counter *p.
func Int64Var(name string, p *int64) StateVar { return scalarVar(name, p) }

func scalarVar[E int | int64](name string, p *E) StateVar {
	if p == nil {
		return StateVar{name: name}
	}
	s := unsafe.Slice(p, 1)
	return StateVar{name, &vec[E]{p: &s, c: codecOf[E](), scalar: true}}
}

// SliceVar is the slice s, whose length is fixed by the network's shape: a
// restore refuses state of another length.
func SliceVar[E Elem](name string, s []E) StateVar {
	return StateVar{name, &vec[E]{p: &s, c: codecOf[E]()}}
}

// GrowVar is the slice *p, which grows as the run goes (a recorder's data):
// a restore gives *p the saved length, reusing its capacity when it
// suffices, and refuses more than limit values. Saving refuses a *p longer
// than limit, which could not be restored.
func GrowVar[E Elem](name string, p *[]E, limit int) StateVar {
	if p == nil {
		return StateVar{name: name}
	}
	return StateVar{name, &vec[E]{p: p, c: codecOf[E](), grows: true, limit: limit}}
}

// Name is the variable's name, unique within a network, e.g. "pop/lif/V".
func (v StateVar) Name() string { return v.name }

// Info describes the variable as the encoding holds it.
func (v StateVar) Info() StateInfo {
	if v.data == nil {
		return StateInfo{Name: v.name}
	}
	return StateInfo{Name: v.name, Type: v.data.typeName(), Len: int64(v.data.len())}
}

// check refuses a StateVar made without a constructor or from a nil
// pointer.
func (v StateVar) check() error {
	if v.data == nil {
		return fmt.Errorf("state %q has no data (a zero StateVar or a nil pointer)", v.name)
	}
	return nil
}

// accepts reports whether the saved variable s can be restored into v,
// the i-th variable of the network, with a message saying why not.
func (v StateVar) accepts(i int, s StateInfo) error {
	if err := v.check(); err != nil {
		return err
	}
	if s.Name != v.name {
		return fmt.Errorf("state variable %d is %q but the network's is %q", i, s.Name, v.name)
	}
	if t := v.data.typeName(); s.Type != t {
		return fmt.Errorf("state %q is %s but the network's is %s", v.name, s.Type, t)
	}
	return v.data.holds(v.name, s.Len)
}

// stateData is the data behind a StateVar. vec is its only implementation,
// instantiated for the element types of elem.
type stateData interface {
	code() uint8
	typeName() string
	len() int
	// describe names the kind and length for messages: "[]float32 of 3",
	// "*int".
	describe() string
	// holds reports whether n values can be restored into the data.
	holds(name string, n int64) error
	// setLen gives growable data length n, which holds has allowed.
	setLen(n int)
	clone() stateData
	// copyFrom reports whether src is data of the same kind that fits,
	// and copies it in when write is set.
	copyFrom(src stateData, write bool) bool
	// diff returns the first index at which the data differs from b in
	// bits, −1 when identical, −2 when b is of another kind or length.
	diff(b stateData) int
	// appendValues appends the encoding of elements lo…hi−1 to b.
	appendValues(b []byte, lo, hi int) []byte
	// putValues decodes the values in b into elements lo, lo+1, …
	putValues(b []byte, lo int) error
}

// vec is a slice of E: fixed in length, growable up to limit, or (scalar)
// a view of one counter.
type vec[E elem] struct {
	p      *[]E
	c      elemCodec[E]
	grows  bool
	limit  int
	scalar bool
}

func (v *vec[E]) code() uint8      { return v.c.code }
func (v *vec[E]) typeName() string { return stateTypes[v.c.code].name }
func (v *vec[E]) len() int         { return len(*v.p) }

func (v *vec[E]) describe() string {
	switch {
	case v.scalar:
		return "*" + v.typeName()
	case v.grows:
		return fmt.Sprintf("[]%s of %d (growable to %d)", v.typeName(), len(*v.p), v.limit)
	}
	return fmt.Sprintf("[]%s of %d", v.typeName(), len(*v.p))
}

func (v *vec[E]) holds(name string, n int64) error {
	if v.grows {
		if n > int64(v.limit) {
			return fmt.Errorf("state %q has %d values, more than the %d the network's can hold", name, n, v.limit)
		}
		return nil
	}
	if n != int64(len(*v.p)) {
		return fmt.Errorf("state %q has %d values but the network's has %d", name, n, len(*v.p))
	}
	return nil
}

func (v *vec[E]) setLen(n int) {
	if !v.grows {
		return
	}
	if cap(*v.p) >= n {
		*v.p = (*v.p)[:n]
	} else {
		*v.p = make([]E, n)
	}
}

func (v *vec[E]) clone() stateData {
	s := slices.Clone(*v.p)
	c := *v
	c.p = &s
	return &c
}

func (v *vec[E]) copyFrom(src stateData, write bool) bool {
	s, ok := src.(*vec[E])
	if !ok || s.scalar != v.scalar || v.holds("", int64(len(*s.p))) != nil {
		return false
	}
	if write {
		v.setLen(len(*s.p))
		copy(*v.p, *s.p)
	}
	return true
}

func (v *vec[E]) diff(b stateData) int {
	s, ok := b.(*vec[E])
	if !ok || s.scalar != v.scalar || len(*s.p) != len(*v.p) {
		return -2
	}
	for i, x := range *v.p {
		if v.c.bits(x) != v.c.bits((*s.p)[i]) {
			return i
		}
	}
	return -1
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
// adds (extra receptor currents, refractory counters, delay rings). A
// population holding a rank's block (NewHeldPopulation) lists its block's part of each
// per-neuron array, and, when it does not spike, its whole output, which
// the other ranks' blocks of V, held there, would otherwise rebuild.
func (p *Population[T]) StateVars() []StateVar {
	pre := "pop/" + p.Name + "/"
	vars := append([]StateVar{
		SliceVar(pre+"V", p.V), SliceVar(pre+"I", p.I), SliceVar(pre+"Iin", p.Iin),
		SliceVar(pre+"spikes", p.Spikes), Int64Var(pre+"spike_count", &p.spikeCount),
		IntVar(pre+"stepped_at", &p.steppedAt),
	}, p.extraStateVars()...)
	if p.hold != nil && p.out != nil {
		vars = append(vars, SliceVar(pre+"out", p.out))
	}
	return vars
}

// restored recomputes what is derived from the saved state.
func (p *Population[T]) restored() {
	// Iin comes back as saved, zero or not: phase 2 clears it once.
	p.inputZero = false
	if p.out != nil {
		p.keepOutput()
	}
	for b := 0; b < p.Batch; b++ {
		// Bits past N in the last word would become out-of-range neuron
		// indices; a restored mask could hold them, a stepped one cannot.
		if tail := p.N % 64; tail != 0 {
			p.Spikes[(b+1)*p.Words-1] &= 1<<tail - 1
		}
		p.lists.events[b] = spikeIndices(p.lists.events[b][:0], p.trialSpikes(b))
		p.lists.at[b] = p.steppedAt
	}
}

// StateVars lists the source's state: the number of spikes emitted. The
// spikes themselves are keyed by step and need no saving.
func (s *Poisson[T]) StateVars() []StateVar {
	return []StateVar{Int64Var("source/"+s.Name+"/emitted", &s.emitted)}
}

// StateVars lists the whole network's state in a fixed order: the step
// counter, then every source, population, projection and recorder that has
// state, in the order added. A checkpoint written from one network restores into
// another built the same way; StepIndex tells it the step without its
// needing to know which variable holds it.
func (n *Network[T]) StateVars() []StateVar {
	n.syncInput() // Iin as of the last step, if it ran fused (fused.go)
	vars := []StateVar{IntVar("network/step", &n.step)}
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
	// Recorders that keep state (a file's position, a figure's data) save
	// and restore it with the network, as Auryn's monitors do.
	for _, r := range n.recorders {
		if st, ok := r.(Stateful); ok {
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
		if err := v.check(); err != nil {
			return nil, fmt.Errorf("cloning state: %w", err)
		}
		out[i] = StateVar{v.name, v.data.clone()}
	}
	return out, nil
}

// CopyState copies the data of src into dst in place. The two lists must
// describe the same state: the same names in the same order, each with the
// same kind of data and a length dst can hold (the same length, or for a
// GrowVar at most its limit); otherwise it returns an error and changes
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
			if d.name != s.name {
				return fmt.Errorf("copying state: variable %d is %q, not %q", i, d.name, s.name)
			}
			for _, v := range []StateVar{d, s} {
				if err := v.check(); err != nil {
					return fmt.Errorf("copying state: %w", err)
				}
			}
			if !d.data.copyFrom(s.data, write) {
				return fmt.Errorf("copying state %q: cannot copy a %s into a %s", d.name, s.data.describe(), d.data.describe())
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
		if x.name != y.name {
			return fmt.Errorf("variable %d is %q against %q", i, x.name, y.name)
		}
		for _, v := range []StateVar{x, y} {
			if err := v.check(); err != nil {
				return err
			}
		}
		switch idx := x.data.diff(y.data); {
		case idx == -2:
			return fmt.Errorf("state %q: a %s against a %s", x.name, x.data.describe(), y.data.describe())
		case idx >= 0:
			return fmt.Errorf("state %q differs at element %d", x.name, idx)
		}
	}
	return nil
}
