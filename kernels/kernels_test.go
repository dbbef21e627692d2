package kernels

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// Every implementation the CPU has is compared with Generic bit for bit;
// implementations it lacks are skipped, never executed.

// forEachImpl runs f for every known implementation other than Generic.
func forEachImpl(t *testing.T, f func(t *testing.T, impl *Impl)) {
	t.Helper()
	for _, impl := range Known() {
		if impl == Generic {
			continue
		}
		t.Run(impl.Name, func(t *testing.T) {
			if !supported(impl) {
				t.Skipf("this CPU lacks %s", impl.Requires)
			}
			f(t, impl)
		})
	}
}

// sizes are the neuron counts every kernel is tried at: every size up to 67,
// then sizes around the vector, block and chunk boundaries.
func sizes() []int {
	var s []int
	for n := 0; n <= 67; n++ {
		s = append(s, n)
	}
	s = append(s, 127, 128, 129, 255, 256, 1000, 4099)
	if !testing.Short() {
		// Past the assembly wrappers' chunk of 1<<16 neurons (updateChunk).
		s = append(s, 1<<16+64*3+5, 70000)
	}
	return s
}

var resets = []Reset{ResetSubtract, ResetZero}

// TestLeakyUpdate compares every implementation's LeakyUpdate32 and
// LeakyUpdate64 with Generic's.
func TestLeakyUpdate(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLeakyUpdate(t, ops32, 1, 3, 7) })
	t.Run("float64", func(t *testing.T) { testLeakyUpdate(t, ops64, 3, 5, 9) })
}

// testLeakyUpdate runs every size, reset and input mix, V at a random
// offset and I and Iin dI and dIin elements further (modulo 16), with
// generator seeds seed and seed+1.
func testLeakyUpdate[T float](t *testing.T, ops kops[T], seed uint64, dI, dIin int) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range sizes() {
			for _, reset := range resets {
				for _, special := range []bool{false, true} {
					off := rng.IntN(16)
					theta := T(1)
					alpha, beta := T(0.9), T(0.8)
					V := buf(n, off, input(rng, theta, special))
					I := buf(n, (off+dI)%16, input(rng, theta, special))
					Iin := buf(n, (off+dIin)%16, input(rng, theta, special))
					spikes := bufU(MaskWords(n), rng.IntN(4))
					V2, I2, S2 := clone(V), clone(I), clone(spikes)
					want := ops.update(Generic)(V2, I2, Iin, alpha, beta, theta, reset, S2)
					got := ops.update(impl)(V, I, Iin, alpha, beta, theta, reset, spikes)
					what := fmt.Sprintf("n=%d reset=%v special=%v", n, reset, special)
					if got != want {
						t.Fatalf("%s: count %d, want %d", what, got, want)
					}
					same(t, what+" V", V, V2)
					same(t, what+" I", I, I2)
					sameU(t, what+" spikes", spikes, S2)
				}
			}
		}
	})
}

// scanCase is one LeakyScan layout.
type scanCase struct{ n, steps, inPad, maskPad int }

func scanCases() []scanCase {
	var cs []scanCase
	for _, n := range []int{0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130, 192, 200, 256, 320, 1000, 1024} {
		for _, steps := range []int{0, 1, 2, 7} {
			cs = append(cs, scanCase{n, steps, 0, 0}, scanCase{n, steps, 5, 1})
		}
	}
	cs = append(cs, scanCase{1024, 100, 3, 2}, scanCase{4099, 70, 0, 0}, scanCase{64, 5000, 1, 0})
	return cs
}

// TestLeakyScan compares every implementation's LeakyScan32 and
// LeakyScan64 with Generic's.
func TestLeakyScan(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLeakyScan(t, ops32, 5) })
	t.Run("float64", func(t *testing.T) { testLeakyScan(t, ops64, 7) })
}

