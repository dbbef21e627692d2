package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"leaky/kernels"
)

// fusedCase is a network whose populations step fused where they may and
// unfused where they may not: "a" (5000 neurons, not whole mask words,
// split over the threads by neurons) fed by a Poisson source and a 0/1
// array; "b" fed by "a", which steps before it, and by the source; "c" fed
// by the source and by itself (its own spikes change as it steps:
// unfused); "d" whose Iin is traced (unfused).
// Spikes of a and b, V of a, I of b and Iin of four neurons of a are
// recorded.
type fusedCase[T Float] struct {
	net    *Network[T]
	pops   []*Population[T]
	spikes []*SpikeRecorder[T]
	traces []*Trace[T]
	// inputs records a's Iin through InputOf, leaving a free to step fused.
	inputs *inputOfRecorder[T]
	// fusedSteps and busySteps count, in progress, the steps a ran fused
	// and those it ran unfused for its many rows (not the aligned ones).
	fusedSteps, busySteps int
}

const fusedSteps, fusedAlign = 160, 40

func newFusedCase[T Float](t testing.TB, fuse bool, threads, batch int, reset kernels.Reset) *fusedCase[T] {
	t.Helper()
	const nIn, nArr = 80, 40
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// About 5 rows a step into a, more than fusedMaxRows on some steps.
	src, err := NewPoisson[T]("in", batch, nIn, 60, 5e-4, 3, 0)
	must(err)
	arr := spikeArray[T](t, fusedSteps, batch, nArr, 15, 7)
	np := DefaultNeuron()
	np.Reset = reset
	if reset == kernels.ResetZero {
		np.VReset = 0
	}
	c := &fusedCase[T]{net: NewNetwork[T]()}
	c.net.noFuse = !fuse
	c.net.SetBlockAlign(fusedAlign)
	c.net.AddSource(src)
	c.net.AddSource(arr)
	for _, size := range []struct {
		name string
		n    int
	}{{"a", 5000}, {"b", 130}, {"c", 70}, {"d", 64}} {
		p, err := NewPopulation[T](size.name, batch, size.n, np)
		must(err)
		c.pops = append(c.pops, p)
		c.net.AddPopulation(p)
	}
	a, b, cc, d := c.pops[0], c.pops[1], c.pops[2], c.pops[3]
	dense := func(name string, pre Presynaptic[T], post *Population[T], scale float64, stream uint64) {
		t.Helper()
		w := make([]T, pre.Size()*post.N)
		NormalWeights(w, pre.Size(), post.N, scale, 11, stream, 1)
		// Some weights −0, which +0 + −0 turns into +0 in the unfused sum.
		for i := 0; i < len(w); i += 7 {
			w[i] = T(math.Copysign(0, -1))
		}
		subnormalColumns(w, pre.Size(), post.N)
		pr, err := NewDense(name, pre, post, w)
		must(err)
		must(c.net.AddProjection(pr))
	}
	dense("in->a", src, a, 0.5, 1)
	dense("arr->a", arr, a, 0.5, 2)
	dense("a->b", a, b, 0.3, 3)
	dense("in->b", src, b, 0.4, 4)
	dense("in->c", src, cc, 0.6, 5)
	dense("c->c", cc, cc, 0.2, 6)
	dense("in->d", src, d, 0.6, 7)
	for _, p := range []*Population[T]{a, b} {
		r := NewSpikeRecorder(p)
		c.spikes = append(c.spikes, r)
		c.net.AddRecorder(r)
	}
	// a's Iin of four neurons, read through InputOf, leaves a fused; d's
	// of all its neurons keeps d unfused.
	for _, tr := range []struct {
		p       *Population[T]
		v       Var
		neurons []int
	}{{a, VarV, nil}, {b, VarI, nil}, {d, VarIin, nil}, {a, VarIin, []int{0, 63, 64, 4999}}} {
		r, err := NewTrace(tr.p, tr.v, tr.neurons)
		must(err)
		c.traces = append(c.traces, r)
		c.net.AddRecorder(r)
	}
	c.inputs = &inputOfRecorder[T]{pop: a}
	c.net.AddRecorder(c.inputs)
	c.net.SetThreads(threads)
	return c
}

