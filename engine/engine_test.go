package engine_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"leaky/bench"
	"leaky/engine"
	"leaky/kernels"
)

// runFF runs a feed-forward network over the given inputs and weights and
// returns the recorded traces and spikes.
func runFF[T engine.Float](t *testing.T, p engine.NeuronParams, x []float64, steps, batch, nIn int, w []float64, n int) (v, isyn, iinp []T, spikes []int64) {
	t.Helper()
	xs, ws := convert[T](x), convert[T](w)
	src, err := engine.NewArray[T]("x", xs, steps, batch, nIn)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultFeedForward()
	cfg.Neuron, cfg.Neurons = p, n
	ff, err := NewFeedForward[T](cfg, src, ws)
	if err != nil {
		t.Fatal(err)
	}
	var tr [3]*engine.Trace[T]
	for k, vr := range []engine.Var{engine.VarV, engine.VarI, engine.VarIin} {
		tr[k], err = engine.NewTrace(ff.Pop, vr, nil)
		if err != nil {
			t.Fatal(err)
		}
		ff.Net.AddRecorder(tr[k])
	}
	sr := engine.NewSpikeRecorder(ff.Pop)
	ff.Net.AddRecorder(sr)
	if err := ff.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	return tr[0].Data, tr[1].Data, tr[2].Data, sr.Events
}

func naiveParams(p engine.NeuronParams) bench.NaiveParams {
	return bench.NaiveParams{Dt: p.Dt, TauMem: p.TauMem, TauSyn: p.TauSyn[0], Threshold: p.Threshold, ZeroReset: p.Reset == kernels.ResetZero}
}

func randomWorkload(seed uint64, steps, batch, nIn, n int, prob float64, analog bool) (x, w []float64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	x = make([]float64, steps*batch*nIn)
	for i := range x {
		if analog {
			x[i] = rng.Float64()*2 - 0.5
		} else if rng.Float64() < prob {
			x[i] = 1
		}
	}
	beta := engine.DefaultNeuron().Beta()
	w = make([]float64, nIn*n)
	for i := range w {
		w[i] = rng.NormFloat64() * engine.DefaultWeightScale(beta, nIn) * 3
	}
	return x, w
}

// TestMatchesNaiveFloat64 checks the engine against the literal transcription
// of the seed notebook: traces to 1e-9 and spike times exactly.
func TestMatchesNaiveFloat64(t *testing.T) {
	for _, reset := range []kernels.Reset{kernels.ResetSubtract, kernels.ResetZero} {
		for _, analog := range []bool{false, true} {
			p := engine.SeedNeuron(0.5e-3, 10e-3, 5e-3, 1, reset)
			steps, batch, nIn, n := 2000, 3, 50, 37
			x, w := randomWorkload(uint64(reset)+7, steps, batch, nIn, n, 0.05, analog)
			if analog {
				for i := range w {
					w[i] *= 0.05
				}
			}
			v, isyn, iinp, spikes := runFF[float64](t, p, x, steps, batch, nIn, w, n)
			ref := bench.Naive(x, steps, batch, nIn, w, n, naiveParams(p))
			compareTrace(t, "v", v, ref.V, 1e-9)
			compareTrace(t, "isyn", isyn, ref.Isyn, 1e-9)
			compareTrace(t, "iinp", iinp, ref.Iinp, 1e-9)
			if len(spikes) != 3*len(ref.Spikes) {
				t.Fatalf("reset %v analog %v: %d spikes, naive has %d", reset, analog, len(spikes)/3, len(ref.Spikes))
			}
			if len(ref.Spikes) < 50 {
				t.Fatalf("workload too quiet to test anything: %d spikes", len(ref.Spikes))
			}
			for k, s := range ref.Spikes {
				got := [3]int{int(spikes[3*k]), int(spikes[3*k+1]), int(spikes[3*k+2])}
				if got != s {
					t.Fatalf("reset %v analog %v: spike %d is %v, naive %v", reset, analog, k, got, s)
				}
			}
		}
	}
}

