package engine_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"leaky/engine"
)

// layerNet runs src through mk's projection into an LI population of n
// neurons for steps steps at threads threads and returns the recorded
// input current Iin, (steps, batch, n).
func layerNet(t *testing.T, src engine.Source[float32], n, steps, threads int, mk func(pop *engine.Population[float32]) (engine.Projection[float32], error)) []float32 {
	t.Helper()
	neuron := engine.DefaultNeuron()
	neuron.Kind = engine.KindLI
	pop, err := engine.NewPopulation[float32]("out", src.BatchSize(), n, neuron)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := mk(pop)
	if err != nil {
		t.Fatal(err)
	}
	net := engine.NewNetwork[float32]()
	net.AddSource(src)
	net.AddPopulation(pop)
	if err := net.AddProjection(pr); err != nil {
		t.Fatal(err)
	}
	tr, err := engine.NewTrace(pop, engine.VarIin, nil)
	if err != nil {
		t.Fatal(err)
	}
	net.AddRecorder(tr)
	net.SetThreads(threads)
	defer net.Close()
	if err := net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	return tr.Data
}

// images returns steps × batch images of c × h × w values: 0/1 spikes
// with probability 0.2, or uniform analog values.
func images(seed uint64, steps, batch, c, h, w int, analog bool) []float32 {
	r := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, steps*batch*c*h*w)
	for i := range x {
		switch {
		case analog:
			x[i] = float32(r.Float64()*2 - 1)
		case r.Float64() < 0.2:
			x[i] = 1
		}
	}
	return x
}

// naiveConv is the convolution written out, each output summed in
// (channel, row, column) order from its prior value (zero when prior is
// nil), as a projection adds into an input current that may already hold
// other projections' sums.
func naiveConv[T engine.Float](x, w, prior []T, g engine.ConvGeometry, outC int) []T {
	oh := (g.InH+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
	ow := (g.InW+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
	cpg, opg := g.InC/g.Groups, outC/g.Groups
	images := len(x) / (g.InC * g.InH * g.InW)
	out := make([]T, 0, images*outC*oh*ow)
	for im := 0; im < images; im++ {
		img := x[im*g.InC*g.InH*g.InW:]
		for o := 0; o < outC; o++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var acc T
					if prior != nil {
						acc = prior[len(out)]
					}
					gr := o / opg
					for ci := 0; ci < cpg; ci++ {
						for ky := 0; ky < g.KH; ky++ {
							for kx := 0; kx < g.KW; kx++ {
								iy, ix := oy*g.SH-g.PH+ky*g.DH, ox*g.SW-g.PW+kx*g.DW
								if iy < 0 || iy >= g.InH || ix < 0 || ix >= g.InW {
									continue
								}
								if v := img[((gr*cpg+ci)*g.InH+iy)*g.InW+ix]; v != 0 {
									acc += T(w[((o*cpg+ci)*g.KH+ky)*g.KW+kx] * v)
								}
							}
						}
					}
					out = append(out, acc)
				}
			}
		}
	}
	return out
}

