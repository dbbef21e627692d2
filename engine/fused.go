package engine

import (
	"math/bits"
	"unsafe"

	"leaky/kernels"
)

// Fused stepping. A population in the seed form whose only input is dense
// projections into its first receptor, without delay, from spike sources
// whose spikes stay put through its step — sources, and populations that
// step before it — runs phases 2 and 4 of a step in one pass where nothing
// reads its Iin during the step: kernels.LeakyRows sums, for each neuron,
// the weight rows of the step's input spikes in registers and updates the
// neuron, with the bits of clearing Iin, adding the rows and updating
// (projections in the order added, each one's inputs in increasing order,
// from +0). Per step that moves V and I once and the rows once, instead of
// clearing Iin, adding into it and reading it back.
//
// Iin is then not written. So that it holds Iin[t] wherever it can be seen
// from outside a step, Run steps the last step of each call, and every step
// that ends at the block alignment (where checkpoints are taken), with the
// unfused phases; when interrupted, and when StateVars is asked for inside
// a Run (a progress callback's checkpoint), it recomputes Iin from the
// sources, which still hold the step's spikes (syncInput). A recorder that
// reads Iin, or does not say what it reads (inputReader), keeps its
// population unfused; one that reads a few neurons' Iin through InputOf
// (the figure of `leaky run`) does not. The padding neurons past N, which
// take no input and stay at rest, are left as they are. A step whose input
// adds more than fusedMaxRows rows to a trial runs unfused.

// inputReader is a recorder that says whether its RecordState reads the
// population's Iin. A recorder that does not say is taken to read it, and
// keeps its population from fused stepping.
type inputReader interface{ ReadsInput() bool }

// ReadsInput reports whether the trace records Iin of more than a few
// neurons (inputOfMax), which it reads from Iin itself.
func (r *Trace[T]) ReadsInput() bool { return readsAllInput(r.Var, r.Neurons) }

// ReadsInput reports whether the stream records Iin of more than a few
// neurons (inputOfMax), which it reads from Iin itself.
func (r *StreamTrace[T]) ReadsInput() bool { return readsAllInput(r.Var, r.Neurons) }

// ReadsInput is false: spikes are read after the update.
func (r *SpikeRecorder[T]) ReadsInput() bool { return false }

// ReadsInput is false: spikes are read after the update.
func (r *StreamSpikes[T]) ReadsInput() bool { return false }

// fusedInput is the input of a population stepped fused: its dense
// projections and, once gather has run for the step, every trial's weight
// rows in the order they add.
type fusedInput[T Float] struct {
	in []*Dense[T]
	// rows[b] are trial b's rows, from column 0 of W.
	rows [][][]T
}

// prepareFused sets ph.fused when pops[i] qualifies for fused stepping
// (see above); phases are prepared in order, so the populations that step
// before it are pops[:i].
func (n *Network[T]) prepareFused(i int, ph *popPhase[T]) {
	ph.fused = nil
	p := ph.pop
	if n.noFuse || n.ranks != nil || p.gen != nil || p.coba != nil || p.extraI != nil || p.Refrac != nil || p.ringDepth > 0 || len(n.incoming[i]) == 0 {
		return
	}
	for _, r := range ph.recs {
		if ir, ok := r.(inputReader); !ok || ir.ReadsInput() {
			return
		}
	}
	f := &fusedInput[T]{rows: make([][][]T, p.Batch)}
	for _, pr := range n.incoming[i] {
		d, ok := pr.(*Dense[T])
		if !ok || d.Receptor != 0 || d.Delay != 0 || d.block != nil || d.w0 != 0 || d.ldw != d.NOut || !n.steadyDuring(d.Pre, i) {
			return
		}
		f.in = append(f.in, d)
	}
	ph.fused = f
}

// steadyDuring reports whether pre's output stays as it is while pops[i]
// steps, and after, until the next step's sources emit: a source, or a
// population stepped before pops[i].
func (n *Network[T]) steadyDuring(pre Presynaptic[T], i int) bool {
	for j, p := range n.pops {
		if Presynaptic[T](p) == pre {
			return j < i
		}
	}
	for _, s := range n.sources {
		if Presynaptic[T](s) == pre {
			return true
		}
	}
	return false
}

// spiking reports whether every projection's input is spikes this step (a
// Feed may be given analog values, which go through the matrix product).
func (f *fusedInput[T]) spiking() bool {
	for _, d := range f.in {
		if d.Pre.Values() != nil {
			return false
		}
	}
	return true
}

