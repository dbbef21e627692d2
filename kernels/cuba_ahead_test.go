package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
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

// TestCubaUpdateAhead runs every implementation the CPU has against
// Generic, CubaUpdateAhead32 and CubaUpdateAhead64, bit for bit including
// the guard values past every slice and both masks: all sizes up to 67 and
// past the chunk, misaligned starts, NaN/Inf/denormal inputs, every kind
// of refractory counter and cubaParamSets (among them a NaN threshold and
// a Hold of 0, after which a neuron reset above threshold spikes again at
// once).
func TestCubaUpdateAhead(t *testing.T) {
	t.Run("float32", func(t *testing.T) { forEachImpl(t, testCubaAhead[float32]) })
	t.Run("float64", func(t *testing.T) { forEachImpl(t, testCubaAhead[float64]) })
}

func testCubaAhead[T float](t *testing.T, impl *Impl) {
	rng := rand.New(rand.NewPCG(21, 22))
	got, want := cubaAheadOf[T](impl), cubaAheadOf[T](Generic)
	seen := 0
	for _, n := range sizes() {
		for pi, p := range cubaParamSets() {
			for _, special := range []bool{false, true} {
				off := rng.IntN(16)
				theta := T(1)
				V := buf(n, off, input(rng, theta, special))
				I0 := buf(n, (off+3)%16, input(rng, theta, special))
				Iin0 := buf(n, (off+5)%16, input(rng, theta, special))
				I1 := buf(n, (off+7)%16, input(rng, theta, special))
				Iin1 := buf(n, (off+11)%16, input(rng, theta, special))
				R := bufI32(n, (off+13)%16, refracStates(rng, p.Hold))
				S, N := bufU(MaskWords(n), rng.IntN(4)), bufU(MaskWords(n), rng.IntN(4))
				for i := range S {
					S[i], N[i] = ^uint64(0), ^uint64(0) // must be overwritten
				}
				V2, I02, Iin02, I12, Iin12, R2, S2, N2 := clone(V), clone(I0), clone(Iin0), clone(I1), clone(Iin1), clone(R), clone(S), clone(N)
				w := want(V2, I02, Iin02, I12, Iin12, R2, p, S2, N2)
				g := got(V, I0, Iin0, I1, Iin1, R, p, S, N)
				what := fmt.Sprintf("n=%d params=%d special=%v", n, pi, special)
				if g != w {
					t.Fatalf("%s: count %d, want %d", what, g, w)
				}
				same(t, what+" V", V, V2)
				same(t, what+" I0", I0, I02)
				same(t, what+" I1", I1, I12)
				same(t, what+" Iin0", Iin0, Iin02)
				same(t, what+" Iin1", Iin1, Iin12)
				sameI32(t, what+" refrac", R, R2)
				sameU(t, what+" spikes", S, S2)
				sameU(t, what+" next", N, N2)
				for _, w := range N2 {
					seen += popcount(w)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no spikes ahead at all: the table does not test the next mask")
	}
}

func popcount(w uint64) int {
	c := 0
	for ; w != 0; w &= w - 1 {
		c++
	}
	return c
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
	ahead, plain, mask := cubaAheadOf[T](impl), cubaOf[T](impl), thresholdOf[T](impl)
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
				in0, in1 := inputs(), inputs()
				// The plain update on a copy: the same results.
				pV, pI0, pI1, pR, pS := clone(V), clone(I0), clone(I1), clone(R), bufU(MaskWords(n), 0)
				pc := plain(pV, pI0, clone(in0), pI1, clone(in1), pR, p, pS)
				S, N := bufU(MaskWords(n), 0), bufU(MaskWords(n), 0)
				c := ahead(V, I0, in0, I1, in1, R, p, S, N)
				if c != pc {
					t.Fatalf("%s: %d spikes, CubaUpdate %d", what, c, pc)
				}
				same(t, what+" V", V, pV)
				same(t, what+" I0", I0, pI0)
				same(t, what+" I1", I1, pI1)
				sameI32(t, what+" refrac", R, pR)
				sameU(t, what+" spikes", S, pS)
				// The next mask is ThresholdMask's of the state left…
				M := bufU(MaskWords(n), 0)
				mc := mask(M, V, R, theta)
				sameU(t, what+" next against ThresholdMask", N, M)
				// …and the spikes of the next update, whatever its input.
				nV, nR, nS := clone(V), clone(R), bufU(MaskWords(n), 0)
				if nc := plain(nV, inputs(), inputs(), inputs(), inputs(), nR, p, nS); nc != mc {
					t.Fatalf("%s: %d spikes ahead, the next update found %d", what, mc, nc)
				}
				sameU(t, what+" next against the next update", N, nS)
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
	const n = 130
	testReceptorShortArgs(t, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float32, R []int32, S []uint64) {
		impl.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, R, p, S, make([]uint64, MaskWords(n)))
	})
	for _, impl := range Available() {
		V, I0, Iin0, I1, Iin1 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		R, S, N := make([]int32, n), make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n)-1)
		for i := range V {
			V[i] = 2 // above threshold: a write would show
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: a short next did not panic", impl.Name)
				}
			}()
			impl.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, R, p, S, N)
		}()
		if slices.ContainsFunc(V, func(v float32) bool { return v != 2 }) || slices.ContainsFunc(S, func(w uint64) bool { return w != 0 }) {
			t.Fatalf("%s: a short next: state written before the panic", impl.Name)
		}
	}
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
	p := d.cubaParams()
	V, I0, Iin0, I1, Iin1 := vals[T](d, n), vals[T](d, n), vals[T](d, n), vals[T](d, n), vals[T](d, n)
	R := d.refrac(n)
	run := func(impl *Impl) ([][]T, []int32, []uint64, []uint64, int) {
		s := [][]T{clone(V), clone(I0), clone(Iin0), clone(I1), clone(Iin1)}
		r, S, N := slices.Clone(R), make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
		c := cubaAheadOf[T](impl)(s[0], s[1], s[2], s[3], s[4], r, p, S, N)
		return s, r, S, N, c
	}
	ws, wr, wS, wN, wc := run(Generic)
	for _, impl := range fuzzImpls(t) {
		gs, gr, gS, gN, gc := run(impl)
		if gc != wc {
			t.Fatalf("%s: count %d, want %d", impl.Name, gc, wc)
		}
		for i := range ws {
			same(t, fmt.Sprintf("%s slice %d", impl.Name, i), gs[i], ws[i])
		}
		if !slices.Equal(gr, wr) {
			t.Fatalf("%s: refrac %v, want %v", impl.Name, gr, wr)
		}
		sameU(t, impl.Name+" spikes", gS, wS)
		sameU(t, impl.Name+" next", gN, wN)
	}
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
