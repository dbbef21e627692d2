package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rowsOf returns rows r0 ≤ r < r1 of a (T, 2, 3) float32 array whose
// values identify their position.
func rowsOf(r0, r1 int) []float32 {
	var x []float32
	for r := r0; r < r1; r++ {
		for k := 0; k < 6; k++ {
			x = append(x, float32(r*10+k)+0.25)
		}
	}
	return x
}

// crash simulates the process dying: the file is closed where it stands,
// with no header rewrite and no rename.
func crash(w *Writer) {
	w.bw.Flush()
	w.f.Keep()
	w.f = nil
}

// TestResumeByteIdentical writes a file straight through and again with a
// checkpoint, rows written after it, a crash and a resume; the two files
// must be identical byte for byte.
func TestResumeByteIdentical(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.npy")
	w, err := Create(whole, "float32", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFloat32(rowsOf(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(dir, "resumed.npy")
	w, err = Create(path, "float32", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFloat32(rowsOf(0, 6)); err != nil {
		t.Fatal(err)
	}
	rows, err := w.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if rows != 6 {
		t.Fatalf("checkpoint at %d rows, want 6", rows)
	}
	// The .part file is a valid .npy of the rows so far.
	a, err := Read(path + TempSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if a.ShapeString() != "(6, 2, 3)" || a.Data[35] != float64(rowsOf(5, 6)[5]) {
		t.Errorf("part file holds %s, last %v", a.ShapeString(), a.Data[len(a.Data)-1])
	}
	// Rows past the checkpoint reach the disk before the crash; resuming
	// must drop them, since the checkpoint's state is from row 6.
	if err := w.WriteFloat32(rowsOf(100, 103)); err != nil {
		t.Fatal(err)
	}
	crash(w)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the final name exists before Close")
	}

	w, err = Resume(path, "float32", rows, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if w.Rows() != 6 {
		t.Errorf("resumed at %d rows", w.Rows())
	}
	if err := w.WriteFloat32(rowsOf(6, 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a1, _ := os.ReadFile(whole)
	a2, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a1, a2) {
		t.Errorf("resumed file (%d bytes) differs from the uninterrupted one (%d bytes)", len(a2), len(a1))
	}
}

// TestResumeRefuses checks that a part file that does not fit the writer
// is refused with the file and the reason.
func TestResumeRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.npy")
	w, err := Create(path, "float32", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFloat32(rowsOf(0, 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	crash(w)
	cases := []struct {
		name, path, dtype string
		rows              int64
		trailing          []int
		want              string
	}{
		{"dtype", path, "float64", 4, []int{2, 3}, "not that of a float64 file"},
		{"shape", path, "float32", 4, []int{3, 2}, "rows of shape [3 2]"},
		{"too many rows", path, "float32", 5, []int{2, 3}, "fewer than the"},
		{"negative", path, "float32", -1, []int{2, 3}, "cannot resume at -1 rows"},
		{"missing", filepath.Join(dir, "x.npy"), "float32", 0, []int{2, 3}, "x.npy.part"},
		{"bad dtype", path, "complex64", 0, []int{2, 3}, `unsupported dtype "complex64"`},
	}
	for _, c := range cases {
		_, err := Resume(c.path, c.dtype, c.rows, c.trailing...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	// A refused resume must leave the part file as it was.
	a, err := Read(path + TempSuffix)
	if err != nil || a.Shape[0] != 4 {
		t.Errorf("part file after refusals: %v, %v", a, err)
	}
}
