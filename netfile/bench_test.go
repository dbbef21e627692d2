package netfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"leaky/netfile"
	"leaky/npy"
)

// BenchmarkBuildFileWeights builds a network whose 1000 × 4000 float32
// dense weights come from a .npy file, whole (impl=whole) and as rank 0
// of 2 (impl=rank0of2), which reads and holds its 2000 columns alone:
// B/op is what the build allocates.
func BenchmarkBuildFileWeights(b *testing.B) {
	const nIn, nOut = 1000, 4000
	dir := b.TempDir()
	w := make([]float32, nIn*nOut)
	for i := range w {
		w[i] = float32(i%97) / 970
	}
	wr, err := npy.Create(filepath.Join(dir, "w.npy"), "float32", nOut)
	if err == nil {
		err = wr.WriteFloat32(w)
	}
	if err == nil {
		err = wr.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	text := fmt.Sprintf(`
run: {dt: 0.001, steps: 10, batch: 1, seed: 1}
sources: [{name: in, poisson: {size: %d, rate: 10}}]
populations: [{name: a, size: %d, params: {tau_mem: 0.01, tau_syn: 0.005}}]
projections: [{source: in, target: a, type: dense, weight: {file: w.npy}}]
`, nIn, nOut)
	path := filepath.Join(dir, "net.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := netfile.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		impl        string
		rank, ranks int
	}{{"whole", 0, 1}, {"rank0of2", 0, 2}} {
		b.Run(fmt.Sprintf("impl=%s/n=%d", c.impl, nIn*nOut), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(nIn * nOut * 4)
			for b.Loop() {
				if _, err := netfile.BuildRank[float32](f, 1, c.rank, c.ranks); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
