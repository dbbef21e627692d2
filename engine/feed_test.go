package engine_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
)

// runFed runs the feed-forward network on a Feed, giving it the values
// chunk steps at a time, and returns V's trace and the spikes.
func runFed[T engine.Float](t *testing.T, x []T, steps, batch, nIn int, w []T, n, chunk int) ([]T, []int64) {
	t.Helper()
	src, err := engine.NewFeed[T]("x", batch, nIn)
	if err != nil {
		t.Fatal(err)
	}
	ff, tr, sr := tracedFeedForward(t, src, w, n)
	row := batch * nIn
	for t0 := 0; t0 < steps; t0 += chunk {
		k := min(chunk, steps-t0)
		if err := src.Set(x[t0*row:(t0+k)*row], t0, k); err != nil {
			t.Fatal(err)
		}
		if err := ff.Net.Run(context.Background(), k, nil); err != nil {
			t.Fatal(err)
		}
		src.Clear()
	}
	return tr.Data, sr.Events
}

// tracedFeedForward is the default feed-forward network of n neurons on
// src with weights w, recording V and the spikes.
func tracedFeedForward[T engine.Float](t *testing.T, src engine.Source[T], w []T, n int) (*FeedForward[T], *engine.Trace[T], *engine.SpikeRecorder[T]) {
	t.Helper()
	cfg := DefaultFeedForward()
	cfg.Neurons = n
	ff, err := NewFeedForward[T](cfg, src, w)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := engine.NewTrace(ff.Pop, engine.VarV, nil)
	if err != nil {
		t.Fatal(err)
	}
	ff.Net.AddRecorder(tr)
	sr := engine.NewSpikeRecorder(ff.Pop)
	ff.Net.AddRecorder(sr)
	return ff, tr, sr
}

// runArray is runFed's network on an Array of the same values.
func runArray[T engine.Float](t *testing.T, x []T, steps, batch, nIn int, w []T, n int) ([]T, []int64) {
	t.Helper()
	src, err := engine.NewArray("x", slices.Clone(x), steps, batch, nIn)
	if err != nil {
		t.Fatal(err)
	}
	ff, tr, sr := tracedFeedForward(t, src, w, n)
	if err := ff.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	return tr.Data, sr.Events
}

// TestFeedMatchesArray feeds a network its input step by step and in
// chunks, spiking and analog, and compares it bit for bit with the same
// values replayed by an Array (whose analog input goes through the
// precomputed block).
func TestFeedMatchesArray(t *testing.T) {
	const steps, batch, nIn, n = 120, 3, 40, 70
	for _, analog := range []bool{false, true} {
		xs, ws := randomWorkload(5, steps, batch, nIn, n, 0.1, analog)
		x, w := convert[float32](xs), convert[float32](ws)
		wantV, wantS := runArray(t, x, steps, batch, nIn, w, n)
		for _, chunk := range []int{1, 7, steps} {
			gotV, gotS := runFed(t, x, steps, batch, nIn, w, n, chunk)
			if !slices.Equal(gotS, wantS) {
				t.Errorf("analog %v chunk %d: spikes differ", analog, chunk)
			}
			for i := range wantV {
				if math.Float32bits(gotV[i]) != math.Float32bits(wantV[i]) {
					t.Fatalf("analog %v chunk %d: V[%d] = %v, want %v", analog, chunk, i, gotV[i], wantV[i])
				}
			}
		}
	}
}

// TestFeedRefuses checks the Feed's errors: wrong lengths, non-finite
// values, analog values for a spikes-only feed, and steps not given.
func TestFeedRefuses(t *testing.T) {
	f, err := engine.NewFeed[float64]("x", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x     []float64
		steps int
		want  string
	}{
		{make([]float64, 5), 1, "5 values for 1 steps × 2 trials × 3 inputs; want 6"},
		{[]float64{0, 1, 0, 0, math.NaN(), 0}, 1, "value at step 4, trial 1, input 1 is NaN"},
		{[]float64{0, 1, 0, 0, 0, 0, 0, math.Inf(-1), 0, 0, 0, 0}, 2, "value at step 5, trial 0, input 1 is -Inf"},
		// Analog values first: the check goes on for finiteness, in the
		// same row and the ones after it.
		{[]float64{0, 0.5, math.NaN(), 0, 0, 0}, 1, "value at step 4, trial 0, input 2 is NaN"},
		{[]float64{0.5, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, math.Inf(1)}, 2, "value at step 5, trial 1, input 2 is +Inf"},
	} {
		if err := f.Set(c.x, 4, c.steps); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%v): %v, want %q", c.x, err, c.want)
		}
	}
	f.SpikesOnly = true
	if err := f.Set([]float64{0, 1, 0.5, 0, 0, 0}, 0, 1); err == nil || !strings.Contains(err.Error(), "must be spikes, 0 or 1") {
		t.Errorf("analog into a spikes-only feed: %v", err)
	}
	if err := f.Set([]float64{0, 1, 1, 0, 0, 1}, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Emit(1); err == nil || !strings.Contains(err.Error(), "no values were given for step 1") {
		t.Errorf("Emit past the values: %v", err)
	}
	if err := f.Emit(0); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Events(0), []int32{1, 2}) || !slices.Equal(f.Events(1), []int32{2}) || f.Emitted() != 3 {
		t.Errorf("events %v %v, emitted %d", f.Events(0), f.Events(1), f.Emitted())
	}
}

