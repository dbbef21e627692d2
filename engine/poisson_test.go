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

// TestPoissonSeedChanged: a source whose Seed is changed after it was made
// draws what a source made with that seed draws, from the next step on.
func TestPoissonSeedChanged(t *testing.T) {
	a, err := NewPoisson[float32]("a", 3, 200, 50, 1e-3, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewPoisson[float32]("b", 3, 200, 50, 1e-3, 9, 0)
	if err != nil {
		t.Fatal(err)
	}
	a.Seed = 9
	for step := range 20 {
		a.Emit(step)
		b.Emit(step)
		for tr := range 3 {
			if !slices.Equal(a.Events(tr), b.Events(tr)) {
				t.Fatalf("step %d trial %d: %v after the seed changed, %v with it from the start", step, tr, a.Events(tr), b.Events(tr))
			}
		}
	}
	if a.Emitted() == 0 {
		t.Fatal("no spikes drawn")
	}
}
