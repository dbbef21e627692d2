package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// thresholdOf is impl's ThresholdMask of element type T.
func thresholdOf[T float](impl *Impl) func(spikes []uint64, V []T, refrac []int32, theta T) int {
	var f any = impl.ThresholdMask64
	if is32[T]() {
		f = impl.ThresholdMask32
	}
	return f.(func([]uint64, []T, []int32, T) int)
}

// counters are n refractory counters from −2 to 3, a third of them
// positive (held), with guards past them.
func counters(rng *rand.Rand, n, off int) []int32 {
	return guarded(n, off, int32(-7), func(int) int32 { return int32(rng.IntN(6)) - 2 })
}

// TestThresholdMask runs every implementation's ThresholdMask against
// Generic bit for bit, masks, guards past them and the count returned:
// every size of sizes, at four offsets, with and without counters, the
// potentials around the threshold with specials (NaN, infinities,
// denormals, the threshold and its neighbours) among them.
func TestThresholdMask(t *testing.T) {
	t.Run("float32", func(t *testing.T) { forEachImpl(t, testThresholdAgainst[float32]) })
	t.Run("float64", func(t *testing.T) { forEachImpl(t, testThresholdAgainst[float64]) })
}

func testThresholdAgainst[T float](t *testing.T, impl *Impl) {
	got, want := thresholdOf[T](impl), thresholdOf[T](Generic)
	rng := rand.New(rand.NewPCG(15, 40000))
	for _, n := range sizes() {
		for off := range 4 {
			for _, held := range []bool{false, true} {
				theta := T(rng.NormFloat64())
				V := buf(n, off, input[T](rng, theta, true))
				var refrac []int32
				if held {
					refrac = counters(rng, n, off)
				}
				m1, m2 := bufU(MaskWords(n), off), bufU(MaskWords(n), off)
				w, g := want(m1, V, refrac, theta), got(m2, V, refrac, theta)
				what := fmt.Sprintf("n=%d off=%d counters=%v", n, off, held)
				if g != w {
					t.Fatalf("%s: returned %d, want %d", what, g, w)
				}
				sameU(t, what, m2, m1)
			}
		}
	}
}

// TestThresholdMaskPredicts checks what ThresholdMask is for: on the same
// state, its mask is the one the next update finds — CubaUpdate and
// CobaUpdate with counters, LeakyUpdate and RuleUpdate's StepBefore and
// StepSpyx without — whatever the update's input, in every
// implementation.
func TestThresholdMaskPredicts(t *testing.T) {
	t.Run("float32", func(t *testing.T) { forEachImplAndGeneric(t, testThresholdPredicts[float32]) })
	t.Run("float64", func(t *testing.T) { forEachImplAndGeneric(t, testThresholdPredicts[float64]) })
}

// forEachImplAndGeneric is forEachImpl with Generic first.
func forEachImplAndGeneric(t *testing.T, f func(t *testing.T, impl *Impl)) {
	t.Run("generic", func(t *testing.T) { f(t, Generic) })
	forEachImpl(t, f)
}

