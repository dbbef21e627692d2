package engine

import (
	"fmt"
	"slices"
)

// Recorder observes one population during a run.
type Recorder[T Float] interface {
	// Population is the population observed.
	Population() *Population[T]
	// Reserve is called before a run that will end at step total, so the
	// recorder can allocate up front.
	Reserve(total int) error
	// RecordState is called in phase 3 of step t, when V, I and Iin hold
	// V[t], I[t] and Iin[t] (Iin unless the recorder says it does not read
	// it, see Population.InputOf); for a recorder that says it reads no
	// state (ReadsState false), once in step t before RecordSpikes, at any
	// point of the step. An error stops the run at step t: Step and Run
	// return it.
	RecordState(t int) error
	// RecordSpikes is called after phase 4 of step t, when the population's
	// bitmask holds s[t]. An error stops the run as for RecordState.
	RecordSpikes(t int) error
}

// Var names a recordable state variable.
type Var int

const (
	// VarV is the membrane potential V.
	VarV Var = iota
	// VarI is the synaptic current I (I_syn).
	VarI
	// VarIin is the input current Iin (I_inp).
	VarIin
	// VarS is the spike s[t] as 0 or 1, read after the update of step t:
	// a dense raster, (steps, trials, neurons) like the state variables.
	VarS
)

// String returns the variable's file name stem: v, isyn or iinp.
func (v Var) String() string {
	switch v {
	case VarV:
		return "v"
	case VarI:
		return "isyn"
	case VarIin:
		return "iinp"
	case VarS:
		return "s"
	}
	return fmt.Sprintf("Var(%d)", int(v))
}

// State returns the array holding v (V, I or Iin; receptor 0's current
// for VarI), laid out as Row describes.
func (p *Population[T]) State(v Var) []T {
	switch v {
	case VarV:
		return p.V
	case VarI:
		return p.I
	default:
		return p.Iin
	}
}

// Trace records one state variable of chosen neurons in every trial at every
// step: Data[(t*Batch+b)*len(Neurons)+k] is the value of neuron Neurons[k] of
// trial b at the start of step t.
type Trace[T Float] struct {
	// Pop is the population observed, Var the variable.
	Pop *Population[T]
	Var Var
	// Neurons are the recorded neuron indices; nil records all.
	Neurons []int
	// Data holds the recorded values.
	Data []T
	// Steps is the number of steps recorded.
	Steps int
}

// NewTrace records v of the given neurons of pop (nil: all). It refuses
// neuron indices outside the population.
func NewTrace[T Float](pop *Population[T], v Var, neurons []int) (*Trace[T], error) {
	for _, i := range neurons {
		if i < 0 || i >= pop.N {
			return nil, fmt.Errorf("trace of %s in %q: neuron %d is outside 0..%d", v, pop.Name, i, pop.N-1)
		}
	}
	return &Trace[T]{Pop: pop, Var: v, Neurons: neurons}, nil
}

// Population returns the observed population.
func (r *Trace[T]) Population() *Population[T] { return r.Pop }

// Width is the number of neurons recorded per trial.
func (r *Trace[T]) Width() int {
	if r.Neurons == nil {
		return r.Pop.N
	}
	return len(r.Neurons)
}

// Reserve grows Data to hold total steps.
func (r *Trace[T]) Reserve(total int) error {
	if err := r.Pop.readable(r.Var, r.Neurons); err != nil {
		return err
	}
	need := total * r.Pop.Batch * r.Width()
	if total > 0 && need/total != r.Pop.Batch*r.Width() {
		return fmt.Errorf("trace of %s in %q: %d steps × %d trials × %d neurons overflows", r.Var, r.Pop.Name, total, r.Pop.Batch, r.Width())
	}
	if cap(r.Data) < need {
		grown := make([]T, len(r.Data), need)
		copy(grown, r.Data)
		r.Data = grown
	}
	return nil
}

// RecordState appends the variable's values at step t (for VarS, after
// the update: see RecordSpikes).
func (r *Trace[T]) RecordState(t int) error {
	if r.Var == VarS {
		return nil
	}
	r.Data = appendRow(r.Data, r.Pop, r.Var, r.Neurons)
	r.Steps++
	return nil
}