// feedEvents sets x on a fresh Feed that keeps masks, or with listed set
// lists the spikes in Set's scan instead, and returns, step by step and
// trial by trial, the events Emit hands out, with Binary and Emitted.
func feedEvents[T engine.Float](t *testing.T, x []T, steps, batch, n int, listed bool) ([][][]int32, bool, int64) {
	t.Helper()
	f, err := engine.NewFeed[T]("x", batch, n)
	if err != nil {
		t.Fatal(err)
	}
	f.ReadMasks(!listed)
	if err := f.Set(x, 3, steps); err != nil {
		t.Fatal(err)
	}
	out := make([][][]int32, steps)
	for s := range steps {
		if err := f.Emit(3 + s); err != nil {
			t.Fatal(err)
		}
		for b := range batch {
			out[s] = append(out[s], slices.Clone(f.Events(b)))
		}
	}
	return out, f.Binary(), f.Emitted()
}

// naiveEvents is what feedEvents must return: the indexes of the ones of
// each row, scanned value by value, when every value is 0 or 1.
func naiveEvents[T engine.Float](x []T, steps, batch, n int) ([][][]int32, bool, int64) {
	out := make([][][]int32, steps)
	var count int64
	for s := range steps {
		for b := range batch {
			var ev []int32
			for j, v := range x[(s*batch+b)*n : (s*batch+b+1)*n] {
				switch v {
				case 0:
				case 1:
					ev = append(ev, int32(j))
				default:
					return nil, false, 0
				}
			}
			out[s] = append(out[s], ev)
			count += int64(len(ev))
		}
	}
	return out, true, count
}

func sameEvents(a, b [][][]int32) bool {
	return slices.EqualFunc(a, b, func(x, y [][]int32) bool {
		return slices.EqualFunc(x, y, func(p, q []int32) bool { return slices.Equal(p, q) })
	})
}

// TestFeedEventsMatchNaive checks the spikes Set finds (kernels.BinaryMasks
// per row, lists from the masks) against a value-by-value scan: every row
// length 1…130 so that ones and the value that makes a step analog fall at
// every offset of a vector and a mask word and in the ragged tail, −0 (a
// zero), −1, 1's neighbours and denormals of either sign (not spikes), in
// float32 and float64.
func TestFeedEventsMatchNaive(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testFeedEvents[float32](t) })
	t.Run("float64", func(t *testing.T) { testFeedEvents[float64](t) })
}

func testFeedEvents[T engine.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	odd := []T{T(math.Copysign(0, -1)), -1, T(math.SmallestNonzeroFloat32), -T(math.SmallestNonzeroFloat32), 0.5, 2,
		T(1 + 1.0/(1<<23)), T(1 - 1.0/(1<<24))}
	for n := 1; n <= 130; n++ {
		const steps, batch = 3, 2
		for trial := range 20 {
			x := make([]T, steps*batch*n)
			for i := range x {
				if r.IntN(4) == 0 {
					x[i] = 1
				}
			}
			if trial%2 == 1 {
				// One value that is not a spike, or −0, which is.
				x[r.IntN(len(x))] = odd[r.IntN(len(odd))]
			}
			want, wantBinary, wantCount := naiveEvents(x, steps, batch, n)
			for _, listed := range []bool{false, true} {
				got, gotBinary, gotCount := feedEvents(t, x, steps, batch, n, listed)
				if gotBinary != wantBinary || gotCount != wantCount || wantBinary && !sameEvents(got, want) {
					t.Fatalf("n=%d listed=%v: binary %v, %d spikes, events %v; want %v, %d, %v (values %v)", n, listed, gotBinary, gotCount, got, wantBinary, wantCount, want, x)
				}
			}
		}
	}
}

