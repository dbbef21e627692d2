package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// cubaAheadFn is CubaUpdateAhead of one width taking the float64
// parameters, which the float32 kernel gets rounded by to32.
type cubaAheadFn[T float] func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, p CubaParams64, spikes, next []uint64) int

// cubaAheadOf is impl's CubaUpdateAhead of element type T.
func cubaAheadOf[T float](impl *Impl) cubaAheadFn[T] {
	if is32[T]() {
		return any(cubaAheadFn[float32](func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p CubaParams64, spikes, next []uint64) int {
			return impl.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, refrac, p.to32(), spikes, next)
		})).(cubaAheadFn[T])
	}
	return any(cubaAheadFn[float64](func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p CubaParams64, spikes, next []uint64) int {
		return impl.CubaUpdateAhead64(V, I0, Iin0, I1, Iin1, refrac, &p, spikes, next)
	})).(cubaAheadFn[T])
}

// cubaOf is impl's CubaUpdate of element type T.
func cubaOf[T float](impl *Impl) receptorFn[T, CubaParams64] {
	if is32[T]() {
		return any(ops32.cuba(impl)).(receptorFn[T, CubaParams64])
	}
	return any(ops64.cuba(impl)).(receptorFn[T, CubaParams64])
}

// runCubaAhead is the receptorKernel of CubaUpdateAhead: masks[0] is
// spikes, masks[1] next.
func runCubaAhead[T float](impl *Impl, s *receptorState[T], p CubaParams64) int {
	return cubaAheadOf[T](impl)(s.V, s.A0, s.Ain0, s.A1, s.Ain1, s.R, p, s.masks[0], s.masks[1])
}

// TestCubaUpdateAhead runs every implementation the CPU has against
// Generic, CubaUpdateAhead32 and CubaUpdateAhead64, over the table of
// testReceptorUpdate, both masks included: bit for bit including the guard
// values past every slice, all sizes up to 67 and past the chunk,
// misaligned starts, NaN/Inf/denormal inputs, every kind of refractory
// counter and cubaParamSets (among them a NaN threshold and a Hold of 0,
// after which a neuron reset above threshold spikes again at once).
func TestCubaUpdateAhead(t *testing.T) {
	hold := func(p CubaParams64) int32 { return p.Hold }
	t.Run("float32", func(t *testing.T) { testReceptorKernel(t, 21, cubaParamSets(), hold, 2, runCubaAhead[float32]) })
	t.Run("float64", func(t *testing.T) { testReceptorKernel(t, 21, cubaParamSets(), hold, 2, runCubaAhead[float64]) })
}

// TestCubaUpdateAheadPredicts checks what the next mask is for, in
// Generic and every implementation: it is the mask ThresholdMask gives on
// the state the update leaves, and the spikes the next CubaUpdate finds,
// whatever that step's input; its other results are CubaUpdate's. Hold 0
// and 3, over several steps, so that neurons come out of their hold and
// spike again right after a reset (VReset above threshold).
func TestCubaUpdateAheadPredicts(t *testing.T) {
	t.Run("float32", func(t *testing.T) { forEachImplAndGeneric(t, testCubaAheadPredicts[float32]) })
	t.Run("float64", func(t *testing.T) { forEachImplAndGeneric(t, testCubaAheadPredicts[float64]) })
}

func testCubaAheadPredicts[T float](t *testing.T, impl *Impl) {
	plain, mask := plainReceptor(cubaOf[T]), thresholdOf[T](impl)
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{0, 1, 63, 64, 65, 200, 1000} {
		for _, hold := range []int32{0, 3} {
			theta := T(rng.NormFloat64())
			p := CubaParams64{A0: 0.9, A1: 0.8, Beta: 0.95, VLeak: -0.5, Gain: 1, Theta: float64(theta), VReset: float64(theta) + 0.25, Hold: hold}
			if hold > 0 {
				p.VReset = float64(theta) - 1
			}
			inputs := func() []T { return buf(n, 1, input[T](rng, theta, true)) }
			V, I0, I1, R := inputs(), inputs(), inputs(), counters(rng, n, 1)
			predicted, spikes := 0, 0
			for step := range 6 {
				what := fmt.Sprintf("n=%d hold=%d step %d", n, hold, step)
				s := &receptorState[T]{V: V, A0: I0, Ain0: inputs(), A1: I1, Ain1: inputs(), R: R, masks: [][]uint64{bufU(MaskWords(n), 0), bufU(MaskWords(n), 0)}}
				// The plain update on a copy: the same results.
				ps := s.clone()
				ps.masks = ps.masks[:1]
				pc := plain(impl, ps, p)
				c := runCubaAhead(impl, s, p)
				if c != pc {
					t.Fatalf("%s: %d spikes, CubaUpdate %d", what, c, pc)
				}
				got := *s
				got.masks = got.masks[:1]
				sameReceptor(t, what, &got, ps)
				N := s.masks[1]
				// The next mask is ThresholdMask's of the state left…
				M := bufU(MaskWords(n), 0)
				mc := mask(M, V, R, theta)
				sameU(t, what+" next against ThresholdMask", N, M)
				// …and the spikes of the next update, whatever its input.
				ns := &receptorState[T]{V: clone(V), A0: inputs(), Ain0: inputs(), A1: inputs(), Ain1: inputs(), R: clone(R), masks: [][]uint64{bufU(MaskWords(n), 0)}}
				if nc := plain(impl, ns, p); nc != mc {
					t.Fatalf("%s: %d spikes ahead, the next update found %d", what, mc, nc)
				}
				sameU(t, what+" next against the next update", N, ns.masks[0])
				predicted += mc
				spikes += c
			}
			if n >= 200 && (predicted == 0 || spikes == 0) {
				t.Fatalf("n=%d hold=%d: %d spikes, %d ahead: the case does not test the masks", n, hold, spikes, predicted)
			}
		}
	}
}

