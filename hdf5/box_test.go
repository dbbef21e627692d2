package hdf5

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"leaky/internal/countread"
)

// boxOf is the box start+count of a row-major array of shape dims.
func boxOf(all []float64, dims, start, count []int) []float64 {
	var out []float64
	idx := make([]int, len(dims))
	for {
		flat, in := 0, true
		for k, d := range dims {
			flat = flat*d + idx[k]
			in = in && idx[k] >= start[k] && idx[k] < start[k]+count[k]
		}
		if in {
			out = append(out, all[flat])
		}
		k := len(dims) - 1
		for ; k >= 0; k-- {
			if idx[k]++; idx[k] < dims[k] {
				break
			}
			idx[k] = 0
		}
		if k < 0 {
			return out
		}
	}
}

// TestBoxesMatchWhole reads random boxes of every numeric dataset of the
// test files, contiguous, compact and chunked (edge chunks, filters, every
// chunk index), and checks each against the same box of the whole read,
// bit for bit; a box outside the shape is refused.
func TestBoxesMatchWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	read := 0
	for _, name := range testFiles(t) {
		f := openTestFile(t, filepath.Base(name))
		walk(f.Root(), 0, func(path string, ds *Dataset, err error) {
			if ds == nil || err != nil || ds.Type().Class == ClassString || len(ds.Shape()) == 0 {
				return
			}
			all, err := ds.Float64s()
			if err != nil {
				return // Float64s refuses it (an inexact integer): covered elsewhere
			}
			dims := ds.Shape()
			for range 12 {
				start, count := make([]int, len(dims)), make([]int, len(dims))
				for k, d := range dims {
					start[k] = rng.IntN(d + 1)
					count[k] = rng.IntN(d - start[k] + 1)
				}
				got, err := ds.Float64sIn(start, count)
				if err != nil {
					t.Errorf("%s %s box %v+%v: %v", name, path, start, count, err)
					return
				}
				want := boxOf(all, dims, start, count)
				if len(got) != len(want) {
					t.Fatalf("%s %s box %v+%v: %d values, want %d", name, path, start, count, len(got), len(want))
				}
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%s %s box %v+%v: value %d is %v, want %v", name, path, start, count, i, got[i], want[i])
					}
				}
				read++
			}
			over := append([]int(nil), dims...)
			if _, err := ds.Float64sIn(make([]int, len(dims)), append(over[:len(over)-1], over[len(over)-1]+1)); err == nil {
				t.Errorf("%s %s: a box past the last dimension was read", name, path)
			}
		})
	}
	if read < 100 {
		t.Fatalf("only %d boxes read; the test files lack the datasets this test needs", read)
	}
}

// TestBoxReadsItsShare: a column block of a contiguous dataset reads its
// own bytes, and one of a chunked dataset only the chunks it meets.
func TestBoxReadsItsShare(t *testing.T) {
	for _, c := range []struct {
		file, path string
	}{{"testdata/types_v3.h5", "/numbers/matrix_f4"}, {"testdata/chunks_v3.h5", "/edge_2d"}} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		cr := countread.New(bytes.NewReader(data))
		f, err := NewReader(cr, int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		ds, err := f.Root().Dataset(c.path)
		if err != nil {
			t.Fatalf("%s %s: %v", c.file, c.path, err)
		}
		dims := ds.Shape()
		if len(dims) != 2 || dims[1] < 4 {
			t.Fatalf("%s %s: shape %v; want a matrix of 4 columns or more", c.file, c.path, dims)
		}
		rows, cols, elem := dims[0], dims[1], int64(ds.Type().Size)
		before := cr.N.Load()
		if _, err := ds.Float64sIn([]int{0, 0}, []int{rows, 1}); err != nil {
			t.Fatal(err)
		}
		read := cr.N.Load() - before
		if ch := ds.Chunk(); ch == nil {
			if read != int64(rows)*elem {
				t.Errorf("%s %s: one column of %d rows read %d bytes, want %d", c.file, c.path, rows, read, int64(rows)*elem)
			}
		} else {
			// The chunk index and the first column of chunks, no more.
			before = cr.N.Load()
			if _, err := ds.Float64s(); err != nil {
				t.Fatal(err)
			}
			whole := cr.N.Load() - before
			if read*2 > whole {
				t.Errorf("%s %s: one column of chunks %v of a %d-column dataset read %d bytes, the whole %d", c.file, c.path, ch, cols, read, whole)
			}
		}
	}
}
