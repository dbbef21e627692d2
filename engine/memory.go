package engine

import (
	"fmt"
	"math"
	"math/bits"

	"leaky/kernels"
)

// Memory is an estimate of the bytes a run holds in memory, by part, made
// from sizes alone before anything is allocated, so that a run too large
// for the machine can be refused up front instead of being killed at hour
// three. Every sum and product is checked: sizes that overflow are errors.
type Memory struct {
	// State is the neuron state: V, I, Iin, spike masks and spike lists.
	State int64
	// Weights is the projections' weight matrices.
	Weights int64
	// Inputs is the input held in memory: array sources and the spike
	// lists of Poisson sources.
	Inputs int64
	// Recorders is what recorders hold in memory (buffers, or whole traces
	// for in-memory recorders).
	Recorders int64
	// Blocks is what stepping in blocks (blocked.go) holds besides the
	// state, for the populations that may be stepped so
	// (PopulationShape.Blocked): a block's spike masks, up to 4 MiB a
	// population, and where a recorder reads its whole state, that state
	// at every step of a block, up to 64 MiB.
	Blocks int64
	// Neurons counts neurons over all populations and trials.
	Neurons int64
}

// Total is the sum of the parts.
func (m Memory) Total() int64 { return m.State + m.Weights + m.Inputs + m.Recorders + m.Blocks }

// StatePerNeuron is the bytes of neuron state per neuron and trial.
func (m Memory) StatePerNeuron() float64 {
	if m.Neurons == 0 {
		return 0
	}
	return float64(m.State) / float64(m.Neurons)
}

// mulSize multiplies non-negative sizes, refusing negatives and overflow.
func mulSize(what string, xs ...int64) (int64, error) {
	p := int64(1)
	for _, x := range xs {
		if x < 0 {
			return 0, fmt.Errorf("%s: size %d is negative", what, x)
		}
		hi, lo := bits.Mul64(uint64(p), uint64(x))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("%s: %v elements × bytes overflows 64 bits", what, xs)
		}
		p = int64(lo)
	}
	return p, nil
}

// add adds b bytes to *dst, refusing overflow.
func add(what string, dst *int64, b int64) error {
	if b < 0 || *dst > math.MaxInt64-b {
		return fmt.Errorf("%s: total size overflows 64 bits", what)
	}
	*dst += b
	return nil
}

// AddPopulation adds a population of batch trials of n neurons of the
// given element size (4 or 8 bytes): V, I and Iin padded to cache lines,
// the spike bitmask, and spike lists that can hold every neuron. It refuses
// sizes the engine cannot address, as NewPopulation would.
func (m *Memory) AddPopulation(name string, elem, batch, n int) error {
	return m.addPopulation(name, elem, batch, n, n)
}

// addPopulation is AddPopulation for a process that holds the state of
// held of the n neurons (a rank's block, NewHeldPopulation): V, I and Iin of those,
// the bitmask and lists of all.
func (m *Memory) addPopulation(name string, elem, batch, n, held int) error {
	what := fmt.Sprintf("population %q", name)
	if batch < 1 || n < 1 {
		return fmt.Errorf("%s: %d trials × %d neurons must both be at least 1", what, batch, n)
	}
	// n is checked before it is padded: padding a huge n would overflow.
	if stride := int64(strideFor(min(n, maxElements+1))); stride > maxElements/int64(batch) {
		return fmt.Errorf("%s: %d trials × %d neurons is more than the %d values one array can address", what, batch, n, maxElements)
	}
	if held < 0 || held > n {
		return fmt.Errorf("%s: holds %d of its %d neurons", what, held, n)
	}
	stride := int64(strideFor(held))
	arrays, err := mulSize(what, 3, int64(batch), stride, int64(elem))
	if err != nil {
		return err
	}
	mask, err := mulSize(what, int64(batch), int64(kernels.MaskWords(n)), 8)
	if err != nil {
		return err
	}
	events, err := mulSize(what, int64(batch), int64(n), 4)
	if err != nil {
		return err
	}
	for _, b := range []int64{arrays, mask, events} {
		if err := add(what, &m.State, b); err != nil {
			return err
		}
	}
	neurons, err := mulSize(what, int64(batch), int64(held))
	if err != nil {
		return err
	}
	return add(what, &m.Neurons, neurons)
}

// AddWeights adds a stored weight matrix of rows × cols elements.
func (m *Memory) AddWeights(name string, elem, rows, cols int) error {
	what := fmt.Sprintf("projection %q", name)
	n, err := mulSize(what, int64(rows), int64(cols))
	if err != nil {
		return err
	}
	if n > maxElements {
		return fmt.Errorf("%s: %d × %d weights is more than the %d values one array can address", what, rows, cols, maxElements)
	}
	b, err := mulSize(what, n, int64(elem))
	if err != nil {
		return err
	}
	return add(what, &m.Weights, b)
}

// AddInput adds count input values of elem bytes held in memory.
func (m *Memory) AddInput(name string, count, elem int64) error {
	what := fmt.Sprintf("source %q", name)
	b, err := mulSize(what, count, elem)
	if err != nil {
		return err
	}
	return add(what, &m.Inputs, b)
}

// AddRecorder adds count values of elem bytes a recorder holds in memory.
func (m *Memory) AddRecorder(name string, count, elem int64) error {
	what := fmt.Sprintf("recorder %q", name)
	b, err := mulSize(what, count, elem)
	if err != nil {
		return err
	}
	return add(what, &m.Recorders, b)
}

