package engine_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"leaky/engine"
	"leaky/kernels"
)

// synapse is one explicit connection of the reference network.
type synapse struct {
	pre, post, delay int
	w                float64
}

// refProj is a projection of the reference network: explicit synapses
// into one receptor.
type refProj struct {
	receptor int
	syn      []synapse
}

// refRun is the plain reference loop for one general population fed by
// binary inputs x (steps × batch × nIn) through the given projections. It
// sums each neuron's input post-centrically — by delivery time (earlier
// emission first), then projection, then input in increasing order, then
// synapse list order — and applies the NeuronParams equations literally,
// rounding every product to T. It returns V at the start of every step and
// the spikes as (t, b, i).
func refRun[T engine.Float](np engine.NeuronParams, n, steps, batch, nIn int, x []float64, projs []refProj, v0 []T) ([]T, [][3]int) {
	K := len(np.TauSyn)
	alpha := make([]T, K)
	for k := range alpha {
		alpha[k] = T(np.Alpha(k))
	}
	beta, vl, gain := T(np.Beta()), T(np.VLeak), T(np.Gain())
	theta, vr, sub := T(np.Threshold), T(np.VReset), T(np.Threshold-np.VReset)
	V := make([]T, batch*n)
	copy(V, v0)
	I := make([]T, K*batch*n)
	cnt := make([]int, batch*n)
	// byPost[p][i] lists projection p's synapses onto neuron i, by input
	// then list order (a stable sort), which is the order sums are taken.
	byPost := make([][][]synapse, len(projs))
	maxD := 0
	for pi, p := range projs {
		byPost[pi] = make([][]synapse, n)
		for _, s := range p.syn {
			byPost[pi][s.post] = append(byPost[pi][s.post], s)
			maxD = max(maxD, s.delay)
		}
		for i := range byPost[pi] {
			slices.SortStableFunc(byPost[pi][i], func(a, b synapse) int { return a.pre - b.pre })
		}
	}
	var vs []T
	var spikes [][3]int
	for t := 0; t < steps; t++ {
		vs = append(vs, V...)
		Iin := make([]T, K*batch*n)
		for b := 0; b < batch; b++ {
			for i := 0; i < n; i++ {
				sums := make([]T, K)
				// Emission step t − d; earlier emissions were added to the
				// ring first, so larger delays come first.
				for d := maxD; d >= 0; d-- {
					if t-d < 0 {
						continue
					}
					for pi, p := range projs {
						for _, s := range byPost[pi][i] {
							if s.delay == d && x[((t-d)*batch+b)*nIn+s.pre] != 0 {
								sums[p.receptor] += T(s.w)
							}
						}
					}
				}
				for k := range sums {
					Iin[(k*batch+b)*n+i] = sums[k]
				}
			}
		}
		for b := 0; b < batch; b++ {
			for i := 0; i < n; i++ {
				at := b*n + i
				var tot T
				for k := 0; k < K; k++ {
					c := I[k*batch*n+at]
					if k == 0 {
						tot = c
					} else {
						tot += c
					}
					I[k*batch*n+at] = T(alpha[k]*c) + Iin[k*batch*n+at]
				}
				if np.Kind == engine.KindLI {
					V[at] = vl + T(beta*(V[at]-vl)) + T(gain*tot)
					continue
				}
				if cnt[at] > 0 {
					cnt[at]--
					continue
				}
				vn := vl + T(beta*(V[at]-vl)) + T(gain*tot)
				if V[at] > theta {
					spikes = append(spikes, [3]int{t, b, i})
					if np.Reset == kernels.ResetSubtract {
						vn -= sub
					} else {
						vn = vr
					}
					if np.Refractory > 1 {
						cnt[at] = np.Refractory - 1
					}
				}
				V[at] = vn
			}
		}
	}
	return vs, spikes
}

