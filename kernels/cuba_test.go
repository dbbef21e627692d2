package kernels

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// cubaCase is one input of the CUBA kernel.
type cubaCase struct {
	V, I0, Iin0, I1, Iin1 []float32
	refrac                []int32
}

func newCubaCase(rng *rand.Rand, n int) cubaCase {
	c := cubaCase{make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]int32, n)}
	for i := 0; i < n; i++ {
		c.V[i] = float32(-60 + 12*rng.Float64())
		c.I0[i] = float32(rng.NormFloat64())
		c.I1[i] = float32(-rng.Float64())
		if rng.IntN(4) == 0 {
			c.Iin0[i] = 1.62
		}
		if rng.IntN(8) == 0 {
			c.Iin1[i] = -9
		}
		if rng.IntN(5) == 0 {
			c.refrac[i] = int32(rng.IntN(4))
		}
		switch rng.IntN(50) {
		case 0:
			c.V[i] = float32(math.NaN())
		case 1:
			c.V[i] = -50 // exactly θ: no spike
		case 2:
			c.V[i] = float32(math.Inf(1))
		}
	}
	return c
}

func (c cubaCase) clone() cubaCase {
	return cubaCase{slices.Clone(c.V), slices.Clone(c.I0), slices.Clone(c.Iin0), slices.Clone(c.I1), slices.Clone(c.Iin1), slices.Clone(c.refrac)}
}

// cubaReference is the plain loop of CubaUpdate32's doc comment, written
// out separately from the kernels.
func cubaReference(c cubaCase, p *CubaParams32) (spiked []bool) {
	spiked = make([]bool, len(c.V))
	for i := range c.V {
		c0, c1 := c.I0[i], c.I1[i]
		c.I0[i] = float32(p.A0*c0) + c.Iin0[i]
		c.I1[i] = float32(p.A1*c1) + c.Iin1[i]
		c.Iin0[i], c.Iin1[i] = 0, 0
		if c.refrac[i] > 0 {
			c.refrac[i]--
			continue
		}
		leak := p.VLeak + float32(p.Beta*(c.V[i]-p.VLeak))
		v := leak + float32(p.Gain*(c0+c1))
		if c.V[i] > p.Theta {
			spiked[i] = true
			v = p.VReset
			c.refrac[i] = p.Hold
		}
		c.V[i] = v
	}
	return spiked
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestCubaReference runs every available implementation, through Use and
// the package-level CubaUpdate32, over sizes 0…67, word multiples, a size
// past one assembly chunk (1<<16 neurons) and misaligned starts, and
// compares state, spike masks and counts with the transcribed reference
// loop bit for bit; guard words past the mask must stay untouched.
func TestCubaReference(t *testing.T) {
	p := &CubaParams32{A0: float32(math.Exp(-0.1 / 5)), A1: float32(math.Exp(-0.1 / 10)), Beta: float32(math.Exp(-0.1 / 20)),
		VLeak: -49, Gain: float32(-math.Expm1(-0.1 / 20)), Theta: -50, VReset: -60, Hold: 49}
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{}
	for n := 0; n <= 67; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 128, 640, 1000, 1<<16+100)
	prev := Active().Name
	defer Use(prev)
	for _, impl := range Available() {
		if err := Use(impl.Name); err != nil {
			t.Fatal(err)
		}
		for _, n := range sizes {
			for _, off := range []int{0, 3} {
				base := newCubaCase(rng, n+off)
				c := cubaCase{base.V[off:], base.I0[off:], base.Iin0[off:], base.I1[off:], base.Iin1[off:], base.refrac[off:]}
				want := c.clone()
				spiked := cubaReference(want, p)
				const guard = 0xdeadbeef
				mask := make([]uint64, MaskWords(n)+1)
				mask[len(mask)-1] = guard
				for i := range mask[:len(mask)-1] {
					mask[i] = ^uint64(0) // must be overwritten
				}
				got := c.clone()
				count := CubaUpdate32(got.V, got.I0, got.Iin0, got.I1, got.Iin1, got.refrac, p, mask)
				if !sameBits(got.V, want.V) || !sameBits(got.I0, want.I0) || !sameBits(got.I1, want.I1) || !slices.Equal(got.refrac, want.refrac) ||
					!sameBits(got.Iin0, want.Iin0) || !sameBits(got.Iin1, want.Iin1) {
					t.Fatalf("%s n=%d off=%d: state differs from the reference", impl.Name, n, off)
				}
				wantCount := 0
				for i, s := range spiked {
					if s {
						wantCount++
					}
					if bit := mask[i>>6]>>(i&63)&1 == 1; bit != s {
						t.Fatalf("%s n=%d off=%d: spike bit %d = %v, want %v", impl.Name, n, off, i, bit, s)
					}
				}
				if n%64 != 0 && mask[n>>6]>>(n&63) != 0 {
					t.Fatalf("%s n=%d: bits past n set", impl.Name, n)
				}
				if count != wantCount || mask[len(mask)-1] != guard {
					t.Fatalf("%s n=%d off=%d: count %d want %d, guard %x", impl.Name, n, off, count, wantCount, mask[len(mask)-1])
				}
			}
		}
	}
}