// testLeakyScan runs every scan layout, reset and input mix, with
// generator seeds seed and seed+1.
func testLeakyScan[T float](t *testing.T, ops kops[T], seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, c := range scanCases() {
			for _, reset := range resets {
				for _, special := range []bool{false, true} {
					theta := T(1)
					alpha, beta := T(0.95), T(0.9)
					inStride := c.n + c.inPad
					maskStride := MaskWords(c.n) + c.maskPad
					inLen := max(0, (c.steps-1)*inStride+c.n)
					maskLen := max(0, (c.steps-1)*maskStride+MaskWords(c.n))
					V := buf(c.n, rng.IntN(16), input(rng, theta, special))
					I := buf(c.n, rng.IntN(16), input(rng, theta, special))
					Iin := buf(inLen, rng.IntN(16), func(int) T { return T(rng.NormFloat64()) * 0.3 })
					if special {
						sp := specials(theta)
						for i := range Iin {
							if rng.IntN(64) == 0 {
								Iin[i] = sp[rng.IntN(len(sp))]
							}
						}
					}
					spikes := bufU(maskLen, rng.IntN(4))
					V2, I2, S2 := clone(V), clone(I), clone(spikes)
					want := ops.scan(Generic)(V2, I2, Iin, inStride, c.steps, alpha, beta, theta, reset, S2, maskStride)
					got := ops.scan(impl)(V, I, Iin, inStride, c.steps, alpha, beta, theta, reset, spikes, maskStride)
					what := fmt.Sprintf("%+v reset=%v special=%v", c, reset, special)
					if got != want {
						t.Fatalf("%s: count %d, want %d", what, got, want)
					}
					same(t, what+" V", V, V2)
					same(t, what+" I", I, I2)
					sameU(t, what+" spikes", spikes, S2)
				}
			}
		}
	})
}

// rowsFor returns nrows random row indices below total, with repeats.
func rowsFor(rng *rand.Rand, nrows, total int) []int32 {
	rows := make([]int32, nrows)
	for i := range rows {
		rows[i] = int32(rng.IntN(total))
	}
	return rows
}

// TestAccumulateRows compares every implementation's AccumulateRows32 and
// AccumulateRows64 with Generic's.
func TestAccumulateRows(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAccumulateRows(t, ops32, 9) })
	t.Run("float64", func(t *testing.T) { testAccumulateRows(t, ops64, 11) })
}

// testAccumulateRows runs every size with row lists of several lengths,
// repeats included, with generator seeds seed and seed+1.
func testAccumulateRows[T float](t *testing.T, ops kops[T], seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range sizes() {
			for _, nrows := range []int{0, 1, 3, 4, 5, 9, 130} {
				if n > 5000 && nrows > 9 {
					continue
				}
				stride := n + rng.IntN(3)
				total := 20
				W := buf((total-1)*stride+n, rng.IntN(16), input(rng, T(1), true))
				rows := rowsFor(rng, nrows, total)
				dst := buf(n, rng.IntN(16), input(rng, T(1), true))
				dst2 := clone(dst)
				ops.accumulate(Generic)(dst2, W, stride, rows)
				ops.accumulate(impl)(dst, W, stride, rows)
				same(t, fmt.Sprintf("n=%d rows=%d", n, nrows), dst, dst2)
			}
		}
	})
}

// TestAccumulateRowsBadRow checks that a row index out of range panics
// before dst is changed.
func TestAccumulateRowsBadRow(t *testing.T) {
	for _, impl := range Available() {
		t.Run(impl.Name, func(t *testing.T) {
			dst := make([]float32, 64)
			W := make([]float32, 64*4)
			for i := range W {
				W[i] = 1
			}
			defer func() {
				if recover() == nil {
					t.Fatal("no panic for row 4 of a 4-row matrix")
				}
				if impl != Generic && dst[0] != 0 {
					t.Fatal("dst changed before the bad row was found")
				}
			}()
			impl.AccumulateRows32(dst, W, 64, []int32{0, 1, 4})
		})
	}
}

type mmCase struct{ m, n, k, padA, padB, padC int }

func mmCases() []mmCase {
	var cs []mmCase
	for _, m := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 20} {
		for _, n := range []int{0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 20, 31, 32, 33, 48, 65} {
			for _, k := range []int{0, 1, 2, 5, 17} {
				cs = append(cs, mmCase{m, n, k, (m + n) % 3, (n + k) % 4, (m * k) % 5})
			}
		}
	}
	cs = append(cs, mmCase{67, 131, 257, 1, 2, 3}, mmCase{16, 64, 600, 0, 0, 0}, mmCase{1, 1000, 300, 0, 5, 0})
	return cs
}

// TestMatMul compares every implementation's MatMul32 and MatMul64 with
// Generic's.
func TestMatMul(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testMatMul(t, ops32, 13) })
	t.Run("float64", func(t *testing.T) { testMatMul(t, ops64, 15) })
}

