package netfile_test

import (
	"context"
	"leaky/internal/fixtures"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"leaky/bench"
	"leaky/engine"
	"leaky/kernels"
	"leaky/netfile"
)

func load(t *testing.T, path string) *netfile.File {
	t.Helper()
	f, err := netfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// stateOf runs net for steps steps and returns a copy of every state
// variable, by name, for a bit-for-bit comparison.
func stateOf[T engine.Float](t *testing.T, net *engine.Network[T], steps int) map[string]engine.StateVar {
	t.Helper()
	if err := net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	vars, err := engine.CloneState(net.StateVars())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]engine.StateVar{}
	for _, v := range vars {
		out[v.Name()] = v
	}
	return out
}

func sameState(t *testing.T, what string, a, b map[string]engine.StateVar) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d state variables vs %d", what, len(a), len(b))
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok {
			t.Fatalf("%s: %s missing from the Go-built network", what, k)
		}
		if err := engine.SameState([]engine.StateVar{va}, []engine.StateVar{vb}); err != nil {
			t.Fatalf("%s: %s differs between file and Go builds: %v", what, k, err)
		}
	}
}

// spikeCount returns the spike count of net's population name.
func spikeCount[T engine.Float](t *testing.T, net *engine.Network[T], name string) int64 {
	t.Helper()
	for _, p := range net.Populations() {
		if p.Name == name {
			return p.SpikeCount()
		}
	}
	t.Fatalf("no population %q", name)
	return 0
}

