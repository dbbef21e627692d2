package nir

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/hdf5"
)

// TestGeneratedFiles loads the graphs testdata/gen.py writes with h5py
// (earliest and latest layouts, a nested recurrent graph, a gzip-chunked
// convolutional one), so the reader is tested without ../shared too.
func TestGeneratedFiles(t *testing.T) {
	for file, want := range map[string]string{
		"lif.nir":  "fc Affine [2] → [2]",
		"rnn.nir":  "rec/w → rec/lif  ↺",
		"conv.nir": "pool             SumPool2d  [2, 6, 6] → [2, 3, 3]",
	} {
		m, err := Open(filepath.Join("testdata", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var b strings.Builder
		if err := m.Describe(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(strings.Fields(b.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("%s: description lacks %q:\n%s", file, want, b.String())
		}
	}
}

// FuzzOpen reads arbitrary bytes as a NIR file: no input may panic, and a
// refusal is one line naming the file.
func FuzzOpen(f *testing.F) {
	for _, name := range []string{"lif.nir", "rnn.nir", "conv.nir", "perneuron.nir", "threshold.nir", "conv1d.nir", "conv1d_same.nir"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := hdf5.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		m, err := Read("fuzz.nir", h5Store{h})
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.nir: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one line naming the file", msg)
			}
			return
		}
		if err := m.Describe(io.Discard); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("describe: %q", err)
		}
	})
}

// TestUnsupportedFeature: a parameter stored in an HDF5 datatype the
// reader does not read is refused naming the file, the node and the
// feature, never read as a wrong value.
func TestUnsupportedFeature(t *testing.T) {
	_, err := Open(filepath.Join("testdata", "unsupported.nir"))
	if err == nil || !strings.Contains(err.Error(), "node lif: tau:") || !strings.Contains(err.Error(), "compound") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
}
