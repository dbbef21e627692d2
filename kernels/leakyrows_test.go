package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"leaky/internal/hugepage"
)

// leakyRowsFn is LeakyRows32 or LeakyRows64.
type leakyRowsFn[T float] func(V, I []T, rows [][]T, col int, alpha, beta, theta T, reset Reset, spikes []uint64) int

// leakyRowsOf returns impl's LeakyRows of width T.
func leakyRowsOf[T float](impl *Impl) leakyRowsFn[T] {
	var f any = impl.LeakyRows64
	if is32[T]() {
		f = impl.LeakyRows32
	}
	return f.(func(V, I []T, rows [][]T, col int, alpha, beta, theta T, reset Reset, spikes []uint64) int)
}

// rowsCase is one LeakyRows input: nrows rows of a weight matrix W of
// stride columns (rows may repeat, as two projections from one source
// can), each read from column col.
type rowsCase[T float] struct {
	W       []T
	stride  int
	idx     []int32
	rows    [][]T
	col     int
	V, I    []T
	spikes  []uint64
	special bool
}

func newRowsCase[T float](rng *rand.Rand, n, nrows int) rowsCase[T] {
	c := rowsCase[T]{col: rng.IntN(20), special: rng.IntN(2) == 0}
	c.stride = c.col + n + rng.IntN(3)
	total := max(1, nrows+rng.IntN(3))
	theta := T(1)
	// The last row can reach past W's end only by its guards.
	c.W = buf(total*c.stride, rng.IntN(16), input(rng, theta, c.special))
	for range nrows {
		r := rng.IntN(total)
		c.idx = append(c.idx, int32(r))
		c.rows = append(c.rows, c.W[r*c.stride:])
	}
	c.V = buf(n, rng.IntN(16), input(rng, theta, c.special))
	c.I = buf(n, rng.IntN(16), input(rng, theta, c.special))
	c.spikes = bufU(MaskWords(n), rng.IntN(4))
	return c
}

// TestLeakyRows compares every implementation's LeakyRows32 and
// LeakyRows64 with Generic's, bit for bit with the guards past V, I, the
// mask and W: every size up to 67 and past the assembly's chunks, no rows
// to many (more than a call's work at the largest sizes), repeated rows,
// columns from a random offset, both resets, NaN/Inf/denormal/±0 inputs.
func TestLeakyRows(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLeakyRows[float32](t, 51) })
	t.Run("float64", func(t *testing.T) { testLeakyRows[float64](t, 53) })
}

func testLeakyRows[T float](t *testing.T, seed uint64) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range sizes() {
			for _, nrows := range []int{0, 1, 2, 3, 5, 9, 40} {
				for _, reset := range resets {
					c := newRowsCase[T](rng, n, nrows)
					W := clone(c.W)
					V2, I2, S2 := clone(c.V), clone(c.I), clone(c.spikes)
					alpha, beta, theta := T(0.9), T(0.8), T(1)
					want := leakyRowsOf[T](Generic)(V2, I2, c.rows, c.col, alpha, beta, theta, reset, S2)
					got := leakyRowsOf[T](impl)(c.V, c.I, c.rows, c.col, alpha, beta, theta, reset, c.spikes)
					what := fmt.Sprintf("n=%d rows=%d col=%d reset=%v special=%v", n, nrows, c.col, reset, c.special)
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

// TestLeakyRowsUnfused checks the claim of LeakyRows32's doc comment in
// every available implementation: its bits are those of clearing Iin,
// adding the rows with AccumulateRows and running LeakyUpdate, a −0
// weight or current included (+0 + −0 is +0, so the sum must start at
// +0, not at the first row).
func TestLeakyRowsUnfused(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLeakyRowsUnfused[float32](t, ops32, 61) })
	t.Run("float64", func(t *testing.T) { testLeakyRowsUnfused[float64](t, ops64, 63) })
}

func testLeakyRowsUnfused[T float](t *testing.T, ops kops[T], seed uint64) {
	negZero := T(math.Copysign(0, -1))
	for _, impl := range Available() {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		for _, n := range []int{1, 64, 100, 1000} {
			for _, nrows := range []int{0, 1, 2, 7} {
				for _, reset := range resets {
					c := newRowsCase[T](rng, n, nrows)
					// Some currents and a whole row at −0.
					for i := range c.I {
						if rng.IntN(3) == 0 {
							c.I[i] = negZero
						}
					}
					if nrows > 0 {
						r := c.rows[rng.IntN(nrows)]
						for i := range n {
							r[c.col+i] = negZero
						}
					}
					V2, I2, S2 := clone(c.V), clone(c.I), clone(c.spikes)
					Iin := make([]T, n)
					ops.accumulate(impl)(Iin, c.W[c.col:], c.stride, c.idx)
					want := ops.update(impl)(V2, I2, Iin, 0.9, 0.8, 1, reset, S2)
					got := leakyRowsOf[T](impl)(c.V, c.I, c.rows, c.col, 0.9, 0.8, 1, reset, c.spikes)
					what := fmt.Sprintf("%s n=%d rows=%d reset=%v", impl.Name, n, nrows, reset)
					if got != want {
						t.Fatalf("%s: count %d, unfused %d", what, got, want)
					}
					same(t, what+" V", c.V, V2)
					same(t, what+" I", c.I, I2)
					sameU(t, what+" spikes", c.spikes, S2)
				}
			}
		}
		// I = −0 with no rows, and with one row of −0: α·(−0) + (+0) is
		// +0 either way.
		for nrows := range 2 {
			V, I := make([]T, 64), make([]T, 64)
			row := make([]T, 64)
			for i := range I {
				I[i], row[i] = negZero, negZero
			}
			leakyRowsOf[T](impl)(V, I, [][]T{row}[:nrows], 0, 0.9, 0.8, 1, ResetSubtract, make([]uint64, 1))
			for i, x := range I {
				if x != 0 || math.Signbit(float64(x)) {
					t.Fatalf("%s rows=%d: I[%d] = %v (sign %v), want +0", impl.Name, nrows, i, x, math.Signbit(float64(x)))
				}
			}
		}
	}
}

// TestLeakyRowsShortArgs checks that every implementation panics, as
// generic does, on an I, mask or row with room for fewer than len(V)
// values (a row from col), before writing anything.
func TestLeakyRowsShortArgs(t *testing.T) {
	const n = 130
	for _, impl := range Available() {
		for _, c := range []struct {
			name              string
			i, mask, row, col int
		}{{"I", n - 1, 3, n, 0}, {"mask", n, 2, n, 0}, {"row", n, 3, n - 1, 0}, {"col", n, 3, n, 1}, {"negative col", n, 3, n, -1}} {
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
				impl.LeakyRows32(V, I, rows, c.col, 0.9, 0.8, 1, ResetSubtract, S)
			})
		}
	}
}