func compareTrace[T engine.Float](t *testing.T, name string, got []T, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol) {
			t.Fatalf("%s[%d] = %v, naive %v (difference %g > %g)", name, i, got[i], want[i], d, tol)
		}
	}
}

// TestHandComputed checks a one-neuron case worked out by hand with α = β =
// 1/2 and weight 1.2 (see the comment for the arithmetic).
func TestHandComputed(t *testing.T) {
	// dt = ln 2 · τ makes α = β = exp(−ln 2) = 1/2.
	x := []float64{1, 1, 1, 0, 0}
	w := []float64{1.2}
	// t  V    I     Iin  s | I' = I/2+Iin     V' = V/2 + I − s
	// 0  0    0     1.2  0 | 1.2              0
	// 1  0    1.2   1.2  0 | 1.8              1.2
	// 2  1.2  1.8   1.2  1 | 2.1              0.6+1.8−1 = 1.4
	// 3  1.4  2.1   0    1 | 1.05             0.7+2.1−1 = 1.8
	// 4  1.8  1.05  0    1
	cases := []struct {
		reset  kernels.Reset
		v      []float64
		spikes []int64
	}{
		{kernels.ResetSubtract, []float64{0, 0, 1.2, 1.4, 1.8}, []int64{2, 3, 4}},
		// zero: at t=2 V' = (0.6+1.8)·0 = 0; t=3 V' = 0 + 2.1 = 2.1.
		{kernels.ResetZero, []float64{0, 0, 1.2, 0, 2.1}, []int64{2, 4}},
	}
	for _, c := range cases {
		p := engine.SeedNeuron(math.Ln2, 1, 1, 1, c.reset)
		v, isyn, iinp, spikes := runFF[float64](t, p, x, 5, 1, 1, w, 1)
		compareTrace(t, "v", v, c.v, 1e-12)
		compareTrace(t, "isyn", isyn, []float64{0, 1.2, 1.8, 2.1, 1.05}, 1e-12)
		compareTrace(t, "iinp", iinp, []float64{1.2, 1.2, 1.2, 0, 0}, 0)
		var steps []int64
		for k := 0; k < len(spikes); k += 3 {
			steps = append(steps, spikes[k])
		}
		if !slices.Equal(steps, c.spikes) {
			t.Errorf("reset %v: spikes at %v, want %v", c.reset, steps, c.spikes)
		}
	}
}

// TestFloat32AgreesWithFloat64 bounds the float32 error: over 500 steps of
// the default workload the potential stays within 1e-4 of float64 and at
// most 1% of spikes move.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	p := engine.DefaultNeuron()
	steps, batch, nIn, n := 500, 2, 100, 200
	x, w := randomWorkload(3, steps, batch, nIn, n, 0.02, false)
	v64, _, _, s64 := runFF[float64](t, p, x, steps, batch, nIn, w, n)
	v32, _, _, s32 := runFF[float32](t, p, x, steps, batch, nIn, w, n)
	// Compare potentials only until a spike first differs, after which the
	// trajectories may legitimately part.
	maxDiff := 0.0
	for i := range v64 {
		maxDiff = max(maxDiff, math.Abs(float64(v32[i])-v64[i]))
	}
	n64, n32 := len(s64)/3, len(s32)/3
	if n64 < 100 {
		t.Fatalf("too few spikes (%d) to compare", n64)
	}
	if d := math.Abs(float64(n64 - n32)); d > 0.01*float64(n64) {
		t.Errorf("float32 gives %d spikes, float64 %d", n32, n64)
	}
	if maxDiff > 1e-4 && n64 == n32 {
		t.Errorf("float32 potential differs from float64 by %g > 1e-4", maxDiff)
	}
}