// TestCubaReference64 compares every available float64 kernel, through
// Use and the package-level CubaUpdate64, with the reference loop
// transcribed in float64, products rounded before they are added.
func TestCubaReference64(t *testing.T) {
	p := &CubaParams64{A0: 0.98, A1: 0.99, Beta: 0.995, VLeak: -49, Gain: 0.005, Theta: -50, VReset: -60, Hold: 3}
	prev := Active().Name
	defer Use(prev)
	for _, impl := range Available() {
		if err := Use(impl.Name); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		const n = 300
		V, I0, Iin0, I1, Iin1 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		refrac := make([]int32, n)
		for i := range V {
			V[i], I0[i], I1[i], Iin0[i], Iin1[i] = -60+12*rng.Float64(), rng.NormFloat64(), -rng.Float64(), rng.Float64(), -rng.Float64()
			refrac[i] = int32(rng.IntN(3))
		}
		wV, wI0, wI1, wr := slices.Clone(V), slices.Clone(I0), slices.Clone(I1), slices.Clone(refrac)
		wantCount := 0
		for i := range wV {
			c0, c1 := wI0[i], wI1[i]
			wI0[i] = float64(p.A0*c0) + Iin0[i]
			wI1[i] = float64(p.A1*c1) + Iin1[i]
			if Iin0[i] == 0 && Iin1[i] == 0 {
				t.Fatal("an input already zero: the case could not see it cleared")
			}
			if wr[i] > 0 {
				wr[i]--
				continue
			}
			v := p.VLeak + float64(p.Beta*(wV[i]-p.VLeak)) + float64(p.Gain*(c0+c1))
			if wV[i] > p.Theta {
				wantCount++
				v, wr[i] = p.VReset, p.Hold
			}
			wV[i] = v
		}
		mask := make([]uint64, MaskWords(n))
		count := CubaUpdate64(V, I0, Iin0, I1, Iin1, refrac, p, mask)
		if !slices.Equal(V, wV) || !slices.Equal(I0, wI0) || !slices.Equal(I1, wI1) || !slices.Equal(refrac, wr) || count != wantCount {
			t.Fatalf("%s: float64 kernel differs from the reference (count %d, want %d)", impl.Name, count, wantCount)
		}
		if slices.ContainsFunc(Iin0, func(x float64) bool { return x != 0 }) || slices.ContainsFunc(Iin1, func(x float64) bool { return x != 0 }) {
			t.Fatalf("%s: float64 kernel left its inputs non-zero", impl.Name)
		}
		if wantCount == 0 {
			t.Fatal("no spikes: the case does not test the reset")
		}
	}
}

// cubaParamSets are the parameters the equivalence tables run: a plain
// set, one that spikes at 0 with no hold, one whose threshold is NaN (no
// lane may spike) with a negative Hold, and one with an infinite gain and
// the largest Hold.
func cubaParamSets() []CubaParams64 {
	return []CubaParams64{
		{A0: 0.9, A1: 0.8, Beta: 0.95, VLeak: 0.25, Gain: 0.3, Theta: 1, VReset: -0.5, Hold: 3},
		{A0: 0.5, A1: 1, Beta: 0.75, VLeak: -0.5, Gain: 1.5, Theta: 0, VReset: 0, Hold: 0},
		{A0: 0.99, A1: 0.7, Beta: 1, VLeak: 0, Gain: 0.1, Theta: math.NaN(), VReset: math.Copysign(0, -1), Hold: -2},
		{A0: 0.25, A1: 0.5, Beta: 0.5, VLeak: 1, Gain: math.Inf(1), Theta: 0.5, VReset: math.NaN(), Hold: math.MaxInt32},
	}
}

func (p CubaParams64) to32() *CubaParams32 {
	return &CubaParams32{float32(p.A0), float32(p.A1), float32(p.Beta), float32(p.VLeak), float32(p.Gain), float32(p.Theta), float32(p.VReset), p.Hold}
}

// refracStates returns a fill function for refractory counters: mostly free
// (0), some counting down, some negative (free too) and the extremes.
func refracStates(rng *rand.Rand, hold int32) func(int) int32 {
	states := []int32{0, 0, 0, 0, 1, 2, 5, -1, hold, math.MaxInt32, math.MinInt32}
	return func(int) int32 { return states[rng.IntN(len(states))] }
}

// bufI32 is buf for refractory counters, with 0xdeadbeef guards.
func bufI32(n, off int, fill func(i int) int32) []int32 {
	return guarded(n, off, -0x21524111, fill)
}