// TestConv2dMatchesNaive: spikes (event-driven) and analog input (summed
// per output) both give the written-out convolution's bits, with stride,
// padding, dilation and groups, at 1, 2 and 3 threads.
func TestConv2dMatchesNaive(t *testing.T) {
	const steps, batch = 4, 2
	for _, g := range []engine.ConvGeometry{
		{InC: 2, InH: 9, InW: 9, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, Groups: 1},
		{InC: 2, InH: 12, InW: 10, KH: 5, KW: 3, SH: 2, SW: 1, PH: 1, PW: 0, DH: 1, DW: 2, Groups: 2},
		{InC: 3, InH: 7, InW: 7, KH: 2, KW: 2, SH: 2, SW: 2, Groups: 1},
		// The first layer of the NIR paper's N-MNIST CNN: 16 × 16 × 16
		// neurons, enough to be split over the threads.
		{InC: 2, InH: 34, InW: 34, KH: 5, KW: 5, SH: 2, SW: 2, PH: 1, PW: 1, Groups: 1},
	} {
		outC := 4
		switch {
		case g.Groups == 2:
			outC = 6
		case g.InH == 34:
			outC = 16
		}
		full := g
		full.DH, full.DW = max(g.DH, 1), max(g.DW, 1)
		oh := (g.InH+2*g.PH-full.DH*(g.KH-1)-1)/g.SH + 1
		ow := (g.InW+2*g.PW-full.DW*(g.KW-1)-1)/g.SW + 1
		w := images(7, 1, 1, outC, g.InC/g.Groups*g.KH, g.KW, true)
		for _, analog := range []bool{false, true} {
			x := images(9, steps, batch, g.InC, g.InH, g.InW, analog)
			want := naiveConv(x, w, nil, full, outC)
			for _, threads := range []int{1, 2, 3} {
				src, err := engine.NewArray("x", x, steps, batch, g.InC*g.InH*g.InW)
				if err != nil {
					t.Fatal(err)
				}
				got := layerNet(t, src, outC*oh*ow, steps, threads, func(pop *engine.Population[float32]) (engine.Projection[float32], error) {
					return engine.NewConv2d("conv", src, pop, w, outC, g)
				})
				if len(got) != len(want) {
					t.Fatalf("%+v: %d values, want %d", g, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%+v analog=%v threads=%d: value %d is %v, naive %v", g, analog, threads, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// convGeometries are the shapes the range tests sweep: padding, stride,
// dilation, groups, and the N-MNIST CNN's first two layers.
var convGeometries = []engine.ConvGeometry{
	{InC: 2, InH: 9, InW: 9, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, Groups: 1},
	{InC: 2, InH: 12, InW: 10, KH: 5, KW: 3, SH: 2, SW: 1, PH: 1, PW: 0, DH: 1, DW: 2, Groups: 2},
	{InC: 4, InH: 7, InW: 8, KH: 2, KW: 3, SH: 2, SW: 3, PH: 2, PW: 2, DH: 2, DW: 1, Groups: 2},
	{InC: 2, InH: 34, InW: 34, KH: 5, KW: 5, SH: 2, SW: 2, PH: 1, PW: 1, Groups: 1},
	{InC: 16, InH: 16, InW: 16, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, Groups: 1},
}

// splits returns ways to cut n neurons of batch trials into ranges: whole,
// by trial, and by neurons at cuts that fall inside output channels, so
// that every path's handling of a part of a channel is exercised.
func splits(batch, n int) [][]engine.Range {
	out := [][]engine.Range{{{B0: 0, B1: batch, Lo: 0, Hi: n}}}
	var byTrial []engine.Range
	for b := 0; b < batch; b++ {
		byTrial = append(byTrial, engine.Range{B0: b, B1: b + 1, Lo: 0, Hi: n})
	}
	out = append(out, byTrial)
	for _, cuts := range [][]int{{1}, {n / 3, n/3 + 1, 2*n/3 + 5}, {7, 64, 65, n - 1}} {
		var rs []engine.Range
		lo := 0
		for _, c := range append(cuts, n) {
			if c > lo && c <= n {
				rs = append(rs, engine.Range{B0: 0, B1: batch, Lo: lo, Hi: c})
				lo = c
			}
		}
		out = append(out, rs)
	}
	return out
}

// TestConv2dRangesMatchNaive calls Propagate directly on ranges that cut
// output channels, into input currents that already hold other sums, and
// requires the written-out convolution's bits for spikes and analog input,
// in float32 (scatter and im2col onto MatMul32) and float64 (scatter and the
// direct loop).
func TestConv2dRangesMatchNaive(t *testing.T) {
	t.Run("float32", func(t *testing.T) { convRanges[float32](t) })
	t.Run("float64", func(t *testing.T) { convRanges[float64](t) })
}

func convRanges[T engine.Float](t *testing.T) {
	const batch = 3
	for gi, g := range convGeometries {
		full := g
		full.DH, full.DW = max(g.DH, 1), max(g.DW, 1)
		oh := (g.InH+2*g.PH-full.DH*(g.KH-1)-1)/g.SH + 1
		ow := (g.InW+2*g.PW-full.DW*(g.KW-1)-1)/g.SW + 1
		outC := 3 * g.Groups
		n := outC * oh * ow
		w := convert[T](images(uint64(20+gi), 1, 1, outC, g.InC/g.Groups*g.KH, g.KW, true))
		prior := convert[T](images(uint64(40+gi), 1, batch, 1, 1, n, true))
		// Spikes, analog values, and sparse analog values (mostly zero, as
		// a pooling of spikes gives), which are scattered.
		for mode, analog := range []bool{false, true, true} {
			x := convert[T](images(uint64(60+gi), 1, batch, g.InC, g.InH, g.InW, analog))
			for i := range x {
				switch {
				case mode == 1 && i%3 == 0:
					// Zeros, which the direct loop skips and MatMul adds.
					x[i] = 0
				case mode == 2 && i%9 != 0:
					x[i] = 0
				case mode == 2:
					x[i] *= 3
				}
			}
			want := naiveConv(x, w, prior, full, outC)
			propagateSplits(t, x, batch, n, prior, func(src *engine.Array[T], pop *engine.Population[T]) (engine.Projection[T], error) {
				return engine.NewConv2d("conv", src, pop, w, outC, g)
			}, func(rs []engine.Range, b int, in []T) {
				for i, v := range in {
					if v != want[b*n+i] {
						t.Fatalf("%+v mode %d ranges %v: trial %d neuron %d is %v, naive %v", g, mode, rs, b, i, v, want[b*n+i])
					}
				}
			})
		}
	}
}

// propagateSplits puts x, one step of batch trials, on an Array, and a
// population of n neurons behind the projection that build makes from it;
// for each split of splits(batch, n) it sets the population's input to
// prior, propagates the split's ranges, and hands check each trial's input.
func propagateSplits[T engine.Float](t *testing.T, x []T, batch, n int, prior []T,
	build func(*engine.Array[T], *engine.Population[T]) (engine.Projection[T], error), check func(rs []engine.Range, b int, in []T)) {
	t.Helper()
	src, err := engine.NewArray("x", x, 1, batch, len(x)/batch)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Emit(0); err != nil {
		t.Fatal(err)
	}
	pop, err := engine.NewPopulation[T]("out", batch, n, engine.DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	proj, err := build(src, pop)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range splits(batch, n) {
		for b := 0; b < batch; b++ {
			copy(pop.Row(pop.Input(0), b), prior[b*n:(b+1)*n])
		}
		for _, r := range rs {
			proj.Propagate(r)
		}
		for b := 0; b < batch; b++ {
			check(rs, b, pop.Row(pop.Input(0), b))
		}
	}
}

// TestPool2dRangesMatchNaive: pooling spikes and values over ranges that cut
// channels, into currents that hold other sums, gives each window's sum
// (from zero, in order, then scaled) added to the prior value.
func TestPool2dRangesMatchNaive(t *testing.T) {
	const batch, c, h, w = 2, 3, 9, 7
	for _, g := range []engine.ConvGeometry{
		{InC: c, InH: h, InW: w, KH: 2, KW: 2, SH: 2, SW: 2},
		{InC: c, InH: h, InW: w, KH: 3, KW: 2, SH: 2, SW: 1, PH: 1, PW: 1},
		{InC: c, InH: h, InW: w, KH: 3, KW: 3, SH: 1, SW: 3, PH: 2, PW: 0},
	} {
		oh, ow := (h+2*g.PH-g.KH)/g.SH+1, (w+2*g.PW-g.KW)/g.SW+1
		n := c * oh * ow
		prior := images(77, 1, batch, 1, 1, n, true)
		for _, analog := range []bool{false, true} {
			x := images(78, 1, batch, c, h, w, analog)
			for _, avg := range []bool{false, true} {
				var pool *engine.Pool2d[float32]
				propagateSplits(t, x, batch, n, prior, func(src *engine.Array[float32], pop *engine.Population[float32]) (engine.Projection[float32], error) {
					var err error
					pool, err = engine.NewPool2d("pool", src, pop, g, avg)
					return pool, err
				}, func(rs []engine.Range, b int, in []float32) {
					for i, v := range in {
						ch, oy, ox := i/(oh*ow), i%(oh*ow)/ow, i%ow
						var sum float32
						for ky := 0; ky < g.KH; ky++ {
							for kx := 0; kx < g.KW; kx++ {
								iy, ix := oy*g.SH-g.PH+ky, ox*g.SW-g.PW+kx
								if iy >= 0 && iy < h && ix >= 0 && ix < w {
									sum += x[b*c*h*w+(ch*h+iy)*w+ix]
								}
							}
						}
						want := prior[b*n+i] + pool.Scale*sum
						if v != want {
							t.Fatalf("%+v analog=%v avg=%v ranges %v: trial %d neuron %d is %v, want %v", g, analog, avg, rs, b, i, v, want)
						}
					}
				})
			}
		}
	}
}

// convert copies test data, float32 or float64, into T.
func convert[T, S engine.Float](x []S) []T {
	out := make([]T, len(x))
	for i, v := range x {
		out[i] = T(v)
	}
	return out
}

// TestPool2dSumsWindows: sum and average pooling of spikes and of values
// against the windows summed by hand.
func TestPool2dSumsWindows(t *testing.T) {
	const steps, batch, c, h, w = 3, 2, 3, 8, 6
	g := engine.ConvGeometry{InC: c, InH: h, InW: w, KH: 2, KW: 2, SH: 2, SW: 2}
	for _, analog := range []bool{false, true} {
		x := images(11, steps, batch, c, h, w, analog)
		for _, avg := range []bool{false, true} {
			src, err := engine.NewArray("x", x, steps, batch, c*h*w)
			if err != nil {
				t.Fatal(err)
			}
			got := layerNet(t, src, c*4*3, steps, 2, func(pop *engine.Population[float32]) (engine.Projection[float32], error) {
				return engine.NewPool2d("pool", src, pop, g, avg)
			})
			for im := 0; im < steps*batch; im++ {
				for ch := 0; ch < c; ch++ {
					for oy := 0; oy < 4; oy++ {
						for ox := 0; ox < 3; ox++ {
							var sum float32
							for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
								sum += x[im*c*h*w+(ch*h+2*oy+d[0])*w+2*ox+d[1]]
							}
							if avg {
								sum *= 0.25
							}
							if v := got[im*c*12+ch*12+oy*3+ox]; v != sum {
								t.Fatalf("analog=%v avg=%v: image %d channel %d (%d, %d) is %v, want %v", analog, avg, im, ch, oy, ox, v, sum)
							}
						}
					}
				}
			}
		}
	}
}

// TestBiasAndIdentity: an identity edge adds each input to its neuron, a
// bias adds its values from its first step on.
func TestBiasAndIdentity(t *testing.T) {
	const steps, batch, n = 3, 2, 5
	x := images(5, steps, batch, 1, 1, n, false)
	src, err := engine.NewArray("x", x, steps, batch, n)
	if err != nil {
		t.Fatal(err)
	}
	got := layerNet(t, src, n, steps, 1, func(pop *engine.Population[float32]) (engine.Projection[float32], error) {
		return engine.NewIdentity("id", src, pop, 0)
	})
	for i := range x {
		if got[i] != x[i] {
			t.Fatalf("identity: value %d is %v, want %v", i, got[i], x[i])
		}
	}
	bias := []float32{0.5, -1, 2, 0, 3}
	src2, _ := engine.NewArray("x", x, steps, batch, n)
	got = layerNet(t, src2, n, steps, 1, func(pop *engine.Population[float32]) (engine.Projection[float32], error) {
		return engine.NewBias("b", pop, 0, bias, 1)
	})
	for i, v := range got {
		want := bias[i%n]
		if i < batch*n {
			want = 0 // From step 1
		}
		if v != want {
			t.Fatalf("bias: value %d is %v, want %v", i, v, want)
		}
	}
	if _, err := engine.NewBias("b", &engine.Population[float32]{N: 2}, 0, bias, 0); err == nil {
		t.Error("5 biases for 2 neurons accepted")
	}
}

// TestRecordDenseSpikes: VarS records s[t] as 0/1, the same spikes the
// spike recorder lists.
func TestRecordDenseSpikes(t *testing.T) {
	cfg := DefaultFeedForward()
	cfg.Neurons, cfg.Batch, cfg.Rate, cfg.Inputs = 70, 2, 60, 50
	ff, err := NewFeedForward[float32](cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := engine.NewTrace(ff.Pop, engine.VarS, []int{0, 3, 69})
	if err != nil {
		t.Fatal(err)
	}
	sr := engine.NewSpikeRecorder(ff.Pop)
	ff.Net.AddRecorder(s)
	ff.Net.AddRecorder(sr)
	if err := ff.Net.Run(context.Background(), 300, nil); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 300*2*3)
	col := map[int64]int{0: 0, 3: 1, 69: 2}
	for k := 0; k < len(sr.Events); k += 3 {
		if c, ok := col[sr.Events[k+2]]; ok {
			want[(sr.Events[k]*2+sr.Events[k+1])*3+int64(c)] = 1
		}
	}
	ones := 0
	for i := range want {
		if s.Data[i] != want[i] {
			t.Fatalf("value %d is %v, the spike list says %v", i, s.Data[i], want[i])
		}
		ones += int(want[i])
	}
	if ones == 0 || s.Steps != 300 {
		t.Fatalf("%d spikes over %d steps", ones, s.Steps)
	}
}

// TestPassKind: a pass population's V after step t is the input of step
// t, and what it passes on (Values) is that V.
func TestPassKind(t *testing.T) {
	const steps, batch, n = 6, 2, 7
	x := images(13, steps, batch, 1, 1, n, true)
	src, err := engine.NewArray("x", x, steps, batch, n)
	if err != nil {
		t.Fatal(err)
	}
	pass := engine.NeuronParams{Kind: engine.KindPass, Dt: 1e-3, TauSyn: []float64{0}, R: 1}
	a, err := engine.NewPopulation[float32]("a", batch, n, pass)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := engine.NewPopulation[float32]("b", batch, n, pass)
	net := engine.NewNetwork[float32]()
	net.AddSource(src)
	net.AddPopulation(a)
	net.AddPopulation(b)
	ia, _ := engine.NewIdentity("a", src, a, 0)
	ib, _ := engine.NewIdentity("b", a, b, 0)
	for _, pr := range []engine.Projection[float32]{ia, ib} {
		if err := net.AddProjection(pr); err != nil {
			t.Fatal(err)
		}
	}
	for step := 0; step < steps; step++ {
		if err := net.Step(); err != nil {
			t.Fatal(err)
		}
		for tr := 0; tr < batch; tr++ {
			for i := 0; i < n; i++ {
				want := x[(step*batch+tr)*n+i]
				if a.Row(a.V, tr)[i] != want || b.Row(b.V, tr)[i] != want || a.Values()[tr*n+i] != want {
					t.Fatalf("step %d trial %d neuron %d: a %v, b %v, passed on %v; want %v", step, tr, i, a.Row(a.V, tr)[i], b.Row(b.V, tr)[i], a.Values()[tr*n+i], want)
				}
			}
		}
	}
	if _, err := engine.NewPopulation[float32]("c", 1, 1, engine.NeuronParams{Kind: engine.KindPass, Dt: 1e-3, TauSyn: []float64{5e-3}, R: 1}); err == nil {
		t.Error("a pass population with a synaptic current accepted")
	}
}