// TestLeakyRowsNoAlloc checks that LeakyRows allocates nothing, the
// generic code's buffer of one word included: the engine calls it for
// every trial of every step.
func TestLeakyRowsNoAlloc(t *testing.T) {
	const n = 200
	V, I := make([]float32, n), make([]float32, n)
	V64, I64 := make([]float64, n), make([]float64, n)
	rows := [][]float32{make([]float32, n+3), make([]float32, n+3)}
	rows64 := [][]float64{make([]float64, n+3)}
	S := make([]uint64, MaskWords(n))
	for _, impl := range Available() {
		a := testing.AllocsPerRun(20, func() {
			impl.LeakyRows32(V, I, rows, 3, 0.9, 0.8, 1, ResetSubtract, S)
			impl.LeakyRows64(V64, I64, rows64, 1, 0.9, 0.8, 1, ResetZero, S)
		})
		if a != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, a)
		}
	}
}

// TestLeakyRowsDispatch checks that the package-level functions call the
// active implementation.
func TestLeakyRowsDispatch(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	active = &Impl{
		Name: "probe",
		LeakyRows32: func(V, I []float32, rows [][]float32, col int, alpha, beta, theta float32, reset Reset, spikes []uint64) int {
			return 7
		},
		LeakyRows64: func(V, I []float64, rows [][]float64, col int, alpha, beta, theta float64, reset Reset, spikes []uint64) int {
			return 8
		},
	}
	if a, b := LeakyRows32(nil, nil, nil, 0, 0, 0, 0, 0, nil), LeakyRows64(nil, nil, nil, 0, 0, 0, 0, 0, nil); a != 7 || b != 8 {
		t.Errorf("the package-level functions returned %d and %d, not the active implementation's 7 and 8", a, b)
	}
}

func FuzzLeakyRows32(f *testing.F) {
	f.Add([]byte("\x45\x02\x03\x10\x20\x30seed bytes for the fused update, float32, with rows"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLeakyRows[float32](t, data) })
}