// inputOfRecorder records every neuron's Iin[t] of every trial through
// Population.InputOf, and says it reads no Iin, as leaky run's figure does.
type inputOfRecorder[T Float] struct {
	pop  *Population[T]
	data []T
}

func (r *inputOfRecorder[T]) Population() *Population[T] { return r.pop }
func (r *inputOfRecorder[T]) Reserve(int) error          { return nil }
func (r *inputOfRecorder[T]) RecordSpikes(int) error     { return nil }
func (r *inputOfRecorder[T]) ReadsInput() bool           { return false }
func (r *inputOfRecorder[T]) RecordState(int) error {
	for b := range r.pop.Batch {
		for i := range r.pop.N {
			r.data = append(r.data, r.pop.InputOf(b, i))
		}
	}
	return nil
}

// spikeArray returns a 0/1 array source "arr" of steps × batch × n values,
// each 1 with probability 1/oneIn, drawn from seed.
func spikeArray[T Float](t testing.TB, steps, batch, n, oneIn int, seed uint64) *Array[T] {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	x := make([]T, steps*batch*n)
	for i := range x {
		if rng.IntN(oneIn) == 0 {
			x[i] = 1
		}
	}
	arr, err := NewArray("arr", x, steps, batch, n)
	if err != nil {
		t.Fatal(err)
	}
	return arr
}

// run steps the case steps steps, calling at(step) after each and
// counting the steps a ran fused.
func (c *fusedCase[T]) run(t *testing.T, ctx context.Context, steps int, at func(step int)) error {
	t0 := c.net.StepIndex()
	return c.net.Run(ctx, steps, func(done int) {
		switch step := t0 + done; {
		case c.pops[0].inputStale:
			c.fusedSteps++
		case step%fusedAlign != 0 && done != steps:
			c.busySteps++
		}
		if at != nil {
			at(t0 + done)
		}
	})
}

// same fails unless the two cases hold the same state (every variable
// bit for bit, Iin included) and the same recordings.
func (c *fusedCase[T]) same(t *testing.T, ref *fusedCase[T], what string) {
	t.Helper()
	if err := SameState(c.net.StateVars(), ref.net.StateVars()); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i, r := range c.spikes {
		if fmt.Sprint(r.Events, r.PerStep) != fmt.Sprint(ref.spikes[i].Events, ref.spikes[i].PerStep) {
			t.Fatalf("%s: spikes of %s differ", what, r.Pop.Name)
		}
	}
	for i, r := range c.traces {
		if err := SameState([]StateVar{SliceVar("trace", r.Data)}, []StateVar{SliceVar("trace", ref.traces[i].Data)}); err != nil {
			t.Fatalf("%s: trace of %s %s: %v", what, r.Pop.Name, r.Var, err)
		}
	}
	// Fused, InputOf sums the step's rows; unfused, it reads Iin.
	if err := SameState([]StateVar{SliceVar("inputs", c.inputs.data)}, []StateVar{SliceVar("inputs", ref.inputs.data)}); err != nil {
		t.Fatalf("%s: a's Iin through InputOf: %v", what, err)
	}
}

// TestFusedMatchesUnfused steps the case fused and unfused on every
// kernel the CPU has, 1, 2 and 3 threads, one trial and three, both
// resets, float32 and float64, and requires the same bits throughout:
// the state at an aligned step and at a step between (where StateVars
// recomputes Iin), at the end, and every recording. Only a and b may
// step fused, and a must, on every step but the aligned ones, the last
// and those whose input adds more than fusedMaxRows rows.
func TestFusedMatchesUnfused(t *testing.T) {
	t.Run("float32", testFusedMatchesUnfused[float32])
	t.Run("float64", testFusedMatchesUnfused[float64])
}

