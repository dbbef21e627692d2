package session

import (
	"slices"
	"testing"

	"leaky/netfile"
)

// TestSimRecordersLeaveFused checks that what a Sim records (spikes, V,
// Iin of a few neurons) leaves a feed-forward population free to step
// fused, as the engine's own recorders do, and that recording all of Iin
// keeps it to phases: a Sim's recorders that did not say what they read
// kept every Python and C caller on the slower path.
func TestSimRecordersLeaveFused(t *testing.T) {
	for _, c := range []struct {
		vars    []string
		neurons []int
		want    string
	}{
		{[]string{"spikes"}, nil, "fused"},
		{[]string{"v", "spikes"}, nil, "fused"},
		{[]string{"isyn"}, nil, "fused"},
		{[]string{"iinp"}, []int{0, 5, 199}, "fused"},
		{[]string{"iinp"}, nil, "phases"},
	} {
		ff := netfile.DefaultFeedForward()
		ff.Steps, ff.Neurons, ff.Rate, ff.Record = 50, 200, 40, nil
		d, err := ff.File(nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(d, Options{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Record("lif", c.vars, c.neurons); err != nil {
			t.Fatal(err)
		}
		got := s.impl.(*sim[float32]).net.Net.Stepping()
		s.Close()
		if !slices.Equal(got, []string{c.want}) {
			t.Errorf("recording %v: stepping %v, want %s", c.vars, got, c.want)
		}
	}
}