// appendRow appends v's values of the neurons (nil: all) of every trial,
// as recorders read them (Trial); on a fused step, which leaves Iin
// unwritten, Iin of chosen neurons through InputOf (a trace of a few of
// them leaves its population free to step fused, readsAllInput).
func appendRow[T Float](dst []T, p *Population[T], v Var, neurons []int) []T {
	for b := 0; b < p.Batch; b++ {
		row := p.Trial(v, b)
		switch {
		case neurons == nil:
			dst = append(dst, row...)
		case v == VarIin && p.inputRows != nil:
			for _, i := range neurons {
				dst = append(dst, p.InputOf(b, i))
			}
		default:
			for _, i := range neurons {
				dst = append(dst, row[i])
			}
		}
	}
	return dst
}

// inputOfMax is the most neurons whose Iin a trace reads through InputOf
// and still leaves its population free to step fused: each sums up to
// fusedMaxRows rows a step, against the fused step's saving of a pass
// over all of Iin. A trace of more neurons reads Iin itself.
const inputOfMax = 64

// readsAllInput reports whether a trace of v over neurons (nil: all)
// reads Iin as a whole rather than a few neurons' through InputOf.
func readsAllInput(v Var, neurons []int) bool {
	return v == VarIin && (neurons == nil || len(neurons) > inputOfMax)
}

// appendSpikes appends s[t] as 0 or 1 for the neurons (nil: all) of every
// trial.
func appendSpikes[T Float](dst []T, p *Population[T], neurons []int) []T {
	n := p.N
	if neurons != nil {
		n = len(neurons)
	}
	at := len(dst)
	dst = slices.Grow(dst, p.Batch*n)[:at+p.Batch*n]
	out := dst[at:]
	// A bit picks its value from a table: converting it to a float costs
	// an unsigned conversion's branches per neuron.
	values := [2]T{0, 1}
	for b := 0; b < p.Batch; b++ {
		words := p.Spikes[b*p.Words : (b+1)*p.Words]
		row := out[b*n : (b+1)*n]
		if neurons == nil {
			for w, m := range words {
				seg := row[w<<6 : min(len(row), (w+1)<<6)]
				for i := range seg {
					seg[i] = values[m&1]
					m >>= 1
				}
			}
			continue
		}
		for k, i := range neurons {
			row[k] = values[words[i>>6]>>(i&63)&1]
		}
	}
	return dst
}

// RecordSpikes appends s[t] when the variable is VarS.
func (r *Trace[T]) RecordSpikes(int) error {
	if r.Var != VarS {
		return nil
	}
	r.Data = appendSpikes(r.Data, r.Pop, r.Neurons)
	r.Steps++
	return nil
}

// SpikeRecorder records every spike of a population as a (step, trial,
// neuron) triple, in time order, then trial, then neuron.
type SpikeRecorder[T Float] struct {
	// Pop is the population observed.
	Pop *Population[T]
	// Events holds the triples flattened: Events[3k], Events[3k+1],
	// Events[3k+2] are the step, trial and neuron of spike k.
	Events []int64
	// PerStep counts the spikes of all trials at each step.
	PerStep []int64
}

// NewSpikeRecorder records the spikes of pop.
func NewSpikeRecorder[T Float](pop *Population[T]) *SpikeRecorder[T] {
	return &SpikeRecorder[T]{Pop: pop}
}

// Population returns the observed population.
func (r *SpikeRecorder[T]) Population() *Population[T] { return r.Pop }

// Reserve sizes the per-step counts; spike storage grows as spikes come.
func (r *SpikeRecorder[T]) Reserve(total int) error {
	if cap(r.PerStep) < total {
		grown := make([]int64, len(r.PerStep), total)
		copy(grown, r.PerStep)
		r.PerStep = grown
	}
	return nil
}

// RecordState does nothing: spikes are read after the update.
func (r *SpikeRecorder[T]) RecordState(int) error { return nil }

// RecordSpikes appends the spikes of step t.
func (r *SpikeRecorder[T]) RecordSpikes(t int) error {
	p := r.Pop
	var count int64
	for b := 0; b < p.Batch; b++ {
		for _, i := range p.Events(b) {
			r.Events = append(r.Events, int64(t), int64(b), int64(i))
		}
		count += int64(len(p.Events(b)))
	}
	r.PerStep = append(r.PerStep, count)
	return nil
}