// testMatMul runs every shape, overwriting and accumulating, with generator
// seeds seed and seed+1.
func testMatMul[T float](t *testing.T, ops kops[T], seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, c := range mmCases() {
			for _, acc := range []bool{false, true} {
				lda, ldb, ldc := c.k+c.padA, c.n+c.padB, c.n+c.padC
				A := buf(max(0, (c.m-1)*lda+c.k), rng.IntN(16), input(rng, T(1), c.k%2 == 1))
				B := buf(max(0, (c.k-1)*ldb+c.n), rng.IntN(16), input(rng, T(1), c.m%2 == 1))
				C := buf(max(0, (c.m-1)*ldc+c.n), rng.IntN(16), input(rng, T(1), true))
				C2 := clone(C)
				ops.matMul(Generic)(c.m, c.n, c.k, A, lda, B, ldb, C2, ldc, acc)
				ops.matMul(impl)(c.m, c.n, c.k, A, lda, B, ldb, C, ldc, acc)
				same(t, fmt.Sprintf("%+v accumulate=%v", c, acc), C, C2)
			}
		}
	})
}

func TestPeakFMA32(t *testing.T) {
	for _, impl := range Known() {
		t.Run(impl.Name, func(t *testing.T) {
			if !supported(impl) {
				t.Skipf("this CPU lacks %s", impl.Requires)
			}
			if f := instrumentsOf[impl].PeakFMA32(1000); f <= 0 {
				t.Fatalf("PeakFMA32(1000) reports %d flops", f)
			}
		})
	}
}

// streamPasses are the pass counts the stream kernels are tried with: none,
// one, a few, and enough that short streams need several assembly calls.
func streamPasses(n int) []int {
	p := []int{0, 1, 3}
	if n > 0 {
		p = append(p, streamWork/n+2)
	}
	return p
}

// streamSizes are sizes() plus, outside -short, sizes past one assembly
// call's streamWork elements with ragged tails.
func streamSizes() []int {
	s := sizes()
	if !testing.Short() {
		s = append(s, streamWork, streamWork+streamLanes*3+5, 2*streamWork+addBlock+1)
	}
	return s
}

func TestReadStream32(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(17, 18))
		for _, n := range streamSizes() {
			for _, passes := range streamPasses(n) {
				if n*passes > 4*streamWork && passes > 1 {
					passes = 2
				}
				// Specials in a few inputs only: one Inf or NaN makes the
				// whole sum Inf or NaN, which would hide ordering bugs.
				x := buf(n, rng.IntN(16), input[float32](rng, 1, n%5 == 0))
				x0 := clone(x)
				want := genericInstruments.ReadStream32(x, passes)
				got := instrumentsOf[impl].ReadStream32(x, passes)
				if bitsOf(got) != bitsOf(want) && !(got != got && want != want) {
					t.Fatalf("n=%d passes=%d: sum %v (%#08x), want %v (%#08x)", n, passes, got, bitsOf(got), want, bitsOf(want))
				}
				same(t, fmt.Sprintf("n=%d passes=%d: x changed", n, passes), x, x0)
			}
		}
	})
}

func TestAddStream32(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(19, 20))
		for _, n := range streamSizes() {
			for _, passes := range streamPasses(n) {
				if n*passes > 4*streamWork && passes > 1 {
					passes = 2
				}
				src := buf(n+rng.IntN(3), rng.IntN(16), input[float32](rng, 1, true))
				dst := buf(n, rng.IntN(16), input[float32](rng, 1, true))
				src0, dst2 := clone(src), clone(dst)
				genericInstruments.AddStream32(dst2, src, passes)
				instrumentsOf[impl].AddStream32(dst, src, passes)
				same(t, fmt.Sprintf("n=%d passes=%d", n, passes), dst, dst2)
				same(t, fmt.Sprintf("n=%d passes=%d: src changed", n, passes), src, src0)
			}
		}
	})
}

func TestInPlaceStream32(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, n := range streamSizes() {
			for _, passes := range streamPasses(n * InPlaceStreams) {
				if n*InPlaceStreams*passes > 4*streamWork && passes > 1 {
					passes = 2
				}
				var xs, want [InPlaceStreams][]float32
				for s := range xs {
					// Arrays longer than the first keep their extra
					// values: only len(xs[0]) are streamed.
					xs[s] = buf(n+min(s, 1)*rng.IntN(3), rng.IntN(16), input[float32](rng, 1, true))
					want[s] = clone(xs[s])
				}
				genericInstruments.InPlaceStream32(&want, passes)
				instrumentsOf[impl].InPlaceStream32(&xs, passes)
				for s := range xs {
					same(t, fmt.Sprintf("n=%d passes=%d: array %d", n, passes, s), xs[s], want[s])
				}
			}
		}
	})
}

