package kernels

import "math"

// FlushSubnormals32 replaces every subnormal value of x by the zero of its
// sign and leaves the others, zeros included, as they are. A state that
// decays without input (a current, a potential resting at 0) ends among
// the subnormals and stays there, at a few units of the least, where x·α
// rounds back to x;
// on many x86 cores every multiply that reads or makes one takes a
// microcode assist, the update running several times slower for as long
// as the state stays silent. It runs the active implementation (see
// [Use]); all give the same bits.
func FlushSubnormals32(x []float32) { active.FlushSubnormals32(x) }

// FlushEvery is the period, in steps, at which leaky's engine flushes its
// state's subnormals (after every step t with t+1 a multiple of it), and
// at which benchmarks of updates that consume their input flush theirs,
// as the engine would.
const FlushEvery = 64

// FlushSubnormals64 is FlushSubnormals32 in float64.
func FlushSubnormals64(x []float64) { active.FlushSubnormals64(x) }

// flushSubnormalsGeneric is the reference of FlushSubnormals32 and
// FlushSubnormals64: a value whose exponent bits are all zero keeps its
// sign bit alone.
func flushSubnormalsGeneric[T float32 | float64](x []T) {
	switch x := any(x).(type) {
	case []float32:
		for i, v := range x {
			if b := math.Float32bits(v); b&0x7f800000 == 0 {
				x[i] = math.Float32frombits(b & 0x80000000)
			}
		}
	case []float64:
		for i, v := range x {
			if b := math.Float64bits(v); b&0x7ff0000000000000 == 0 {
				x[i] = math.Float64frombits(b & 0x8000000000000000)
			}
		}
	}
}

// leastNormal is the least positive normal value of T.
func leastNormal[T float32 | float64]() T {
	var x T
	if _, ok := any(x).(float32); ok {
		return T(math.SmallestNonzeroFloat32 * (1 << 23))
	}
	return T(math.SmallestNonzeroFloat64 * (1 << 52))
}
