package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"leaky/kernels"
)

// TestDenseReadsMasks runs a binary input, an array or a feed given a step
// at a time, into a recurrent population and on into a second one,
// through dense projections, reading the spike bitmasks (bindMasks) where
// that pays (maskReadWords), where maskReadWords is widened to every
// feed, and reading the event lists, on one thread and two: the
// potentials, spikes and recorded events must be the same bits. The two
// shapes split the recurrent population over two threads by trials and by
// neurons; in the second the recurrent projection must fall back to the
// lists, since another range overwrites the bits it reads. The input is
// two mask words wide, so a feed is read as lists by default while the
// populations are read as masks. After the run every group's Events,
// listed on demand or every step, must be its bitmask's set bits.
func TestDenseReadsMasks(t *testing.T) {
	const steps, nIn, nOut = 60, 70, 7
	for _, shape := range []struct {
		name     string
		batch, n int
		byTrial  bool
	}{{"trials", 128, 60, true}, {"neurons", 2, 2048, false}} {
		t.Run(shape.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			row := shape.batch * nIn
			x := make([]float32, steps*row)
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
				src      Presynaptic[float32]
				hid, out *Population[float32]
				rec      [3]*Dense[float32]
				spikes   [2]*SpikeRecorder[float32]
			}
			// build runs the network on threads, reading masks up to
			// words mask words a trial (0: none), from an array or, with
			// fed, a feed.
			build := func(threads, words int, fed bool) *run {
				defer func(k int) { maskReadWords = k }(maskReadWords)
				maskReadWords = words
				r := &run{net: NewNetwork[float32]()}
				r.net.noMasks = words == 0
				var feed *Feed[float32]
				var err error
				if fed {
					feed, err = NewFeed[float32]("x", shape.batch, nIn)
					r.src = feed
					r.net.AddSource(feed)
				} else {
					var arr *Array[float32]
					arr, err = NewArray("x", x, steps, shape.batch, nIn)
					r.src = arr
					r.net.AddSource(arr)
				}
				if err != nil {
					t.Fatal(err)
				}
				r.hid, _ = NewPopulation[float32]("hid", shape.batch, shape.n, DefaultNeuron())
				r.out, _ = NewPopulation[float32]("out", shape.batch, nOut, DefaultNeuron())
				r.net.AddPopulation(r.hid)
				r.net.AddPopulation(r.out)
				for i, c := range []struct {
					pre  Presynaptic[float32]
					post *Population[float32]
					w    []float32
				}{{r.src, r.hid, wIn}, {r.hid, r.hid, wRec}, {r.hid, r.out, wOut}} {
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
				if !fed {
					if err := r.net.Run(context.Background(), steps, nil); err != nil {
						t.Fatal(err)
					}
					return r
				}
				// As session.Sim steps it: values handed over, one step
				// run, values dropped.
				for s := range steps {
					if err := feed.Set(x[s*row:(s+1)*row], s, 1); err != nil {
						t.Fatal(err)
					}
					if err := r.net.Run(context.Background(), 1, nil); err != nil {
						t.Fatal(err)
					}
					feed.Clear()
				}
				return r
			}
			ref := build(1, 0, false)
			if ref.hid.SpikeCount() == 0 || ref.out.SpikeCount() == 0 {
				t.Fatalf("spikes %d and %d: the comparison would prove little", ref.hid.SpikeCount(), ref.out.SpikeCount())
			}
			for _, threads := range []int{1, 2} {
				for _, words := range []int{0, maskReadWords, 64} {
					for _, fed := range []bool{false, true} {
						r := build(threads, words, fed)
						what := fmt.Sprintf("threads=%d mask words=%d fed=%v", threads, words, fed)
						ranges := r.net.phases[0].ranges
						if threads == 2 && (len(ranges) < 2 || (ranges[0].Hi == shape.n) != shape.byTrial) {
							t.Fatalf("%s: ranges %v, want two or more split by %s", what, ranges, shape.name)
						}
						// Which projections read masks: all but one from a
						// feed wider than words and the recurrent one
						// split by neurons.
						for i, d := range r.rec {
							pays := i > 0 || !fed || kernels.MaskWords(nIn) <= words
							want := words > 0 && pays && (i != 1 || threads == 1 || shape.byTrial)
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
							if got, want := r.src.Events(b), ones(x[((steps-1)*shape.batch+b)*nIn:][:nIn]); !slices.Equal(got, want) {
								t.Errorf("%s: input trial %d at the last step: Events %v, want %v", what, b, got, want)
							}
						}
					}
				}
			}
		})
	}
}