// TestInPlaceBuffers checks the ceiling's layout: n elements each, no two
// arrays overlapping, every one at its own offset within a page.
func TestInPlaceBuffers(t *testing.T) {
	for _, n := range []int{1, 1000, 4096} {
		xs := InPlaceBuffers(n)
		offs := map[uintptr]bool{}
		for s, x := range xs {
			if len(x) != n || cap(x) != n {
				t.Fatalf("n=%d: array %d has len %d cap %d", n, s, len(x), cap(x))
			}
			x[n-1] = float32(s + 1)
			offs[uintptr(unsafe.Pointer(&x[0]))%4096] = true
		}
		for s, x := range xs {
			if x[n-1] != float32(s+1) {
				t.Errorf("n=%d: array %d overwritten by another", n, s)
			}
		}
		if len(offs) != InPlaceStreams {
			t.Errorf("n=%d: %d distinct page offsets, want %d", n, len(offs), InPlaceStreams)
		}
	}
}

// TestStreamsByHand checks the generic stream kernels against sums worked
// out by hand, including one whose value depends on the documented order.
func TestStreamsByHand(t *testing.T) {
	for _, in := range AvailableInstruments() {
		// Small integers sum exactly in any order: 300 ones, 7 times.
		ones := make([]float32, 300)
		for i := range ones {
			ones[i] = 1
		}
		if got := in.ReadStream32(ones, 7); got != 2100 {
			t.Errorf("%s: ReadStream32(300 ones, 7 passes) = %v, want 2100", in.Name, got)
		}
		// p[0] = 1, p[1] = 1, p[2] = 2^24; halving adds p[2] into p[0]
		// first, where 2^24 + 1 rounds to 2^24, then p[1], which rounds
		// again. A left-to-right sum would give 2^24 + 2 exactly.
		if got := in.ReadStream32([]float32{1, 1, 1 << 24}, 1); got != 1<<24 {
			t.Errorf("%s: ReadStream32(1, 1, 2^24) = %v, want 2^24 (the documented order)", in.Name, got)
		}
		dst := []float32{1, 2, 3}
		in.AddStream32(dst, []float32{0.5, -1, 2, 99}, 4)
		if dst[0] != 3 || dst[1] != -2 || dst[2] != 11 {
			t.Errorf("%s: AddStream32 4 passes = %v, want [3 -2 11]", in.Name, dst)
		}
		// 100 values in each array, 3 passes of 1/1024 each: exact, and
		// past the assembly's whole blocks. The longer last array keeps
		// its extra value.
		var xs [InPlaceStreams][]float32
		for s := range xs {
			xs[s] = make([]float32, 100, 101)
			xs[s][99] = float32(s)
		}
		xs[InPlaceStreams-1] = append(xs[InPlaceStreams-1], 5)
		in.InPlaceStream32(&xs, 3)
		for s, x := range xs {
			if x[0] != 3.0/1024 || x[63] != 3.0/1024 || x[99] != float32(s)+3.0/1024 {
				t.Errorf("%s: InPlaceStream32 3 passes: array %d = %v … %v … %v, want 3/1024, 3/1024, %d + 3/1024", in.Name, s, x[0], x[63], x[99], s)
			}
		}
		if last := xs[InPlaceStreams-1][100]; last != 5 {
			t.Errorf("%s: InPlaceStream32 changed the value past len(xs[0]) to %v", in.Name, last)
		}
	}
}

