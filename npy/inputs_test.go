package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy/float16"
)

// These tests build .npy files byte by byte, as another tool would write
// them, so they run on machines without NumPy and pin the layout the
// reader must accept: every numeric dtype, both byte orders, C and Fortran
// order.

// npyFile returns a version 1.0 .npy image with the given header
// dictionary fields and data.
func npyFile(descr string, fortran bool, shape string, data []byte) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	total := (10 + len(dict) + 1 + 63) / 64 * 64
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(total-10))
	out = append(out, dict...)
	out = append(out, bytes.Repeat([]byte(" "), total-10-len(dict)-1)...)
	out = append(out, '\n')
	return append(out, data...)
}

// descrOf is the .npy dtype of kind and size in either byte order ('|'
// for single bytes), and that order.
func descrOf(kind byte, size int, big bool) (string, binary.ByteOrder) {
	var order binary.ByteOrder = binary.LittleEndian
	prefix := "<"
	if big {
		order, prefix = binary.BigEndian, ">"
	}
	if size == 1 {
		prefix = "|"
	}
	return fmt.Sprintf("%s%c%d", prefix, kind, size), order
}

// encode writes v as the dtype kind/size in the byte order.
func encode(kind byte, size int, order binary.ByteOrder, v float64) []byte {
	b := make([]byte, size)
	switch {
	case kind == 'b':
		b[0] = byte(v)
	case kind == 'f' && size == 2:
		order.PutUint16(b, float16.New(float32(v)).Uint16())
	case kind == 'f' && size == 4:
		order.PutUint32(b, math.Float32bits(float32(v)))
	case kind == 'f' && size == 8:
		order.PutUint64(b, math.Float64bits(v))
	case size == 1:
		b[0] = byte(int8(v))
	case size == 2:
		order.PutUint16(b, uint16(int16(v)))
	case size == 4:
		order.PutUint32(b, uint32(int32(v)))
	default:
		order.PutUint64(b, uint64(int64(v)))
	}
	return b
}

// TestReadEveryDType reads a (2, 3) array [[a b c] [d e f]] of every
// numeric dtype, in both byte orders and both memory orders, and checks
// every value lands at its C-order position.
func TestReadEveryDType(t *testing.T) {
	type dt struct {
		kind byte
		size int
		vals []float64
	}
	signed := []float64{-3, -2, -1, 0, 1, 2}
	unsigned := []float64{1, 2, 3, 4, 250, 6}
	floats := []float64{-3.5, -2, -0.25, 0, 1.5, 2048}
	dtypes := []dt{
		{'b', 1, []float64{1, 0, 0, 1, 1, 0}},
		{'i', 1, signed}, {'i', 2, signed}, {'i', 4, signed}, {'i', 8, signed},
		{'u', 1, unsigned}, {'u', 2, unsigned}, {'u', 4, unsigned}, {'u', 8, unsigned},
		{'f', 2, floats}, {'f', 4, floats}, {'f', 8, floats},
	}
	for _, d := range dtypes {
		for _, big := range []bool{false, true} {
			for _, fortran := range []bool{false, true} {
				descr, order := descrOf(d.kind, d.size, big)
				// C order stores row by row; Fortran order column by column.
				idx := []int{0, 1, 2, 3, 4, 5}
				if fortran {
					idx = []int{0, 3, 1, 4, 2, 5}
				}
				var data []byte
				for _, i := range idx {
					data = append(data, encode(d.kind, d.size, order, d.vals[i])...)
				}
				name := fmt.Sprintf("%s/fortran=%v", descr, fortran)
				a, err := Decode(bytes.NewReader(npyFile(descr, fortran, "(2, 3)", data)), int64(len(npyFile(descr, fortran, "(2, 3)", data))))
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if a.ShapeString() != "(2, 3)" || a.Fortran != fortran || (d.size > 1 && a.BigEndian != big) {
					t.Errorf("%s: shape %s fortran %v big-endian %v", name, a.ShapeString(), a.Fortran, a.BigEndian)
				}
				for i, want := range d.vals {
					if a.Data[i] != want {
						t.Errorf("%s: value %d is %v, want %v", name, i, a.Data[i], want)
					}
				}
			}
		}
	}
}

// TestReadRefusesDamage checks that damaged or hostile files are refused
// with the file's name and the reason, before anything large is allocated.
func TestReadRefusesDamage(t *testing.T) {
	good := npyFile("<f8", false, "(4,)", make([]byte, 32))
	header := len(good) - 32
	cases := []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"truncated data", good[:len(good)-5], ErrTruncated, "needs 32 data bytes but the file holds 27"},
		{"truncated header", good[:40], ErrTruncated, "header claims"},
		{"extra bytes", append(append([]byte{}, good...), 1, 2, 3), ErrCorrupt, "3 bytes follow"},
		{"huge count", npyFile("<f8", false, "(1000000, 1000000)", nil), ErrCorrupt, "too many elements"},
		{"huge 1-d", npyFile("<f4", false, "(1000000000000,)", make([]byte, 64)), ErrCorrupt, "too many elements"},
		{"claims more than held", npyFile("<f4", false, "(100000000,)", make([]byte, 64)), ErrTruncated, "needs 400000000 data bytes but the file holds 64"},
		{"negative dimension", npyFile("<f8", false, "(-4,)", make([]byte, 32)), nil, ""},
		{"complex", npyFile("<c16", false, "(2,)", make([]byte, 32)), ErrDType, "complex"},
		{"object", npyFile("|O", false, "(2,)", make([]byte, 16)), ErrDType, "object"},
		{"string", npyFile("<U3", false, "(2,)", make([]byte, 24)), ErrDType, "strings"},
		{"structured", npyFile("[('a', '<f4')]", false, "(2,)", make([]byte, 8)), nil, ""},
		{"not npy", []byte("time,value\n0,1\n"), ErrNotNpy, "magic"},
		{"bad magic version", append([]byte("\x93NUMPY\x07\x00"), good[8:]...), ErrNotNpy, "version 7.0"},
		{"no newline", good[:header-1], nil, ""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), path) {
			t.Errorf("%s: error %q does not start with the file name", c.name, err)
		}
		if c.kind != nil && !errors.Is(err, c.kind) {
			t.Errorf("%s: error %q is not %v", c.name, err, c.kind)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
}