func testFusedMatchesUnfused[T Float](t *testing.T) {
	prev := kernels.Active().Name
	defer kernels.Use(prev)
	for _, impl := range kernels.Available() {
		if err := kernels.Use(impl.Name); err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2, 3} {
			for _, batch := range []int{1, 3} {
				for _, reset := range []kernels.Reset{kernels.ResetSubtract, kernels.ResetZero} {
					what := fmt.Sprintf("%s threads=%d batch=%d reset=%v", impl.Name, threads, batch, reset)
					ref := newFusedCase[T](t, false, threads, batch, reset)
					c := newFusedCase[T](t, true, threads, batch, reset)
					var fusedFor []bool
					for i := range c.net.PopulationThreads() {
						fusedFor = append(fusedFor, c.net.phases[i].fused != nil)
					}
					if fmt.Sprint(fusedFor) != "[true true false false]" {
						t.Fatalf("%s: fused stepping for populations a–d: %v, want a and b", what, fusedFor)
					}
					// take keeps net's state after an aligned step and one
					// between (where StateVars recomputes Iin).
					take := func(net *Network[T], into map[int][]StateVar) func(int) {
						return func(step int) {
							if step == fusedAlign || step == 57 {
								s, err := CloneState(net.StateVars())
								if err != nil {
									t.Fatal(err)
								}
								into[step] = s
							}
						}
					}
					refSnaps, snaps := map[int][]StateVar{}, map[int][]StateVar{}
					if err := ref.run(t, nil, fusedSteps, take(ref.net, refSnaps)); err != nil {
						t.Fatal(err)
					}
					if ref.fusedSteps != 0 {
						t.Fatalf("%s: the unfused network stepped fused", what)
					}
					if err := c.run(t, nil, fusedSteps, take(c.net, snaps)); err != nil {
						t.Fatal(err)
					}
					// Every step but those that end at a multiple of the
					// alignment (the last among them) and those with more
					// than fusedMaxRows rows, of which there must be some.
					if want := fusedSteps - fusedSteps/fusedAlign - c.busySteps; c.fusedSteps != want || c.busySteps == 0 || c.fusedSteps < fusedSteps/2 {
						t.Fatalf("%s: a stepped fused %d times and unfused for many rows %d times, want %d and some", what, c.fusedSteps, c.busySteps, want)
					}
					for _, step := range []int{fusedAlign, 57} {
						if err := SameState(snaps[step], refSnaps[step]); err != nil {
							t.Fatalf("%s: state after step %d: %v", what, step, err)
						}
					}
					c.same(t, ref, what)
					if c.spikes[0].Events == nil || c.spikes[1].Events == nil {
						t.Fatalf("%s: a or b never spiked; the case tests nothing", what)
					}
				}
			}
		}
	}
}

