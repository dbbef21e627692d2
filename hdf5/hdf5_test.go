package hdf5

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// expected is testdata/expected.json, written by testdata/gen.py from
// what h5py (libhdf5 1.10.8) reads back from the files it wrote.
type expected struct {
	Errors   map[string]string
	Groups   map[string][]string
	Datasets map[string]expectedDataset
}

type expectedDataset struct {
	Shape  []int
	Type   string
	Kind   string
	Values []string
}

func loadExpected(t testing.TB) map[string]expected {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func openTestFile(t testing.TB, name string) *File {
	t.Helper()
	f, err := Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// groupAt opens a group by absolute path.
func groupAt(f *File, path string) (*Group, error) {
	if path == "/" {
		return f.Root(), nil
	}
	return f.Root().Group(path)
}

// checkDataset compares every value of a dataset with h5py's.
func checkDataset(ds *Dataset, want expectedDataset) error {
	if got := ds.Shape(); !slices.Equal(got, want.Shape) {
		return fmt.Errorf("shape %v, want %v", got, want.Shape)
	}
	if got := ds.Type().String(); got != want.Type {
		return fmt.Errorf("type %q, want %q", got, want.Type)
	}
	if ds.Len() != len(want.Values) {
		return fmt.Errorf("Len %d, want %d", ds.Len(), len(want.Values))
	}
	switch want.Kind {
	case "float":
		got, err := ds.Float64s()
		if err != nil {
			return err
		}
		if len(got) != len(want.Values) {
			return fmt.Errorf("%d values, want %d", len(got), len(want.Values))
		}
		for i, h := range want.Values {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != 8 {
				return fmt.Errorf("bad expected value %q", h)
			}
			w := math.Float64frombits(uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
				uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7]))
			if math.IsNaN(w) && math.IsNaN(got[i]) {
				continue
			}
			if math.Float64bits(got[i]) != math.Float64bits(w) {
				return fmt.Errorf("element %d: %v (%#x), want %v (%#x)", i, got[i], math.Float64bits(got[i]), w, math.Float64bits(w))
			}
		}
		if _, err := ds.Int64s(); err == nil {
			return fmt.Errorf("Int64s of floats did not fail")
		}
	case "int":
		fits, exact := true, true
		for _, v := range want.Values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				fits = false
			}
			if n, _ := strconv.ParseFloat(v, 64); math.Abs(n) > 1<<53 {
				exact = false
			}
		}
		i64, err := ds.Int64s()
		if fits != (err == nil) {
			return fmt.Errorf("Int64s error %v, want an error: %v", err, !fits)
		}
		u64, uerr := ds.Uint64s()
		f64, ferr := ds.Float64s()
		if exact != (ferr == nil) {
			return fmt.Errorf("Float64s error %v, want an error: %v", ferr, !exact)
		}
		for i, v := range want.Values {
			if fits && strconv.FormatInt(i64[i], 10) != v {
				return fmt.Errorf("element %d: %d, want %s", i, i64[i], v)
			}
			if uerr == nil && strconv.FormatUint(u64[i], 10) != v {
				return fmt.Errorf("element %d: Uint64s %d, want %s", i, u64[i], v)
			}
			if exact && strconv.FormatFloat(f64[i], 'f', -1, 64) != v {
				return fmt.Errorf("element %d: Float64s %v, want %s", i, f64[i], v)
			}
			if uerr != nil && !strings.HasPrefix(v, "-") && fits {
				// Uint64s fails only on a negative element.
				neg := slices.ContainsFunc(want.Values, func(s string) bool { return strings.HasPrefix(s, "-") })
				if !neg {
					return fmt.Errorf("Uint64s: %v", uerr)
				}
			}
		}
	case "string":
		got, err := ds.Strings()
		if err != nil {
			return err
		}
		if !slices.Equal(got, want.Values) {
			return fmt.Errorf("strings %q, want %q", got, want.Values)
		}
		if _, err := ds.Float64s(); err == nil {
			return fmt.Errorf("Float64s of strings did not fail")
		}
	default:
		return fmt.Errorf("unknown kind %q", want.Kind)
	}
	return nil
}