// TestGenericByHand checks the reference itself against values worked out by
// hand, so that "equal to generic" means something.
func TestGenericByHand(t *testing.T) {
	// Three neurons, alpha = 0.5, beta = 0.5, theta = 1; all values are exact
	// in binary.
	V := []float32{2, 0.5, 1}
	I := []float32{1, 0.25, -1}
	Iin := []float32{0.5, 0, 2}
	spikes := make([]uint64, 1)
	n := Generic.LeakyUpdate32(V, I, Iin, 0.5, 0.5, 1, ResetSubtract, spikes)
	// Neuron 0: 2 > 1 spikes; V = 0.5·2 + 1 − 1 = 1; I = 0.5·1 + 0.5 = 1.
	// Neuron 1: no spike; V = 0.25 + 0.25 = 0.5; I = 0.125.
	// Neuron 2: 1 > 1 is false; V = 0.5 − 1 = −0.5; I = −0.5 + 2 = 1.5.
	if n != 1 || spikes[0] != 1 {
		t.Fatalf("count %d, mask %b; want 1, 1", n, spikes[0])
	}
	if want := []float32{1, 0.5, -0.5}; fmt.Sprint(V) != fmt.Sprint(want) {
		t.Errorf("V = %v, want %v", V, want)
	}
	if want := []float32{1, 0.125, 1.5}; fmt.Sprint(I) != fmt.Sprint(want) {
		t.Errorf("I = %v, want %v", I, want)
	}

	// Reset to zero: the spiking neuron's potential becomes exactly 0.
	V64 := []float64{2, math.NaN(), 0.5}
	I64 := []float64{1, 0, 0.5}
	Iin64 := []float64{0, 0, 0}
	s64 := make([]uint64, 1)
	if n := Generic.LeakyUpdate64(V64, I64, Iin64, 1, 0.5, 1, ResetZero, s64); n != 1 || s64[0] != 1 {
		t.Fatalf("reset zero: count %d, mask %b; want 1, 1", n, s64[0])
	}
	if V64[0] != 0 || !math.IsNaN(V64[1]) || V64[2] != 0.75 {
		t.Errorf("reset zero: V = %v, want [0 NaN 0.75]", V64)
	}

	// A plain float64 loop gives the same answer as the fused generic
	// float64 update where every value is exact.
	rng := rand.New(rand.NewPCG(17, 18))
	for range 100 {
		v, c, in := float64(rng.IntN(64))/16, float64(rng.IntN(64))/16, float64(rng.IntN(64))/16
		Vs, Is := []float64{v}, []float64{c}
		Generic.LeakyUpdate64(Vs, Is, []float64{in}, 0.5, 0.75, 2, ResetSubtract, make([]uint64, 1))
		s := 0.0
		if v > 2 {
			s = 1
		}
		if Vs[0] != 0.75*v+c-s || Is[0] != 0.5*c+in {
			t.Fatalf("v=%v c=%v in=%v: got V=%v I=%v", v, c, in, Vs[0], Is[0])
		}
	}

	// MatMul against a plain triple loop in float64 on small integers,
	// where every sum is exact.
	const m, n2, k = 3, 5, 4
	A := make([]float32, m*k)
	B := make([]float32, k*n2)
	for i := range A {
		A[i] = float32(rng.IntN(9) - 4)
	}
	for i := range B {
		B[i] = float32(rng.IntN(9) - 4)
	}
	C := make([]float32, m*n2)
	Generic.MatMul32(m, n2, k, A, k, B, n2, C, n2, false)
	for i := range m {
		for j := range n2 {
			var s float64
			for p := range k {
				s += float64(A[i*k+p]) * float64(B[p*n2+j])
			}
			if float64(C[i*n2+j]) != s {
				t.Fatalf("C[%d][%d] = %v, want %v", i, j, C[i*n2+j], s)
			}
		}
	}

	// AccumulateRows: rows in order, repeated rows added twice.
	dst := []float32{1, 2}
	Generic.AccumulateRows32(dst, []float32{10, 20, 30, 40}, 2, []int32{1, 0, 1})
	if dst[0] != 1+30+10+30 || dst[1] != 2+40+20+40 {
		t.Errorf("AccumulateRows32 = %v, want [71 102]", dst)
	}
}

func TestLookup(t *testing.T) {
	if impl, err := Lookup("generic"); err != nil || impl != Generic {
		t.Fatalf("Lookup(generic) = %v, %v", impl, err)
	}
	if impl, err := Lookup("auto"); err != nil || impl != Best() {
		t.Fatalf("Lookup(auto) = %v, %v; want Best()", impl, err)
	}
	_, err := Lookup("bogus")
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Fatalf("Lookup(bogus) error = %v, want one naming the kernel", err)
	}
	for _, impl := range Known() {
		got, err := Lookup(impl.Name)
		if supported(impl) {
			if err != nil || got != impl {
				t.Errorf("Lookup(%s) = %v, %v", impl.Name, got, err)
			}
			continue
		}
		// A kernel this CPU lacks is an error naming what is missing.
		if err == nil || !strings.Contains(err.Error(), impl.Requires) {
			t.Errorf("Lookup(%s) on a CPU without %s: error %v", impl.Name, impl.Requires, err)
		}
		if err := Use(impl.Name); err == nil {
			t.Errorf("Use(%s) succeeded on a CPU without %s", impl.Name, impl.Requires)
		}
	}
	if Best() != Available()[len(Available())-1] || Available()[0] != Generic {
		t.Errorf("Available() = %v, Best() = %v", Available(), Best())
	}
	defer Use("auto")
	for _, impl := range Available() {
		if err := Use(impl.Name); err != nil || Active() != impl {
			t.Errorf("Use(%s): %v, active %s", impl.Name, err, Active().Name)
		}
		if in := ActiveInstruments(); in == nil || in.Name != impl.Name {
			t.Errorf("Use(%s): active instruments %+v", impl.Name, in)
		}
	}
	var names []string
	for _, in := range AvailableInstruments() {
		names = append(names, in.Name)
	}
	if got, want := strings.Join(names, ","), availableNames(); got != strings.ReplaceAll(want, ", ", ",") {
		t.Errorf("AvailableInstruments() are %s, want those of Available(), %s", got, want)
	}
}

