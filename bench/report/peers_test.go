package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteCRatios(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "results.txt")
	lines := `cvs: leaky kernel=avx2 vs C (gcc -O3 -mavx2 -mfma -ffp-contract=off), 21 alternating repetitions, go1.26.8
cvs LeakyUpdate n=1000 c=4e+09 leaky=5e+09 neuron-steps/s ratio=1.250 (medians of 21; ratio range 1.1–1.3; best c=4.1e+09 leaky=5.2e+09)
cvs AccumulateRows n=1000 c=3e+09 leaky=2e+10 events/s ratio=6.600 (medians of 21; ratio range 6–7; best c=3e+09 leaky=2e+10)
cvs: leaky kernel=avx2 vs C (gcc -O3 -mavx2 -mfma -ffp-contract=off), 21 alternating repetitions, go1.26.8
cvs LeakyUpdate n=1000 c=5e+09 leaky=3.5e+09 neuron-steps/s ratio=0.700 (medians of 21; ratio range 0.6–0.8; best c=5e+09 leaky=4e+09)
cvs LeakyUpdate n=1000 c=4.5e+09 leaky=4e+09 neuron-steps/s ratio=0.800 (medians of 21; ratio range 0.6–0.9; best c=5e+09 leaky=4e+09)
not a cvs line ratio=9
`
	if err := os.WriteFile(p, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	writeCRatios(&w, []string{p})
	out := w.String()
	// Three LeakyUpdate runs: the median ratio is 0.80, below 0.85;
	// median C rate 4.5 G, median leaky rate 4 G.
	for _, want := range []string{
		"leaky's avx2 kernels",
		"| LeakyUpdate | 1000 | 4.50 G neuron-steps/s | 4.00 G neuron-steps/s | 0.80 | ≥ 0.85 | **no** |",
		"| AccumulateRows | 1000 | 3.00 G events/s | 20.0 G events/s | 6.60 | ≥ 0.85 | yes |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	var none bytes.Buffer
	writeCRatios(&none, []string{filepath.Join(dir, "absent.txt")})
	if !strings.Contains(none.String(), "has not been run") {
		t.Errorf("no results should say so, got %q", none.String())
	}
}
