package nir

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// fakeStore is an in-memory HDF5 stand-in: groups are the prefixes of the
// datasets' paths.
type fakeStore struct {
	strings map[string][]string
	floats  map[string]Array
}

func newFake() *fakeStore {
	return &fakeStore{strings: map[string][]string{}, floats: map[string]Array{}}
}

func (s *fakeStore) paths() []string {
	var out []string
	for p := range s.strings {
		out = append(out, p)
	}
	for p := range s.floats {
		out = append(out, p)
	}
	return out
}

func (s *fakeStore) Exists(p string) bool {
	for _, q := range s.paths() {
		if q == p || strings.HasPrefix(q, p+"/") {
			return true
		}
	}
	return false
}

func (s *fakeStore) IsGroup(p string) (bool, error) {
	if !s.Exists(p) {
		return false, fmt.Errorf("%s: no such object", p)
	}
	_, str := s.strings[p]
	_, fl := s.floats[p]
	return !str && !fl, nil
}

func (s *fakeStore) Members(p string) ([]string, error) {
	seen := map[string]bool{}
	for _, q := range s.paths() {
		if rest, ok := strings.CutPrefix(q, p+"/"); ok {
			seen[strings.SplitN(rest, "/", 2)[0]] = true
		}
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("%s: no such group", p)
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func (s *fakeStore) Strings(p string) ([]string, []int, error) {
	v, ok := s.strings[p]
	if !ok {
		return nil, nil, fmt.Errorf("%s: not a string dataset", p)
	}
	if strings.HasSuffix(p, "/edges") {
		return v, []int{len(v) / 2, 2}, nil
	}
	return v, nil, nil
}

func (s *fakeStore) Floats(p string) ([]float64, []int, error) {
	a, ok := s.floats[p]
	if !ok {
		return nil, nil, fmt.Errorf("%s: not a numeric dataset", p)
	}
	return a.Data, a.Shape, nil
}

func (s *fakeStore) node(at, typ string, params map[string]Array) {
	s.strings[at+"/type"] = []string{typ}
	for k, v := range params {
		s.floats[at+"/"+k] = v
	}
}

func vec(v ...float64) Array { return Array{Data: v, Shape: []int{len(v)}} }

// lifNorse is lif_norse.nir's graph: Input[1] → Affine → LIF → Output.
func lifNorse() *fakeStore {
	s := newFake()
	s.strings["/version"] = []string{"0.1.1"}
	s.strings["/node/type"] = []string{"NIRGraph"}
	s.node("/node/nodes/input", "Input", map[string]Array{"shape": vec(1)})
	s.node("/node/nodes/0", "Affine", map[string]Array{"weight": {Data: []float64{1}, Shape: []int{1, 1}}, "bias": vec(0)})
	s.node("/node/nodes/1", "LIF", map[string]Array{"tau": vec(0.0025), "r": vec(1), "v_leak": vec(0), "v_threshold": vec(0.1)})
	s.node("/node/nodes/output", "Output", map[string]Array{"shape": vec(1)})
	s.strings["/node/edges"] = []string{"input", "0", "0", "1", "1", "output"}
	return s
}

func TestReadLIF(t *testing.T) {
	m, err := Read("lif.nir", lifNorse())
	if err != nil {
		t.Fatal(err)
	}
	lif := m.Graph.Node("1")
	if m.Version != "0.1.1" || lif.Type != "LIF" || fmt.Sprint(lif.In, lif.Out) != "[1] [1]" || lif.Params["v_reset"].At(0) != 0 {
		t.Fatalf("model %+v, lif %+v", m, lif)
	}
	f, err := m.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, n := range f.Nodes {
		order = append(order, n.Name)
	}
	if fmt.Sprint(order) != "[0 1]" || len(f.Inputs) != 1 || len(f.Outputs) != 1 || len(f.Edges) != 3 {
		t.Fatalf("flat %v, %d edges", order, len(f.Edges))
	}
	var b strings.Builder
	if err := m.Describe(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"version  0.1.1", "LIF", "tau=0.0025", "input → 0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("description lacks %q:\n%s", want, b.String())
		}
	}
}

// TestRecurrentAndNested: a cycle through a nested graph is found and
// marked delayed, and the nested nodes are inlined.
func TestRecurrentAndNested(t *testing.T) {
	s := newFake()
	s.strings["/node/type"] = []string{"NIRGraph"}
	s.node("/node/nodes/input", "Input", map[string]Array{"shape": vec(2)})
	s.node("/node/nodes/fc", "Linear", map[string]Array{"weight": {Data: make([]float64, 6), Shape: []int{3, 2}}})
	s.strings["/node/nodes/rnn/type"] = []string{"NIRGraph"}
	s.node("/node/nodes/rnn/nodes/input", "Input", map[string]Array{"shape": vec(3)})
	s.node("/node/nodes/rnn/nodes/lif", "CubaLIF", map[string]Array{"tau_syn": vec(1e-3), "tau_mem": vec(2e-3, 2e-3, 2e-3), "r": vec(1), "v_leak": vec(0), "v_threshold": vec(1)})
	s.node("/node/nodes/rnn/nodes/w", "Affine", map[string]Array{"weight": {Data: make([]float64, 9), Shape: []int{3, 3}}, "bias": vec(0, 0, 0)})
	s.node("/node/nodes/rnn/nodes/output", "Output", map[string]Array{"shape": vec(3)})
	s.strings["/node/nodes/rnn/edges"] = []string{"input", "lif", "lif", "w", "w", "lif", "lif", "output"}
	s.node("/node/nodes/output", "Output", map[string]Array{"shape": vec(3)})
	s.strings["/node/edges"] = []string{"input", "fc", "fc", "rnn", "rnn", "output"}
	m, err := Read("rnn.nir", s)
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, n := range f.Nodes {
		order = append(order, n.Path)
	}
	if fmt.Sprint(order) != "[fc rnn/lif rnn/w]" {
		t.Fatalf("order %v", order)
	}
	delayed := 0
	for _, e := range f.Edges {
		if e.Delayed {
			delayed++
			if e.From.Path != "rnn/w" || e.To.Path != "rnn/lif" {
				t.Errorf("delayed edge %s → %s", e.From.Path, e.To.Path)
			}
		}
	}
	if delayed != 1 {
		t.Errorf("%d delayed edges, want 1", delayed)
	}
}

// TestBadGraphs: each problem is one error naming the node path.
func TestBadGraphs(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *fakeStore)
		want string
	}{
		{"edge to a missing node", func(s *fakeStore) { s.strings["/node/edges"][3] = "lif" }, `bad.nir: edges[1] target "lif" is not a node of the top graph (its nodes are 0, 1, input, output)`},
		{"unknown type", func(s *fakeStore) { s.strings["/node/nodes/1/type"] = []string{"Izhikevich"} }, `node 1: type "Izhikevich" is not one leaky runs`},
		{"missing parameter", func(s *fakeStore) { delete(s.floats, "/node/nodes/1/tau") }, "node 1: LIF 1 lacks its parameter tau"},
		{"shape mismatch", func(s *fakeStore) {
			s.floats["/node/nodes/0/weight"] = Array{Data: []float64{1, 1}, Shape: []int{2, 1}}
			s.floats["/node/nodes/0/bias"] = vec(0, 0)
		}, "node output: edges[2] from 1 gives shape [2], but Output output takes [1]"},
		{"NaN parameter", func(s *fakeStore) { s.floats["/node/nodes/1/tau"] = vec(nanValue()) }, "node 1: tau[0] is NaN"},
		{"no type", func(s *fakeStore) { delete(s.strings, "/node/nodes/1/type") }, "node 1: no type"},
		{"no node group", func(s *fakeStore) {
			for k := range s.strings {
				if strings.HasPrefix(k, "/node") {
					delete(s.strings, k)
				}
			}
			for k := range s.floats {
				delete(s.floats, k)
			}
		}, "no /node group"},
		{"bias size", func(s *fakeStore) { s.floats["/node/nodes/0/bias"] = vec(0, 0) }, "node 0: bias has 2 values for 1 outputs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := lifNorse()
			c.edit(s)
			_, err := Read("bad.nir", s)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "bad.nir: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, c.want)
			}
		})
	}
}

func nanValue() float64 { var z float64; return z / z }