// TestAccumulateTrials runs AccumulateTrials over batches of trials whose
// rows lie at a stride within one array (with guards between and past
// them), with empty trials, short rows of every ragged length, a trial of
// more rows than one assembly call takes and rows wider than a column
// strip, against Generic bit for bit.
func TestAccumulateTrials(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAccumulateTrials(t, ops32, 21) })
	t.Run("float64", func(t *testing.T) { testAccumulateTrials(t, ops64, 23) })
}

func testAccumulateTrials[T float](t *testing.T, ops kops[T], seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range []int{1, 5, 7, 16, 17, 38, 64, 67, 300, 2100} {
			for _, trials := range []int{0, 1, 2, 7, 65} {
				dstStride := n + rng.IntN(20)
				if trials == 1 && rng.IntN(2) == 0 {
					dstStride = 0
				}
				stride := n + rng.IntN(3)
				total := 20
				W := buf((total-1)*stride+n, rng.IntN(16), input(rng, T(1), true))
				rows := make([][]int32, trials)
				for b := range rows {
					nrows := []int{0, 0, 1, 2, 3, 4, 5, 9}[rng.IntN(8)]
					if b == 1 {
						nrows = 300 // past accumRows: split over calls
					}
					rows[b] = rowsFor(rng, nrows, total)
				}
				size := n
				if trials > 0 {
					size = (trials-1)*dstStride + n
				}
				dst := buf(size, rng.IntN(16), input(rng, T(1), true))[:n]
				dst2 := clone(dst)
				ops.accumulateTrials(Generic)(dst2, dstStride, W, stride, rows)
				ops.accumulateTrials(impl)(dst, dstStride, W, stride, rows)
				same(t, fmt.Sprintf("n=%d trials=%d stride %d", n, trials, dstStride), full(dst)[:size], full(dst2)[:size])
				same(t, fmt.Sprintf("n=%d trials=%d guard", n, trials), full(dst)[size:], full(dst2)[size:])
			}
		}
	})
}

// TestAccumulateTrialsOutOfRange: a trial past the end of dst's array and
// a row past W's end panic in every implementation before dst is touched.
func TestAccumulateTrialsOutOfRange(t *testing.T) {
	for _, impl := range Available() {
		for _, c := range []struct {
			name  string
			trial int
			row   int32
		}{{"trial", 3, 0}, {"row", 1, 4}} {
			t.Run(impl.Name+"/"+c.name, func(t *testing.T) {
				dst := make([]float32, 3*8)[:8]
				W := make([]float32, 4*8)
				for i := range W {
					W[i] = 1
				}
				rows := make([][]int32, c.trial+1)
				for b := range rows {
					rows[b] = []int32{0}
				}
				rows[len(rows)-1] = []int32{c.row}
				defer func() {
					if recover() == nil {
						t.Fatal("no panic")
					}
					if impl != Generic && full(dst)[0] != 0 {
						t.Fatal("dst written before the panic")
					}
				}()
				impl.AccumulateTrials32(dst, 8, W, 8, rows)
			})
		}
	}
}

// TestAccumulateMasks runs AccumulateMasks over batches of trials of one
// to three mask words, whose rows lie at a stride within one array (with
// guards between and past them), with empty trials and words, full words,
// short rows of every ragged length, more rows than one assembly call takes
// and rows wider than a column strip: against Generic bit for bit, and
// against AccumulateTrials with each trial's set bits as its list, which
// must give the same sums.
func TestAccumulateMasks(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAccumulateMasks(t, ops32, 31) })
	t.Run("float64", func(t *testing.T) { testAccumulateMasks(t, ops64, 33) })
}