// AddRecorderSteps adds an in-memory recorder of steps × batch × width
// values of elem bytes, the size of a Trace over a whole run.
func (m *Memory) AddRecorderSteps(name string, steps, batch, width, elem int) error {
	what := fmt.Sprintf("recorder %q", name)
	n, err := mulSize(what, int64(steps), int64(batch), int64(width))
	if err != nil {
		return err
	}
	if n > maxElements {
		return fmt.Errorf("%s: %d steps × %d trials × %d neurons is more than the %d values one array can address; record fewer neurons or steps, or stream to disk", what, steps, batch, width, maxElements)
	}
	return m.AddRecorder(name, n, int64(elem))
}

// PopulationShape is what a general population (NewPopulation) holds beyond
// the seed form's state, known from a network description before anything
// is built.
type PopulationShape struct {
	// Name identifies the population in errors.
	Name string
	// Elem is the bytes per value (4 or 8); Batch and N the trials and
	// neurons per trial.
	Elem, Batch, N int
	// Receptors is the number of input currents (at least 1): each past
	// the first holds its own I and Iin.
	Receptors int
	// Refractory reports whether the neurons hold refractory counters
	// (int32 per neuron and trial).
	Refractory bool
	// DelayDepth is the longest delay in steps into the population (0:
	// none), DelayedReceptors how many receptors receive delayed input:
	// each holds a ring of DelayDepth × Batch × N values.
	DelayDepth, DelayedReceptors int
	// Block, for a rank, is the neurons lo…hi−1 it holds the state of
	// (NewHeldPopulation, BlockOf); nil for one process, which holds every neuron. A
	// rank's checkpoint also holds a non-spiking population's whole
	// output (Batch × N values), which is counted with it.
	Block *[2]int
	// Spiking reports whether the neurons spike; only a rank's estimate
	// needs it.
	Spiking bool
	// Blocked reports whether the population may be stepped in blocks:
	// in one process, in a network whose every population is in the seed
	// form and fed only by undelayed dense projections from Poisson and
	// array sources, and where no projection reads a population (see the
	// package doc). StagedState, whether a
	// recorder reads the state of more than 1024 of its neurons over the
	// trials, which a block then stages. What blocks hold counts under
	// Memory.Blocks, as much as they may hold.
	Blocked, StagedState bool
}

// held is the number of neurons whose state the process holds.
func (s PopulationShape) held() int {
	if s.Block == nil {
		return s.N
	}
	return s.Block[1] - s.Block[0]
}

// AddNeurons adds a general population: the seed form's state
// (AddPopulation), then the extra receptor currents, refractory counters
// and delay rings, each laid out like V (padded rows) — of the block Lo…Hi−1
// alone for a rank.
func (m *Memory) AddNeurons(s PopulationShape) error {
	what := fmt.Sprintf("population %q", s.Name)
	if b := s.Block; b != nil && (b[0] < 0 || b[1] > s.N || b[0] > b[1]) {
		return fmt.Errorf("%s: block %d…%d of %d neurons", what, b[0], b[1]-1, s.N)
	}
	if err := m.addPopulation(s.Name, s.Elem, s.Batch, s.N, s.held()); err != nil {
		return err
	}
	if s.Receptors < 1 || s.DelayDepth < 0 || s.DelayedReceptors < 0 || s.DelayedReceptors > s.Receptors {
		return fmt.Errorf("%s: %d receptors, %d delayed with depth %d: not a population shape", what, s.Receptors, s.DelayedReceptors, s.DelayDepth)
	}
	values := int64(strideFor(s.held())) * int64(s.Batch)
	extra, err := mulSize(what, 2*int64(s.Receptors-1), values, int64(s.Elem))
	if err != nil {
		return err
	}
	var refrac int64
	if s.Refractory {
		refrac = values * 4
	}
	var rings int64
	if s.DelayDepth > 0 && s.DelayedReceptors > 0 {
		if values > 0 && int64(s.DelayDepth) > maxElements/values {
			return fmt.Errorf("%s: a delay of %d steps needs %d × %d values, too many to address; shorten the delays or shrink the population", what, s.DelayDepth, s.DelayDepth, values)
		}
		if rings, err = mulSize(what, int64(s.DelayedReceptors), int64(s.DelayDepth), values, int64(s.Elem)); err != nil {
			return err
		}
	}
	var out int64
	if s.Block != nil && !s.Spiking {
		if out, err = mulSize(what, int64(s.Batch), int64(s.N), int64(s.Elem)); err != nil {
			return err
		}
	}
	for _, b := range []int64{extra, refrac, rings, out} {
		if err := add(what, &m.State, b); err != nil {
			return err
		}
	}
	if s.Blocked && s.Block == nil {
		return add(what, &m.Blocks, blockedBytes(s.Elem, s.Batch, strideFor(s.N), kernels.MaskWords(s.N), s.StagedState))
	}
	return nil
}

// AddSparse adds a sparse projection onto nOut neurons stored as CSR: per
// delay group, nIn+1 row offsets (int), and for every synapse a target
// index (uint16 onto up to 65 536 neurons, narrowOnto; int32 past them) and, unless
// every synapse shares one weight (SparseGroup.Uniform), a weight of elem
// bytes.
func (m *Memory) AddSparse(name string, elem, nIn, nOut int, synapses int64, groups int, shared bool) error {
	what := fmt.Sprintf("projection %q", name)
	if synapses > maxElements {
		return fmt.Errorf("%s: %d synapses is more than the %d one array can address", what, synapses, maxElements)
	}
	if shared {
		elem = 0
	}
	index := int64(4)
	if narrowOnto(nOut) {
		index = 2
	}
	perSynapse, err := mulSize(what, synapses, index+int64(elem))
	if err != nil {
		return err
	}
	offsets, err := mulSize(what, int64(max(groups, 1)), int64(nIn)+1, 8)
	if err != nil {
		return err
	}
	if err := add(what, &m.Weights, perSynapse); err != nil {
		return err
	}
	return add(what, &m.Weights, offsets)
}