// TestPoissonRate checks the mean input rate against rate·dt within five
// standard errors, and that the stream is reproducible from its seed.
func TestPoissonRate(t *testing.T) {
	const steps, batch, n = 4000, 2, 500
	rate, dt := 20.0, 0.5e-3
	src, err := engine.NewPoisson[float32]("in", batch, n, rate, dt, 42, 0)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	first := make([]int32, 0)
	for s := 0; s < steps; s++ {
		if err := src.Emit(s); err != nil {
			t.Fatal(err)
		}
		for b := 0; b < batch; b++ {
			ev := src.Events(b)
			for k := 1; k < len(ev); k++ {
				if ev[k] <= ev[k-1] || ev[k] >= n {
					t.Fatalf("events not increasing and in range: %v", ev)
				}
			}
			total += len(ev)
		}
		if s == 10 {
			first = append(first, src.Events(0)...)
		}
	}
	p := rate * dt
	trials := float64(steps * batch * n)
	mean, se := p*trials, math.Sqrt(trials*p*(1-p))
	if math.Abs(float64(total)-mean) > 5*se {
		t.Errorf("%d spikes, expected %.0f ± %.0f", total, mean, se)
	}
	again, _ := engine.NewPoisson[float32]("in", batch, n, rate, dt, 42, 0)
	if err := again.Emit(10); err != nil {
		t.Fatal(err)
	}
	if got := again.Events(0); len(got) != len(first) || (len(got) > 0 && got[0] != first[0]) {
		t.Errorf("step 10 emitted alone gives %v, in sequence %v", got, first)
	}
	other, _ := engine.NewPoisson[float32]("in", batch, n, rate, dt, 43, 0)
	same := 0
	for s := 0; s < 50; s++ {
		_ = other.Emit(s)
		_ = again.Emit(s)
		if equal32(other.Events(0), again.Events(0)) {
			same++
		}
	}
	if same == 50 {
		t.Error("seeds 42 and 43 give the same spikes")
	}
}

func equal32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSeedNeuronValidate: the seed form's parameters are checked, each
// refusal naming the field.
func TestSeedNeuronValidate(t *testing.T) {
	d := engine.DefaultNeuron()
	seed := func(dt, tauMem, tauSyn, threshold float64, reset kernels.Reset) engine.NeuronParams {
		return engine.SeedNeuron(dt, tauMem, tauSyn, threshold, reset)
	}
	sub := kernels.ResetSubtract
	bad := []struct {
		np   engine.NeuronParams
		want string
	}{
		{seed(0, d.TauMem, d.TauSyn[0], 1, sub), "dt"},
		{seed(-1, d.TauMem, d.TauSyn[0], 1, sub), "dt"},
		{seed(math.NaN(), d.TauMem, d.TauSyn[0], 1, sub), "dt"},
		{seed(d.Dt, 0, d.TauSyn[0], 1, sub), "tau_mem"},
		{seed(d.Dt, math.Inf(1), d.TauSyn[0], 1, sub), "tau_mem"},
		{seed(d.Dt, d.TauMem, -2, 1, sub), "tau_syn"},
		{seed(d.Dt, d.TauMem, d.TauSyn[0], math.Inf(-1), sub), "v_threshold"},
		{seed(d.Dt, d.TauMem, d.TauSyn[0], math.NaN(), sub), "v_threshold"},
		{seed(d.Dt, d.TauMem, d.TauSyn[0], 1, 7), "reset"},
	}
	for _, c := range bad {
		err := c.np.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.np, err, c.want)
		}
	}
	if err := d.Validate(); err != nil || !d.SeedForm() {
		t.Errorf("defaults invalid (%v) or not the seed form", err)
	}
	if _, err := engine.ParseReset("hard"); err == nil || !strings.Contains(err.Error(), "hard") {
		t.Errorf("ParseReset(hard) = %v", err)
	}
}

