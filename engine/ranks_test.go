package engine_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"leaky/engine"
	"leaky/internal/fixtures"
	"leaky/internal/mpitest"
	"leaky/netfile"
)

// rankNets are the networks the tests split: every kind of part, with
// sizes that are not multiples of 64·K, empty blocks (a population of
// fewer words than ranks), delays, a non-spiking readout and batches.
var rankNets = map[string]string{
	"small": "../examples/small.yaml",
	"feedforward": `
run: {dt: 0.001, steps: 60, batch: 3, seed: 5}
sources:
  - {name: in, poisson: {size: 300, rate: 80}}
populations:
  - {name: hid, size: 1000, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: del, size: 130, params: {tau_mem: 0.02, tau_syn: 0.005}}
  - {name: out, kind: li, size: 70, params: {tau_mem: 0.02, tau_syn: 0.005}}
projections:
  - {source: in, target: hid, type: dense, weight: {normal: [0.05, 0.05]}}
  - {source: hid, target: del, type: sparse, p: 0.1, weight: 0.3, delay: 4}
  - {source: del, target: del, type: sparse, p: 0.2, weight: -0.2, delay: 2}
  - {source: del, target: out, type: dense, weight: default}
  - {source: out, target: hid, type: dense, weight: 0.01}
`,
	// Every projection out of a population is delayed by 3 steps or
	// more, into the same receptor from several delays and directions:
	// the ranks exchange every 3 steps.
	"delayed": `
run: {dt: 0.001, steps: 200, batch: 2, seed: 9}
sources:
  - {name: in, poisson: {size: 200, rate: 90}}
populations:
  - {name: a, size: 333, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: b, size: 97, params: {tau_mem: 0.02, tau_syn: 0.005, refractory: 0.002}}
projections:
  - {source: in, target: a, type: sparse, p: 0.3, weight: 0.4}
  - {source: in, target: b, type: dense, weight: {normal: [0.02, 0.05]}}
  - {source: a, target: b, type: sparse, p: 0.1, weight: 0.5, delay: 5}
  - {source: b, target: a, type: sparse, p: 0.2, weight: -0.3, delay: 3}
  - {source: a, target: a, type: dense, weight: {normal: [0.0, 0.02]}, delay: 4}
  - {source: b, target: b, type: sparse, p: 0.3, weight: 0.2, delay: 3}
`,
	// CUBA in small (sizes not multiples of 64·K): exc's spikes go into
	// receptor 0, inh's into receptor 1, so while exc's are exchanged inh
	// runs inh→inh (receptor 1), then exc→inh.
	"cuba": `
run: {dt: 0.0001, steps: 300, batch: 2, seed: 4}
populations:
  - name: exc
    size: 700
    params: &cuba
      tau_mem: 0.02
      receptors: [{name: exc, tau_syn: 0.005}, {name: inh, tau_syn: 0.01}]
      r: 1
      input_scale: leak
      v_leak: -49
      v_threshold: -50
      reset: value
      v_reset: -60
      refractory: 0.005
    init: {v: {uniform: [-60, -50]}}
  - {name: inh, size: 190, params: *cuba, init: {v: {uniform: [-60, -50]}}}
projections:
  - {source: exc, target: exc, type: sparse, p: 0.05, weight: 1.62, sign: excitatory, receptor: exc}
  - {source: exc, target: inh, type: sparse, p: 0.05, weight: 1.62, sign: excitatory, receptor: exc}
  - {source: inh, target: exc, type: sparse, p: 0.05, weight: 9, sign: inhibitory, receptor: inh}
  - {source: inh, target: inh, type: sparse, p: 0.05, weight: 9, sign: inhibitory, receptor: inh}
`,
	// Weights and so currents and potentials among the subnormals, which
	// every rank sets to zero after the same steps; a spikes at θ = 0, so
	// that the zeroing takes spikes away, the ones its CUBA update wrote
	// ahead among them.
	"subnormal": `
run: {dt: 0.001, steps: 200, batch: 2, seed: 21}
sources:
  - {name: in, poisson: {size: 100, rate: 60}}
populations:
  - name: a
    size: 330
    params: {tau_mem: 0.01, receptors: [{name: x, tau_syn: 0.005}, {name: y, tau_syn: 0.01}], v_threshold: 0, reset: value, v_reset: 0, refractory: 0.003}
  - {name: b, size: 150, params: {tau_mem: 0.01, receptors: [{name: x, tau_syn: 0.005}, {name: y, tau_syn: 0.01}]}}
projections:
  - {source: in, target: a, type: dense, weight: 1e-40, receptor: x}
  - {source: a, target: a, type: sparse, p: 0.2, weight: -2e-40, receptor: y}
  - {source: a, target: b, type: dense, weight: 1e-40, receptor: x}
  - {source: in, target: b, type: sparse, p: 0.3, weight: 1e-39, receptor: y}
`,
	// Into b's receptor x, a→b (a's spikes of this step) comes before
	// in→b, which must then wait for a's exchange too, or the sum would
	// change order; of those into y, in→b and b→b (the last step's
	// spikes) run early, the delayed a→b after a's exchange.
	"shared": sharedNet,
	// "shared" with b spiking on its integrated potential (Norse's
	// order), which its state before the step does not tell: the ranks
	// exchange after each population's update, overlapping b's early
	// projections with a's exchange.
	"norse": strings.Replace(sharedNet, "{name: b, size: 150, params: *two}", "{name: b, size: 150, params: {rule: norse, tau_mem: 0.01, receptors: [{name: x, tau_syn: 0.005}, {name: y, tau_syn: 0.01}]}}", 1),
	// No population projects onto another: the ranks exchange only for
	// rank 0's recorders, every maxWindow steps.
	"fed": `
run: {dt: 0.001, steps: 150, batch: 1, seed: 3}
sources:
  - {name: in, poisson: {size: 100, rate: 50}}
populations:
  - {name: hid, size: 3000, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {source: in, target: hid, type: dense, weight: {normal: [0.1, 0.1]}}
`,
}

