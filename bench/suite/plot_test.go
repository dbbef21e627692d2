package suite

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"leaky/internal/atomicfile"
)

// TestPlotsWrittenWhole checks that the charts go through atomicfile:
// each PNG holds exactly the bytes gonum's own Save writes, and no
// temporary file is left behind.
func TestPlotsWrittenWhole(t *testing.T) {
	data, err := os.ReadFile("../out/suite.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names, err := WriteKernelPlots(&r, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no kernel charts written")
	}
	ref := t.TempDir()
	for _, k := range KernelNames {
		p, err := PlotKernel(&r, k)
		if err != nil || p == nil {
			continue
		}
		name := filepath.Join(ref, strings.ToLower(k)+".png")
		if err := p.Save(7*vg.Inch, 4.5*vg.Inch, name); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(ref, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what plot.Save writes", n)
		}
	}
	if err := WritePlot(&r, filepath.Join(dir, "all.png")); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"+atomicfile.TempSuffix))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %q", left)
	}
}
