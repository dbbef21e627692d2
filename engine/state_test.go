package engine_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"leaky/engine"
)

// TestCloneCopyState: a clone is a snapshot that CopyState puts back, after
// which the network replays exactly the steps it ran from there.
func TestCloneCopyState(t *testing.T) {
	cfg := engine.DefaultFeedForward()
	cfg.Neurons, cfg.Batch, cfg.Inputs, cfg.Rate = 130, 2, 100, 40
	ff, err := engine.NewFeedForward[float32](cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := ff.Net.Run(ctx, 25, nil); err != nil {
		t.Fatal(err)
	}
	snap, err := engine.CloneState(ff.Net.StateVars())
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(snap, ff.Net.StateVars()); err != nil {
		t.Fatalf("fresh clone differs: %v", err)
	}
	if err := ff.Net.Run(ctx, 40, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := engine.CloneState(ff.Net.StateVars())
	// The clone did not follow the network: its step counter and V are
	// the old ones.
	if err := engine.SameState(snap, ff.Net.StateVars()); err == nil || !strings.Contains(err.Error(), "network/step") {
		t.Fatalf("clone should differ from the stepped network at network/step, got %v", err)
	}
	if err := engine.CopyState(ff.Net.StateVars(), snap); err != nil {
		t.Fatal(err)
	}
	ff.Net.Restored()
	if ff.Net.StepIndex() != 25 {
		t.Fatalf("restored step %d, want 25", ff.Net.StepIndex())
	}
	if err := ff.Net.Run(ctx, 40, nil); err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(after, ff.Net.StateVars()); err != nil {
		t.Fatalf("replay from the copied state differs: %v", err)
	}
}

func TestCopyStateRefusesMismatch(t *testing.T) {
	v := []float32{1, 2, 3}
	n := 7
	good := []engine.StateVar{{Name: "a", Data: v}, {Name: "n", Data: &n}}
	for _, c := range []struct {
		name string
		src  []engine.StateVar
		want string
	}{
		{"count", good[:1], "1 variables into 2"},
		{"name", []engine.StateVar{{Name: "b", Data: []float32{0, 0, 0}}, good[1]}, `"a", not "b"`},
		{"length", []engine.StateVar{{Name: "a", Data: []float32{0, 0}}, good[1]}, "[]float32 of 2 into a []float32 of 3"},
		{"kind", []engine.StateVar{{Name: "a", Data: []float64{0, 0, 0}}, good[1]}, "[]float64 of 3 into a []float32 of 3"},
		// The first variable would copy; the second is refused, so
		// neither may be written.
		{"scalar", []engine.StateVar{{Name: "a", Data: []float32{9, 9, 9}}, {Name: "n", Data: new(int64)}}, "*int64 into a *int"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := engine.CopyState(good, c.src)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if v[0] != 1 || v[1] != 2 || v[2] != 3 || n != 7 {
				t.Fatalf("a refused copy changed the state: %v %d", v, n)
			}
		})
	}
	if _, err := engine.CloneState([]engine.StateVar{{Name: "x", Data: "text"}}); err == nil || !strings.Contains(err.Error(), `"x" holds a string`) {
		t.Fatalf("CloneState of a string: %v", err)
	}
}

func TestSameStateBits(t *testing.T) {
	neg := []engine.StateVar{{Name: "v", Data: []float64{1, math.Copysign(0, -1)}}}
	pos := []engine.StateVar{{Name: "v", Data: []float64{1, 0}}}
	if err := engine.SameState(neg, pos); err == nil || !strings.Contains(err.Error(), "element 1") {
		t.Fatalf("-0 and +0 must differ in bits at element 1, got %v", err)
	}
	if err := engine.SameState(neg, neg); err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(neg, []engine.StateVar{{Name: "v", Data: []float32{1, 0}}}); err == nil {
		t.Fatal("different kinds compared equal")
	}
}

// TestCloseThenStep: Close stops the workers, and stepping afterwards must
// start them again and carry on exactly as if the network had not been
// closed (it used to step into the closed pool).
func TestCloseThenStep(t *testing.T) {
	build := func() *engine.FeedForward[float32] {
		cfg := engine.DefaultFeedForward()
		cfg.Neurons, cfg.Inputs, cfg.Rate = 20000, 50, 40
		ff, err := engine.NewFeedForward[float32](cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ff.Net.SetThreads(2)
		return ff
	}
	ctx := context.Background()
	whole, closed := build(), build()
	if err := whole.Net.Run(ctx, 30, nil); err != nil {
		t.Fatal(err)
	}
	if err := closed.Net.Run(ctx, 10, nil); err != nil {
		t.Fatal(err)
	}
	closed.Net.Close()
	if err := closed.Net.Run(ctx, 20, nil); err != nil {
		t.Fatal(err)
	}
	whole.Net.Close()
	closed.Net.Close()
	if err := engine.SameState(whole.Net.StateVars(), closed.Net.StateVars()); err != nil {
		t.Fatalf("closing between steps changed the run: %v", err)
	}
}
