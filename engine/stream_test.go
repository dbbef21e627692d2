package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"leaky/engine"
)

// TestStreamMatchesInMemory runs one network with both the in-memory and the
// streaming recorders and checks they see the same values and spikes, with a
// spike block small enough to flush many times.
func TestStreamMatchesInMemory(t *testing.T) {
	cfg := DefaultFeedForward()
	cfg.Batch, cfg.Neurons, cfg.Rate, cfg.Seed = 2, 70, 40, 3
	ff, err := NewFeedForward[float32](cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	subset := []int{0, 5, 69}
	mem, err := engine.NewTrace(ff.Pop, engine.VarV, subset)
	if err != nil {
		t.Fatal(err)
	}
	memI, err := engine.NewTrace(ff.Pop, engine.VarIin, nil)
	if err != nil {
		t.Fatal(err)
	}
	memS := engine.NewSpikeRecorder(ff.Pop)
	var gotV, gotIin []float32
	var gotS []int64
	st, err := engine.NewStreamTrace(ff.Pop, engine.VarV, subset, func(x []float32) error { gotV = append(gotV, x...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	stI, err := engine.NewStreamTrace(ff.Pop, engine.VarIin, nil, func(x []float32) error { gotIin = append(gotIin, x...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	ss, err := engine.NewStreamSpikes(ff.Pop, 4, func(x []int64) error {
		if len(x) > 12 {
			t.Errorf("block of %d values exceeds 4 triples", len(x))
		}
		blocks++
		gotS = append(gotS, x...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []engine.Recorder[float32]{mem, memI, memS, st, stI, ss} {
		ff.Net.AddRecorder(r)
	}
	if err := ff.Net.Run(context.Background(), 300, nil); err != nil {
		t.Fatal(err)
	}
	if err := ss.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(memS.Events) < 30 || blocks < 5 {
		t.Fatalf("only %d spike values in %d blocks; the test needs spikes", len(memS.Events), blocks)
	}
	if st.Steps != 300 || len(gotV) != len(mem.Data) || len(gotIin) != len(memI.Data) || len(gotS) != len(memS.Events) {
		t.Fatalf("lengths: steps %d, v %d/%d, iin %d/%d, spikes %d/%d", st.Steps, len(gotV), len(mem.Data), len(gotIin), len(memI.Data), len(gotS), len(memS.Events))
	}
	for i := range gotV {
		if gotV[i] != mem.Data[i] {
			t.Fatalf("v value %d: stream %v, memory %v", i, gotV[i], mem.Data[i])
		}
	}
	for i := range gotIin {
		if gotIin[i] != memI.Data[i] {
			t.Fatalf("iin value %d: stream %v, memory %v", i, gotIin[i], memI.Data[i])
		}
	}
	for i := range gotS {
		if gotS[i] != memS.Events[i] {
			t.Fatalf("spike value %d: stream %v, memory %v", i, gotS[i], memS.Events[i])
		}
	}
	if ss.Count != ff.Pop.SpikeCount() {
		t.Fatalf("stream counted %d spikes, population %d", ss.Count, ff.Pop.SpikeCount())
	}
}

// TestStreamSinkErrorStopsRun checks that a sink's error stops Run at the
// step it occurs in, with the error, instead of being kept for polling.
func TestStreamSinkErrorStopsRun(t *testing.T) {
	cfg := DefaultFeedForward()
	ff, err := NewFeedForward[float64](cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	disk := errors.New("disk full")
	calls := 0
	st, err := engine.NewStreamTrace(ff.Pop, engine.VarI, nil, func([]float64) error {
		calls++
		if calls == 3 {
			return disk
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ff.Net.AddRecorder(st)
	err = ff.Net.Run(context.Background(), 10, nil)
	if !errors.Is(err, disk) || !strings.Contains(err.Error(), "step 2") || calls != 3 || st.Steps != 2 || ff.Net.StepIndex() != 2 {
		t.Fatalf("err %v after %d calls, %d steps recorded, network at step %d", err, calls, st.Steps, ff.Net.StepIndex())
	}
	if _, err := engine.NewStreamTrace(ff.Pop, engine.VarV, []int{1}, func([]float64) error { return nil }); err == nil {
		t.Fatal("neuron 1 of a 1-neuron population accepted")
	}
}
