package hdf5

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func testFiles(t testing.TB) []string {
	names, err := filepath.Glob("testdata/*.h5")
	if err != nil || len(names) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	sort.Strings(names)
	return names
}

// readBack opens data and reads everything it can reach. Every group and
// dataset read without error must hold what h5py read from the intact
// file; it returns how many errors the walk met.
func readBack(t *testing.T, data []byte, ignoreEOF bool, want expected, what string) int {
	t.Helper()
	f, err := newReaderOpts(bytes.NewReader(data), int64(len(data)), "", options{ignoreEOF: ignoreEOF})
	if err != nil {
		return 1
	}
	errs := 0
	var rec func(g *Group, depth int)
	rec = func(g *Group, depth int) {
		names, err := g.Members()
		if err != nil {
			errs++
			return
		}
		if w, ok := want.Groups[g.Path()]; ok && !equalStrings(names, w) {
			t.Errorf("%s: %s: members %q read without error, want %q", what, g.Path(), names, w)
		}
		for _, name := range names {
			path := g.child(name)
			if _, ok := want.Errors[path]; ok || depth > 12 {
				continue
			}
			k, err := g.Kind(name)
			if err != nil {
				errs++
				continue
			}
			switch k {
			case KindGroup:
				sub, err := g.Group(name)
				if err != nil {
					errs++
					continue
				}
				rec(sub, depth+1)
			case KindDataset:
				ds, err := g.Dataset(name)
				if err == nil {
					err = readValues(ds)
				}
				if err != nil {
					errs++
					continue
				}
				if w, ok := want.Datasets[path]; ok {
					if err := checkDataset(ds, w); err != nil {
						t.Errorf("%s: %s read without error but wrong: %v", what, path, err)
					}
				}
			}
		}
	}
	rec(f.Root(), 0)
	return errs
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTruncated cuts every test file at many lengths. The reader must
// fail cleanly or read the values that are still there, never panic and
// never return wrong ones. The superblock's end-of-file check, which
// refuses all of these at once, is turned off to reach the checks behind it.
func TestTruncated(t *testing.T) {
	exp := loadExpected(t)
	for _, name := range testFiles(t) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		want := exp[filepath.Base(name)]
		if _, err := NewReader(bytes.NewReader(data[:len(data)-1]), int64(len(data)-1)); err == nil {
			t.Errorf("%s: a file one byte short opened without error", name)
		}
		step := max(1, len(data)/150)
		for n := 0; n < len(data); n += step {
			readBack(t, data[:n], true, want, name)
		}
		for n := max(0, len(data)-40); n < len(data); n++ {
			readBack(t, data[:n], true, want, name)
		}
	}
}

// TestFlippedChecksummed flips bytes inside the checksummed metadata of
// the files written with libver latest (superblock, object headers,
// B-trees, heaps, chunk indexes): every flip must be an error.
func TestFlippedChecksummed(t *testing.T) {
	exp := loadExpected(t)
	for _, base := range []string{"types_v3.h5", "chunks_v3.h5", "paged_v3.h5", "groups_v3.h5", "v108.h5"} {
		data, err := os.ReadFile(filepath.Join("testdata", base))
		if err != nil {
			t.Fatal(err)
		}
		type span struct{ off, n uint64 }
		var spans []span
		checksumHook = func(off, n uint64) { spans = append(spans, span{off, n}) }
		if errs := readBack(t, data, false, exp[base], base); errs != 0 {
			t.Fatalf("%s: %d errors reading the intact file", base, errs)
		}
		checksumHook = nil
		// Each structure once (the walk reads some twice), at its first
		// byte, its checksum and two bytes between.
		seen := map[uint64]bool{}
		flips := 0
		for _, s := range spans {
			if seen[s.off] {
				continue
			}
			seen[s.off] = true
			for _, o := range []uint64{s.off, s.off + s.n/3, s.off + 2*s.n/3, s.off + s.n - 1} {
				bad := bytes.Clone(data)
				bad[o] ^= 0x10
				flips++
				if readBack(t, bad, false, exp[base], base) == 0 {
					t.Errorf("%s: byte %d flipped (in a checksummed block at %d) read without error", base, o, s.off)
				}
			}
		}
		if flips < 20 {
			t.Errorf("%s: only %d flips tried", base, flips)
		}
	}
}

// TestFlippedAnywhere flips random bytes of every file: errors and, where
// nothing checks the bytes (raw data, version 0 metadata), different
// values are allowed; panics and hangs are not.
func TestFlippedAnywhere(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range testFiles(t) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for range 150 {
			bad := bytes.Clone(data)
			for range 1 + rng.IntN(3) {
				bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
			}
			f, err := NewReader(bytes.NewReader(bad), int64(len(bad)))
			if err != nil {
				continue
			}
			walk(f.Root(), 0, func(string, *Dataset, error) {})
		}
	}
}

// FuzzOpen opens anything and reads everything reachable from the root.
func FuzzOpen(f *testing.F) {
	for _, name := range testFiles(f) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A small decode limit: a mutated dataspace of millions of fill
		// values, reached through a hundred links, would only be slow.
		file, err := newReaderOpts(bytes.NewReader(data), int64(len(data)), "", options{ignoreEOF: true, maxDataBytes: 1 << 18})
		if err != nil {
			return
		}
		walk(file.Root(), 0, func(_ string, ds *Dataset, _ error) {
			if ds != nil {
				ds.Strings()
				boxAgrees(t, ds)
				ds.Int64s()
				ds.Uint64s()
				_ = ds.Type().String()
				_ = ds.Shape()
			}
		})
	})
}

// boxAgrees reads ds whole and a box of it (from a third of each
// dimension to three quarters); when both succeed the box must hold the
// whole read's values there, bit for bit.
func boxAgrees(t *testing.T, ds *Dataset) {
	all, errAll := ds.Float64s()
	dims := ds.Shape()
	if len(dims) == 0 {
		return
	}
	start, count := make([]int, len(dims)), make([]int, len(dims))
	for k, d := range dims {
		start[k] = d / 3
		count[k] = d*3/4 - d/3
	}
	got, err := ds.Float64sIn(start, count)
	if err != nil || errAll != nil {
		return
	}
	want := boxOf(all, dims, start, count)
	if len(got) != len(want) {
		t.Fatalf("%s: box %v+%v has %d values, the whole read %d there", ds.Path(), start, count, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: box %v+%v value %d is %v, the whole read's %v", ds.Path(), start, count, i, got[i], want[i])
		}
	}
}
