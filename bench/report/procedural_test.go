package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestProcRatios: the procedural table takes each build's median per size
// over the runs, judges now over before against 4×, and leaves out a size
// only one build measured and lines of other builds.
func TestProcRatios(t *testing.T) {
	dir := t.TempDir()
	p := writeResults(t, dir, "results.txt", `cpu: AMD EPYC
go version go1.26.8 linux/amd64
base=a1b2c3d head=e4f5a6b count=3
procedural build=base run=1 n=10000 neuron_steps_per_s=100000000 spread=0.010
procedural build=head run=1 n=10000 neuron_steps_per_s=450000000 spread=0.010
procedural build=base run=2 n=10000 neuron_steps_per_s=120000000 spread=0.010
procedural build=head run=2 n=10000 neuron_steps_per_s=500000000 spread=0.010
procedural build=base run=3 n=10000 neuron_steps_per_s=900000000 spread=0.010
procedural build=head run=3 n=10000 neuron_steps_per_s=480000000 spread=0.010
procedural build=base run=1 n=1000000 neuron_steps_per_s=150000000 spread=0.010
procedural build=head run=1 n=1000000 neuron_steps_per_s=525000000 spread=0.010
procedural build=head run=1 n=10000000 neuron_steps_per_s=525000000 spread=0.010
procedural build=other run=1 n=1000000 neuron_steps_per_s=1 spread=0.010
`)
	var w bytes.Buffer
	procRatios(&w, []string{p})
	out := w.String()
	wantAll(t, out,
		"## Procedural weights",
		"(AMD EPYC)",
		"leaky at a1b2c3d",
		"| 10000 | 120 M | 480 M | 4.00× | ≥ 4× | yes |",
		"| 1000000 | 150 M | 525 M | 3.50× | ≥ 4× | **no** |",
	)
	if strings.Contains(out, "| 10000000 |") {
		t.Errorf("a size without a base figure was written:\n%s", out)
	}
	var none bytes.Buffer
	procRatios(&none, []string{writeResults(t, dir, "other.txt", "cpu: AMD EPYC\n")})
	if none.Len() != 0 {
		t.Errorf("a table without runs:\n%s", none.String())
	}
}
