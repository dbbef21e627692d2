package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	sbnpy "codeberg.org/sbinet/npyio/npy"

	"leaky/internal/countread"
)

// npyioValues decodes a .npy image with npyio, as leaky's reader did
// before it read in spans, to float64 in storage order.
func npyioValues(t *testing.T, b []byte) []float64 {
	t.Helper()
	rd, err := sbnpy.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var arr sbnpy.Array
	if err := rd.Read(&arr); err != nil {
		t.Fatal(err)
	}
	var out []float64
	switch x := arr.Data().(type) {
	case []bool:
		for _, v := range x {
			out = append(out, map[bool]float64{false: 0, true: 1}[v])
		}
	case []int8:
		out = convertAll(x)
	case []int16:
		out = convertAll(x)
	case []int32:
		out = convertAll(x)
	case []int64:
		out = convertAll(x)
	case []uint8:
		out = convertAll(x)
	case []uint16:
		out = convertAll(x)
	case []uint32:
		out = convertAll(x)
	case []uint64:
		out = convertAll(x)
	case []float32:
		out = convertAll(x)
	case []float64:
		out = x
	default:
		t.Fatalf("npyio decoded %T", x)
	}
	return out
}

func convertAll[E int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32](x []E) []float64 {
	out := make([]float64, len(x))
	for i, e := range x {
		out[i] = float64(e)
	}
	return out
}

// TestReaderSpans reads random spans of arrays of every dtype but float16
// (which TestReadEveryDType covers) and both byte orders, and checks each
// against npyio's decoding of the whole file bit for bit, and that a span
// reads its own bytes and no more.
func TestReaderSpans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range []struct {
		kind byte
		size int
	}{{'b', 1}, {'i', 1}, {'i', 2}, {'i', 4}, {'i', 8}, {'u', 1}, {'u', 2}, {'u', 4}, {'u', 8}, {'f', 4}, {'f', 8}} {
		for _, big := range []bool{false, true} {
			descr, order := descrOf(d.kind, d.size, big)
			const n = 3001
			var data []byte
			for range n {
				v := float64(rng.IntN(200) - 100)
				switch {
				case d.kind == 'b':
					v = float64(rng.IntN(3)) // 2 is true too
				case d.kind == 'u':
					v = math.Abs(v)
				case d.kind == 'f':
					v = rng.NormFloat64() * 1e3
				}
				data = append(data, encode(d.kind, d.size, order, v)...)
			}
			img := npyFile(descr, false, "(3001,)", data)
			want := npyioValues(t, img)
			cr := countread.New(bytes.NewReader(img))
			r, err := NewReader(cr, int64(len(img)))
			if err != nil {
				t.Fatalf("%s: %v", descr, err)
			}
			for range 20 {
				lo := rng.IntN(n + 1)
				hi := lo + rng.IntN(n-lo+1)
				got := make([]float64, hi-lo)
				before := cr.N.Load()
				if err := r.ReadAt(got, int64(lo)); err != nil {
					t.Fatalf("%s [%d, %d): %v", descr, lo, hi, err)
				}
				if read := cr.N.Load() - before; read != int64((hi-lo)*d.size) {
					t.Errorf("%s [%d, %d): read %d bytes, want %d", descr, lo, hi, read, (hi-lo)*d.size)
				}
				for i, v := range got {
					if math.Float64bits(v) != math.Float64bits(want[lo+i]) {
						t.Fatalf("%s element %d: %v, npyio %v", descr, lo+i, v, want[lo+i])
					}
				}
			}
			if err := r.ReadAt(make([]float64, 2), n-1); err == nil {
				t.Errorf("%s: a span past the end was read", descr)
			}
		}
	}
}

// TestReaderRefusesInexact: an int64 beyond 2^53 in a span is refused
// with its flat index, as Read refuses it.
func TestReaderRefusesInexact(t *testing.T) {
	var data []byte
	for _, v := range []int64{1, 2, 1<<53 + 1, 4} {
		data = binary.LittleEndian.AppendUint64(data, uint64(v))
	}
	img := npyFile("<i8", false, "(4,)", data)
	r, err := NewReader(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ReadAt(make([]float64, 2), 0); err != nil {
		t.Errorf("elements 0 and 1: %v", err)
	}
	err = r.ReadAt(make([]float64, 2), 1)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("flat index 2")) {
		t.Errorf("elements 1 and 2: %v, want the value at flat index 2 refused", err)
	}
}
