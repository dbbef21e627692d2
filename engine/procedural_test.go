package engine

import (
	"context"
	"math"
	"testing"
)

// TestProceduralEqualsStored: a procedural projection must give the same bits
// as a dense one holding NormalWeights with the same key, at any thread count.
func TestProceduralEqualsStored(t *testing.T) {
	const batch, nIn, n, steps = 2, 60, 1000, 80
	p := DefaultNeuron()
	scale := 3 * DefaultWeightScale(p.Beta(), nIn)
	run := func(procedural bool, threads int) ([]float32, int64) {
		src, err := NewPoisson[float32]("in", batch, nIn, 200, p.Dt, 9, 0)
		if err != nil {
			t.Fatal(err)
		}
		pop, err := NewPopulation[float32]("lif", batch, n, p)
		if err != nil {
			t.Fatal(err)
		}
		var pr Projection[float32]
		if procedural {
			pr, err = NewProcedural[float32]("w", src, pop, scale, 4, 0)
		} else {
			w := make([]float32, nIn*n)
			NormalWeights(w, nIn, n, scale, 4, 0, 0)
			pr, err = NewDense[float32]("w", src, pop, w)
		}
		if err != nil {
			t.Fatal(err)
		}
		net := oneProjection(t, src, pop, pr, threads)
		defer net.Close()
		if err := net.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), pop.V...), pop.SpikeCount()
	}
	refV, refN := run(false, 1)
	if refN == 0 {
		t.Fatal("no spikes: the comparison would prove nothing")
	}
	for _, threads := range []int{1, 3} {
		v, nspk := run(true, threads)
		if nspk != refN {
			t.Fatalf("threads %d: %d spikes, stored weights give %d", threads, nspk, refN)
		}
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(refV[i]) {
				t.Fatalf("threads %d: V[%d] = %v, stored weights give %v", threads, i, v[i], refV[i])
			}
		}
	}
}

// TestNormalWeightsDistribution checks mean and variance of the keyed
// weights against Normal(0, scale) and that blocks are not repeated.
func TestNormalWeightsDistribution(t *testing.T) {
	const rows, cols, scale = 50, 2000, 0.3
	w := make([]float64, rows*cols)
	NormalWeights(w, rows, cols, scale, 1, 0, 0)
	var sum, sq float64
	for _, x := range w {
		sum += x
		sq += x * x
	}
	nf := float64(len(w))
	mean, sd := sum/nf, math.Sqrt(sq/nf-(sum/nf)*(sum/nf))
	if math.Abs(mean) > 5*scale/math.Sqrt(nf) {
		t.Errorf("mean %v, want 0 ± %v", mean, 5*scale/math.Sqrt(nf))
	}
	if math.Abs(sd-scale) > 0.02*scale {
		t.Errorf("sd %v, want %v", sd, scale)
	}
	if w[0] == w[64] || w[0] == w[cols] {
		t.Error("blocks repeat each other")
	}
}

func TestProceduralAllocatesNothing(t *testing.T) {
	p := DefaultNeuron()
	src, _ := NewPoisson[float32]("in", 1, 100, 100, p.Dt, 1, 0)
	pop, _ := NewPopulation[float32]("lif", 1, 500, p)
	pr, _ := NewProcedural[float32]("w", src, pop, 0.1, 1, 0)
	net := NewNetwork[float32]()
	net.AddSource(src)
	net.AddPopulation(pop)
	_ = net.AddProjection(pr)
	_ = net.Step()
	if a := testing.AllocsPerRun(100, func() { _ = net.Step() }); a != 0 {
		t.Errorf("step allocates %v times", a)
	}
}

// TestPaddingNeverSpikes: whole-batch updates run over the padding past N;
// even with padding state corrupted to fire (as a damaged checkpoint could
// make it), no spike past N may be reported or counted.
func TestPaddingNeverSpikes(t *testing.T) {
	pop, err := NewPopulation[float32]("p", 3, 70, DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < pop.Batch; b++ {
		for i := pop.N; i < pop.Stride; i++ {
			pop.V[b*pop.Stride+i] = 5
		}
		pop.V[b*pop.Stride+3] = 2 // one real spike per trial
	}
	count := pop.update(pop.All())
	pop.finishStep(0, count)
	if count != pop.Batch {
		t.Errorf("update counted %d spikes, want %d", count, pop.Batch)
	}
	for b := 0; b < pop.Batch; b++ {
		if ev := pop.Events(b); len(ev) != 1 || ev[0] != 3 {
			t.Errorf("trial %d: events %v, want [3]", b, ev)
		}
	}
}

// TestHugePopulationRefused: sizes near the limits of int are errors, not
// panics or overflowed allocations.
func TestHugePopulationRefused(t *testing.T) {
	for _, c := range []struct{ batch, n int }{{1, 1<<63 - 1}, {1, 1 << 40}, {1 << 40, 64}, {3, 1 << 30}} {
		if _, err := NewPopulation[float32]("huge", c.batch, c.n, DefaultNeuron()); err == nil {
			t.Errorf("%d trials × %d neurons accepted", c.batch, c.n)
		}
	}
}