func testAccumulateMasks[T float](t *testing.T, ops kops[T], seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range []int{1, 5, 7, 16, 17, 38, 64, 67, 300, 2100} {
			for _, words := range []int{1, 2, 3} {
				for _, trials := range []int{0, 1, 2, 7, 65} {
					dstStride := n + rng.IntN(20)
					if trials == 1 && rng.IntN(2) == 0 {
						dstStride = 0
					}
					stride := n + rng.IntN(3)
					masks := make([]uint64, trials*words)
					for i := range masks {
						switch rng.IntN(5) {
						case 0: // empty
						case 1:
							masks[i] = ^uint64(0) // every row: past one call's work
						default:
							for range 1 + rng.IntN(6) {
								masks[i] |= 1 << rng.IntN(64)
							}
						}
					}
					// W holds every row the masks can name, or just enough.
					total := words * 64
					if rng.IntN(2) == 0 {
						total = 1 // just the rows up to the highest bit set
						for i, m := range masks {
							if m != 0 {
								total = max(total, i%words*64+bits.Len64(m))
							}
						}
					}
					W := buf((total-1)*stride+n, rng.IntN(16), input(rng, T(1), true))
					size := n
					if trials > 0 {
						size = (trials-1)*dstStride + n
					}
					dst := buf(size, rng.IntN(16), input(rng, T(1), true))[:n]
					dst2, dst3 := clone(dst), clone(dst)
					ops.accumulateMasks(Generic)(dst2, dstStride, W, stride, masks, words)
					ops.accumulateMasks(impl)(dst, dstStride, W, stride, masks, words)
					what := fmt.Sprintf("n=%d words=%d trials=%d stride %d", n, words, trials, dstStride)
					same(t, what, full(dst)[:size], full(dst2)[:size])
					same(t, what+" guard", full(dst)[size:], full(dst2)[size:])
					rows := make([][]int32, trials)
					for b := range rows {
						rows[b] = SpikeIndices(nil, masks[b*words:(b+1)*words], 0)
					}
					ops.accumulateTrials(Generic)(dst3, dstStride, W, stride, rows)
					same(t, what+" against AccumulateTrials", full(dst)[:size], full(dst3)[:size])
				}
			}
		}
	})
}

// TestAccumulateMasksOutOfRange: a trial past the end of dst's array, a
// set bit past W's last row and masks that are not whole trials panic in
// every implementation, the first two before dst is touched.
func TestAccumulateMasksOutOfRange(t *testing.T) {
	for _, impl := range Available() {
		for _, c := range []struct {
			name   string
			trials int
			last   uint64
			words  int
		}{{"trial", 4, 1, 1}, {"row", 2, 1 << 4, 1}, {"row of a second word", 2, 1 << 4, 2}, {"words", 2, 1, 0}, {"ragged", 3, 1, 2}} {
			t.Run(impl.Name+"/"+c.name, func(t *testing.T) {
				dst := make([]float32, 3*8)[:8]
				W := make([]float32, 4*8)
				for i := range W {
					W[i] = 1
				}
				masks := make([]uint64, c.trials)
				for b := range masks {
					masks[b] = 1
				}
				masks[len(masks)-1] = c.last
				defer func() {
					if recover() == nil {
						t.Fatal("no panic")
					}
					if impl != Generic && full(dst)[0] != 0 {
						t.Fatal("dst written before the panic")
					}
				}()
				impl.AccumulateMasks32(dst, 8, W, 8, masks, c.words)
			})
		}
	}
}

// TestAddTrials adds one row to batches of rows at a stride, over ragged
// widths, one row and many, and a batch past one assembly call, against
// Generic bit for bit, the gaps between rows and the guards included.
func TestAddTrials(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAddTrials(t, ops32, 41) })
	t.Run("float64", func(t *testing.T) { testAddTrials(t, ops64, 43) })
}

