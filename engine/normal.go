package engine

import (
	"math"
	"math/bits"
)

// normalStream draws standard normal numbers for weights: a counter-based
// uniform generator (wyrand: one 64×64→128-bit multiply per number) feeding
// Marsaglia and Tsang's ziggurat. It exists because weights of procedural
// projections are regenerated every time an input spikes, billions of times
// per run at 10⁷ neurons. BenchmarkProceduralRow measured about 18 ns a
// weight with math/rand's PCG behind rand.Rand and about 6 ns with this, on
// the development machine. Being a plain struct reseeded per
// block of weights, it allocates nothing and can live on the stack.
type normalStream struct{ s uint64 }

// uint64 returns the next uniform 64-bit number (wyrand).
func (g *normalStream) uint64() uint64 {
	var u uint64
	g.s, u = wyrand(g.s)
	return u
}

// wyrand advances the state s by one step and returns the new state and
// its 64-bit draw. Hot loops keep s in a local variable (see fill), which
// the compiler can hold in a register; behind a pointer it is stored and
// reloaded with every draw.
func wyrand(s uint64) (uint64, uint64) {
	s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
	return s, hi ^ lo
}

// uniform returns a uniform number in (0, 1), never 0, so its log is finite.
func (g *normalStream) uniform() float64 {
	return (float64(g.uint64()>>11) + 0.5) * (1.0 / (1 << 53))
}

// zigR is the start of the ziggurat's tail, for 128 layers.
const zigR = 3.442619855899

// The ziggurat tables, computed once by the recurrence of Marsaglia and
// Tsang (2000): zigK[i] is the fraction of layer i lying wholly under the
// density (scaled to 2³¹), zigW[i] the layer's width per unit of the
// 32-bit draw, zigF[i] the density at the layer's edge.
var zigK [128]uint32
var zigW, zigF [128]float64

func init() {
	const m1 = 1 << 31
	const vn = 9.91256303526217e-3
	dn, tn := zigR, zigR
	q := vn / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32(dn / q * m1)
	zigK[1] = 0
	zigW[0] = q / m1
	zigW[127] = dn / m1
	zigF[0] = 1
	zigF[127] = math.Exp(-0.5 * dn * dn)
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(vn/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32(dn / tn * m1)
		tn = dn
		zigF[i] = math.Exp(-0.5 * dn * dn)
		zigW[i] = dn / m1
	}
}

// norm returns a standard normal number. Nearly 99% of draws take the first
// branch (zigRect): one uniform, one table lookup, one multiply; the rest is
// normSlow.
func (g *normalStream) norm() float64 {
	u := g.uint64()
	if x, ok := zigRect(u); ok {
		return x
	}
	return g.normSlow(u)
}

// zigRect returns the normal number that draw u gives when it falls inside
// its ziggurat layer's rectangle, and whether it does.
func zigRect(u uint64) (float64, bool) {
	j := int32(u)
	i := u >> 32 & 127
	return float64(j) * zigW[i], absInt32(j) < zigK[i]
}

// normSlow finishes a draw u that fell outside its layer's rectangle: the
// base layer's tail or a wedge test, drawing again on rejection. Together
// with norm it is exactly Marsaglia and Tsang's loop.
//
//go:noinline
func (g *normalStream) normSlow(u uint64) float64 {
	for {
		j := int32(u)
		i := u >> 32 & 127
		x := float64(j) * zigW[i]
		if absInt32(j) < zigK[i] {
			return x
		}
		if i == 0 {
			// The base layer's tail beyond zigR, by Marsaglia's method.
			for {
				x = -math.Log(g.uniform()) * (1 / zigR)
				y := -math.Log(g.uniform())
				if y+y >= x*x {
					break
				}
			}
			if j > 0 {
				return zigR + x
			}
			return -zigR - x
		}
		// The wedge between the layer's rectangle and the density.
		if zigF[i]+g.uniform()*(zigF[i-1]-zigF[i]) < math.Exp(-0.5*x*x) {
			return x
		}
		u = g.uint64()
	}
}

func absInt32(j int32) uint32 {
	if j < 0 {
		return uint32(-j)
	}
	return uint32(j)
}