// TestFilesMatchH5py reads every group and dataset of every test file and
// compares them with what h5py reads.
func TestFilesMatchH5py(t *testing.T) {
	for name, e := range loadExpected(t) {
		t.Run(name, func(t *testing.T) {
			f := openTestFile(t, name)
			for path, want := range e.Groups {
				g, err := groupAt(f, path)
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				got, err := g.Members()
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: members %q, want %q", path, got, want)
				}
				if g.Path() != path {
					t.Errorf("Path() %q, want %q", g.Path(), path)
				}
			}
			for path, want := range e.Datasets {
				ds, err := f.Root().Dataset(path)
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				if ds.Path() != path {
					t.Errorf("Path() %q, want %q", ds.Path(), path)
				}
				if err := checkDataset(ds, want); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			}
			for path, want := range e.Errors {
				err := readAll(f, path)
				var fe *FormatError
				switch {
				case err == nil:
					t.Errorf("%s: read without error, want one naming %q", path, want)
				case !errors.As(err, &fe) || !errors.Is(err, ErrUnsupported):
					t.Errorf("%s: error %v is not an unsupported-feature FormatError", path, err)
				case !strings.Contains(fe.Feature, want) || fe.Path != path:
					t.Errorf("%s: error %q (path %q), want the feature %q and the path", path, err, fe.Path, want)
				case !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), filepath.Join("testdata", name)):
					t.Errorf("%s: error %q names neither the object nor the file", path, err)
				}
			}
			// Everything the reader reaches, h5py listed.
			n := 0
			walk(f.Root(), 0, func(path string, ds *Dataset, err error) {
				n++
				if _, ok := e.Errors[path]; ok {
					return
				}
				if err != nil {
					t.Errorf("walk: %v", err)
				} else if _, ok := e.Datasets[path]; !ok && ds != nil {
					t.Errorf("walk: dataset %s not in expected.json", path)
				}
			})
			if n < len(e.Datasets) {
				t.Errorf("walk reached %d datasets, expected.json has %d", n, len(e.Datasets))
			}
		})
	}
}

// readAll opens path and reads its values, whatever it is.
func readAll(f *File, path string) error {
	k, err := f.Root().Kind(path)
	if err != nil {
		return err
	}
	switch k {
	case KindGroup:
		g, err := f.Root().Group(path)
		if err != nil {
			return err
		}
		_, err = g.Members()
		return err
	case KindDataset:
		ds, err := f.Root().Dataset(path)
		if err != nil {
			return err
		}
		return readValues(ds)
	}
	return nil
}

func readValues(ds *Dataset) error {
	var err error
	switch ds.Type().Class {
	case ClassString:
		_, err = ds.Strings()
	case ClassInteger:
		if _, err = ds.Int64s(); err != nil {
			_, err = ds.Uint64s()
		}
	default:
		_, err = ds.Float64s()
	}
	return err
}

// walk visits every dataset under g (and reports every error), at most
// 12 groups deep and 10000 objects in all, so that a corrupt file whose
// links loop ends too.
func walk(g *Group, depth int, visit func(path string, ds *Dataset, err error)) {
	count := 0
	var rec func(g *Group, depth int)
	rec = func(g *Group, depth int) {
		names, err := g.Members()
		if err != nil {
			visit(g.Path(), nil, err)
			return
		}
		for _, name := range names {
			if count++; count > 10000 || depth > 12 {
				return
			}
			path := g.child(name)
			k, err := g.Kind(name)
			if err != nil {
				visit(path, nil, err)
				continue
			}
			switch k {
			case KindGroup:
				sub, err := g.Group(name)
				if err != nil {
					visit(path, nil, err)
					continue
				}
				rec(sub, depth+1)
			case KindDataset:
				ds, err := g.Dataset(name)
				if err == nil {
					err = readValues(ds)
				}
				visit(path, ds, err)
			}
		}
	}
	rec(g, depth)
}

