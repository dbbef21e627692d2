package engine_test

import (
	"strings"
	"testing"

	"leaky/engine"
)

// TestMemoryMatchesAllocation checks the population estimate against the
// arrays NewPopulation actually allocates.
func TestMemoryMatchesAllocation(t *testing.T) {
	for _, c := range []struct{ batch, n int }{{1, 1}, {3, 70}, {2, 1000}} {
		pop, err := engine.NewPopulation[float32]("p", c.batch, c.n, engine.DefaultNeuron())
		if err != nil {
			t.Fatal(err)
		}
		var m engine.Memory
		if err := m.AddPopulation("p", 4, c.batch, c.n); err != nil {
			t.Fatal(err)
		}
		want := int64(3*len(pop.V)*4 + len(pop.Spikes)*8 + c.batch*c.n*4)
		if m.State != want {
			t.Errorf("batch %d, n %d: estimate %d bytes, allocation %d", c.batch, c.n, m.State, want)
		}
		if m.Neurons != int64(c.batch*c.n) {
			t.Errorf("neurons %d, want %d", m.Neurons, c.batch*c.n)
		}
	}
	var m engine.Memory
	if err := m.AddPopulation("p", 8, 1, 64); err != nil {
		t.Fatal(err)
	}
	// 64 float64 neurons: 3 × 512 bytes, one mask word, 64 × 4 for spikes.
	if got, want := m.StatePerNeuron(), float64(3*512+8+256)/64; got != want {
		t.Errorf("state per neuron %v, want %v", got, want)
	}
	if err := m.AddWeights("w", 8, 100, 64); err != nil {
		t.Fatal(err)
	}
	if err := m.AddRecorderSteps("v", 10, 1, 64, 8); err != nil {
		t.Fatal(err)
	}
	if m.Total() != m.State+100*64*8+10*64*8 {
		t.Errorf("total %d", m.Total())
	}
}

// TestMemoryRefusesHugeSizes checks that sizes past what can be addressed
// or counted are errors naming the part, never panics or wrapped numbers.
func TestMemoryRefusesHugeSizes(t *testing.T) {
	var m engine.Memory
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"neurons 1e12", m.AddPopulation("lif", 4, 1, 1e12), `population "lif": 1 trials × 1000000000000 neurons is more than`},
		{"zero", m.AddPopulation("lif", 4, 0, 10), "must both be at least 1"},
		{"weights", m.AddWeights("in->lif", 4, 1e6, 1e6), `projection "in->lif": 1000000 × 1000000 weights`},
		{"weights overflow", m.AddWeights("in->lif", 4, 1<<40, 1<<40), "overflows 64 bits"},
		{"trace", m.AddRecorderSteps("v", 1<<40, 1, 1000, 4), `recorder "v": 1099511627776 steps`},
		{"trace overflow", m.AddRecorderSteps("v", 1<<62, 4, 1000, 4), "overflows 64 bits"},
		{"negative", m.AddInput("x", -1, 4), "negative"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, c.err, c.want)
		}
	}
	if m.Total() != 0 {
		t.Errorf("refused parts were counted: total %d", m.Total())
	}
}
