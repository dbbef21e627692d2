package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func (p CobaParams64) to32() *CobaParams32 {
	return &CobaParams32{float32(p.A0), float32(p.A1), float32(p.Gamma), float32(p.VLeak), float32(p.E0), float32(p.E1),
		float32(p.Theta), float32(p.VReset), p.Hold}
}

// cobaBenchParams are the COBA benchmark's parameters (Brette et al. 2007,
// benchmark 1, at dt = 0.1 ms with the exact decays, potentials in mV).
var cobaBenchParams = CobaParams64{A0: math.Exp(-0.1 / 5), A1: math.Exp(-0.1 / 10), Gamma: -math.Expm1(-0.1 / 20),
	VLeak: -60, E0: 0, E1: -80, Theta: -50, VReset: -60, Hold: 49}

// cobaParamSets are the parameters the equivalence tables run: a plain set
// around the inputs' scale, one with a whole Euler step (Gamma 1) that
// spikes at 0 with no hold, one whose threshold is NaN (no lane may spike)
// with a negative Hold, one with an infinite Gamma and the largest Hold,
// and the benchmark's, under which nearly every input is above threshold.
func cobaParamSets() []CobaParams64 {
	return []CobaParams64{
		{A0: 0.9, A1: 0.8, Gamma: 0.05, VLeak: 0.25, E0: 4, E1: -1, Theta: 1, VReset: -0.5, Hold: 3},
		{A0: 0.5, A1: 1, Gamma: 1, VLeak: -0.5, E0: 0, E1: 0, Theta: 0, VReset: 0, Hold: 0},
		{A0: 0.99, A1: 0.7, Gamma: 0.1, VLeak: 0, E0: 2, E1: -3, Theta: math.NaN(), VReset: math.Copysign(0, -1), Hold: -2},
		{A0: 0.25, A1: 0.5, Gamma: math.Inf(1), VLeak: 1, E0: 5, E1: -5, Theta: 0.5, VReset: math.NaN(), Hold: math.MaxInt32},
		cobaBenchParams,
	}
}

// cobaReference is the plain loop of CobaUpdate32's doc comment, written
// out separately from the kernels, in T with every product rounded.
func cobaReference[T float](V, G0, Gin0, G1, Gin1 []T, refrac []int32, p CobaParams64) (count int) {
	a0, a1, gamma, vl, e0, e1, theta, vr := T(p.A0), T(p.A1), T(p.Gamma), T(p.VLeak), T(p.E0), T(p.E1), T(p.Theta), T(p.VReset)
	for i := range V {
		g0, g1 := G0[i], G1[i]
		G0[i] = T(a0*g0) + Gin0[i]
		G1[i] = T(a1*g1) + Gin1[i]
		Gin0[i], Gin1[i] = 0, 0
		if refrac[i] > 0 {
			refrac[i]--
			continue
		}
		x := V[i]
		leak := vl - x
		exc := T(g0 * (e0 - x))
		inh := T(g1 * (e1 - x))
		v := x + T(gamma*(leak+exc+inh))
		if x > theta {
			count++
			v = vr
			refrac[i] = p.Hold
		}
		V[i] = v
	}
	return count
}

// TestCobaReference compares every available implementation, generic
// included, through Use and the package-level CobaUpdate32 and
// CobaUpdate64, with the transcribed reference loop on the benchmark's
// parameters and realistic state: potentials between reset and threshold
// and above it, conductances around the benchmark's initial ones, inputs
// of the benchmark's weights, counters counting down.
func TestCobaReference(t *testing.T) {
	t.Run("float32", func(t *testing.T) {
		testCobaReference(t, func(V, G0, Gin0, G1, Gin1 []float32, R []int32, p CobaParams64, S []uint64) int {
			return CobaUpdate32(V, G0, Gin0, G1, Gin1, R, p.to32(), S)
		})
	})
	t.Run("float64", func(t *testing.T) {
		testCobaReference(t, func(V, G0, Gin0, G1, Gin1 []float64, R []int32, p CobaParams64, S []uint64) int {
			return CobaUpdate64(V, G0, Gin0, G1, Gin1, R, &p, S)
		})
	})
}