func testAddTrials[T float](t *testing.T, ops kops[T], seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range []int{1, 5, 16, 17, 38, 64, 67, 300} {
			for _, trials := range []int{0, 1, 3, 256, 70000 / n} {
				dstStride := n + rng.IntN(20)
				size := n
				if trials > 0 {
					size = (trials-1)*dstStride + n
				}
				v := buf(n, rng.IntN(16), input(rng, T(1), true))
				dst := buf(size, rng.IntN(16), input(rng, T(1), true))[:n]
				dst2 := clone(dst)
				ops.addTrials(Generic)(dst2, dstStride, v, trials)
				ops.addTrials(impl)(dst, dstStride, v, trials)
				same(t, fmt.Sprintf("n=%d trials=%d", n, trials), full(dst)[:size], full(dst2)[:size])
				same(t, fmt.Sprintf("n=%d trials=%d guard", n, trials), full(dst)[size:], full(dst2)[size:])
			}
		}
	})
}

// TestSpikeIndices: the set bits' indices, offset by base, appended after
// what dst holds, in increasing order; nothing appended for an empty mask.
func TestSpikeIndices(t *testing.T) {
	mask := []uint64{1<<0 | 1<<63, 0, 1 << 5, 0}
	got := SpikeIndices([]int32{-7}, mask, 100)
	if want := []int32{-7, 100, 163, 233}; !slices.Equal(got, want) {
		t.Errorf("SpikeIndices = %v, want %v", got, want)
	}
	if got := SpikeIndices([]int32{4}, make([]uint64, 3), 0); !slices.Equal(got, []int32{4}) {
		t.Errorf("empty mask: %v, want [4]", got)
	}
}

// TestSpikeIndicesDensities checks every implementation's SpikeIndices
// against a bit-by-bit scan on random masks from one set bit in hundreds
// of words (the sparse loops) through every bit set (the branch-free one),
// around the density where they switch, over lengths around the assembly's
// summary words (64 mask words) and chunks (4096), after a dst that
// already holds values.
func TestSpikeIndicesDensities(t *testing.T) {
	forEachImplAndGeneric(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(3, 17))
		for _, words := range []int{1, 7, 8, 9, 63, 64, 65, 128, 130, 3125, 4096, 4097, 8200} {
			for _, bitsSet := range []int{1, 2, words/sparseWords - 1, words / sparseWords, words/sparseWords + 1, words, 10 * words, 64 * words} {
				bitsSet = min(max(bitsSet, 1), 64*words)
				mask := make([]uint64, words)
				for _, i := range rng.Perm(64 * words)[:bitsSet] {
					mask[i>>6] |= 1 << (i & 63)
				}
				want := []int32{11, -3}
				for i := range 64 * words {
					if mask[i>>6]>>(i&63)&1 != 0 {
						want = append(want, int32(i)+1000)
					}
				}
				got := impl.SpikeIndices([]int32{11, -3}, mask, 1000)
				if !slices.Equal(got, want) {
					t.Fatalf("words=%d bits=%d: SpikeIndices = %v, want %v", words, bitsSet, got, want)
				}
			}
		}
	})
}

// TestSpikeIndicesNoAlloc checks that SpikeIndices allocates nothing when
// dst has room: recorders list every trial's spikes every step.
func TestSpikeIndicesNoAlloc(t *testing.T) {
	mask := make([]uint64, 5000)
	for i := range mask {
		if i%37 == 0 {
			mask[i] = 1 << (i % 64)
		}
	}
	dst := make([]int32, 0, 64*len(mask)+2)
	for _, impl := range Available() {
		if a := testing.AllocsPerRun(20, func() { dst = impl.SpikeIndices(dst[:0], mask, 0) }); a != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, a)
		}
	}
}

func FuzzSpikeIndices(f *testing.F) {
	f.Add([]byte("\x02\x01\x00\x80seed bytes for the spike lists, sparse and dense words"), int32(5))
	f.Fuzz(func(t *testing.T, data []byte, base int32) {
		// Words of the data's bytes, most of them zero: byte b gives
		// word 0 unless it is odd, then 1<<(b/2) or, past 200, b's bits
		// spread over the word.
		words := len(data) * 3
		mask := make([]uint64, words)
		for i, b := range data {
			switch {
			case b > 200:
				mask[3*i] = uint64(b) * 0x0101010101010101
			case b%2 == 1:
				mask[3*i+int(b)%3] = 1 << (b / 2 % 64)
			}
		}
		base = base % (1 << 20)
		want := spikeIndicesGeneric([]int32{9}, mask, base)
		for _, impl := range fuzzImpls(t) {
			if got := impl.SpikeIndices([]int32{9}, mask, base); !slices.Equal(got, want) {
				t.Fatalf("%s: words=%d: %v, want %v", impl.Name, words, got, want)
			}
		}
	})
}