func TestStructures(t *testing.T) {
	// The files exercise what the package documentation says they do.
	cases := []struct {
		file, path string
		class      int
		index      int
		filters    []uint16
	}{
		{"types_v0.h5", "/numbers/int_i4", layoutContiguous, -1, nil},
		{"types_v0.h5", "/compact/f8", layoutCompact, -1, nil},
		{"types_v3.h5", "/compact/i4", layoutCompact, -1, nil},
		{"chunks_v1.h5", "/edge_2d", layoutChunked, indexBTree1, nil},
		{"chunks_v1.h5", "/all_filters", layoutChunked, indexBTree1, []uint16{filterShuffle, filterDeflate, filterFletcher32}},
		{"chunks_v3.h5", "/whole", layoutChunked, indexSingle, nil},
		{"chunks_v3.h5", "/whole_gzip", layoutChunked, indexSingle, []uint16{filterDeflate}},
		{"chunks_v3.h5", "/early", layoutChunked, indexImplicit, nil},
		{"chunks_v3.h5", "/edge_3d_i4", layoutChunked, indexFixed, nil},
		{"chunks_v3.h5", "/gzip_shuffle", layoutChunked, indexFixed, []uint16{filterShuffle, filterDeflate}},
		{"chunks_v3.h5", "/fixed_max", layoutChunked, indexFixed, nil},
		{"paged_v3.h5", "/paged", layoutChunked, indexFixed, nil},
		{"paged_v3.h5", "/ea_super", layoutChunked, indexExtArray, nil},
		{"paged_v3.h5", "/ea_super_gzip", layoutChunked, indexExtArray, []uint16{filterDeflate}},
		{"chunks_v3.h5", "/resizable_1d", layoutChunked, indexExtArray, nil},
		{"chunks_v3.h5", "/resizable_1d_gzip", layoutChunked, indexExtArray, []uint16{filterShuffle, filterDeflate}},
		{"chunks_v3.h5", "/unlimited_last", layoutChunked, indexExtArray, nil},
		{"chunks_v3.h5", "/unlimited_both", layoutChunked, indexBTree2, nil},
		{"chunks_v3.h5", "/unlimited_both_gzip", layoutChunked, indexBTree2, []uint16{filterDeflate}},
		{"chunks_v3.h5", "/fletcher32", layoutChunked, indexFixed, []uint16{filterFletcher32}},
	}
	for _, c := range cases {
		f := openTestFile(t, c.file)
		ds, err := f.Root().Dataset(c.path)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint16
		for _, fl := range ds.filters {
			ids = append(ids, fl.id)
		}
		if ds.layout.class != c.class || (c.index >= 0 && ds.layout.index != c.index) || !slices.Equal(ids, c.filters) {
			t.Errorf("%s %s: layout class %d, index %d, filters %v; want %d, %d, %v",
				c.file, c.path, ds.layout.class, ds.layout.index, ids, c.class, c.index, c.filters)
		}
	}
	supers := map[string]int{"types_v0.h5": 0, "chunks_v1.h5": 1, "v108.h5": 2, "types_v3.h5": 3, "userblock.h5": 0}
	for name, v := range supers {
		if got := openTestFile(t, name).SuperblockVersion(); got != v {
			t.Errorf("%s: superblock version %d, want %d", name, got, v)
		}
	}
	if f := openTestFile(t, "userblock.h5"); f.base != 512 {
		t.Errorf("userblock.h5: superblock at %d, want 512", f.base)
	}
	// Object headers of both versions grown into continuation blocks.
	for _, name := range []string{"types_v0.h5", "types_v3.h5"} {
		f := openTestFile(t, name)
		g := f.Root()
		addr, _, err := g.target("with_attrs")
		if err != nil {
			t.Fatal(err)
		}
		oh, err := f.readObjectHeader(addr, "/with_attrs")
		if err != nil {
			t.Fatal(err)
		}
		if oh.blocks < 2 {
			t.Errorf("%s: /with_attrs has %d object header blocks, want continuation blocks", name, oh.blocks)
		}
	}
	// Groups stored each way.
	for _, c := range []struct {
		file, path  string
		stab, dense bool
	}{
		{"groups_v1.h5", "/many", true, false},
		{"groups_v3.h5", "/few", false, false},
		{"groups_v3.h5", "/many", false, true},
		{"groups_v3.h5", "/tracked_many", false, true},
		{"groups_v3.h5", "/tracked", false, false},
	} {
		f := openTestFile(t, c.file)
		g, err := groupAt(f, c.path)
		if err != nil {
			t.Fatal(err)
		}
		oh, err := f.readObjectHeader(g.addr, c.path)
		if err != nil {
			t.Fatal(err)
		}
		stab := len(oh.find(msgSymbolTable)) == 1
		dense := false
		if m := oh.find(msgLinkInfo); len(m) == 1 {
			li, _ := f.parseLinkInfo(m[0].data, m[0].at, c.path)
			dense = li.heap != undef
		}
		if stab != c.stab || dense != c.dense {
			t.Errorf("%s %s: symbol table %v, dense %v; want %v, %v", c.file, c.path, stab, dense, c.stab, c.dense)
		}
	}
}

