package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestInputBlockSameBits: analog input computed a block of steps at a time
// must give exactly the bits of the step-by-step product, with the block
// not dividing the run, the run split over two Run calls, several threads,
// and a second analog projection into the same target (which must not be
// blocked, since it adds to a non-zero Iin).
func TestInputBlockSameBits(t *testing.T) {
	const steps, batch, nIn, n = 2500, 2, 40, 300
	rng := rand.New(rand.NewPCG(3, 4))
	x1, x2 := make([]float32, steps*batch*nIn), make([]float32, steps*batch*nIn)
	for i := range x1 {
		x1[i] = float32(rng.NormFloat64())
		x2[i] = float32(rng.NormFloat64())
	}
	w1, w2 := make([]float32, nIn*n), make([]float32, nIn*n)
	for i := range w1 {
		w1[i] = float32(rng.NormFloat64() * 0.05)
		w2[i] = float32(rng.NormFloat64() * 0.05)
	}
	build := func(blocks bool, threads int, second bool) (*Network[float32], *Population[float32]) {
		a1, err := NewArray("x1", x1, steps, batch, nIn)
		if err != nil {
			t.Fatal(err)
		}
		a2, _ := NewArray("x2", x2, steps, batch, nIn)
		pop, _ := NewPopulation[float32]("lif", batch, n, DefaultNeuron())
		net := NewNetwork[float32]()
		net.noBlocks = !blocks
		net.AddSource(a1)
		net.AddPopulation(pop)
		d1, _ := NewDense[float32]("w1", a1, pop, w1)
		if err := net.AddProjection(d1); err != nil {
			t.Fatal(err)
		}
		if second {
			net.AddSource(a2)
			d2, _ := NewDense[float32]("w2", a2, pop, w2)
			_ = net.AddProjection(d2)
		}
		net.SetThreads(threads)
		return net, pop
	}
	for _, second := range []bool{false, true} {
		ref, refPop := build(false, 1, second)
		if err := ref.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		if refPop.SpikeCount() == 0 {
			t.Fatal("no spikes: the comparison would prove little")
		}
		for _, threads := range []int{1, 3} {
			net, pop := build(true, threads, second)
			if err := net.Run(context.Background(), 1300, nil); err != nil {
				t.Fatal(err)
			}
			if err := net.Run(context.Background(), steps-1300, nil); err != nil {
				t.Fatal(err)
			}
			if len(net.blocks) != 1 {
				t.Fatalf("second=%v: %d blocked projections, want 1 (the first only)", second, len(net.blocks))
			}
			for i := range pop.V {
				if math.Float32bits(pop.V[i]) != math.Float32bits(refPop.V[i]) || math.Float32bits(pop.I[i]) != math.Float32bits(refPop.I[i]) {
					t.Fatalf("second=%v threads=%d: state %d differs: V %v vs %v", second, threads, i, pop.V[i], refPop.V[i])
				}
			}
			if pop.SpikeCount() != refPop.SpikeCount() {
				t.Fatalf("second=%v threads=%d: %d spikes, step by step %d", second, threads, pop.SpikeCount(), refPop.SpikeCount())
			}
			net.Close()
		}
		ref.Close()
	}
}

// BenchmarkAnalogInput compares analog array input computed a block of
// steps at a time (one large matrix product) with one skinny product per
// step: 100 inputs onto N neurons, one trial.
func BenchmarkAnalogInput(b *testing.B) {
	const steps, nIn = 2048, 100
	for _, n := range []int{1000, 10000} {
		for _, blocked := range []bool{false, true} {
			name := "stepwise"
			if blocked {
				name = "blocked"
			}
			b.Run("impl="+name+"/n="+strconv.Itoa(n), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x := make([]float32, steps*nIn)
				for i := range x {
					x[i] = float32(rng.Float64())
				}
				w := make([]float32, nIn*n)
				NormalWeights(w, nIn, n, 0.01, 1, 0, 0)
				a, _ := NewArray("x", x, steps, 1, nIn)
				pop, _ := NewPopulation[float32]("lif", 1, n, DefaultNeuron())
				d, _ := NewDense[float32]("w", a, pop, w)
				net := NewNetwork[float32]()
				net.noBlocks = !blocked
				net.AddSource(a)
				net.AddPopulation(pop)
				_ = net.AddProjection(d)
				net.SetThreads(1)
				for b.Loop() {
					net.step = 0
					if err := net.Run(context.Background(), steps, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*steps*float64(b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
			})
		}
	}
}
