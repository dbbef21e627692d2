package netfile

import (
	"fmt"
	"math"

	"gopkg.in/yaml.v3"
)

// Param is a neuron parameter: one number for every neuron, or one value
// per neuron — a list, or an array file read as weights are: {file: p.npy}
// or {file: model.nir, dataset: /node/nodes/lif/tau}, of as many values as
// the population has neurons (any shape, in C order) or of one for all.
type Param struct {
	// Values holds the number, or the list.
	Values []float64
	// File and Dataset name the array instead.
	File, Dataset string
}

// Num is the parameter v for every neuron.
func Num(v float64) *Param { return &Param{Values: []float64{v}} }

// Scalar is the parameter's one value when it is a single number.
func (p *Param) Scalar() (float64, bool) {
	if p == nil || p.File != "" || len(p.Values) != 1 {
		return 0, false
	}
	return p.Values[0], true
}

const paramForms = "want a number, a list of one per neuron or {file: p.npy}"

// UnmarshalYAML reads the three forms of a parameter.
func (p *Param) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var v float64
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %s, got `%s`", n.Line, paramForms, n.Value)
		}
		p.Values = []float64{v}
		return nil
	case yaml.SequenceNode:
		// An empty list is refused by values, which knows the key.
		p.Values = []float64{}
		for _, c := range n.Content {
			var v float64
			if c.Kind != yaml.ScalarNode || c.Decode(&v) != nil {
				return fmt.Errorf("line %d: %s, got `%s` in the list", c.Line, paramForms, c.Value)
			}
			p.Values = append(p.Values, v)
		}
		return nil
	case yaml.MappingNode:
		return fileKeys(n, &p.File, &p.Dataset, nil)
	}
	return fmt.Errorf("line %d: %s", n.Line, paramForms)
}

// MarshalYAML writes the parameter in the form UnmarshalYAML reads.
func (p Param) MarshalYAML() (any, error) {
	switch {
	case p.File != "":
		w := Weight{File: p.File, Dataset: p.Dataset}
		return w.MarshalYAML()
	case len(p.Values) == 1:
		return p.Values[0], nil
	}
	return p.Values, nil
}

// values reads parameter p of a population of size neurons for key at:
// nil when absent, else one value for all neurons or one per neuron,
// every one finite.
func (f *File) values(at string, p *Param, size int) ([]float64, error) {
	if p == nil {
		return nil, nil
	}
	v, src := p.Values, "the list"
	switch {
	case p.File == "" && p.Dataset != "":
		return nil, fmt.Errorf("%s: a parameter file names its file, not only a dataset", at)
	case p.File == "" && len(v) == 0:
		return nil, fmt.Errorf("%s: an empty list or mapping; %s", at, paramForms)
	}
	if p.File != "" {
		a, err := f.readArray(&Weight{File: p.File, Dataset: p.Dataset})
		if err != nil {
			return nil, fmt.Errorf("%s.file: %w", at, err)
		}
		v, src = a.Data, p.File
		if p.Dataset != "" {
			src += " " + p.Dataset
		}
	}
	if len(v) != 1 && len(v) != size {
		return nil, fmt.Errorf("%s: %s holds %d values for %d neurons; give one for all or one per neuron", at, src, len(v), size)
	}
	for j, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s: %s", at, neuronMsg(len(v), j, fmt.Sprintf("must be finite, got %v", x)))
		}
	}
	return v, nil
}

// neuronMsg says msg of value j of n: of neuron j when there is one value
// per neuron.
func neuronMsg(n, j int, msg string) string {
	if n == 1 {
		return msg
	}
	return fmt.Sprintf("neuron %d: %s", j, msg)
}

// varying is v when its values differ (one per neuron), nil when they are
// one value for all (bit for bit, so that −0 stays what it was).
func varying(v []float64) []float64 {
	for _, x := range v {
		if math.Float64bits(x) != math.Float64bits(v[0]) {
			return v
		}
	}
	return nil
}

// keyedParam is a parameter of Params and its key.
type keyedParam struct {
	key string
	p   *Param
}

// params lists every parameter of p that may be given per neuron, by key
// (receptors[k].tau_syn for a receptor's), set or not, in the order they
// are checked.
func (p *Params) params() []keyedParam {
	out := []keyedParam{{"tau_mem", p.TauMem}, {"tau_syn", p.TauSyn}, {"w_in", p.WIn}, {"r", p.R}, {"v_leak", p.VLeak},
		{"v_threshold", p.VThreshold}, {"v_reset", p.VReset}}
	for k, r := range p.Receptors {
		out = append(out, keyedParam{fmt.Sprintf("receptors[%d].tau_syn", k), r.TauSyn}, keyedParam{fmt.Sprintf("receptors[%d].w_in", k), r.WIn})
	}
	return out
}

// fileKeys reads the mapping that names an array file — file, dataset and,
// where transpose is not nil, transpose — into its fields.
func fileKeys(n *yaml.Node, file, dataset *string, transpose *bool) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			return fmt.Errorf("line %d: %s wants a value", v.Line, k.Value)
		}
		switch {
		case k.Value == "file":
			*file = v.Value
		case k.Value == "dataset":
			*dataset = v.Value
		case k.Value == "transpose" && transpose != nil:
			if err := v.Decode(transpose); err != nil {
				return fmt.Errorf("line %d: transpose wants true or false", v.Line)
			}
		default:
			keys := "file and dataset"
			if transpose != nil {
				keys = "file, dataset and transpose"
			}
			// The key in backquotes, which explain turns into its path.
			return fmt.Errorf("line %d: `%s` is not a key of an array file (it has %s)", k.Line, k.Value, keys)
		}
	}
	return nil
}