// TestCUBAFileMatchesGo builds examples/cuba.yaml and bench.NewCUBA and
// checks every state variable is the same bit for bit after 400 steps.
func TestCUBAFileMatchesGo(t *testing.T) {
	f := load(t, "../examples/cuba.yaml")
	fn, err := netfile.Build[float32](f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := bench.NewCUBA[float32](bench.DefaultCUBA())
	if err != nil {
		t.Fatal(err)
	}
	a, b := stateOf(t, fn.Net, 400), stateOf(t, g.Net, 400)
	if spikeCount(t, fn.Net, "exc") == 0 {
		t.Fatal("no spikes in 400 steps")
	}
	sameState(t, "cuba", a, b)
}

// TestCOBAFileMatchesGo does the same for examples/coba.yaml and
// bench.NewCOBA, its conductances' initial state included.
func TestCOBAFileMatchesGo(t *testing.T) {
	f := load(t, "../examples/coba.yaml")
	fn, err := netfile.Build[float32](f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := bench.NewCOBA[float32](bench.DefaultCOBA())
	if err != nil {
		t.Fatal(err)
	}
	a, b := stateOf(t, fn.Net, 400), stateOf(t, g.Net, 400)
	if spikeCount(t, fn.Net, "exc") == 0 {
		t.Fatal("no spikes in 400 steps")
	}
	sameState(t, "coba", a, b)
}

// TestSHDFileMatchesGo does the same for examples/shd.yaml and
// bench.NewSHD over 30 steps of the full batch.
func TestSHDFileMatchesGo(t *testing.T) {
	f := load(t, "../examples/shd.yaml")
	fn, err := netfile.Build[float32](f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := bench.NewSHD[float32](bench.DefaultSHD(), [3][]float32{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := stateOf(t, fn.Net, 30), stateOf(t, g.Net, 30)
	if spikeCount(t, fn.Net, "hidden") == 0 {
		t.Fatal("no hidden spikes in 30 steps")
	}
	sameState(t, "shd", a, b)
}

// TestSmallExampleRuns builds and runs examples/small.yaml and checks
// every population is active and the recorders are filled.
func TestSmallExampleRuns(t *testing.T) {
	f := load(t, "../examples/small.yaml")
	n, err := netfile.Build[float64](f)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Net.Run(context.Background(), *f.Run.Steps, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"exc", "inh"} {
		if len(n.Spikes[name].Events) == 0 {
			t.Errorf("population %s never spiked", name)
		}
	}
	if tr := n.Traces["out"]["v"]; tr.Steps != *f.Run.Steps {
		t.Errorf("readout trace has %d steps, want %d", tr.Steps, *f.Run.Steps)
	}
}

// TestMalformedFiles feeds broken variants of a valid file and checks
// each error names the file, the key path and the problem.
func TestMalformedFiles(t *testing.T) {
	const good = `
run: {dt: 0.001, steps: 10}
sources:
  - {name: in, poisson: {size: 5, rate: 10}}
populations:
  - name: a
    size: 4
    params: {tau_mem: 0.01, receptors: [{name: e, tau_syn: 0.005}, {name: i, tau_syn: 0.01}]}
  - {name: b, kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - name: g
    kind: coba
    size: 3
    params: {tau_mem: 0.02, v_leak: -60, v_threshold: -50, v_reset: -60, receptors: [{name: ge, tau_syn: 0.005, e_rev: 0}, {name: gi, tau_syn: 0.01, e_rev: -80}]}
    init: {v: {normal: [-65, 5]}, receptors: {ge: {normal: [4, 1.5]}}}
projections:
  - {source: in, target: a, type: sparse, p: 0.5, weight: 1, receptor: e}
  - {source: a, target: b, type: dense, weight: {normal: [0, 1]}}
  - {source: in, target: g, type: sparse, p: 0.5, weight: 0.6, receptor: gi}
recorders:
  - {population: a, vars: [spikes, v], neurons: [0, 3]}
`
	dir := t.TempDir()
	if _, err := netfile.Parse(filepath.Join(dir, "good.yaml"), []byte(good)); err != nil {
		t.Fatalf("the base file is refused: %v", err)
	}
	writeNpy(t, filepath.Join(dir, "three.npy"), []float64{1, 2, 3}, 3)
	const li = "kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}}"
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown key", "steps: 10}", "steps: 10, stpes: 3}", []string{"run.stpes", "stpes"}},
		{"unknown nested key", "poisson: {size: 5, rate: 10}", "poisson: {size: 5, rate: 10, burst: 1}", []string{"sources[0].poisson.burst"}},
		{"missing dt", "dt: 0.001, ", "", []string{"run.dt", "missing"}},
		{"negative dt", "dt: 0.001", "dt: -1", []string{"run.dt", "-1"}},
		{"zero steps", "steps: 10", "steps: 0", []string{"run.steps", "at least 1"}},
		{"bad dtype", "steps: 10}", "steps: 10, dtype: float16}", []string{"run.dtype", "float16"}},
		{"wrong type", "size: 4", "size: four", []string{"populations[0].size", "four"}},
		{"bad target", "target: b, type: dense", "target: exc2, type: dense", []string{"projections[1].target", `no population named "exc2"`}},
		{"bad source", "source: in,", "source: nowhere,", []string{"projections[0].source", `"nowhere"`}},
		{"bad receptor", "receptor: e}", "receptor: nmda}", []string{"projections[0].receptor", `"nmda"`}},
		{"p out of range", "p: 0.5", "p: 1.5", []string{"projections[0].p", "1.5"}},
		{"missing type", "type: dense, ", "", []string{"projections[1].type", "missing"}},
		{"bad type", "type: dense", "type: conv", []string{"projections[1].type", "conv"}},
		{"dense with p", "type: dense,", "type: dense, p: 0.1,", []string{"projections[1]", "sparse projections only"}},
		{"missing weight", "weight: {normal: [0, 1]}", "sign: excitatory", []string{"projections[1].weight", "missing"}},
		{"bad distribution", "normal: [0, 1]", "normal: [0, -1]", []string{"projections[1].weight", "-1"}},
		{"unknown distribution", "normal: [0, 1]", "gamma: [0, 1]", []string{"projections[1].weight", "gamma"}},
		{"bad sign", "weight: 1,", "weight: 1, sign: positive,", []string{"projections[0].sign", "positive"}},
		{"negative delay", "weight: 1,", "weight: 1, delay: -2,", []string{"projections[0].delay", "-2"}},
		{"duplicate name", "name: b, kind", "name: a, kind", []string{"populations[1].name", `"a"`}},
		{"name clash with source", "name: b, kind", "name: in, kind", []string{"sources[0].name", `"in"`, "populations[1]"}},
		{"missing tau_mem", "tau_mem: 0.01, receptors", "receptors", []string{"populations[0].params.tau_mem", "missing"}},
		{"negative tau_syn", "tau_syn: 0.005}, {name: i", "tau_syn: -0.005}, {name: i", []string{"populations[0].params", "-0.005"}},
		{"both tau_syn and receptors", "params: {tau_mem: 0.01, receptors", "params: {tau_mem: 0.01, tau_syn: 0.1, receptors", []string{"populations[0].params", "not both"}},
		{"bad kind", "kind: li", "kind: izhikevich", []string{"populations[1].kind", "izhikevich"}},
		{"li with threshold", "kind: li, size: 2, params: {tau_mem: 0.01", "kind: li, size: 2, params: {v_threshold: 2, tau_mem: 0.01", []string{"populations[1].params", "does not spike"}},
		{"fractional refractory", "receptors: [{name: e", "refractory: 0.0015, receptors: [{name: e", []string{"populations[0].params.refractory", "0.0015"}},
		{"zero size", "size: 4", "size: 0", []string{"populations[0].size", "at least 1"}},
		{"wrong type in flow style", "kind: li, size: 2", "kind: li, size: two", []string{"populations[1].size", "two"}},
		{"rate too high", "rate: 10", "rate: 5000", []string{"sources[0].poisson.rate", "5000"}},
		{"source with both", "poisson: {size: 5, rate: 10}", "poisson: {size: 5, rate: 10}, array: {file: x.npy}", []string{"sources[0]", "exactly one"}},
		{"input and poisson", "poisson: {size: 5, rate: 10}", "poisson: {size: 5, rate: 10}, input: {size: 5}", []string{"sources[0]", "exactly one of poisson, array and input"}},
		{"input size", "poisson: {size: 5, rate: 10}", "input: {size: 0}", []string{"sources[0].input.size", "at least 1"}},
		{"recorder population", "population: a,", "population: c,", []string{"recorders[0].population", `"c"`}},
		{"recorder var", "vars: [spikes, v]", "vars: [spikes, u]", []string{"recorders[0].vars[1]", `"u"`}},
		{"recorder neuron", "neurons: [0, 3]", "neurons: [0, 4]", []string{"recorders[0].neurons[1]", "4"}},
		{"bad yaml", "run: {", "run: {{", []string{"good.yaml"}},
		{"missing weight file", "weight: {normal: [0, 1]}", "weight: {file: nothere.npy}", []string{"projections[1].weight.file", "nothere.npy"}},
		{"two recordings, one file", "neurons: [0, 3]}", "neurons: [0, 3], file: out.npy}", []string{"recorders[0].vars[1]", "out.npy", "a/spikes"}},
		{"file with a directory", "neurons: [0, 3]}", "neurons: [0, 3], file: 'sub/{var}.npy'}", []string{"recorders[0].file", "without directories"}},
		{"file not .npy", "neurons: [0, 3]}", "neurons: [0, 3], file: '{var}.txt'}", []string{"recorders[0].file", "ending in .npy"}},
		{"neuron listed twice", "neurons: [0, 3]", "neurons: [3, 3]", []string{"recorders[0].neurons[1]", "listed twice"}},
		{"figure population", "neurons: [0, 3]}", "neurons: [0, 3]}\nfigure: {population: z, neuron: 0}", []string{"figure.population", `"z"`}},
		{"figure neuron", "neurons: [0, 3]}", "neurons: [0, 3]}\nfigure: {population: a, neuron: 4}", []string{"figure.neuron", "outside 0..3"}},
		{"figure without neuron", "neurons: [0, 3]}", "neurons: [0, 3]}\nfigure: {population: a}", []string{"figure.neuron", "missing"}},
		{"procedural needs notebook", "weight: {normal: [0, 1]}", "weight: {normal: [0, 1]}, procedural: true", []string{"projections[1].procedural", "weight: notebook"}},
		{"procedural sparse", "weight: 1, receptor: e}", "weight: 1, receptor: e, procedural: true}", []string{"projections[0].procedural", "dense projections only"}},
		{"notebook sparse", "p: 0.5, weight: 1,", "p: 0.5, weight: notebook,", []string{"projections[0].weight", "dense projections"}},
		{"notebook with sign", "weight: {normal: [0, 1]}", "weight: notebook, sign: inhibitory", []string{"projections[1].sign", "no sign"}},
		{"bad rule", "params: {tau_mem: 0.01, receptors", "params: {rule: brian, tau_mem: 0.01, receptors", []string{"populations[0].params.rule", "brian"}},
		{"bad decay", "params: {tau_mem: 0.01, receptors", "params: {decay: rk4, tau_mem: 0.01, receptors", []string{"populations[0].params.decay", "rk4"}},
		{"euler tau_mem below dt", "params: {tau_mem: 0.01, receptors", "params: {decay: euler, tau_mem: 0.0005, receptors", []string{"populations[0].params.tau_mem", "at least dt", "euler"}},
		{"euler tau_syn below dt", "params: {tau_mem: 0.01, receptors: [{name: e, tau_syn: 0.005}", "params: {rule: norse, tau_mem: 0.01, receptors: [{name: e, tau_syn: 0.0005}", []string{"populations[0].params.receptors[0].tau_syn", "euler"}},
		{"negative receptor tau_syn", "tau_syn: 0.005}, {name: i", "tau_syn: -0.005}, {name: i", []string{"populations[0].params.receptors[0].tau_syn", "-0.005"}},
		{"w_in not finite", "{name: e, tau_syn: 0.005}", "{name: e, tau_syn: 0.005, w_in: .nan}", []string{"populations[0].params.receptors[0].w_in", "NaN"}},
		{"w_in beside receptors", "params: {tau_mem: 0.01, receptors", "params: {w_in: 2, tau_mem: 0.01, receptors", []string{"populations[0].params.w_in", "each receptor"}},
		{"bad input scale", "params: {tau_mem: 0.01, receptors", "params: {input_scale: log, tau_mem: 0.01, receptors", []string{"populations[0].params.input_scale", "log"}},
		{"spyx resets to a value", "params: {tau_mem: 0.01, receptors", "params: {rule: spyx, decay: exact, reset: value, tau_mem: 0.01, receptors", []string{"populations[0].params.reset", "subtraction only"}},
		{"refractory outside rule leaky", "params: {tau_mem: 0.01, receptors", "params: {rule: snntorch, decay: exact, refractory: 0.002, tau_mem: 0.01, receptors", []string{"populations[0].params.refractory", "no refractory"}},
		{"if with tau_mem", "kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}", "kind: if, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}", []string{"populations[1].params.tau_mem", "does not leak"}},
		{"i with v_leak", "kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}", "kind: i, size: 2, params: {v_leak: 1, tau_syn: 0.005}", []string{"populations[1].params.v_leak", "does not leak"}},
		{"if with input scale leak", "kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}", "kind: if, size: 2, params: {input_scale: leak}", []string{"populations[1].params.input_scale", "membrane decay"}},
		{"i with threshold", "kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}", "kind: i, size: 2, params: {v_threshold: 1}", []string{"populations[1].params", "does not spike"}},
		{"per-neuron length", li, "kind: li, size: 2, params: {tau_mem: [0.01, 0.02, 0.03], tau_syn: 0.005}}", []string{"populations[1].params.tau_mem", "3 values for 2 neurons"}},
		{"per-neuron file length", li, "kind: li, size: 2, params: {tau_mem: {file: three.npy}, tau_syn: 0.005}}", []string{"populations[1].params.tau_mem", "three.npy holds 3 values for 2 neurons"}},
		{"per-neuron missing file", li, "kind: li, size: 2, params: {tau_mem: {file: none.npy}, tau_syn: 0.005}}", []string{"populations[1].params.tau_mem.file", "none.npy"}},
		{"per-neuron not finite", li, "kind: li, size: 2, params: {tau_mem: [0.01, .inf], tau_syn: 0.005}}", []string{"populations[1].params.tau_mem", "neuron 1: must be finite"}},
		{"per-neuron negative", li, "kind: li, size: 2, params: {tau_mem: [0.01, -1], tau_syn: 0.005}}", []string{"populations[1].params.tau_mem", "neuron 1: must be a positive"}},
		{"per-neuron empty list", li, "kind: li, size: 2, params: {tau_mem: [], tau_syn: 0.005}}", []string{"populations[1].params.tau_mem", "empty list"}},
		{"per-neuron words", li, "kind: li, size: 2, params: {tau_mem: [0.01, long], tau_syn: 0.005}}", []string{"populations[1].params.tau_mem[1]", "`long`"}},
		{"per-neuron file keys", li, "kind: li, size: 2, params: {tau_mem: {file: three.npy, transpose: true}, tau_syn: 0.005}}", []string{"populations[1].params.tau_mem", "transpose"}},
		{"a current for some neurons", "{name: e, tau_syn: 0.005}", "{name: e, tau_syn: [0.005, 0, 0.005, 0.005]}", []string{"populations[0].params", "neuron 1", "a receptor has a current"}},
		{"e_rev on lif", "{name: e, tau_syn: 0.005}", "{name: e, tau_syn: 0.005, e_rev: 0}", []string{"populations[0].params.receptors[0].e_rev", "coba only"}},
		{"coba without e_rev", "{name: gi, tau_syn: 0.01, e_rev: -80}", "{name: gi, tau_syn: 0.01}", []string{"populations[2].params.receptors[1].e_rev", "missing"}},
		{"coba e_rev not finite", "e_rev: -80", "e_rev: .inf", []string{"populations[2].params.receptors[1].e_rev", "finite"}},
		{"coba with r", "params: {tau_mem: 0.02", "params: {r: 2, tau_mem: 0.02", []string{"populations[2].params.r", "conductance"}},
		{"coba with input scale", "params: {tau_mem: 0.02", "params: {input_scale: leak, tau_mem: 0.02", []string{"populations[2].params.input_scale", "conductance"}},
		{"coba receptor w_in", "e_rev: 0}", "e_rev: 0, w_in: 2}", []string{"populations[2].params.receptors[0].w_in", "conductance"}},
		{"coba resets by subtraction", "params: {tau_mem: 0.02", "params: {reset: subtract, tau_mem: 0.02", []string{"populations[2].params.reset", "v_reset only"}},
		{"coba rule norse", "params: {tau_mem: 0.02", "params: {rule: norse, tau_mem: 0.02", []string{"populations[2].params", "rule leaky only"}},
		{"coba receptor without conductance", "{name: ge, tau_syn: 0.005", "{name: ge, tau_syn: 0", []string{"populations[2].params.receptors[0].tau_syn", "positive"}},
		{"coba with one tau_syn", "v_reset: -60, receptors: [{name: ge, tau_syn: 0.005, e_rev: 0}, {name: gi, tau_syn: 0.01, e_rev: -80}]", "v_reset: -60, tau_syn: 0.005", []string{"populations[2].params.tau_syn", "receptors"}},
		{"inhibitory sign into coba", "weight: 0.6, receptor: gi}", "weight: 0.6, receptor: gi, sign: inhibitory}", []string{"projections[2].sign", "negative", "e_rev"}},
		{"init of an unknown receptor", "receptors: {ge:", "receptors: {gx:", []string{"populations[2].init.receptors.gx", `no receptor named "gx"`}},
		{"init receptor distribution", "ge: {normal: [4, 1.5]}", "ge: {normal: [4, -1.5]}", []string{"populations[2].init.receptors.ge", "standard deviation"}},
		{"lif without tau_syn", "kind: li, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}", "size: 2, params: {tau_mem: 0.01}", []string{"populations[1].params.tau_syn", "missing", "0 for none"}},
	}
	// Default weights into a population whose β differs between neurons:
	// b's tau_mem per neuron, and a → b's weights default.
	const ab = "{source: a, target: b, type: dense, weight: {normal: [0, 1]}}"
	span := good[strings.Index(good, li) : strings.Index(good, ab)+len(ab)]
	perTau := strings.Replace(strings.Replace(span, "tau_mem: 0.01, tau_syn: 0.005}}", "tau_mem: [0.01, 0.02], tau_syn: 0.005}}", 1), "weight: {normal: [0, 1]}}", "weight: default}", 1)
	cases = append(cases, struct {
		name, from, to string
		want           []string
	}{"default weights onto per-neuron tau", span, perTau, []string{"projections[1].weight", "β differs"}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.from) {
				t.Fatalf("test bug: %q not in the base file", c.from)
			}
			text := strings.Replace(good, c.from, c.to, 1)
			path := filepath.Join(dir, "good.yaml")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := netfile.Load(path)
			if err == nil {
				_, err = netfile.Build[float32](f)
			}
			if err == nil {
				t.Fatalf("accepted:\n%s", text)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
			for _, w := range append([]string{path}, c.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
	if _, err := netfile.Load(filepath.Join(dir, "absent.yaml")); err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// writeNpy writes a 1-D or 2-D float64 .npy file.
func writeNpy(t *testing.T, path string, x []float64, trailing ...int) {
	fixtures.WriteNpy(t, path, x, trailing...)
}

// TestFilesFromNpy builds a network whose explicit sparse synapses (with
// per-synapse delays) and dense weights come from .npy files and checks it
// against the same network built with the engine directly.
func TestFilesFromNpy(t *testing.T) {
	dir := t.TempDir()
	pre := []float64{0, 1, 1, 3, 2, 0, 3}
	post := []float64{2, 0, 3, 1, 1, 2, 0}
	w := []float64{0.5, -0.25, 0.75, 1.5, 0.4, 0.1, -0.3}
	delay := []float64{0, 2, 1, 0, 3, 2, 1}
	dense := []float64{0.2, -0.1, 0.3, 0.05, 0.6, -0.2, 0.1, 0.4}
	writeNpy(t, filepath.Join(dir, "pre.npy"), pre)
	writeNpy(t, filepath.Join(dir, "post.npy"), post)
	writeNpy(t, filepath.Join(dir, "w.npy"), w)
	writeNpy(t, filepath.Join(dir, "d.npy"), delay)
	writeNpy(t, filepath.Join(dir, "dense.npy"), dense, 2)
	text := `
run: {dt: 0.001, steps: 60, batch: 2, seed: 4}
sources: [{name: in, poisson: {size: 4, rate: 300}}]
populations:
  - {name: a, size: 4, params: {tau_mem: 0.01, tau_syn: 0.005, v_threshold: 0.3}}
  - {name: b, kind: li, size: 2, params: {tau_mem: 0.02, tau_syn: 0.005}}
projections:
  - {source: in, target: a, type: sparse, synapses: {pre: pre.npy, post: post.npy, weight: w.npy, delay: d.npy}}
  - {source: a, target: b, type: dense, weight: {file: dense.npy}, sign: excitatory}
`
	path := filepath.Join(dir, "net.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := netfile.Build[float64](load(t, path))
	if err != nil {
		t.Fatal(err)
	}

	src, _ := engine.NewPoisson[float64]("in", 2, 4, 300, 0.001, 4, 0)
	np := engine.SeedNeuron(0.001, 0.01, 0.005, 0.3, kernels.ResetSubtract)
	a, _ := engine.NewPopulation[float64]("a", 2, 4, np)
	li := engine.SeedNeuron(0.001, 0.02, 0.005, 1, kernels.ResetSubtract)
	li.Kind = engine.KindLI
	b, _ := engine.NewPopulation[float64]("b", 2, 2, li)
	net := engine.NewNetwork[float64]()
	net.AddSource(src)
	net.AddPopulation(a)
	net.AddPopulation(b)
	var pi, po, d []int32
	for k := range pre {
		pi, po, d = append(pi, int32(pre[k])), append(po, int32(post[k])), append(d, int32(delay[k]))
	}
	sp, err := engine.NewSparse("in->a", src, a, 0, pi, po, slices.Clone(w), d)
	if err != nil {
		t.Fatal(err)
	}
	abs := make([]float64, len(dense))
	for k, v := range dense {
		abs[k] = max(v, -v)
	}
	dn, err := engine.NewDense("a->b", a, b, abs)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range []engine.Projection[float64]{sp, dn} {
		if err := net.AddProjection(pr); err != nil {
			t.Fatal(err)
		}
	}
	x, y := stateOf(t, n.Net, 60), stateOf(t, net, 60)
	if spikeCount(t, n.Net, "a") == 0 {
		t.Fatal("population a never spiked")
	}
	sameState(t, "npy", x, y)
	if _, ok := x["pop/a/delayed0"]; !ok {
		t.Fatal("the delay ring is not in the state")
	}
}

// TestLayersFromFile builds a convolution (with a bias per channel), a
// sum pooling and an identity edge from a network file and checks every
// input current against the same network built with the engine directly.
func TestLayersFromFile(t *testing.T) {
	dir := t.TempDir()
	const steps, batch = 5, 2
	x := make([]float64, steps*batch*2*8*8)
	for i := range x {
		if (i*7919)%5 == 0 {
			x[i] = 1
		}
	}
	w := make([]float64, 4*2*3*3)
	for i := range w {
		w[i] = float64(i%7) - 3
	}
	writeNpy(t, filepath.Join(dir, "x.npy"), x, batch, 2*8*8)
	writeNpy(t, filepath.Join(dir, "w.npy"), w, 2, 3, 3)
	writeNpy(t, filepath.Join(dir, "b.npy"), []float64{0.5, -1, 2, 0.25})
	text := `run: {dt: 0.001, steps: 5, batch: 2}
sources:
  - {name: x, array: {file: x.npy}}
populations:
  - {name: conv, kind: li, size: 256, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: pool, kind: li, size: 64, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: copy, kind: li, size: 128, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {source: x, target: conv, type: conv2d, in_shape: [2, 8, 8], weight: {file: w.npy}, padding: 1, bias: {file: b.npy}}
  - {source: conv, target: pool, type: sum_pool2d, in_shape: [4, 8, 8], kernel: [2, 2]}
  - {source: x, target: copy, type: identity}
recorders:
  - {population: conv, vars: [iinp]}
  - {population: pool, vars: [iinp]}
  - {population: copy, vars: [iinp]}
`
	path := filepath.Join(dir, "layers.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := netfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := netfile.Build[float64](f)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}

	li := engine.DefaultNeuron()
	li.Kind, li.Dt = engine.KindLI, 0.001
	src, _ := engine.NewArray("x", x, steps, batch, 128)
	conv, _ := engine.NewPopulation[float64]("conv", batch, 256, li)
	pool, _ := engine.NewPopulation[float64]("pool", batch, 64, li)
	cp, _ := engine.NewPopulation[float64]("copy", batch, 128, li)
	net := engine.NewNetwork[float64]()
	net.AddSource(src)
	for _, p := range []*engine.Population[float64]{conv, pool, cp} {
		net.AddPopulation(p)
	}
	c, err := engine.NewConv2d("c", src, conv, w, 4, engine.ConvGeometry{InC: 2, InH: 8, InW: 8, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1})
	if err != nil {
		t.Fatal(err)
	}
	bias := make([]float64, 256)
	for i := range bias {
		bias[i] = []float64{0.5, -1, 2, 0.25}[i/64]
	}
	b, _ := engine.NewBias("b", conv, 0, bias, 0)
	pl, _ := engine.NewPool2d("p", conv, pool, engine.ConvGeometry{InC: 4, InH: 8, InW: 8, KH: 2, KW: 2, SH: 2, SW: 2}, false)
	id, _ := engine.NewIdentity("i", src, cp, 0)
	for _, pr := range []engine.Projection[float64]{c, b, pl, id} {
		if err := net.AddProjection(pr); err != nil {
			t.Fatal(err)
		}
	}
	var want []*engine.Trace[float64]
	for _, p := range []*engine.Population[float64]{conv, pool, cp} {
		tr, _ := engine.NewTrace(p, engine.VarIin, nil)
		net.AddRecorder(tr)
		want = append(want, tr)
	}
	if err := net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"conv", "pool", "copy"} {
		got := n.Traces[name]["iinp"].Data
		if !slices.Equal(got, want[i].Data) || len(got) == 0 {
			t.Errorf("%s: the file's network differs from the engine's", name)
		}
	}
	nonzero := 0
	for _, v := range n.Traces["pool"]["iinp"].Data {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("pooling saw no input")
	}
}
