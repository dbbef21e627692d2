package netfile_test

import (
	"path/filepath"
	"testing"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/netfile"
)

// TestCheckpointResumesExactly runs examples/small.yaml — two receptors,
// refractory counters, a delayed projection — for 300 steps, checkpoints,
// runs 300 more, and checks that a fresh network restored from the
// checkpoint reaches the same state bit for bit: the new neuron and delay
// state is all listed by StateVars.
func TestCheckpointResumesExactly(t *testing.T) {
	f := load(t, "../examples/small.yaml")
	a, err := netfile.Build[float32](f)
	if err != nil {
		t.Fatal(err)
	}
	stateOf(t, a.Net, 300)
	path := filepath.Join(t.TempDir(), "small.ckpt")
	desc := checkpoint.Description{{Key: "net", Value: "small"}}
	if err := checkpoint.Save(path, a.Net, engine.Version, desc, nil); err != nil {
		t.Fatal(err)
	}
	want := stateOf(t, a.Net, 300)

	b, err := netfile.Build[float32](load(t, "../examples/small.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Load(path, b.Net, engine.Version, desc); err != nil {
		t.Fatal(err)
	}
	got := stateOf(t, b.Net, 300)
	for _, name := range []string{"pop/exc/I1", "pop/exc/refractory", "pop/exc/delayed1", "pop/exc/delay_head"} {
		if _, ok := want[name]; !ok {
			t.Fatalf("%s is not in the network's state", name)
		}
	}
	sameState(t, "resumed", got, want)
}
