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

// weightBlock is the number of consecutive weights of a row drawn from one
// keyed generator. It is a multiple of 64 so that every thread's neuron
// range (64-aligned) starts a block, and large enough that reseeding costs
// little per weight.
const weightBlock = 64

// normalRow generates rows of the Normal(0, scale) weight matrix keyed by
// (seed, stream): row r, columns [lo, hi), drawn block by block from a
// generator keyed by (row, block), so any column range can be produced on
// its own and equals the same columns of the whole row.
type normalRow struct {
	seed   uint64
	stream uint64
	scale  float64
}

func newNormalRow(seed, stream uint64, scale float64) normalRow {
	return normalRow{seed: seed, stream: streamWeights + stream<<8, scale: scale}
}

// fill writes weights [lo, lo+len(dst)) of row r into dst; lo must be a
// multiple of weightBlock.
func fill[T Float](g normalRow, dst []T, r, lo int) {
	for k := 0; k < len(dst); k += weightBlock {
		hi, l := pcgKey(g.seed, g.stream, uint64(r), uint64((lo+k)/weightBlock))
		// normalStream.norm written out with the state in a local
		// variable: BenchmarkProceduralRow went from 8.0-10.0 to 5.5-6.4 ns
		// per weight on the machine of BENCHMARKS.md.
		s := hi ^ l
		blk := dst[k:min(k+weightBlock, len(dst))]
		for j := range blk {
			var u uint64
			s, u = wyrand(s)
			x, ok := zigRect(u)
			if !ok {
				src := normalStream{s: s}
				x = src.normSlow(u)
				s = src.s
			}
			blk[j] = T(x * g.scale)
		}
	}
}

// NormalWeights fills W (rows × cols, row-major) with Normal(0, scale)
// samples keyed by (seed, stream, row, block of 64 columns), so any block
// can be generated on its own: the Procedural projection regenerates
// exactly these values instead of storing them. It draws on threads
// threads (< 1: DefaultThreads), with the same bits on any number.
func NormalWeights[T Float](W []T, rows, cols int, scale float64, seed uint64, stream uint64, threads int) {
	g := newNormalRow(seed, stream, scale)
	// A task is a row's segment of at most setupChunk columns, so that a
	// single long row is drawn on every thread too.
	seg := (cols + setupChunk - 1) / setupChunk
	forChunks(threads, rows*seg, perChunk(min(cols, setupChunk)), func(a, b int) {
		for t := a; t < b; t++ {
			r, lo := t/seg, t%seg*setupChunk
			hi := min(cols, lo+setupChunk)
			fill(g, W[r*cols+lo:r*cols+hi], r, lo)
		}
	})
}