func TestAPI(t *testing.T) {
	f := openTestFile(t, "groups_v3.h5")
	root := f.Root()
	if k, err := root.Kind("a/b/c"); err != nil || k != KindGroup {
		t.Errorf("Kind(a/b/c) = %v, %v", k, err)
	}
	if k, err := root.Kind("a/b/c/d/e/f/deep"); err != nil || k != KindDataset {
		t.Errorf("Kind(deep) = %v, %v", k, err)
	}
	ds, err := root.Dataset("/a/b/c/d/e/f/deep")
	if err != nil || ds.Path() != "/a/b/c/d/e/f/deep" {
		t.Fatalf("Dataset(deep) = %v, %v", ds, err)
	}
	if _, err := root.Group("target"); err == nil || !strings.Contains(err.Error(), "not a group") {
		t.Errorf("Group(dataset): %v", err)
	}
	if _, err := root.Dataset("a"); err == nil || !strings.Contains(err.Error(), "not a dataset") {
		t.Errorf("Dataset(group): %v", err)
	}
	if _, err := root.Dataset("a/missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing member: %v", err)
	}
	if _, err := root.Dataset(""); err == nil {
		t.Errorf("empty name: no error")
	}
	if ok, err := root.Has("tracked"); !ok || err != nil {
		t.Errorf("Has(tracked) = %v, %v", ok, err)
	}
	g, _ := root.Group("a")
	sub, err := g.Group("b/c")
	if err != nil || sub.Path() != "/a/b/c" {
		t.Errorf("nested path: %v %v", sub, err)
	}

	committed := openTestFile(t, "committed.h5")
	if k, err := committed.Root().Kind("float_type"); err != nil || k != KindDatatype {
		t.Errorf("Kind(committed datatype) = %v, %v", k, err)
	}

	types := openTestFile(t, "types_v0.h5")
	s, err := types.Root().Dataset("scalars/f8")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Float64s(); err != nil || len(v) != 1 || v[0] != 0.0025 || len(s.Shape()) != 0 || s.Len() != 1 {
		t.Errorf("scalar: %v %v shape %v", v, err, s.Shape())
	}
	null, err := types.Root().Dataset("empty/null_f4")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := null.Float64s(); err != nil || len(v) != 0 || null.Len() != 0 || len(null.Shape()) != 0 {
		t.Errorf("null dataspace: %v %v", v, err)
	}
	e, err := types.Root().Dataset("strings/edges")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Type(); got.Class != ClassString || !got.VarLen || !got.UTF8 {
		t.Errorf("edges type %+v", got)
	}
	be, _ := types.Root().Dataset("numbers/int_be_i4")
	if got := be.Type(); got.Class != ClassInteger || got.Size != 4 || !got.BigEndian || !got.Signed {
		t.Errorf("int_be_i4 type %+v", got)
	}
}

// TestErrorMessage pins the form of an error: what, where in the file,
// which object.
func TestErrorMessage(t *testing.T) {
	f := openTestFile(t, "unsupported.h5")
	_, err := f.Root().Dataset("compound")
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FormatError", err)
	}
	want := fmt.Sprintf("hdf5: testdata/unsupported.h5: /compound: datatype class 6 (compound) (at byte %d): unsupported HDF5 feature", fe.Offset)
	if fe.Offset <= 0 || err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if _, err := NewReader(bytes.NewReader([]byte("not HDF5 at all")), 15); !errors.Is(err, ErrCorrupt) {
		t.Errorf("not HDF5: %v", err)
	}
}

