package kernels

import (
	"math"
	"math/rand/v2"
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

// TestCubaUpdate32 runs every available implementation over sizes 0…67,
// word multiples, a size past one assembly chunk and misaligned starts, and
// compares state, spike masks and counts with the reference bit for bit;
// guard words past the mask must stay untouched.
func TestCubaUpdate32(t *testing.T) {
	p := &CubaParams32{A0: float32(math.Exp(-0.1 / 5)), A1: float32(math.Exp(-0.1 / 10)), Beta: float32(math.Exp(-0.1 / 20)),
		VLeak: -49, Gain: float32(-math.Expm1(-0.1 / 20)), Theta: -50, VReset: -60, Hold: 49}
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{}
	for n := 0; n <= 67; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 128, 640, 1000, cubaChunkNeurons()+100)
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
				if !sameBits(got.V, want.V) || !sameBits(got.I0, want.I0) || !sameBits(got.I1, want.I1) || !slices.Equal(got.refrac, want.refrac) {
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

// TestCubaUpdate64 compares the float64 kernel with the reference loop
// transcribed in float64.
func TestCubaUpdate64(t *testing.T) {
	p := &CubaParams64{A0: 0.98, A1: 0.99, Beta: 0.995, VLeak: -49, Gain: 0.005, Theta: -50, VReset: -60, Hold: 3}
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
		t.Fatalf("float64 kernel differs from the reference (count %d, want %d)", count, wantCount)
	}
	if wantCount == 0 {
		t.Fatal("no spikes: the case does not test the reset")
	}
}

// BenchmarkCubaUpdate32 times one step of 4000 CUBA neurons per
// implementation.
func BenchmarkCubaUpdate32(b *testing.B) {
	p := &CubaParams32{A0: 0.98, A1: 0.99, Beta: 0.995, VLeak: -49, Gain: 0.005, Theta: -50, VReset: -60, Hold: 49}
	prev := Active().Name
	defer Use(prev)
	for _, impl := range Available() {
		b.Run("impl="+impl.Name+"/n=4000", func(b *testing.B) {
			if err := Use(impl.Name); err != nil {
				b.Fatal(err)
			}
			c := newCubaCase(rand.New(rand.NewPCG(1, 1)), 4000)
			mask := make([]uint64, MaskWords(4000))
			for b.Loop() {
				CubaUpdate32(c.V, c.I0, c.Iin0, c.I1, c.Iin1, c.refrac, p, mask)
			}
			b.ReportMetric(4000*float64(b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
		})
	}
}
