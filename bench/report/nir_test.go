package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestNIRRatios: the NIR table pairs BenchmarkNIR's samples/s with
// torch_nir.py's at the same network, batch and threads, takes medians over
// the runs, judges each against its network's target, and is left out when
// either side is missing.
func TestNIRRatios(t *testing.T) {
	dir := t.TempDir()
	lines := `cpu: AMD EPYC
BenchmarkNIR/net=braille/batch=256/threads=1-2         	       3	  15945787 ns/op	     60000 samples/s	       703.5 spikes/sample
BenchmarkNIR/net=braille/batch=256/threads=1-2         	       3	  15945787 ns/op	     40000 samples/s	       703.5 spikes/sample
BenchmarkNIR/net=braille/batch=256/threads=1-2         	       3	  15945787 ns/op	     50000 samples/s	       703.5 spikes/sample
BenchmarkNIR/net=cnn/batch=64/threads=2-2              	       3	  61950840 ns/op	      1000 samples/s	      8002 spikes/sample
BenchmarkNIR/net=cnn/batch=64/threads=1-2              	       3	  61950840 ns/op	       600 samples/s	      8002 spikes/sample
BenchmarkNIR/net=other/batch=8/threads=1-2             	       3	  61950840 ns/op	       100 samples/s	      8002 spikes/sample
BenchmarkNIR/broken-2 3 1 ns/op 5 samples/s
torch nir net=braille batch=256 steps=256 threads=1 torch=1.13.0a0 best_s=0.0258 median_s=0.0259 samples_per_s=10000.0 median_samples_per_s=9896.8
torch nir net=cnn batch=64 steps=30 threads=1 torch=1.13.0a0 best_s=0.0850 median_s=0.0852 samples_per_s=400.0 median_samples_per_s=350.9
torch nir net=cnn batch=64 steps=30 threads=1 torch=1.13.0a0 best_s=0.0850 median_s=0.0852 samples_per_s=200.0 median_samples_per_s=150.9
torch nir net=cnn batch=64 steps=30 threads=2 torch=1.13.0a0 best_s=0.0850 median_s=0.0852 samples_per_s=800.0 median_samples_per_s=750.9
torch nir net=other batch=8 steps=30 threads=1 torch=1.13.0a0 best_s=0.0850 median_s=0.0852 samples_per_s=50.0 median_samples_per_s=50
`
	p := writeResults(t, dir, "results.txt", lines)
	var w bytes.Buffer
	nirRatios(&w, []string{p})
	out := w.String()
	// braille: median of 40k, 50k, 60k over 10k; the CNN on one thread: 600
	// over the median of 200 and 400.
	wantAll(t, out,
		"## NIR graphs",
		"PyTorch 1.13.0a0",
		"| braille (snnTorch: 12 → 38 recurrent CubaLIF → 7 CubaLIF, 256 steps of 0.1 ms) | 256 | 1 | 50000 | 10000 | 5.00× | ≥ 5× | yes |",
		"| 64 | 1 | 600 | 300 | 2.00× | ≥ 2× | yes |",
		"| 64 | 2 | 1000 | 800 | 1.25× | ≥ 2× | **no** |",
		"| other | 8 | 1 | 100 | 50 | 2.00× | — | — |",
	)
	if strings.Contains(out, "broken") {
		t.Errorf("a malformed name was read:\n%s", out)
	}
	// Rows in order: braille, the CNN by threads, then the others.
	if b, c1, c2, o := strings.Index(out, "| braille"), strings.Index(out, "| 64 | 1 |"), strings.Index(out, "| 64 | 2 |"), strings.Index(out, "| other"); !(b < c1 && c1 < c2 && c2 < o) {
		t.Errorf("rows out of order:\n%s", out)
	}

	// Only leaky's side measured: no table.
	q := writeResults(t, dir, "leaky-only.txt", strings.Split(lines, "torch nir")[0])
	var none bytes.Buffer
	nirRatios(&none, []string{q, filepath.Join(dir, "absent.txt")})
	if none.Len() != 0 {
		t.Errorf("a table without PyTorch figures:\n%s", none.String())
	}
}

func TestParseNIRName(t *testing.T) {
	for _, c := range []struct {
		name string
		want nirKey
		ok   bool
	}{
		{"BenchmarkNIR/net=cnn/batch=64/threads=2-8", nirKey{"cnn", 64, 2}, true},
		{"BenchmarkNIR/net=braille/batch=256/threads=1", nirKey{"braille", 256, 1}, true},
		{"BenchmarkNIR/net=/batch=256/threads=1-2", nirKey{}, false},
		{"BenchmarkNIR/net=cnn/threads=1-2", nirKey{}, false},
		{"BenchmarkSHD/threads=1-2", nirKey{}, false},
		{"BenchmarkNIR/net=cnn/batch=x/threads=1-2", nirKey{}, false},
	} {
		got, ok := parseNIRName(c.name)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%s: %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