func FuzzLeakyRows64(f *testing.F) {
	f.Add([]byte("\x45\x01\x05\x10\x20\x30seed bytes for the fused update, float64, with rows, longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLeakyRows[float64](t, data) })
}

// fuzzLeakyRows decodes the size, the number of rows, the column and the
// parameters, then the state and rows, and compares every implementation
// with Generic.
func fuzzLeakyRows[T float](t *testing.T, data []byte) {
	d := &decoder{b: data}
	n := d.u8() + d.u8()%2*256
	nrows := d.u8() % 6
	col := d.u8() % 9
	reset := Reset(d.u8() % 2)
	alpha, beta, theta := raw[T](d), raw[T](d), T(d.small())
	V, I := vals[T](d, n), vals[T](d, n)
	rows := make([][]T, nrows)
	for k := range rows {
		rows[k] = vals[T](d, col+n)
	}
	S := make([]uint64, MaskWords(n))
	V2, I2, S2 := clone(V), clone(I), clone(S)
	want := leakyRowsOf[T](Generic)(V2, I2, rows, col, alpha, beta, theta, reset, S2)
	for _, impl := range fuzzImpls(t) {
		V3, I3, S3 := clone(V), clone(I), clone(S)
		got := leakyRowsOf[T](impl)(V3, I3, rows, col, alpha, beta, theta, reset, S3)
		what := fmt.Sprintf("%s n=%d rows=%d col=%d", impl.Name, n, nrows, col)
		if got != want {
			t.Fatalf("%s: count %d, want %d", what, got, want)
		}
		same(t, what+" V", V3, V2)
		same(t, what+" I", I3, I2)
		sameU(t, what+" spikes", S3, S2)
	}
}

// naiveLeakyRows is the fused step written the obvious way: per neuron,
// the rows summed, then the update, a bool per spike.
func naiveLeakyRows(V, I []float32, rows [][]float32, alpha, beta, theta float32, spiked []bool) int {
	count := 0
	for i := range V {
		var in float32
		for _, r := range rows {
			in += r[i]
		}
		spiked[i] = V[i] > theta
		vn := beta*V[i] + I[i]
		if spiked[i] {
			vn -= 1
			count++
		}
		I[i] = alpha*I[i] + in
		V[i] = vn
	}
	return count
}

// BenchmarkLeakyRows runs the fused step of n neurons with rows weight
// rows, each iteration rows not read for the last 256 MiB of rows, as a
// step of workload d (n=200000, about 2.5 rows) reads its input spikes'
// rows from memory. d's row count is a Poisson count of mean 2.5, 0 to 2
// in about half its steps: rows=0 (V and I alone), 1 and 2 show what those
// steps cost, fewer rows side by side reading memory slower than more do
// (one thread's bandwidth grows with the streams it keeps in flight);
// rows=8, 16 and 64 are busier inputs, where the rows
// read side by side outgrow what the prefetches keep up with. The
// "unfused" rows are what the engine ran before: Iin cleared,
// AccumulateRows into it, LeakyUpdate over it, with the best
// implementation. weight-GB/s counts the rows' bytes alone, as
// BenchmarkFF's does; SetBytes adds V and I, read and written.
func BenchmarkLeakyRows(b *testing.B) {
	impls := append(benchImpls(), nil)
	for i, impl := range impls {
		name := implName(impl)
		unfused := i == len(impls)-1
		if unfused {
			impl, name = Best(), "unfused-"+Best().Name
		}
		for _, size := range []struct{ n, rows int }{{10000, 3}, {200000, 0}, {200000, 1}, {200000, 2}, {200000, 3}, {1000000, 3}, {200000, 8}, {200000, 16}, {200000, 64}} {
			n, nrows := size.n, size.rows
			b.Run(fmt.Sprintf("impl=%s/n=%d/rows=%d", name, n, nrows), func(b *testing.B) {
				skipUnsupported(b, impl)
				rng := rand.New(rand.NewPCG(9, uint64(n)))
				total := max(4*nrows, (256<<20)/(4*n))
				// Workload d's weights are on huge pages (netfile draws
				// them into hugepage.Make); so are these.
				W := hugepage.Make[float32](total * n)
				for i := range W {
					W[i] = float32(rng.NormFloat64()) * 0.01
				}
				V, I := randSlice[float32](rng, n, 1), randSlice[float32](rng, n, 0.1)
				Iin := make([]float32, n)
				spikes := make([]uint64, MaskWords(n))
				spiked := make([]bool, n)
				rows := make([][]float32, nrows)
				idx := make([]int32, nrows)
				b.SetBytes(int64(n) * 4 * int64(4+nrows))
				next := 0
				for b.Loop() {
					for k := range rows {
						idx[k] = int32(next)
						rows[k] = W[next*n:]
						next = (next + 1) % total
					}
					switch {
					case unfused:
						clear(Iin)
						impl.AccumulateRows32(Iin, W, n, idx)
						impl.LeakyUpdate32(V, I, Iin, 0.95, 0.9, 1, ResetSubtract, spikes)
					case impl == nil:
						naiveLeakyRows(V, I, rows, 0.95, 0.9, 1, spiked)
					default:
						impl.LeakyRows32(V, I, rows, 0, 0.95, 0.9, 1, ResetSubtract, spikes)
					}
				}
				perSecond(b, float64(n), "neuron-steps/s")
				perSecond(b, float64(n*4*nrows)/1e9, "weight-GB/s")
			})
		}
	}
}
