package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"leaky/internal/hugepage"
	"leaky/kernels"
)

// plainRecorder reads V of neuron 0 of trial 0 in RecordState and says
// nothing about it (no ReadsState), so blocked stepping must stage the
// state for it.
type plainRecorder[T Float] struct {
	pop  *Population[T]
	v    []T
	iin  []T
	seen []int
}

func (r *plainRecorder[T]) Population() *Population[T] { return r.pop }
func (r *plainRecorder[T]) Reserve(int) error          { return nil }
func (r *plainRecorder[T]) RecordState(t int) error {
	r.v = append(r.v, r.pop.V[0], r.pop.V[len(r.pop.V)-1])
	r.iin = append(r.iin, r.pop.Iin[r.pop.Stride+1])
	r.seen = append(r.seen, t)
	return nil
}
func (r *plainRecorder[T]) RecordSpikes(t int) error {
	r.seen = append(r.seen, -t-1, int(r.pop.SpikeCount()))
	return nil
}

// blockedCase is a network to step blocked and step by step: a Poisson
// source and a 0/1 array, both dense into one population of a size that
// is neither a whole number of blocks nor of mask words, with recorders;
// with proc, the Poisson source's weights are procedural (the same
// numbers, regenerated), beside the array's stored ones.
type blockedCase[T Float] struct {
	net    *Network[T]
	pop    *Population[T]
	spikes *SpikeRecorder[T]
	trace  *Trace[T]
	sub    *Trace[T]
	cur    *Trace[T]
	plain  *plainRecorder[T]
}

// The recorders of a blockedCase: spikes only; traces of every neuron's V,
// of a few neurons' Iin and a plainRecorder, so that the whole state is
// staged; or traces of V, I and Iin of a few neurons only, at the edges of
// blocks and mask words, whose state blocked stepping keeps step by step
// (fewStateReader).
const (
	recSpikes = iota
	recAll
	recFew
)

const blockedSteps, blockedBatch, blockedN = 150, 2, 5000