// sharedNet is rankNets' "shared".
const sharedNet = `
run: {dt: 0.001, steps: 200, batch: 2, seed: 13}
sources:
  - {name: in, poisson: {size: 120, rate: 80}}
populations:
  - name: a
    size: 260
    params: &two {tau_mem: 0.01, receptors: [{name: x, tau_syn: 0.005}, {name: y, tau_syn: 0.01}]}
  - {name: b, size: 150, params: *two}
projections:
  - {source: in, target: a, type: sparse, p: 0.3, weight: 0.4, receptor: x}
  - {source: b, target: a, type: dense, weight: {normal: [0.0, 0.1]}, receptor: y}
  - {source: a, target: b, type: sparse, p: 0.2, weight: {normal: [0.3, 0.2]}, receptor: x}
  - {name: in-x, source: in, target: b, type: dense, weight: {normal: [0.05, 0.1]}, receptor: x}
  - {name: in-y, source: in, target: b, type: sparse, p: 0.2, weight: {normal: [0.2, 0.1]}, receptor: y}
  - {source: b, target: b, type: sparse, p: 0.2, weight: {normal: [-0.1, 0.1]}, receptor: y}
  - {source: a, target: b, type: dense, weight: {normal: [0.0, 0.05]}, receptor: y, delay: 2}
`

// rankWindows are the steps between exchanges each network allows.
var rankWindows = map[string]int{"subnormal": 1, "small": 1, "feedforward": 1, "delayed": 3, "fed": 64, "cuba": 1, "shared": 1, "norse": 1}

// rankAhead are the networks whose ranks exchange each step's spikes in
// one collective before it: every population spikes on the state it
// starts the step from (CUBA's refractory neurons, leaky's general
// neuron), none is non-spiking (small's and feedforward's readouts) or
// spikes on its integrated potential (norse's b), and the projections
// between them do not allow min-delay exchange.
var rankAhead = map[string]bool{"cuba": true, "shared": true, "subnormal": true}

