package engine

import (
	"context"
	"slices"
	"testing"
)

// stateBlindRecorder is plainRecorder saying it reads no state
// (ReadsState false), which lets a step run its population's input and
// update as one phase and call RecordState after the update. It notes V
// of neuron 0 all the same, to show when RecordState ran.
type stateBlindRecorder[T Float] struct{ plainRecorder[T] }

func (r *stateBlindRecorder[T]) ReadsState() bool { return false }

// TestRecordStatePhase: a recorder that reads the state (a Trace of V, a
// recorder that does not say) sees V[t] in RecordState, between the
// input and the update; when every recorder of a population says it
// reads none, the input and update run as one phase (a barrier less a
// step on several threads) and RecordState comes after the update — it
// sees V[t+1] —, still once a step, before RecordSpikes, on 1 and 2
// threads.
func TestRecordStatePhase(t *testing.T) {
	const n, steps = 5000, 40
	build := func(threads int, blind bool) (*Trace[float32], *plainRecorder[float32]) {
		src, err := NewPoisson[float32]("in", 2, 50, 200, 1e-3, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		pop, err := NewPopulation[float32]("p", 2, n, DefaultNeuron())
		if err != nil {
			t.Fatal(err)
		}
		w := make([]float32, 50*n)
		NormalWeights(w, 50, n, 0.5, 4, 0, 1)
		d, err := NewDense("in->p", Presynaptic[float32](src), pop, w)
		if err != nil {
			t.Fatal(err)
		}
		net := NewNetwork[float32]()
		net.AddSource(src)
		net.AddPopulation(pop)
		if err := net.AddProjection(d); err != nil {
			t.Fatal(err)
		}
		// The trace (a reader) goes only into the network of the
		// recorder that does not say: beside the blind recorder it
		// would make the population's step two phases again.
		trace, err := NewTrace(pop, VarV, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		var rec *plainRecorder[float32]
		if blind {
			b := &stateBlindRecorder[float32]{plainRecorder[float32]{pop: pop}}
			net.AddRecorder(b)
			rec = &b.plainRecorder
		} else {
			rec = &plainRecorder[float32]{pop: pop}
			net.AddRecorder(rec)
			net.AddRecorder(trace)
		}
		net.SetThreads(threads)
		defer net.Close()
		if err := net.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		return trace, rec
	}
	for _, threads := range []int{1, 2} {
		tr, reader := build(threads, false)
		_, blind := build(threads, true)
		// The trace holds neuron 0 of both trials a step; trial 0's,
		// V[t] of step t, is what plainRecorder notes first.
		var vt []float32
		for k := 0; k < len(tr.Data); k += 2 {
			vt = append(vt, tr.Data[k])
		}
		v := func(r *plainRecorder[float32]) []float32 {
			out := make([]float32, 0, steps)
			for k := 0; k < len(r.v); k += 2 {
				out = append(out, r.v[k])
			}
			return out
		}
		if !slices.Equal(v(reader), vt) {
			t.Fatalf("%d threads: a recorder that does not say what it reads saw V %v, the trace V[t] %v", threads, v(reader)[:5], vt[:5])
		}
		// V[t+1] is what the trace saw at step t+1.
		if got := v(blind); !slices.Equal(got[:steps-1], vt[1:]) {
			t.Fatalf("%d threads: a recorder reading no state saw V %v in RecordState, want V[t+1] %v", threads, got[:5], vt[1:6])
		}
		if !slices.Equal(blind.seen, reader.seen) {
			t.Fatalf("%d threads: RecordState and RecordSpikes of a recorder reading no state came as %v, of one reading it %v", threads, blind.seen[:8], reader.seen[:8])
		}
		if slices.Min(vt) == slices.Max(vt) {
			t.Fatalf("%d threads: V never moved; the test shows nothing", threads)
		}
	}
}
