package engine

import "math/rand/v2"

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

// keyedPCG returns a PCG generator keyed by (seed, stream, a, b). Keying the
// generator by step and trial, rather than drawing from one long sequence,
// makes every draw independent of the order in which work is done: a run
// split over any number of threads, or resumed from a checkpoint, draws the
// same numbers.
func keyedPCG(seed, stream, a, b uint64) rand.PCG {
	hi := mix(seed ^ mix(stream))
	lo := mix(hi ^ mix(a^mix(b+0x632be59bd9b4e019)))
	return *rand.NewPCG(hi, lo)
}

// NormalWeights fills W (rows × cols, row-major) with Normal(0, scale)
// samples keyed by seed and row, so any row can be generated on its own.
func NormalWeights[T Float](W []T, rows, cols int, scale float64, seed uint64, stream uint64) {
	for r := 0; r < rows; r++ {
		src := keyedPCG(seed, streamWeights+stream<<8, uint64(r), 0)
		rng := rand.New(&src)
		row := W[r*cols : (r+1)*cols]
		for j := range row {
			row[j] = T(rng.NormFloat64() * scale)
		}
	}
}