func TestChecksums(t *testing.T) {
	// lookup3 test vectors from lookup3.c's driver (hashlittle, initval 0).
	if got := lookup3(nil); got != 0xdeadbeef {
		t.Errorf("lookup3(\"\") = %#x", got)
	}
	if got := lookup3([]byte("Four score and seven years ago")); got != 0x17770551 {
		t.Errorf("lookup3(Four score…) = %#x, want 0x17770551", got)
	}
	// Fletcher-32 of "abcde" over big-endian words, the odd byte high,
	// worked by hand: sums 0x29c7 and 0x4ff0.
	if got := fletcher32([]byte("abcde")); got != 0x4ff029c7 {
		t.Errorf("fletcher32(abcde) = %#x, want 0x4ff029c7", got)
	}
}

func TestFloat16(t *testing.T) {
	for h, want := range map[uint16]float64{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0400: math.Ldexp(1, -14), 0x0001: math.Ldexp(1, -24),
		0x7c00: math.Inf(1), 0xfc00: math.Inf(-1), 0x3555: (1 + 0x155/1024.0) / 4, 0x83ff: -math.Ldexp(0x3ff, -24),
	} {
		if got := float16(h); got != want {
			t.Errorf("float16(%#04x) = %v, want %v", h, got, want)
		}
	}
	if !math.IsNaN(float16(0x7e00)) {
		t.Errorf("float16 NaN")
	}
}

// TestDeepIndexes checks that the files hold B-trees and heaps of more
// than one level, so that the internal-node code is exercised.
func TestDeepIndexes(t *testing.T) {
	level := func(f *File, addr uint64, sig string, at int, size int) int {
		d, err := f.read(addr, uint64(at+size), "", sig)
		if err != nil {
			t.Fatal(err)
		}
		if string(d.b[:4]) != sig {
			t.Fatalf("no %s at %d", sig, addr)
		}
		d.pos = at
		return int(d.uvar(size))
	}
	// Chunk indexes.
	for _, c := range []struct{ file, path, sig string }{
		{"chunks_v1.h5", "/many_chunks", "TREE"},
		{"chunks_v3.h5", "/unlimited_both", "BTHD"},
	} {
		f := openTestFile(t, c.file)
		ds, err := f.Root().Dataset(c.path)
		if err != nil {
			t.Fatal(err)
		}
		at, size := 5, 1 // v1 node level
		if c.sig == "BTHD" {
			at, size = 12, 2 // v2 tree depth
		}
		if lv := level(f, ds.layout.addr, c.sig, at, size); lv < 1 {
			t.Errorf("%s %s: index of depth %d", c.file, c.path, lv)
		}
	}
	// Group indexes.
	f := openTestFile(t, "groups_v1.h5")
	g, _ := f.Root().Group("many")
	oh, _ := f.readObjectHeader(g.addr, "/many")
	m := oh.find(msgSymbolTable)[0]
	d := f.newDec(m.data, m.at, "", "")
	if lv := level(f, d.addr(), "TREE", 5, 1); lv < 2 {
		t.Errorf("groups_v1.h5 /many: symbol table B-tree of level %d, want ≥ 2", lv)
	}
	for _, path := range []string{"/many", "/tracked_many"} {
		f := openTestFile(t, "groups_v3.h5")
		g, _ := f.Root().Group(path)
		oh, _ := f.readObjectHeader(g.addr, path)
		m := oh.find(msgLinkInfo)[0]
		li, _ := f.parseLinkInfo(m.data, m.at, path)
		if lv := level(f, li.nameIndex, "BTHD", 12, 2); lv < 1 {
			t.Errorf("groups_v3.h5 %s: name index of depth %d", path, lv)
		}
		h, err := f.readFractalHeap(li.heap, path)
		if err != nil {
			t.Fatal(err)
		}
		if h.rootRows == 0 {
			t.Errorf("groups_v3.h5 %s: fractal heap with a direct root block only", path)
		}
	}
}
