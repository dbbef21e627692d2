package netfile_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/engine"
	"leaky/internal/numpytest"
	"leaky/netfile"
)

// Sizes of the file-weight network: neither is a multiple of 64·K for
// K = 2 or 3, and rank 2 of 3's block (128…199) is not a whole number of
// words short of the end.
const fileIn, fileOut = 150, 200

// fileWeights writes, with NumPy and h5py, dense weight matrices of every
// layout a rank reads in part — .npy in C and Fortran order, transposed
// or not, as float32, float64 and int16, and HDF5 datasets contiguous,
// chunked and chunked with gzip, transposed or not — and two synapse
// lists of more synapses than one span, one with per-synapse delays (a
// delay onto rank 0's block alone), and a list onto rank 0's block alone, and
// returns the network file that uses them all.
func fileWeights(t *testing.T) string {
	dir := t.TempDir()
	numpytest.Run(t, dir, `
import sys, numpy as np, h5py
nin, nout = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(5)
w = rng.standard_normal((nin, nout)) * 0.2
np.save("c_f32.npy", w.astype("<f4"))
np.save("f_f64.npy", np.asfortranarray(w))
np.save("t_i16.npy", np.ascontiguousarray(np.round(w.T * 10)).astype(">i2"))
np.save("ft_f32.npy", np.asfortranarray(w.T.astype("f4")))
with h5py.File("w.h5", "w") as f:
    f.create_dataset("contiguous", data=w.astype("f4"))
    f.create_dataset("chunked", data=w, chunks=(16, 24))
    f.create_dataset("gzip_t", data=w.T.astype("f4"), chunks=(24, 16), compression="gzip", shuffle=True)
n = 150000
pre = rng.integers(0, nin, n)
post = rng.integers(0, nout, n)
np.save("pre.npy", pre.astype("<i4"))
np.save("post.npy", post.astype("<i8"))
np.save("weight.npy", (rng.standard_normal(n) * 0.1).astype("f4"))
# Delay 3 only onto targets 0…49, so that the other ranks keep none.
np.save("delay.npy", np.where(post < 50, 3, rng.integers(0, 3, n)).astype("u1"))
np.save("pre2.npy", pre[:70001].astype("f8"))
np.save("post2.npy", np.sort(post[:70001]).astype("u2"))
np.save("weight2.npy", rng.standard_normal(70001) * 0.1)
np.save("post3.npy", post % 60)  # onto rank 0's block alone
`, fmt.Sprint(fileIn), fmt.Sprint(fileOut))
	text := fmt.Sprintf(`
run: {dt: 0.001, steps: 20, batch: 1, seed: 3}
sources: [{name: in, poisson: {size: %d, rate: 100}}]
populations:
  - {name: a, size: %d, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {name: c_f32, source: in, target: a, type: dense, weight: {file: c_f32.npy}}
  - {name: f_f64, source: in, target: a, type: dense, weight: {file: f_f64.npy}, sign: inhibitory}
  - {name: t_i16, source: in, target: a, type: dense, weight: {file: t_i16.npy, transpose: true}}
  - {name: ft_f32, source: in, target: a, type: dense, weight: {file: ft_f32.npy, transpose: true}}
  - {name: contiguous, source: in, target: a, type: dense, weight: {file: w.h5, dataset: contiguous}}
  - {name: chunked, source: in, target: a, type: dense, weight: {file: w.h5, dataset: chunked}}
  - {name: gzip_t, source: in, target: a, type: dense, weight: {file: w.h5, dataset: gzip_t, transpose: true}}
  - {name: list, source: in, target: a, type: sparse, synapses: {pre: pre.npy, post: post.npy, weight: weight.npy, delay: delay.npy}}
  - {name: list2, source: in, target: a, type: sparse, synapses: {pre: pre2.npy, post: post2.npy, weight: weight2.npy}, delay: 2, sign: excitatory}
  - {name: list3, source: in, target: a, type: sparse, synapses: {pre: pre.npy, post: post3.npy, weight: weight.npy}, delay: 1}
`, fileIn, fileOut)
	path := filepath.Join(dir, "net.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sameBits compares weights bit for bit.
func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestRanksReadOwnFileWeights builds the file-weight network whole and
// as every rank of 2 and 3: each rank's dense weights are the whole
// build's columns of its block and its synapse lists the whole build's
// synapses onto its block, row by row and delay group by delay group, bit
// for bit; the rank's memory estimate is what it holds; and it reads
// only its columns' bytes of a dense file.
func TestRanksReadOwnFileWeights(t *testing.T) {
	path := fileWeights(t)
	f := load(t, path)
	whole, err := netfile.BuildRank[float32](f, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := whole.Projections[0].(*engine.Dense[float32]); len(n.W) != fileIn*fileOut {
		t.Fatalf("the whole build holds %d dense weights, want %d", len(n.W), fileIn*fileOut)
	}
	sizes := map[string]int64{}
	for _, name := range []string{"c_f32.npy", "f_f64.npy", "t_i16.npy", "ft_f32.npy", "w.h5"} {
		st, err := os.Stat(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = st.Size()
	}
	for _, ranks := range []int{1, 2, 3} {
		for rank := range ranks {
			lo, hi := engine.BlockOf(fileOut, rank, ranks)
			label := fmt.Sprintf("rank %d of %d (targets %d…%d)", rank, ranks, lo, hi-1)
			read, restore := netfile.CountReads()
			n, err := netfile.BuildRank[float32](f, 1, rank, ranks)
			restore()
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			var held int64
			groups := 0
			for k, pr := range n.Projections {
				name := f.Projections[k].Name
				switch p := pr.(type) {
				case *engine.Dense[float32]:
					w := whole.Projections[k].(*engine.Dense[float32]).W
					if len(p.W) != fileIn*(hi-lo) {
						t.Fatalf("%s %s: %d weights, want %d", label, name, len(p.W), fileIn*(hi-lo))
					}
					for i := range fileIn {
						for j := lo; j < hi; j++ {
							if a, b := p.W[i*(hi-lo)+j-lo], w[i*fileOut+j]; !sameBits(a, b) {
								t.Fatalf("%s %s: weight [%d, %d] is %v, the whole build's %v", label, name, i, j, a, b)
							}
						}
					}
					held += int64(len(p.W)) * 4
				case *engine.Sparse[float32]:
					wg := whole.Projections[k].(*engine.Sparse[float32]).Groups
					if len(p.Groups) != len(wg) {
						t.Fatalf("%s %s: %d delay groups, the whole build %d", label, name, len(p.Groups), len(wg))
					}
					for gi, g := range p.Groups {
						h := wg[gi]
						if g.Delay != h.Delay {
							t.Fatalf("%s %s: group %d has delay %d, the whole build's %d", label, name, gi, g.Delay, h.Delay)
						}
						for j := range fileIn {
							var col []int
							var wt []float32
							for s := h.RowPtr[j]; s < h.RowPtr[j+1]; s++ {
								if c := h.Target(s); c >= lo && c < hi {
									col, wt = append(col, c), append(wt, h.Weight(s))
								}
							}
							a, b := g.RowPtr[j], g.RowPtr[j+1]
							if b-a != len(col) {
								t.Fatalf("%s %s delay %d: input %d has %d synapses, the whole build %d onto the block", label, name, g.Delay, j, b-a, len(col))
							}
							for s := range col {
								if g.Target(a+s) != col[s] || !sameBits(g.Weight(a+s), wt[s]) {
									t.Fatalf("%s %s delay %d: input %d synapse %d is (%d, %v), the whole build's (%d, %v)", label, name, g.Delay, j, s, g.Target(a+s), g.Weight(a+s), col[s], wt[s])
								}
							}
						}
						held += g.IndexBytes() + int64(len(g.W))*4 + int64(len(g.RowPtr))*8
					}
					groups += len(p.Groups) - 1
				}
			}
			if got := n.Net.WeightBytes(); got != held {
				t.Errorf("%s: WeightBytes %d, the projections hold %d", label, got, held)
			}
			m, err := f.MemoryOfRank(4, false, rank, ranks)
			if err != nil {
				t.Fatal(err)
			}
			// The estimate counts one delay group per synapse list.
			if want := held - int64(groups)*(fileIn+1)*8; m.Weights != want {
				t.Errorf("%s: weight estimate %d bytes, built %d (less %d uncounted delay groups' row offsets)", label, m.Weights, want, groups)
			}
			// A dense file's bytes read: its columns' values, its header
			// and (HDF5) metadata, no more.
			dir := filepath.Dir(path)
			share := func(elem int) int64 { return int64(fileIn) * int64(hi-lo) * int64(elem) }
			for _, c := range []struct {
				file string
				want int64
			}{{"c_f32.npy", share(4)}, {"f_f64.npy", share(8)}, {"t_i16.npy", share(2)}, {"ft_f32.npy", share(4)}} {
				got := read(filepath.Join(dir, c.file))
				if got < c.want || got > c.want+256 {
					t.Errorf("%s %s: read %d bytes of %d; its columns are %d", label, c.file, got, sizes[c.file], c.want)
				}
			}
			// w.h5: the contiguous dataset's share, and of the chunked ones
			// the chunks the block meets (24 columns wide, 16 for the
			// compressed one) with the file's metadata.
			got := read(filepath.Join(dir, "w.h5"))
			if frac := float64(hi-lo+2*24) / fileOut; ranks > 1 && float64(got) > frac*float64(sizes["w.h5"]) {
				t.Errorf("%s w.h5: read %d bytes of %d, more than %.2f of it", label, got, sizes["w.h5"], frac)
			}
		}
	}
}

// TestRanksRefuseBadFileWeights: a weight that is not finite is refused
// by the rank whose columns hold it, and by one process, naming the first
// in row-major order of a Fortran-order file; a truncated file, a .npy
// file given as HDF5 and a bad synapse are refused by every rank alike;
// each in one line.
func TestRanksRefuseBadFileWeights(t *testing.T) {
	dir := t.TempDir()
	numpytest.Run(t, dir, `
import numpy as np
w = np.full((70, 130), 0.5)
w[1, 120] = np.nan
w[3, 10] = np.inf
np.save("w.npy", np.asfortranarray(w))
np.save("pre.npy", np.arange(1000) % 70)
post = np.arange(1000) % 130
post[999] = 130
np.save("post.npy", post)
np.save("weight.npy", np.ones(1000))
b = open("w.npy", "rb").read()
open("short.npy", "wb").write(b[:len(b) - 8])
`)
	text := `
run: {dt: 0.001, steps: 20, batch: 1, seed: 3}
sources: [{name: in, poisson: {size: 70, rate: 100}}]
populations:
  - {name: a, size: 130, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {source: in, target: a, type: %s}
`
	for _, c := range []struct {
		proj string
		// want is the error in one process, at rank 0 of 2 and at rank 1.
		want [3]string
	}{
		{"dense, weight: {file: w.npy}", [3]string{"weight [1, 120] is NaN", "weight [3, 10] is +Inf", "weight [1, 120] is NaN"}},
		{"dense, weight: {file: short.npy}", [3]string{"short.npy: truncated .npy file", "short.npy: truncated .npy file", "short.npy: truncated .npy file"}},
		{"dense, weight: {file: w.npy, dataset: /w}", [3]string{"w.npy", "w.npy", "w.npy"}},
		{"sparse, synapses: {pre: pre.npy, post: post.npy, weight: weight.npy}", [3]string{"post.npy[999] is 130; want a whole number in 0..129", "post.npy[999] is 130", "post.npy[999] is 130"}},
	} {
		path := filepath.Join(dir, "net.yaml")
		if err := os.WriteFile(path, []byte(fmt.Sprintf(text, c.proj)), 0o644); err != nil {
			t.Fatal(err)
		}
		f := load(t, path)
		for i, rk := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
			_, err := netfile.BuildRank[float32](f, 1, rk[0], rk[1])
			if err == nil || !strings.Contains(err.Error(), c.want[i]) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s rank %d of %d: %v; want one line with %q", c.proj, rk[0], rk[1], err, c.want[i])
			}
		}
	}
}