// loadRankNet loads and checks rankNets[name], or the file name when it
// is none of them.
func loadRankNet(t *testing.T, name string) *netfile.File {
	t.Helper()
	src, ok := rankNets[name]
	var d *netfile.File
	var err error
	switch {
	case !ok:
		d, err = netfile.Load(name)
	case src[0] == '.':
		d, err = netfile.Load(src)
	default:
		d, err = netfile.Parse(name+".yaml", []byte(src))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	return d
}

// record runs d for steps steps on rank x of its world (nil: one
// process), built as that rank's share (netfile.BuildRank), with threads
// threads and returns what rank 0's recorders saw:
// every population's spikes, and V, I and Iin of every neuron of the
// first population and every other neuron of the rest (the neurons rank 0
// is told it traces), at every step. The other ranks return nil.
func record(t *testing.T, d *netfile.File, steps, threads int, x engine.Exchange, opts ...rankOpts) [][]float32 {
	t.Helper()
	rank, ranks := 0, 1
	if x != nil {
		rank, ranks = x.Rank(), x.Size()
	}
	net, err := netfile.BuildRank[float32](d, 1, rank, ranks)
	if err != nil {
		t.Error(err)
		return nil
	}
	n := net.Net
	n.SetThreads(threads)
	defer n.Close()
	var o rankOpts
	for _, opt := range opts {
		o = opt
	}
	traced := make([][]int, len(net.Pops))
	for i, p := range net.Pops {
		for j := 0; j < p.N && (i > 0 || !o.spikesOf0); j += 1 + min(i, 1) {
			traced[i] = append(traced[i], j)
		}
	}
	var traces []*engine.Trace[float32]
	if x == nil || x.Rank() == 0 {
		for i, p := range net.Pops {
			for _, v := range []engine.Var{engine.VarV, engine.VarI, engine.VarIin, engine.VarS} {
				neurons := traced[i]
				if v == engine.VarS {
					neurons = nil
				} else if len(neurons) == 0 {
					continue
				}
				tr, err := engine.NewTrace(p, v, neurons)
				if err != nil {
					t.Fatal(err)
				}
				traces = append(traces, tr)
				n.AddRecorder(tr)
			}
		}
	}
	if x != nil {
		if err := n.SetRanks(x, traced); err != nil {
			t.Error(err)
			return nil
		}
		if o.split != nil {
			o.split(n)
		}
	}
	// Two runs, the first ending inside a window.
	for _, k := range []int{steps / 3, steps - steps/3} {
		if err := n.Run(nil, k, nil); err != nil {
			t.Error(err)
			return nil
		}
	}
	var out [][]float32
	for _, tr := range traces {
		out = append(out, tr.Data)
	}
	return out
}

// rankOpts are record's options: split, when set, is called on each
// rank's network once it is split; spikesOf0 records only the first
// population's spikes, not its state, so that no gather to rank 0 comes
// before its update (which then overlaps the collective before a step
// when the ranks exchange ahead).
type rankOpts struct {
	split     func(*engine.Network[float32])
	spikesOf0 bool
}

// TestRanksExchangeEvery: the ranks exchange every step unless every
// projection out of a population is delayed (then every shortest delay)
// or none exists (then every maxWindow steps), and never with a
// non-spiking population.
func TestRanksExchangeEvery(t *testing.T) {
	for name, want := range rankWindows {
		net, err := netfile.BuildNetwork[float32](loadRankNet(t, name), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := net.Net.ExchangeEvery(); got != 1 {
			t.Errorf("%s: one process exchanges every %d steps", name, got)
		}
		bad := make([][]int, len(net.Pops))
		bad[0] = []int{3, 1}
		if err := net.Net.SetRanks(mpitest.NewWorld(2).Rank(1), bad); err == nil || !strings.Contains(err.Error(), "out of order") {
			t.Errorf("%s: traced neurons out of order: %v", name, err)
		}
		if err := net.Net.SetRanks(mpitest.NewWorld(2).Rank(1), make([][]int, len(net.Pops))); err != nil {
			t.Fatal(err)
		}
		if got := net.Net.ExchangeEvery(); got != want {
			t.Errorf("%s: 2 ranks exchange every %d steps, want %d", name, got, want)
		}
		if got := net.Net.ExchangesAhead(); got != rankAhead[name] {
			t.Errorf("%s: 2 ranks exchange each step's spikes before it: %v, want %v", name, got, rankAhead[name])
		}
	}
}

// TestRanksSameBits splits networks over 1, 2, 3 and 5 ranks at one and
// two threads each and checks that rank 0 records every variable of every
// neuron at every step with the bits of one process, and again with the
// first population's spikes recorded alone (then, when the ranks exchange
// ahead, the collective before each step is an Iallgatherv that the
// first population's update overlaps).
func TestRanksSameBits(t *testing.T) {
	for name := range rankNets {
		d := loadRankNet(t, name)
		steps := min(*d.Run.Steps, 300)
		want := record(t, d, steps, 1, nil)
		spikes := 0
		for i := 3; i < len(want); i += 4 {
			for _, s := range want[i] {
				spikes += int(s)
			}
		}
		if spikes == 0 {
			t.Fatalf("%s: no spikes in %d steps; the comparison would prove little", name, steps)
		}
		spikesOnly := record(t, d, steps, 1, nil, rankOpts{spikesOf0: true})
		for _, k := range []int{1, 2, 3, 5} {
			for _, threads := range []int{1, 2} {
				for _, o := range []rankOpts{{}, {spikesOf0: true}} {
					got := make([][][]float32, k)
					w := onRanks(k, func(r int, x mpitest.Rank) { got[r] = record(t, d, steps, threads, x, o) })
					if t.Failed() {
						t.FailNow()
					}
					want := want
					if o.spikesOf0 {
						want = spikesOnly
					}
					for i := range want {
						if !slices.Equal(got[0][i], want[i]) {
							t.Errorf("%s on %d ranks × %d threads, %+v: recorder %d differs from one process", name, k, threads, o, i)
						}
					}
					if c := w.Calls(0); rankAhead[name] && o.spikesOf0 && k > 1 && (c.Iallgatherv != steps || c.Allgatherv > steps/10) {
						t.Errorf("%s on %d ranks, the first population untraced: %+v collectives in %d steps, want an Iallgatherv a step", name, k, c, steps)
					}
				}
			}
		}
	}
}

// TestRanksAheadGrows: when a step's spikes on some rank do not fit the
// share of the collective before the step (12 bytes to start with here,
// the length and the vote alone; 64 spikes a rank by default), every
// rank grows it and gathers them again — one collective more, the vote
// still carried by the first — and the bits stay one process's.
func TestRanksAheadGrows(t *testing.T) {
	for _, c := range []struct {
		name      string
		spikesOf0 bool // the collective is an Iallgatherv, grown after its Wait
	}{{"cuba", false}, {"cuba", true}, {"shared", false}} {
		name := c.name
		d := loadRankNet(t, name)
		steps := min(*d.Run.Steps, 300)
		want := record(t, d, steps, 1, nil, rankOpts{spikesOf0: c.spikesOf0})
		for _, k := range []int{2, 3} {
			got := make([][][]float32, k)
			nets := make([]*engine.Network[float32], k)
			w := onRanks(k, func(r int, x mpitest.Rank) {
				got[r] = record(t, d, steps, 1, x, rankOpts{spikesOf0: c.spikesOf0, split: func(n *engine.Network[float32]) {
					n.SetAheadSlot(12)
					nets[r] = n
				}})
			})
			if t.Failed() {
				t.FailNow()
			}
			for i := range want {
				if !slices.Equal(got[0][i], want[i]) {
					t.Errorf("%s on %d ranks: recorder %d differs from one process", name, k, i)
				}
			}
			calls := w.Calls(0).Allgatherv + w.Calls(0).Iallgatherv
			if calls <= steps || calls > steps+12 {
				t.Errorf("%s on %d ranks: %d Allgatherv over %d steps from a 12-byte share, want a few more than one a step", name, k, calls, steps)
			}
			for r, n := range nets {
				if n.AheadSlot() != nets[0].AheadSlot() || n.AheadSlot() <= 12 {
					t.Errorf("%s on %d ranks: rank %d's share grew to %d bytes, rank 0's to %d", name, k, r, n.AheadSlot(), nets[0].AheadSlot())
				}
			}
		}
	}
}

// TestRanksOverlap: while a population's spikes are exchanged after its
// update, the next one runs, receptor by receptor, the projections
// before the first that reads them — in "norse" only in-y and b→b into y
// (in-x into x comes after a→b, and the delayed a→b into y reads a) —
// and nothing runs early in one process, with min-delay exchange or
// when the spikes are exchanged before the step (CUBA's and "shared"'s,
// whose inh→inh and in-y, b→b ran early before). TestRanksSameBits
// checks the bits.
func TestRanksOverlap(t *testing.T) {
	for _, c := range []struct {
		name  string
		early map[int][]string // population → its early projections
	}{
		{"norse", map[int][]string{1: {"in-y", "b->b"}}},
		{"cuba", nil},
		{"shared", nil},
		{"delayed", nil},
	} {
		d := loadRankNet(t, c.name)
		for _, ranks := range []int{1, 2} {
			net, err := netfile.BuildRank[float32](d, 1, 0, ranks)
			if err != nil {
				t.Fatal(err)
			}
			if ranks > 1 {
				if err := net.Net.SetRanks(mpitest.NewWorld(ranks).Rank(0), make([][]int, len(net.Pops))); err != nil {
					t.Fatal(err)
				}
			}
			for i := range net.Pops {
				var got []string
				for _, pr := range net.Net.EarlyProjections(i) {
					got = append(got, projName(pr))
				}
				want := c.early[i]
				if ranks == 1 {
					want = nil
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s on %d ranks: population %d runs %q early, want %q", c.name, ranks, i, got, want)
				}
			}
		}
	}
}

// projName is a projection's name.
func projName(pr engine.Projection[float32]) string {
	switch p := pr.(type) {
	case *engine.Dense[float32]:
		return p.Name
	case *engine.Sparse[float32]:
		return p.Name
	}
	return "?"
}

// TestRanksHoldOwnWeights: a rank holds only the weights onto its blocks
// — the block's columns of each dense projection, the synapses onto the
// block of each sparse one — so that over K ranks every synapse is held
// exactly once and a rank's weights are about 1/K of the whole (the
// sparse row offsets, per input, stay whole on every rank).
func TestRanksHoldOwnWeights(t *testing.T) {
	d := loadRankNet(t, "feedforward")
	whole, err := netfile.BuildNetwork[float32](d, 1)
	if err != nil {
		t.Fatal(err)
	}
	wholeBytes := whole.Net.WeightBytes()
	if wholeBytes == 0 {
		t.Fatal("no stored weights")
	}
	for _, k := range []int{2, 3, 5} {
		w := mpitest.NewWorld(k)
		synapses := make([]int, len(whole.Projections))
		var rankBytes int64
		for r := range k {
			net := splitNet(t, d, w.Rank(r), false)
			if err := net.Net.SetRanks(w.Rank(r), make([][]int, len(net.Pops))); err == nil {
				t.Errorf("%d ranks: a second split was not refused", k)
			}
			offsets := int64(0)
			for i, pr := range net.Projections {
				switch p := pr.(type) {
				case *engine.Dense[float32]:
					lo, hi := engine.BlockOf(p.NOut, r, k)
					if len(p.W) != p.NIn*(hi-lo) {
						t.Errorf("%d ranks, rank %d: %s holds %d weights, want %d inputs × %d columns", k, r, p.Name, len(p.W), p.NIn, hi-lo)
					}
				case *engine.Sparse[float32]:
					lo, hi := engine.BlockOf(p.NOut, r, k)
					for _, g := range p.Groups {
						for k := range g.Synapses() {
							if c := g.Target(k); c < lo || c >= hi {
								t.Fatalf("%d ranks, rank %d: %s holds a synapse onto %d, outside %d…%d", k, r, p.Name, c, lo, hi-1)
							}
						}
						offsets += int64(len(g.RowPtr)) * 8
					}
					synapses[i] += p.Synapses()
				}
			}
			b := net.Net.WeightBytes()
			rankBytes = max(rankBytes, b)
			if limit := wholeBytes/int64(k)*13/10 + offsets; b > limit {
				t.Errorf("%d ranks, rank %d: holds %d bytes of weights, more than 1.3 × 1/%d of the whole %d plus %d of row offsets", k, r, b, k, wholeBytes, offsets)
			}
		}
		for i, pr := range whole.Projections {
			if p, ok := pr.(*engine.Sparse[float32]); ok && synapses[i] != p.Synapses() {
				t.Errorf("%d ranks hold %d synapses of %s, one process %d", k, synapses[i], p.Name, p.Synapses())
			}
		}
		t.Logf("%d ranks: at most %d bytes of weights per rank, one process %d", k, rankBytes, wholeBytes)
	}
}

// rankDraws is a network of every kind of drawn weight: dense uniform,
// normal and notebook-default, sparse constant, uniform and normal, one
// without autapses.
const rankDraws = `
run: {dt: 0.001, steps: 10, batch: 1, seed: 21}
sources:
  - {name: in, poisson: {size: 70, rate: 50}}
populations:
  - {name: a, size: 1100, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: b, size: 333, params: {tau_mem: 0.02, tau_syn: 0.005}}
projections:
  - {source: in, target: a, type: dense, weight: {uniform: [-0.1, 0.3]}}
  - {source: in, target: b, type: dense, weight: {normal: [0.05, 0.1]}}
  - {source: a, target: b, type: dense, weight: default}
  - {source: a, target: a, type: sparse, p: 0.05, weight: {uniform: [0.0, 0.2]}, autapses: false}
  - {source: b, target: a, type: sparse, p: 0.1, weight: {normal: [-0.1, 0.05]}, delay: 2}
  - {source: b, target: b, type: sparse, p: 0.2, weight: 0.1}
`

// TestRanksDrawOwnWeights: a rank built as its share (netfile.BuildRank)
// draws exactly the weights that the whole network, built in one process
// and split (holdBlocks), keeps on that rank — every dense column and
// sparse synapse, target and row offset — while allocating during its
// setup at most 1.25/K of what one process's build does: it never draws
// them all.
func TestRanksDrawOwnWeights(t *testing.T) {
	d, err := netfile.Parse("draws.yaml", []byte(rankDraws))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	allocated := func(build func() (*netfile.Net[float32], error)) (*netfile.Net[float32], uint64) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		net, err := build()
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		return net, after.TotalAlloc - before.TotalAlloc
	}
	whole, wholeAlloc := allocated(func() (*netfile.Net[float32], error) { return netfile.BuildNetwork[float32](d, 1) })
	wholeBytes := whole.Net.WeightBytes()
	if wholeAlloc < uint64(wholeBytes) {
		t.Fatalf("one process allocated %d bytes building %d bytes of weights", wholeAlloc, wholeBytes)
	}
	for _, k := range []int{2, 3, 5} {
		w := mpitest.NewWorld(k)
		for r := range k {
			split := splitNet(t, d, w.Rank(r), false)
			own, alloc := allocated(func() (*netfile.Net[float32], error) { return splitNet(t, d, w.Rank(r), true), nil })
			next := (r + 1) % k
			other, err := netfile.BuildRank[float32](d, 1, next, k)
			if err != nil {
				t.Fatal(err)
			}
			if err := other.Net.SetRanks(w.Rank(r), make([][]int, len(other.Pops))); err == nil || !strings.Contains(err.Error(), "was built holding") {
				t.Errorf("%d ranks: rank %d's share split as rank %d's: %v", k, next, r, err)
			}
			for i, pr := range own.Projections {
				switch p := pr.(type) {
				case *engine.Dense[float32]:
					if q := split.Projections[i].(*engine.Dense[float32]); !slices.Equal(p.W, q.W) {
						t.Errorf("%d ranks, rank %d: %s drew %d weights, not the %d the whole network keeps there", k, r, p.Name, len(p.W), len(q.W))
					}
				case *engine.Sparse[float32]:
					q := split.Projections[i].(*engine.Sparse[float32])
					for gi, g := range p.Groups {
						h := q.Groups[gi]
						if g.Delay != h.Delay || !slices.Equal(g.RowPtr, h.RowPtr) || !slices.Equal(g.Col, h.Col) || !slices.Equal(g.Col16, h.Col16) || !slices.Equal(g.W, h.W) || g.Uniform != h.Uniform {
							t.Errorf("%d ranks, rank %d: %s's synapses of delay %d differ from those the whole network keeps there", k, r, p.Name, g.Delay)
						}
					}
				}
			}
			if b := own.Net.WeightBytes(); b != split.Net.WeightBytes() {
				t.Errorf("%d ranks, rank %d: holds %d bytes of weights, the split whole network %d", k, r, b, split.Net.WeightBytes())
			}
			// One process's build allocates 4 times its weights
			// (sparse lists are copied into their rows); a→b's whole
			// matrix alone is 13% of that, more than 1/4 of 1/K.
			if limit := wholeAlloc * 5 / 4 / uint64(k); alloc > limit {
				t.Errorf("%d ranks, rank %d: allocated %d bytes building its share, more than 1.25/%d of one process's %d", k, r, alloc, k, wholeAlloc)
			}
		}
	}
}

// splitNet builds d, whole or (own) as rank x's share, and splits it
// over x's ranks, tracing nothing.
func splitNet(t *testing.T, d *netfile.File, x engine.Exchange, own bool) *netfile.Net[float32] {
	t.Helper()
	rank, ranks := 0, 1
	if own {
		rank, ranks = x.Rank(), x.Size()
	}
	net, err := netfile.BuildRank[float32](d, 1, rank, ranks)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Net.SetRanks(x, make([][]int, len(d.Populations))); err != nil {
		t.Fatal(err)
	}
	return net
}

// onRanks runs f for every rank r of a new world of k ranks, x being its
// Exchange, all at once, since a rank's collectives wait for the others',
// and returns the world, whose calls the caller may count.
func onRanks(k int, f func(r int, x mpitest.Rank)) *mpitest.World {
	w := mpitest.NewWorld(k)
	var wg sync.WaitGroup
	for r := range k {
		wg.Go(func() { f(r, w.Rank(r)) })
	}
	wg.Wait()
	return w
}

// perNeuronVars reports whether a population's state variable is laid out
// per neuron (V, I, Iin, extra receptors, refractory counters; delay
// rings, slot by slot) rather than whole (spikes, counters, the output).
func perNeuronVar(name string) (perNeuron, ring bool) {
	leaf := name[strings.LastIndexByte(name, '/')+1:]
	switch {
	case strings.HasPrefix(leaf, "delayed"):
		return true, true
	case leaf == "V", leaf == "refractory", strings.HasPrefix(leaf, "I"):
		return true, false
	}
	return false, false
}

// stateBytes is the bytes of pop's per-neuron state variables, checking
// on the way that each holds Batch rows of the block's stride, Held's
// neurons rounded up to 64 (times the ring's depth for a delay ring).
func stateBytes(t *testing.T, pop *engine.Population[float32], label string) int64 {
	t.Helper()
	lo, hi := pop.Held()
	rows := int64(pop.Batch * ((hi - lo + 63) &^ 63))
	total := int64(0)
	for _, v := range pop.StateVars() {
		info := v.Info()
		per, ring := perNeuronVar(info.Name)
		if !per {
			continue
		}
		want := rows
		if ring {
			want *= int64(pop.MaxDelayReserved())
		}
		if info.Len != want {
			t.Errorf("%s: %s holds %d values, want %d for neurons %d…%d of %d trials", label, info.Name, info.Len, want, lo, hi-1, pop.Batch)
		}
		total += info.Len * 4
	}
	return total
}

// TestRanksHoldOwnState: a rank holds only its blocks' state — V, I, Iin,
// the extra receptor's current and input, the refractory counters, every
// slot of the delay rings — each of Batch rows of the block's length
// rounded up to 64, so that its state bytes are 1/K of one process's
// within a 64-neuron word per population; built as its share or split
// from the whole network, it holds the same bits (initial draws keyed per
// neuron); and MemoryOfRank's state falls by exactly what the rank does
// not hold.
func TestRanksHoldOwnState(t *testing.T) {
	for _, name := range []string{"cuba", "delayed", "feedforward"} {
		d := loadRankNet(t, name)
		whole, err := netfile.BuildNetwork[float32](d, 1)
		if err != nil {
			t.Fatal(err)
		}
		wholeMem, err := d.Memory(4, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{2, 3} {
			w := mpitest.NewWorld(k)
			for r := range k {
				own, split := splitNet(t, d, w.Rank(r), true), splitNet(t, d, w.Rank(r), false)
				if err := engine.SameState(own.Net.StateVars(), split.Net.StateVars()); err != nil {
					t.Errorf("%s, rank %d of %d: built as its share against split from the whole: %v", name, r, k, err)
				}
				var ownBytes, wholeBytes, slack int64
				for i, pop := range own.Pops {
					label := fmt.Sprintf("%s, rank %d of %d, %q", name, r, k, pop.Name)
					lo, hi := engine.BlockOf(pop.N, r, k)
					if a, b := pop.Held(); a != lo || b != hi {
						t.Fatalf("%s holds %d…%d, want its block %d…%d", label, a, b-1, lo, hi-1)
					}
					if len(pop.V) != pop.Batch*pop.Stride {
						t.Errorf("%s: V holds %d values, not %d trials × stride %d", label, len(pop.V), pop.Batch, pop.Stride)
					}
					b, all := stateBytes(t, pop, label), stateBytes(t, whole.Pops[i], name)
					ownBytes += b
					wholeBytes += all
					// One 64-neuron word of every per-neuron array.
					slack += all / int64(whole.Pops[i].Stride) * 64
				}
				if dev := ownBytes*int64(k) - wholeBytes; dev > slack*int64(k) || -dev > slack*int64(k) {
					t.Errorf("%s, rank %d of %d: holds %d bytes of state, not 1/%d of one process's %d within %d", name, r, k, ownBytes, k, wholeBytes, slack)
				}
				m, err := d.MemoryOfRank(4, false, r, k)
				if err != nil {
					t.Fatal(err)
				}
				out := int64(0) // a rank's checkpoint holds a readout's whole output
				for _, pop := range own.Pops {
					if pop.Values() != nil {
						out += int64(len(pop.Values())) * 4
					}
				}
				if got, want := wholeMem.State-m.State, wholeBytes-ownBytes-out; got != want {
					t.Errorf("%s, rank %d of %d: MemoryOfRank counts %d bytes of state fewer than one process, the rank holds %d fewer", name, r, k, got, want)
				}
			}
		}
	}
}

// TestRanksRefuseOtherRanksState: the state one rank of 2 saved does not
// restore into the same rank of 3, whose blocks differ: the message names
// the first variable and both lengths.
func TestRanksRefuseOtherRanksState(t *testing.T) {
	d := loadRankNet(t, "delayed")
	var buf bytes.Buffer
	if err := engine.EncodeState(&buf, splitNet(t, d, mpitest.NewWorld(2).Rank(1), true).Net.StateVars()); err != nil {
		t.Fatal(err)
	}
	into := splitNet(t, d, mpitest.NewWorld(3).Rank(1), true).Net.StateVars()
	before, err := engine.CloneState(into)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := engine.DecodeState(&io.LimitedReader{R: bytes.NewReader(buf.Bytes()), N: int64(buf.Len())}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = engine.MatchState(infos, into)
	if err == nil || !strings.Contains(err.Error(), `state "pop/a/V" has 384 values but the network's has 256`) {
		t.Fatalf("rank 1 of 2's state into rank 1 of 3: %v", err)
	}
	if err := engine.SameState(into, before); err != nil {
		t.Errorf("a refused state changed the network: %v", err)
	}
}

// TestHeldPopulationRefusesBadBlocks: a block must lie inside the
// population and start on a 64-neuron word, which no two ranks share.
func TestHeldPopulationRefusesBadBlocks(t *testing.T) {
	for _, b := range [][2]int{{-64, 64}, {0, 101}, {64, 0}, {10, 64}} {
		_, err := engine.NewHeldPopulation[float32]("p", 2, 100, engine.DefaultNeuron(), b[0], b[1])
		if want := fmt.Sprintf("cannot hold neurons %d…%d of 100", b[0], b[1]-1); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("block %v: %v, want %q", b, err, want)
		}
	}
	p, err := engine.NewHeldPopulation[float32]("p", 2, 100, engine.DefaultNeuron(), 64, 100)
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := p.Held(); lo != 64 || hi != 100 || p.Stride != 64 || len(p.V) != 128 || len(p.Spikes) != 2*2 {
		t.Errorf("block 64…99 of 2 × 100: holds %d…%d, stride %d, %d values of V, %d mask words", lo, hi-1, p.Stride, len(p.V), len(p.Spikes))
	}
}

// TestRanksLayersSameBits: the layers a NIR graph becomes — convolutions
// of spikes and of values, sum and average poolings of spikes and of
// values, identity maps, biases — and procedural weights, per-neuron
// parameters and COBA neurons (initial conductances drawn) give every
// recorded bit of one process on 2 and 3 ranks, each target holding only
// its block (TestRanksSameBits's check, on a network of files).
func TestRanksLayersSameBits(t *testing.T) {
	dir := t.TempDir()
	const steps, batch = 60, 2
	spikes, values := make([]float64, steps*batch*128), make([]float64, steps*batch*128)
	for i := range spikes {
		if (i*7919)%5 == 0 {
			spikes[i] = 1
		}
		values[i] = float64((i*31)%17)/17 - 0.3
	}
	w := make([]float64, 4*2*3*3)
	for i := range w {
		w[i] = (float64(i%7) - 2) * 0.4
	}
	fixtures.WriteNpy(t, filepath.Join(dir, "xs.npy"), spikes, batch, 128)
	fixtures.WriteNpy(t, filepath.Join(dir, "xa.npy"), values, batch, 128)
	fixtures.WriteNpy(t, filepath.Join(dir, "w.npy"), w, 2, 3, 3)
	fixtures.WriteNpy(t, filepath.Join(dir, "b.npy"), []float64{0.05, -0.1, 0.2, 0.02})
	taus := make([]string, 256)
	for i := range taus {
		taus[i] = fmt.Sprint(0.005 + 0.0001*float64(i%50))
	}
	src := fmt.Sprintf(`
run: {dt: 0.001, steps: %d, batch: %d, seed: 7}
sources:
  - {name: xs, array: {file: xs.npy}}
  - {name: xa, array: {file: xa.npy}}
  - {name: in, poisson: {size: 300, rate: 200}}
populations:
  - {name: conv, size: 256, params: {tau_mem: [%s], tau_syn: 0.005, v_threshold: 0.5}}
  - {name: pool, kind: li, size: 64, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: conva, kind: li, size: 256, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: poola, size: 64, params: {tau_mem: 0.01, tau_syn: 0.005, v_threshold: 0.2}}
  - {name: copy, size: 128, params: {tau_mem: 0.01, tau_syn: 0.005, v_threshold: 0.5}}
  - {name: proc, size: 200, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - name: coba
    kind: coba
    size: 150
    params:
      tau_mem: 0.02
      receptors: [{name: exc, tau_syn: 0.005, e_rev: 0}, {name: inh, tau_syn: 0.01, e_rev: -80}]
      v_leak: -60
      v_threshold: -50
      reset: value
      v_reset: -60
      refractory: 0.005
    init: {v: {normal: [-55, 5]}, receptors: {exc: {normal: [4, 1.5]}}}
projections:
  - {source: xs, target: conv, type: conv2d, in_shape: [2, 8, 8], weight: {file: w.npy}, padding: 1, bias: {file: b.npy}}
  - {source: conv, target: pool, type: sum_pool2d, in_shape: [4, 8, 8], kernel: [2, 2]}
  - {source: xa, target: conva, type: conv2d, in_shape: [2, 8, 8], weight: {file: w.npy}, padding: 1}
  - {source: conva, target: poola, type: avg_pool2d, in_shape: [4, 8, 8], kernel: [2, 2]}
  - {source: xs, target: copy, type: identity}
  - {source: in, target: proc, type: dense, weight: notebook, procedural: true}
  - {source: in, target: coba, type: sparse, p: 0.2, weight: 2, receptor: exc}
  - {source: copy, target: coba, type: sparse, p: 0.2, weight: 3, receptor: inh, delay: 2}
`, steps, batch, strings.Join(taus, ", "))
	path := filepath.Join(dir, "layers.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	d := loadRankNet(t, path)
	want := record(t, d, steps, 1, nil)
	for i := 3; i < len(want); i += 4 {
		spiked := slices.Contains(want[i], 1)
		if p := d.Populations[i/4]; !spiked && p.Kind != "li" {
			t.Fatalf("%s never spikes in %d steps; the comparison would prove little", p.Name, steps)
		}
	}
	for _, k := range []int{2, 3} {
		got := make([][][]float32, k)
		onRanks(k, func(r int, x mpitest.Rank) { got[r] = record(t, d, steps, 1, x) })
		if t.Failed() {
			t.FailNow()
		}
		for i := range want {
			if !slices.Equal(got[0][i], want[i]) {
				t.Errorf("on %d ranks: recorder %d (%s of %s) differs from one process", k, i, []string{"v", "isyn", "iinp", "s"}[i%4], d.Populations[i/4].Name)
			}
		}
	}
}

// TestRanksRefuseUntracedRecorders: a recorder of state that SetRanks'
// traced list does not gather to it stops the run before its first step
// with an error naming the population and neuron, instead of reading
// another rank's neurons as zeros or past its own block.
func TestRanksRefuseUntracedRecorders(t *testing.T) {
	d := loadRankNet(t, "delayed")
	for _, c := range []struct {
		name    string
		rank    int
		v       engine.Var
		neurons []int
		want    string
	}{
		{"rank 1 reads state", 1, engine.VarV, []int{0}, `population "a" is split over ranks and its v is not gathered to this process`},
		{"an untraced neuron", 0, engine.VarV, []int{0, 3}, `population "a": a recorder reads neuron 3's v`},
		{"past the last traced", 0, engine.VarI, []int{200}, `population "a": a recorder reads neuron 200's isyn`},
		{"every neuron of some", 0, engine.VarIin, nil, `population "a": a recorder reads the iinp of every neuron`},
	} {
		t.Run(c.name, func(t *testing.T) {
			net, err := netfile.BuildRank[float32](d, 1, c.rank, 2)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := engine.NewTrace(net.Pops[0], c.v, c.neurons)
			if err != nil {
				t.Fatal(err)
			}
			net.Net.AddRecorder(tr)
			traced := make([][]int, len(net.Pops))
			traced[0] = []int{0, 5}
			if err := net.Net.SetRanks(mpitest.NewWorld(2).Rank(c.rank), traced); err != nil {
				t.Fatal(err)
			}
			err = net.Net.Run(nil, 3, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if net.Net.StepIndex() != 0 {
				t.Errorf("the refused run stepped to %d", net.Net.StepIndex())
			}
		})
	}
}

// TestRanksAheadFromUpdates: a CUBA population's spikes exchanged before
// a step are those its update of the step before wrote
// (kernels.CubaUpdateAhead), except on the first step of each Run, which
// reads them off the state; a population of another neuron ("shared"'s)
// always reads them off the state. TestRanksSameBits checks the bits.
func TestRanksAheadFromUpdates(t *testing.T) {
	for _, c := range []struct {
		name  string
		fused bool
	}{{"cuba", true}, {"shared", false}} {
		d := loadRankNet(t, c.name)
		for _, k := range []int{2, 3} {
			onRanks(k, func(r int, x mpitest.Rank) {
				net := splitNet(t, d, x, true)
				defer net.Net.Close()
				runs := []int{40, 1, 25}
				for _, steps := range runs {
					if err := net.Net.Run(nil, steps, nil); err != nil {
						t.Error(err)
						return
					}
				}
				pops, steps := len(net.Pops), 40+1+25
				wantUpdate, wantState := pops*(steps-len(runs)), pops*len(runs)
				if !c.fused {
					wantUpdate, wantState = 0, pops*steps
				}
				if u, s := net.Net.AheadSources(); u != wantUpdate || s != wantState {
					t.Errorf("%s, rank %d of %d: %d population steps took their spikes from the update before and %d from the state, want %d and %d", c.name, r, k, u, s, wantUpdate, wantState)
				}
			})
		}
	}
}

// TestRanksAheadCheck: the check after each update stays real when the
// spikes exchanged before the step are those the update before wrote. V
// set above threshold inside a Run (by its progress callback) is a state
// the written spikes did not see, and the next step fails on every rank
// with the check's error, never with other spikes; set between two Runs,
// it is read off the state, and the run gives one process's spike counts.
func TestRanksAheadCheck(t *testing.T) {
	d := loadRankNet(t, "cuba")
	lift := func(net *netfile.Net[float32]) {
		for _, p := range net.Pops {
			for j := range p.V {
				p.V[j] = -40 // above θ = −50: every free neuron spikes
			}
		}
	}
	counts := func(net *netfile.Net[float32]) []int64 {
		var c []int64
		for _, p := range net.Pops {
			c = append(c, p.SpikeCount())
		}
		return c
	}
	one, err := netfile.BuildNetwork[float32](d, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Net.Close()
	if err := one.Net.Run(nil, 20, nil); err != nil {
		t.Fatal(err)
	}
	lift(one)
	if err := one.Net.Run(nil, 30, nil); err != nil {
		t.Fatal(err)
	}
	want := counts(one)
	const k = 2
	for _, inside := range []bool{true, false} {
		onRanks(k, func(r int, x mpitest.Rank) {
			net := splitNet(t, d, x, true)
			defer net.Net.Close()
			if inside {
				err := net.Net.Run(nil, 50, func(done int) {
					if done == 20 {
						lift(net)
					}
				})
				if err == nil || !strings.Contains(err.Error(), "at step 20 otherwise than") {
					t.Errorf("rank %d: V changed inside a Run: %v, want the check's error at step 20", r, err)
				}
				return
			}
			if err := net.Net.Run(nil, 20, nil); err != nil {
				t.Error(err)
				return
			}
			lift(net)
			if err := net.Net.Run(nil, 30, nil); err != nil {
				t.Errorf("rank %d: V changed between Runs: %v", r, err)
				return
			}
			if got := counts(net); !slices.Equal(got, want) {
				t.Errorf("rank %d: V changed between Runs: spike counts %v, one process %v", r, got, want)
			}
		})
	}
}
