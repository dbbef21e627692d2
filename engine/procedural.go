package engine

import (
	"fmt"
)

// Procedural is a dense projection whose weights are never stored: the
// weights of input j onto a range of neurons are regenerated each time j
// spikes, from the same keyed normal rows NormalWeights uses. Its results are
// therefore bit-identical to a Dense projection holding
// NormalWeights(seed, stream, scale), while its memory is a few kilobytes
// instead of n_in × N values — what makes 10⁷ neurons with 1000 inputs fit
// in memory (GeNN calls this procedural connectivity). It trades memory
// traffic for arithmetic and only suits spiking (event) input.
type Procedural[T Float] struct {
	// Name identifies the projection.
	Name string
	// Pre and Post are the groups it connects.
	Pre  Presynaptic[T]
	Post *Population[T]
	// Seed, Stream and Scale define the weights: Normal(0, Scale) keyed by
	// (Seed, Stream), as NormalWeights.
	Seed, Stream uint64
	Scale        float64
	NIn, NOut    int
}

// NewProcedural connects pre to post with regenerated Normal(0, scale)
// weights. pre must produce spike events.
func NewProcedural[T Float](name string, pre Presynaptic[T], post *Population[T], scale float64, seed, stream uint64) (*Procedural[T], error) {
	if pre.BatchSize() != post.Batch {
		return nil, fmt.Errorf("projection %q: source has %d trials but target %q has %d", name, pre.BatchSize(), post.Name, post.Batch)
	}
	if !(scale >= 0) || scale > 1e300 {
		return nil, fmt.Errorf("projection %q: weight scale must be finite and ≥ 0, got %v", name, scale)
	}
	if a, ok := pre.(*Array[T]); ok && !a.Binary {
		return nil, fmt.Errorf("projection %q: procedural weights need spike input (0/1), but source %q is analog", name, a.Name)
	}
	p := &Procedural[T]{Name: name, Pre: pre, Post: post, Seed: seed, Stream: stream, Scale: scale, NIn: pre.Size(), NOut: post.N}
	return p, nil
}

// Target returns the postsynaptic population.
func (p *Procedural[T]) Target() *Population[T] { return p.Post }

// Source returns the presynaptic group.
func (p *Procedural[T]) Source() Presynaptic[T] { return p.Pre }

// procChunk is the number of neurons whose weights Propagate regenerates
// at a time, for every input that spiked: long enough that a call of the
// normal generator costs little beyond its numbers, short enough that the
// neurons' input stays in L1 while every input's weights are added to it.
const procChunk = 2048

// Propagate regenerates, for every input that spiked, its weights onto the
// neurons of r, adding each straight into their input (kernels.AddNormals:
// the bits of the row added by AccumulateRows), inputs in increasing
// order, exactly as Dense.Propagate adds stored rows.
func (p *Procedural[T]) Propagate(r Range) {
	if r.Hi <= r.Lo || r.B1 <= r.B0 {
		return
	}
	if p.Pre.Values() != nil {
		// NewProcedural refuses analog arrays; reaching here is a bug in
		// a new source type, not bad user input.
		panic("engine: Procedural projection fed analog input")
	}
	g := newNormalRow(p.Seed, p.Stream, p.Scale)
	post := p.Post
	for b := r.B0; b < r.B1; b++ {
		events := p.Pre.Events(b)
		if len(events) == 0 {
			continue
		}
		iin := post.Iin[post.at(b, r.Lo):post.at(b, r.Hi)]
		for lo := r.Lo; lo < r.Hi; lo += procChunk {
			hi := min(lo+procChunk, r.Hi)
			for _, j := range events {
				addRow(g, iin[lo-r.Lo:hi-r.Lo], int(j), lo)
			}
		}
	}
}