func testThresholdPredicts[T float](t *testing.T, impl *Impl) {
	mask := thresholdOf[T](impl)
	rng := rand.New(rand.NewPCG(16, 7))
	for _, n := range []int{0, 1, 63, 64, 65, 200, 1000} {
		theta := T(rng.NormFloat64())
		V := buf(n, 1, input[T](rng, theta, true))
		refrac := counters(rng, n, 1)
		inputs := func() []T { return buf(n, 1, input[T](rng, theta, true)) }
		updates := map[string]struct {
			held   bool
			update func(spikes []uint64, V []T) int
		}{
			"cuba": {true, func(spikes []uint64, V []T) int {
				th := float64(theta)
				if is32[T]() {
					p := CubaParams32{A0: 0.9, A1: 0.8, Beta: 0.95, VLeak: -0.5, Gain: 1, Theta: float32(th), VReset: -1, Hold: 3}
					return impl.CubaUpdate32(f32s(V), f32s(inputs()), f32s(inputs()), f32s(inputs()), f32s(inputs()), clone(refrac), &p, spikes)
				}
				p := CubaParams64{A0: 0.9, A1: 0.8, Beta: 0.95, VLeak: -0.5, Gain: 1, Theta: th, VReset: -1, Hold: 3}
				return impl.CubaUpdate64(f64s(V), f64s(inputs()), f64s(inputs()), f64s(inputs()), f64s(inputs()), clone(refrac), &p, spikes)
			}},
			"coba": {true, func(spikes []uint64, V []T) int {
				th := float64(theta)
				if is32[T]() {
					p := CobaParams32{A0: 0.9, A1: 0.8, Gamma: 0.05, VLeak: -0.5, E0: 2, E1: -3, Theta: float32(th), VReset: -1, Hold: 3}
					return impl.CobaUpdate32(f32s(V), f32s(inputs()), f32s(inputs()), f32s(inputs()), f32s(inputs()), clone(refrac), &p, spikes)
				}
				p := CobaParams64{A0: 0.9, A1: 0.8, Gamma: 0.05, VLeak: -0.5, E0: 2, E1: -3, Theta: th, VReset: -1, Hold: 3}
				return impl.CobaUpdate64(f64s(V), f64s(inputs()), f64s(inputs()), f64s(inputs()), f64s(inputs()), clone(refrac), &p, spikes)
			}},
			"leaky": {false, func(spikes []uint64, V []T) int {
				if is32[T]() {
					return impl.LeakyUpdate32(f32s(V), f32s(inputs()), f32s(inputs()), 0.9, 0.95, float32(theta), ResetSubtract, spikes)
				}
				return impl.LeakyUpdate64(f64s(V), f64s(inputs()), f64s(inputs()), 0.9, 0.95, float64(theta), ResetSubtract, spikes)
			}},
		}
		for _, rule := range []StepRule{StepBefore, StepSpyx} {
			updates[fmt.Sprintf("rule %d", rule)] = struct {
				held   bool
				update func(spikes []uint64, V []T) int
			}{false, func(spikes []uint64, V []T) int {
				p := RuleParams[T]{Rule: rule, Alpha: 0.9, InGain: 1, Beta: 0.95, VLeak: -0.5, Gain: 1, Theta: theta, VReset: -1, Sub: theta + 1, Current: true, Subtract: rule == StepSpyx}
				var f any = impl.RuleUpdate64
				if is32[T]() {
					f = impl.RuleUpdate32
				}
				return f.(func(V, I, Iin []T, p *RuleParams[T], spikes []uint64) int)(V, inputs(), inputs(), &p, spikes)
			}}
		}
		for name, u := range updates {
			var held []int32
			if u.held {
				held = refrac
			}
			want := bufU(MaskWords(n), 0)
			wc := u.update(want, clone(V))
			got := bufU(MaskWords(n), 0)
			if gc := mask(got, V, held, theta); gc != wc {
				t.Fatalf("%s, n=%d: %d spikes predicted, the update found %d", name, n, gc, wc)
			}
			sameU(t, fmt.Sprintf("%s, n=%d", name, n), got, want)
		}
	}
}

// f32s and f64s are a slice of T as the kernels of its width take it
// (the caller checks the width).
func f32s[T float](x []T) []float32 { return any(x).([]float32) }
func f64s[T float](x []T) []float64 { return any(x).([]float64) }

func FuzzThresholdMask32(f *testing.F) {
	f.Add([]byte("\x50\x01\x00\x00\x80\x3f\x00\x00\x80\x3f\x01\x00\x80\x3fseed bytes for the threshold masks"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzThresholdMask[float32](t, data) })
}

func FuzzThresholdMask64(f *testing.F) {
	f.Add([]byte("\x90\x02\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\xf0\xbfseed bytes, float64"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzThresholdMask[float64](t, data) })
}

// fuzzThresholdMask is the body of FuzzThresholdMask32 and
// FuzzThresholdMask64: n potentials as the bytes choose (vals), counters
// or none, and a threshold, against Generic.
func fuzzThresholdMask[T float](t *testing.T, data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	held := d.u8()%2 == 1
	theta := T(d.small())
	V := vals[T](d, n)
	var refrac []int32
	if held {
		refrac = d.refrac(n)
	}
	want := make([]uint64, MaskWords(n)+1)
	wc := thresholdOf[T](Generic)(want, V, refrac, theta)
	for _, impl := range fuzzImpls(t) {
		got := make([]uint64, len(want))
		if g := thresholdOf[T](impl)(got, V, refrac, theta); g != wc {
			t.Fatalf("%s: returned %d, want %d", impl.Name, g, wc)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: word %d: %#x, want %#x", impl.Name, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkThresholdMask times the prediction of a rank's block of CUBA
// at 40 000 neurons over two ranks (16 000 excitatory neurons, with
// counters) and of a long row, against a naive twin that tests each
// neuron and keeps a bool.
func BenchmarkThresholdMask(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchThresholdMask[float32](b) })
	b.Run("float64", func(b *testing.B) { benchThresholdMask[float64](b) })
}

func benchThresholdMask[T float](b *testing.B) {
	for _, impl := range benchImpls() {
		for _, n := range []int{16000, 1 << 20} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				rng := rand.New(rand.NewPCG(6, uint64(n)))
				V := buf(n, 0, func(int) T { return T(-60 + 10.5*rng.Float64()) })
				refrac := counters(rng, n, 0)
				masks, spikes := make([]uint64, MaskWords(n)), make([]bool, n)
				b.SetBytes(int64(n) * int64(bitsIn[T]()/8+4))
				for b.Loop() {
					if impl == nil {
						naiveThreshold(spikes, V, refrac, -50)
					} else {
						thresholdOf[T](impl)(masks, V, refrac, -50)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "neurons/s")
			})
		}
	}
}

// naiveThreshold is ThresholdMask's plain loop, a bool per neuron.
func naiveThreshold[T float](spikes []bool, V []T, refrac []int32, theta T) {
	for i, x := range V {
		spikes[i] = x > theta && refrac[i] <= 0
	}
}