// TestFeedManySpikes gives a Feed many spikes in one Set (dense ones, over
// 2^22 of them, rows of many mask words): Emit hands out the same events,
// from masks, and from the lists of Set's scan up to feedSpikesKept and
// from masks past it.
func TestFeedManySpikes(t *testing.T) {
	const steps, batch, n = 40, 2, 60000
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, steps*batch*n)
	for i := range x {
		if r.IntN(10) != 0 {
			x[i] = 1
		}
	}
	want, _, wantCount := naiveEvents(x, steps, batch, n)
	for _, listed := range []bool{false, true} {
		got, gotBinary, gotCount := feedEvents(t, x, steps, batch, n, listed)
		if !gotBinary || gotCount != wantCount || !sameEvents(got, want) {
			t.Fatalf("listed=%v: binary %v, %d spikes (want %d); events equal: %v", listed, gotBinary, gotCount, wantCount, sameEvents(got, want))
		}
	}
}

// TestFeedStepAllocates nothing: once a Feed has seen its values, a step
// given and emitted (Set, Emit, every trial's Events) allocates nothing,
// whether it keeps masks and lists every trial at Emit, lists in Set's
// scan without masks, or lists a trial when asked, and its events are
// those of the values.
func TestFeedStepAllocates(t *testing.T) {
	const steps, batch, n = 8, 4, 200
	r := rand.New(rand.NewPCG(9, 10))
	x := make([]float32, steps*batch*n)
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = 1
		}
	}
	want, _, _ := naiveEvents(x, steps, batch, n)
	for _, mode := range []struct {
		name         string
		masks, every bool
	}{{"masks", true, true}, {"scan lists", false, true}, {"when asked", true, false}} {
		f, err := engine.NewFeed[float32]("x", batch, n)
		if err != nil {
			t.Fatal(err)
		}
		f.ReadMasks(mode.masks)
		f.ListEvery(mode.every)
		step, ok := 0, true
		run := func() {
			s := step % steps
			if err := f.Set(x[s*batch*n:(s+1)*batch*n], step, 1); err != nil {
				t.Fatal(err)
			}
			if err := f.Emit(step); err != nil {
				t.Fatal(err)
			}
			for b := range batch {
				ok = ok && slices.Equal(f.Events(b), want[s][b])
			}
			step++
		}
		for range steps {
			run()
		}
		if a := testing.AllocsPerRun(100, run); a != 0 {
			t.Errorf("%s: a step allocates %v times", mode.name, a)
		}
		if !ok {
			t.Errorf("%s: events differ from the values'", mode.name)
		}
	}
}

// BenchmarkSHDInput times one step of the SHD network's input (256 trials
// × 700 inputs at 1.5% a step) from each source: impl=poisson draws it,
// impl=feed checks and lists the caller's 0/1 values of the step (Set,
// then Emit), taken in turn from 100 steps of them (71 MB, mostly out of
// cache, as a caller's array is).
func BenchmarkSHDInput(b *testing.B) {
	const steps, batch, n, p = 100, 256, 700, 0.015
	b.Run("impl=poisson", func(b *testing.B) {
		src, err := engine.NewPoisson[float32]("input", batch, n, p/1e-3, 1e-3, 1, 0)
		if err != nil {
			b.Fatal(err)
		}
		t := 0
		for b.Loop() {
			if err := src.Emit(t); err != nil {
				b.Fatal(err)
			}
			t++
		}
		b.ReportMetric(float64(batch*n)*float64(b.N)/b.Elapsed().Seconds(), "inputs/s")
	})
	b.Run("impl=feed", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]float32, steps*batch*n)
		for i := range x {
			if r.Float64() < p {
				x[i] = 1
			}
		}
		src, err := engine.NewFeed[float32]("input", batch, n)
		if err != nil {
			b.Fatal(err)
		}
		t := 0
		for b.Loop() {
			s := t % steps
			if err := src.Set(x[s*batch*n:(s+1)*batch*n], t, 1); err != nil {
				b.Fatal(err)
			}
			if err := src.Emit(t); err != nil {
				b.Fatal(err)
			}
			t++
		}
		b.SetBytes(batch * n * 4)
		b.ReportMetric(float64(batch*n)*float64(b.N)/b.Elapsed().Seconds(), "inputs/s")
	})
}