// randomSynapses draws m synapses with repeats of (pre, post) pairs, so the
// order among equal pairs matters.
func randomSynapses(rng *rand.Rand, m, nIn, n, maxDelay int, scale float64) []synapse {
	syn := make([]synapse, m)
	for k := range syn {
		syn[k] = synapse{rng.IntN(nIn), rng.IntN(n), rng.IntN(maxDelay + 1), rng.NormFloat64() * scale}
	}
	return syn
}

// buildGeneral builds the engine network matching refRun: an array source,
// one sparse projection per refProj (explicit lists with delays).
func buildGeneral[T engine.Float](t *testing.T, np engine.NeuronParams, n, steps, batch, nIn int, x []float64, projs []refProj, v0 []T) (*engine.Network[T], *engine.Population[T], *engine.Trace[T], *engine.SpikeRecorder[T]) {
	t.Helper()
	xs := make([]T, len(x))
	for i, v := range x {
		xs[i] = T(v)
	}
	src, err := engine.NewArray("x", xs, steps, batch, nIn)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := engine.NewPopulation[T]("pop", batch, n, np)
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < batch; b++ {
		copy(pop.Row(pop.V, b), v0[b*n:(b+1)*n])
	}
	net := engine.NewNetwork[T]()
	net.AddSource(src)
	net.AddPopulation(pop)
	for k, p := range projs {
		var pres, posts, delays []int32
		var w []T
		for _, s := range p.syn {
			pres, posts, delays = append(pres, int32(s.pre)), append(posts, int32(s.post)), append(delays, int32(s.delay))
			w = append(w, T(s.w))
		}
		sp, err := engine.NewSparse("p"+string(rune('0'+k)), src, pop, p.receptor, pres, posts, w, delays)
		if err != nil {
			t.Fatal(err)
		}
		if err := net.AddProjection(sp); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := engine.NewTrace(pop, engine.VarV, nil)
	if err != nil {
		t.Fatal(err)
	}
	sr := engine.NewSpikeRecorder(pop)
	net.AddRecorder(tr)
	net.AddRecorder(sr)
	return net, pop, tr, sr
}

func spikeTriples(ev []int64) [][3]int {
	var out [][3]int
	for k := 0; k+2 < len(ev); k += 3 {
		out = append(out, [3]int{int(ev[k]), int(ev[k+1]), int(ev[k+2])})
	}
	return out
}

// TestGeneralNeuronMatchesReference runs the general neuron in its
// variants — two receptors, leak potential, both resets, refractoriness,
// input scales, LI — fed through sparse projections with delays, against
// refRun, bit for bit in both widths.
func TestGeneralNeuronMatchesReference(t *testing.T) {
	cuba := engine.NeuronParams{Kind: engine.KindLIF, Dt: 1e-4, TauMem: 20e-3, TauSyn: []float64{5e-3, 10e-3},
		R: 1, Scale: engine.ScaleLeak, VLeak: -49, Threshold: -50, VReset: -60, Reset: kernels.ResetZero, Refractory: 50}
	seed := engine.DefaultNeuron()
	cases := []struct {
		name  string
		np    func() engine.NeuronParams
		scale float64
	}{
		{"cuba", func() engine.NeuronParams { return cuba }, 60},
		{"subtract-leak", func() engine.NeuronParams {
			p := cuba
			p.Reset, p.Refractory, p.Scale, p.R = kernels.ResetSubtract, 0, engine.ScaleUnit, 0.3
			return p
		}, 3},
		{"refractory-subtract", func() engine.NeuronParams {
			p := cuba
			p.Reset, p.Refractory = kernels.ResetSubtract, 3
			return p
		}, 60},
		{"seed-refractory", func() engine.NeuronParams {
			p := seed
			p.Refractory, p.Reset, p.VReset = 4, kernels.ResetZero, -0.25
			return p
		}, 2},
		{"li", func() engine.NeuronParams {
			p := seed
			p.Kind, p.TauSyn, p.VLeak = engine.KindLI, []float64{5e-3, 2e-3, 7e-3}, 0.5
			return p
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name+"/float64", func(t *testing.T) { checkGeneral[float64](t, c.np(), c.scale) })
		t.Run(c.name+"/float32", func(t *testing.T) { checkGeneral[float32](t, c.np(), c.scale) })
	}
}

func checkGeneral[T engine.Float](t *testing.T, np engine.NeuronParams, scale float64) {
	const n, steps, batch, nIn = 70, 300, 2, 40
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float64, steps*batch*nIn)
	for i := range x {
		if rng.Float64() < 0.1 {
			x[i] = 1
		}
	}
	var projs []refProj
	for k := range np.TauSyn {
		projs = append(projs, refProj{k, randomSynapses(rng, 600, nIn, n, 3, scale)})
	}
	projs = append(projs, refProj{0, randomSynapses(rng, 200, nIn, n, 0, scale)})
	v0 := make([]T, batch*n)
	for i := range v0 {
		v0[i] = T(np.VReset + rng.Float64()*(np.Threshold-np.VReset))
	}
	wantV, wantS := refRun(np, n, steps, batch, nIn, x, projs, v0)
	net, _, tr, sr := buildGeneral(t, np, n, steps, batch, nIn, x, projs, v0)
	if err := net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	for k := range wantV {
		if tr.Data[k] != wantV[k] {
			t.Fatalf("V at step %d, trial %d, neuron %d = %v, want %v", k/(batch*n), k/n%batch, k%n, tr.Data[k], wantV[k])
		}
	}
	got := spikeTriples(sr.Events)
	if !slices.Equal(got, wantS) {
		t.Fatalf("spikes differ: %d vs %d", len(got), len(wantS))
	}
	if np.Kind == engine.KindLIF && len(wantS) == 0 {
		t.Fatalf("no spikes: the case does not exercise reset or refractoriness")
	}
	if np.Refractory > 1 {
		// The reference is independent of the engine's counters; also check
		// the period directly: no neuron spikes twice within Refractory steps.
		last := map[[2]int]int{}
		for _, s := range wantS {
			k := [2]int{s[1], s[2]}
			if prev, ok := last[k]; ok && s[0]-prev < np.Refractory {
				t.Fatalf("neuron %v spiked at %d and %d, less than %d steps apart", k, prev, s[0], np.Refractory)
			}
			last[k] = s[0]
		}
	}
}

// TestSeedFormIsFastPath checks that SeedNeuron is the seed form, and that
// a population of the seed form written out as general parameters is, bit
// for bit, the feed-forward workload's population of SeedNeuron.
func TestSeedFormIsFastPath(t *testing.T) {
	for _, reset := range []kernels.Reset{kernels.ResetSubtract, kernels.ResetZero} {
		d := engine.DefaultNeuron()
		p := engine.SeedNeuron(d.Dt, d.TauMem, d.TauSyn[0], 0.75, reset)
		if !p.SeedForm() {
			t.Fatalf("%v: SeedNeuron is not the seed form", reset)
		}
		np := engine.NeuronParams{Kind: engine.KindLIF, Dt: d.Dt, TauMem: d.TauMem, TauSyn: []float64{d.TauSyn[0]},
			R: 1, Scale: engine.ScaleUnit, Threshold: 0.75, Reset: reset}
		if reset == kernels.ResetSubtract {
			np.VReset = -0.25
		}
		if !np.SeedForm() {
			t.Fatalf("%v: the seed form written out is not the seed form", reset)
		}
		const steps, batch, nIn, n = 200, 3, 30, 50
		x, w := randomWorkload(5, steps, batch, nIn, n, 0.2, false)
		v1, i1, _, s1 := runFF[float32](t, p, x, steps, batch, nIn, w, n)
		// The same network, built by hand from the written-out form.
		xs, ws := convert[float32](x), convert[float32](w)
		src, _ := engine.NewArray("x", xs, steps, batch, nIn)
		pop, err := engine.NewPopulation[float32]("lif", batch, n, np)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := engine.NewDense("d", src, pop, ws)
		if err != nil {
			t.Fatal(err)
		}
		net := engine.NewNetwork[float32]()
		net.AddSource(src)
		net.AddPopulation(pop)
		if err := net.AddProjection(d2); err != nil {
			t.Fatal(err)
		}
		tv, _ := engine.NewTrace(pop, engine.VarV, nil)
		ti, _ := engine.NewTrace(pop, engine.VarI, nil)
		sr := engine.NewSpikeRecorder(pop)
		net.AddRecorder(tv)
		net.AddRecorder(ti)
		net.AddRecorder(sr)
		if err := net.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tv.Data, v1) || !slices.Equal(ti.Data, i1) || !slices.Equal(sr.Events, s1) {
			t.Fatalf("%v: the written-out seed form differs from SeedNeuron's feed-forward run", reset)
		}
		if len(s1) == 0 {
			t.Fatalf("%v: no spikes", reset)
		}
	}
}

