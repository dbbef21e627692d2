package hdf5

import (
	"bytes"
	"leaky/internal/fixtures"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// nirFile returns the path of a real NIR file of ../shared/nir.
func nirFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(fixtures.NIR(t), name)
}

func openNIR(t *testing.T, name string) *File {
	t.Helper()
	f, err := Open(nirFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func scalarString(t *testing.T, g *Group, name string) string {
	t.Helper()
	ds, err := g.Dataset(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ds.Strings()
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || len(ds.Shape()) != 0 {
		t.Fatalf("%s: %q of shape %v, want a scalar string", ds.Path(), s, ds.Shape())
	}
	return s[0]
}

func floats(t *testing.T, f *File, path string) []float64 {
	t.Helper()
	ds, err := f.Root().Dataset(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ds.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNIRFiles reads every dataset of every NIR fixture and the type of
// every node, nested graphs included.
func TestNIRFiles(t *testing.T) {
	names := []string{
		"braille_noDelay_bias_zero.nir", "braille_noDelay_bias_zero_subgraph.nir",
		"braille_noDelay_noBias_subtract.nir", "cnn_sinabs.nir", "lif_norse.nir",
		"lif_rockpool.nir", "synthetic_gzip_cubalif_li.nir", "two_lif_neurons.nir",
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f := openNIR(t, name)
			datasets := 0
			walk(f.Root(), 0, func(path string, ds *Dataset, err error) {
				if err != nil {
					t.Errorf("%s: %v", path, err)
				}
				if ds != nil {
					datasets++
				}
			})
			if datasets < 5 {
				t.Errorf("%d datasets", datasets)
			}
			var graph func(g *Group)
			graph = func(g *Group) {
				if typ := scalarString(t, g, "type"); typ != "NIRGraph" {
					t.Errorf("%s: type %q, want NIRGraph", g.Path(), typ)
				}
				nodes, err := g.Group("nodes")
				if err != nil {
					t.Fatal(err)
				}
				members, err := nodes.Members()
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range members {
					n, err := nodes.Group(m)
					if err != nil {
						t.Fatal(err)
					}
					if scalarString(t, n, "type") == "NIRGraph" {
						graph(n)
					}
				}
				edges, err := g.Dataset("edges")
				if err != nil {
					t.Fatal(err)
				}
				if s := edges.Shape(); len(s) != 2 || s[1] != 2 || edges.Type().Class != ClassString {
					t.Errorf("%s: shape %v type %s, want (E, 2) strings", edges.Path(), s, edges.Type())
				}
			}
			node, err := f.Root().Group("node")
			if err != nil {
				t.Fatal(err)
			}
			graph(node)
		})
	}
}

func TestNIRKnownValues(t *testing.T) {
	t.Run("lif_norse", func(t *testing.T) {
		f := openNIR(t, "lif_norse.nir")
		if v := scalarString(t, f.Root(), "version"); v != "0.1.1" {
			t.Errorf("version %q", v)
		}
		lif, err := f.Root().Group("node/nodes/1")
		if err != nil {
			t.Fatal(err)
		}
		if typ := scalarString(t, lif, "type"); typ != "LIF" {
			t.Errorf("type %q", typ)
		}
		for path, want := range map[string]float32{"tau": 0.0025, "v_threshold": 0.1, "r": 1, "v_leak": 0} {
			if v := floats(t, f, "/node/nodes/1/"+path); len(v) != 1 || v[0] != float64(want) {
				t.Errorf("%s = %v, want float32 %v", path, v, want)
			}
		}
		shape, err := f.Root().Dataset("node/nodes/input/shape")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := shape.Int64s(); err != nil || !slices.Equal(v, []int64{1}) {
			t.Errorf("input shape %v %v", v, err)
		}
	})
	t.Run("braille", func(t *testing.T) {
		f := openNIR(t, "braille_noDelay_bias_zero.nir")
		edges, err := f.Root().Dataset("node/edges")
		if err != nil {
			t.Fatal(err)
		}
		s, err := edges.Strings()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"lif1.w_rec", "lif1.lif", "lif2", "output", "fc2", "lif2", "input", "fc1",
			"lif1.lif", "lif1.w_rec", "fc1", "lif1.lif", "lif1.lif", "fc2"}
		if !slices.Equal(edges.Shape(), []int{7, 2}) || !slices.Equal(s, want) {
			t.Errorf("edges %v %q", edges.Shape(), s)
		}
		w, err := f.Root().Dataset("node/nodes/fc1/weight")
		if err != nil {
			t.Fatal(err)
		}
		v, err := w.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(w.Shape(), []int{38, 12}) || w.Type().String() != "float32" ||
			v[0] != float64(float32(-1.3380636)) || v[len(v)-1] != float64(float32(-0.00058332225)) {
			t.Errorf("fc1 weight %v %s %v … %v", w.Shape(), w.Type(), v[0], v[len(v)-1])
		}
		if tm := floats(t, f, "/node/nodes/lif1.lif/tau_mem"); len(tm) != 38 || tm[0] != 0.0009999997615814777 {
			t.Errorf("tau_mem %v", tm[:1])
		}
		nodes, _ := f.Root().Group("node/nodes")
		m, err := nodes.Members()
		if err != nil || !slices.Equal(m, []string{"fc1", "fc2", "input", "lif1.lif", "lif1.w_rec", "lif2", "output"}) {
			t.Errorf("nodes %q %v", m, err)
		}
	})
	t.Run("cnn", func(t *testing.T) {
		f := openNIR(t, "cnn_sinabs.nir")
		w, err := f.Root().Dataset("node/nodes/0/weight")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := w.Float64s(); err != nil || !slices.Equal(w.Shape(), []int{16, 2, 5, 5}) || v[0] != float64(float32(-0.2573422)) {
			t.Errorf("conv weight %v %v", w.Shape(), err)
		}
		groups, _ := f.Root().Dataset("node/nodes/0/groups")
		if v, err := groups.Int64s(); err != nil || len(groups.Shape()) != 0 || !slices.Equal(v, []int64{1}) {
			t.Errorf("groups %v %v", v, err)
		}
		stride, _ := f.Root().Dataset("node/nodes/0/stride")
		if v, err := stride.Int64s(); err != nil || !slices.Equal(v, []int64{2, 2}) {
			t.Errorf("stride %v %v", v, err)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		f := openNIR(t, "synthetic_gzip_cubalif_li.nir")
		ds, err := f.Root().Dataset("node/nodes/cubalif/w_in")
		if err != nil {
			t.Fatal(err)
		}
		if ds.layout.class != layoutChunked || len(ds.filters) != 1 || ds.filters[0].id != filterDeflate {
			t.Errorf("w_in: layout %d filters %v, want gzip-chunked", ds.layout.class, ds.filters)
		}
		if v, err := ds.Float64s(); err != nil || !slices.Equal(v, []float64{2, 2, 2}) {
			t.Errorf("w_in %v %v", v, err)
		}
		if v := floats(t, f, "/node/nodes/cubalif/v_reset"); !slices.Equal(v, []float64{0, 0, 0}) {
			t.Errorf("v_reset %v", v)
		}
		if v := floats(t, f, "/node/metadata/dt"); !slices.Equal(v, []float64{1e-4}) {
			t.Errorf("dt %v", v)
		}
	})
}

// TestNIRTruncated cuts the real files short: errors, never panics.
func TestNIRTruncated(t *testing.T) {
	for _, name := range []string{"braille_noDelay_bias_zero.nir", "cnn_sinabs.nir", "synthetic_gzip_cubalif_li.nir"} {
		data, err := os.ReadFile(nirFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(data); n += max(1, len(data)/100) {
			f, err := newReaderOpts(bytes.NewReader(data[:n]), int64(n), name, options{ignoreEOF: true})
			if err != nil {
				continue
			}
			walk(f.Root(), 0, func(string, *Dataset, error) {})
		}
	}
}
