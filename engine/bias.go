package engine

import (
	"fmt"
	"math"
)

// Bias adds a constant to every trial's input current of a population at
// every step from step From on: the bias of an affine layer (NIR's Affine,
// PyTorch's Linear). From is 1 for the bias of a recurrent layer run as
// NIRTorch runs it, whose not-yet-computed output at the first step is 0.
type Bias[T Float] struct {
	// Name identifies the projection.
	Name string
	// Post is the population added to; Values its N biases; Receptor the
	// input current they go to.
	Post     *Population[T]
	Values   []T
	Receptor int
	From     int
	none     noInput[T]
	// zero is set when every bias is ±0, which adds nothing: an input
	// current is never −0 (it starts each step at +0 and is only added
	// to, and x + (−0) = x, +0 + (+0) = +0).
	zero bool
}

// NewBias adds values (one per neuron of post) to receptor k of post from
// step from on.
func NewBias[T Float](name string, post *Population[T], k int, values []T, from int) (*Bias[T], error) {
	if len(values) != post.N {
		return nil, fmt.Errorf("projection %q: %d biases for %d neurons of %q", name, len(values), post.N, post.Name)
	}
	if k < 0 || k >= post.Receptors() {
		return nil, fmt.Errorf("projection %q: %q has no receptor %d", name, post.Name, k)
	}
	for i, v := range values {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("projection %q: bias %d is %v; biases must be finite", name, i, f)
		}
	}
	zero := true
	for _, v := range values {
		zero = zero && v == 0
	}
	return &Bias[T]{Name: name, Post: post, Values: values, Receptor: k, From: from, none: noInput[T]{batch: post.Batch}, zero: zero}, nil
}

// Target returns the population added to.
func (b *Bias[T]) Target() *Population[T] { return b.Post }

// Source is an input of no outputs: a bias reads nothing.
func (b *Bias[T]) Source() Presynaptic[T] { return b.none }

// Propagate adds the biases over r, from step From on (the population's
// last step is the one before the current).
func (b *Bias[T]) Propagate(r Range) {
	p := b.Post
	if b.zero || p.steppedAt+1 < b.From || r.Hi <= r.Lo {
		return
	}
	in := p.Input(b.Receptor)
	addTrials(in[p.at(r.B0, r.Lo):p.at(r.B0, r.Hi)], p.Stride, b.Values[r.Lo:r.Hi], r.B1-r.B0)
}

// noInput is the empty presynaptic group a bias reads.
type noInput[T Float] struct{ batch int }

func (noInput[T]) Size() int          { return 0 }
func (n noInput[T]) BatchSize() int   { return n.batch }
func (noInput[T]) Events(int) []int32 { return nil }
func (noInput[T]) Values() []T        { return nil }

// Identity adds each output of a group of the population's size to the
// neuron of the same index: NIR's edge from one node straight into
// another, with no weights between — or, with Gain, each output times its
// own factor (NIR's Scale), and with a delay (NIR's Delay).
type Identity[T Float] struct {
	Name string
	Pre  Presynaptic[T]
	Post *Population[T]
	// Gain multiplies output i by Gain[i]; nil: 1.
	Gain []T
	// Receptor is the input current added to and Delay the delay in
	// steps; set them with SetInput.
	Receptor, Delay int
}

// SetInput routes the projection into receptor k with the given delay in
// steps, reserving the delay's ring buffer.
func (d *Identity[T]) SetInput(k, delay int) error {
	if err := d.Post.ReserveDelay(k, delay); err != nil {
		return fmt.Errorf("projection %q: %w", d.Name, err)
	}
	d.Receptor, d.Delay = k, delay
	return nil
}

// SetGain gives every output its factor (nil: 1).
func (d *Identity[T]) SetGain(g []T) error {
	if g != nil && len(g) != d.Post.N {
		return fmt.Errorf("projection %q: %d factors for %d neurons", d.Name, len(g), d.Post.N)
	}
	for i, v := range g {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("projection %q: factor %d is %v; factors must be finite", d.Name, i, f)
		}
	}
	d.Gain = g
	return nil
}

// NewIdentity connects pre to post one to one.
func NewIdentity[T Float](name string, pre Presynaptic[T], post *Population[T], k int) (*Identity[T], error) {
	if pre.Size() != post.N || pre.BatchSize() != post.Batch {
		return nil, fmt.Errorf("projection %q: %d outputs × %d trials onto %d neurons × %d trials of %q; an identity needs the same", name, pre.Size(), pre.BatchSize(), post.N, post.Batch, post.Name)
	}
	if k < 0 || k >= post.Receptors() {
		return nil, fmt.Errorf("projection %q: %q has no receptor %d", name, post.Name, k)
	}
	return &Identity[T]{Name: name, Pre: pre, Post: post, Receptor: k}, nil
}

// Target returns the population added to.
func (d *Identity[T]) Target() *Population[T] { return d.Post }

// Source returns the group read.
func (d *Identity[T]) Source() Presynaptic[T] { return d.Pre }

// Propagate adds the group's outputs over r: its values, or 1 for each
// output that spiked.
func (d *Identity[T]) Propagate(r Range) {
	p := d.Post
	in := p.InputFor(d.Receptor, d.Delay)
	if x := d.Pre.Values(); x != nil {
		for b := r.B0; b < r.B1; b++ {
			row := in[p.at(b, r.Lo):p.at(b, r.Hi)]
			src := x[b*p.N+r.Lo : b*p.N+r.Hi]
			if d.Gain == nil {
				for j := range row {
					row[j] += src[j]
				}
				continue
			}
			g := d.Gain[r.Lo:r.Hi]
			for j := range row {
				row[j] += T(g[j] * src[j])
			}
		}
		return
	}
	for b := r.B0; b < r.B1; b++ {
		row := p.Row(in, b) // neuron i at i−lo
		lo0, _ := p.Held()
		ev := d.Pre.Events(b)
		// The events are sorted: only those of the range are visited.
		lo, hi := 0, len(ev)
		for lo < hi {
			if m := (lo + hi) / 2; int(ev[m]) < r.Lo {
				lo = m + 1
			} else {
				hi = m
			}
		}
		ev = ev[lo:]
		for _, i := range ev {
			if int(i) >= r.Hi {
				break
			}
			if d.Gain == nil {
				row[int(i)-lo0]++
			} else {
				row[int(i)-lo0] += d.Gain[i]
			}
		}
	}
}
