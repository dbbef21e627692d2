package engine

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// setupThreads are the thread counts whose networks must be identical: one,
// two, and three, which divides none of the sizes below evenly.
var setupThreads = []int{1, 2, 3}

// tasks is how many ranges forChunks cuts n items into at chunk items each.
func tasks(n, chunk int) int { return (n + chunk - 1) / chunk }

// requireSplit fails a test whose sizes would give forChunks a single range:
// every thread count would then draw in one piece, and the comparison could
// not fail.
func requireSplit(t *testing.T, what string, n, chunk int) {
	t.Helper()
	if k := tasks(n, chunk); k < 4 {
		t.Fatalf("%s: %d items in chunks of %d make %d ranges; want ≥ 4 so that threads share the work", what, n, chunk, k)
	}
}

func TestForChunksCoversOnce(t *testing.T) {
	for _, c := range []struct{ n, chunk int }{{0, 5}, {1, 5}, {5, 5}, {6, 5}, {1000, 7}, {1000, 1}} {
		for _, threads := range []int{0, 1, 2, 3, 8} {
			seen := make([]atomic.Int32, c.n)
			forChunks(threads, c.n, c.chunk, func(lo, hi int) {
				if lo < 0 || hi > c.n || lo >= hi {
					t.Errorf("n %d chunk %d threads %d: range [%d, %d)", c.n, c.chunk, threads, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if got := seen[i].Load(); got != 1 {
					t.Fatalf("n %d chunk %d threads %d: item %d done %d times", c.n, c.chunk, threads, i, got)
				}
			}
		}
	}
}

// TestForChunksPanic: a panic on a setup thread reaches the caller, where
// the C ABI's recover can see it, instead of ending the process.
func TestForChunksPanic(t *testing.T) {
	defer func() {
		r := recover()
		if s, ok := r.(string); !ok || !strings.Contains(s, "boom at 77") {
			t.Fatalf("recovered %v, want the worker's panic", r)
		}
	}()
	forChunks(2, 100, 1, func(lo, hi int) {
		if lo == 77 {
			panic("boom at 77")
		}
	})
	t.Fatal("forChunks returned after a panic")
}

func TestNormalWeightsThreads(t *testing.T) {
	for _, c := range []struct{ rows, cols int }{{300, 1000}, {1, 5*setupChunk + 99}, {7, 2*setupChunk + 64}} {
		seg := (c.cols + setupChunk - 1) / setupChunk
		requireSplit(t, "NormalWeights", c.rows*seg, perChunk(min(c.cols, setupChunk)))
		var ref []float32
		for _, threads := range setupThreads {
			w := make([]float32, c.rows*c.cols)
			NormalWeights(w, c.rows, c.cols, 0.3, 5, 2, threads)
			if ref == nil {
				ref = w
				// The end of the last row equals the same columns drawn alone.
				r, lo := c.rows-1, c.cols-77
				blk := make([]float32, c.cols-lo)
				fill(newNormalRow(5, 2, 0.3), blk, r, lo)
				if !slices.Equal(blk, ref[r*c.cols+lo:(r+1)*c.cols]) {
					t.Fatalf("%d × %d: the end of the last row differs from the same columns drawn alone", c.rows, c.cols)
				}
				continue
			}
			if !slices.Equal(w, ref) {
				t.Fatalf("%d × %d: %d threads drew other weights than one", c.rows, c.cols, threads)
			}
		}
	}
}

func TestFillWeightsThreads(t *testing.T) {
	const rows, cols = 400, 700
	requireSplit(t, "FillWeights", rows, perChunk(cols))
	for _, d := range []Dist{Normal(0.2, 1.5), Uniform(-1, 2)} {
		for _, sign := range []Sign{SignAsGiven, SignInhibitory} {
			var ref []float64
			for _, threads := range setupThreads {
				w := make([]float64, rows*cols)
				if err := FillWeights(w, rows, cols, d, sign, 3, 1, threads); err != nil {
					t.Fatal(err)
				}
				if ref == nil {
					ref = w
					continue
				}
				if !slices.Equal(w, ref) {
					t.Fatalf("%v %v: %d threads drew other weights than one", d, sign, threads)
				}
			}
		}
	}
}

func TestInitVThreads(t *testing.T) {
	const batch, n = 13, 20000
	requireSplit(t, "InitV", batch, perChunk(n))
	var ref []float32
	for _, threads := range setupThreads {
		pop, err := NewPopulation[float32]("p", batch, n, DefaultNeuron())
		if err != nil {
			t.Fatal(err)
		}
		if err := pop.InitV(Normal(0.1, 0.4), 8, 3, threads); err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = pop.V
			continue
		}
		if !slices.Equal(pop.V, ref) {
			t.Fatalf("%d threads drew other initial V than one", threads)
		}
	}
}

func TestRandomSparseThreads(t *testing.T) {
	const nIn, nOut, p = 3000, 2000, 0.08
	requireSplit(t, "NewRandomSparse", nIn, perChunk(int(p*nOut)+1))
	pop, err := NewPopulation[float32]("p", 1, nOut, DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewPoisson[float32]("in", 1, nIn, 10, pop.Neuron.Dt, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, delay := range []int{0, 3} {
		var ref *Sparse[float32]
		for _, threads := range setupThreads {
			sp, err := NewRandomSparse("s", src, pop, RandomSparse{P: p, Weight: Uniform(-1, 1), Sign: SignExcitatory, Delay: delay, Seed: 6, Stream: 2, Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = sp
				continue
			}
			if !reflect.DeepEqual(sp.Groups, ref.Groups) {
				t.Fatalf("delay %d: %d threads connected differently from one", delay, threads)
			}
		}
	}
}

// TestNewSparseOrder: synapses given in any order build the projection of
// the same synapses sorted, so skipping the sort of sorted lists changes
// nothing.
func TestNewSparseOrder(t *testing.T) {
	const nIn, nOut, m = 40, 50, 900
	rng := rand.New(rand.NewPCG(1, 2))
	pop, err := NewPopulation[float64]("p", 1, nOut, DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewPoisson[float64]("in", 1, nIn, 10, pop.Neuron.Dt, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	type syn struct {
		pre, post, delay int32
		w                float64
	}
	syns := make([]syn, m)
	for k := range syns {
		// Few distinct values, so equal (delay, pre, post) keys occur and
		// the stable order among them matters.
		syns[k] = syn{int32(rng.IntN(nIn)), int32(rng.IntN(nOut)), int32(rng.IntN(3)), float64(k)}
	}
	build := func(s []syn) *Sparse[float64] {
		var pres, posts, delays []int32
		var w []float64
		for _, x := range s {
			pres, posts, delays, w = append(pres, x.pre), append(posts, x.post), append(delays, x.delay), append(w, x.w)
		}
		sp, err := NewSparse("s", src, pop, 0, pres, posts, w, delays)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	shuffled := build(syns)
	slices.SortStableFunc(syns, func(a, b syn) int {
		if a.delay != b.delay {
			return int(a.delay - b.delay)
		}
		if a.pre != b.pre {
			return int(a.pre - b.pre)
		}
		return int(a.post - b.post)
	})
	sorted := build(syns)
	if len(sorted.Groups) != 3 || !reflect.DeepEqual(shuffled.Groups, sorted.Groups) {
		t.Fatalf("shuffled and sorted synapses built different projections (%d and %d delay groups)", len(shuffled.Groups), len(sorted.Groups))
	}
}

func TestFirstNonFinite(t *testing.T) {
	naive := func(w []float32) int {
		for i, v := range w {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return i
			}
		}
		return -1
	}
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	rng := rand.New(rand.NewPCG(3, 4))
	var sizes []int
	for n := 0; n <= 67; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range append(sizes, 1023, 1024, 1025, 5000) {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * 1e30)
		}
		w = append(w, math.MaxFloat32, -math.SmallestNonzeroFloat32)
		if got := firstNonFinite(w); got != -1 {
			t.Fatalf("n %d: finite weights, found %d", n, got)
		}
		for _, at := range []int{0, n / 2, n - 1, n + 1} {
			if at < 0 {
				continue
			}
			for _, b := range bad {
				v := slices.Clone(w)
				v[at] = b
				if at+3 < len(v) {
					v[at+3] = bad[0]
				}
				if got, want := firstNonFinite(v), naive(v); got != want {
					t.Fatalf("n %d: %v at %d: found %d, want %d", n, b, at, got, want)
				}
			}
		}
	}
	if got := firstNonFinite([]float64{1, 2, math.Inf(1)}); got != 2 {
		t.Fatalf("float64: found %d, want 2", got)
	}
}

// BenchmarkFirstNonFinite times the check of a dense projection's weights
// against the loop it replaced (a conversion and two tests per weight).
func BenchmarkFirstNonFinite(b *testing.B) {
	const n = 1 << 22
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(i%1000) * 1e-3
	}
	naive := func(w []float32) int {
		for i, v := range w {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return i
			}
		}
		return -1
	}
	for _, c := range []struct {
		impl string
		f    func([]float32) int
	}{{"naive", naive}, {"branchfree", firstNonFinite[float32]}} {
		b.Run("impl="+c.impl+"/n=4194304", func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				if c.f(w) != -1 {
					b.Fatal("found a non-finite weight")
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "weights/s")
		})
	}
}

// TestNewNotebookDense checks that the notebook's dense projection holds
// NormalWeights' bits, of the columns its target holds, on any number of
// threads; that a scale large enough to overflow float32 is scanned and
// refused as NewDense refuses it; and that a non-finite scale is refused.
func TestNewNotebookDense(t *testing.T) {
	const nIn, n = 37, 300
	src, err := NewPoisson[float32]("in", 1, nIn, 10, 1e-3, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	ref := make([]float32, nIn*n)
	NormalWeights(ref, nIn, n, 0.25, 9, 3, 1)
	for _, c := range []struct{ lo, hi, threads int }{{0, n, 1}, {0, n, 2}, {64, 192, 2}} {
		post, err := NewHeldPopulation[float32]("lif", 1, n, DefaultNeuron(), c.lo, c.hi)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewNotebookDense("in->lif", Presynaptic[float32](src), post, 0.25, 9, 3, c.threads)
		if err != nil {
			t.Fatal(err)
		}
		w := c.hi - c.lo
		if len(d.W) != nIn*w || d.NIn != nIn || d.NOut != n {
			t.Fatalf("columns %d…%d: %d weights, %d × %d", c.lo, c.hi, len(d.W), d.NIn, d.NOut)
		}
		for r := range nIn {
			if !slices.Equal(d.W[r*w:(r+1)*w], ref[r*n+c.lo:r*n+c.hi]) {
				t.Fatalf("columns %d…%d on %d threads: row %d differs from NormalWeights", c.lo, c.hi, c.threads, r)
			}
		}
	}
	post, err := NewPopulation[float32]("lif", 1, n, DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewNotebookDense("in->lif", Presynaptic[float32](src), post, 1e38, 9, 3, 1); err == nil || !strings.Contains(err.Error(), "weights must be finite") {
		t.Fatalf("a scale that overflows float32: %v", err)
	}
	for _, s := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := NewNotebookDense("in->lif", Presynaptic[float32](src), post, s, 9, 3, 1); err == nil || !strings.Contains(err.Error(), "scale") {
			t.Fatalf("scale %v: %v", s, err)
		}
	}
}
