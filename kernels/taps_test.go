package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomTaps returns a table of q inputs, each reaching 0–9 of p pixels
// through taps below k, pixels repeating across inputs as a convolution's
// do.
func randomTaps(t *testing.T, rng *rand.Rand, q, p, k int) *Taps {
	t.Helper()
	start := []int32{0}
	var pixel, index []int32
	for range q {
		for range rng.IntN(10) {
			pixel = append(pixel, int32(rng.IntN(p)))
			index = append(index, int32(rng.IntN(k)))
		}
		start = append(start, int32(len(pixel)))
	}
	tt, err := NewTaps(start, pixel, index)
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

// TestScatterTaps runs every implementation's ScatterTaps and ScaleTaps
// (with values, specials among them) over
// random tables, channel counts around the vector widths, event lists with
// repeats and past one assembly call, and a row offset, against Generic
// bit for bit, guards included.
func TestScatterTaps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testScatterTaps(t, ops32) })
	t.Run("float64", func(t *testing.T) { testScatterTaps(t, ops64) })
}

func testScatterTaps[T float](t *testing.T, ops kops[T]) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(31, 32))
		for _, m := range []int{1, 3, 4, 7, 8, 9, 16, 17, 40} {
			for _, ne := range []int{0, 1, 5, 300} {
				const q, p, k, base = 50, 30, 12, 3
				tt := randomTaps(t, rng, q, p, k)
				events := make([]int32, ne)
				for i := range events {
					events[i] = int32(rng.IntN(q))
				}
				W := buf((base+k)*m, rng.IntN(8), input(rng, T(1), true))
				dst := buf(p*m, rng.IntN(8), input(rng, T(1), true))
				dst2 := clone(dst)
				ops.scatterTaps(Generic)(dst2, m, W, base, events, tt)
				ops.scatterTaps(impl)(dst, m, W, base, events, tt)
				same(t, fmt.Sprintf("m=%d events=%d", m, ne), dst, dst2)
				vals := buf(ne, 0, input(rng, T(1), true))
				ops.scaleTaps(Generic)(dst2, m, W, base, events, vals, tt)
				ops.scaleTaps(impl)(dst, m, W, base, events, vals, tt)
				same(t, fmt.Sprintf("scaled m=%d events=%d", m, ne), dst, dst2)
			}
		}
	})
}

// TestScatterTapsChecks: an event outside the table, and buffers too short
// for its rows, panic in every implementation before dst is written; a
// malformed table is refused when made.
func TestScatterTapsChecks(t *testing.T) {
	tt, err := NewTaps([]int32{0, 2, 3}, []int32{0, 1, 2}, []int32{0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range Available() {
		for _, c := range []struct {
			name        string
			ndst, nw    int
			event, base int
		}{{"event", 3 * 4, 2 * 4, 2, 0}, {"negative event", 3 * 4, 2 * 4, -1, 0}, {"dst", 3*4 - 1, 2 * 4, 0, 0}, {"W", 3 * 4, 2 * 4, 0, 1}} {
			t.Run(impl.Name+"/"+c.name, func(t *testing.T) {
				dst, W := make([]float32, c.ndst), make([]float32, c.nw)
				for i := range W {
					W[i] = 1
				}
				defer func() {
					if recover() == nil {
						t.Fatal("no panic")
					}
					for _, v := range dst {
						if v != 0 {
							t.Fatal("dst written before the panic")
						}
					}
				}()
				impl.ScatterTaps32(dst, 4, W, c.base, []int32{0, int32(c.event)}, tt)
			})
		}
	}
	for _, bad := range [][3][]int32{
		{{1, 2}, {0, 0}, {0, 0}},    // start not from 0
		{{0, 2, 1}, {0, 0}, {0, 0}}, // decreasing
		{{0, 2}, {0, 0}, {0}},       // lengths differ
		{{0, 1}, {-1}, {0}},         // negative pixel
		{{0, 3}, {0, 0}, {0, 0}},    // start past the entries
	} {
		if _, err := NewTaps(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("NewTaps%v: no error", bad)
		}
	}
}

func FuzzScatterTaps32(f *testing.F) {
	f.Add([]byte("\x10\x05\x23seed bytes for the convolution scatter"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		m, ne := d.u8()%40, d.u8()%64
		rng := rand.New(rand.NewPCG(uint64(d.u8()), 1))
		tt := randomTaps(t, rng, 20, 16, 8)
		events := make([]int32, ne)
		for i := range events {
			events[i] = int32(d.u8() % 20)
		}
		W, dst := vals[float32](d, (2+8)*m), vals[float32](d, 16*m)
		xs := vals[float32](d, ne)
		for _, impl := range fuzzImpls(t) {
			d1, d2 := clone(dst), clone(dst)
			Generic.ScatterTaps32(d1, m, W, 2, events, tt)
			impl.ScatterTaps32(d2, m, W, 2, events, tt)
			same(t, impl.Name, d2, d1)
			Generic.ScaleTaps32(d1, m, W, 2, events, xs, tt)
			impl.ScaleTaps32(d2, m, W, 2, events, xs, tt)
			same(t, impl.Name+" scaled", d2, d1)
		}
	})
}
