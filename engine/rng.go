package engine

import (
	"math/bits"
	"math/rand/v2"
)

// Stream numbers separate the independent random sequences drawn from one
// seed, so that adding a consumer never shifts the numbers another one sees.
const (
	streamWeights uint64 = 1 + iota
	streamPoisson
	streamInitial
	streamConnect
)

// mix is SplitMix64's finaliser: a bijective hash that spreads nearby keys
// (seed 1 and seed 2, step 7 and step 8) over the whole 64-bit range.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pcgKey returns the two PCG seeds for (seed, stream, a, b).
func pcgKey(seed, stream, a, b uint64) (uint64, uint64) {
	hi := mix(seed ^ mix(stream))
	lo := mix(hi ^ mix(a^mix(b+0x632be59bd9b4e019)))
	return hi, lo
}

// keyedPCG returns a PCG generator keyed by (seed, stream, a, b). Keying the
// generator by step and trial, rather than drawing from one long sequence,
// makes every draw independent of the order in which work is done: a run
// split over any number of threads, or resumed from a checkpoint, draws the
// same numbers.
func keyedPCG(seed, stream, a, b uint64) rand.PCG {
	return *rand.NewPCG(pcgKey(seed, stream, a, b))
}

// wyStream draws uniform numbers for Poisson inputs: wyrand, one 64×64→128
// bit multiply per number, from a state seeded per step and trial. Being a
// plain struct, it allocates nothing and lives on the stack.
type wyStream struct{ s uint64 }

// uint64 returns the next uniform 64-bit number.
func (g *wyStream) uint64() uint64 {
	g.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(g.s, g.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// uniform returns a uniform number in (0, 1), never 0, so its log is finite.
func (g *wyStream) uniform() float64 {
	return (float64(g.uint64()>>11) + 0.5) * (1.0 / (1 << 53))
}

// NormalWeights fills W (rows × cols, row-major) with Normal(0, scale)
// numbers, row r being row r of the notebook's normal rows of (seed,
// stream), so any part of a row can be generated on its own: the
// Procedural projection regenerates exactly these values instead of
// storing them. It draws on threads threads (< 1: DefaultThreads), with the
// same bits on any number.
func NormalWeights[T Float](W []T, rows, cols int, scale float64, seed uint64, stream uint64, threads int) {
	NormalWeightColumns(W, rows, 0, cols, scale, seed, stream, threads)
}
