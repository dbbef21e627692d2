package nir

import (
	"fmt"
	shared "leaky/internal/fixtures"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtures is ../shared/nir beside the repository: real files from the NIR
// repository (see internal/fixtures for when they are missing).
func fixtures(t *testing.T) string {
	t.Helper()
	return shared.NIR(t)
}

// TestRealFiles loads every fixture and checks what it is.
func TestRealFiles(t *testing.T) {
	dir := fixtures(t)
	cases := []struct {
		file, version string
		nodes         int // computing nodes after inlining
		delayed       int
	}{
		{"lif_norse.nir", "0.1.1", 2, 0},
		{"two_lif_neurons.nir", "0.2.0", 4, 0},
		{"braille_noDelay_bias_zero.nir", "0.2.0", 5, 1},
		{"braille_noDelay_noBias_subtract.nir", "0.2.0", 5, 1},
		{"cnn_sinabs.nir", "0.2.0", 13, 0},
		{"synthetic_gzip_cubalif_li.nir", "1.0.8-test", 4, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			m, err := Open(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := m.Flatten()
			if err != nil {
				t.Fatal(err)
			}
			delayed := 0
			for _, e := range f.Edges {
				if e.Delayed {
					delayed++
				}
			}
			if m.Version != c.version || len(f.Nodes) != c.nodes || delayed != c.delayed {
				t.Errorf("version %q, %d nodes, %d delayed edges; want %q, %d, %d", m.Version, len(f.Nodes), delayed, c.version, c.nodes, c.delayed)
			}
		})
	}
	m, err := Open(filepath.Join(dir, "cnn_sinabs.nir"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"0": "[2, 34, 34] [16, 16, 16]", "4": "[16, 16, 16] [16, 8, 8]", "8": "[8, 4, 4] [128]", "12": "[10] [10]"} {
		n := m.Graph.Node(name)
		if got := shapeString(n.In) + " " + shapeString(n.Out); got != want {
			t.Errorf("cnn node %s: %s, want %s", name, got, want)
		}
	}
	lif := func() *Node { m, _ := Open(filepath.Join(dir, "lif_norse.nir")); return m.Graph.Node("1") }()
	if v, _ := lif.Params["tau"].Uniform(); float32(v) != 0.0025 {
		t.Errorf("lif_norse tau %v", v)
	}
}

// TestRealBrokenFiles: the malformed nested braille file and Rockpool's
// re-export (whose Output shape [1, 1, 1] holds the neuron's one value).
func TestRealBrokenFiles(t *testing.T) {
	dir := fixtures(t)
	_, err := Open(filepath.Join(dir, "braille_noDelay_bias_zero_subgraph.nir"))
	want := `braille_noDelay_bias_zero_subgraph.nir: node lif1: edges[0] target "lif" is not a node of graph lif1 (its nodes are input, lif1, lin, output)`
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("nested file: %v\nwant …%s", err, want)
	}
	if _, err := Open(filepath.Join(dir, "lif_rockpool.nir")); err != nil {
		t.Errorf("rockpool: %v", err)
	}
	p := filepath.Join(t.TempDir(), "cut.nir")
	b, err := os.ReadFile(filepath.Join(dir, "lif_norse.nir"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 8, 100, 1000, len(b) / 2, len(b) - 1} {
		if err := os.WriteFile(p, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p)
		if err == nil || !strings.HasPrefix(err.Error(), p+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
}

// readCSV reads a trace of lif_traces: columns input, v, spike.
func readCSV(t *testing.T, path string) (input, v []float64, spikes []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var x, y, s float64
		if _, err := fmt.Sscanf(line, "%g,%g,%g", &x, &y, &s); err != nil {
			t.Fatalf("%s line %d: %v", path, i+1, err)
		}
		input, v = append(input, x), append(v, y)
		if s != 0 {
			spikes = append(spikes, i)
		}
	}
	return input, v, spikes
}
