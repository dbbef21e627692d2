package engine

import "fmt"

// MaxDelay is the longest synaptic delay in steps a projection may have. It
// bounds the ring buffers, which hold MaxDelay × Batch × N values per
// receptor at most (of a rank's block alone over ranks: NewHeldPopulation).
const MaxDelay = 1 << 16

// Synaptic delays. A projection with delay d ≥ 1 into receptor k adds what
// it would have added to Iin_k at step t into slot (head + d) mod D of
// receptor k's ring buffer instead, where D is the longest delay into the
// population and head the slot due at step t; at the start of step t + d
// the population moves that slot into Iin_k (phase 2 of the schedule,
// before the undelayed projections add) and zeroes it. So a delayed
// contribution reaches Iin exactly d steps later than an undelayed one from
// the same projection would, and each neuron's input is still summed in a
// fixed order: contributions of earlier steps first, then by projection in
// the order added.

// ReserveDelay makes room for a projection into receptor k with the given
// delay in steps (0: none). Projections call it when they are built.
func (p *Population[T]) ReserveDelay(k, delay int) error {
	if k < 0 || k >= p.Receptors() {
		return fmt.Errorf("population %q has %d receptor(s); receptor %d does not exist", p.Name, p.Receptors(), k)
	}
	if delay < 0 || delay > MaxDelay {
		return fmt.Errorf("delay must be between 0 and %d steps, got %d", MaxDelay, delay)
	}
	if delay == 0 {
		return nil
	}
	if p.rings == nil {
		p.rings = make([][]T, p.Receptors())
	}
	size := p.Batch * p.Stride // 0 on a rank with no neurons of p
	if depth := max(p.ringDepth, delay); size > 0 && depth > maxElements/size {
		return fmt.Errorf("population %q: a delay of %d steps needs %d × %d values, too many to address", p.Name, delay, depth, size)
	}
	if delay > p.ringDepth {
		// Re-lay every ring with the slot due next at index 0, keeping
		// whatever is pending, so a delay can be added at any step.
		old := p.ringDepth
		for j, ring := range p.rings {
			if ring == nil {
				continue
			}
			grown := alignedSlice[T](delay * size)
			for s := 0; s < old; s++ {
				from := (p.ringHead + s) % old
				copy(grown[s*size:(s+1)*size], ring[from*size:(from+1)*size])
			}
			p.rings[j] = grown
		}
		p.ringDepth, p.ringHead = delay, 0
	}
	if p.rings[k] == nil {
		p.rings[k] = alignedSlice[T](p.ringDepth * size)
	}
	return nil
}

// MaxDelayReserved is the longest delay reserved so far (0: none).
func (p *Population[T]) MaxDelayReserved() int { return p.ringDepth }

// InputFor returns the array (laid out like V) into which a projection
// into receptor k with the given delay adds at the current step: Iin_k
// itself for delay 0, otherwise the ring slot due delay steps later. The
// delay must have been reserved with ReserveDelay.
func (p *Population[T]) InputFor(k, delay int) []T {
	if delay == 0 {
		return p.Input(k)
	}
	size := p.Batch * p.Stride
	s := (p.ringHead + delay) % p.ringDepth
	return p.rings[k][s*size : (s+1)*size]
}

// deliverInput starts phase 2 over r: every receptor's Iin is set to the
// delayed input due now (or zero, unless the last step's kernel left it
// zero) and that ring slot is emptied.
func (p *Population[T]) deliverInput(r Range) {
	size := p.Batch * p.Stride
	for k := 0; k < p.Receptors(); k++ {
		in := p.Input(k)
		var slot []T
		if p.ringDepth > 0 && p.rings[k] != nil {
			slot = p.rings[k][p.ringHead*size : (p.ringHead+1)*size]
		}
		for b := r.B0; b < r.B1; b++ {
			lo, hi := p.at(b, r.Lo), p.at(b, r.Hi)
			if slot == nil {
				if !p.inputZero {
					clear(in[lo:hi])
				}
				continue
			}
			copy(in[lo:hi], slot[lo:hi])
			clear(slot[lo:hi])
		}
	}
}

// extraStateVars lists the state the general neuron and delays add to a
// population: the currents of receptors past the first, the refractory
// counters, and the ring buffers with their head.
func (p *Population[T]) extraStateVars() []StateVar {
	pre := "pop/" + p.Name + "/"
	var vars []StateVar
	for k := 1; k < p.Receptors(); k++ {
		vars = append(vars,
			SliceVar(fmt.Sprintf("%sI%d", pre, k), p.Current(k)),
			SliceVar(fmt.Sprintf("%sIin%d", pre, k), p.Input(k)))
	}
	if p.Refrac != nil {
		vars = append(vars, SliceVar(pre+"refractory", p.Refrac))
	}
	if p.ringDepth > 0 {
		for k, ring := range p.rings {
			if ring != nil {
				vars = append(vars, SliceVar(fmt.Sprintf("%sdelayed%d", pre, k), ring))
			}
		}
		vars = append(vars, IntVar(pre+"delay_head", &p.ringHead))
	}
	return vars
}