// TestCubaUpdateAheadShortArgs checks that every implementation panics, as
// generic does, on a slice with room for fewer than len(V) values, next
// among them, before writing anything.
func TestCubaUpdateAheadShortArgs(t *testing.T) {
	p := cubaParamSets()[0].to32()
	testReceptorShortMasks(t, 2, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float32, R []int32, masks [][]uint64) {
		impl.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, R, p, masks[0], masks[1])
	})
}

// TestCubaUpdateAheadDispatch checks that the package-level functions call
// the active implementation.
func TestCubaUpdateAheadDispatch(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	active = &Impl{
		Name: "probe",
		CubaUpdateAhead32: func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
			return 11
		},
		CubaUpdateAhead64: func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
			return 12
		},
	}
	if a, b := CubaUpdateAhead32(nil, nil, nil, nil, nil, nil, &CubaParams32{}, nil, nil), CubaUpdateAhead64(nil, nil, nil, nil, nil, nil, &CubaParams64{}, nil, nil); a != 11 || b != 12 {
		t.Errorf("the package-level functions returned %d, %d, not the active implementation's 11, 12", a, b)
	}
}

// TestCubaUpdateAheadNoAlloc: the engine calls it for every row of every
// step on a rank exchanging spikes ahead.
func TestCubaUpdateAheadNoAlloc(t *testing.T) {
	p32, p64 := cubaParamSets()[0].to32(), cubaParamSets()[0]
	const n = 200
	c := newCubaCase(rand.New(rand.NewPCG(3, 3)), n)
	V64, I064, I164 := make([]float64, n), make([]float64, n), make([]float64, n)
	S, N := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
	for _, impl := range Available() {
		a := testing.AllocsPerRun(20, func() {
			impl.CubaUpdateAhead32(c.V, c.I0, c.Iin0, c.I1, c.Iin1, c.refrac, p32, S, N)
			impl.CubaUpdateAhead64(V64, I064, V64, I164, V64, c.refrac, &p64, S, N)
		})
		if a != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, a)
		}
	}
}

func FuzzCubaUpdateAhead32(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x03\x01seed bytes for the CUBA update ahead, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCubaAhead[float32](t, data) })
}

func FuzzCubaUpdateAhead64(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x03\x01seed bytes for the CUBA update ahead, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCubaAhead[float64](t, data) })
}

// fuzzCubaAhead is the body of FuzzCubaUpdateAhead32 and 64: a case
// decoded as fuzzCubaUpdate's, every implementation against Generic.
func fuzzCubaAhead[T float](t *testing.T, data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	fuzzReceptorKernel(t, d, n, d.cubaParams(), 2, runCubaAhead[T])
}

// BenchmarkCubaUpdateAhead times CubaUpdateAhead32 at cubaSizes (16 000 is
// a rank's block of the excitatory population of CUBA at 40 000 neurons
// over two ranks) against its naive twin, a bool per neuron for either
// step; BenchmarkCubaUpdate and BenchmarkThresholdMask time the two passes
// it replaces.
func BenchmarkCubaUpdateAhead(b *testing.B) {
	p := cubaBenchParams.to32()
	var next []uint64
	var ahead []bool
	benchReceptorUpdate(b, cubaState, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float32, refrac []int32, spikes []uint64, spiked []bool) {
		if len(next) != MaskWords(len(V)) {
			next, ahead = make([]uint64, MaskWords(len(V))), make([]bool, len(V))
		}
		if impl == nil {
			naiveCubaUpdate(V, I0, Iin0, I1, Iin1, refrac, p.A0, p.A1, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Hold, spiked)
			naiveThreshold(ahead, V, refrac, p.Theta)
			return
		}
		impl.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, refrac, p, spikes, next)
	})
}
