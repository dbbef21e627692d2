package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteCRatios(t *testing.T) {
	dir := t.TempDir()
	lines := `cvs: leaky kernel=avx2 vs C (gcc -O3 -mavx2 -mfma -ffp-contract=off), 21 alternating repetitions, go1.26.8
cvs LeakyUpdate n=1000 c=4e+09 leaky=5e+09 neuron-steps/s ratio=1.250 (medians of 21; ratio range 1.1–1.3; best c=4.1e+09 leaky=5.2e+09)
cvs AccumulateRows n=1000 c=3e+09 leaky=2e+10 events/s ratio=6.600 (medians of 21; ratio range 6–7; best c=3e+09 leaky=2e+10)
cvs: leaky kernel=avx2 vs C (gcc -O3 -mavx2 -mfma -ffp-contract=off), 21 alternating repetitions, go1.26.8
cvs LeakyUpdate n=1000 c=5e+09 leaky=3.5e+09 neuron-steps/s ratio=0.700 (medians of 21; ratio range 0.6–0.8; best c=5e+09 leaky=4e+09)
cvs LeakyUpdate n=1000 c=4.5e+09 leaky=4e+09 neuron-steps/s ratio=0.800 (medians of 21; ratio range 0.6–0.9; best c=5e+09 leaky=4e+09)
not a cvs line ratio=9
`
	p := writeResults(t, dir, "results.txt", lines)
	var w bytes.Buffer
	writeCRatios(&w, []string{p})
	out := w.String()
	// Three LeakyUpdate runs: the median ratio is 0.80, below 0.85;
	// median C rate 4.5 G, median leaky rate 4 G.
	wantAll(t, out,
		"leaky's avx2 kernels",
		"| LeakyUpdate | 1000 | 4.50 G neuron-steps/s | 4.00 G neuron-steps/s | 0.80 | ≥ 0.85 | **no** |",
		"| AccumulateRows | 1000 | 3.00 G events/s | 20.0 G events/s | 6.60 | ≥ 0.85 | yes |",
	)
	var none bytes.Buffer
	writeCRatios(&none, []string{filepath.Join(dir, "absent.txt")})
	if !strings.Contains(none.String(), "has not been run") {
		t.Errorf("no results should say so, got %q", none.String())
	}
}

// TestPeerRatios: CUBA and COBA pair BenchmarkCUBA/COBA with Brian2 at the
// same thread count (a Brian2 CUBA line without threads= is one thread),
// SHD pairs with PyTorch, leaky's median over the runs against the peer's
// best run, judged against
// issue 4's and issue 16's targets.
func TestPeerRatios(t *testing.T) {
	dir := t.TempDir()
	lines := `BenchmarkCUBA/threads=1-2 3 14000000 ns/op 5.8 Hz 0.0100 wall-s/sim-s
BenchmarkCUBA/threads=1-2 3 14000000 ns/op 5.8 Hz 0.0200 wall-s/sim-s
BenchmarkCUBA/threads=1-2 3 14000000 ns/op 5.8 Hz 0.0150 wall-s/sim-s
BenchmarkCUBA/threads=2-2 3 14000000 ns/op 5.8 Hz 0.0050 wall-s/sim-s
BenchmarkCOBA/threads=1-2 3 14000000 ns/op 19 Hz 0.0100 wall-s/sim-s
BenchmarkSHD/threads=1-2 3 9695940 ns/op 22.87 hidden-Hz 30000 samples/s
brian2 cuba sim_s=5.0 wall_s=5.9 run_s=0.2 rtf=0.0600 rate_hz=5.58 spikes=111661
brian2 cuba threads=1 sim_s=5.0 wall_s=5.9 run_s=0.2 rtf=0.0400 rate_hz=5.58 spikes=111661
brian2 cuba threads=1 sim_s=5.0 wall_s=5.9 run_s=0.2 rtf=0.0800 rate_hz=5.58 spikes=111661
brian2 cuba threads=2 sim_s=5.0 wall_s=5.9 run_s=0.2 rtf=0.0600 rate_hz=5.58 spikes=111661
brian2 coba threads=1 networks=1 sim_s=5.0 wall_s=4.9 run_s=0.3 rtf=0.1000 rate_hz=20 rates_hz=20 spikes=1
torch shd threads=1 torch=1.13.0a0 best_s=0.09 samples_per_s=3000.0
`
	p := writeResults(t, dir, "results.txt", lines)
	var w bytes.Buffer
	peerRatios(&w, []string{p})
	out := w.String()
	wantAll(t, out,
		"| CUBA, 1 thread(s) (wall s per simulated s) | 0.0150 | Brian2 0.0400 | 2.67× | ≥ 3× (issue 4); ≥ 10× (issue 16) | **no**; **no** |",
		"| CUBA, 2 thread(s) (wall s per simulated s) | 0.0050 | Brian2 0.0600 | 12.00× | ≥ 10× (issue 16) | yes |",
		"| COBA, 1 thread(s) (wall s per simulated s) | 0.0100 | Brian2 0.1000 | 10.00× | ≥ 10× (issue 16) | yes |",
		"| SHD, 1 thread(s) (samples/s) | 30000 | PyTorch 3000 | 10.00× | ≥ 5× | yes |",
	)
	if strings.Contains(out, "COBA, 2") || strings.Contains(out, "SHD, 2") {
		t.Errorf("a row without its peer:\n%s", out)
	}
}
