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

// EarlyProjections are the projections into population i that run while
// the population before it exchanges its spikes (ranks.go): none without
// ranks.
func (n *Network[T]) EarlyProjections(i int) []Projection[T] {
	n.prepare()
	return n.phases[i].early
}
