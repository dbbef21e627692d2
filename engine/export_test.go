package engine

// ReadMasks is readMasks, for the tests of a Feed that lists its spikes
// in Set's scan (read false) and one that keeps masks.
func (f *Feed[T]) ReadMasks(read bool) { f.readMasks(read) }

// ListEvery is listEvery, for the tests of a Feed that lists a trial's
// spikes only when asked (every false).
func (f *Feed[T]) ListEvery(every bool) { f.listEvery(every) }

// ExchangesAhead reports whether the ranks exchange each step's spikes
// in one collective before it (ranks.go); false without ranks.
func (n *Network[T]) ExchangesAhead() bool { return n.ranks != nil && n.ranks.ahead }

// AheadSlot is the most bytes a rank's share of the collective before a
// step takes now (ranks.go's slot): it grows when a step's spikes need
// more.
func (n *Network[T]) AheadSlot() int { return n.ranks.slot }

// SetAheadSlot sets the slot, and the collective's layout with it.
func (n *Network[T]) SetAheadSlot(slot int) {
	n.ranks.slot = slot
	n.ranks.sizeAhead()
}

// EarlyProjections are the projections into population i that run while
// the population before it exchanges its spikes (ranks.go): none without
// ranks.
func (n *Network[T]) EarlyProjections(i int) []Projection[T] {
	n.prepare()
	return n.phases[i].early
}

// AheadSources counts the populations' steps whose spikes, exchanged
// before the step, an update wrote ahead (kernels.CubaUpdateAhead) and
// those read off the state (ranks.go).
func (n *Network[T]) AheadSources() (fromUpdate, fromState int) {
	return n.ranks.fromUpdate, n.ranks.fromState
}

// ReadAheadOffState makes every step read the spikes exchanged before it
// off the state (kernels.ThresholdMask), as before updates wrote them
// ahead, for the benchmarks that compare the two.
func (n *Network[T]) ReadAheadOffState(on bool) { n.ranks.readState = on }