// ones is the indices of the values of x that are 1.
func ones(x []float32) []int32 {
	var l []int32
	for j, v := range x {
		if v == 1 {
			l = append(l, int32(j))
		}
	}
	return l
}

// TestFeedSpikesOutliveSet checks that the spikes of the step a Feed
// emitted last (the first of two given), its lists and its masks, outlive
// later Sets — one, two in a row without an Emit between (the second
// refills the buffer they are in), and a refused one — whether the Feed
// lists every step, with masks or (no projection reading them) from
// Set's scan without, or lists when asked, and that the next Emit hands
// out the new values' spikes. A Feed told that masks are read after it
// listed without them, before the Sets or after, makes them from its lists.
func TestFeedSpikesOutliveSet(t *testing.T) {
	const batch, n = 3, 70
	rng := rand.New(rand.NewPCG(7, 8))
	values := func(steps int) []float32 {
		x := make([]float32, steps*batch*n)
		for i := range x {
			if rng.IntN(5) == 0 {
				x[i] = 1
			}
		}
		return x
	}
	// masksOf is the masks of x's trials, as spikeMasks has them.
	masksOf := func(x []float32) []uint64 {
		words := kernels.MaskWords(n)
		m := make([]uint64, batch*words)
		for b := range batch {
			for _, j := range ones(x[b*n : (b+1)*n]) {
				m[b*words+int(j>>6)] |= 1 << (j & 63)
			}
		}
		return m
	}
	for _, mode := range []struct {
		all, masks bool
		// readAt is when masks come to be read: before the Sets (0),
		// after them (3), never (−1).
		readAt int
	}{{true, true, -1}, {true, false, 0}, {true, false, 3}, {false, true, -1}} {
		what := fmt.Sprintf("all=%v masks=%v read at %d", mode.all, mode.masks, mode.readAt)
		f, err := NewFeed[float32]("x", batch, n)
		if err != nil {
			t.Fatal(err)
		}
		f.listEvery(mode.all)
		f.readMasks(mode.masks)
		x := values(2)
		if err := f.Set(x, 0, 2); err != nil {
			t.Fatal(err)
		}
		// Step 0, whose spikes are at the start of the buffers, which
		// the later Sets' would overwrite.
		if err := f.Emit(0); err != nil {
			t.Fatal(err)
		}
		// Trial 0 is listed now; the others first after the Sets, from
		// the masks kept.
		last := x[:batch*n]
		if got, want := f.Events(0), ones(last[:n]); !slices.Equal(got, want) {
			t.Fatalf("%s: Events(0) %v, want %v", what, got, want)
		}
		masks := mode.masks
		readMasks := func(at int) {
			if mode.readAt == at {
				f.readMasks(true)
				masks = true
				if got, want := f.shown.masks, masksOf(last); !slices.Equal(got, want) {
					t.Errorf("%s: masks made from the lists %x, want %x", what, got, want)
				}
			}
		}
		readMasks(0)
		bad := values(1)
		bad[5] = float32(math.NaN())
		sets := []struct {
			x  []float32
			ok bool
		}{{values(1), true}, {values(1), true}, {bad, false}}
		for i, set := range sets {
			if err := f.Set(set.x, 2+i, 1); (err == nil) != set.ok {
				t.Fatalf("%s: Set %d: %v", what, i, err)
			}
			for b := range batch {
				if i == 0 && b > 0 {
					continue
				}
				if got, want := f.Events(b), ones(last[b*n:(b+1)*n]); !slices.Equal(got, want) {
					t.Errorf("%s: after Set %d: Events(%d) %v, want %v", what, i, b, got, want)
				}
			}
			if got, want := f.shown.masks, masksOf(last); masks && !slices.Equal(got, want) {
				t.Errorf("%s: after Set %d: masks %x, want %x", what, i, got, want)
			}
		}
		readMasks(3)
		// The second Set's values are kept: step 3.
		if err := f.Emit(3); err != nil {
			t.Fatal(err)
		}
		for b := range batch {
			if got, want := f.Events(b), ones(sets[1].x[b*n:(b+1)*n]); !slices.Equal(got, want) {
				t.Errorf("%s: step 3: Events(%d) %v, want %v", what, b, got, want)
			}
		}
		if got, want := f.shown.masks, masksOf(sets[1].x); !slices.Equal(got, want) {
			t.Errorf("%s: step 3: masks %x, want %x", what, got, want)
		}
	}
}
