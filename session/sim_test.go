package session_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/netfile"
	"leaky/npy"
	"leaky/session"
)

// seed is a small seed-notebook description with everything recorded.
func seed(t *testing.T, dtype string, batch int) *netfile.File {
	t.Helper()
	ff := netfile.DefaultFeedForward()
	ff.Steps, ff.Neurons, ff.Batch, ff.Rate, ff.DType = 600, 60, batch, 40, dtype
	d, err := ff.File(nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sameValues compares what a Sim recorded with a .npy file leaky run
// wrote, value for value (float32 values are exact in float64).
func sameValues(t *testing.T, what string, got session.Array, path string) {
	t.Helper()
	want, err := npy.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, file %v", what, got.Shape, want.Shape)
	}
	vals := asFloat64(got.Data)
	for i, w := range want.Data {
		if math.Float64bits(vals[i]) != math.Float64bits(w) {
			t.Fatalf("%s: value %d is %v, file %v", what, i, vals[i], w)
		}
	}
}

func asFloat64(data any) []float64 {
	switch x := data.(type) {
	case []float32:
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return x
	case []int64:
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	panic("unknown data")
}

// TestSimMatchesRun opens the descriptions Run runs, steps them in
// uneven chunks and compares every recording with Run's files.
func TestSimMatchesRun(t *testing.T) {
	small, err := netfile.Load("../examples/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	*small.Run.Steps = 300
	// And a dense raster (s), which a Sim records after the update, as
	// Run's file does.
	small.Recorders = append(small.Recorders, netfile.Recorder{Population: "inh", Vars: []string{"s"}, Neurons: []int{0, 3, 7}})
	for name, d := range map[string]*netfile.File{"float32": seed(t, "float32", 1), "float64-batched": seed(t, "float64", 3), "small": small} {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			if _, err := session.Run(context.Background(), d, session.Options{Out: out, Threads: 1}); err != nil {
				t.Fatal(err)
			}
			s, err := session.Open(d, session.Options{Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			steps := *d.Run.Steps
			for done, k := 0, 1; done < steps; done, k = done+k, k*3 {
				k = min(k, steps-done)
				if err := s.Run(context.Background(), k); err != nil {
					t.Fatal(err)
				}
			}
			recs := d.Recordings()
			if len(recs) == 0 || len(s.Recordings()) != len(recs) {
				t.Fatalf("%d recordings, want %d", len(s.Recordings()), len(recs))
			}
			for _, rec := range recs {
				pop := d.Populations[rec.Pop].Name
				r, a, err := s.Recorded(pop, rec.VarName)
				if err != nil {
					t.Fatal(err)
				}
				if r.Start != 0 {
					t.Errorf("%s/%s starts at %d", pop, rec.VarName, r.Start)
				}
				sameValues(t, pop+"/"+rec.VarName, a, filepath.Join(out, rec.File))
			}
		})
	}
}

// fed is a network with a caller-fed source of 30 inputs onto 50 LIF
// neurons over 2 trials, recording V and spikes.
func fed(t *testing.T, dtype string) *netfile.File {
	t.Helper()
	const yaml = `
run: {dt: 0.001, steps: 200, batch: 2, seed: 3}
sources:
  - {name: x, input: {size: 30}}
  - {name: noise, poisson: {size: 20, rate: 30}}
populations:
  - {name: lif, size: 50, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {source: x, target: lif, type: dense, weight: {normal: [0.1, 0.3]}}
  - {source: noise, target: lif, type: sparse, p: 0.3, weight: 0.4}
recorders:
  - {population: lif, vars: [v, spikes]}
`
	d, err := netfile.Parse("fed.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	d.Run.DType = dtype
	return d
}

func inputs(steps, batch, n int, analog bool) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, steps*batch*n)
	for i := range x {
		switch {
		case analog:
			x[i] = r.Float64() - 0.2
		case r.Float64() < 0.1:
			x[i] = 1
		}
	}
	return x
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func recorded(t *testing.T, s *session.Sim, pop, v string) []float64 {
	t.Helper()
	_, a, err := s.Recorded(pop, v)
	if err != nil {
		t.Fatal(err)
	}
	return asFloat64(a.Data)
}

func sameBits(t *testing.T, what string, a, b []float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d values against %d", what, len(a), len(b))
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("%s: value %d is %v against %v", what, i, a[i], b[i])
		}
	}
}

// TestSimStepEqualsRun feeds the inputs one step at a time and all at
// once, spikes and analog, in both precisions and from both float types,
// and checks the recordings and the final state are the same bits.
func TestSimStepEqualsRun(t *testing.T) {
	const steps, batch, n = 200, 2, 30
	for _, dtype := range []string{"float32", "float64"} {
		for _, analog := range []bool{false, true} {
			x := inputs(steps, batch, n, analog)
			whole, err := session.Open(fed(t, dtype), session.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer whole.Close()
			if err := whole.Run(context.Background(), steps, session.Input{Source: "x", Data: x}); err != nil {
				t.Fatal(err)
			}
			stepped, err := session.Open(fed(t, dtype), session.Options{Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer stepped.Close()
			// The whole run got float64 values; a float32 run converts
			// them, so half the steps give it float32 values directly.
			x32 := to32(x)
			for k := range steps {
				in := session.Input{Source: "x", Data: x[k*batch*n : (k+1)*batch*n]}
				if dtype == "float32" && k%2 == 0 {
					in.Data = x32[k*batch*n : (k+1)*batch*n]
				}
				if err := stepped.Step(in); err != nil {
					t.Fatal(err)
				}
			}
			for _, v := range []string{"v", "spikes"} {
				sameBits(t, dtype+" "+v, recorded(t, stepped, "lif", v), recorded(t, whole, "lif", v))
			}
			for _, v := range []string{"v", "isyn", "iinp"} {
				a, err := stepped.State("lif", v)
				if err != nil {
					t.Fatal(err)
				}
				b, err := whole.State("lif", v)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(a.Shape, []int{batch, 50}) {
					t.Errorf("state shape %v", a.Shape)
				}
				sameBits(t, dtype+" state "+v, asFloat64(a.Data), asFloat64(b.Data))
			}
			if whole.StepIndex() != steps || stepped.StepIndex() != steps {
				t.Errorf("steps %d and %d", whole.StepIndex(), stepped.StepIndex())
			}
		}
	}
}

// TestSimSaveLoad saves a Sim mid-run, loads it and continues: the final
// state and the recordings after the load equal an uninterrupted run's.
func TestSimSaveLoad(t *testing.T) {
	const steps, at, batch, n = 200, 73, 2, 30
	x := inputs(steps, batch, n, true)
	row := batch * n
	whole, err := session.Open(fed(t, "float64"), session.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if err := whole.Run(nil, steps, session.Input{Source: "x", Data: x}); err != nil {
		t.Fatal(err)
	}
	first, err := session.Open(fed(t, "float64"), session.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Run(nil, at, session.Input{Source: "x", Data: x[:at*row]}); err != nil {
		t.Fatal(err)
	}
	if err := first.Record("lif", []string{"isyn"}, []int{3, 1}); err != nil {
		t.Fatal(err)
	}
	before := recorded(t, first, "lif", "v")
	ckpt := filepath.Join(t.TempDir(), "sim.lkc")
	if err := first.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second, err := session.Load(ckpt, session.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if second.StepIndex() != at {
		t.Fatalf("loaded at step %d, want %d", second.StepIndex(), at)
	}
	if err := second.Run(nil, steps-at, session.Input{Source: "x", Data: x[at*row:]}); err != nil {
		t.Fatal(err)
	}
	r, _, err := second.Recorded("lif", "isyn")
	if err != nil {
		t.Fatalf("the recorder added before saving: %v", err)
	}
	if r.Start != at || !slices.Equal(r.Shape, []int{steps - at, batch, 2}) {
		t.Errorf("isyn recording %+v", r)
	}
	sameBits(t, "v", append(before, recorded(t, second, "lif", "v")...), recorded(t, whole, "lif", "v"))
	for _, v := range []string{"v", "isyn", "iinp"} {
		a, _ := second.State("lif", v)
		b, _ := whole.State("lif", v)
		sameBits(t, "state "+v, asFloat64(a.Data), asFloat64(b.Data))
	}
	full := recorded(t, whole, "lif", "spikes")
	var after []float64
	for i := 0; i < len(full); i += 3 {
		if full[i] >= at {
			after = append(after, full[i:i+3]...)
		}
	}
	sameBits(t, "spikes after the load", recorded(t, second, "lif", "spikes"), after)
}

// TestSimBadInput checks that mistakes are refused with ErrBadInput, a
// message naming the key (renamed by Options.Name) and the Sim untouched.
func TestSimBadInput(t *testing.T) {
	name := func(k string) string {
		if k == "sources[0].input" {
			return "inputs"
		}
		return k
	}
	s, err := session.Open(fed(t, "float32"), session.Options{Threads: 1, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nan := make([]float32, 3*60)
	nan[65] = float32(math.NaN())
	cases := []struct {
		run  func() error
		want string
	}{
		{func() error { return s.Run(nil, 2) }, `inputs: source "x" is fed by the caller, but no values were given for it (2 steps × 2 trials × 30 inputs)`},
		{func() error { return s.Run(nil, 2, session.Input{Source: "x", Data: make([]float32, 100)}) }, `inputs: source "x": 100 values for 2 steps × 2 trials × 30 inputs; want 120`},
		{func() error { return s.Run(nil, 3, session.Input{Source: "x", Data: nan}) }, "inputs: source \"x\": value at step 1, trial 0, input 5 is NaN; inputs must be finite"},
		{func() error { return s.Step(session.Input{Source: "noise", Data: make([]float32, 60)}) }, `no source named "noise" is fed by the caller; the caller feeds ["x"]`},
		{func() error { return s.Step(session.Input{Source: "x", Data: make([]int, 60)}) }, "values are []int; want []float32 or []float64"},
		{func() error { return s.Run(nil, -1) }, "steps -1: must be ≥ 0"},
		{func() error { _, err := s.State("lif", "u"); return err }, `state variable "u": want v, isyn or iinp`},
		{func() error { _, err := s.State("hidden", "v"); return err }, `no population named "hidden" (the network has ["lif"])`},
		{func() error { _, _, err := s.Recorded("lif", "iinp"); return err }, `iinp of "lif" is not recorded (recorded: [v spikes])`},
		{func() error { return s.Record("lif", []string{"v"}, nil) }, `recorders[1].vars[0]: v of "lif" is already recorded`},
		{func() error { return s.Record("lif", []string{"isyn"}, []int{50}) }, "neuron 50 is outside 0..49"},
		{func() error { return s.SetWeights("x->lif", make([]float64, 3)) }, "projections[0].weight: 3 weights; want 30 × 50 = 1500"},
		{func() error { return s.SetWeights("noise->lif", make([]float64, 3)) }, "only a dense projection with stored weights"},
		{func() error { return s.SetThreads(-1) }, "threads -1"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !errors.Is(err, session.ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one saying %q", err, c.want)
		}
	}
	if s.StepIndex() != 0 {
		t.Errorf("refused calls stepped the network to %d", s.StepIndex())
	}
	if len(s.Description().Recorders) != 1 {
		t.Errorf("refused recorders joined the description: %v", s.Description().Recorders)
	}
	if err := s.SetWeights("x->lif", make([]float64, 1500)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(filepath.Join(t.TempDir(), "x.lkc")); err == nil || !strings.Contains(err.Error(), "set from memory") {
		t.Errorf("Save after SetWeights: %v", err)
	}
	if _, err := session.Run(context.Background(), fed(t, "float32"), session.Options{Out: t.TempDir()}); err == nil || !strings.Contains(err.Error(), `sources[0].input: source "x" is fed by its caller`) {
		t.Errorf("Run of a fed network: %v", err)
	}
	s.Close()
	if err := s.Step(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Step after Close: %v", err)
	}
}

// TestSimInterrupt cancels a Run part-way: it stops at a step boundary,
// and the Sim continues to the same bits as an uninterrupted one.
func TestSimInterrupt(t *testing.T) {
	d := seed(t, "float32", 2)
	whole, err := session.Open(d, session.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if err := whole.Run(nil, 400); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := session.Open(d, session.Options{Threads: 1, AfterStep: func(step int) {
		if step == 150 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The seed network is far below the size time-blocked stepping starts
	// at (engine/blocked.go), so the run stops at the end of the step.
	if err := s.Run(ctx, 400); !errors.Is(err, engine.ErrInterrupted) || s.StepIndex() != 150 {
		t.Fatalf("cancelled run: %v at step %d", err, s.StepIndex())
	}
	if err := s.Run(nil, 250); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"v", "isyn", "iinp", "spikes"} {
		sameBits(t, v, recorded(t, s, "lif", v), recorded(t, whole, "lif", v))
	}
	info := s.Info()
	if info.Step != 400 || info.DType != "float32" || info.Batch != 2 || len(info.Populations) != 1 || info.Sources[0].Kind != "poisson" || info.Sources[0].Size != 100 {
		t.Errorf("info %+v", info)
	}
}

// TestSimStepCheap steps a recording Sim one step per call: a call
// allocates a bounded number of times (recordings grow geometrically, not
// by a copy per step).
func TestSimStepCheap(t *testing.T) {
	s, err := session.Open(fed(t, "float32"), session.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x := make([]float32, 2*30)
	in := session.Input{Source: "x", Data: x}
	for range 100 {
		if err := s.Step(in); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(2000, func() {
		if err := s.Step(in); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.2f allocations per step", allocs)
	if allocs > 4 {
		t.Errorf("%.1f allocations per step", allocs)
	}
}

// TestSimStateConsumedInput: a population whose update consumes its input
// (CUBA's two-receptor kernel leaves Iin zero) refuses iinp as state
// instead of returning zeros, while its v and isyn, and a recorder of its
// iinp, still read.
func TestSimStateConsumedInput(t *testing.T) {
	text, err := os.ReadFile("../examples/cuba.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := netfile.Parse("cuba.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Open(d, session.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Record("exc", []string{"iinp"}, []int{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(nil, 20); err != nil {
		t.Fatal(err)
	}
	_, err = s.State("exc", "iinp")
	if err == nil || !errors.Is(err, session.ErrBadInput) || !strings.Contains(err.Error(), `iinp of "exc" is not kept after a step`) {
		t.Errorf("State(exc, iinp): %v, want the refusal", err)
	}
	for _, v := range []string{"v", "isyn"} {
		if _, err := s.State("exc", v); err != nil {
			t.Errorf("State(exc, %s): %v", v, err)
		}
	}
	if _, a, err := s.Recorded("exc", "iinp"); err != nil || len(a.Data.([]float32)) != 20*3 {
		t.Errorf("recorded iinp: %v", err)
	}
}