// fusedMaxRows is the most weight rows a trial's step may add for it to
// run fused: past some 8 to 16 rows, the rows read side by side outrun
// the prefetching and adding them strip by strip into Iin is faster
// (BenchmarkLeakyRows in kernels, rows=8, 16 and 64).
const fusedMaxRows = 8

// gather lists every trial's weight rows for the step, on the stepping
// goroutine before the ranges run: from the source's bitmask where it
// keeps one, else from its events. It returns the most rows of any trial.
func (f *fusedInput[T]) gather() int {
	most := 0
	for b := range f.rows {
		l := f.rows[b][:0]
		for _, d := range f.in {
			if m, ok := d.Pre.(spikeMasker); ok && m.masked() {
				masks, _ := m.spikeMasks(b, b+1)
				for w, word := range masks {
					for ; word != 0; word &= word - 1 {
						l = append(l, d.W[(w<<6+bits.TrailingZeros64(word))*d.ldw:])
					}
				}
				continue
			}
			for _, j := range d.Pre.Events(b) {
				l = append(l, d.W[int(j)*d.ldw:])
			}
		}
		f.rows[b] = l
		most = max(most, len(l))
	}
	return most
}

// stepRows advances the neurons of r by one step with trial b's input the
// sum of rows[b]: phases 2 and 4 in one pass, Iin untouched.
func (p *Population[T]) stepRows(r Range, rows [][][]T) int {
	count := 0
	for b := r.B0; b < r.B1; b++ {
		off := b * p.Stride
		mask := p.Spikes[b*p.Words+r.Lo>>6 : b*p.Words+(r.Hi+63)>>6]
		count += leakyRows(p.V[off+r.Lo:off+r.Hi], p.I[off+r.Lo:off+r.Hi], rows[b], r.Lo, p.alpha, p.beta, p.theta, p.Neuron.Reset, mask)
	}
	return count
}

// InputOf returns Iin[t] of neuron i of trial b as a recorder reads it in
// RecordState of step t, however the population steps: from Iin or, on a
// step that runs fused and leaves Iin unwritten, summed from the step's
// weight rows as the unfused step sums them (from +0, in order), so the
// bits are the same. A recorder that reads Iin only through InputOf, for a
// few neurons, says so by ReadsInput false and leaves the population free
// to step fused.
func (p *Population[T]) InputOf(b, i int) T {
	if p.inputRows == nil {
		return p.Trial(VarIin, b)[i]
	}
	var x T
	for _, row := range p.inputRows[b] {
		x += row[i]
	}
	return x
}

// syncInput recomputes Iin, by the unfused phase 2, for every population
// whose last step ran fused: the sources and the populations stepped
// before it still hold that step's spikes.
func (n *Network[T]) syncInput() {
	stale := false
	for _, p := range n.pops {
		stale = stale || p.inputStale
	}
	if !stale {
		return
	}
	n.prepare()
	for _, ph := range n.phases {
		if ph.pop.inputStale {
			n.runPhase(ph, phaseInput)
			ph.pop.inputStale = false
		}
	}
}

func leakyRows[T Float](V, I []T, rows [][]T, col int, alpha, beta, theta T, reset kernels.Reset, spikes []uint64) int {
	if is32[T]() {
		r := unsafe.Slice((*[]float32)(unsafe.Pointer(unsafe.SliceData(rows))), len(rows))
		return kernels.LeakyRows32(f32(V), f32(I), r, col, float32(alpha), float32(beta), float32(theta), reset, spikes)
	}
	r := unsafe.Slice((*[]float64)(unsafe.Pointer(unsafe.SliceData(rows))), len(rows))
	return kernels.LeakyRows64(f64(V), f64(I), r, col, float64(alpha), float64(beta), float64(theta), reset, spikes)
}

// leakyRowsSteps is kernels.LeakyRowsSteps32 or LeakyRowsSteps64, as T is.
func leakyRowsSteps[T Float](V, I []T, rows [][]T, counts []int, col int, alpha, beta, theta T, reset kernels.Reset, spikes []uint64, stride int) int {
	if is32[T]() {
		r := unsafe.Slice((*[]float32)(unsafe.Pointer(unsafe.SliceData(rows))), len(rows))
		return kernels.LeakyRowsSteps32(f32(V), f32(I), r, counts, col, float32(alpha), float32(beta), float32(theta), reset, spikes, stride)
	}
	r := unsafe.Slice((*[]float64)(unsafe.Pointer(unsafe.SliceData(rows))), len(rows))
	return kernels.LeakyRowsSteps64(f64(V), f64(I), r, counts, col, float64(alpha), float64(beta), float64(theta), reset, spikes, stride)
}
