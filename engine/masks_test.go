package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDenseReadsMasks runs a binary array into a recurrent population and
// on into a second one, through dense projections, reading the spike
// bitmasks (bindMasks) and reading the event lists, on one thread and two:
// the potentials, spikes and recorded events must be the same bits. The
// two shapes split the recurrent population over two threads by trials and
// by neurons; in the second the recurrent projection must fall back to
// the lists, since another range overwrites the bits it reads. After the
// run every group's Events, listed on demand or every step, must be its
// bitmask's set bits.
func TestDenseReadsMasks(t *testing.T) {
	const steps, nIn, nOut = 60, 70, 7
	for _, shape := range []struct {
		name     string
		batch, n int
		byTrial  bool
	}{{"trials", 64, 100, true}, {"neurons", 2, 2048, false}} {
		t.Run(shape.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			x := make([]float32, steps*shape.batch*nIn)
			for i := range x {
				if rng.Float64() < 0.2 {
					x[i] = 1
				}
			}
			weights := func(rows, cols int, scale float64) []float32 {
				w := make([]float32, rows*cols)
				for i := range w {
					w[i] = float32(scale * (rng.Float64() - 0.3))
				}
				return w
			}
			wIn, wRec, wOut := weights(nIn, shape.n, 0.3), weights(shape.n, shape.n, 0.02), weights(shape.n, nOut, 0.05)
			type run struct {
				net      *Network[float32]
				arr      *Array[float32]
				hid, out *Population[float32]
				rec      [3]*Dense[float32]
				spikes   [2]*SpikeRecorder[float32]
			}
			build := func(threads int, masks bool) *run {
				r := &run{net: NewNetwork[float32]()}
				r.net.noMasks = !masks
				var err error
				if r.arr, err = NewArray("x", x, steps, shape.batch, nIn); err != nil {
					t.Fatal(err)
				}
				r.hid, _ = NewPopulation[float32]("hid", shape.batch, shape.n, DefaultNeuron())
				r.out, _ = NewPopulation[float32]("out", shape.batch, nOut, DefaultNeuron())
				r.net.AddSource(r.arr)
				r.net.AddPopulation(r.hid)
				r.net.AddPopulation(r.out)
				for i, c := range []struct {
					pre  Presynaptic[float32]
					post *Population[float32]
					w    []float32
				}{{r.arr, r.hid, wIn}, {r.hid, r.hid, wRec}, {r.hid, r.out, wOut}} {
					if r.rec[i], err = NewDense(fmt.Sprint("w", i), c.pre, c.post, c.w); err != nil {
						t.Fatal(err)
					}
					if err := r.net.AddProjection(r.rec[i]); err != nil {
						t.Fatal(err)
					}
				}
				for i, p := range []*Population[float32]{r.hid, r.out} {
					r.spikes[i] = NewSpikeRecorder(p)
					r.net.AddRecorder(r.spikes[i])
				}
				r.net.SetThreads(threads)
				if err := r.net.Run(context.Background(), steps, nil); err != nil {
					t.Fatal(err)
				}
				return r
			}
			ref := build(1, false)
			if ref.hid.SpikeCount() == 0 || ref.out.SpikeCount() == 0 {
				t.Fatalf("spikes %d and %d: the comparison would prove little", ref.hid.SpikeCount(), ref.out.SpikeCount())
			}
			for _, threads := range []int{1, 2} {
				for _, masks := range []bool{false, true} {
					r := build(threads, masks)
					what := fmt.Sprintf("threads=%d masks=%v", threads, masks)
					ranges := r.net.phases[0].ranges
					if threads == 2 && (len(ranges) < 2 || (ranges[0].Hi == shape.n) != shape.byTrial) {
						t.Fatalf("%s: ranges %v, want two or more split by %s", what, ranges, shape.name)
					}
					// Which projections read masks: all of them, but the
					// recurrent one split by neurons.
					for i, d := range r.rec {
						want := masks && (i != 1 || threads == 1 || shape.byTrial)
						if (d.masks != nil) != want {
							t.Errorf("%s: projection %d reads masks: %v, want %v", what, i, d.masks != nil, want)
						}
					}
					for i, p := range []*Population[float32]{r.hid, r.out} {
						q := []*Population[float32]{ref.hid, ref.out}[i]
						if !slices.Equal(p.V, q.V) || !slices.Equal(p.Spikes, q.Spikes) {
							t.Errorf("%s: population %s differs from the event lists' run on one thread", what, p.Name)
						}
						if !slices.Equal(r.spikes[i].Events, ref.spikes[i].Events) {
							t.Errorf("%s: recorded spikes of %s differ", what, p.Name)
						}
						for b := range shape.batch {
							if got, want := p.Events(b), spikeIndices(nil, p.Spikes[b*p.Words:(b+1)*p.Words]); !slices.Equal(got, want) {
								t.Errorf("%s: %s trial %d: Events %v, bitmask %v", what, p.Name, b, got, want)
							}
						}
					}
					for b := range shape.batch {
						var want []int32
						for j, v := range x[((steps-1)*shape.batch+b)*nIn:][:nIn] {
							if v == 1 {
								want = append(want, int32(j))
							}
						}
						if got := r.arr.Events(b); !slices.Equal(got, want) {
							t.Errorf("%s: array trial %d at the last step: Events %v, want %v", what, b, got, want)
						}
					}
				}
			}
		})
	}
}