// TestFusedResume interrupts a fused run mid-way (not at an aligned
// step), checks that the state it stops with, Iin included, is the
// unfused one, restores it into a fresh network and runs on; the result
// must be the uninterrupted unfused run's, bit for bit.
func TestFusedResume(t *testing.T) {
	for _, threads := range []int{1, 2} {
		ref := newFusedCase[float32](t, false, threads, 2, kernels.ResetSubtract)
		if err := ref.run(t, nil, 73, nil); err != nil {
			t.Fatal(err)
		}
		at73, err := CloneState(ref.net.StateVars())
		if err != nil {
			t.Fatal(err)
		}
		if err := ref.run(t, nil, fusedSteps-73, nil); err != nil {
			t.Fatal(err)
		}

		c := newFusedCase[float32](t, true, threads, 2, kernels.ResetSubtract)
		ctx, cancel := context.WithCancel(context.Background())
		err = c.run(t, ctx, fusedSteps, func(step int) {
			if step == 73 {
				cancel()
			}
		})
		if !errors.Is(err, ErrInterrupted) || c.net.StepIndex() != 73 {
			t.Fatalf("threads=%d: interrupted run: %v at step %d", threads, err, c.net.StepIndex())
		}
		if c.fusedSteps == 0 {
			t.Fatalf("threads=%d: nothing stepped fused", threads)
		}
		if c.pops[0].inputStale {
			t.Fatalf("threads=%d: Iin left stale after the interruption", threads)
		}
		// Iin as the population holds it, not through StateVars.
		iin := SliceVar("pop/a/Iin", c.pops[0].Iin)
		if err := SameState([]StateVar{iin}, []StateVar{stateVar(t, at73, iin.name)}); err != nil {
			t.Fatalf("threads=%d: Iin after the interruption: %v", threads, err)
		}
		saved, err := CloneState(c.net.StateVars())
		if err != nil {
			t.Fatal(err)
		}
		if err := SameState(saved, at73); err != nil {
			t.Fatalf("threads=%d: state at the interruption: %v", threads, err)
		}

		resumed := newFusedCase[float32](t, true, threads, 2, kernels.ResetSubtract)
		if err := CopyState(resumed.net.StateVars(), saved); err != nil {
			t.Fatal(err)
		}
		resumed.net.Restored()
		if err := resumed.run(t, nil, fusedSteps-73, nil); err != nil {
			t.Fatal(err)
		}
		if err := SameState(resumed.net.StateVars(), ref.net.StateVars()); err != nil {
			t.Fatalf("threads=%d: resumed run: %v", threads, err)
		}
		// The recordings of the interrupted run and the resumed one
		// together are the uninterrupted run's.
		for i, r := range resumed.spikes {
			got := append(append([]int64(nil), c.spikes[i].Events...), r.Events...)
			if fmt.Sprint(got) != fmt.Sprint(ref.spikes[i].Events) {
				t.Fatalf("threads=%d: spikes of %s, interrupted and resumed, differ", threads, r.Pop.Name)
			}
		}
		for i, r := range resumed.traces {
			got := append(append([]float32(nil), c.traces[i].Data...), r.Data...)
			if err := SameState([]StateVar{SliceVar("trace", got)}, []StateVar{SliceVar("trace", ref.traces[i].Data)}); err != nil {
				t.Fatalf("threads=%d: trace of %s %s, interrupted and resumed: %v", threads, r.Pop.Name, r.Var, err)
			}
		}
	}
}

// stateVar finds the variable called name in vars.
func stateVar(t *testing.T, vars []StateVar, name string) StateVar {
	t.Helper()
	for _, v := range vars {
		if v.name == name {
			return v
		}
	}
	t.Fatalf("no state variable %q", name)
	return StateVar{}
}

// BenchmarkFused steps a population fed by 1000 Poisson inputs at 5 Hz
// through stored weights, fused and unfused (impl=), at n neurons over a
// batch of batch trials: a small layer over a large batch, where the fused
// path makes a kernel call per trial, and one large trial.
func BenchmarkFused(b *testing.B) {
	for _, impl := range []string{"fused", "unfused"} {
		for _, size := range []struct{ n, batch int }{{200, 256}, {10000, 1}} {
			b.Run(fmt.Sprintf("impl=%s/n=%d/batch=%d", impl, size.n, size.batch), func(b *testing.B) {
				const nIn, steps = 1000, 100
				src, err := NewPoisson[float32]("in", size.batch, nIn, 5, 5e-4, 1, 0)
				if err != nil {
					b.Fatal(err)
				}
				pop, err := NewPopulation[float32]("lif", size.batch, size.n, DefaultNeuron())
				if err != nil {
					b.Fatal(err)
				}
				w := make([]float32, nIn*size.n)
				NormalWeights(w, nIn, size.n, 7*(1-0.95)/math.Sqrt(nIn), 1, 0, 1)
				d, err := NewDense("in->lif", Presynaptic[float32](src), pop, w)
				if err != nil {
					b.Fatal(err)
				}
				net := NewNetwork[float32]()
				net.noFuse = impl == "unfused"
				net.AddSource(src)
				net.AddPopulation(pop)
				if err := net.AddProjection(d); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if err := net.Run(context.Background(), steps, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size.n*size.batch*steps*b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
			})
		}
	}
}