func testCobaReference[T float](t *testing.T, update receptorFn[T, CobaParams64]) {
	p := cobaBenchParams
	if is32[T]() {
		// The reference computes in T from the parameters rounded to T.
		p = CobaParams64{float64(float32(p.A0)), float64(float32(p.A1)), float64(float32(p.Gamma)), p.VLeak, p.E0, p.E1, p.Theta, p.VReset, p.Hold}
	}
	prev := Active().Name
	defer Use(prev)
	for _, impl := range Available() {
		if err := Use(impl.Name); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 12))
		for _, n := range []int{0, 1, 63, 64, 65, 300, 1<<16 + 100} {
			V, G0, Gin0, G1, Gin1 := make([]T, n), make([]T, n), make([]T, n), make([]T, n), make([]T, n)
			R := make([]int32, n)
			for i := range V {
				V[i] = T(-65 + 17*rng.Float64())
				G0[i], G1[i] = T(4+1.5*rng.NormFloat64()), T(20+12*rng.NormFloat64())
				if rng.IntN(4) == 0 {
					Gin0[i] = 0.6
				}
				if rng.IntN(8) == 0 {
					Gin1[i] = 6.7
				}
				R[i] = int32(rng.IntN(5)) - 1
			}
			wV, wG0, wG1, wR := slices.Clone(V), slices.Clone(G0), slices.Clone(G1), slices.Clone(R)
			wGin0, wGin1 := slices.Clone(Gin0), slices.Clone(Gin1)
			wantCount := cobaReference(wV, wG0, wGin0, wG1, wGin1, wR, p)
			S := make([]uint64, MaskWords(n))
			count := update(V, G0, Gin0, G1, Gin1, R, p, S)
			if !sameBitsT(V, wV) || !sameBitsT(G0, wG0) || !sameBitsT(G1, wG1) || !slices.Equal(R, wR) || count != wantCount {
				t.Fatalf("%s n=%d: differs from the reference (count %d, want %d)", impl.Name, n, count, wantCount)
			}
			if !sameBitsT(Gin0, wGin0) || !sameBitsT(Gin1, wGin1) {
				t.Fatalf("%s n=%d: the inputs are not left zero", impl.Name, n)
			}
			if n >= 300 && wantCount == 0 {
				t.Fatalf("n=%d: no spikes: the case does not test the reset", n)
			}
		}
	}
}

// sameBitsT reports whether a and b hold the same bit patterns.
func sameBitsT[T float](a, b []T) bool {
	return slices.EqualFunc(a, b, func(x, y T) bool { return bitsOf(x) == bitsOf(y) })
}

// TestCobaUpdate runs every implementation the CPU has against Generic,
// CobaUpdate32 and CobaUpdate64, over the equivalence table the CUBA update
// runs (testReceptorUpdate) with the parameter sets above.
func TestCobaUpdate(t *testing.T) {
	hold := func(p CobaParams64) int32 { return p.Hold }
	t.Run("float32", func(t *testing.T) { testReceptorUpdate(t, 17, cobaParamSets(), hold, ops32.coba) })
	t.Run("float64", func(t *testing.T) { testReceptorUpdate(t, 19, cobaParamSets(), hold, ops64.coba) })
}

// TestCobaUpdateShortArgs is TestCubaUpdateShortArgs for the COBA update.
func TestCobaUpdateShortArgs(t *testing.T) {
	p := cobaParamSets()[0].to32()
	testReceptorShortArgs(t, func(impl *Impl, V, G0, Gin0, G1, Gin1 []float32, R []int32, S []uint64) {
		impl.CobaUpdate32(V, G0, Gin0, G1, Gin1, R, p, S)
	})
}

// TestCobaUpdateNoAlloc checks that the COBA update allocates nothing: the
// engine calls it for every row of every step.
func TestCobaUpdateNoAlloc(t *testing.T) {
	p32, p64 := cobaBenchParams.to32(), cobaBenchParams
	const n = 200
	V32, V64 := make([]float32, n), make([]float64, n)
	R, S := make([]int32, n), make([]uint64, MaskWords(n))
	for _, impl := range Available() {
		a := testing.AllocsPerRun(20, func() {
			impl.CobaUpdate32(V32, V32, V32, V32, V32, R, p32, S)
			impl.CobaUpdate64(V64, V64, V64, V64, V64, R, &p64, S)
		})
		if a != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, a)
		}
	}
}
