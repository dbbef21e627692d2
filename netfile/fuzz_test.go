package netfile_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"leaky/netfile"
)

// Caps on what FuzzParse builds and runs, so that every input takes
// milliseconds: a file over them is parsed and estimated but not built.
const (
	fuzzNeurons = 4096    // neurons × trials over all populations and sources
	fuzzPairs   = 1 << 18 // pre × post of any projection
	fuzzDelay   = 64      // steps of any delay
	fuzzSteps   = 4       // steps run
)

// FuzzParse parses arbitrary bytes as a network file. No input may panic:
// a file is refused with one line naming the file, or it parses, its
// printed description parses back into the same one, its memory estimate
// is made (sizes that overflow are errors), and, when it is
// small and refers to no .npy files, it is built and run for a few steps.
// The seed corpus in testdata/fuzz/FuzzParse holds the examples and
// malformed files (truncated, unknown keys, huge sizes, NaN, aliases).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		nf, err := netfile.Parse("fuzz.yaml", data)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.yaml") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		// What Marshal prints parses back into the same description.
		out, err := nf.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := netfile.Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("the printed description does not parse: %v\n%s", err, out)
		}
		a, errA := nf.Fields()
		b, errB := again.Fields()
		if errA != nil || errB != nil || !slices.Equal(a, b) {
			t.Fatalf("printing changed the description:\n%s", out)
		}
		// Files it refers to could be anything on this machine (a pipe, a
		// device): a network with data files stops at parsing.
		if len(nf.DataFiles()) > 0 {
			return
		}
		for _, elem := range []int{4, 8} {
			if _, err := nf.Memory(elem, true); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("estimate error spans lines: %q", err)
			}
		}
		if !fuzzSmall(nf) {
			return
		}
		n, err := netfile.Build[float32](nf)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("build error spans lines: %q", err)
			}
			return
		}
		defer n.Net.Close()
		if err := n.Net.Run(context.Background(), min(*nf.Run.Steps, fuzzSteps), nil); err != nil {
			t.Fatalf("a built network failed to run: %v", err)
		}
	})
}

// fuzzSmall reports whether nf is within the caps FuzzParse builds.
func fuzzSmall(nf *netfile.File) bool {
	batch := *nf.Run.Batch
	size := map[string]int{}
	total := 0
	for _, p := range nf.Populations {
		size[p.Name] = p.Size
		total += p.Size
	}
	for _, s := range nf.Sources {
		if s.Poisson != nil {
			size[s.Name] = s.Poisson.Size
			total += s.Poisson.Size
		}
	}
	if batch > fuzzNeurons || total > fuzzNeurons/batch {
		return false
	}
	for _, p := range nf.Projections {
		if size[p.Source]*size[p.Target] > fuzzPairs || p.Delay > fuzzDelay {
			return false
		}
	}
	return true
}