// TestSparseRangesSameBits splits a sparse projection's targets into
// arbitrary 64-aligned ranges and trials and checks the sum equals the
// unsplit one bit for bit, and that each range writes only its own part.
func TestSparseRangesSameBits(t *testing.T) {
	const n, nIn, batch = 300, 200, 3
	src, err := engine.NewPoisson[float32]("in", batch, nIn, 200, 1e-3, 9, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Emit(4); err != nil {
		t.Fatal(err)
	}
	pop, err := engine.NewPopulation[float32]("p", batch, n, engine.DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	sp, err := engine.NewRandomSparse("s", src, pop, engine.RandomSparse{P: 0.3, Weight: engine.Normal(0, 1), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	sp.Propagate(pop.All())
	want := slices.Clone(pop.Iin)
	for _, cuts := range [][]int{{0, 64, 128, 300}, {0, 192, 300}, {0, 256, 300}} {
		clear(pop.Iin)
		for b := 0; b < batch; b++ {
			for c := 0; c+1 < len(cuts); c++ {
				sp.Propagate(engine.Range{B0: b, B1: b + 1, Lo: cuts[c], Hi: cuts[c+1]})
			}
		}
		if !slices.Equal(pop.Iin, want) {
			t.Fatalf("cuts %v: split sum differs", cuts)
		}
	}
	clear(pop.Iin)
	sp.Propagate(engine.Range{B0: 1, B1: 2, Lo: 64, Hi: 128})
	for b := 0; b < batch; b++ {
		for i, v := range pop.Row(pop.Iin, b) {
			in := b == 1 && i >= 64 && i < 128
			if (v != 0) != (in && want[b*pop.Stride+i] != 0) {
				t.Fatalf("range {1,2,64,128} wrote trial %d neuron %d = %v", b, i, v)
			}
		}
	}
}

// TestRandomSparseStatistics checks fixed-probability connectivity: the
// number of synapses is within 5σ of p·n_in·n_out, it is reproducible from
// the seed, a different stream differs, NoSelf removes the diagonal, and
// signs are imposed.
func TestRandomSparseStatistics(t *testing.T) {
	const n = 500
	pop, _ := engine.NewPopulation[float64]("p", 1, n, engine.DefaultNeuron())
	build := func(stream uint64, noSelf bool, sign engine.Sign) *engine.Sparse[float64] {
		sp, err := engine.NewRandomSparse("s", pop, pop, engine.RandomSparse{P: 0.05, NoSelf: noSelf, Weight: engine.Normal(0.5, 1), Sign: sign, Seed: 11, Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	a, b, c := build(0, false, engine.SignInhibitory), build(0, false, engine.SignInhibitory), build(1, true, engine.SignExcitatory)
	mean, sd := 0.05*n*n, 0.0
	sd = 0.05 * 0.95 * n * n
	if got := float64(a.Synapses()); got < mean-5*sqrt(sd) || got > mean+5*sqrt(sd) {
		t.Fatalf("%v synapses, want about %v", got, mean)
	}
	if !slices.Equal(a.Groups[0].Col16, b.Groups[0].Col16) || !slices.Equal(a.Groups[0].Col, b.Groups[0].Col) || !slices.Equal(a.Groups[0].W, b.Groups[0].W) {
		t.Fatal("same seed and stream built different projections")
	}
	if slices.Equal(a.Groups[0].Col16, c.Groups[0].Col16) && slices.Equal(a.Groups[0].Col, c.Groups[0].Col) {
		t.Fatal("different streams built the same connectivity")
	}
	for _, w := range a.Groups[0].W {
		if w > 0 {
			t.Fatalf("inhibitory weight %v > 0", w)
		}
	}
	g := c.Groups[0]
	for j := 0; j < n; j++ {
		for k := g.RowPtr[j]; k < g.RowPtr[j+1]; k++ {
			if g.Target(k) == j {
				t.Fatalf("NoSelf kept synapse %d→%d", j, j)
			}
			if g.W[k] < 0 {
				t.Fatalf("excitatory weight %v < 0", g.W[k])
			}
		}
	}
}

func sqrt(x float64) float64 {
	z := x
	for range 60 {
		z = (z + x/z) / 2
	}
	return z
}

// TestDenseDelayMatchesShift checks a delayed dense projection against the
// undelayed one: Iin with delay d at step t equals Iin without delay at
// step t − d, and zero before.
func TestDenseDelayMatchesShift(t *testing.T) {
	const steps, batch, nIn, n, d = 40, 2, 20, 30, 3
	x, w := randomWorkload(3, steps, batch, nIn, n, 0.3, false)
	run := func(delay int) []float32 {
		xs, ws := convert[float32](x), convert[float32](w)
		src, _ := engine.NewArray("x", xs, steps, batch, nIn)
		pop, _ := engine.NewPopulation[float32]("p", batch, n, engine.DefaultNeuron())
		dn, err := engine.NewDense("d", src, pop, ws)
		if err != nil {
			t.Fatal(err)
		}
		if err := dn.SetInput(0, delay); err != nil {
			t.Fatal(err)
		}
		net := engine.NewNetwork[float32]()
		net.AddSource(src)
		net.AddPopulation(pop)
		if err := net.AddProjection(dn); err != nil {
			t.Fatal(err)
		}
		tr, _ := engine.NewTrace(pop, engine.VarIin, nil)
		net.AddRecorder(tr)
		if err := net.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		return tr.Data
	}
	plain, delayed := run(0), run(d)
	row := batch * n
	for k := range delayed {
		step := k / row
		want := float32(0)
		if step >= d {
			want = plain[k-d*row]
		}
		if delayed[k] != want {
			t.Fatalf("step %d: delayed Iin %v, want %v", step, delayed[k], want)
		}
	}
	pop, _ := engine.NewPopulation[float32]("p", 1, 4, engine.DefaultNeuron())
	if err := pop.ReserveDelay(1, 2); err == nil {
		t.Fatal("receptor 1 of a one-receptor population accepted")
	}
	if err := pop.ReserveDelay(0, engine.MaxDelay+1); err == nil {
		t.Fatal("delay past MaxDelay accepted")
	}
}

// TestSparseUniformWeight: a projection whose synapses share one weight
// (CUBA's and COBA's) stores its targets alone, 4 bytes a synapse, and
// adds the same bits as the same synapses with the weight stored per
// synapse, over the whole population and over ranges, from spikes and
// from analog values; one different weight, or −0 among +0, keeps the
// weights stored.
func TestSparseUniformWeight(t *testing.T) {
	const n, nIn, batch = 300, 200, 2
	pop, err := engine.NewPopulation[float32]("p", batch, n, engine.DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	spikes, analog, _ := sparseInputs(t, batch, nIn)
	for _, pre := range []engine.Presynaptic[float32]{spikes, analog} {
		sp, err := engine.NewRandomSparse("s", pre, pop, engine.RandomSparse{P: 0.3, Weight: engine.Const(1.62), Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		g := sp.Groups[0]
		if g.W != nil || g.Uniform != 1.62 || g.Synapses() == 0 {
			t.Fatalf("%T: W %d values, Uniform %v: want no stored weights and 1.62", pre, len(g.W), g.Uniform)
		}
		stored := *sp
		stored.Groups = []engine.SparseGroup[float32]{{Delay: g.Delay, RowPtr: g.RowPtr, Col: g.Col, Col16: g.Col16, W: make([]float32, g.Synapses())}}
		for k := range stored.Groups[0].W {
			stored.Groups[0].W[k] = 1.62
		}
		for _, r := range []engine.Range{pop.All(), {B0: 1, B1: 2, Lo: 64, Hi: 192}} {
			samePropagation(t, pop, sp, &stored, r, "the shared weight and the stored ones")
		}
	}
	negZero := float32(math.Copysign(0, -1))
	for _, w := range [][]float32{{1.62, 1.62, 1.625}, {0, negZero, 0}} {
		sp, err := engine.NewSparse("s", engine.Presynaptic[float32](spikes), pop, 0, []int32{0, 1, 2}, []int32{5, 6, 7}, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sp.Groups[0].W, w) {
			t.Errorf("weights %v stored as %v (Uniform %v)", w, sp.Groups[0].W, sp.Groups[0].Uniform)
		}
	}
}

// sparseInputs are the sparse projections' tests' inputs, batch trials of
// nIn each: a Poisson source at 200 Hz emitted at step 4, and an array of
// analog values (values, i%7 · 0.37, some zero) emitted at step 0.
func sparseInputs(t *testing.T, batch, nIn int) (*engine.Poisson[float32], *engine.Array[float32], []float32) {
	t.Helper()
	spikes, err := engine.NewPoisson[float32]("in", batch, nIn, 200, 1e-3, 9, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := spikes.Emit(4); err != nil {
		t.Fatal(err)
	}
	values := make([]float32, batch*nIn)
	for i := range values {
		values[i] = float32(i%7) * 0.37
	}
	analog, err := engine.NewArray("x", values, 1, batch, nIn)
	if err != nil {
		t.Fatal(err)
	}
	if err := analog.Emit(0); err != nil {
		t.Fatal(err)
	}
	return spikes, analog, values
}

// TestSparseNarrowTargets: a projection onto at most 65536 neurons keeps
// its targets as uint16 (Col16), one onto more as int32 (Col), and the
// narrow form adds the same bits as the same synapses held wide, over
// whole and partial ranges (the last one ending at target 65535), from
// spikes and from analog values, with stored and shared weights.
func TestSparseNarrowTargets(t *testing.T) {
	const nIn, batch = 50, 2
	spikes, analog, values := sparseInputs(t, batch, nIn)
	for _, n := range []int{300, 1 << 16, 1<<16 + 1} {
		pop, err := engine.NewPopulation[float32]("p", batch, n, engine.DefaultNeuron())
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []engine.Dist{engine.Normal(0.5, 0.2), engine.Const(1.62)} {
			for _, pre := range []engine.Presynaptic[float32]{spikes, analog} {
				sp, err := engine.NewRandomSparse("s", pre, pop, engine.RandomSparse{P: 0.05, Weight: w, Seed: 5})
				if err != nil {
					t.Fatal(err)
				}
				g := sp.Groups[0]
				narrow := n <= 1<<16
				if narrow != (g.Col16 != nil) || narrow == (g.Col != nil) || g.Synapses() == 0 {
					t.Fatalf("n=%d: %d int32 and %d uint16 targets, want them all as %s", n, len(g.Col), len(g.Col16), map[bool]string{true: "uint16", false: "int32"}[narrow])
				}
				if !narrow {
					continue
				}
				wide := *sp
				col := make([]int32, len(g.Col16))
				for k, c := range g.Col16 {
					col[k] = int32(c)
				}
				wide.Groups = []engine.SparseGroup[float32]{{Delay: g.Delay, RowPtr: g.RowPtr, Col: col, W: g.W, Uniform: g.Uniform}}
				if sp.Synapses() != wide.Synapses() || g.IndexBytes() != wide.Groups[0].IndexBytes()/2 {
					t.Fatalf("n=%d: %d synapses in %d index bytes, held wide %d in %d", n, sp.Synapses(), g.IndexBytes(), wide.Synapses(), wide.Groups[0].IndexBytes())
				}
				top := n / 64 * 64
				for _, r := range []engine.Range{pop.All(), {B0: 1, B1: 2, Lo: 64, Hi: 192}, {B0: 0, B1: 2, Lo: top - 128, Hi: n}} {
					samePropagation(t, pop, sp, &wide, r, "uint16 and int32 targets")
				}
			}
		}
	}
	// Repeated targets on both sides of a range's edges: each range takes
	// every synapse onto its neurons, once, from targets of either width.
	pop, err := engine.NewPopulation[float32]("p", batch, 300, engine.DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	pres, posts := []int32{1, 1, 1, 1, 1, 2, 2, 2}, []int32{62, 63, 63, 64, 64, 127, 127, 128}
	w := []float32{1, 2, 4, 8, 16, 32, 64, 128}
	all := engine.Presynaptic[float32](analog)
	sp, err := engine.NewSparse("s", all, pop, 0, pres, posts, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	wide := *sp
	wide.Groups = []engine.SparseGroup[float32]{{RowPtr: sp.Groups[0].RowPtr, Col: slices.Clone(posts), W: sp.Groups[0].W}}
	for _, r := range []engine.Range{{B0: 0, B1: 1, Lo: 0, Hi: 64}, {B0: 0, B1: 1, Lo: 64, Hi: 128}, {B0: 0, B1: 1, Lo: 128, Hi: 192}, {B0: 0, B1: 1, Lo: 64, Hi: 64}} {
		want := make([]float32, len(pop.Iin))
		for k, j := range pres {
			if i := int(posts[k]); i >= r.Lo && i < r.Hi {
				want[i] += values[j] * w[k]
			}
		}
		for _, s := range []*engine.Sparse[float32]{sp, &wide} {
			clear(pop.Iin)
			s.Propagate(r)
			if !slices.Equal(pop.Iin, want) {
				t.Fatalf("range %+v, %d uint16 and %d int32 targets: %v, want %v", r, len(s.Groups[0].Col16), len(s.Groups[0].Col), pop.Iin[60:130], want[60:130])
			}
		}
	}
}

// samePropagation propagates a and b over r and wants the same bits, and
// some of them not zero; what names the two.
func samePropagation(t *testing.T, pop *engine.Population[float32], a, b *engine.Sparse[float32], r engine.Range, what string) {
	t.Helper()
	clear(pop.Iin)
	a.Propagate(r)
	got := slices.Clone(pop.Iin)
	clear(pop.Iin)
	b.Propagate(r)
	if !slices.Equal(got, pop.Iin) {
		t.Fatalf("n=%d %T, range %+v: %s add other values", pop.N, a.Pre, r, what)
	}
	if !slices.ContainsFunc(got[r.B0*pop.Stride+r.Lo:r.B0*pop.Stride+r.Hi], func(v float32) bool { return v != 0 }) {
		t.Fatalf("n=%d %T, range %+v: nothing was added", pop.N, a.Pre, r)
	}
}
