package npy

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sbnpy "codeberg.org/sbinet/npyio/npy"

	"leaky/internal/numpytest"
)

// writeRows streams rows of (3, 2) float64s, i*10+j, to path.
func writeRows(t *testing.T, path string, rows int) []float64 {
	t.Helper()
	w, err := Create(path, "float64", 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	var all []float64
	for r := 0; r < rows; r++ {
		row := make([]float64, 6)
		for j := range row {
			row[j] = float64(r*10+j) + 0.25
		}
		all = append(all, row...)
		if err := w.WriteFloat64(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestWriterRoundTripOwnReader(t *testing.T) {
	dir := t.TempDir()
	for _, rows := range []int{0, 1, 7, 20000} {
		path := filepath.Join(dir, "x.npy")
		want := writeRows(t, path, rows)
		if _, err := os.Stat(path + TempSuffix); !os.IsNotExist(err) {
			t.Fatalf("temporary file left behind after Close: %v", err)
		}
		a, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.ShapeString(); got != FormatShape([]int{rows, 3, 2}) {
			t.Fatalf("rows %d: shape %s", rows, got)
		}
		if a.DType != "float64" || a.Fortran || a.BigEndian {
			t.Fatalf("dtype %s fortran %v big %v", a.DType, a.Fortran, a.BigEndian)
		}
		if len(a.Data) != len(want) {
			t.Fatalf("rows %d: %d values, want %d", rows, len(a.Data), len(want))
		}
		for i := range want {
			if a.Data[i] != want[i] {
				t.Fatalf("rows %d: value %d is %v, want %v", rows, i, a.Data[i], want[i])
			}
		}
	}
}

func TestWriterHeaderFixedAndAligned(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "h.npy"), "float32", 4, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	h0, hmax := w.header(0), w.header(math.MaxInt64)
	if len(h0) != len(hmax) || len(h0)%64 != 0 {
		t.Fatalf("header lengths %d and %d; want equal multiples of 64", len(h0), len(hmax))
	}
	if !bytes.Contains(hmax, []byte("(9223372036854775807, 4, 1000)")) {
		t.Fatalf("header %q lacks the widest shape", hmax)
	}
	if h0[len(h0)-1] != '\n' {
		t.Fatal("header does not end in a newline")
	}
}

func TestWriterTypesViaNpyio(t *testing.T) {
	dir := t.TempDir()
	p32 := filepath.Join(dir, "f32.npy")
	w, err := Create(p32, "float32", 2)
	if err != nil {
		t.Fatal(err)
	}
	in32 := []float32{1.5, -2, float32(math.Inf(1)), 3e-39}
	if err := w.WriteFloat32(in32[:1]); err != nil { // a row split across calls
		t.Fatal(err)
	}
	if err := w.WriteFloat32(in32[1:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p32)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := sbnpy.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Descr.Shape; len(got) != 2 || got[0] != 2 || got[1] != 2 {
		t.Fatalf("npyio sees shape %v, want [2 2]", got)
	}
	var got32 []float32
	if err := r.Read(&got32); err != nil {
		t.Fatal(err)
	}
	for i := range in32 {
		if math.Float32bits(got32[i]) != math.Float32bits(in32[i]) {
			t.Fatalf("value %d: npyio read %v, wrote %v", i, got32[i], in32[i])
		}
	}

	p64 := filepath.Join(dir, "i64.npy")
	wi, err := Create(p64, "int64", 3)
	if err != nil {
		t.Fatal(err)
	}
	in64 := []int64{0, -1, math.MaxInt64, 4, 5, math.MinInt64}
	if err := wi.WriteInt64(in64); err != nil {
		t.Fatal(err)
	}
	if err := wi.Close(); err != nil {
		t.Fatal(err)
	}
	var got64 []int64
	f2, err := os.Open(p64)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if err := sbnpy.Read(f2, &got64); err != nil {
		t.Fatal(err)
	}
	for i := range in64 {
		if got64[i] != in64[i] {
			t.Fatalf("int64 value %d: %d, want %d", i, got64[i], in64[i])
		}
	}
}

func TestWriterRefusesMisuse(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(filepath.Join(dir, "a.npy"), "complex64", 1); err == nil || !strings.Contains(err.Error(), "complex64") {
		t.Fatalf("complex dtype: %v", err)
	}
	path := filepath.Join(dir, "b.npy")
	w, err := Create(path, "float64", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFloat32([]float32{1}); err == nil || !strings.Contains(err.Error(), "float32 values to a float64 file") {
		t.Fatalf("wrong type: %v", err)
	}
	if err := w.WriteFloat64([]float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "left over") {
		t.Fatalf("partial row: %v", err)
	}
	for _, p := range []string{path, path + TempSuffix} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s exists after a failed Close", p)
		}
	}
	if _, err := Create(filepath.Join(dir, "missing", "c.npy"), "float64"); err == nil || !strings.Contains(err.Error(), "c.npy.part") {
		t.Fatalf("uncreatable path: %v", err)
	}
}

func TestWriterInvisibleUntilClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.npy")
	w, err := Create(path, "int64", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInt64([]int64{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("final name exists before Close")
	}
	w.Abort()
	for _, p := range []string{path, path + TempSuffix} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s exists after Abort", p)
		}
	}
}

// TestWriterNumpyLoads checks numpy loads a streamed file unchanged.
func TestWriterNumpyLoads(t *testing.T) {
	dir := t.TempDir()
	want := writeRows(t, filepath.Join(dir, "x.npy"), 5)
	wi, err := Create(filepath.Join(dir, "s.npy"), "int64", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := wi.WriteInt64([]int64{7, 0, 3, 9, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := wi.Close(); err != nil {
		t.Fatal(err)
	}
	out := numpytest.Run(t, dir, `
import json, numpy as np
x = np.load("x.npy", allow_pickle=False)
s = np.load("s.npy", allow_pickle=False)
print(json.dumps({"shape": list(x.shape), "dtype": str(x.dtype), "data": x.ravel().tolist(),
                  "sshape": list(s.shape), "sdtype": str(s.dtype), "s": s.ravel().tolist()}))
`)
	var got struct {
		Shape  []int
		DType  string
		Data   []float64
		SShape []int
		SDType string
		S      []int64
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if FormatShape(got.Shape) != "(5, 3, 2)" || got.DType != "float64" {
		t.Fatalf("numpy sees shape %v dtype %s", got.Shape, got.DType)
	}
	for i := range want {
		if got.Data[i] != want[i] {
			t.Fatalf("numpy value %d is %v, want %v", i, got.Data[i], want[i])
		}
	}
	if FormatShape(got.SShape) != "(2, 3)" || got.SDType != "int64" || got.S[3] != 9 {
		t.Fatalf("numpy sees spikes %v %s %v", got.SShape, got.SDType, got.S)
	}
}

// TestReadNumpyDTypes has numpy write every numeric dtype in both byte
// orders and both memory orders, and checks Read returns the C-order values.
func TestReadNumpyDTypes(t *testing.T) {
	dir := t.TempDir()
	out := numpytest.Run(t, dir, `
import json, numpy as np
names = []
base = (np.arange(60).reshape(3, 4, 5) * 7) % 23 - 5
for code in ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"]:
    for bo in ["<", ">"]:
        for order in ["C", "F"]:
            if code[0] == "b":
                x = (base % 2 == 0)
            elif code[0] == "u":
                x = base + 5
            elif code[0] == "f":
                x = base * 0.5
            else:
                x = base
            dt = np.dtype(bo + code if code not in ("b1", "i1", "u1") else code)
            a = np.array(x, dtype=dt, order=order)
            name = "%s_%s_%s.npy" % (code, "be" if bo == ">" else "le", order)
            np.save(name, a)
            names.append(name)
print(json.dumps(names))
`)
	var names []string
	if err := json.Unmarshal(out, &names); err != nil {
		t.Fatal(err)
	}
	if len(names) != 48 {
		t.Fatalf("numpy wrote %d files", len(names))
	}
	for _, name := range names {
		a, err := Read(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		code := name[:2]
		if a.ShapeString() != "(3, 4, 5)" {
			t.Fatalf("%s: shape %s", name, a.ShapeString())
		}
		if a.Fortran != strings.HasSuffix(name, "_F.npy") {
			t.Fatalf("%s: Fortran %v", name, a.Fortran)
		}
		wantBig := strings.Contains(name, "_be_") && code != "b1" && code != "i1" && code != "u1"
		if a.BigEndian != wantBig {
			t.Fatalf("%s: BigEndian %v", name, a.BigEndian)
		}
		for i := 0; i < 60; i++ {
			base := float64((i*7)%23 - 5)
			var want float64
			switch code[0] {
			case 'b':
				want = 0
				if int(base+100)%2 == 0 { // base%2==0 in numpy's floor sense
					want = 1
				}
			case 'u':
				want = base + 5
			case 'f':
				want = base * 0.5
			default:
				want = base
			}
			if a.Data[i] != want {
				t.Fatalf("%s: C-order value %d is %v, want %v", name, i, a.Data[i], want)
			}
		}
	}
}

// TestReadRefuses checks each kind of bad file gets an error naming the
// file and the problem.
func TestReadRefuses(t *testing.T) {
	dir := t.TempDir()
	numpytest.Run(t, dir, `
import numpy as np
np.save("complex.npy", np.zeros(3, dtype=np.complex128))
np.save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
np.save("string.npy", np.array(["ab", "cd"]))
np.save("struct.npy", np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]))
np.save("date.npy", np.array(["2020-01-01"], dtype="datetime64[D]"))
np.save("good.npy", np.arange(12, dtype="<f8").reshape(3, 4))
`)
	good, err := os.ReadFile(filepath.Join(dir, "good.npy"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hdrEnd := bytes.IndexByte(good, '\n') + 1
	badLen := append([]byte(nil), good...)
	badLen[8], badLen[9] = 0xff, 0xff
	noNewline := append([]byte(nil), good...)
	noNewline[hdrEnd-1] = ' '
	badVersion := append([]byte(nil), good...)
	badVersion[6] = 9
	badShape := bytes.Replace(append([]byte(nil), good...), []byte("(3, 4)"), []byte("(3,-4)"), 1)
	unreadable := write("unreadable.npy", good)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		is   error
		says string
	}{
		{filepath.Join(dir, "missing.npy"), os.ErrNotExist, "no such file"},
		{dir, nil, "directory"},
		{filepath.Join(dir, "complex.npy"), ErrDType, "complex"},
		{filepath.Join(dir, "object.npy"), ErrDType, "object array"},
		{filepath.Join(dir, "string.npy"), ErrDType, "strings"},
		{filepath.Join(dir, "struct.npy"), ErrDType, "structured"},
		{filepath.Join(dir, "date.npy"), ErrDType, "dates"},
		{write("text.npy", []byte("0 1 0 1\n1 0 0 1\n")), ErrNotNpy, "magic"},
		{write("empty.npy", nil), ErrNotNpy, "too short"},
		{write("trunc_header.npy", good[:hdrEnd-20]), ErrTruncated, "header claims"},
		{write("trunc_data.npy", good[:len(good)-5]), ErrTruncated, "needs 96 data bytes but the file holds 91"},
		{write("trailing.npy", append(append([]byte(nil), good...), 1, 2, 3)), ErrCorrupt, "3 bytes follow"},
		{write("badlen.npy", badLen), ErrTruncated, "header claims 65535"},
		{write("nonewline.npy", noNewline), ErrNotNpy, "newline"},
		{write("version.npy", badVersion), ErrNotNpy, "version 9.0"},
		{write("badshape.npy", badShape), ErrCorrupt, "negative dimension"},
	}
	if os.Geteuid() != 0 { // root reads files whatever their mode
		cases = append(cases, struct {
			path string
			is   error
			says string
		}{unreadable, os.ErrPermission, "permission denied"})
	}
	for _, c := range cases {
		a, err := Read(c.path)
		if err == nil {
			t.Errorf("%s: read %v, want an error", c.path, a.ShapeString())
			continue
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: error %q is not %v", c.path, err, c.is)
		}
		if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: error %q should name the file and say %q", c.path, err, c.says)
		}
	}
}

func TestFortranToC(t *testing.T) {
	// A (2, 3) matrix [[0 1 2] [3 4 5]] is stored column-major as 0 3 1 4 2 5.
	got := fortranToC([]float64{0, 3, 1, 4, 2, 5}, []int{2, 3})
	for i, v := range got {
		if v != float64(i) {
			t.Fatalf("got %v", got)
		}
	}
}

// FuzzDecode checks no input makes the reader panic, and that whatever it
// accepts is self-consistent.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if err := sbnpy.Write(&buf, []float64{1, 2, 3, 4}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8',\n"))
	f.Add([]byte("\x93NUMPY\x01\x00\x30\x00{'descr': '<f8', 'fortran_order': True, 'shape': (}\n"))
	f.Add([]byte("\x93NUMPY\x02\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if n != len(a.Data) {
			t.Fatalf("shape %v but %d values", a.Shape, len(a.Data))
		}
		// Any span read alone has the bits of the whole read.
		r, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("decoded, but NewReader refuses: %v", err)
		}
		lo, hi := n/3, n-n/4
		span := make([]float64, hi-lo)
		if err := r.ReadAt(span, int64(lo)); err != nil {
			t.Fatalf("decoded, but span %d…%d: %v", lo, hi, err)
		}
		whole := a.Data
		if a.Fortran && len(a.Shape) > 1 {
			whole = make([]float64, n)
			if err := r.ReadAt(whole, 0); err != nil {
				t.Fatal(err)
			}
			if c := fortranToC(whole, a.Shape); !slices.EqualFunc(c, a.Data, sameBits) {
				t.Fatalf("Fortran order reread differs")
			}
		}
		if !slices.EqualFunc(span, whole[lo:hi], sameBits) {
			t.Fatalf("span %d…%d differs from the whole read", lo, hi)
		}
	})
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