// sameI32 compares two counter slices including their guard regions.
func sameI32(t *testing.T, what string, got, want []int32) {
	t.Helper()
	g, w := full(got), full(want)
	for i := range w {
		if g[i] != w[i] {
			t.Fatalf("%s: index %d (length %d): got %d, want %d", what, i, len(want), g[i], w[i])
		}
	}
}

// TestCubaUpdate runs every implementation the CPU has against Generic,
// CubaUpdate32 and CubaUpdate64, bit for bit including the guard values past
// every slice: all sizes up to 67 and past the chunk, misaligned starts,
// NaN/Inf/denormal inputs, every kind of refractory counter and the
// parameter sets above.
func TestCubaUpdate(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testCubaUpdate(t, ops32, 7) })
	t.Run("float64", func(t *testing.T) { testCubaUpdate(t, ops64, 9) })
}

// testCubaUpdate is TestCubaUpdate for one width, with generator seeds seed
// and seed+1.
func testCubaUpdate[T float](t *testing.T, ops kops[T], seed uint64) {
	testReceptorUpdate(t, seed, cubaParamSets(), func(p CubaParams64) int32 { return p.Hold }, ops.cuba)
}

// TestCubaUpdateShortArgs checks that every implementation panics, as
// generic does, on a slice with room for fewer than len(V) values, before
// writing anything: the assembly checks no bounds itself. (Like every
// kernel, CubaUpdate reslices its arguments to len(V), so the room that
// counts is the capacity.)
func TestCubaUpdateShortArgs(t *testing.T) {
	p := cubaParamSets()[0].to32()
	testReceptorShortArgs(t, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float32, R []int32, S []uint64) {
		impl.CubaUpdate32(V, I0, Iin0, I1, Iin1, R, p, S)
	})
}

// TestReceptorUpdateDispatch checks that the package-level CUBA and COBA
// functions call the active implementation, so that LEAKY_KERNEL and Use
// switch them like every other kernel.
func TestReceptorUpdateDispatch(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	var called []string
	active = &Impl{
		Name: "probe",
		CubaUpdate32: func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
			called = append(called, "cuba32")
			return 7
		},
		CubaUpdate64: func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
			called = append(called, "cuba64")
			return 8
		},
		CobaUpdate32: func(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p *CobaParams32, spikes []uint64) int {
			called = append(called, "coba32")
			return 9
		},
		CobaUpdate64: func(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p *CobaParams64, spikes []uint64) int {
			called = append(called, "coba64")
			return 10
		},
	}
	got := []int{
		CubaUpdate32(nil, nil, nil, nil, nil, nil, &CubaParams32{}, nil),
		CubaUpdate64(nil, nil, nil, nil, nil, nil, &CubaParams64{}, nil),
		CobaUpdate32(nil, nil, nil, nil, nil, nil, &CobaParams32{}, nil),
		CobaUpdate64(nil, nil, nil, nil, nil, nil, &CobaParams64{}, nil),
	}
	if !slices.Equal(got, []int{7, 8, 9, 10}) {
		t.Errorf("the package-level functions returned %v, not the active implementation's [7 8 9 10]", got)
	}
	if !slices.Equal(called, []string{"cuba32", "cuba64", "coba32", "coba64"}) {
		t.Errorf("active implementation called for %v, want [cuba32 cuba64 coba32 coba64]", called)
	}
}

// TestImplsComplete checks that every implementation compiled in, whether
// or not this CPU runs it, has every kernel and every instrument: a nil
// field would panic only on the machines that pick that implementation.
func TestImplsComplete(t *testing.T) {
	nilFuncs := func(name string, table any) {
		v := reflect.ValueOf(table).Elem()
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.Func && f.IsNil() {
				t.Errorf("%s: %s is nil", name, v.Type().Field(i).Name)
			}
		}
	}
	for _, impl := range Known() {
		nilFuncs(impl.Name, impl)
		in := instrumentsOf[impl]
		if in == nil || in.Name != impl.Name {
			t.Errorf("%s: instruments %+v", impl.Name, in)
			continue
		}
		nilFuncs(impl.Name+" instruments", in)
	}
}

// TestCubaUpdateNoAlloc checks that the CUBA update allocates nothing: the
// engine calls it for every row of every step.
func TestCubaUpdateNoAlloc(t *testing.T) {
	p32 := cubaParamSets()[0].to32()
	p64 := cubaParamSets()[0]
	const n = 200
	c := newCubaCase(rand.New(rand.NewPCG(3, 3)), n)
	V64, I064, I164 := make([]float64, n), make([]float64, n), make([]float64, n)
	S := make([]uint64, MaskWords(n))
	for _, impl := range Available() {
		a := testing.AllocsPerRun(20, func() {
			impl.CubaUpdate32(c.V, c.I0, c.Iin0, c.I1, c.Iin1, c.refrac, p32, S)
			impl.CubaUpdate64(V64, I064, V64, I164, V64, c.refrac, &p64, S)
		})
		if a != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, a)
		}
	}
}