func newBlockedCase[T Float](t testing.TB, blocked bool, threads int, reset kernels.Reset, rec int, proc bool, width int) *blockedCase[T] {
	const nIn, nArr = 60, 30
	src, err := NewPoisson[T]("in", blockedBatch, nIn, 300, 5e-4, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	arr := spikeArray[T](t, blockedSteps, blockedBatch, nArr, 40, 5)
	np := DefaultNeuron()
	np.Reset = reset
	if reset == kernels.ResetZero {
		np.VReset = 0
	}
	pop, err := NewPopulation[T]("lif", blockedBatch, blockedN, np)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := make([]T, nIn*blockedN), make([]T, nArr*blockedN)
	NormalWeights(w1, nIn, blockedN, 0.6, 1, 0, 1)
	NormalWeights(w2, nArr, blockedN, 0.6, 2, 0, 1)
	subnormalColumns(w1, nIn, blockedN)
	subnormalColumns(w2, nArr, blockedN)
	var d1 Projection[T]
	if proc {
		d1, err = NewProcedural("in->lif", Presynaptic[T](src), pop, 0.6, 1, 0)
	} else {
		d1, err = NewDense("in->lif", Presynaptic[T](src), pop, w1)
	}
	if err != nil {
		t.Fatal(err)
	}
	d2, err := NewDense("arr->lif", Presynaptic[T](arr), pop, w2)
	if err != nil {
		t.Fatal(err)
	}
	net := NewNetwork[T]()
	net.noBlocks = !blocked
	net.tuning = blockTuning{width: width, always: true}
	net.AddSource(src)
	net.AddSource(arr)
	net.AddPopulation(pop)
	for _, d := range []Projection[T]{d1, d2} {
		if err := net.AddProjection(d); err != nil {
			t.Fatal(err)
		}
	}
	c := &blockedCase[T]{net: net, pop: pop, spikes: NewSpikeRecorder(pop)}
	net.AddRecorder(c.spikes)
	switch rec {
	case recAll:
		c.trace, _ = NewTrace(pop, VarV, nil)
		c.sub, _ = NewTrace(pop, VarIin, []int{0, 63, 64, 2047, 2048, blockedN - 1})
		c.plain = &plainRecorder[T]{pop: pop}
		net.AddRecorder(c.trace)
		net.AddRecorder(c.sub)
		net.AddRecorder(c.plain)
	case recFew:
		few := []int{0, 63, 64, 1023, 1024, 2047, 2048, 4095, blockedN - 1}
		c.trace, _ = NewTrace(pop, VarV, few)
		c.sub, _ = NewTrace(pop, VarIin, few)
		c.cur, _ = NewTrace(pop, VarI, few[2:5])
		net.AddRecorder(c.trace)
		net.AddRecorder(c.sub)
		net.AddRecorder(c.cur)
	}
	net.SetThreads(threads)
	return c
}

// state is the network's whole state encoded, as a checkpoint holds it.
func state[T Float](t testing.TB, net *Network[T]) []byte {
	var b bytes.Buffer
	if err := EncodeState(&b, net.StateVars()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// same fails unless the two cases hold the same state and recordings.
func (c *blockedCase[T]) same(t *testing.T, ref *blockedCase[T], what string) {
	t.Helper()
	if !bytes.Equal(state(t, c.net), state(t, ref.net)) {
		t.Fatalf("%s: state differs from per-step stepping", what)
	}
	if !slices.Equal(c.spikes.Events, ref.spikes.Events) || !slices.Equal(c.spikes.PerStep, ref.spikes.PerStep) {
		t.Fatalf("%s: spikes differ from per-step stepping", what)
	}
	for _, p := range [][2]*Trace[T]{{c.trace, ref.trace}, {c.sub, ref.sub}, {c.cur, ref.cur}} {
		if p[0] != nil && !slices.Equal(p[0].Data, p[1].Data) {
			t.Fatalf("%s: trace of %s differs from per-step stepping", what, p[0].Var)
		}
	}
	if c.plain != nil {
		if !slices.Equal(c.plain.v, ref.plain.v) || !slices.Equal(c.plain.iin, ref.plain.iin) || !slices.Equal(c.plain.seen, ref.plain.seen) {
			t.Fatalf("%s: a recorder without ReadsState saw other values", what)
		}
	}
}

// TestBlockedSameBits steps the case in blocks with every kernel, several
// thread counts and block widths (one block per trial, and several with a
// ragged last one), both resets, with no state recorders, with recorders
// of the whole state and with traces of a few neurons, stored and
// procedural weights, and
// requires per-step stepping's bits: in one Run; with blocks aligned to 10
// steps and the state at each multiple of 10 (a checkpoint) compared; with
// the state at the end of unaligned blocks compared and an interruption
// asked for mid-block; and resumed from a mid-run state loaded into a
// fresh network.
func TestBlockedSameBits(t *testing.T) {
	testBlockedSameBits[float32](t)
	testBlockedSameBits[float64](t)
}

func testBlockedSameBits[T Float](t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	for _, reset := range []kernels.Reset{kernels.ResetSubtract, kernels.ResetZero} {
		for _, rp := range [][2]int{{recSpikes, 0}, {recAll, 0}, {recFew, 0}, {recSpikes, 1}, {recAll, 1}, {recFew, 1}} {
			rec, proc := rp[0], rp[1] == 1
			_ = kernels.Use("generic")
			// The reference, step by step, and its state at every step.
			ref := newBlockedCase[T](t, false, 1, reset, rec, proc, 0)
			refAt := [][]byte{state(t, ref.net)}
			if err := ref.net.Run(context.Background(), blockedSteps, func(int) { refAt = append(refAt, state(t, ref.net)) }); err != nil {
				t.Fatal(err)
			}
			if ref.pop.SpikeCount() < 100 {
				t.Fatalf("%d spikes: the comparison would prove little", ref.pop.SpikeCount())
			}
			for _, impl := range kernels.Available() {
				if err := kernels.Use(impl.Name); err != nil {
					t.Fatal(err)
				}
				tws := [][2]int{{1, 0}, {1, 1024}, {2, 1024}, {3, 1024}, {2, 0}}
				if proc {
					tws = [][2]int{{1, 1024}, {3, 1024}, {2, 0}} // the chunks are the same code at any width
				}
				for _, tw := range tws {
					threads, width := tw[0], tw[1]
					what := fmt.Sprintf("%T %v recorders=%d procedural=%v %s threads=%d width=%d", T(0), reset, rec, proc, impl.Name, threads, width)

					// One Run, then checkpoints at every 10 steps.
					c := newBlockedCase[T](t, true, threads, reset, rec, proc, width)
					if c.net.prepare(); c.net.blocked == nil {
						t.Fatalf("%s: the network is not stepped in blocks", what)
					}
					if bp := c.net.blocked.pops[0]; bp.stateful != (rec == recAll) || (len(bp.picks) > 0) != (rec == recFew) {
						t.Fatalf("%s: staged all %v, %d neurons kept", what, bp.stateful, len(bp.picks))
					}
					c.net.SetBlockAlign(10)
					err := c.net.Run(context.Background(), blockedSteps, func(done int) {
						if done%10 == 0 && !bytes.Equal(state(t, c.net), refAt[done]) {
							t.Fatalf("%s: state at the aligned step %d differs", what, done)
						}
					})
					if err != nil {
						t.Fatal(err)
					}
					c.same(t, ref, what)
					c.net.Close()

					// Interrupted mid-block: it stops at the block's end.
					// Before, at the end of each block (unaligned, so its last
					// step leaves Iin stale), the state a checkpoint would
					// save is per-step stepping's, Iin recomputed.
					c = newBlockedCase[T](t, true, threads, reset, rec, proc, width)
					ctx, cancel := context.WithCancel(context.Background())
					ends := 0
					err = c.net.Run(ctx, blockedSteps, func(done int) {
						if done == c.net.StepIndex() {
							if !bytes.Equal(state(t, c.net), refAt[done]) {
								t.Fatalf("%s: state after the block ending at step %d differs", what, done)
							}
							ends++
						}
						if done == 5 {
							cancel()
						}
					})
					if ends == 0 {
						t.Fatalf("%s: no block ended before the interruption", what)
					}
					stop := c.net.StepIndex()
					if !errors.Is(err, ErrInterrupted) || stop <= 5 || stop >= blockedSteps {
						t.Fatalf("%s: interrupted at step 5, Run stopped at step %d with %v", what, stop, err)
					}
					if !bytes.Equal(state(t, c.net), refAt[stop]) {
						t.Fatalf("%s: state after the interruption at step %d differs", what, stop)
					}
					saved := state(t, c.net)
					if err := c.net.Run(context.Background(), blockedSteps-stop, nil); err != nil {
						t.Fatal(err)
					}
					c.same(t, ref, what+" interrupted and continued")
					c.net.Close()

					// Resumed: the saved state loaded into a fresh network,
					// whose recorders then see the rest of the run.
					if rec != recSpikes {
						continue
					}
					r := newBlockedCase[T](t, true, threads, reset, rec, proc, width)
					if _, err := DecodeState(&io.LimitedReader{R: bytes.NewReader(saved), N: int64(len(saved))}, 0, r.net.StateVars()); err != nil {
						t.Fatal(err)
					}
					r.net.Restored()
					if err := r.net.Run(context.Background(), blockedSteps-stop, nil); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(state(t, r.net), refAt[blockedSteps]) {
						t.Fatalf("%s: resumed at step %d, the final state differs", what, stop)
					}
					r.net.Close()
				}
			}
			ref.net.Close()
		}
	}
}

// TestBlockedTrial: a network on trial runs its first trialUnits blocks'
// steps alternately per step and in blocks, then keeps one way — the
// faster, or the one tuning.pick forces, each in turn — and every way
// gives per-step stepping's state, spikes and recordings, at every
// thread count, over recorders of the whole state and of a few neurons,
// with blocks aligned to 10 steps (checkpoints) or not.
func TestBlockedTrial(t *testing.T) {
	defer func(name string) { _ = kernels.Use(name) }(kernels.Active().Name)
	for _, rec := range []int{recSpikes, recAll, recFew} {
		ref := newBlockedCase[float32](t, false, 1, kernels.ResetSubtract, rec, false, 0)
		if err := ref.net.Run(context.Background(), blockedSteps, nil); err != nil {
			t.Fatal(err)
		}
		for _, pick := range []int{trialTimed, trialSteps, trialBlocks} {
			for _, threads := range []int{1, 2} {
				for _, align := range []int{0, 10} {
					what := fmt.Sprintf("recorders=%d pick=%d threads=%d align=%d", rec, pick, threads, align)
					c := newBlockedCase[float32](t, true, threads, kernels.ResetSubtract, rec, false, 1024)
					c.net.tuning.trial, c.net.tuning.pick = true, pick
					c.net.SetThreads(threads) // prepares again
					c.net.SetBlockAlign(align)
					if c.net.prepare(); c.net.blocked == nil || c.net.blocked.trial == nil {
						t.Fatalf("%s: not on trial", what)
					}
					if got := c.net.Stepping()[0]; got != "trial" {
						t.Fatalf("%s: Stepping says %q before the trial decided", what, got)
					}
					bn := c.net.blocked
					// Runs of 7 steps: Run calls end inside trial units too.
					for done := 0; done < blockedSteps; done += 7 {
						if err := c.net.Run(context.Background(), min(7, blockedSteps-done), nil); err != nil {
							t.Fatal(err)
						}
					}
					if bn.trial != nil {
						t.Fatalf("%s: still on trial after %d steps", what, blockedSteps)
					}
					// Per-step stepping, once it wins, drops the blocked net.
					perStep := c.net.blocked == nil
					if !perStep && c.net.blocked != bn {
						t.Fatalf("%s: the blocked net was replaced", what)
					}
					if pick != trialTimed && perStep != (pick == trialSteps) {
						t.Fatalf("%s: kept per-step stepping %v", what, perStep)
					}
					if got := c.net.Stepping()[0]; (got == "blocked") == perStep || got == "trial" {
						t.Fatalf("%s: Stepping says %q with per-step stepping %v", what, got, perStep)
					}
					c.same(t, ref, what)
					c.net.Close()
				}
			}
		}
		ref.net.Close()
	}
}

// TestBlockedMemory: what Memory.Blocks counts for a population stepped in
// blocks is what its blocks allocate: the masks, and the staged state when
// a recorder reads all of it, in float32 and float64.
func TestBlockedMemory(t *testing.T) {
	testBlockedMemory[float32](t)
	testBlockedMemory[float64](t)
}

func testBlockedMemory[T Float](t *testing.T) {
	for _, rec := range []int{recSpikes, recAll} {
		c := newBlockedCase[T](t, true, 1, kernels.ResetSubtract, rec, false, 0)
		if c.net.prepare(); c.net.blocked == nil {
			t.Fatal("the network is not stepped in blocks")
		}
		bp := c.net.blocked.pops[0]
		held := int64(8 * len(bp.masks))
		for _, x := range bp.stage {
			held += int64(len(x) * sizeOf[T]())
		}
		var m Memory
		shape := PopulationShape{Name: "lif", Elem: sizeOf[T](), Batch: blockedBatch, N: blockedN, Receptors: 1, Spiking: true,
			Blocked: true, StagedState: rec == recAll}
		if err := m.AddNeurons(shape); err != nil {
			t.Fatal(err)
		}
		if m.Blocks != held || held == 0 {
			t.Errorf("%T recorders=%d: estimate %d bytes, blocks hold %d", T(0), rec, m.Blocks, held)
		}
		c.net.Close()
	}
}

// TestBlockedLargeWeights: a network whose state stays in L2 is stepped
// per step (fused) while its stored weights fit the last-level cache, and
// goes on trial against blocks once they do not (blockedMinWeights), and
// then gives per-step stepping's bits whichever way the trial picks.
func TestBlockedLargeWeights(t *testing.T) {
	defer func(w int) { blockedMinWeights = w }(blockedMinWeights)
	ref := newBlockedCase[float32](t, false, 1, kernels.ResetSubtract, recSpikes, false, 0)
	if err := ref.net.Run(context.Background(), blockedSteps, nil); err != nil {
		t.Fatal(err)
	}
	defer ref.net.Close()
	// The case's weights: (60 + 30) inputs × blockedN neurons, float32.
	const weights = 90 * blockedN * 4
	for _, c := range []struct {
		limit int
		want  string
	}{{weights, "fused"}, {weights - 1, "trial"}} {
		blockedMinWeights = c.limit
		bc := newBlockedCase[float32](t, true, 1, kernels.ResetSubtract, recSpikes, false, 0)
		bc.net.tuning = blockTuning{}
		bc.net.SetThreads(1)
		if got := bc.net.Stepping()[0]; got != c.want {
			t.Errorf("weights %d, limit %d: stepping %q, want %q", weights, c.limit, got, c.want)
		}
		if err := bc.net.Run(context.Background(), blockedSteps, nil); err != nil {
			t.Fatal(err)
		}
		bc.same(t, ref, fmt.Sprintf("limit %d", c.limit))
		bc.net.Close()
	}
}

// TestBlockedOnlyFeedForward: a population whose spikes a projection reads
// (a second layer, or itself) is stepped step by step, and so is one whose
// state is too small for blocks to pay, which is less for procedural
// weights than for stored ones.
func TestBlockedOnlyFeedForward(t *testing.T) {
	src, _ := NewPoisson[float32]("in", 1, 10, 100, 1e-3, 1, 0)
	a, _ := NewPopulation[float32]("a", 1, 100, DefaultNeuron())
	b, _ := NewPopulation[float32]("b", 1, 100, DefaultNeuron())
	net := NewNetwork[float32]()
	net.AddSource(src)
	net.AddPopulation(a)
	d, _ := NewDense("in->a", Presynaptic[float32](src), a, make([]float32, 10*100))
	if err := net.AddProjection(d); err != nil {
		t.Fatal(err)
	}
	if net.prepare(); net.blocked != nil {
		t.Fatal("a layer whose state fits in cache is stepped in blocks")
	}
	net.tuning.always = true
	net.SetThreads(1) // prepares again
	if net.prepare(); net.blocked == nil {
		t.Fatal("one feed-forward layer is not stepped in blocks")
	}
	// Between the per-core L2 and half the last-level cache, blocks pay
	// on one thread for procedural weights (drawn, not streamed); for
	// stored ones the trial decides.
	if n := blockedMinStateProcedural/12 + 64; 12*n < blockedMinState {
		for _, proc := range []bool{false, true} {
			src, _ := NewPoisson[float32]("in", 1, 10, 100, 1e-3, 1, 0)
			p, _ := NewPopulation[float32]("p", 1, n, DefaultNeuron())
			var pr Projection[float32]
			if proc {
				pr, _ = NewProcedural("in->p", Presynaptic[float32](src), p, 0.5, 1, 0)
			} else {
				pr, _ = NewDense("in->p", Presynaptic[float32](src), p, make([]float32, 10*n))
			}
			net := NewNetwork[float32]()
			net.AddSource(src)
			net.AddPopulation(p)
			if err := net.AddProjection(pr); err != nil {
				t.Fatal(err)
			}
			net.SetThreads(1)
			if net.prepare(); net.blocked == nil || (net.blocked.trial != nil) == proc {
				t.Fatalf("%d neurons, procedural %v, one thread: stepped in blocks %v, on trial %v", n, proc, net.blocked != nil, net.blocked != nil && net.blocked.trial != nil)
			}
			// On two threads each one's share fits its L2: per step.
			net.SetThreads(2)
			if net.prepare(); net.blocked != nil {
				t.Fatalf("%d neurons, procedural %v, two threads: stepped in blocks", n, proc)
			}
		}
	}
	net.AddPopulation(b)
	ab, _ := NewDense("a->b", Presynaptic[float32](a), b, make([]float32, 100*100))
	if err := net.AddProjection(ab); err != nil {
		t.Fatal(err)
	}
	if net.prepare(); net.blocked != nil {
		t.Fatal("a population read by another is stepped in blocks")
	}
}

// BenchmarkBlocked steps a feed-forward population of Poisson input onto
// stored weights per step (impl=perstep, fused) and in time blocks forced
// whatever its size (impl=blocked), 100 steps an iteration from the same
// state, 2.5 input spikes a step, onto 800 MB of weights on huge pages as
// netfile allocates them: workload d's shape (1000 inputs at 5 Hz onto
// 2·10^5 neurons, 2.4 MB of state), 10^6 neurons (12 MB), 2·10^6 (24 MB)
// and 10^7 (120 MB). It shows from which state size blocks pay
// (blockedMinState).
func BenchmarkBlocked(b *testing.B) {
	for _, c := range []struct {
		nIn, n int
		rate   float64
	}{{1000, 200000, 5}, {200, 1000000, 25}, {100, 2000000, 50}, {20, 10000000, 250}} {
		np := DefaultNeuron()
		w := hugepage.Make[float32](c.nIn * c.n)
		NormalWeights(w, c.nIn, c.n, DefaultWeightScale(np.Beta(), c.nIn), 1, 0, 0)
		benchBlocked(b, c.nIn, c.n, c.rate, func(src *Poisson[float32], pop *Population[float32]) (Projection[float32], error) {
			return NewDense("in->lif", Presynaptic[float32](src), pop, w)
		})
	}
}

// BenchmarkBlockedProcedural is BenchmarkBlocked on procedural weights:
// the scale workload (1000 Poisson inputs at 5 Hz, every spike's weights
// regenerated) at 10^5 neurons (1.2 MB of state), 10^6 (12 MB) and 10^7
// (120 MB).
func BenchmarkBlockedProcedural(b *testing.B) {
	for _, n := range []int{100000, 1000000, 10000000} {
		np := DefaultNeuron()
		benchBlocked(b, 1000, n, 5, func(src *Poisson[float32], pop *Population[float32]) (Projection[float32], error) {
			return NewProcedural("in->lif", Presynaptic[float32](src), pop, DefaultWeightScale(np.Beta(), 1000), 1, 0)
		})
	}
}

// benchBlocked runs impl=perstep and impl=blocked on nIn Poisson inputs at
// rate onto n neurons through the projection proj makes, 100 steps an
// iteration from the same state, on one thread.
func benchBlocked(b *testing.B, nIn, n int, rate float64, proj func(*Poisson[float32], *Population[float32]) (Projection[float32], error)) {
	const steps = 100
	np := DefaultNeuron()
	for _, impl := range []string{"perstep", "blocked"} {
		b.Run(fmt.Sprintf("impl=%s/n=%d", impl, n), func(b *testing.B) {
			src, err := NewPoisson[float32]("in", 1, nIn, rate, np.Dt, 1, 0)
			if err != nil {
				b.Fatal(err)
			}
			pop, err := NewPopulation[float32]("lif", 1, n, np)
			if err != nil {
				b.Fatal(err)
			}
			d, err := proj(src, pop)
			if err != nil {
				b.Fatal(err)
			}
			net := NewNetwork[float32]()
			net.noBlocks = impl == "perstep"
			net.tuning = blockTuning{always: true}
			net.AddSource(src)
			net.AddPopulation(pop)
			if err := net.AddProjection(d); err != nil {
				b.Fatal(err)
			}
			net.SetThreads(1)
			defer net.Close()
			snap, err := CloneState(net.StateVars())
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				if err := CopyState(net.StateVars(), snap); err != nil {
					b.Fatal(err)
				}
				net.Restored()
				b.StartTimer()
				if err := net.Run(context.Background(), steps, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*steps*float64(b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
		})
	}
}
