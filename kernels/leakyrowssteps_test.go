package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// leakyRowsStepsOf returns impl's LeakyRowsSteps of width T.
func leakyRowsStepsOf[T float](impl *Impl) func(V, I []T, rows [][]T, counts []int, col int, alpha, beta, theta T, reset Reset, spikes []uint64, stride int) int {
	var f any = impl.LeakyRowsSteps64
	if is32[T]() {
		f = impl.LeakyRowsSteps32
	}
	return f.(func(V, I []T, rows [][]T, counts []int, col int, alpha, beta, theta T, reset Reset, spikes []uint64, stride int) int)
}

// stepsCase is one LeakyRowsSteps input: a rowsCase's weights, state and
// rows, the rows cut into steps of counts[k] rows, and a mask of stride
// words a step.
type stepsCase[T float] struct {
	rowsCase[T]
	counts []int
	stride int
}

func newStepsCase[T float](rng *rand.Rand, n, steps int) stepsCase[T] {
	counts := make([]int, steps)
	total := 0
	for k := range counts {
		// Steps without rows, as most are at low input rates, among others.
		counts[k] = max(0, rng.IntN(6)-1)
		total += counts[k]
	}
	c := stepsCase[T]{rowsCase: newRowsCase[T](rng, n, total), counts: counts}
	c.stride = MaskWords(n) + rng.IntN(3)
	c.spikes = bufU(max(steps-1, 0)*c.stride+MaskWords(n), rng.IntN(4))
	return c
}

// TestLeakyRowsSteps compares every implementation's LeakyRowsSteps32 and
// LeakyRowsSteps64 with Generic's, bit for bit with the guards past V, I,
// the masks and W: every size up to 67 and past the assembly's chunks (a
// ragged last word included), no steps to many, steps without rows,
// repeated rows, columns from a random offset, masks a random stride
// apart, both resets, NaN/Inf/denormal/±0 inputs.
func TestLeakyRowsSteps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLeakyRowsSteps[float32](t, 71) })
	t.Run("float64", func(t *testing.T) { testLeakyRowsSteps[float64](t, 73) })
}

func testLeakyRowsSteps[T float](t *testing.T, seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range sizes() {
			for _, steps := range []int{0, 1, 2, 3, 7, 16} {
				for _, reset := range resets {
					c := newStepsCase[T](rng, n, steps)
					W := clone(c.W)
					V2, I2, S2 := clone(c.V), clone(c.I), clone(c.spikes)
					alpha, beta, theta := T(0.9), T(0.8), T(1)
					want := leakyRowsStepsOf[T](Generic)(V2, I2, c.rows, c.counts, c.col, alpha, beta, theta, reset, S2, c.stride)
					got := leakyRowsStepsOf[T](impl)(c.V, c.I, c.rows, c.counts, c.col, alpha, beta, theta, reset, c.spikes, c.stride)
					what := fmt.Sprintf("n=%d counts=%v col=%d stride=%d reset=%v special=%v", n, c.counts, c.col, c.stride, reset, c.special)
					if got != want {
						t.Fatalf("%s: count %d, want %d", what, got, want)
					}
					same(t, what+" V", c.V, V2)
					same(t, what+" I", c.I, I2)
					sameU(t, what+" spikes", c.spikes, S2)
					same(t, what+" W", c.W, W)
				}
			}
		}
	})
}

// TestLeakyRowsStepsIsSteps checks the claim of LeakyRowsSteps32's doc
// comment in every implementation, Generic's included: its bits are those
// of LeakyRows over each step's rows in turn, every step's mask at its
// stride and the count the sum of theirs.
func TestLeakyRowsStepsIsSteps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLeakyRowsStepsIsSteps[float32](t, 75) })
	t.Run("float64", func(t *testing.T) { testLeakyRowsStepsIsSteps[float64](t, 77) })
}

func testLeakyRowsStepsIsSteps[T float](t *testing.T, seed uint64) {
	forEachImplAndGeneric(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range []int{1, 63, 64, 65, 200, 4099} {
			for _, steps := range []int{1, 2, 5, 12} {
				for _, reset := range resets {
					c := newStepsCase[T](rng, n, steps)
					V2, I2, S2 := clone(c.V), clone(c.I), clone(c.spikes)
					alpha, beta, theta := T(0.95), T(0.9), T(1)
					got := leakyRowsStepsOf[T](impl)(c.V, c.I, c.rows, c.counts, c.col, alpha, beta, theta, reset, c.spikes, c.stride)
					want, r := 0, 0
					for k, cnt := range c.counts {
						want += leakyRowsOf[T](Generic)(V2, I2, c.rows[r:r+cnt], c.col, alpha, beta, theta, reset, S2[k*c.stride:])
						r += cnt
					}
					what := fmt.Sprintf("n=%d counts=%v reset=%v special=%v", n, c.counts, reset, c.special)
					if got != want {
						t.Fatalf("%s: count %d, want %d", what, got, want)
					}
					same(t, what+" V", c.V, V2)
					same(t, what+" I", c.I, I2)
					sameU(t, what+" spikes", c.spikes, S2)
				}
			}
		}
	})
}

