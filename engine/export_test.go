package engine

// BlockOf is rank r's block of n neurons among k ranks, for the tests of
// what a rank holds.
var BlockOf = blockOf

// ReadMasks is readMasks, for the tests of a Feed that lists its spikes
// in Set's scan (read false) and one that keeps masks.
func (f *Feed[T]) ReadMasks(read bool) { f.readMasks(read) }
