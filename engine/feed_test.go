package engine_test

import (
	"context"
	"math"
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

// runArray is runFed's network on an Array of the same values.
func runArray[T engine.Float](t *testing.T, x []T, steps, batch, nIn int, w []T, n int) ([]T, []int64) {
	t.Helper()
	src, err := engine.NewArray("x", slices.Clone(x), steps, batch, nIn)
	if err != nil {
		t.Fatal(err)
	}
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
		x, w := make([]float32, len(xs)), make([]float32, len(ws))
		for i, v := range xs {
			x[i] = float32(v)
		}
		for i, v := range ws {
			w[i] = float32(v)
		}
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
