package session_test

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"leaky/netfile"
	"leaky/session"
)

// TestSummaryPerNeuron: a population whose receptor e's τ_syn and whose θ
// differ between its neurons reports their ranges — per receptor, receptor
// i's equal ends — with α and the v_reset that follows θ (θ − 1), and
// nothing else; a uniform population reports none.
func TestSummaryPerNeuron(t *testing.T) {
	const text = `
run: {dt: 0.001, steps: 30}
sources:
  - {name: in, poisson: {size: 4, rate: 100}}
populations:
  - name: a
    size: 3
    params: {tau_mem: 0.02, v_threshold: [1, 1.5, 1.2], receptors: [{name: e, tau_syn: [0.004, 0.006, 0.005]}, {name: i, tau_syn: 0.01}]}
  - {name: b, size: 2, params: {tau_mem: 0.02, tau_syn: 0.005}}
projections:
  - {source: in, target: a, type: dense, weight: 1, receptor: e}
  - {source: in, target: b, type: dense, weight: 1}
`
	d, err := netfile.Parse("per.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Run(context.Background(), d, session.Options{Out: filepath.Join(t.TempDir(), "out")})
	if err != nil {
		t.Fatal(err)
	}
	alpha := func(tau float64) float64 { return math.Exp(-0.001 / tau) }
	want := &session.PerNeuronRanges{
		TauSyn:    []session.Range{{Min: 0.004, Max: 0.006}, {Min: 0.01, Max: 0.01}},
		Alpha:     []session.Range{{Min: alpha(0.004), Max: alpha(0.006)}, {Min: alpha(0.01), Max: alpha(0.01)}},
		Threshold: &session.Range{Min: 1, Max: 1.5},
		VReset:    &session.Range{Min: 0, Max: 0.5},
	}
	if got := s.Populations[0].PerNeuron; !reflect.DeepEqual(got, want) {
		t.Errorf("a: per_neuron %+v; want %+v", got, want)
	}
	if a := s.Populations[0]; a.TauSyn[0] != 0.004 || *a.Threshold != 1 {
		t.Errorf("a: τ_syn %v, θ %v; want neuron 0's, 0.004 and 1", a.TauSyn, *a.Threshold)
	}
	if got := s.Populations[1].PerNeuron; got != nil {
		t.Errorf("b: per_neuron %+v; want none", got)
	}
}