func TestBadInputsRefused(t *testing.T) {
	if _, err := engine.NewArray[float64]("x", []float64{0, math.NaN()}, 1, 1, 2); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN input: %v", err)
	}
	if _, err := engine.NewArray[float64]("x", []float64{0, 1, 1}, 1, 1, 2); err == nil {
		t.Error("wrong length accepted")
	}
	src, _ := engine.NewArray[float64]("x", []float64{0, 1}, 1, 1, 2)
	cfg := DefaultFeedForward()
	cfg.Neurons = 2
	if _, err := NewFeedForward[float64](cfg, src, []float64{1, 2, 3, math.Inf(1)}); err == nil || !strings.Contains(err.Error(), "weight [1, 1]") {
		t.Errorf("Inf weight: %v", err)
	}
	if _, err := NewFeedForward[float64](cfg, src, []float64{1, 2, 3}); err == nil {
		t.Error("short weights accepted")
	}
	ff, _ := NewFeedForward[float64](cfg, src, nil)
	if err := ff.Net.Run(context.Background(), 2, nil); err == nil || !strings.Contains(err.Error(), "has 1 steps") {
		t.Errorf("running past the input: %v", err)
	}
	if _, err := engine.NewPoisson[float32]("in", 1, 10, 5000, 1e-3, 0, 0); err == nil {
		t.Error("rate·dt > 1 accepted")
	}
}

// TestStepAllocatesNothing: the steady-state step must not allocate.
func TestStepAllocatesNothing(t *testing.T) {
	cfg := DefaultFeedForward()
	cfg.Neurons, cfg.Batch, cfg.Inputs = 300, 2, 200
	cfg.Rate = 50
	ff, err := NewFeedForward[float32](cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := engine.NewTrace(ff.Pop, engine.VarV, []int{0, 5})
	ff.Net.AddRecorder(tr)
	if err := ff.Net.Run(context.Background(), 10, nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.Reserve(2000); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if err := ff.Net.Step(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Step allocates %v times", allocs)
	}
}

// TestEveryKernelSameBits runs the same workload with every kernel this CPU
// has and requires identical spikes and potentials.
func TestEveryKernelSameBits(t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	steps, batch, nIn, n := 300, 2, 120, 333
	x, w := randomWorkload(11, steps, batch, nIn, n, 0.05, false)
	var refV []float32
	var refS []int64
	for _, impl := range kernels.Available() {
		if err := kernels.Use(impl.Name); err != nil {
			t.Fatal(err)
		}
		v, _, _, s := runFF[float32](t, engine.DefaultNeuron(), x, steps, batch, nIn, w, n)
		if refV == nil {
			refV, refS = v, s
			continue
		}
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(refV[i]) {
				t.Fatalf("%s: v[%d] = %v, generic %v", impl.Name, i, v[i], refV[i])
			}
		}
		if !slices.Equal(s, refS) {
			t.Fatalf("%s: spikes differ from generic", impl.Name)
		}
	}
}

// TestThreadsSameBits runs a population split by neurons and one split by
// trials at 1, 2, 3 and 7 threads; spikes and final state must match to
// the bit.
func TestThreadsSameBits(t *testing.T) {
	shapes := []struct{ batch, n int }{{1, 70000}, {2, 40001}, {128, 300}}
	for _, sh := range shapes {
		var refV []float32
		var refS []int64
		for _, threads := range []int{1, 2, 3, 7} {
			cfg := DefaultFeedForward()
			cfg.Batch, cfg.Neurons, cfg.Inputs, cfg.Rate, cfg.Seed = sh.batch, sh.n, 100, 40, 5
			ff, err := NewFeedForward[float32](cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			ff.Net.SetThreads(threads)
			sr := engine.NewSpikeRecorder(ff.Pop)
			ff.Net.AddRecorder(sr)
			if err := ff.Net.Run(context.Background(), 60, nil); err != nil {
				t.Fatal(err)
			}
			ff.Net.Close()
			if len(sr.Events) == 0 {
				t.Fatalf("%+v: no spikes; the test would prove nothing", sh)
			}
			if refV == nil {
				refV, refS = append([]float32(nil), ff.Pop.V...), sr.Events
				continue
			}
			for i := range refV {
				if math.Float32bits(refV[i]) != math.Float32bits(ff.Pop.V[i]) {
					t.Fatalf("%+v threads %d: V[%d] = %v, 1 thread %v", sh, threads, i, ff.Pop.V[i], refV[i])
				}
			}
			if !slices.Equal(refS, sr.Events) {
				t.Fatalf("%+v threads %d: spikes differ from 1 thread", sh, threads)
			}
		}
	}
}