// TestLeakyRowsStepsShortArgs checks that every implementation panics, as
// generic does, on arguments that do not hold what the steps read and
// write, before writing anything.
func TestLeakyRowsStepsShortArgs(t *testing.T) {
	const n = 130
	words := MaskWords(n)
	for _, impl := range Available() {
		for _, c := range []struct {
			name         string
			i, row, col  int
			counts       []int
			mask, stride int
		}{
			{"I", n - 1, n, 0, []int{1, 1}, 2 * words, words},
			{"row", n, n - 1, 0, []int{1, 1}, 2 * words, words},
			{"col", n, n, 1, []int{1, 1}, 2 * words, words},
			{"negative col", n, n, -1, []int{2}, words, words},
			{"mask", n, n, 0, []int{1, 1}, 2*words - 1, words},
			{"overlapping masks", n, n, 0, []int{1, 1}, 2 * words, words - 1},
			{"counts short of the rows", n, n, 0, []int{1}, words, words},
			{"counts past the rows", n, n, 0, []int{1, 2}, 2 * words, words},
			{"negative count", n, n, 0, []int{3, -1}, 2 * words, words},
		} {
			t.Run(impl.Name+"/"+c.name, func(t *testing.T) {
				V := make([]float32, n)
				I := make([]float32, c.i)
				S := make([]uint64, c.mask)
				rows := [][]float32{make([]float32, n+max(c.col, 0)), make([]float32, c.row)}
				for i := range V {
					V[i] = 2 // would spike and change
				}
				defer func() {
					if recover() == nil {
						t.Fatal("no panic")
					}
					for i, v := range V {
						if v != 2 {
							t.Fatalf("V[%d] written before the panic", i)
						}
					}
				}()
				impl.LeakyRowsSteps32(V, I, rows, c.counts, c.col, 0.9, 0.8, 1, ResetSubtract, S, c.stride)
			})
		}
	}
}

// TestLeakyRowsStepsNoAlloc checks that LeakyRowsSteps allocates nothing:
// blocked stepping calls it for every unit of every block.
func TestLeakyRowsStepsNoAlloc(t *testing.T) {
	const n = 200
	words := MaskWords(n)
	V, I := make([]float32, n), make([]float32, n)
	V64, I64 := make([]float64, n), make([]float64, n)
	rows := [][]float32{make([]float32, n+3), make([]float32, n+3), make([]float32, n+3)}
	rows64 := [][]float64{make([]float64, n+1)}
	S := make([]uint64, 3*words)
	counts, counts64 := []int{2, 0, 1}, []int{0, 1}
	for _, impl := range Available() {
		a := testing.AllocsPerRun(20, func() {
			impl.LeakyRowsSteps32(V, I, rows, counts, 3, 0.9, 0.8, 1, ResetSubtract, S, words)
			impl.LeakyRowsSteps64(V64, I64, rows64, counts64, 1, 0.9, 0.8, 1, ResetZero, S, words)
		})
		if a != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, a)
		}
	}
}

// TestLeakyRowsStepsDispatch checks that the package-level functions call
// the active implementation.
func TestLeakyRowsStepsDispatch(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	active = &Impl{
		Name: "probe",
		LeakyRowsSteps32: func(V, I []float32, rows [][]float32, counts []int, col int, alpha, beta, theta float32, reset Reset, spikes []uint64, stride int) int {
			return 7
		},
		LeakyRowsSteps64: func(V, I []float64, rows [][]float64, counts []int, col int, alpha, beta, theta float64, reset Reset, spikes []uint64, stride int) int {
			return 8
		},
	}
	if a, b := LeakyRowsSteps32(nil, nil, nil, nil, 0, 0, 0, 0, 0, nil, 0), LeakyRowsSteps64(nil, nil, nil, nil, 0, 0, 0, 0, 0, nil, 0); a != 7 || b != 8 {
		t.Errorf("the package-level functions returned %d and %d, not the active implementation's 7 and 8", a, b)
	}
}

func FuzzLeakyRowsSteps32(f *testing.F) {
	f.Add([]byte("\x45\x03\x03\x01\x10\x20\x30seed bytes for the update over steps, float32, with rows"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLeakyRowsSteps[float32](t, data) })
}

func FuzzLeakyRowsSteps64(f *testing.F) {
	f.Add([]byte("\x45\x04\x05\x00\x10\x20\x30seed bytes for the update over steps, float64, with rows, longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLeakyRowsSteps[float64](t, data) })
}

// fuzzLeakyRowsSteps decodes the size, the steps and their row counts, the
// column, the stride and the parameters, then the state and rows, and
// compares every implementation with Generic.
func fuzzLeakyRowsSteps[T float](t *testing.T, data []byte) {
	d := &decoder{b: data}
	n := d.u8() + d.u8()%2*256
	steps := d.u8() % 6
	col := d.u8() % 9
	stride := MaskWords(n) + d.u8()%3
	reset := Reset(d.u8() % 2)
	alpha, beta, theta := raw[T](d), raw[T](d), T(d.small())
	counts := make([]int, steps)
	total := 0
	for k := range counts {
		counts[k] = d.u8() % 4
		total += counts[k]
	}
	V, I := vals[T](d, n), vals[T](d, n)
	rows := make([][]T, total)
	for k := range rows {
		rows[k] = vals[T](d, col+n)
	}
	S := make([]uint64, max(steps-1, 0)*stride+MaskWords(n))
	V2, I2, S2 := clone(V), clone(I), clone(S)
	want := leakyRowsStepsOf[T](Generic)(V2, I2, rows, counts, col, alpha, beta, theta, reset, S2, stride)
	for _, impl := range fuzzImpls(t) {
		V3, I3, S3 := clone(V), clone(I), clone(S)
		got := leakyRowsStepsOf[T](impl)(V3, I3, rows, counts, col, alpha, beta, theta, reset, S3, stride)
		what := fmt.Sprintf("%s n=%d counts=%v col=%d stride=%d", impl.Name, n, counts, col, stride)
		if got != want {
			t.Fatalf("%s: count %d, want %d", what, got, want)
		}
		same(t, what+" V", V3, V2)
		same(t, what+" I", I3, I2)
		sameU(t, what+" spikes", S3, S2)
	}
}
