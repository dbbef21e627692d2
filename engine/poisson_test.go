package engine

import (
	"slices"
	"testing"
)

// TestPoissonSilentShortcut checks that skipping the logarithm for a trial
// whose first uniform lies below Poisson.silent draws exactly the spikes of
// the full geometric draw, for sources where most trials are silent, some
// are not, and where a trial is silent at about the rate the shortcut
// begins to miss (prob·N near 1).
func TestPoissonSilentShortcut(t *testing.T) {
	for _, c := range []struct {
		n          int
		rate, dt   float64
		wantSilent bool
	}{
		{1, 5, 0.5e-3, true},
		{100, 5, 0.5e-3, true},
		{1000, 20, 0.1e-3, true},
		{100000, 5, 0.5e-3, false},
	} {
		fast, err := NewPoisson[float32]("in", 3, c.n, c.rate, c.dt, 7, 1)
		if err != nil {
			t.Fatal(err)
		}
		full, _ := NewPoisson[float32]("in", 3, c.n, c.rate, c.dt, 7, 1)
		full.silent = 0
		silent := 0
		for step := 0; step < 20000; step++ {
			fast.EmitTrials(step, 0, 3)
			full.EmitTrials(step, 0, 3)
			for b := 0; b < 3; b++ {
				if !slices.Equal(fast.Events(b), full.Events(b)) {
					t.Fatalf("n=%d rate=%v: step %d trial %d: shortcut gives %v, the full draw %v", c.n, c.rate, step, b, fast.Events(b), full.Events(b))
				}
				if len(full.Events(b)) == 0 {
					silent++
				}
			}
		}
		if c.wantSilent && (silent == 0 || silent == 60000) {
			t.Errorf("n=%d rate=%v: %d of 60000 trials silent; the comparison needs both kinds", c.n, c.rate, silent)
		}
	}
}
