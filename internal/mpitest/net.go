package mpitest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// DelayedNet is the recurrent network the tests split over ranks: a
// Poisson source onto two populations whose sizes are not multiples of
// 64·K (333 and 97 neurons), which project onto each other and onto
// themselves with delays of shortest, shortest+1 and 5 steps, recording
// spikes and traced state. With shortest ≥ 1 every projection out of a
// population is delayed, so the ranks exchange every shortest steps.
func DelayedNet(steps, batch, shortest int) string {
	return fmt.Sprintf(`
run: {dt: 0.001, steps: %d, batch: %d, seed: 11}
sources:
  - {name: in, poisson: {size: 150, rate: 60}}
populations:
  - {name: a, size: 333, params: {tau_mem: 0.01, tau_syn: 0.005, refractory: 0.004}}
  - {name: b, size: 97, params: {tau_mem: 0.02, tau_syn: 0.005, refractory: 0.01}}
projections:
  - {source: in, target: a, type: sparse, p: 0.3, weight: 0.4}
  - {source: a, target: b, type: sparse, p: 0.1, weight: 0.5, delay: 5}
  - {source: b, target: a, type: sparse, p: 0.2, weight: -0.3, delay: %d}
  - {source: a, target: a, type: dense, weight: {normal: [0.0, 0.02]}, delay: %d}
recorders:
  - {population: a, vars: [spikes, v, isyn], neurons: [0, 64, 200, 332]}
  - {population: b, vars: [spikes, iinp]}
`, steps, batch, shortest+1, shortest)
}

// SameFiles fails t unless directory got holds exactly the files of
// directory want, each byte for byte, summary.json aside (its timings
// differ); label says which run got is.
func SameFiles(t testing.TB, label, want, got string) {
	t.Helper()
	files, err := os.ReadDir(want)
	if err != nil || len(files) < 2 {
		t.Fatalf("%s: the reference run wrote %d files: %v", label, len(files), err)
	}
	if left, err := os.ReadDir(got); err != nil || len(left) != len(files) {
		t.Errorf("%s: %d files (%v), the reference run wrote %d", label, len(left), err, len(files))
	}
	for _, f := range files {
		if f.Name() == "summary.json" {
			continue
		}
		a, _ := os.ReadFile(filepath.Join(want, f.Name()))
		b, err := os.ReadFile(filepath.Join(got, f.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: %s differs from the reference run's (%d bytes against %d: %v)", label, f.Name(), len(b), len(a), err)
		}
	}
}
